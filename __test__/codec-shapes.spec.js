'use strict'
// Host-only tests of the SHAPE/SHAPED tags of lib/codec.js (docs/wire-format.md):
// objects of one key list carry their keys once per payload.
const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const { decode, encode } = require('../lib/codec')
const { u32, latin1, cloneErr, badBytes } = require('./codec-helpers')

describe('SHAPE/SHAPED (objects of one shape, keys once per payload)', () => {
  const TAGS = require('../lib/codec/tags.json').tags
  const SHAPE = TAGS.SHAPE, SHAPED = TAGS.SHAPED, OBJECT = TAGS.OBJECT, ARRAY = TAGS.ARRAY, BACKREF = TAGS.BACKREF
  const int = (n) => [4, ...u32(n)]
  const utf16 = (s) => [8, ...u32(s.length), ...[...Buffer.from(s, 'utf16le')]]
  const str = (s) => (/[^\x00-\xff]/.test(s) ? utf16(s) : latin1(s))
  const shape = (keys, vals) => [SHAPE, ...u32(keys.length), ...keys.flatMap(str), ...vals.flat()]
  const shaped = (k, vals) => [SHAPED, ...u32(k), ...vals.flat()]
  const array = (items) => [ARRAY, ...u32(items.length), ...items.flat(), 0xff]
  const plain = (o) => Object.getPrototypeOf(o) === Object.prototype

  test('records of one shape: the same objects as OBJECT gives, keys in order', () => {
    const n = 20 // past the count where a shape gets its own fill function
    const items = [shape(['id', 'name'], [int(0), latin1('u0')])]
    for (let i = 1; i < n; i++) items.push(shaped(0, [int(i), latin1('u' + i)]))
    const out = decode(Uint8Array.from([1, ...array(items)]))
    assert.deepStrictEqual(out, Array.from({ length: n }, (_, i) => ({ id: i, name: 'u' + i })))
    for (const o of out) { assert.deepEqual(Object.keys(o), ['id', 'name']); assert.ok(plain(o)) }
  })

  test('object ids: SHAPE and SHAPED take one each, before their values (cycles, shared sub-objects)', () => {
    // id 0 is the array; the objects are ids 1 to 4 in the order their tags are read
    const bytes = [1, ...array([
      shape(['self', 'peer'], [[BACKREF, ...u32(1)], shape(['x'], [int(7)])]), // ids 1 and 2
      shaped(0, [[BACKREF, ...u32(3)], [BACKREF, ...u32(2)]]), // id 3: refers to itself and to id 2
      shaped(1, [[BACKREF, ...u32(0)]]), // id 4: {x: the array}
    ])]
    const out = decode(Uint8Array.from(bytes))
    assert.equal(out[0].self, out[0])
    assert.equal(out[1].self, out[1])
    assert.equal(out[0].peer, out[1].peer)
    assert.deepEqual(out[0].peer, { x: 7 })
    assert.equal(out[2].x, out)
  })

  test('keys that need quoting, two-byte keys, lone surrogates and Object.prototype names', () => {
    const keys = ['a"b', '\\', '\u2028', '', 'constructor', 'toString', 'hasOwnProperty', '€uro', '\ud800', 'x y', '4294967295', '-1', '01']
    const vals = keys.map((_, i) => int(i))
    const items = [shape(keys, vals)]
    for (let i = 0; i < 12; i++) items.push(shaped(0, vals))
    const out = decode(Uint8Array.from([1, ...array(items)]))
    const want = Object.fromEntries(keys.map((k, i) => [k, i]))
    for (const o of out) {
      assert.deepEqual(Object.keys(o), keys) // none is an array index: insertion order
      assert.deepStrictEqual(o, want)
      assert.ok(plain(o))
    }
  })

  test('many shapes: 256 keys, thousands of key lists, numbered in reading order', () => {
    const wide = Array.from({ length: 256 }, (_, i) => 'k' + i)
    const items = [shape(wide, wide.map((_, i) => int(i))), shaped(0, wide.map((_, i) => int(-i)))]
    for (let s = 1; s <= 3000; s++) {
      items.push(shape(['s' + s, 'v'], [int(s), int(0)]))
      items.push(shaped(s, [int(s), int(1)]), shaped(s, [int(s), int(2)]))
    }
    items.push(shaped(1, [int(1), int(3)]))
    // 100 more key lists of 10 objects each: past the count of fill functions one payload may make
    for (let s = 3001; s <= 3100; s++) {
      items.push(shape(['t' + s, 'w'], [int(s), int(0)]))
      for (let j = 1; j < 10; j++) items.push(shaped(s, [int(s), int(j)]))
    }
    const out = decode(Uint8Array.from([1, ...array(items)]))
    assert.equal(Object.keys(out[0]).length, 256)
    assert.equal(out[1].k255, -255)
    assert.deepEqual(out[2 + 3 * 2999 + 2], { s3000: 3000, v: 2 })
    assert.deepEqual(out[2 + 3 * 3000], { s1: 1, v: 3 })
    for (let s = 3001; s <= 3100; s++) {
      for (let j = 0; j < 10; j++) assert.deepStrictEqual(out[3 + 3 * 3000 + 10 * (s - 3001) + j], { ['t' + s]: s, w: j })
    }
  })

  test('malformed shapes are clean errors', () => {
    badBytes([1, SHAPED, 0, 0, 0, 0], /SHAPED refers to unknown shape 0 \(0 read\)/)
    badBytes([1, ...array([shape(['a'], [int(1)]), shaped(1, [int(2)])])], /unknown shape 1 \(1 read\)/)
    badBytes([1, SHAPE, 0, 0, 0, 0], /shape of 0 keys/)
    badBytes([1, SHAPE, ...u32(257)], /shape of 257 keys/)
    badBytes([1, SHAPE, ...u32(0xffffffff)], /shape of 4294967295 keys/)
    badBytes([1, SHAPE, ...u32(200), ...latin1('a')], /truncated/)
    badBytes([1, ...shape(['__proto__'], [int(1)])], /shape key "__proto__" is not allowed/)
    badBytes([1, ...shape(['7'], [int(1)])], /shape key "7" is not allowed/)
    badBytes([1, ...shape(['a', 'a'], [int(1), int(2)])], /repeated key/)
    badBytes([1, SHAPE, ...u32(1), ...int(1), ...int(1)], /expected a string/)
    badBytes([1, ...shape(['a', 'b'], [int(1)])], /truncated/)
    badBytes([1, ...shape(['a'], [[0xff]])], /unexpected END/)
    badBytes([1, ...shape(['a'], [[0x0c]])], /HOLE outside an array/)
    badBytes([1, ...shape(['a'], [int(1)]), 0xff], /trailing bytes/)
    const full = [1, ...array([shape(['a', 'b'], [int(1), [OBJECT, ...latin1('c'), ...int(2), 0xff]]), shaped(0, [int(3), int(4)])])]
    assert.deepEqual(decode(Uint8Array.from(full)), [{ a: 1, b: { c: 2 } }, { a: 3, b: 4 }])
    for (let n = 0; n < full.length; n++) assert.throws(() => decode(Uint8Array.from(full.slice(0, n))), cloneErr(), `prefix ${n}`)
  })

  test('where code cannot be made from strings, shaped objects are filled key by key', () => {
    const { execFileSync } = require('node:child_process')
    const script = `
      const { decode } = require(${JSON.stringify(require.resolve('../lib/codec'))})
      const bytes = Uint8Array.from(${JSON.stringify([1, ...array([shape(['a', 'b'], [int(0), int(0)]), ...Array.from({ length: 20 }, (_, i) => shaped(0, [int(i), int(-i)]))])])})
      const out = decode(bytes)
      process.stdout.write(JSON.stringify([out.length, out[20], Object.keys(out[9])]))`
    const got = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { encoding: 'utf8' })
    assert.equal(got, JSON.stringify([21, { a: 19, b: -19 }, ['a', 'b']]))
  })
})

describe('golden vectors of the shaped form (__test__/fixtures/codec-golden-shapes.json, also read by the Rust tests)', () => {
  const { vectors } = require('./fixtures/codec-golden-shapes.json')
  const hexOf = (value) => Buffer.from(encode(value, 'args', undefined, true).bytes).toString('hex')
  for (const { name, source, hex } of vectors) {
    test(name, () => {
      const value = eval(source) // eslint-disable-line no-eval
      assert.equal(hexOf(value), hex, "a call's bytes, shaped")
      const back = decode(Uint8Array.from(Buffer.from(hex, 'hex')))
      assert.deepStrictEqual(back, value, 'decoded value')
      // The same bytes again also say the decoded graph is the same: which
      // objects are shared, and where the cycles close.
      assert.equal(hexOf(back), hex, 're-encoded bytes')
    })
  }
})
