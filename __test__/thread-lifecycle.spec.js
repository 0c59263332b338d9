'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

const slow = () => async (v) => { await new Promise((r) => setTimeout(r, 20)); return v }

test('close() lets running and queued calls finish, then resolves; later calls reject ERR_CLOSED', async () => {
  const t = new Thread(slow)
  const calls = [t.run(1), t.run(2), t.run(3)]
  const closing = t.close()
  assert.equal(t.closed, true)
  await assert.rejects(t.run(4), { code: 'ERR_CLOSED' })
  assert.deepEqual(await Promise.all(calls), [1, 2, 3])
  await closing
})

test('dispose() rejects running and queued calls with ERR_CLOSED at once', async () => {
  const t = new Thread(() => (spin) => { if (spin) for (;;); return 1 })
  const running = t.run(true)
  const queued = t.run(false)
  await new Promise((r) => setTimeout(r, 20))
  const disposing = t.dispose()
  await assert.rejects(running, { code: 'ERR_CLOSED' })
  await assert.rejects(queued, { code: 'ERR_CLOSED' })
  await disposing
  assert.equal(t.closed, true)
})

test('close/dispose are idempotent and close() after dispose() resolves', async () => {
  const t = new Thread(slow)
  const c1 = t.close()
  assert.equal(t.close(), c1)
  await c1
  const u = new Thread(slow)
  const d1 = u.dispose()
  assert.equal(u.dispose(), d1)
  await d1
  await u.close()
})

test('dispose() after close() cuts a hanging call short and both resolve', async () => {
  const t = new Thread(() => () => new Promise(() => {}))
  const hanging = t.run()
  const closing = t.close()
  await new Promise((r) => setTimeout(r, 20))
  const disposing = t.dispose()
  await assert.rejects(hanging, { code: 'ERR_CLOSED' })
  await Promise.all([closing, disposing])
})

test('a thread still evaluating its context takes calls; they run once it is ready', async () => {
  const t = new Thread(async () => { await new Promise((r) => setTimeout(r, 50)); return (x) => x * 2 })
  assert.equal(await t.run(21), 42)
  await t.close()
})

test('stats() counts runs and failures before the promise settles, with heap and CPU figures', async () => {
  const t = new Thread(() => (fail) => { if (fail) throw new Error('x'); let s = 0; for (let i = 0; i < 1e6; i++) s += i; return s }, { name: 'stat', memoryLimit: 64 })
  await t.run(false)
  await t.run(true).catch(() => {})
  const s = t.stats()
  assert.equal(s.name, 'stat')
  assert.equal(s.threadId, t.threadId)
  assert.equal(s.runs, 2)
  assert.equal(s.failures, 1)
  assert.equal(s.active, 0)
  assert.equal(s.queue, 0)
  assert.ok(s.heapUsed > 0 && s.heapUsed < s.heapLimit, JSON.stringify(s))
  assert.ok(s.heapLimit >= 64 * 1024 * 1024 && s.heapLimit < 200 * 1024 * 1024, JSON.stringify(s))
  assert.ok(s.cpuTimeMs > 0, JSON.stringify(s))
  for (const v of Object.values(s)) if (typeof v !== 'string') assert.equal(typeof v, 'number')
  await t.close()
  // A call in flight counts as active (this one waits on a timer, so it
  // cannot have settled while run() briefly waited for a fast answer).
  const slow = new Thread(() => () => new Promise((r) => setTimeout(r, 50)))
  const p = slow.run()
  assert.equal(slow.stats().active, 1)
  await p
  assert.equal(slow.stats().active, 0)
  await slow.close()
})
