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

// A Proxy as a prototype: the object is an `Object.create(x)` object (API.md
// §7: its own enumerable properties cross) and no trap of the Proxy runs, on
// the host for arguments nor in the thread for results.
const PROTO_CASES = `({
  object: (p) => Object.setPrototypeOf({ a: 1, nested: { b: [2] } }, p),
  deeper: (p) => Object.setPrototypeOf({ a: 1 }, Object.create(p)),
  array: (p) => Object.setPrototypeOf([1, , 3], p),
  error: (p) => { const e = new RangeError('m'); e.code = 'E'; return Object.setPrototypeOf(e, p) },
  map: (p) => Object.setPrototypeOf(new Map([[1, 2]]), p),
  date: (p) => Object.setPrototypeOf(new Date(5), p),
})`
const recordingProxy = (calls) => new Proxy({}, new Proxy({}, { get: (_, trap) => (...a) => { calls.push(trap); return Reflect[trap](...a) } }))

function checkProtoCase(name, back) {
  if (name === 'object') assert.deepStrictEqual(back, { a: 1, nested: { b: [2] } })
  if (name === 'deeper') assert.deepStrictEqual(back, { a: 1 })
  if (name === 'array') assert.deepStrictEqual(back, [1, , 3]) // eslint-disable-line no-sparse-arrays
  if (name === 'error') { // only own name/message are read; no stack (formatting it reads through the chain)
    assert.ok(back instanceof Error)
    assert.equal(back.name, 'Error')
    assert.equal(back.message, 'm')
    assert.equal(back.code, 'E')
  }
  if (name === 'map') assert.deepStrictEqual(back, new Map([[1, 2]]))
  if (name === 'date') assert.deepStrictEqual(back, new Date(5))
}

test('an object whose prototype is a Proxy crosses host → thread without running a trap', async () => {
  const cases = eval(PROTO_CASES) // eslint-disable-line no-eval
  for (const name of Object.keys(cases)) {
    const calls = []
    const back = await echo.run(cases[name](recordingProxy(calls)))
    assert.deepEqual(calls, [], `${name}: traps ran on the host`)
    checkProtoCase(name, back)
  }
})

test('an object whose prototype is a Proxy crosses thread → host (as a result) without running a trap', async () => {
  const t = new Thread(new Function(`return () => {
    const cases = ${PROTO_CASES}
    const calls = []
    const proxy = new Proxy({}, new Proxy({}, { get: (_, trap) => (...a) => { calls.push(trap); return Reflect[trap](...a) } }))
    return (name) => name === 'calls' ? calls.splice(0) : cases[name](proxy)
  }`)()) // eslint-disable-line no-new-func
  try {
    for (const name of ['object', 'deeper', 'array', 'error', 'map', 'date']) {
      const back = await t.run(name)
      assert.deepEqual(await t.run('calls'), [], `${name}: traps ran in the thread`)
      checkProtoCase(name, back)
    }
  } finally {
    await t.close()
  }
})
