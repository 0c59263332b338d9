'use strict'
// The `data` option (API.md §1 "Per-thread data"): cloned into each thread,
// the context function's first argument, `import.meta.data` in module contexts.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Thread, ThreadPool } = require('..')

const MODULE = path.join(__dirname, 'fixtures', 'mod', 'meta-data.mjs')

test('a Thread\'s context gets a clone of data as its first argument', async () => {
  const data = { k: 3, when: new Date(0), tags: new Set(['a']), big: 2n ** 70n, nested: { list: [1, , 3] } }
  data.self = data
  const t = new Thread((cfg) => {
    const shape = [cfg.when instanceof Date, cfg.tags.has('a'), cfg.big, 1 in cfg.nested.list, cfg.self === cfg]
    return (x) => [x * cfg.k, shape]
  }, { data })
  data.k = 100 // cloned when the thread was made: later changes do not reach it
  assert.deepEqual(await t.run(14), [42, [true, true, 2n ** 70n, false, true]])
  await t.close()
})

test('the thread\'s copy is its own: changing it inside changes neither the host\'s nor later threads\'', async () => {
  const data = { n: 0 }
  const t = new Thread((cfg) => () => ++cfg.n, { data })
  assert.deepEqual([await t.run(), await t.run()], [1, 2])
  assert.equal(data.n, 0)
  await t.close()
})

test('without data the context is called with no argument; an async context gets data too', async () => {
  const none = new Thread((...args) => () => args.length)
  assert.equal(await none.run(), 0)
  const asyncCtx = new Thread(async (cfg) => { await null; return () => cfg.greeting }, { data: { greeting: 'hi' } })
  assert.equal(await asyncCtx.run(), 'hi')
  const primitive = new Thread((n) => () => n * 2, { data: 21 })
  assert.equal(await primitive.run(), 42)
  await Promise.all([none.close(), asyncCtx.close(), primitive.close()])
})

test('every thread of a pool gets its own clone (API.md §1 example)', async () => {
  const pool = new ThreadPool((cfg) => (x) => x * cfg.k, 4, { data: { k: 3 } })
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((x) => pool.run(x))), [3, 6, 9, 12, 15, 18, 21, 24])
  await pool.close()
  // Each thread counts on its own copy, from the data's value.
  const counting = new ThreadPool((cfg) => () => { cfg.n++; return [threadId, cfg.n] }, 2, { data: { n: 10 }, scheduler: 'round-robin' })
  const seen = await Promise.all([counting.run(), counting.run(), counting.run(), counting.run()])
  const byThread = new Map()
  for (const [id, n] of seen) byThread.set(id, [...(byThread.get(id) ?? []), n])
  assert.equal(byThread.size, 2)
  for (const ns of byThread.values()) assert.deepEqual(ns.sort(), [11, 12])
  await counting.close()
})

test('a thread a pool replaces after ERR_MEMORY_LIMIT gets data again', async () => {
  const pool = new ThreadPool((cfg) => (hog) => {
    if (hog) { const a = []; for (;;) a.push({ a }) }
    return cfg.label
  }, 1, { memoryLimit: 16, data: { label: 'configured' } })
  assert.equal(await pool.run(false), 'configured')
  await assert.rejects(pool.run(true), { code: 'ERR_MEMORY_LIMIT' })
  assert.equal(await pool.run(false), 'configured')
  await pool.close()
})

test('data that cannot be cloned throws ERR_CLONE naming the path from the constructor; no trap of a proxy runs', () => {
  assert.throws(() => new Thread(() => () => 1, { data: { handler() {} } }),
    (e) => e instanceof TypeError && e.code === 'ERR_CLONE' && /data\.handler/.test(e.message))
  assert.throws(() => new ThreadPool(() => () => 1, 2, { data: { list: [1, Symbol('s')] } }),
    (e) => e.code === 'ERR_CLONE' && /data\.list\[1\]/.test(e.message))
  let trapped = 0
  const proxy = new Proxy({}, { get() { trapped++ }, ownKeys() { trapped++; return [] }, getPrototypeOf() { trapped++; return null } })
  assert.throws(() => new Thread(() => () => 1, { data: { p: proxy } }), (e) => e.code === 'ERR_CLONE' && /data\.p/.test(e.message))
  assert.equal(trapped, 0)
})

test('a SharedArrayBuffer in data is shared with every thread, not copied', async () => {
  const sab = new SharedArrayBuffer(8)
  const counter = new Int32Array(sab)
  const pool = new ThreadPool((cfg) => {
    const shared = new Int32Array(cfg.sab)
    return () => Atomics.add(shared, 0, 1)
  }, 2, { data: { sab } })
  await Promise.all(Array.from({ length: 10 }, () => pool.run()))
  assert.equal(Atomics.load(counter, 0), 10)
  const t = new Thread((cfg) => () => new Int32Array(cfg.sab)[1], { data: { sab } })
  Atomics.store(counter, 1, 7) // written by the host after the thread was made
  assert.equal(await t.run(), 7)
  await Promise.all([pool.close(), t.close()])
})

test('module contexts read data as import.meta.data, in every module of the thread', async () => {
  const t = new Thread({ module: MODULE }, { data: { k: 3 } })
  assert.equal(await t.run(14), 42)
  const seen = new ThreadPool({ module: MODULE, export: 'seen' }, 2, { data: { k: 5, list: [1, 2] } })
  assert.deepEqual(await seen.run(), { data: { k: 5, list: [1, 2] }, sameInDep: true })
  const none = new Thread({ module: MODULE, export: 'seen' })
  assert.deepEqual(await none.run(), { data: undefined, sameInDep: true })
  await Promise.all([t.close(), seen.close(), none.close()])
})
