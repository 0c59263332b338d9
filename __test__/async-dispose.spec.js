'use strict'
// `await using` (API.md §1): Thread and Service have [Symbol.asyncDispose],
// which calls close(). Node 20 does not parse `await using`, so these tests
// call the method as the syntax would at the end of the scope.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, define } = require('..')

test('Thread[Symbol.asyncDispose] is close(): the calls made finish, then the thread is gone', async () => {
  const t = new Thread(() => (ms) => new Promise((r) => setTimeout(() => r(ms), ms)))
  assert.equal(typeof Symbol.asyncDispose, 'symbol')
  const pending = [t.run(30), t.run(1)]
  const disposing = t[Symbol.asyncDispose]()
  assert.ok(disposing instanceof Promise)
  assert.equal(t.closed, true)
  assert.equal(t.close(), disposing, 'the same promise as close()')
  assert.deepEqual(await Promise.all(pending), [30, 1])
  await disposing
  await assert.rejects(t.run(1), { code: 'ERR_CLOSED' })
})

test('Service[Symbol.asyncDispose] is close(): the service ends and its thread goes back to the pool', async () => {
  const api = define({ __initializeService() { globalThis.n = 0 }, inc: () => ++globalThis.n })
  const svc = await api.launchService()
  assert.equal(await svc.call({ name: 'inc' }), 1)
  const disposing = svc[Symbol.asyncDispose]()
  assert.equal(svc.closed, true)
  assert.equal(svc.close(), disposing, 'the same promise as close()')
  await disposing
  await assert.rejects(svc.call({ name: 'inc' }), { code: 'ERR_CLOSED' })
})
