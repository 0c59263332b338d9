'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

let echo
test.before(() => { echo = new Thread(() => (v) => v) })
test.after(() => echo.close())

test('the structured-clone set crosses both ways', async () => {
  const values = [
    undefined, null, true, false, 0, -0, 42, -1.5, NaN, Infinity, 2 ** 40,
    10n, -(2n ** 100n), '', 'hello', 'ünïcödé ✓ 😀', '\ud800 lone',
    new Date(1700000000000), /a+b/gi, [1, , 3], { a: 1, b: { c: [1, 2] } },
    new Map([[1, 'a'], ['k', { v: 2 }]]), new Set([1, 'x', 3n]),
    new Uint8Array([1, 2, 3]), new Float64Array([1.5, -2]), new BigInt64Array([5n]),
    Object(5), Object('s'), Object(false),
  ]
  for (const v of values) {
    const back = await echo.run(v)
    assert.deepStrictEqual(back, v, `round trip of ${String(v)}`)
  }
})

test('typed arrays keep their whole buffer and byteOffset; DataView too', async () => {
  const buf = new ArrayBuffer(16)
  new Uint8Array(buf).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
  const view = new Uint16Array(buf, 4, 2)
  const back = await echo.run(view)
  assert.equal(back.byteOffset, 4)
  assert.equal(back.buffer.byteLength, 16)
  assert.deepEqual([...back], [...view])
  const dv = await echo.run(new DataView(buf, 2, 3))
  assert.ok(dv instanceof DataView)
  assert.equal(dv.byteOffset, 2)
  assert.equal(dv.byteLength, 3)
  assert.equal(dv.getUint8(0), 2)
})

test('cycles and shared references keep their shape', async () => {
  const a = { name: 'a' }
  a.self = a
  const shared = { s: 1 }
  const back = await echo.run({ a, x: shared, y: shared })
  assert.equal(back.a.self, back.a)
  assert.equal(back.x, back.y)
  const t = new Thread(() => (p, q) => p === q)
  const o = {}
  assert.equal(await t.run(o, o), true, 'the args of one call are one graph')
  await t.close()
})

test('class instances cross as plain objects, getters run once', async () => {
  class Point { constructor() { this.x = 1; this.y = 2 } get sum() { return this.x + this.y } }
  let reads = 0
  const obj = { get v() { reads++; return 7 } }
  assert.deepEqual(await echo.run(new Point()), { x: 1, y: 2 })
  assert.deepEqual(await echo.run(obj), { v: 7 })
  assert.equal(reads, 1)
})

test('errors cross as the host class of the same name', async () => {
  const back = await echo.run(new RangeError('r'))
  assert.ok(back instanceof RangeError)
  assert.equal(back.message, 'r')
})

test('what cannot be cloned rejects with ERR_CLONE naming the path', async () => {
  await assert.rejects(echo.run(1, { handler() {} }), (e) => e.code === 'ERR_CLONE' && /args\[1\]\.handler/.test(e.message))
  await assert.rejects(echo.run(Symbol('x')), (e) => e.code === 'ERR_CLONE' && /args\[0\]/.test(e.message))
  await assert.rejects(echo.run(new WeakMap()), { code: 'ERR_CLONE' })
  await assert.rejects(echo.run(new Proxy({}, { get() { throw new Error('trap ran') } })), { code: 'ERR_CLONE' })
  const t = new Thread(() => () => ({ ok: 1, handler: () => 1 }))
  await assert.rejects(t.run(), (e) => e.code === 'ERR_CLONE' && /result\.handler/.test(e.message))
  assert.equal(await echo.run('still fine'), 'still fine')
  await t.close()
})

test('a transferred ArrayBuffer is moved: the sender copy is detached', async () => {
  const ab = new Uint8Array([9, 8, 7]).buffer
  const t = new Thread(() => (buf) => [buf.byteLength, new Uint8Array(buf)[0]])
  assert.deepEqual(await t.runWith({ args: [ab], transfer: [ab] }), [3, 9])
  assert.equal(ab.byteLength, 0)
  await t.close()
})
