'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { define, pool, ServiceCluster } = require('..')
const api = require('./fixtures/tasks')
const { runChild, describe } = require('./helpers')

test('launchService resolves once __initializeService finished; messages both ways', async () => {
  const svc = await api.launchService()
  assert.equal(typeof svc.threadID, 'number')
  assert.equal(svc.closed, false)
  const reply = svc.waitForMessage((m) => m > 10)
  svc.sendMessage(21)
  assert.equal(await reply, 42)
  const got = []
  const off = svc.onMessage((m) => got.push(m))
  svc.sendMessage(1)
  svc.sendMessage(2)
  await new Promise((r) => setTimeout(r, 30))
  off()
  svc.sendMessage(3)
  await new Promise((r) => setTimeout(r, 30))
  assert.deepEqual(got, [2, 4])
  await svc.close()
  assert.equal(svc.closed, true)
})

test('service.call keeps state between calls, counts activeCalls, and runs the service hooks', async () => {
  const counter = define({
    __initializeService(id) { globalThis.count = 0; globalThis.initId = id },
    __beforeServiceTask() { globalThis.before = (globalThis.before || 0) + 1 },
    inc: (by) => (globalThis.count += by),
    info: () => ({ initId: globalThis.initId, before: globalThis.before, tid: threadId }),
    slow: () => new Promise((r) => setTimeout(r, 30)),
  })
  const svc = await counter.launchService()
  assert.equal(await svc.call({ name: 'inc', params: [2] }), 2)
  assert.equal(await svc.call({ name: 'inc', params: [3] }), 5)
  const info = await svc.call({ name: 'info' })
  assert.equal(info.initId, svc.threadID)
  assert.equal(info.tid, svc.threadID)
  assert.equal(info.before, 3)
  const p = svc.call({ name: 'slow' })
  assert.equal(svc.activeCalls, 1)
  await p
  assert.equal(svc.activeCalls, 0)
  await assert.rejects(svc.call({ name: 'missing' }), { code: 'ERR_UNKNOWN_TASK' })
  await svc.close()
})

test('close() rejects calls in flight with ERR_CLOSED, later calls too, and frees the pool thread', async () => {
  const s = define({ hang: () => new Promise(() => {}) })
  const svc = await s.launchService()
  assert.ok(pool.activeCount >= 1)
  const hanging = svc.call({ name: 'hang' })
  const closing = svc.close()
  assert.equal(svc.close(), closing, 'idempotent')
  await assert.rejects(hanging, { code: 'ERR_CLOSED' })
  await closing
  await assert.rejects(svc.call({ name: 'hang' }), { code: 'ERR_CLOSED' })
  assert.throws(() => svc.sendMessage(1), { code: 'ERR_CLOSED' })
  assert.equal(pool.activeCount, 0)
})

test('uncaught errors in a service go to exceptionHandler and the service keeps serving', async () => {
  const s = define({
    __initializeService() {
      parent.onMessage((m) => { if (m === 'throw') throw new Error('listener threw') })
      setTimeout(() => Promise.reject(new Error('timer rejected')), 5)
    },
    ok: () => 'still here',
  })
  const errors = []
  const svc = await s.launchService({ exceptionHandler: ({ error }) => errors.push(error.message) })
  svc.sendMessage('throw')
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(errors.sort(), ['listener threw', 'timer rejected'])
  assert.equal(await svc.call({ name: 'ok' }), 'still here')
  await svc.close()
})

test('a running service holds a pool thread: launchService waits while the pool is maxed', async () => {
  const before = pool.option
  pool.setConcurrency('Quarter')
  const s = define({ hi: () => 'hi' })
  const first = await s.launchService()
  let launched = false
  const second = s.launchService().then((svc) => { launched = true; return svc })
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(launched, false)
  assert.equal(pool.queueLength, 1)
  assert.equal(pool.next, 'service')
  await first.close()
  const svc2 = await second
  assert.equal(await svc2.call({ name: 'hi' }), 'hi')
  await svc2.close()
  pool.setConcurrency(before)
})

test('a running service keeps the process alive until closed; reffed: false does not', () => {
  const alive = runChild(`
    const api = lib.define({ ping: () => 'pong' })
    api.launchService().then((svc) => setTimeout(() => svc.call({ name: 'ping' }).then((v) => { console.log(v); return svc.close() }), 200))
  `, { timeout: 10000 })
  assert.equal(alive.status, 0, describe(alive))
  assert.match(alive.stdout, /pong/)
  const start = Date.now()
  const unref = runChild(`
    const api = lib.define({ ping: () => 'pong' })
    api.launchService({ reffed: false }).then(() => console.log('launched'))
  `, { timeout: 10000 })
  assert.equal(unref.status, 0, describe(unref))
  assert.match(unref.stdout, /launched/)
  assert.ok(Date.now() - start < 5000)
})

test('ServiceCluster: launch, use (least busy), counts, closeAllIdle and closeAll', async () => {
  const s = define({ wait: (ms) => new Promise((r) => setTimeout(() => r(threadId), ms)) })
  const cluster = new ServiceCluster(s)
  assert.throws(() => cluster.use(), { code: 'ERR_NOT_RUNNING' })
  const one = await cluster.launch(1)
  assert.equal(one.length, 1)
  await cluster.launch(1)
  assert.equal(cluster.activeServices, 2)
  const busy = cluster.use()
  const p = busy.call({ name: 'wait', params: [80] })
  const other = cluster.use()
  assert.notEqual(other, busy, 'use() picks the least busy service')
  assert.equal(cluster.activeServiceCalls, 1)
  const current = cluster.currentServices
  assert.equal(current.length, 2)
  assert.deepEqual(current.map((c) => c.active).sort(), [false, true])
  assert.equal(current[0].identifier, s.identifier)
  await cluster.closeAllIdle()
  assert.equal(cluster.activeServices, 1)
  assert.equal(await p, busy.threadID)
  await cluster.closeAll()
  assert.equal(cluster.activeServices, 0)
  assert.throws(() => cluster.use(), { code: 'ERR_NOT_RUNNING' })
})

test('service tasks and hooks are read at each call: added, replaced, removed, inherited or behind a getter at run time', async () => {
  const s = define({
    __initializeService() { globalThis.log = [] },
    add: (x, y) => x + y,
    log: () => globalThis.log.splice(0),
    addBefore() { this.__beforeServiceTask = () => globalThis.log.push('before') },
    replaceBefore() { this.__beforeServiceTask = () => globalThis.log.push('before2') },
    addAfter() { this.__afterServiceTask = () => globalThis.log.push('after') },
    removeHooks() { delete this.__beforeServiceTask; delete this.__afterServiceTask },
    inherit() { Object.prototype.__beforeServiceTask = () => globalThis.log.push('inherited') },
    uninherit() { delete Object.prototype.__beforeServiceTask },
    throwingGetter() {
      Object.defineProperty(this, '__afterServiceTask', { configurable: true, get() { throw new Error('getter threw') } })
    },
    replaceAdd() { this.add = (x, y) => x * y },
  })
  const svc = await s.launchService()
  const calls = async (...names) => { for (const name of names) await svc.call({ name, params: [1, 2] }) }
  const log = () => svc.call({ name: 'log' })
  await calls('add', 'addBefore') // a hook is read as its call starts
  assert.deepEqual(await log(), ['before'], "log's own")
  await calls('add')
  assert.deepEqual(await log(), ['before', 'before'], "add's and log's own")
  await calls('replaceBefore', 'add')
  assert.deepEqual(await log(), ['before', 'before2', 'before2'])
  await calls('addAfter', 'add')
  assert.deepEqual(await log(), ['before2', 'before2', 'after', 'before2'], "log's after-hook runs after it answered")
  await calls('removeHooks')
  assert.deepEqual(await log(), ['after', 'before2', 'after'])
  await calls('inherit', 'add')
  assert.deepEqual(await log(), ['inherited', 'inherited'])
  await calls('uninherit', 'add')
  assert.deepEqual(await log(), ['inherited'])
  await calls('throwingGetter')
  assert.equal(await svc.call({ name: 'add', params: [5, 5] }), 10, "a hook's getter that throws never changes a result")
  assert.deepEqual(await log(), [])
  await svc.call({ name: 'replaceAdd' })
  assert.equal(await svc.call({ name: 'add', params: [5, 5] }), 25, 'a task replaced at run time')
  await assert.rejects(svc.call({ name: '__afterServiceTask' }), { code: 'ERR_UNKNOWN_TASK' })
  await svc.close()
})

test('a getter of a task or hook that throws runs once a call, and counts as no function', async () => {
  const s = define({
    __initializeService() {
      globalThis.reads = { before: 0, task: 0 }
      Object.defineProperty(this, '__beforeServiceTask', { get() { globalThis.reads.before++; throw new Error('hook getter') } })
    },
    add: (x, y) => x + y,
    broken: () => 'not yet',
    breakIt() { Object.defineProperty(this, 'broken', { get() { globalThis.reads.task++; throw new Error('task getter') } }) },
    reads: () => ({ ...globalThis.reads }),
  })
  const svc = await s.launchService()
  try {
    assert.equal(await svc.call({ name: 'add', params: [2, 3] }), 5, "a hook's throwing getter is skipped")
    assert.deepEqual(await svc.call({ name: 'reads' }), { before: 2, task: 0 }, "one read of the hook's getter a call (add's and reads' own)")
    await svc.call({ name: 'breakIt' })
    await assert.rejects(svc.call({ name: 'broken' }), { code: 'ERR_UNKNOWN_TASK' })
    assert.deepEqual(await svc.call({ name: 'reads' }), { before: 4, task: 1 }, "the task's getter read once; no hook is read for a task that is not a function")
  } finally {
    await svc.close()
  }
})
