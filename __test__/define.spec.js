'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { define, pool, ConcurrencyOption } = require('..')
const api = require('./fixtures/tasks')
const path = require('node:path')
const { ROOT, runChild, describe } = require('./helpers')

test('the API.md example: tasks run through the global pool', async () => {
  assert.equal(await api({ name: 'add', params: [1, 2] }), 3)
  assert.equal(await api({ name: 'waitThenAdd', params: [20, 22] }), 42)
})

test('await define(...) gives the same API', async () => {
  const awaited = await define({ twice: (x) => x * 2 })
  assert.equal(typeof awaited, 'function')
  assert.equal(awaited.then, undefined)
  assert.equal(await awaited({ name: 'twice', params: [21] }), 42)
})

test('each task runs in a fresh context: no state survives between tasks', async () => {
  const t = define({
    bump() { globalThis.n = (globalThis.n || 0) + 1; setTimeout(() => { globalThis.n = 100 }, 1); return globalThis.n },
  })
  const results = []
  for (let i = 0; i < 5; i++) results.push(await t({ name: 'bump' }))
  assert.deepEqual(results, [1, 1, 1, 1, 1])
})

test('an unknown task name rejects with ERR_UNKNOWN_TASK; hooks are not tasks', async () => {
  await assert.rejects(api({ name: 'nope' }), { code: 'ERR_UNKNOWN_TASK' })
  await assert.rejects(api({ name: '__initializeService' }), { code: 'ERR_UNKNOWN_TASK' })
  await assert.rejects(api({ params: [1] }), { code: 'ERR_INVALID_ARG' })
})

test('task errors, timeouts and aborts reject with the right codes', async () => {
  const t = define({
    fail() { const e = new RangeError('bad'); e.code = 'E_BAD'; throw e },
    spin() { for (;;); },
    slow: () => new Promise((r) => setTimeout(r, 1000)),
  })
  await assert.rejects(t({ name: 'fail' }), (e) => e instanceof RangeError && e.code === 'E_BAD')
  await assert.rejects(t({ name: 'spin', timeout: 50 }), { code: 'ERR_TIMEOUT' })
  const ac = new AbortController()
  const p = t({ name: 'slow', signal: ac.signal })
  setTimeout(() => ac.abort('stop'), 20)
  await assert.rejects(p, (e) => e.code === 'ERR_ABORTED' && e.cause === 'stop')
  await assert.rejects(t({ name: 'slow', signal: AbortSignal.abort('early') }), { code: 'ERR_ABORTED' })
})

test('hooks run with the threadId; after-hooks run after the caller has its result; hook errors never change a result', async () => {
  const { Messenger } = require('..')
  const log = new Messenger('hooks-test')
  const seen = []
  log.onMessage((m) => seen.push(m))
  const t = define({
    __beforeTask(id) { globalThis.before = id },
    __afterTask(id) { messengers.seek('hooks-test').sendMessage(['after', id, globalThis.before === id]); throw new Error('after-hook error') },
    work: () => 'done',
  })
  const errors = []
  const original = console.error
  console.error = (...args) => errors.push(args.map(String).join(' '))
  try {
    assert.equal(await t({ name: 'work', messengers: [log] }), 'done')
    await new Promise((r) => setTimeout(r, 100))
  } finally {
    console.error = original
    log.close()
  }
  assert.equal(seen.length, 1)
  assert.equal(seen[0][0], 'after')
  assert.equal(typeof seen[0][1], 'number')
  assert.equal(seen[0][2], true, '__beforeTask got the same threadId')
  assert.ok(errors.some((e) => /after-hook error/.test(e)), errors.join('\n'))
})

test('pool: setConcurrency, maxConcurrency, and priority items jump the queue', async () => {
  const before = pool.option
  pool.setConcurrency(ConcurrencyOption.Quarter) // never below 1 thread
  assert.equal(pool.option, ConcurrencyOption.Quarter)
  assert.equal(pool.maxConcurrency, 1)
  assert.throws(() => pool.setConcurrency('x3'), { code: 'ERR_INVALID_ARG' })
  const order = []
  const t = define({ tag: async (x) => { await new Promise((r) => setTimeout(r, 20)); return x } })
  const first = t({ name: 'tag', params: ['first'] }).then((v) => order.push(v))
  const a = t({ name: 'tag', params: ['a'] }).then((v) => order.push(v))
  const b = t({ name: 'tag', params: ['b'] }).then((v) => order.push(v))
  const urgent = t({ name: 'tag', params: ['urgent'], priority: true }).then((v) => order.push(v))
  await new Promise((r) => setImmediate(r))
  assert.equal(pool.maxed, true)
  assert.equal(pool.activeCount, 1)
  assert.equal(pool.queueLength, 3)
  assert.equal(pool.next, 'task')
  assert.equal(pool.idle, false)
  await Promise.all([first, a, b, urgent])
  assert.deepEqual(order, ['first', 'urgent', 'a', 'b'])
  pool.setConcurrency(before)
  assert.equal(pool.queueLength, 0)
})

/**
 * Child-process code: the native spawn throws while \`refuse\` is true (as
 * when the system is out of threads), and \`api\` defines \`wait\` and \`add\`.
 */
const REFUSABLE_SPAWN = `
    const { host } = require(${JSON.stringify(path.join(ROOT, 'lib', 'host.js'))})
    const spawn = host.spawn.bind(host)
    let refuse = false
    host.spawn = (o) => { if (refuse) throw new Error('could not start a thread: refused by the test'); return spawn(o) }
    const api = lib.define({ wait: (ms) => new Promise((r) => setTimeout(r, ms, 'waited')), add: (a, b) => a + b })`

test('a queued task or launch whose thread the system will not start rejects (nothing waits forever)', () => {
  // A child, with the native spawn made to fail (as when the system is out
  // of threads) once the pool's threads are busy: the queued items are
  // taken in a later turn, after a running task ends.
  const r = runChild(`
    ${REFUSABLE_SPAWN}
    lib.pool.setConcurrency('Quarter')
    const busy = Array.from({ length: lib.pool.maxConcurrency }, () => api({ name: 'wait', params: [200] }))
    const launch = api.launchService({ memoryLimit: 64 }) // its own heap size: a new thread
    const task = api({ name: 'add', params: [1, 2] }) // takes the thread a finished task leaves
    refuse = true
    const late = new Promise((resolve) => setTimeout(resolve, 5000, 'timed out'))
    const settled = (p) => Promise.race([p.then((v) => 'value ' + v, (e) => 'error ' + e.message), late])
    Promise.all([settled(launch), settled(task), ...busy.map(settled)]).then((out) => { console.log(JSON.stringify(out)); process.exit(0) })
  `)
  assert.equal(r.status, 0, describe(r))
  const [launch, task, ...busy] = JSON.parse(r.stdout.trim().split('\n').at(-1))
  assert.equal(launch, 'error could not start a thread: refused by the test')
  assert.equal(task, 'value 3')
  assert.ok(busy.every((b) => b === 'value waited'), String(busy))
})

test("a service's close() whose replacement thread the system will not start still closes it, and the next launch starts one", () => {
  // close() starts the thread that takes the service's place in the pool
  // before it disposes of the service's own (service.js): a refused start
  // there must not leave the service open, its calls pending or close() throwing.
  const r = runChild(`
    ${REFUSABLE_SPAWN}
    ;(async () => {
      const service = await api.launchService()
      const inFlight = service.call({ name: 'wait', params: [10000] }).then((v) => 'value ' + v, (e) => e.code)
      refuse = true
      let threw = 'no'
      let closing
      try { closing = service.close() } catch (e) { threw = e.message }
      await closing
      const out = { threw, inFlight: await inFlight, closed: service.closed }
      refuse = false
      const next = await api.launchService()
      out.next = await next.call({ name: 'add', params: [1, 2] })
      await next.close()
      console.log(JSON.stringify(out))
    })()
  `)
  assert.equal(r.status, 0, describe(r))
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)), { threw: 'no', inFlight: 'ERR_CLOSED', closed: true, next: 3 })
})
