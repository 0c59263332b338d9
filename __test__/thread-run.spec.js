'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

test('run() returns what the context function returns, with the context constants', async () => {
  const t = new Thread(() => { const k = 3; return (x) => x * k }, { memoryLimit: 64 })
  assert.equal(await t.run(14), 42)
  assert.equal(await t.run(2), 6)
  await t.close()
})

test('the isolated-threads README example runs unchanged', async () => {
  // isolated-threads: new Thread(ctx, opts); await thread.run(...); await thread.dispose()
  const thread = new Thread(() => {
    const multiplier = 2
    return (a, b) => (a + b) * multiplier
  }, { memoryLimit: 32, timeout: 1000 })
  assert.equal(await thread.run(1, 2), 6)
  await thread.dispose()
  assert.equal(thread.closed, true)
})

test('async functions are awaited, with timers inside the thread', async () => {
  const t = new Thread(() => async (ms, v) => {
    await new Promise((r) => setTimeout(r, ms))
    return v + 1
  })
  const start = Date.now()
  assert.equal(await t.run(20, 41), 42)
  assert.ok(Date.now() - start >= 15)
  await t.close()
})

test('a context may return a promise of the function', async () => {
  const t = new Thread(async () => {
    await null
    const table = new Map([[1, 'one']])
    return (k) => table.get(k)
  })
  assert.equal(await t.run(1), 'one')
  await t.close()
})

test('state in the context survives between calls (one isolate per thread)', async () => {
  const t = new Thread(() => { let n = 0; return () => ++n })
  assert.equal(await t.run(), 1)
  assert.equal(await t.run(), 2)
  assert.equal(await t.run(), 3)
  await t.close()
})

test('calls run one at a time, in order', async () => {
  const t = new Thread(() => {
    let running = 0
    return async (i) => {
      running++
      const seen = running
      await new Promise((r) => setTimeout(r, 2))
      running--
      return [i, seen]
    }
  })
  const results = await Promise.all([0, 1, 2, 3, 4].map((i) => t.run(i)))
  assert.deepEqual(results, [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]])
  await t.close()
})

test('threads run in parallel on separate OS threads', async () => {
  const spin = () => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return Date.now() }
  const a = new Thread(spin)
  const b = new Thread(spin)
  await Promise.all([a.run(1), b.run(1)]) // warm up
  const start = Date.now()
  await Promise.all([a.run(200), b.run(200)])
  const elapsed = Date.now() - start
  assert.ok(elapsed < 380, `two 200 ms spins took ${elapsed} ms`)
  await Promise.all([a.close(), b.close()])
})

test('method shorthand and named function contexts work', async () => {
  const ctx = { make() { return (x) => x + 1 } }
  const t1 = new Thread(ctx.make)
  assert.equal(await t1.run(1), 2)
  function named() { return function add(a, b) { return a + b } }
  const t2 = new Thread(named)
  assert.equal(await t2.run(2, 3), 5)
  await Promise.all([t1.close(), t2.close()])
})

test('every form a function text can take works as a context (arrows with and without parentheses, async, Unicode names)', async () => {
  // (written as they are on purpose: a formatter must not add parentheses)
  const forms = [
    [() => (x) => x + 1, 2],
    [(cfg) => (x) => x + 2, 3],
    [cfg => (x) => x + 3, 4],
    [async cfg => (x) => x + 4, 5],
    [ñ => (x) => x + 5, 6],
    [async function () { return (x) => x + 6 }, 7],
    [{ async make() { return (x) => x + 7 } }.make, 8],
  ]
  for (const [context, expected] of forms) {
    const t = new Thread(context)
    assert.equal(await t.run(1), expected, String(context))
    await t.close()
  }
})

test('deep recursion gives a RangeError, not a crash, and the thread serves on', async () => {
  const t = new Thread(() => (n) => { const f = (i) => (i === 0 ? 0 : 1 + f(i - 1)); return f(n) })
  assert.equal(await t.run(20000), 20000)
  await assert.rejects(t.run(1e9), (err) => err instanceof RangeError && /call stack/.test(err.message))
  assert.equal(await t.run(10), 10)
  await t.close()
})

test('threadId is the same inside and outside', async () => {
  const t = new Thread(() => () => threadId)
  assert.equal(await t.run(), t.threadId)
  const u = new Thread(() => () => threadId)
  assert.notEqual(await u.run(), t.threadId)
  await Promise.all([t.close(), u.close()])
})
