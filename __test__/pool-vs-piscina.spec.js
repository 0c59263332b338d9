'use strict'
// The piscina ports of piscina-port.spec.js that copy a piscina behaviour a user
// observes, run side by side: the same scenario on a real Piscina (the `piscina`
// package, worker file __test__/fixtures/piscina-sleep.js) and on a ThreadPool with
// that same file as its module context, in the same test. They must agree, except
// where README says otherwise (each such difference is asserted and names its line).
// Timings are ordering-only, with wide gaps, for a loaded 2-core machine.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Piscina } = require('piscina')
const { ThreadPool } = require('..')

const FILE = path.join(__dirname, 'fixtures', 'piscina-sleep.js')
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
const run = (pool, ms, v) => pool.run({ ms, v })
/** Runs `scenario` on each pool (one after the other, so they do not share the cores). */
async function each(pools, scenario) {
  const out = {}
  for (const p of pools) out[p.name] = await scenario(p)
  return out
}
const closeAll = (pools) => Promise.all(pools.map((p) => p.pool.close()))

test('queued-task-prefers-ready-worker: quick calls made beside a slow async one finish first, in order, on both', async () => {
  const pools = both({ size: 2 })
  const out = await each(pools, async ({ pool }) => {
    await Promise.all([run(pool, 1, 'warm'), run(pool, 1, 'warm')])
    const order = []
    const calls = [[600, 'slow'], [10, 'q1'], [10, 'q2'], [10, 'q3']].map(([ms, v]) => run(pool, ms, v).then(() => order.push(v)))
    await Promise.all(calls)
    return order
  })
  assert.deepEqual(out.piscina, ['q1', 'q2', 'q3', 'slow'])
  assert.deepEqual(out.isothread, out.piscina)
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
