'use strict'
// The lane (lib/lane.js, src/runtime/lane.rs): a lone call is written
// straight into memory its thread polls while it spins, and answered the
// same way while the host waits. What users rely on must not change: calls
// start in the order they were made, close() and dispose() settle every
// call, a busy thread is not handed a pool's next call, messages come
// before the answer, and big values still cross. Each case first checks
// the lane was used at all (a spy on the two internal methods).
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool, define } = require('..')
const { Lane } = require('../lib/lane')

const seen = { posted: 0, answered: 0 }
const post = Lane.prototype.post
Lane.prototype.post = function (...args) {
  const ok = post.apply(this, args)
  if (ok) seen.posted++
  return ok
}
const settle = Lane.prototype.settle
Lane.prototype.settle = function (...args) {
  seen.answered++
  return settle.apply(this, args)
}

/** Counts of lane posts and answers during `f`. */
async function lanes(f) {
  const before = { ...seen }
  await f()
  return { posted: seen.posted - before.posted, answered: seen.answered - before.answered }
}

const COUNTER = () => { let n = 0; return (x) => [x, n++] }
const BLOCKER = () => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return threadId }

test('lone calls of a Thread, a pool and a service go by the lane and are answered by it', async () => {
  const t = new Thread(() => (x) => x.a + x.b)
  const pool = new ThreadPool(() => (x) => x.a + x.b, 2)
  const service = await define({ add: (a, b) => a + b }).launchService()
  for (const [name, call] of [
    ['thread', (i) => t.run({ a: i, b: 1 })],
    ['pool', (i) => pool.run({ a: i, b: 1 })],
    ['service', (i) => service.call({ name: 'add', params: [i, 1] })],
  ]) {
    const used = await lanes(async () => {
      for (let i = 0; i < 2000; i++) assert.equal(await call(i), i + 1)
    })
    assert.ok(used.posted > 0, `${name}: no call was posted to a lane`)
    assert.ok(used.answered > 0, `${name}: no answer came by a lane`)
  }
  await Promise.all([t.close(), pool.close(), service.close()])
})

test('a call made while a lane call is in flight starts after it', async () => {
  const t = new Thread(COUNTER)
  const used = await lanes(async () => {
    let last = -1
    for (let i = 0; i < 300; i++) {
      const [[, n1]] = [await t.run('warm')] // the thread spins again after it
      const a = t.run(i)
      const b = t.run(-i)
      const [[x, na], [y, nb]] = await Promise.all([a, b])
      assert.deepEqual([x, y], [i, -i])
      assert.deepEqual([na, nb], [n1 + 1, n1 + 2], 'in the order made')
      assert.ok(n1 > last)
      last = nb
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to the lane')
  await t.close()
})

test('close() right after a lane call: the call settles with its value, then the thread ends', async () => {
  const used = await lanes(async () => {
    for (let i = 0; i < 30; i++) {
      const t = new Thread(COUNTER)
      await t.run(0)
      await t.run(0)
      const p = t.run(i)
      const closed = t.close()
      assert.deepEqual(await p, [i, 2])
      await closed
      await assert.rejects(t.run(1), { code: 'ERR_CLOSED' })
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to a lane')
})

test('dispose() with a lane call in flight rejects it with ERR_CLOSED', async () => {
  const used = await lanes(async () => {
    for (let i = 0; i < 10; i++) {
      const t = new Thread(BLOCKER)
      await t.run(0)
      const p = t.run(5000).then(() => 'resolved', (e) => e.code)
      await new Promise((r) => setTimeout(r, 20))
      const t0 = Date.now()
      await t.dispose()
      assert.equal(await p, 'ERR_CLOSED')
      assert.ok(Date.now() - t0 < 2000, 'disposed at once')
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to a lane')
})

test("a pool thread running a lane call is not handed the pool's next call", async () => {
  const pool = new ThreadPool(BLOCKER, 2)
  await Promise.all([pool.run(0), pool.run(0)])
  const used = await lanes(async () => {
    for (let i = 0; i < 5; i++) {
      await pool.run(0) // both threads spin now
      const t0 = Date.now()
      const long = pool.run(300).then((id) => ({ id, at: Date.now() - t0 }))
      const quick = pool.run(0).then((id) => ({ id, at: Date.now() - t0 }))
      const [l, q] = await Promise.all([long, quick])
      assert.notEqual(q.id, l.id, 'the quick call ran on the busy thread')
      assert.ok(q.at < l.at, `the quick call waited for the long one: ${JSON.stringify([l, q])}`)
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to a lane')
  await pool.close()
})

test('values too big for the lane cross the usual way, both ways', async () => {
  const t = new Thread(() => (s, n) => [s.length, 'y'.repeat(n)])
  const used = await lanes(async () => {
    for (const [len, n] of [[10, 10], [100_000, 10], [10, 100_000], [4000, 4000], [5000, 5000]]) {
      await t.run('', 0)
      const [got, back] = await t.run('x'.repeat(len), n)
      assert.equal(got, len)
      assert.equal(back, 'y'.repeat(n))
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to the lane')
  await t.close()
})

test("messages a lane call sends arrive before its answer; a thrown error rejects it", async () => {
  const t = new Thread(() => (i) => {
    parent.sendMessage(i)
    if (i % 2) throw new RangeError(`odd ${i}`)
    return i
  })
  const got = []
  t.on('message', (m) => got.push(m))
  const used = await lanes(async () => {
    for (let i = 0; i < 200; i++) {
      const r = await t.run(i).then((v) => ({ v, had: got.includes(i) }), (e) => ({ e, had: got.includes(i) }))
      assert.ok(r.had, `call ${i} settled before its message`)
      if (i % 2) assert.ok(r.e instanceof RangeError && r.e.message === `odd ${i}`)
      else assert.equal(r.v, i)
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to the lane')
  const quiet = new Thread(() => (i) => { if (i % 2) throw new TypeError(`odd ${i}`); return i })
  const answers = await lanes(async () => {
    for (let i = 0; i < 200; i++) {
      if (i % 2) await assert.rejects(quiet.run(i), (e) => e instanceof TypeError && e.message === `odd ${i}`)
      else assert.equal(await quiet.run(i), i)
    }
  })
  assert.ok(answers.answered > 0, 'no answer came by the lane')
  await Promise.all([t.close(), quiet.close()])
})

test('a lane call times out as any call does, and the thread goes on', async () => {
  const t = new Thread(() => (spin) => { if (spin) for (;;); return 'ok' }, { timeout: 100 })
  const used = await lanes(async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(await t.run(false), 'ok')
      await assert.rejects(t.run(true), { code: 'ERR_TIMEOUT' })
    }
  })
  assert.ok(used.posted > 0, 'no call was posted to the lane')
  assert.equal(await t.run(false), 'ok')
  await t.close()
})
