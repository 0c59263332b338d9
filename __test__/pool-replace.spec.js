'use strict'
// A round-robin pool's thread lost to ERR_MEMORY_LIMIT gets a fresh isolate
// on the same queue: the calls queued behind still run, and the thread has
// a new threadId, inside and on the host, as a least-busy pool's
// replacement has (API.md §7; the least-busy case is in pool-queue.spec.js).
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')

const hogOr = () => (hog) => {
  if (hog) { const a = []; for (;;) a.push({ a }) }
  return threadId
}

test('round-robin: a thread replaced after ERR_MEMORY_LIMIT has a new threadId; the calls behind run on it', async () => {
  const pool = new ThreadPool(hogOr, 2, { memoryLimit: 16, scheduler: 'round-robin' })
  const first = await Promise.all([pool.run(false), pool.run(false)])
  assert.deepEqual(pool.threads.map((t) => t.threadId), first)
  // Turns: the hog goes to the first thread, then the second, the first
  // (queued behind the hog), the second.
  const hog = pool.run(true)
  const behind = [pool.run(false), pool.run(false), pool.run(false)]
  await assert.rejects(hog, { code: 'ERR_MEMORY_LIMIT' })
  const ids = await Promise.all(behind)
  assert.equal(ids[0], first[1], 'the other thread is untouched')
  assert.equal(ids[2], first[1])
  const fresh = ids[1]
  assert.ok(!first.includes(fresh), `the call behind the hog ran with a new threadId (${fresh}; before: ${first})`)
  assert.deepEqual(pool.threads.map((t) => t.threadId), [fresh, first[1]])
  assert.deepEqual(pool.stats().threads.map((t) => t.threadId), [fresh, first[1]])
  // Its messages name it by the new id too.
  const messenger = new ThreadPool(() => (hog) => {
    if (hog) { const a = []; for (;;) a.push({ a }) }
    parent.sendMessage('hi')
    return threadId
  }, 1, { memoryLimit: 16, scheduler: 'round-robin' })
  const old = await messenger.run(false)
  await assert.rejects(messenger.run(true), { code: 'ERR_MEMORY_LIMIT' })
  const seen = []
  messenger.on('message', (_v, info) => seen.push(info.threadId))
  const now = await messenger.run(false)
  assert.notEqual(now, old)
  assert.deepEqual(seen, [now])
  await Promise.all([pool.close(), messenger.close()])
})
