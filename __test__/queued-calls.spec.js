'use strict'
// Calls made while a thread is busy wait on the host and reach the thread
// in batches (lib/outbox.js). Whatever the path, a call keeps its order and
// every promise settles.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Thread, ThreadPool } = require('..')
const { spawnSync } = require('node:child_process')
const { ROOT, describe } = require('./helpers')

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

// After handing held calls over, the host waits up to 30 µs for their
// results before its event loop gets the turn (lib/outbox.js).

/**
 * Run `body` in a child process where `waits()` counts the host's waits
 * for results of held calls (awaitEvents(30 µs, yielding, no lane)); the
 * library loads after the count is in place, so not through runChild.
 * Returns the last line the child prints, parsed.
 */
function withWaitCount(body) {
  const script = `
    const events = require(${JSON.stringify(path.join(ROOT, 'lib', 'host-events.js'))})
    const awaitEvents = events.awaitEvents
    let count = 0
    const waits = () => count
    events.awaitEvents = (us, yielding, lane) => {
      if (us === 30 && yielding === true && lane === undefined) count++
      return awaitEvents(us, yielding, lane)
    }
    const lib = require(${JSON.stringify(ROOT)})
    ${body}
  `
  const c = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 })
  const r = { status: c.status, signal: c.signal, stdout: c.stdout, stderr: c.stderr }
  assert.equal(r.status, 0, describe(r))
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

test('the host waits for the results of calls it held back, and lets its event loop turn at least every 64 waits', () => {
  const out = withWaitCount(`
    const pool = new lib.ThreadPool(() => (x) => x + 1, 2)
    // Each turn of the event loop notes the waits made since the last.
    let most = 0, seen = 0, going = true
    const turn = () => { most = Math.max(most, waits() - seen); seen = waits(); if (going) setImmediate(turn) }
    setImmediate(turn)
    let calls = 0, bad = 0
    const until = Date.now() + 300
    const lane = async () => { while (Date.now() < until) { const x = calls++; if ((await pool.run(x)) !== x + 1) bad++ } }
    Promise.all(Array.from({ length: 64 }, lane)).then(() => { going = false; return pool.close() }).then(() => {
      console.log(JSON.stringify({ bad, most, waits: waits(), many: calls > 1000 }))
      process.exit(0)
    })
  `)
  assert.deepEqual({ bad: out.bad, many: out.many }, { bad: 0, many: true })
  assert.ok(out.waits > 0, 'the host waited for results')
  // Without the bound one turn held thousands of waits: the loop stood still.
  assert.ok(out.most <= 64, `${out.most} waits in one turn of the event loop`)
})

test('the host stops waiting after hand-overs whose results do not come within the wait', () => {
  const out = withWaitCount(`
    // 8 calls in flight on one thread, 5 ms each: every result frees a
    // held call, and the next result is 5 ms away.
    const t = new lib.Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms })
    let made = 0
    const lane = async () => { while (made < 80) { made++; await t.run(5) } }
    Promise.all(Array.from({ length: 8 }, lane)).then(() => t.close()).then(() => {
      console.log(JSON.stringify({ made, waits: waits() }))
      process.exit(0)
    })
  `)
  assert.equal(out.made, 80)
  // Three misses in a row stop the waits, then one probe every 64 hand-overs.
  assert.ok(out.waits >= 3 && out.waits <= 6, `${out.waits} waits for ${out.made} calls`)
})
