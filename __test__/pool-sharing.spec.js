'use strict'
// Least-busy pools keep one queue (src/runtime/pool.rs): a thread with nothing
// to do takes the next call, never one waiting behind a busy sibling.
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')

const WORKER = () => (op, x) => {
  if (op === 'block') { const end = Date.now() + x; while (Date.now() < end); return threadId }
  if (op === 'forever') { Atomics.store(new Int32Array(x), 0, threadId); for (;;); }
  return threadId
}

test('calls queued behind a long call are taken by the idle thread, not kept waiting', async () => {
  const pool = new ThreadPool(WORKER, 2)
  const t0 = Date.now()
  const long = pool.run('block', 400).then((id) => ({ id, at: Date.now() - t0 }))
  const short = Array.from({ length: 20 }, () => pool.run('block', 5).then((id) => ({ id, at: Date.now() - t0 })))
  const shorts = await Promise.all(short)
  const l = await long
  assert.ok(shorts.every((s) => s.id !== l.id), 'every short call ran on the other thread')
  assert.ok(shorts.every((s) => s.at < l.at), `short calls ended by ${Math.max(...shorts.map((s) => s.at))} ms, the long one at ${l.at} ms`)
  // Each call settled once, counted by the pool.
  assert.equal(pool.stats().completed, 21)
  await pool.close()
})

test('round-robin pools keep every call where it was placed', async () => {
  const pool = new ThreadPool(WORKER, 2, { scheduler: 'round-robin' })
  const ids = await Promise.all([pool.run('block', 200), pool.run('block', 1), pool.run('block', 1), pool.run('block', 1)])
  assert.equal(ids[2], ids[0], 'call 2 waited for thread 0')
  assert.equal(ids[3], ids[1])
  await pool.close()
})

test('aborting a call a sibling took stops it there; that thread serves on', async () => {
  const pool = new ThreadPool(WORKER, 2)
  await Promise.all([pool.run('id'), pool.run('id')]) // both threads up and idle
  const sab = new SharedArrayBuffer(4)
  const blocked = pool.run('block', 1500) // thread A
  const short = pool.run('block', 20) // thread B, the idle one
  const ac = new AbortController()
  // Both threads busy: it waits in the pool's queue, for whichever frees first.
  const queued = pool.runWith({ args: ['forever', sab], signal: ac.signal })
  const other = await short
  const started = Date.now()
  while (Atomics.load(new Int32Array(sab), 0) === 0 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 5))
  assert.equal(Atomics.load(new Int32Array(sab), 0), other, 'B took the endless call from A')
  ac.abort()
  await assert.rejects(queued, { code: 'ERR_ABORTED' })
  // B is free again while A is still blocked: this call answers from B.
  assert.equal(await pool.run('id'), other)
  const a = await blocked
  assert.notEqual(a, other)
  await pool.close()
})
