'use strict'
// piscina's tests (piscinajs/piscina test/*.test.ts) rewritten for ThreadPool where the
// contracts meet; each test is prefixed with the piscina file it ports (poolSize stands
// for maxThreads). Not ported, as ThreadPool lacks them: concurrentTasksPerWorker,
// custom task queues/load balancers, workerData/env/argv/execArgv, resourceLimits, nice,
// atomics modes, recordTiming/workerHistogram switches, Piscina.move and transferable
// symbols, EventEmitter signals, pool events other than 'message' and 'drain' ('needsDrain', 'workerCreate', ...),
// per-run task names and filenames, async_hooks resources, close({ force })/closeTimeout
// (destroy() after close() instead) and process.exit() in a worker (threads have no process).
// Where piscina replaces a worker after an abort, isothread keeps the warm isolate by design.
// The cases that copy what a piscina user observes (completion and start order, queueSize,
// maxQueue, drain/needsDrain, idleTimeout/minThreads, thread count, close() draining) also run
// side by side with a real Piscina in pool-vs-piscina.spec.js.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { getEventListeners } = require('node:events')
const { pathToFileURL } = require('node:url')
const { ThreadPool, notify } = require('..')
const { runChild, describe } = require('./helpers')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function until(pred, end = Date.now() + 5000) {
  while (!pred()) { if (Date.now() > end) throw new Error('condition not met in time'); await sleep(2) }
}

// A gate: the thread marks gate[1] when it arrives and blocks until gate[0] is set.
const newGate = () => new Int32Array(new SharedArrayBuffer(8))
const open = (gate) => { Atomics.store(gate, 0, 1); notify(gate, 0) }
const GATED = () => (gate, tag) => {
  if (gate) { Atomics.add(gate, 1, 1); while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 50) }
  return [tag, threadId]
}
const SLEEPER = () => (ms, v) => new Promise((r) => setTimeout(() => r(v), ms))

test('simple-test: a task resolves the call with its value, and a returned promise is awaited', async () => {
  const pool = new ThreadPool(() => (x, later) => (later ? new Promise((r) => setTimeout(() => r(x * 2), 5)) : x * 2), 2)
  assert.equal(await pool.run(21, false), 42)
  assert.equal(await pool.run(21, true), 42)
  await pool.close()
})

test('post-task: a context loaded asynchronously serves calls once ready', async () => {
  const pool = new ThreadPool(async () => { await new Promise((r) => setTimeout(r, 20)); return (x) => x }, 2)
  assert.deepEqual(await Promise.all([pool.run(1), pool.run(2), pool.run(3)]), [1, 2, 3])
  await pool.close()
})

test('simple-test: a module context given as a file: URL runs its default export, top-level await included', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-piscina-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'worker.mjs')
  fs.writeFileSync(file, 'const base = await Promise.resolve(40)\nexport default (x) => x + base\nexport const b = () => "b"\n')
  const pool = new ThreadPool({ module: pathToFileURL(file).href }, 2)
  assert.deepEqual(await Promise.all([pool.run(2), pool.run(1)]), [42, 41])
  const named = new ThreadPool({ module: file, export: 'b' }, 1)
  assert.equal(await named.run(), 'b')
  await Promise.all([pool.close(), named.close()])
})

test('atomics-optimization: 10000 calls on a two-thread pool all resolve with the right values', async () => {
  const pool = new ThreadPool(() => (i) => i * 3, 2)
  const results = await Promise.all(Array.from({ length: 10000 }, (_, i) => pool.run(i)))
  assert.ok(results.every((v, i) => v === i * 3))
  assert.equal(pool.stats().completed, 10000)
  await pool.close()
})

test('post-task: a transferred ArrayBuffer arrives whole and is detached on the sender', async () => {
  const pool = new ThreadPool(() => (view) => [view.length, view[3]], 1)
  const ab = new ArrayBuffer(40)
  new Uint8Array(ab)[3] = 7
  assert.deepEqual(await pool.runWith({ args: [new Uint8Array(ab)], transfer: [ab] }), [40, 7])
  assert.equal(ab.byteLength, 0)
  assert.equal(pool.stats().completed, 1)
  await pool.close()
})

test('move-test: with an empty transfer list the buffer is copied and the sender keeps it', async () => {
  const pool = new ThreadPool(() => (buf) => buf, 1)
  const ab = new ArrayBuffer(10)
  const back = await pool.runWith({ args: [ab], transfer: [] })
  assert.equal(ab.byteLength, 10)
  assert.ok(back instanceof ArrayBuffer)
  assert.equal(back.byteLength, 10)
  await pool.close()
})

test('test-is-buffer-transferred: a returned buffer is cloned, so the thread keeps its own copy', async () => {
  const pool = new ThreadPool(() => { const kept = new Uint8Array(16); return (op) => (op === 'send' ? kept.buffer : kept.byteLength) }, 1)
  const sent = await pool.run('send')
  assert.equal(sent.byteLength, 16)
  assert.equal(await pool.run('get'), 16) // piscina moves it (0 there); results here are never transferred
  await pool.close()
})

test('post-task: a task that throws or rejects rejects the call with the same class and message', async () => {
  const pool = new ThreadPool(() => (how) => {
    if (how === 'throw') throw new RangeError('foo')
    return Promise.reject(new TypeError('bar'))
  }, 1)
  await assert.rejects(pool.run('throw'), (e) => e instanceof RangeError && e.message === 'foo')
  await assert.rejects(pool.run('reject'), (e) => e instanceof TypeError && e.message === 'bar')
  await pool.close()
})

test('post-task: bad run options reject with ERR_INVALID_ARG instead of throwing', async () => {
  const pool = new ThreadPool(() => (x) => x, 1)
  for (const opts of [42, { args: [0], transfer: 42 }, { args: [0], signal: 42 }, { args: 'nope' }]) {
    let p
    assert.doesNotThrow(() => { p = pool.runWith(opts) })
    await assert.rejects(p, { code: 'ERR_INVALID_ARG' }, JSON.stringify(opts))
  }
  await pool.close()
})

test('abort-task: a running call aborted through an AbortController rejects with ERR_ABORTED and the reason as cause', async () => {
  const pool = new ThreadPool(() => (flag) => { Atomics.store(flag, 0, 1); for (;;); }, 1)
  const flag = newGate()
  const ac = new AbortController()
  const reason = new Error('custom reason')
  const call = pool.runWith({ args: [flag], signal: ac.signal })
  await until(() => Atomics.load(flag, 0) === 1) // it is running
  ac.abort(reason)
  await assert.rejects(call, (e) => e.code === 'ERR_ABORTED' && e.cause === reason)
  await pool.close()
})

test('abort-task: a queued call aborted before it runs rejects and never runs; the call ahead finishes', async () => {
  const pool = new ThreadPool(GATED, 1)
  const first = newGate()
  const second = newGate()
  const running = pool.run(first, 'first')
  const ac = new AbortController()
  const queued = pool.runWith({ args: [second, 'second'], signal: ac.signal })
  assert.equal(pool.queueLength, 1)
  ac.abort()
  await assert.rejects(queued, { code: 'ERR_ABORTED' })
  open(first)
  assert.equal((await running)[0], 'first')
  assert.equal(Atomics.load(second, 1), 0, 'the aborted call never reached the thread')
  await pool.close()
})

test('abort-task: an already aborted signal rejects at once, with its reason, and moves nothing', async () => {
  const pool = new ThreadPool(() => (x) => x, 1)
  const ac = new AbortController()
  const reason = new Error('custom reason')
  ac.abort(reason)
  const data = new ArrayBuffer(4)
  await assert.rejects(pool.runWith({ args: [data], transfer: [data], signal: ac.signal }), (e) => e.code === 'ERR_ABORTED' && e.cause === reason)
  assert.equal(data.byteLength, 4)
  assert.equal(pool.stats().completed, 0)
  await pool.close()
})

test('abort-task: a call with a signal removes its abort listener once it settles', async () => {
  const pool = new ThreadPool(() => (x) => x + 1, 1)
  const ac = new AbortController()
  assert.equal(await pool.runWith({ args: [1], signal: ac.signal }), 2)
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
  await pool.close()
})

test('workers: aborting a running infinite loop does not cost a thread; the calls behind it all complete', async () => {
  const pool = new ThreadPool(() => (spin) => { if (spin) for (;;); return threadId }, 2)
  const ids = new Set(pool.stats().threads.map((t) => t.threadId))
  assert.equal(ids.size, 2)
  const ac = new AbortController()
  const spinning = pool.runWith({ args: [true], signal: ac.signal })
  const rest = Array.from({ length: 10 }, () => pool.run(false))
  ac.abort()
  await assert.rejects(spinning, { code: 'ERR_ABORTED' })
  for (const id of await Promise.all(rest)) assert.ok(ids.has(id), `unknown thread ${id}`)
  assert.equal(pool.size, 2)
  await pool.close()
})

test('task-queue: calls wait in the queue while every thread is busy, and leave it as threads free up', async () => {
  const pool = new ThreadPool(GATED, 2)
  assert.equal(pool.queueLength, 0)
  const gates = [newGate(), newGate(), newGate(), newGate()]
  const calls = [pool.run(gates[0], 0), pool.run(gates[1], 1)]
  assert.equal(pool.queueLength, 0)
  for (const i of [2, 3]) { calls.push(pool.run(gates[i], i)); assert.equal(pool.queueLength, i - 1) }
  gates.slice(0, 2).forEach(open)
  await Promise.all(calls.slice(0, 2))
  await until(() => Atomics.load(gates[2], 1) === 1 && Atomics.load(gates[3], 1) === 1)
  assert.equal(pool.queueLength, 0)
  gates.forEach(open)
  assert.deepEqual((await Promise.all(calls)).map((r) => r[0]), [0, 1, 2, 3])
  await pool.close()
})

test('task-queue: maxQueue n queues n calls, rejects the next with ERR_QUEUE_FULL, and destroy() rejects the rest', async () => {
  const pool = new ThreadPool(() => () => { for (;;); }, 1, { maxQueue: 2 })
  const calls = Promise.allSettled([pool.run(), pool.run(), pool.run()])
  assert.equal(pool.queueLength, 2)
  await assert.rejects(pool.run(), { code: 'ERR_QUEUE_FULL' })
  await pool.destroy()
  assert.deepEqual((await calls).map((r) => r.reason.code), ['ERR_CLOSED', 'ERR_CLOSED', 'ERR_CLOSED'])
})

test('task-queue: maxQueue 0 rejects a call when every thread is busy', async () => {
  const pool = new ThreadPool(() => () => { for (;;); }, 1, { maxQueue: 0 })
  const running = assert.rejects(pool.run(), { code: 'ERR_CLOSED' })
  assert.equal(pool.queueLength, 0)
  await assert.rejects(pool.run(), { code: 'ERR_QUEUE_FULL' })
  await pool.destroy()
  await running
})

test("option-validation: maxQueue 'auto' is poolSize squared", async () => {
  const pool = new ThreadPool(() => () => { for (;;); }, 2, { maxQueue: 'auto' })
  const calls = Promise.allSettled(Array.from({ length: 6 }, () => pool.run())) // 2 running, 4 queued
  assert.equal(pool.queueLength, 4)
  await assert.rejects(pool.run(), { code: 'ERR_QUEUE_FULL' })
  await pool.destroy()
  assert.ok((await calls).every((r) => r.reason.code === 'ERR_CLOSED'))
})

test('option-validation: bad constructor arguments throw ERR_INVALID_ARG', () => {
  const ok = () => () => 1
  // piscina's filename, maxThreads, options, name and maxQueue checks; timeout, reffed, memoryLimit
  // and scheduler stand in for idleTimeout, trackUnmanagedFds, resourceLimits and loadBalancer
  const bad = [[12, 1], [ok, -1], [ok, 0], [ok, 'string'], [ok, 2.5], [ok, 1, 0], [ok, 1, 'opts'], [ok, 1, { name: 12 }],
    [ok, 1, { maxQueue: -1 }], [ok, 1, { maxQueue: 'string' }], [ok, 1, { maxQueue: 1.5 }], [ok, 1, { timeout: -1 }],
    [ok, 1, { timeout: 'string' }], [ok, 1, { reffed: -1 }], [ok, 1, { reffed: 'string' }], [ok, 1, { memoryLimit: {} }],
    [ok, 1, { memoryLimit: 0 }], [ok, 1, { scheduler: 'random' }]]
  for (const args of bad) assert.throws(() => new ThreadPool(...args), { code: 'ERR_INVALID_ARG' }, String(args[1]) + JSON.stringify(args[2]))
})

test('stricter-fifo: a one-thread pool runs queued calls in the order they were made', async () => {
  const pool = new ThreadPool(() => { const log = []; return (t) => { if (t === 'log') return log; log.push(t); return t } }, 1)
  const tasks = Array.from({ length: 20 }, (_, i) => ({ i }))
  await Promise.all(tasks.map((t) => pool.run(t)))
  assert.deepEqual(await pool.run('log'), tasks)
  await pool.close()
})

test('queued-task-prefers-ready-worker: calls go to a free thread, not behind a blocked one', async () => {
  const pool = new ThreadPool(GATED, 2)
  const gate = newGate()
  const held = pool.run(gate, 'held')
  await until(() => Atomics.load(gate, 1) === 1)
  const others = Promise.all(['a', 'b', 'c'].map((t) => pool.run(null, t)))
  const stuck = new Promise((r) => setTimeout(r, 5000).unref()).then(() => 'stuck behind the held call')
  assert.notEqual(await Promise.race([others, stuck]), 'stuck behind the held call') // all settle while `held` blocks
  open(gate)
  const [, heldId] = await held
  assert.ok((await others).every(([, id]) => id !== heldId), JSON.stringify({ others: await others, heldId }))
  await pool.close()
})

test('idle-timeout: two calls on a pool of two run at the same time, on different threads', async () => {
  // each call waits (bounded) until both have arrived: only true parallelism lets both see 2
  const pool = new ThreadPool(() => (cell) => {
    Atomics.add(cell, 0, 1); Atomics.notify(cell, 0)
    const end = Date.now() + 3000
    for (let v; (v = Atomics.load(cell, 0)) < 2 && Date.now() < end;) Atomics.wait(cell, 0, v, 50)
    return [Atomics.load(cell, 0), threadId]
  }, 2)
  const cell = new Int32Array(new SharedArrayBuffer(4))
  const [a, b] = await Promise.all([pool.run(cell), pool.run(cell)])
  assert.deepEqual([a[0], b[0]], [2, 2])
  assert.notEqual(a[1], b[1])
  await pool.close()
})

test('idle-timeout: an idle pool never keeps the process alive', () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => (x) => new Promise((r) => setTimeout(() => r(x * 2), 30)), 2)
    pool.run(21).then((v) => console.log('result', v))
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /result 42/)
})

test('thread-count: size is poolSize from construction and 0 once destroy() or close() resolved', async () => {
  const [a, b] = [new ThreadPool(() => (x) => x, 3), new ThreadPool(() => (x) => x, 2)]
  assert.deepEqual([a.size, b.size], [3, 2])
  await a.run(1)
  await Promise.all([a.destroy(), b.close()])
  assert.deepEqual([a.size, b.size], [0, 0])
})

test('pool-close: closing a pool with no pending calls resolves, and later calls reject with ERR_CLOSED', async () => {
  const pool = new ThreadPool(SLEEPER, 2)
  await pool.close()
  assert.equal(pool.size, 0)
  await assert.rejects(pool.run(1, 'x'), { code: 'ERR_CLOSED' })
})

test('pool-close: running and queued calls all complete before close() resolves', async () => {
  const pool = new ThreadPool(SLEEPER, 1)
  const t1 = pool.run(50, 1)
  const t2 = pool.run(50, 2)
  const closed = new Promise((resolve, reject) => setImmediate(() => pool.close().then(resolve, reject)))
  assert.deepEqual(await Promise.all([t1, t2]), [1, 2])
  await closed
  assert.equal(pool.size, 0)
})

test('pool-close: a call made while the pool is closing rejects with ERR_CLOSED; the running one completes', async () => {
  const pool = new ThreadPool(SLEEPER, 1)
  const running = pool.run(50, 'done')
  const closing = pool.close()
  await assert.rejects(pool.run(1, 'late'), { code: 'ERR_CLOSED' })
  assert.equal(await running, 'done')
  await closing
})

test('pool-close: destroy() after close() cuts a hanging call short and the pending close() resolves', async () => {
  const pool = new ThreadPool(() => () => new Promise(() => {}), 1)
  const calls = [assert.rejects(pool.run(), { code: 'ERR_CLOSED' }), assert.rejects(pool.run(), { code: 'ERR_CLOSED' })]
  const closing = pool.close()
  await sleep(20)
  await pool.destroy()
  await Promise.all([...calls, closing])
  assert.equal(pool.size, 0)
})

test('pool-close: close() does not wait for timers a finished call left running', async () => {
  const pool = new ThreadPool(() => () => { setInterval(() => {}, 5); return 'ok' }, 1)
  assert.deepEqual([await pool.run(), await pool.run()], ['ok', 'ok'])
  const late = new Promise((r) => setTimeout(r, 3000).unref()).then(() => 'close() waited for the timers')
  assert.equal(await Promise.race([pool.close().then(() => 'closed'), late]), 'closed')
})

test('pool-destroy: destroy() while a call runs an infinite loop rejects it with ERR_CLOSED', async () => {
  const pool = new ThreadPool(() => () => { for (;;); }, 1)
  const call = pool.run()
  setImmediate(() => pool.destroy())
  await assert.rejects(call, { code: 'ERR_CLOSED' })
})

test('test-uncaught-exception-from-handler: an error thrown by the task rejects the call with its message', async () => {
  const pool = new ThreadPool(() => () => { throw new Error('not_caught') }, 1)
  await assert.rejects(pool.run(), { message: 'not_caught' })
  await pool.close()
})

test('test-uncaught-exception-from-handler: a timer that throws while the call is pending rejects that call; the thread serves on', async () => {
  const pool = new ThreadPool(() => (mode) => {
    if (mode === 'timer') { setTimeout(() => { throw new Error('not_caught') }, 5); return new Promise(() => {}) }
    if (mode === 'rejection') { Promise.reject(new Error('unhandled')); return new Promise(() => {}) }
    return 'still here'
  }, 1)
  await assert.rejects(pool.run('timer'), { message: 'not_caught' })
  await assert.rejects(pool.run('rejection'), { message: 'unhandled' })
  assert.equal(await pool.run('ok'), 'still here')
  assert.equal(pool.size, 1)
  await pool.close()
})

test('test-uncaught-exception-from-handler: a timer that throws after the call returned is reported on stderr and the pool serves on', () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => (late) => { if (late) setTimeout(() => { throw new Error('not_caught') }, 10); return 42 }, 1)
    ;(async () => {
      console.log('first', await pool.run(true))
      await new Promise((r) => setTimeout(r, 200))
      console.log('second', await pool.run(false))
    })()
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /first 42\nsecond 42/)
  assert.match(r.stderr, /thread.*not_caught|not_caught[\s\S]*thread/)
})

test('test-uncaught-exception-from-handler: a thread lost to a fatal error is replaced by a fresh isolate', async () => {
  // piscina's worker dies of process.exit(); the fatal end here is the memory limit
  const pool = new ThreadPool(() => { let runs = 0; return (hog) => { runs++; if (hog) { const a = []; for (;;) a.push({ a }) } return runs } }, 1, { memoryLimit: 16 })
  assert.equal(await pool.run(false), 1)
  assert.equal(await pool.run(false), 2)
  await assert.rejects(pool.run(true), { code: 'ERR_MEMORY_LIMIT' })
  assert.equal(await pool.run(false), 1, 'the context ran anew')
  assert.equal(pool.size, 1)
  await pool.close()
})

test('histogram: stats() keeps wait and run times as { mean, p50, p99 } in ms', async () => {
  const pool = new ThreadPool(SLEEPER, 1)
  await Promise.all(Array.from({ length: 5 }, (_, i) => pool.run(30, i)))
  const { waitTime, runTime, completed, failed } = pool.stats()
  assert.equal(completed, 5)
  assert.equal(failed, 0)
  for (const h of [waitTime, runTime]) {
    assert.deepEqual(Object.keys(h).sort(), ['mean', 'p50', 'p99'])
    for (const v of Object.values(h)) assert.ok(Number.isFinite(v) && v >= 0, JSON.stringify(h))
    assert.ok(h.p99 >= h.p50, JSON.stringify(h))
  }
  assert.ok(runTime.p50 >= 20, `runTime ${JSON.stringify(runTime)} for 30 ms calls`)
  assert.ok(waitTime.mean >= 10, `waitTime ${JSON.stringify(waitTime)} for calls queued behind 30 ms calls`)
  await pool.close()
})

test('histogram: each thread keeps its own stats, which add up to the pool counters', async () => {
  const pool = new ThreadPool(() => (fail) => { if (fail) throw new Error('x'); return 1 }, 2)
  await Promise.allSettled(Array.from({ length: 10 }, (_, i) => pool.run(i % 5 === 0)))
  const s = pool.stats()
  assert.equal(s.threads.length, 2)
  assert.equal(s.threads.reduce((n, t) => n + t.runs, 0), s.completed)
  assert.equal(s.threads.reduce((n, t) => n + t.failures, 0), s.failed)
  assert.equal(s.completed, 10)
  assert.equal(s.failed, 2)
  await pool.close()
})

test('console-log: console.log and console.error in a thread reach the host stdout and stderr', () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => () => { console.log('A'); console.error('B') }, 1)
    pool.run().then(() => pool.close())
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.equal(r.stdout, 'A\n')
  assert.equal(r.stderr, 'B\n')
})

test('idle-timeout: idle timeout will let go of threads early', async () => {
  const pool = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(() => r(threadId), ms)), 2, { idleTimeout: 200, minThreads: 1 })
  assert.equal(pool.size, 1)
  const first = [pool.run(20), pool.run(20)]
  assert.equal(pool.size, 2)
  const early = await Promise.all(first)
  await until(() => pool.size === 1)
  const second = [pool.run(20), pool.run(20)]
  assert.equal(pool.size, 2)
  const late = await Promise.all(second)
  // One thread idled out in between, one was kept and reused.
  assert.equal(new Set([...early, ...late]).size, 3)
  await pool.close()
})

test('thread-count: will start with minThreads and max out at poolSize', async () => {
  const pool = new ThreadPool(() => () => { for (;;); }, 4, { minThreads: 2 })
  assert.equal(pool.size, 2)
  const calls = []
  for (const size of [2, 2, 3, 4, 4]) {
    calls.push(pool.run())
    assert.equal(pool.size, size)
  }
  const settled = Promise.allSettled(calls)
  await pool.destroy()
  assert.equal(pool.size, 0, 'thread count should be 0 upon destruction')
  assert.ok((await settled).every((r) => r.reason.code === 'ERR_CLOSED'))
})

test('post-task: the pool emits drain, and needsDrain is false by then', async () => {
  const pool = new ThreadPool(() => (x) => x, 1)
  let drained = false
  let needsDrain = true
  pool.on('drain', () => { drained = true; needsDrain = pool.needsDrain })
  await Promise.all([pool.run(123), pool.run(123), pool.run(123)])
  assert.ok(drained)
  assert.equal(needsDrain, false)
  await pool.close()
})

test('post-task: needsDrain is true when the queue reaches maxQueue, and drain follows', async () => {
  const pool = new ThreadPool(() => (x) => x, 1, { maxQueue: 3 })
  const drained = new Promise((r) => pool.once('drain', r))
  const calls = [pool.run(1), pool.run(2), pool.run(3), pool.run(4)]
  assert.ok(pool.needsDrain)
  await drained
  assert.deepEqual(await Promise.all(calls), [1, 2, 3, 4])
  await pool.close()
})
