'use strict'
// A thread with the default memoryLimit starts on a warm spare: an isolate
// whose context and globals were made before the thread existed, maybe long
// before. What depends on the thread must still be its own: its id, its
// clock, its globals exactly as a thread that made its own isolate
// (memoryLimit other than the default) has them.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const probe = () => () => ({
  threadId: globalThis.threadId,
  keys: Reflect.ownKeys(globalThis).map(String),
  descriptors: Object.fromEntries(Reflect.ownKeys(globalThis).map((k) => {
    const d = Object.getOwnPropertyDescriptor(globalThis, k)
    return [String(k), [typeof d.value, typeof d.get, d.writable, d.enumerable, d.configurable]]
  })),
  timeOrigin: performance.timeOrigin,
  now: performance.now(),
})

test('a thread started on a spare made long before has its own threadId and clock', async () => {
  const first = new Thread(probe) // makes the spares
  await first.run()
  await first.close()
  await sleep(400) // the spares are made and wait
  const before = Date.now()
  const t = new Thread(probe)
  const got = await t.run()
  const after = Date.now()
  await t.close()
  assert.equal(got.threadId, t.threadId)
  assert.notEqual(got.threadId, first.threadId)
  // The clock starts with the thread, not with its spare (made ≥ 400 ms earlier).
  assert.ok(got.timeOrigin >= before - 1 && got.timeOrigin <= after + 1, `timeOrigin ${got.timeOrigin} not in [${before}, ${after}]`)
  assert.ok(got.now >= 0 && got.now <= after - before + 1, `performance.now() ${got.now} at the first call, ${after - before} ms after new Thread`)
})

test('a thread on a spare has the same globals, in the same order, as one that made its own isolate', async () => {
  const warm = new Thread(probe)
  const cold = new Thread(probe, { memoryLimit: 64 }) // not the spares' limit: its own isolate
  const [w, c] = await Promise.all([warm.run(), cold.run()])
  await Promise.all([warm.close(), cold.close()])
  assert.deepEqual(w.keys, c.keys)
  assert.deepEqual(w.descriptors, c.descriptors)
  assert.equal(w.threadId, warm.threadId)
  assert.equal(c.threadId, cold.threadId)
})

test('threads started back to back each get their own id and a fresh realm', async () => {
  const ids = new Set()
  for (let i = 0; i < 12; i++) {
    const t = new Thread(() => { globalThis.mark = (globalThis.mark || 0) + 1; return () => [threadId, globalThis.mark] })
    const [id, mark] = await t.run()
    assert.equal(id, t.threadId)
    assert.equal(mark, 1, 'no state from an earlier thread')
    ids.add(id)
    await t.close()
  }
  assert.equal(ids.size, 12)
})
