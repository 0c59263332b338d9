'use strict'
// One queue per pool (API.md §1): a call never waits behind a busy thread
// while a sibling idles, calls start in submission order, and each call is
// counted once, where it is. Times are loose: the order is what is asserted.
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')
const path = require('node:path')
const { ROOT, runChild, describe } = require('./helpers')

const SLEEPER = () => async (ms) => { await new Promise((r) => setTimeout(r, ms)); return threadId }
const BLOCKER = () => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return threadId }

/** Run `ms` values at once on `pool`; each result with when it settled. */
function timed(pool, list) {
  const t0 = Date.now()
  return Promise.all(list.map((ms) => pool.run(ms).then((id) => ({ ms, id, at: Date.now() - t0 }))))
}

async function warm(pool) {
  await Promise.all([pool.run(1), pool.run(1)])
}

for (const [kind, context] of [['awaits a timer', SLEEPER], ['runs synchronously', BLOCKER]]) {
  test(`quick calls run on the idle sibling while one thread ${kind}`, async () => {
    const pool = new ThreadPool(context, 2)
    await warm(pool)
    const [long, ...quick] = await timed(pool, [300, 10, 10, 10])
    for (const q of quick) {
      assert.notEqual(q.id, long.id, `a 10 ms call ran on the busy thread: ${JSON.stringify([long, ...quick])}`)
      assert.ok(q.at < long.at, `a 10 ms call settled after the 300 ms one: ${JSON.stringify([long, ...quick])}`)
    }
    await pool.close()
  })
}

test("close() drains the queue on whichever thread frees first (piscina's close order)", async () => {
  const pool = new ThreadPool(SLEEPER, 2)
  await warm(pool)
  const t0 = Date.now()
  const order = []
  const calls = [900, 300, 100, 150].map((ms) => pool.run(ms).then(() => order.push(ms)))
  const closing = pool.close()
  await Promise.all(calls)
  await closing
  assert.deepEqual(order, [300, 100, 150, 900], `settled in ${Date.now() - t0} ms`)
  assert.equal(pool.size, 0)
})

test('stats(), queueLength and needsDrain count each call once, where it is', async () => {
  const pool = new ThreadPool(SLEEPER, 2)
  await warm(pool)
  const calls = [200, 200, 1, 1, 1].map((ms) => pool.run(ms))
  assert.equal(pool.queueLength, 3)
  const st = pool.stats()
  assert.equal(st.queued, 3)
  assert.equal(st.active, 2)
  await new Promise((r) => setTimeout(r, 50))
  const threads = pool.stats().threads
  assert.deepEqual(threads.map((t) => t.active), [1, 1], 'each thread runs one call')
  assert.deepEqual(threads.map((t) => t.queue), [0, 0], 'nothing waits on a thread')
  assert.equal(pool.stats().queued, 3)
  await Promise.all(calls)
  const after = pool.stats()
  assert.equal(after.queued, 0)
  assert.equal(after.active, 0)
  assert.equal(after.completed, 7)
  assert.equal(after.threads.reduce((n, t) => n + t.runs, 0), 7, 'runs credit the thread that ran each call')
  await pool.close()
})

test('calls start in submission order across the pool', async () => {
  const pool = new ThreadPool(() => { const seen = []; return (i, ms) => { seen.push(i); const end = Date.now() + ms; while (Date.now() < end); return [threadId, seen.slice()] } }, 2)
  await Promise.all([pool.run(-1, 0), pool.run(-1, 0)])
  const n = 12
  const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i, 5)))
  // What each thread ran, in the order it ran them: always oldest first.
  const last = new Map()
  for (const [id, seen] of results) if (seen.length > (last.get(id)?.length ?? 0)) last.set(id, seen)
  const ran = [...last.values()].map((seen) => seen.filter((i) => i >= 0))
  for (const seq of ran) assert.deepEqual(seq, [...seq].sort((x, y) => x - y), `a thread took a later call first: ${JSON.stringify(ran)}`)
  assert.equal(ran.flat().length, n)
  await pool.close()
})

test("'drain' is emitted once the queue falls below poolSize (needsDrain)", async () => {
  const pool = new ThreadPool(SLEEPER, 1)
  let drains = 0
  pool.on('drain', () => drains++)
  assert.equal(pool.needsDrain, false)
  const calls = [30, 10, 10].map((ms) => pool.run(ms))
  assert.equal(pool.queueLength, 2)
  assert.equal(pool.needsDrain, true)
  await Promise.all(calls)
  assert.equal(drains, 1)
  assert.equal(pool.needsDrain, false)
  const capped = new ThreadPool(SLEEPER, 4, { maxQueue: 1 })
  const more = [20, 20, 20, 20, 20].map((ms) => capped.run(ms))
  assert.equal(capped.needsDrain, true, 'the queue reached maxQueue')
  await Promise.all(more)
  assert.equal(capped.needsDrain, false)
  await Promise.all([pool.close(), capped.close()])
})

test("a 'drain' listener that throws loses no call: each settles, close() resolves, the error is uncaught", () => {
  // A child: the listener's error reaches 'uncaughtException' there.
  const r = runChild(`
    const errors = []
    process.on('uncaughtException', (e) => errors.push(e.message))
    async function main(scheduler) {
      const pool = new lib.ThreadPool(() => (x) => x, 2, { scheduler })
      pool.on('drain', () => { throw new Error('listener bug') })
      let settled = 0
      const calls = []
      for (let i = 0; i < 200; i++) calls.push(pool.run(i).then((v) => { if (v === i) settled++ }))
      const late = () => new Promise((resolve) => setTimeout(resolve, 5000, 'timed out'))
      const all = await Promise.race([Promise.all(calls).then(() => 'settled'), late()])
      const closed = await Promise.race([pool.close().then(() => 'closed'), late()])
      console.log(JSON.stringify({ scheduler, all, settled, closed }))
    }
    main('least-busy').then(() => main('round-robin')).then(() => { console.log(JSON.stringify({ errors: [...new Set(errors)] })); process.exit(0) })
  `)
  assert.equal(r.status, 0, describe(r))
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
  for (const scheduler of ['least-busy', 'round-robin']) {
    assert.deepEqual(lines.find((l) => l.scheduler === scheduler), { scheduler, all: 'settled', settled: 200, closed: 'closed' })
  }
  assert.deepEqual(lines.at(-1), { errors: ['listener bug'] }, 'the listener threw, uncaught')
})

test('await using: [Symbol.asyncDispose] closes the pool', async () => {
  assert.equal(typeof Symbol.asyncDispose, 'symbol')
  const pool = new ThreadPool(SLEEPER, 2)
  const call = pool.run(20)
  const disposing = pool[Symbol.asyncDispose]()
  await assert.rejects(pool.run(1), { code: 'ERR_CLOSED' })
  assert.equal(typeof (await call), 'number', 'a call made before finishes')
  await disposing
  assert.equal(pool.size, 0)
})

test('a thread lost to ERR_MEMORY_LIMIT is replaced by one with a new threadId; no call is lost', async () => {
  const pool = new ThreadPool(() => (hog) => { if (hog) { const a = []; for (;;) a.push({ a }) } return threadId }, 1, { memoryLimit: 16 })
  const before = await pool.run(false)
  assert.equal(pool.threads[0].threadId, before)
  const hog = pool.run(true)
  const behind = [pool.run(false), pool.run(false)]
  await assert.rejects(hog, { code: 'ERR_MEMORY_LIMIT' })
  const ids = await Promise.all(behind)
  assert.ok(ids.every((id) => id !== before), `ran on ${ids}, the lost thread was ${before}`)
  assert.equal(pool.size, 1)
  assert.equal(pool.threads[0].threadId, ids[0])
  await pool.close()
})

test('calls queued behind a lost thread reject when the system will not start its replacement', () => {
  const r = runChild(`
    const { host } = require(${JSON.stringify(path.join(ROOT, 'lib', 'host.js'))})
    const spawn = host.spawn.bind(host)
    let refuse = false
    host.spawn = (o) => { if (refuse) throw new Error('could not start a thread: refused by the test'); return spawn(o) }
    const pool = new lib.ThreadPool(() => (hog) => { if (hog) { const a = []; for (;;) a.push({ a }) } return 1 }, 1, { memoryLimit: 16 })
    pool.run(false).then(() => {
      refuse = true
      const late = new Promise((resolve) => setTimeout(resolve, 10000, 'timed out'))
      const settled = (p) => Promise.race([p.then((v) => 'value ' + v, (e) => e.code || e.message), late])
      const calls = [pool.run(true), pool.run(false), pool.run(false)]
      return Promise.all(calls.map(settled))
    }).then((out) => { console.log(JSON.stringify(out)); process.exit(0) })
  `)
  assert.equal(r.status, 0, describe(r))
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)),
    ['ERR_MEMORY_LIMIT', 'could not start a thread: refused by the test', 'could not start a thread: refused by the test'])
})
