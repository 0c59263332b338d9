'use strict'
// One lock hammered from 16 threads and the host at once, with thread calls
// ending at random timeouts while they wait for the lock or hold it
// (API.md §4: a thread waiting in lock() stays stoppable; a lock held by a
// thread that ends is released). Each increment is journaled, so one cut
// short by its timeout is either wholly undone or finished by the next
// holder: the counter must equal the increments counted, exactly.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, lock, unlock } = require('..')

const THREADS = 16
const HOST = THREADS // the host's slot in the per-writer counts
// Int32 layout: [0] the counter, [1 + k] writer k's count, then the journal.
const J_WRITER = 2 + THREADS // writer + 1 while an increment is under way, else 0
const J_COUNTER = J_WRITER + 1 // the counter before it
const J_COUNT = J_WRITER + 2 // the writer's count before it
const SLOTS = J_WRITER + 3

/**
 * One increment by writer `k` under the lock (held by the caller). Also in
 * the threads, as source: it uses nothing outside. `spin` widens the window
 * in which a timeout can cut it short.
 */
function increment(a, k, spin) {
  if (a[2 + 16] !== 0) { // a writer was cut short after its journal: finish its increment
    const w = a[2 + 16] - 1
    a[0] = a[2 + 16 + 1] + 1
    a[1 + w] = a[2 + 16 + 2] + 1
    a[2 + 16] = 0
  }
  const x = a[0]
  const c = a[1 + k]
  a[2 + 16 + 1] = x
  a[2 + 16 + 2] = c
  a[2 + 16] = k + 1 // the journal holds: from here the increment counts
  for (let j = 0; j < spin; j++);
  a[0] = x + 1 // a non-atomic read-modify-write, right only under the lock
  a[1 + k] = c + 1
  a[2 + 16] = 0
}

/** `p`, or a rejection naming `what` after `ms` (a waiter left behind fails the test, not the run). */
function within(p, ms, what) {
  let timer
  const late = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

test('16 threads and the host hammer one lock, calls ending at random timeouts: no lost update, no waiter left behind', { timeout: 300000 }, async () => {
  assert.equal(J_WRITER, 2 + 16) // the layout increment() spells out
  const sab = new SharedArrayBuffer(4 * SLOTS)
  const v = new Int32Array(sab)
  const src = `const increment = ${increment.toString()}
    return (s, k, n) => {
      const a = new Int32Array(s)
      for (let i = 0; i < n; i++) {
        lock('hammer')
        increment(a, k, i % 50 === 49 ? 300000 : (i % 7) * 100) // now and then a long hold
        unlock('hammer')
      }
      return n
    }`
  const threads = Array.from({ length: THREADS }, () => new Thread(new Function(src)))
  let cut = 0
  let whole = 0
  const lanes = threads.map(async (t, k) => {
    for (let round = 0; round < 4; round++) {
      // Most calls end at a random timeout, in lock() or holding it; some run whole.
      const timeout = Math.random() < 0.8 ? 1 + Math.floor(Math.random() * 40) : undefined
      try {
        assert.equal(await t.runWith({ args: [sab, k, 2000], timeout }), 2000)
        whole++
      } catch (err) {
        assert.equal(err.code, 'ERR_TIMEOUT')
        cut++
      }
    }
  })
  let hostTakes = 0
  const hostLane = (async () => {
    for (let i = 0; i < 300; i++) {
      await lock('hammer')
      hostTakes++
      if (Math.random() < 0.3) await new Promise((r) => setImmediate(r)) // hold it across a turn of the event loop
      increment(v, HOST, 0)
      unlock('hammer')
    }
  })()
  // Every call and every host lock() settles.
  await within(Promise.all([...lanes, hostLane]), 240000, 'the hammering')
  assert.ok(cut > 0, 'some calls were cut short by their timeout')

  // Nobody holds the lock or is left queued for it: the host and then each
  // thread take it at once.
  await within(lock('hammer'), 5000, 'the host lock() after the hammering')
  increment(v, HOST, 0) // also finishes an increment cut short last
  unlock('hammer')
  for (const [k, t] of threads.entries()) assert.equal(await within(t.runWith({ args: [sab, k, 1], timeout: 5000 }), 6000, `thread ${k}'s lock()`), 1)

  let counted = 0
  for (let k = 0; k <= HOST; k++) counted += v[1 + k]
  assert.equal(v[J_WRITER], 0)
  assert.equal(v[1 + HOST], hostTakes + 1)
  assert.equal(v[0], counted, `counter ${v[0]} vs ${counted} increments counted (${cut} calls cut short, ${whole} whole)`)
  assert.ok(counted >= hostTakes + 1 + whole * 2000 + THREADS, `${counted} increments, fewer than the calls that ran whole made`)
  await Promise.all(threads.map((t) => t.close()))
})
