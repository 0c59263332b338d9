'use strict'
// A slot's calls in flight by id (lib/call-table.js): a ring by id, with a
// Map beside it for a call a newer id displaced. Whatever place a call is
// in, it is found, settled once and listed in the order it was made.
const test = require('node:test')
const assert = require('node:assert/strict')
const { CallTable } = require('../lib/call-table')
const { Thread, ThreadPool } = require('..')

test('CallTable: calls displaced by newer ids are still found, deleted once and listed oldest first', () => {
  const t = new CallTable()
  const old = { id: 5 }
  t.add(old)
  // 10,000 newer calls come and go; the old one stays (a long call behind short ones)
  for (let id = 6; id < 10006; id++) {
    t.add({ id })
    assert.equal(t.get(id).id, id)
    if (id % 3 !== 0) assert.equal(t.delete(id), true)
  }
  assert.equal(t.get(5), old)
  const left = t.values().map((c) => c.id)
  assert.equal(left.length, t.size)
  assert.deepEqual(left, [5, ...Array.from({ length: 10000 }, (_, k) => k + 6).filter((id) => id % 3 === 0)])
  assert.equal(t.delete(5), true)
  assert.equal(t.delete(5), false)
  assert.equal(t.get(5), undefined)
  assert.equal(t.has(9), true)
  assert.equal(t.has(10), false)
  for (const c of t.values()) assert.equal(t.delete(c.id), true)
  assert.equal(t.size, 0)
  assert.deepEqual(t.values(), [])
  // emptied after a burst, it takes new calls as before
  const next = { id: 20000 }
  t.add(next)
  assert.equal(t.get(20000), next)
  assert.equal(t.size, 1)
})

test('CallTable: bursts one after another (the grown ring halves as it empties) find every call', () => {
  const t = new CallTable()
  let id = 1
  for (let burst = 0; burst < 4; burst++) {
    const first = id
    for (let i = 0; i < 20000; i++) t.add({ id: id++ })
    for (let k = first; k < id; k++) assert.equal(t.get(k).id, k)
    for (let k = first; k < id; k++) assert.equal(t.delete(k), true)
    assert.equal(t.size, 0)
    // a few lone calls between bursts, each emptying the table again
    for (let i = 0; i < 3; i++) {
      const c = { id: id++ }
      t.add(c)
      assert.equal(t.get(c.id), c)
      assert.equal(t.delete(c.id), true)
    }
  }
  assert.deepEqual(t.values(), [])
})

test('a pool call that waits while thousands of quick calls pass settles with its own value', async () => {
  const pool = new ThreadPool(() => (x) => (x === 'slow' ? new Promise((r) => setTimeout(() => r('slow done'), 300)) : x * 2), 2)
  try {
    const slow = pool.run('slow')
    const quick = []
    for (let i = 0; i < 6000; i++) quick.push(pool.run(i))
    const got = await Promise.all(quick)
    assert.deepEqual(got, Array.from({ length: 6000 }, (_, i) => i * 2))
    assert.equal(await slow, 'slow done')
  } finally {
    await pool.close()
  }
})

test('more calls held on one thread than the ring holds all settle in order with their own values', async () => {
  const t = new Thread(() => {
    const seen = []
    return (x) => { seen.push(x); return x === -1 ? seen : x + 1 }
  })
  try {
    const calls = Array.from({ length: 9000 }, (_, i) => t.run(i))
    const seen = t.run(-1)
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 9000 }, (_, i) => i + 1))
    assert.deepEqual((await seen).slice(0, 9000), Array.from({ length: 9000 }, (_, i) => i))
  } finally {
    await t.close()
  }
})

test('dispose() with more calls in flight than the ring holds rejects every one with ERR_CLOSED', async () => {
  const t = new Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms })
  const first = t.run(50)
  const rest = Array.from({ length: 5000 }, () => t.run(0))
  const all = Promise.allSettled([first, ...rest])
  await t.dispose()
  const settled = await all
  for (const s of settled) {
    assert.equal(s.status, 'rejected')
    assert.equal(s.reason.code, 'ERR_CLOSED')
  }
})
