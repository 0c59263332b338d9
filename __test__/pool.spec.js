'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')
const { runChild, spawnChild, describe, noCrashOutput } = require('./helpers')

test('a pool runs calls on its threads and returns their results', async () => {
  const pool = new ThreadPool(() => { const k = 2; return (x) => x * k }, 3)
  assert.equal(pool.size, 3)
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.run(i)))
  assert.deepEqual(results, Array.from({ length: 30 }, (_, i) => i * 2))
  await pool.close()
  assert.equal(pool.size, 0)
})

test('round-robin hands call n to thread n mod size', async () => {
  const pool = new ThreadPool(() => () => threadId, 3, { scheduler: 'round-robin' })
  const ids = await Promise.all(Array.from({ length: 9 }, () => pool.run()))
  const order = [...new Set(ids)]
  assert.equal(order.length, 3)
  assert.deepEqual(ids, [...order, ...order, ...order])
  // Sequential calls rotate too, even when every thread is idle.
  const seq = []
  for (let i = 0; i < 6; i++) seq.push(await pool.run())
  assert.deepEqual(seq, [...order, ...order])
  await pool.close()
})

test('least-busy sends a call to the thread with the fewest calls in flight', async () => {
  const pool = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(() => r(threadId), ms)), 2)
  const slow = pool.run(200) // occupies one thread
  const ids = []
  for (let i = 0; i < 4; i++) ids.push(await pool.run(1)) // each goes to the idle thread
  const slowId = await slow
  assert.ok(ids.every((id) => id !== slowId), `${ids} vs ${slowId}`)
  // With both idle, ties go round-robin: both threads get work.
  const both = await Promise.all([pool.run(20), pool.run(20)])
  assert.equal(new Set(both).size, 2)
  await pool.close()
})

test('maxQueue 0: a call when every thread is busy rejects with ERR_QUEUE_FULL', async () => {
  const pool = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(r, ms)), 2, { maxQueue: 0 })
  const a = pool.run(100)
  const b = pool.run(100)
  await assert.rejects(pool.run(1), { code: 'ERR_QUEUE_FULL' })
  await Promise.all([a, b])
  await pool.run(1) // room again
  await pool.close()
})

test("maxQueue 'auto' is poolSize², and a number bounds the queue", async () => {
  const pool = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(r, ms)), 2, { maxQueue: 'auto' })
  const calls = Array.from({ length: 6 }, () => pool.run(50)) // 2 running + 4 queued
  assert.equal(pool.queueLength, 4)
  await assert.rejects(pool.run(1), { code: 'ERR_QUEUE_FULL' })
  await Promise.all(calls)
  const small = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(r, ms)), 1, { maxQueue: 1 })
  const x = small.run(50)
  const y = small.run(1)
  await assert.rejects(small.run(1), { code: 'ERR_QUEUE_FULL' })
  await Promise.all([x, y, pool.close(), small.close()])
})

test('close(): new calls reject, every call made (running and queued) finishes, then size is 0', async () => {
  const pool = new ThreadPool(() => async (v) => { await new Promise((r) => setTimeout(r, 10)); return v }, 2)
  const calls = Array.from({ length: 8 }, (_, i) => pool.run(i))
  const closing = pool.close()
  assert.equal(pool.close(), closing, 'idempotent')
  await assert.rejects(pool.run(99), { code: 'ERR_CLOSED' })
  assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4, 5, 6, 7])
  await closing
  assert.equal(pool.size, 0)
})

test('destroy()/dispose(): running and queued calls reject with ERR_CLOSED at once', async () => {
  const pool = new ThreadPool(() => () => new Promise(() => {}), 2)
  const calls = Array.from({ length: 5 }, () => pool.run())
  const destroying = pool.destroy()
  assert.equal(pool.dispose(), destroying, 'dispose is destroy, idempotent')
  for (const c of calls) await assert.rejects(c, { code: 'ERR_CLOSED' })
  await destroying
  assert.equal(pool.size, 0)
  await pool.close() // resolves after destroy
})

test('a thread lost to ERR_MEMORY_LIMIT is replaced: the pool keeps its size and its queue', async () => {
  const pool = new ThreadPool(() => (hog) => { if (hog) { const a = []; for (;;) a.push({ a }) } return 'ok' }, 1, { memoryLimit: 16 })
  const hog = pool.run(true)
  const behind = [pool.run(false), pool.run(false)]
  await assert.rejects(hog, { code: 'ERR_MEMORY_LIMIT' })
  assert.deepEqual(await Promise.all(behind), ['ok', 'ok'])
  assert.equal(pool.size, 1)
  assert.equal(await pool.run(false), 'ok')
  const st = pool.stats()
  assert.equal(st.failed, 1)
  assert.equal(st.completed, 4)
  await pool.close()
})

test('aborting a running call in a pool keeps the thread and its warm state', async () => {
  const pool = new ThreadPool(() => { let n = 0; return (spin) => { n++; if (spin) for (;;); return [threadId, n] } }, 1)
  const [id, first] = await pool.run(false)
  const ac = new AbortController()
  const p = pool.runWith({ args: [true], signal: ac.signal })
  setTimeout(() => ac.abort(), 20)
  await assert.rejects(p, { code: 'ERR_ABORTED' })
  assert.deepEqual(await pool.run(false), [id, first + 2])
  await pool.close()
})

test('a queued call aborted in a pool never runs; timeouts use the same path', async () => {
  const pool = new ThreadPool(() => { const ran = []; return async (tag, ms) => { ran.push(tag); await new Promise((r) => setTimeout(r, ms)); return ran.slice() } }, 1, { timeout: 500 })
  const first = pool.run('a', 30)
  const ac = new AbortController()
  const queued = pool.runWith({ args: ['b', 0], signal: ac.signal })
  ac.abort()
  await assert.rejects(queued, { code: 'ERR_ABORTED' })
  assert.deepEqual(await first, ['a'])
  await assert.rejects(pool.runWith({ args: ['c', 1000], timeout: 30 }), { code: 'ERR_TIMEOUT' })
  assert.deepEqual(await pool.run('d', 0), ['a', 'c', 'd'])
  await pool.close()
})

test('stats() has the documented shape, counts failed calls in completed, and is updated before settling', async () => {
  const pool = new ThreadPool(() => (fail) => { if (fail) throw new Error('no'); return 1 }, 2, { name: 'p' })
  await pool.run(false)
  await pool.run(true).catch(() => {})
  const s = pool.stats()
  assert.deepEqual(Object.keys(s).sort(), ['active', 'completed', 'failed', 'queued', 'runTime', 'size', 'threads', 'waitTime'])
  assert.equal(s.size, 2)
  assert.equal(s.completed, 2)
  assert.equal(s.failed, 1)
  for (const k of ['waitTime', 'runTime']) {
    assert.deepEqual(Object.keys(s[k]).sort(), ['mean', 'p50', 'p99'])
    for (const v of Object.values(s[k])) assert.ok(typeof v === 'number' && v >= 0)
  }
  assert.equal(s.threads.length, 2)
  assert.equal(s.threads[0].name, 'p')
  assert.equal(s.threads.reduce((n, t) => n + t.runs, 0), 2)
  await pool.close()
})

test('pool option checks throw ERR_INVALID_ARG', () => {
  const ok = () => () => 1
  for (const make of [
    () => new ThreadPool(ok, 0),
    () => new ThreadPool(ok, 1.5),
    () => new ThreadPool(ok, '2'),
    () => new ThreadPool(ok, 2, { scheduler: 'random' }),
    () => new ThreadPool(ok, 2, { maxQueue: -1 }),
    () => new ThreadPool(ok, 2, { maxQueue: 'many' }),
    () => new ThreadPool(ok, 2, { memoryLimit: 1 }),
    () => new ThreadPool(42, 2),
  ]) assert.throws(make, { code: 'ERR_INVALID_ARG' }, make.toString())
})

test('an idle pool never keeps the process alive; a call in flight does', () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => (x) => new Promise((r) => setTimeout(() => r(x + 1), 100)), 2)
    pool.run(41).then((v) => console.log('result', v))
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /result 42/)
})

test('unref() lets the process exit with pool calls in flight', () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => () => new Promise((r) => setTimeout(r, 20000)), 2, { reffed: false })
    pool.run().then(() => console.log('should not settle'))
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.doesNotMatch(r.stdout, /should not settle/)
})

test('process.exit and worker.terminate() with busy pools are clean', () => {
  const r = runChild(`
    const { Worker } = require('node:worker_threads')
    const code = \`
      const lib = require(\${JSON.stringify(require.resolve('${require('node:path').join(__dirname, '..', 'lib', 'index.js')}'))})
      const pool = new lib.ThreadPool(() => () => { for (;;); }, 2)
      pool.run().catch(() => {}); pool.run().catch(() => {})
      require('node:worker_threads').parentPort.postMessage('busy')
    \`
    const w = new Worker(code, { eval: true })
    w.once('message', async () => {
      await new Promise((r) => setTimeout(r, 50))
      await w.terminate()
      console.log('terminated')
      const pool = new lib.ThreadPool(() => () => { for (;;); }, 2)
      pool.run().catch(() => {}); pool.run().catch(() => {})
      setTimeout(() => process.exit(3), 50)
    })
  `, { timeout: 20000 })
  assert.equal(r.status, 3, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /terminated/)
})

test('SIGTERM with a busy pool ends the process without a crash', async () => {
  const child = spawnChild(`
    const pool = new lib.ThreadPool(() => () => { for (;;); }, 2)
    pool.run().catch(() => {}); pool.run().catch(() => {})
    console.log('ready')
  `)
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  await new Promise((resolve) => child.stdout.once('data', resolve))
  child.kill('SIGTERM')
  const [, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  assert.equal(signal, 'SIGTERM')
  assert.ok(!/panicked|Fatal error/.test(err), err)
})

test('options are own properties only: a polluted Object.prototype sets no option', async () => {
  Object.prototype.timeout = 20 // eslint-disable-line no-extend-native
  Object.prototype.maxQueue = 0 // eslint-disable-line no-extend-native
  let pool, inherited
  try {
    pool = new ThreadPool(() => (ms) => new Promise((r) => setTimeout(() => r(ms), ms)), 1)
    inherited = new ThreadPool(() => (ms) => ms, 1, Object.create({ maxQueue: 0 }))
  } finally {
    delete Object.prototype.timeout
    delete Object.prototype.maxQueue
  }
  const calls = [pool.run(100), pool.run(1)] // no 20 ms timeout, and a queue
  assert.deepEqual(await Promise.all(calls), [100, 1])
  assert.deepEqual(await Promise.all([inherited.run(1), inherited.run(2)]), [1, 2])
  await Promise.all([pool.close(), inherited.close()])
})
