'use strict'
// Call arguments that are objects of one key list, sent again and again: from
// the second such call a thread builds them with a compiled maker
// (src/engine/codec/makers.rs). They must be the objects the one-property-at-
// a-time path makes: own data properties in key order, the realm's
// Object.prototype, no setter of Object.prototype run, identity kept.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, define } = require('..')

let thread
test.before(() => {
  thread = new Thread(() => {
    let hits = 0
    Object.defineProperty(Object.prototype, 'trap', { set() { hits++ }, get() { return 'inherited' }, configurable: true })
    return (x, y) => ({
      plain: Object.getPrototypeOf(x) === Object.prototype,
      keys: Object.keys(x),
      values: Object.values(x),
      data: Object.values(Object.getOwnPropertyDescriptors(x)).every((d) => d.writable && d.enumerable && d.configurable && !('get' in d)),
      hits,
      own: Object.hasOwn(x, 'trap'),
      self: x.self === x,
      shared: y !== undefined && y.p === y.q && y.p.k === 1,
    })
  })
})
test.after(() => thread.close())

test('objects of one key list, call after call: own data properties in order, no setter run', async () => {
  for (let i = 0; i < 6; i++) {
    const got = await thread.run({ trap: i, b: 'two', c: { d: i } })
    assert.deepEqual(got.keys, ['trap', 'b', 'c'], `call ${i}`)
    assert.deepEqual(got.values, [i, 'two', { d: i }], `call ${i}`)
    assert.ok(got.plain && got.data && got.own, `call ${i}`)
    assert.equal(got.hits, 0, `call ${i}: Object.prototype's setter ran`)
  }
})

test('keys that need quoting, two-byte keys, lone surrogates and Object.prototype names', async () => {
  const keys = ['a"b', '\\', '\u2028', '', 'constructor', 'toString', '__defineGetter__', '€uro', '\ud800', '\udc00x', 'x y', '4294967295', '-1', '01', '1.5', '${x}', '*/', '\n']
  const arg = Object.fromEntries(keys.map((k, i) => [k, i]))
  for (let i = 0; i < 4; i++) {
    const got = await thread.run(arg)
    assert.deepEqual(got.keys, keys)
    assert.deepEqual(got.values, keys.map((_, j) => j))
    assert.ok(got.plain && got.data)
  }
})

test('an object that refers to itself, and sub-objects shared between properties, keep their identity', async () => {
  for (let i = 0; i < 4; i++) {
    const o = { n: i, self: null }
    o.self = o
    const s = { k: 1 }
    const got = await thread.run(o, { p: s, q: s })
    assert.ok(got.self, `call ${i}: x.self is not x`)
    assert.ok(got.shared, `call ${i}: y.p is not y.q`)
    assert.deepEqual(got.keys, ['n', 'self'])
  }
})

test('many key lists (past the makers one thread keeps) and one of 256 keys', async () => {
  for (let round = 0; round < 2; round++) {
    for (let s = 0; s < 100; s++) {
      const got = await thread.run({ ['k' + s]: s, v: round })
      assert.deepEqual(got.keys, ['k' + s, 'v'])
      assert.deepEqual(got.values, [s, round])
    }
  }
  const wide = Object.fromEntries(Array.from({ length: 256 }, (_, i) => ['w' + i, i]))
  for (let i = 0; i < 3; i++) {
    const got = await thread.run(wide)
    assert.equal(got.keys.length, 256)
    assert.equal(got.values[255], 255)
    assert.ok(got.plain)
  }
})

test("a task's objects have its own realm's Object.prototype, call after call", async () => {
  const api = define({ proto: (x) => Object.getPrototypeOf(x) === Object.prototype && x.constructor === Object && Object.keys(x).join() === 'a,b' })
  for (let i = 0; i < 4; i++) assert.equal(await api({ name: 'proto', params: [{ a: i, b: 2 }] }), true, `task ${i}`)
  const service = await api.launchService()
  try {
    for (let i = 0; i < 4; i++) assert.equal(await service.call({ name: 'proto', params: [{ a: i, b: 2 }] }), true, `service call ${i}`)
  } finally {
    await service.close()
  }
})
