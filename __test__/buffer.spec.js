'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { buffer, Thread, spawn } = require('..')

test('the API.md §4 example: mod() is an atomic read-modify-write, get() a copy', async () => {
  const counter = buffer({ n: 0 })
  await counter.mod((v) => ({ n: v.n + 1 }))
  const copy = counter.get()
  assert.deepEqual(copy, { n: 1 })
  copy.n = 99
  assert.deepEqual(counter.get(), { n: 1 }, 'get() returns a copy')
  await counter.set({ n: 5 })
  await counter.mod((v) => { v.n *= 2 }) // a mutated copy is stored when fn returns undefined
  assert.deepEqual(counter.get(), { n: 10 })
  counter.clean()
})

test('8 threads × 10,000 mod(n => n + 1) end at exactly 80,000', async () => {
  const counter = buffer(0)
  const threads = Array.from({ length: 8 }, () => new Thread(() => (b, n) => { for (let i = 0; i < n; i++) b.mod((v) => v + 1); return true }))
  await Promise.all(threads.map((t) => t.run(counter, 10000)))
  assert.equal(counter.get(), 80000)
  await Promise.all(threads.map((t) => t.close()))
  counter.clean()
})

test('passing a buffer at any depth passes the same value; thread-side calls are synchronous', async () => {
  const shared = buffer({ items: [] })
  const t = new Thread(() => (data) => {
    const b = data.nested[0].buf
    b.mod((v) => { v.items.push(threadId) })
    b.set({ ...b.get(), touched: true })
    return b.get()
  })
  const inside = await t.run({ nested: [{ buf: shared }] })
  assert.deepEqual(inside, { items: [t.threadId], touched: true })
  assert.deepEqual(shared.get(), { items: [t.threadId], touched: true })
  // Returned from a thread, it is the same buffer again.
  const back = await new Thread(() => (b) => b).run(shared)
  assert.deepEqual(back.get(), shared.get())
  await back.mod((v) => { v.items.push('host') })
  assert.deepEqual(shared.get().items, [t.threadId, 'host'])
  await t.close()
  shared.clean()
})

test('a buffer deep inside a large result (the V8-serialized path) comes back as the same buffer, once per graph', async () => {
  const shared = buffer({ n: 1 })
  const t = new Thread(() => (b) => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, name: 'user' + i, tags: ['a', 'b'] }))
    rows[321].buf = b
    return { rows, again: [b], plain: {} }
  })
  const r = await t.run(shared)
  assert.equal(r.rows.length, 500)
  assert.deepEqual(r.rows[320], { id: 320, name: 'user320', tags: ['a', 'b'] })
  assert.equal(r.rows[321].buf, r.again[0], 'one graph: the same handle twice')
  assert.deepEqual(r.rows[321].buf.get(), { n: 1 })
  await r.again[0].mod((v) => { v.n++ })
  assert.deepEqual(shared.get(), { n: 2 })
  await t.close()
  shared.clean()
})

test('host mod() waits for a thread holding the buffer without blocking the event loop', async () => {
  const b = buffer(0)
  const t = new Thread(() => (buf) => buf.mod((v) => { const end = Date.now() + 100; while (Date.now() < end); return v + 1 }))
  const inThread = t.run(b)
  await new Promise((r) => setTimeout(r, 20))
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  await b.mod((v) => v * 10)
  clearInterval(timer)
  await inThread
  assert.equal(b.get(), 10, 'the host mod ran after the thread finished its own')
  assert.ok(ticks > 3, 'the event loop kept running while mod() waited')
  await t.close()
  b.clean()
})

test('a cleaned buffer: get() throws, set()/mod() reject, thread-side calls throw ERR_CLOSED', async () => {
  const b = buffer(1)
  b.clean()
  assert.throws(() => b.get(), { code: 'ERR_CLOSED' })
  await assert.rejects(b.set(2), { code: 'ERR_CLOSED' })
  await assert.rejects(b.mod((v) => v), { code: 'ERR_CLOSED' })
  const t = new Thread(() => (buf) => { try { buf.get() } catch (e) { return e.code } })
  assert.equal(await t.run(b), 'ERR_CLOSED')
  await t.close()
})

test('a buffer cleaned after a thread used it: that thread\'s next get/set/mod throw ERR_CLOSED', async () => {
  const b = buffer(1)
  const t = new Thread(() => (buf, op) => {
    if (op === 'use') return buf.mod((v) => v + 1)
    return ['get', 'set', 'mod'].map((m) => { try { buf[m](m === 'mod' ? (v) => v : 0); return 'ok' } catch (e) { return e.code } })
  })
  assert.equal(await t.run(b, 'use'), 2)
  b.clean()
  assert.deepEqual(await t.run(b, 'check'), ['ERR_CLOSED', 'ERR_CLOSED', 'ERR_CLOSED'])
  await t.close()
})

test('mod() turns a number into an object and back, in threads and on the host', async () => {
  const b = buffer(1)
  const t = new Thread(() => (buf, step) => step === 1 ? buf.mod((n) => ({ n })) : buf.mod((o) => o.n * 10))
  assert.deepEqual(await t.run(b, 1), { n: 1 })
  assert.deepEqual(b.get(), { n: 1 })
  await b.mod((o) => ({ n: o.n + 1 }))
  assert.equal(await t.run(b, 2), 20)
  assert.equal(b.get(), 20)
  await b.mod((n) => n + 0.5)
  const other = new Thread(() => (buf) => buf.mod((n) => n * 2))
  assert.equal(await other.run(b), 41)
  await Promise.all([t.close(), other.close()])
  b.clean()
})

test('spawn: settles with res(v), res(a, b) as [a, b], rej(e), a returned promise, or undefined on an empty loop', async () => {
  const ids = await spawn((res, rej, info) => res(info.threadId, info.args), { args: [1, 2] }).await()
  assert.equal(typeof ids[0], 'number')
  assert.deepEqual(ids[1], [1, 2])
  assert.equal(await spawn((res) => res('one')).await(), 'one')
  await assert.rejects(spawn((res, rej) => rej(new Error('no'))).await(), { message: 'no' })
  assert.equal(await spawn(async () => 'promised').await(), 'promised')
  assert.equal(await spawn(() => { setTimeout(() => {}, 10) }).await(), undefined)
  assert.equal(await spawn((res) => { setTimeout(() => res('late'), 20); return 'plain' }).await(), 'late', 'a plain return value does not settle it')
})

test('spawn: code after res() still runs; await(timeout) gives undefined and keeps the thread unless keep is false', async () => {
  const shared = buffer([])
  const h = spawn((res, rej, { args }) => { res('first'); args[0].mod((v) => { v.push('after res') }) }, { args: [shared] })
  assert.equal(await h.await(), 'first')
  await new Promise((r) => setTimeout(r, 30))
  assert.deepEqual(shared.get(), ['after res'])
  const slow = spawn((res) => setTimeout(() => res('slow'), 100))
  assert.equal(await slow.await(10), undefined)
  assert.equal(slow.done, false)
  assert.equal(await slow.await(), 'slow')
  assert.equal(slow.done, true)
  const dropped = spawn((res) => setTimeout(() => res('never'), 1000))
  assert.equal(await dropped.await(10, false), undefined)
  await assert.rejects(dropped.await(), { code: 'ERR_CLOSED' })
  shared.clean()
})

test('spawn: kill() terminates a busy thread and a pending await rejects; clean() then await rejects', async () => {
  const busy = spawn(() => { for (;;); })
  const pending = busy.await()
  setTimeout(() => busy.kill(), 20)
  await assert.rejects(pending, { code: 'ERR_CLOSED' })
  await assert.rejects(busy.await(), { code: 'ERR_CLOSED' })
  const done = spawn((res) => res(1))
  assert.equal(await done.await(), 1)
  done.clean()
  await assert.rejects(done.await(), { code: 'ERR_CLOSED' })
})

test('structuredClone of a buffer inside a thread gives the same buffer, as passing it does', async () => {
  const shared = buffer({ n: 1 })
  const t = new Thread(() => (b) => {
    const copy = structuredClone({ inner: b })
    copy.inner.set({ n: 2 })
    return [b.get(), copy.inner !== b]
  })
  assert.deepEqual(await t.run(shared), [{ n: 2 }, true], 'a new handle over the same value')
  assert.deepEqual(shared.get(), { n: 2 })
  await t.close()
  shared.clean()
})
