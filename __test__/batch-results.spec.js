'use strict'
// Results cross to the host in batches, in arrays the host reuses from one
// batch to the next (src/binding/napi_raw/events.rs): every call still gets
// its own value, whatever its size, however many share a batch, and with
// other events (host function calls) delivered between batches.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

const value = (i) => ({ i, s: 'v'.repeat(i % 300) + i, list: Array.from({ length: i % 7 }, (_, k) => k * i) })

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
