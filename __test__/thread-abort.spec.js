'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

test('aborting a running call terminates it and keeps the thread (warm state kept)', async () => {
  const t = new Thread(() => { let warm = 0; return (spin) => { warm++; if (spin) for (;;); return warm } })
  assert.equal(await t.run(false), 1)
  const ac = new AbortController()
  const p = t.runWith({ args: [true], signal: ac.signal })
  setTimeout(() => ac.abort(new Error('user gave up')), 30)
  await assert.rejects(p, (err) => {
    assert.equal(err.code, 'ERR_ABORTED')
    assert.equal(err.cause.message, 'user gave up')
    return true
  })
  assert.equal(await t.run(false), 3)
  await t.close()
})

test('aborting a queued call removes it at once; it never runs', async () => {
  const t = new Thread(() => { const ran = []; return async (tag) => { ran.push(tag); await new Promise((r) => setTimeout(r, 50)); return ran.slice() } })
  const first = t.run('first')
  const ac = new AbortController()
  const queued = t.runWith({ args: ['queued'], signal: ac.signal })
  ac.abort('why')
  await assert.rejects(queued, (e) => e.code === 'ERR_ABORTED' && e.cause === 'why')
  assert.deepEqual(await first, ['first'])
  assert.deepEqual(await t.run('third'), ['first', 'third'])
  await t.close()
})

test('an already aborted signal rejects at once and runs nothing', async () => {
  const t = new Thread(() => { let n = 0; return () => ++n })
  const reason = new Error('early')
  await assert.rejects(t.runWith({ signal: AbortSignal.abort(reason) }), (e) => e.code === 'ERR_ABORTED' && e.cause === reason)
  assert.equal(await t.run(), 1)
  await t.close()
})

test('an abort after the call settled changes nothing', async () => {
  const t = new Thread(() => (x) => x)
  const ac = new AbortController()
  assert.equal(await t.runWith({ args: [5], signal: ac.signal }), 5)
  ac.abort()
  assert.equal(await t.run(6), 6)
  await t.close()
})
