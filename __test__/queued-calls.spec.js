'use strict'
// Calls made while a thread is busy wait on the host and reach the thread
// in batches (lib/outbox.js). Whatever the path, a call keeps its order and
// every promise settles.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

/** A thread that logs every call it runs, in order; `block(ms)` keeps it busy. */
const LOGGER = () => {
  const seen = []
  return (op, x) => {
    if (op === 'block') { const end = Date.now() + x; while (Date.now() < end); return 'blocked' }
    if (op === 'log') { seen.push(x); return x }
    if (op === 'seen') return seen
    if (op === 'wait') return new Promise((r) => setTimeout(() => r(x), x))
    return undefined
  }
}

test('calls made while the thread is busy run in the order they were made, shared memory or not', async () => {
  const t = new Thread(LOGGER)
  const busy = t.run('block', 30)
  const sab = new SharedArrayBuffer(8)
  const calls = []
  for (let i = 0; i < 300; i++) {
    // every 7th call references shared memory and is sent on its own
    calls.push(i % 7 === 3 ? t.run('log', [i, sab]).then((r) => r[0]) : t.run('log', i))
  }
  assert.equal(await busy, 'blocked')
  assert.deepEqual(await Promise.all(calls), Array.from({ length: 300 }, (_, i) => i))
  const seen = await t.run('seen')
  assert.deepEqual(seen.map((v) => (Array.isArray(v) ? v[0] : v)), Array.from({ length: 300 }, (_, i) => i))
  await t.close()
})

test('close() right after queuing calls behind a busy thread: every call finishes first', async () => {
  const t = new Thread(LOGGER)
  const busy = t.run('block', 20)
  const calls = Array.from({ length: 100 }, (_, i) => t.run('log', i))
  const closed = t.close()
  assert.equal(await busy, 'blocked')
  assert.deepEqual(await Promise.all(calls), Array.from({ length: 100 }, (_, i) => i))
  await closed
})

test('dispose() with calls held on the host rejects them all with ERR_CLOSED, none runs', async () => {
  const t = new Thread(LOGGER)
  const busy = t.run('wait', 200)
  const calls = Array.from({ length: 50 }, (_, i) => t.run('log', i))
  const settled = Promise.allSettled([busy, ...calls])
  await t.dispose()
  const results = await settled
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'ERR_CLOSED'), JSON.stringify(results.slice(0, 3)))
})

test('a held call aborted before it reached the thread never runs; the calls around it do', async () => {
  const t = new Thread(LOGGER)
  const busy = t.run('block', 20)
  const before = t.run('log', 'before')
  const ac = new AbortController()
  const aborted = t.runWith({ args: ['log', 'aborted'], signal: ac.signal })
  const after = t.run('log', 'after')
  ac.abort()
  await assert.rejects(aborted, { code: 'ERR_ABORTED' })
  await busy
  assert.equal(await before, 'before')
  assert.equal(await after, 'after')
  assert.deepEqual(await t.run('seen'), ['before', 'after'])
  await t.close()
})

test('a held call times out on its own clock, from when it starts on the thread', async () => {
  const t = new Thread(() => (ms) => new Promise((r) => setTimeout(() => r(ms), ms)), { timeout: 100 })
  const first = t.run(60) // runs, answers in time
  const second = t.run(60) // waits 60 ms, then runs 60 ms: still in time
  const third = t.run(500) // times out after 100 ms of its own
  assert.equal(await first, 60)
  assert.equal(await second, 60)
  await assert.rejects(third, { code: 'ERR_TIMEOUT' })
  assert.equal(await t.run(1), 1) // and the thread serves on
  await t.close()
})

test('a thread that dies of its memory limit rejects the calls held for it with ERR_CLOSED', async () => {
  const t = new Thread(() => (grow) => {
    if (!grow) return 'ok'
    const keep = []
    for (;;) keep.push(new Array(1e5).fill(1))
  }, { memoryLimit: 32 })
  const dying = t.run(true)
  const held = Promise.allSettled(Array.from({ length: 20 }, () => t.run(false)))
  await assert.rejects(dying, { code: 'ERR_MEMORY_LIMIT' })
  const results = await held
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'ERR_CLOSED'), JSON.stringify(results.slice(0, 2)))
  await assert.rejects(t.run(false), { code: 'ERR_CLOSED' })
})

test('a burst of many calls on a pool all settle with the right results, spread over its threads', async () => {
  const pool = new ThreadPool(() => (x) => [x * 2, threadId], 2)
  const n = 5000
  const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i)))
  assert.deepEqual(results.map((r) => r[0]), Array.from({ length: n }, (_, i) => i * 2))
  const perThread = new Map()
  for (const [, id] of results) perThread.set(id, (perThread.get(id) || 0) + 1)
  assert.equal(perThread.size, 2)
  assert.equal(pool.stats().completed, n)
  await pool.close()
})

test('stats().cpuTimeMs grows while a call is still running', async () => {
  const t = new Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); })
  const before = t.stats().cpuTimeMs
  let settled = false
  const p = t.run(1000).then(() => { settled = true })
  // (polled: on a loaded machine the thread gets less CPU than wall time)
  let during = before
  while (!settled && during - before < 20) {
    await new Promise((r) => setTimeout(r, 10))
    during = t.stats().cpuTimeMs
  }
  assert.ok(!settled, `cpuTimeMs went from ${before} to ${during} only after the call ended`)
  await p
  assert.ok(t.stats().cpuTimeMs > during)
  await t.close()
  assert.ok(t.stats().cpuTimeMs > during, 'the last reading stays after the thread ended')
})

test('a queued call that runs long does not hold back the answer of the call before it', async () => {
  const t = new Thread(LOGGER)
  await t.run('block', 1)
  const t0 = Date.now()
  const first = t.run('block', 100).then(() => Date.now() - t0)
  const second = t.run('block', 400).then(() => Date.now() - t0)
  const third = t.run('block', 400).then(() => Date.now() - t0)
  const [a, b, c] = await Promise.all([first, second, third])
  assert.ok(a < 300, `the first answer came after ${a} ms (the second call runs 400 ms)`)
  assert.ok(b < 700, `the second answer came after ${b} ms`)
  assert.ok(c >= 900)
  await t.close()
})
