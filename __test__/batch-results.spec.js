'use strict'
// Results cross to the host in batches, in arrays the host reuses from one
// batch to the next (src/binding/napi_raw/events.rs), handed to JS by the
// event callback or as the lone call's wait's answer: every call still gets
// its own value, whatever its size, however many share a batch, and with
// other events (host function calls) delivered between batches.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

const value = (i) => ({ i, s: 'v'.repeat(i % 300) + i, list: Array.from({ length: i % 7 }, (_, k) => k * i) })

// First in this file: the arrays are still their first size here.
test('calls awaited one at a time settle from the arrays the wait leaves their results in, new ones too', async () => {
  // A lone call's short wait takes the answer's batch as its return value
  // (lib/liveness.js settleKept): when a bigger value made the addon replace
  // the arrays, the host fetches the new ones before reading.
  const t = new Thread(() => (n, c, fail) => { if (fail) throw new Error(c.repeat(n)); return c.repeat(n) })
  const sizes = [3, 20000, 7, 40000, 1, 63000, 2, 0, 50000, 9]
  for (let round = 0; round < 3; round++) {
    for (const [i, n] of sizes.entries()) {
      const c = String.fromCharCode(97 + i + round)
      if ((i + round) % 4 === 3) await assert.rejects(t.run(n, c, true), (e) => e.message === c.repeat(n))
      else assert.equal(await t.run(n, c, false), c.repeat(n))
    }
  }
  await t.close()
})

test('thousands of calls in flight each settle with their own value', async () => {
  const pool = new ThreadPool(() => (i) => ({ i, s: 'v'.repeat(i % 300) + i, list: Array.from({ length: i % 7 }, (_, k) => k * i) }), 2)
  for (let round = 0; round < 3; round++) {
    const n = 3000
    const got = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i + round)))
    got.forEach((v, i) => assert.deepEqual(v, value(i + round)))
  }
  await pool.close()
})

test('a batch larger than any before (values up to 60 KB) grows the arrays; the next small ones still read right', async () => {
  const t = new Thread(() => (n, c) => c.repeat(n))
  const sizes = [10, 60000, 5, 60000, 60000, 1, 30000]
  const big = await Promise.all(sizes.map((n, i) => t.run(n, String.fromCharCode(97 + i))))
  big.forEach((s, i) => assert.equal(s, String.fromCharCode(97 + i).repeat(sizes[i])))
  const small = await Promise.all(Array.from({ length: 100 }, (_, i) => t.run(i % 3, 'x')))
  small.forEach((s, i) => assert.equal(s, 'x'.repeat(i % 3)))
  await t.close()
})

test('results and host function calls interleaved: each result is its own', async () => {
  const pool = new ThreadPool(() => async (i) => {
    const twice = i % 5 === 0 ? await parent.host.twice(i) : i * 2
    return { i, twice }
  }, 2, { host: { twice: (x) => x * 2 } })
  const n = 2000
  const got = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i)))
  got.forEach((v, i) => assert.deepEqual(v, { i, twice: i * 2 }))
  await pool.close()
})
