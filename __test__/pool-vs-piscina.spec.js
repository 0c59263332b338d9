'use strict'
// The piscina ports of piscina-port.spec.js that copy a piscina behaviour a user
// observes, run side by side: the same scenario on a real Piscina (the `piscina`
// package, worker file __test__/fixtures/piscina-task.js) and on a ThreadPool with
// that same file as its module context, in the same test. They must agree; where they
// do not (needsDrain's meaning and the errors' form, chosen by API.md §1/§6, and two
// piscina 5.3.2 behaviours the contract rules out: close() terminating a running call,
// maxQueue 0 running a refused call) the difference is asserted and names its README line.
// Timings are ordering-only, with wide gaps, for a loaded 2-core machine.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Piscina } = require('piscina')
const { ThreadPool } = require('..')

const FILE = path.join(__dirname, 'fixtures', 'piscina-task.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function until(pred, end = Date.now() + 10000) {
  while (!pred()) { if (Date.now() > end) throw new Error('condition not met in time'); await sleep(5) }
}

/** Both pools with the same shape (`piscina`: options for Piscina only): name, pool, threads open, calls queued. */
function both({ size, minThreads = size, piscina = {}, ...rest }) {
  const p = new Piscina({ filename: FILE, maxThreads: size, minThreads, ...rest, ...piscina })
  const t = new ThreadPool({ module: FILE }, size, { minThreads, ...rest })
  return [
    { name: 'piscina', pool: p, threads: () => p.threads.length, queued: () => p.queueSize },
    { name: 'isothread', pool: t, threads: () => t.size, queued: () => t.queueLength },
  ]
}
const run = (pool, ms, v, how) => pool.run({ ms, v, how })
/** A call with an AbortSignal, in each pool's own words. */
const runSignal = ({ name, pool }, task, signal) => (name === 'piscina' ? pool.run(task, { signal }) : pool.runWith({ args: [task], signal }))
/** What a settled call gave: its value, or its error's class, message and code. */
const outcome = (p) => p.then((v) => ({ v }), (e) => ({ error: e.constructor.name, message: e.message, code: e.code }))
/** Wait until both threads of a two-thread pool have served a call (piscina's workers load the file asynchronously). */
const warm = (pool) => Promise.all([run(pool, 1, 'warm'), run(pool, 1, 'warm')])
/** Runs `scenario` on each pool (one after the other, so they do not share the cores). */
async function each(pools, scenario) {
  const out = {}
  for (const p of pools) out[p.name] = await scenario(p)
  return out
}
const closeAll = (pools) => Promise.all(pools.map((p) => p.pool.close()))

test('queued-task-prefers-ready-worker: quick calls made beside a slow one, awaiting or busy, finish first and in order, on both', async () => {
  const pools = both({ size: 2 })
  for (const how of ['timer', 'spin']) {
    const out = await each(pools, async ({ pool }) => {
      await warm(pool)
      const order = []
      const calls = [[600, 'slow'], [10, 'q1'], [10, 'q2'], [10, 'q3']].map(([ms, v]) => run(pool, ms, v, how).then(() => order.push(v)))
      await Promise.all(calls)
      return order
    })
    assert.deepEqual(out.piscina, ['q1', 'q2', 'q3', 'slow'], how)
    assert.deepEqual(out.isothread, out.piscina, how)
  }
  await closeAll(pools)
})

test('post-task: a task that throws or rejects rejects the call with the same class and message, on both', async () => {
  const pools = both({ size: 1 })
  const out = await each(pools, async ({ pool }) => [await outcome(run(pool, 0, 'foo', 'throw')), await outcome(run(pool, 0, 'bar', 'reject'))])
  assert.deepEqual(out.piscina.map(({ error, message }) => [error, message]), [['RangeError', 'foo'], ['TypeError', 'bar']])
  assert.deepEqual(out.isothread.map(({ error, message }) => [error, message]), out.piscina.map(({ error, message }) => [error, message]))
  await closeAll(pools)
})

test('abort-task: a queued call aborted before it runs, and one with a signal already aborted, reject and never start, on both', async () => {
  const pools = both({ size: 1 })
  const out = await each(pools, async (p) => {
    const { pool } = p
    await run(pool, 1, 'warm')
    await run(pool, 0, 'log')
    const running = run(pool, 150, 'running')
    const ac = new AbortController()
    const queued = outcome(runSignal(p, { ms: 1, v: 'queued' }, ac.signal))
    ac.abort()
    const gone = new AbortController()
    gone.abort()
    const early = outcome(runSignal(p, { ms: 1, v: 'early' }, gone.signal))
    return { queued: await queued, early: await early, running: await running, started: await run(pool, 0, 'log') }
  })
  for (const side of [out.piscina, out.isothread]) {
    assert.equal(side.running, 'running')
    assert.deepEqual(side.started, ['running'], 'the aborted calls never reached the thread')
  }
  // The error differs in form: piscina's AbortError, here ERR_ABORTED (README "Errors" table:
  // "ERR_ABORTED | the call's signal aborted (cause is signal.reason)").
  for (const r of [out.piscina.queued, out.piscina.early]) assert.equal(r.error, 'AbortError')
  for (const r of [out.isothread.queued, out.isothread.early]) assert.equal(r.code, 'ERR_ABORTED')
  await closeAll(pools)
})

test('stricter-fifo: a one-thread pool starts queued calls in the order they were made, as piscina with stricterFIFO', async () => {
  // piscina keeps submission order only with stricterFIFO: true (its default hands a
  // returning task back to the front); here calls always start in the order made
  // (README ThreadPool: "calls start in the order they were made").
  const pools = both({ size: 1, piscina: { stricterFIFO: true } })
  const out = await each(pools, async ({ pool }) => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => run(pool, (i % 3) * 5, i)))
    return run(pool, 0, 'log')
  })
  assert.deepEqual(out.piscina, Array.from({ length: 20 }, (_, i) => i))
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('task-queue: queueSize (piscina) and queueLength count the same calls as they are made, taken and finished', async () => {
  const pools = both({ size: 2 })
  const out = await each(pools, async ({ pool, queued }) => {
    const seen = []
    const calls = []
    for (let i = 0; i < 5; i++) { calls.push(run(pool, 300, i)); seen.push(queued()) }
    await sleep(50) // both threads took a call; three wait
    seen.push(queued())
    await Promise.all(calls)
    seen.push(queued())
    return seen
  })
  assert.deepEqual(out.piscina, [0, 0, 1, 2, 3, 3, 0])
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('task-queue: with maxQueue 2 on one busy thread, both queue two calls and refuse the third', async () => {
  const pools = both({ size: 1, maxQueue: 2 })
  const out = await each(pools, async ({ pool, queued }) => {
    const calls = [run(pool, 200, 0), run(pool, 1, 1), run(pool, 1, 2)]
    const third = await run(pool, 1, 3).then(() => 'ran', (e) => e)
    return { queued: queued(), third, results: await Promise.all(calls) }
  })
  assert.equal(out.piscina.queued, 2)
  assert.match(out.piscina.third.message, /queue is at limit/)
  assert.deepEqual(out.piscina.results, [0, 1, 2])
  // The refusal is piscina's, under API.md §6's stable code (README "Errors": ERR_QUEUE_FULL).
  assert.equal(out.isothread.third.code, 'ERR_QUEUE_FULL')
  assert.deepEqual({ ...out.isothread, third: undefined }, { ...out.piscina, third: undefined })
  await closeAll(pools)
})

test("option-validation: maxQueue 'auto' (poolSize²) queues the same calls and refuses the next, on both", async () => {
  const pools = both({ size: 2, maxQueue: 'auto' })
  const out = await each(pools, async ({ pool, queued }) => {
    await warm(pool)
    const made = Array.from({ length: 6 }, (_, i) => run(pool, 150, i))
    const next = await outcome(run(pool, 1, 'next'))
    return { queued: queued(), refused: 'error' in next, results: await Promise.all(made) }
  })
  assert.deepEqual(out.piscina, { queued: 4, refused: true, results: [0, 1, 2, 3, 4, 5] })
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('task-queue: maxQueue 0 refuses a call while the thread is busy on both, but piscina 5 still runs the refused call', async () => {
  const pools = both({ size: 1, maxQueue: 0 })
  const out = await each(pools, async ({ pool, queued }) => {
    await run(pool, 1, 'warm')
    await run(pool, 0, 'log')
    const running = run(pool, 150, 'running')
    const next = await outcome(run(pool, 1, 'next'))
    const queuedAfter = queued()
    await running
    await sleep(100)
    return { refused: 'error' in next, queued: queuedAfter, started: await run(pool, 0, 'log') }
  })
  assert.equal(out.piscina.refused, true)
  assert.equal(out.isothread.refused, true)
  // piscina 5.3.2 rejects the call yet leaves it in its queue (queueSize 1) and runs it
  // later; here a refused call never runs (README ThreadPool: "0: a call when every thread
  // is busy rejects with ERR_QUEUE_FULL"; API.md §1 "0 = no queue").
  assert.deepEqual([out.piscina.queued, out.piscina.started], [1, ['running', 'next']])
  assert.deepEqual([out.isothread.queued, out.isothread.started], [0, ['running']])
  await closeAll(pools)
})

test("post-task: after a burst both emit 'drain' once, with needsDrain false by then and after", async () => {
  const pools = both({ size: 2 })
  const out = await each(pools, async ({ pool }) => {
    const drains = []
    pool.on('drain', () => drains.push(pool.needsDrain))
    const calls = Array.from({ length: 8 }, (_, i) => run(pool, 30, i))
    await Promise.resolve() // piscina updates needsDrain on a microtask
    const during = pool.needsDrain
    const results = await Promise.all(calls)
    await sleep(20) // piscina emits on a microtask after the last call settles
    return { during, drains, after: pool.needsDrain, results }
  })
  assert.deepEqual(out.piscina, { during: true, drains: [false], after: false, results: [0, 1, 2, 3, 4, 5, 6, 7] })
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('post-task: needsDrain means "every thread busy" in piscina but "poolSize calls queued" here (README ThreadPool: "needsDrain is true while the queue holds poolSize calls or more")', async () => {
  const pools = both({ size: 1 })
  const out = await each(pools, async ({ pool }) => {
    const seen = []
    const calls = []
    for (let i = 0; i < 3; i++) {
      calls.push(run(pool, 50, i))
      await Promise.resolve()
      seen.push(pool.needsDrain)
    }
    await Promise.all(calls)
    return seen
  })
  // one call running, then one and two queued behind it
  assert.deepEqual(out.piscina, [true, true, true])
  assert.deepEqual(out.isothread, [false, true, true])
  await closeAll(pools)
})

test('idle-timeout: with minThreads 1, both start 1 thread, grow to 2 for two calls, and fall back to 1 (never 0) after idleTimeout', async () => {
  const pools = both({ size: 2, minThreads: 1, idleTimeout: 200 })
  const out = await each(pools, async ({ pool, threads }) => {
    const sizes = [threads()]
    const calls = [run(pool, 50, 'a'), run(pool, 50, 'b')]
    sizes.push(threads())
    await Promise.all(calls)
    sizes.push(threads())
    await until(() => threads() === 1)
    await sleep(800) // four idleTimeouts more: minThreads stay
    sizes.push(threads())
    return sizes
  })
  assert.deepEqual(out.piscina, [1, 2, 2, 1])
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('thread-count: with minThreads 2 and poolSize 4, both open 2, then one more thread per call with none free, up to 4', async () => {
  const pools = both({ size: 4, minThreads: 2 })
  const out = await each(pools, async ({ pool, threads }) => {
    const sizes = [threads()]
    const calls = []
    for (let i = 0; i < 6; i++) {
      calls.push(run(pool, 150, i))
      await sleep(10) // piscina starts a worker on the tick after a call finds none free
      sizes.push(threads())
    }
    await Promise.all(calls)
    return sizes
  })
  assert.deepEqual(out.piscina, [2, 2, 2, 3, 4, 4, 4])
  assert.deepEqual(out.isothread, out.piscina)
  await closeAll(pools)
})

test('pool-close: two threads run 900 and 300 ms calls, 100 and 150 ms calls wait; close() finishes them in the same order on both', async () => {
  const pools = both({ size: 2 })
  const out = await each(pools, async ({ pool }) => {
    await Promise.all([run(pool, 1, 'warm'), run(pool, 1, 'warm')])
    const events = []
    const calls = [[900, 'a'], [300, 'b'], [100, 'c'], [150, 'd']]
      .map(([ms, v]) => run(pool, ms, v).then(() => events.push(v), (e) => events.push(`${v} rejected: ${e.message}`)))
    await pool.close()
    events.push('closed')
    await Promise.all(calls)
    return events
  })
  // The queued calls go to the thread the 300 ms call frees, in order, while the 900 ms one runs.
  assert.deepEqual(out.piscina.slice(0, 3), ['b', 'c', 'd'])
  assert.deepEqual(out.isothread.slice(0, 3), out.piscina.slice(0, 3))
  // Difference: piscina 5's close() ends once the queue is empty, terminating the 900 ms
  // call still running; here every call made finishes first (README "Coming from another
  // library", piscina row: "close() (every call made finishes)").
  assert.deepEqual(out.piscina.slice(3), ['a rejected: Terminating worker thread', 'closed'])
  assert.deepEqual(out.isothread.slice(3), ['a', 'closed'])
})

test('pool-close: a call made while the pool closes is refused and the running one completes, on both', async () => {
  const pools = both({ size: 1 })
  const out = await each(pools, async ({ pool }) => {
    await run(pool, 1, 'warm')
    const running = run(pool, 100, 'done')
    const closing = pool.close()
    const late = await outcome(run(pool, 1, 'late'))
    await closing
    return { running: await running, late }
  })
  assert.equal(out.piscina.running, 'done')
  assert.equal(out.isothread.running, 'done')
  // Refused in each pool's words: piscina aborts it (AbortError), here ERR_CLOSED (README
  // ThreadPool: "close() ...: new calls reject with ERR_CLOSED").
  assert.equal(out.piscina.late.error, 'AbortError')
  assert.equal(out.isothread.late.code, 'ERR_CLOSED')
})

test('pool-destroy: destroy() rejects the running and the queued calls at once, on both', async () => {
  const pools = both({ size: 1 })
  const out = await each(pools, async ({ pool, threads }) => {
    await run(pool, 1, 'warm')
    const calls = [outcome(run(pool, 5000, 'running')), outcome(run(pool, 1, 'queued'))]
    await sleep(50)
    const t0 = Date.now()
    await pool.destroy()
    const settled = await Promise.all(calls)
    return { rejected: settled.map((r) => 'error' in r), fast: Date.now() - t0 < 3000, threads: threads() }
  })
  assert.deepEqual(out.piscina, { rejected: [true, true], fast: true, threads: 0 })
  assert.deepEqual(out.isothread, out.piscina)
})
