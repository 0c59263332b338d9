'use strict'
// Host-only tests of lib/codec.js against docs/wire-format.md (version 1).
const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const { encode, decode, encodeArgs, encodeRestArgs, VERSION } = require('../lib/codec')
const { enc, rt, bytesOf, u32, u64, latin1, f64, cloneErr, badBytes } = require('./codec-helpers')

describe('exact byte layouts (shared with the Rust half)', () => {
  test('scalars', () => {
    assert.equal(VERSION, 1)
    assert.deepEqual(bytesOf(21), [1, 4, 21, 0, 0, 0])
    assert.deepEqual(bytesOf(-2), [1, 4, 0xfe, 0xff, 0xff, 0xff])
    assert.deepEqual(bytesOf('hi'), [1, 7, 2, 0, 0, 0, 104, 105])
    assert.deepEqual(bytesOf(undefined), [1, 0])
    assert.deepEqual(bytesOf(null), [1, 1])
    assert.deepEqual(bytesOf(true), [1, 2])
    assert.deepEqual(bytesOf(false), [1, 3])
    assert.deepEqual(bytesOf(-0), [1, 5, ...f64(-0)])
    assert.deepEqual(bytesOf(1.5), [1, 5, ...f64(1.5)])
    assert.deepEqual(bytesOf(2 ** 31), [1, 5, ...f64(2 ** 31)])
    assert.deepEqual(bytesOf('é'), [1, 7, 1, 0, 0, 0, 0xe9])
    assert.deepEqual(bytesOf('a€'), [1, 8, 2, 0, 0, 0, 0x61, 0, 0xac, 0x20])
  })

  test('long UTF-16 strings are written with their units at an even offset (STRING_UTF16_PADDED), read back the same', () => {
    const n = 1 << 15
    const s = '\ud800€'.repeat(n / 2)
    const alone = enc(s).bytes // tag at 1: units at 6, no padding
    assert.deepEqual([...alone.subarray(0, 8)], [1, 8, ...u32(n), 0x00, 0xd8])
    const second = enc(['x', s]).bytes // tag at 12: padded, units at 18
    assert.deepEqual([...second.subarray(6, 20)], [...latin1('x'), 0x1f, 0, ...u32(n), 0x00, 0xd8])
    const first = enc([s]).bytes // tag at 6: padded, units at 12
    assert.deepEqual([...first.subarray(6, 14)], [0x1f, 0, ...u32(n), 0x00, 0xd8])
    assert.deepEqual(enc([s.slice(1)]).bytes[6], 8, 'shorter strings are not padded')
    assert.deepEqual(rt(['x', s]), ['x', s])
    assert.deepEqual(rt([s, { [s]: s }]), [s, { [s]: s }])
    assert.equal(decode(Uint8Array.from([1, 0x1f, 0, ...u32(2), 0x61, 0, 0x00, 0xd8])), 'a\ud800')
    badBytes([1, 0x1f, 1, ...u32(1), 0x61, 0], /padding/)
  })

  test('BigInt: sign, word count, little-endian u64 words', () => {
    assert.deepEqual(bytesOf(0n), [1, 6, 0, 0, 0, 0, 0])
    assert.deepEqual(bytesOf(5n), [1, 6, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0])
    assert.deepEqual(bytesOf(-1n), [1, 6, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    assert.deepEqual(bytesOf(2n ** 64n + 3n), [1, 6, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
  })

  test('containers, holes, sparse arrays and END', () => {
    assert.deepEqual(bytesOf([21]), [1, 0x0a, 1, 0, 0, 0, 4, 21, 0, 0, 0, 0xff])
    assert.deepEqual(bytesOf({ a: 1 }), [1, 9, ...latin1('a'), 4, 1, 0, 0, 0, 0xff])
    assert.deepEqual(bytesOf([1, , 3]), [1, 0x0a, 3, 0, 0, 0, 4, 1, 0, 0, 0, 0x0c, 4, 3, 0, 0, 0, 0xff]) // eslint-disable-line no-sparse-arrays
    const extra = [7]; extra.x = null
    assert.deepEqual(bytesOf(extra), [1, 0x0a, 1, 0, 0, 0, 4, 7, 0, 0, 0, ...latin1('x'), 1, 0xff])
    const sparse = []; sparse[3] = true
    assert.deepEqual(bytesOf(sparse), [1, 0x0b, 4, 0, 0, 0, ...latin1('3'), 2, 0xff])
    assert.deepEqual(bytesOf(new Map([[1, 2]])), [1, 0x0f, 4, 1, 0, 0, 0, 4, 2, 0, 0, 0, 0xff])
    assert.deepEqual(bytesOf(new Set(['a'])), [1, 0x10, ...latin1('a'), 0xff])
    assert.deepEqual(bytesOf(new Date(0)), [1, 0x0d, ...f64(0)])
    assert.deepEqual(bytesOf(/x/g), [1, 0x0e, ...latin1('x'), ...latin1('g')])
  })

  test('object ids and BACKREF: views take ids before their buffer', () => {
    const o = {}
    assert.deepEqual(bytesOf([o, o]), [1, 0x0a, 2, 0, 0, 0, 9, 0xff, 0x17, ...u32(1), 0xff])
    const ab = new ArrayBuffer(4)
    const got = bytesOf([new Uint16Array(ab, 2, 1), ab])
    assert.deepEqual(got, [1, 0x0a, 2, 0, 0, 0,
      0x15, 4, 0x12, ...u64(4), 0, 0, 0, 0, ...u64(2), ...u64(1), // view id 1, buffer id 2
      0x17, ...u32(2), 0xff])
    assert.deepEqual(bytesOf(new DataView(ab, 1, 2)), [1, 0x16, 0x12, ...u64(4), 0, 0, 0, 0, ...u64(1), ...u64(2)])
  })

  test('boxed primitives and errors', () => {
    assert.deepEqual(bytesOf(Object(2)), [1, 0x18, ...f64(2)])
    assert.deepEqual(bytesOf(Object('s')), [1, 0x19, ...latin1('s')])
    assert.deepEqual(bytesOf(Object(true)), [1, 0x1a, 1])
    assert.deepEqual(bytesOf(Object(1n)), [1, 0x1b, 6, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    const e = new RangeError('m', { cause: 1 }); e.stack = undefined; e.code = 'C'; e.x = 2
    assert.deepEqual(bytesOf(e), [1, 0x11, ...latin1('RangeError'), ...latin1('m'), 0,
      ...latin1('cause'), 4, 1, 0, 0, 0, ...latin1('code'), ...latin1('C'), ...latin1('x'), 4, 2, 0, 0, 0, 0xff])
  })

  test('SharedArrayBuffer and transferred buffers are indexes into the side lists', () => {
    const sab = new SharedArrayBuffer(8)
    const e = enc([sab, sab, new Int32Array(sab)])
    assert.deepEqual([...e.bytes], [1, 0x0a, 3, 0, 0, 0, 0x13, ...u32(0), 0x17, ...u32(1),
      0x15, 5, 0x17, ...u32(1), ...u64(0), ...u64(2), 0xff])
    assert.equal(e.shared.length, 1)
    assert.equal(e.shared[0], sab)
    const ab1 = new ArrayBuffer(1), ab2 = new ArrayBuffer(2)
    const t = enc([ab2, ab1], 'args', [ab1, sab, ab2])
    assert.deepEqual([...t.bytes], [1, 0x0a, 2, 0, 0, 0, 0x14, ...u32(1), 0x14, ...u32(0), 0xff])
  })
})

describe('golden vectors (__test__/fixtures/codec-golden.json, also read by the Rust tests)', () => {
  const { vectors } = require('./fixtures/codec-golden.json')
  const TABLE = require('../lib/codec/tags.json')
  test('the tag table is the one the codec uses', () => {
    assert.equal(VERSION, TABLE.VERSION)
    assert.deepEqual(bytesOf(undefined), [TABLE.VERSION, TABLE.tags.UNDEFINED])
    assert.equal(new Set(Object.values(TABLE.tags)).size, Object.keys(TABLE.tags).length, 'tags are distinct')
  })
  for (const { name, source, hex, decodesAs } of vectors) {
    test(name, () => {
      const value = eval(source) // eslint-disable-line no-eval
      assert.equal(Buffer.from(enc(value, 'value').bytes).toString('hex'), hex, 'encoded bytes')
      const back = decode(Uint8Array.from(Buffer.from(hex, 'hex')))
      assert.deepStrictEqual(back, decodesAs === undefined ? value : eval(decodesAs), 'decoded value') // eslint-disable-line no-eval
      assert.equal(Buffer.from(enc(back, 'value').bytes).toString('hex'), hex, 're-encoded bytes')
    })
  }
})

describe('round trips', () => {
  test('primitives', () => {
    for (const v of [undefined, null, true, false, 0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.25, NaN,
      Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, '', 'x', 'héllo', '日本', '\ud800', 'a\udc00b', 0n,
      1n, -1n, 2n ** 63n, -(2n ** 64n), 2n ** 64n - 1n, 12345678901234567890123456789012345678901234567890n,
      -(3n ** 300n)]) {
      assert.ok(Object.is(rt(v), v), `round trip of ${String(v)}`)
    }
  })

  test('long strings: latin1 chunks, ASCII, UTF-16 with lone surrogates, unaligned UTF-16', () => {
    const lat = 'ÿé\x00a'.repeat(6000)
    const ascii = 'abc'.repeat(10000)
    const utf = 'x\ud83d\ude00\ud800€'.repeat(5000)
    for (const s of [lat, ascii, utf, 'é'.repeat(100)]) assert.equal(rt(s), s)
    const e = enc(utf) // decode from an odd byte offset: the u16 code units are unaligned
    const shifted = new Uint8Array(e.bytes.length + 1); shifted.set(e.bytes, 1)
    assert.equal(decode(shifted.subarray(1)), utf)
    const short = enc('a\ud800'); const s2 = new Uint8Array(short.bytes.length + 1); s2.set(short.bytes, 1)
    assert.equal(decode(s2.subarray(1)), 'a\ud800')
  })

  test('Date and RegExp', () => {
    assert.deepEqual(rt(new Date(1700000000123)), new Date(1700000000123))
    assert.ok(Number.isNaN(rt(new Date(NaN)).getTime()))
    for (const re of [/a+b/gimsuy, /x/d, /[\u0100]/v, new RegExp('\\/', '')]) {
      const got = rt(re)
      assert.ok(got instanceof RegExp)
      assert.equal(got.source, re.source); assert.equal(got.flags, re.flags)
    }
  })

  test('arrays: holes, trailing holes, extra props, subclass, sparse', () => {
    const holes = [1, , 3, , ,] // eslint-disable-line no-sparse-arrays
    const got = rt(holes)
    assert.equal(got.length, 5); assert.deepEqual(Object.keys(got), ['0', '2'])
    assert.deepEqual(rt([undefined, null]), [undefined, null])
    const extra = [1, 2]; extra.name = 'n'; extra['x y'] = { z: 1 }
    assert.deepEqual(rt(extra), extra)
    const holeyExtra = [1, , 3]; holeyExtra.tag = 't' // eslint-disable-line no-sparse-arrays
    assert.deepEqual(rt(holeyExtra), holeyExtra)
    class MyArray extends Array {}
    const sub = MyArray.from([1, 2])
    const sg = rt(sub)
    assert.equal(Object.getPrototypeOf(sg), Array.prototype); assert.deepEqual([...sg], [1, 2])
    const sparse = []; sparse[10] = 'a'; sparse[1000] = 'b'; sparse.p = 1
    assert.deepEqual(rt(sparse), sparse)
    assert.equal(enc(sparse).bytes[1], 0x0b)
  })

  test('sparse array of length 2**32-1 is fast and exact', () => {
    const a = []; a[2 ** 32 - 2] = 'last'; a[5] = 5
    const t0 = process.hrtime.bigint()
    const got = rt(a)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    assert.equal(got.length, 2 ** 32 - 1)
    assert.equal(got[2 ** 32 - 2], 'last'); assert.equal(got[5], 5)
    assert.deepEqual(Object.keys(got), ['5', '4294967294'])
    assert.ok(ms < 200, `took ${ms} ms`)
  })

  test('objects: plain, null-prototype, class instances, Object.create, odd keys', () => {
    const plain = { a: 1, b: 'hello', c: [1, 2, 3], 'weird key': { 1: 'one' }, '': 0 }
    assert.deepEqual(rt(plain), plain)
    const nullProto = Object.assign(Object.create(null), { x: 1 })
    assert.deepEqual({ ...rt(nullProto) }, { x: 1 })
    class Point { constructor() { this.x = 1; this.y = 2 } get sum() { return 3 } }
    const p = rt(new Point())
    assert.equal(Object.getPrototypeOf(p), Object.prototype); assert.deepEqual(p, { x: 1, y: 2 })
    const derived = Object.create({ inherited: 1 }); derived.own = 2
    assert.deepEqual(rt(derived), { own: 2 })
    const sym = { [Symbol('s')]: 1, k: 1 }
    assert.deepEqual(rt(sym), { k: 1 })
    const hidden = Object.defineProperty({ v: 1 }, 'h', { value: 2, enumerable: false })
    assert.deepEqual(rt(hidden), { v: 1 })
    const proto = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')
    const got = rt(proto)
    assert.equal(Object.getPrototypeOf(got), Object.prototype)
    assert.deepEqual(Object.keys(got), ['__proto__', 'a']); assert.equal({}.polluted, undefined)
  })

  test('getters run exactly once, in property order', () => {
    const calls = []
    const o = { get a() { calls.push('a'); return 1 }, get b() { calls.push('b'); return { c: 2 } } }
    assert.deepEqual(rt(o), { a: 1, b: { c: 2 } })
    assert.deepEqual(calls, ['a', 'b'])
  })

  test('Map and Set, with object keys and nesting', () => {
    const k = { id: 1 }
    const m = new Map([[k, 'v'], ['s', new Set([1, k, 'x'])], [NaN, -0]])
    const got = rt(m)
    assert.deepEqual(got, m)
    const [gk] = got.keys()
    assert.equal([...got.get('s')][1], gk) // the same object both times
    assert.ok(Object.is(got.get(NaN), -0))
  })

  test('Map and Set entries are all listed, whatever `size` says, at every size', () => {
    class LyingMap extends Map { get size() { return 1 } }
    class LyingSet extends Set { get size() { return 0 } }
    const m = new LyingMap([['a', 1], ['b', 2], ['c', { d: 3 }]]), s = new LyingSet(['x', 'y'])
    assert.deepEqual([...rt(m)], [['a', 1], ['b', 2], ['c', { d: 3 }]])
    assert.deepEqual([...rt(s)], ['x', 'y'])
    for (const n of [0, 1, 1000, 120000]) {
      const big = new Map(Array.from({ length: n }, (_, i) => ['k' + i, i])), got = rt([big, new Set(big.keys())])
      assert.equal(got[0].size, n); assert.equal(got[1].size, n)
      if (n > 0) { assert.equal(got[0].get('k' + (n - 1)), n - 1); assert.ok(got[1].has('k0')) }
    }
  })

  test('boxed primitives', () => {
    for (const v of [Object(1.5), Object(-0), Object('str'), Object(false), Object(true), Object(10n ** 30n)]) {
      const got = rt(v)
      assert.equal(typeof got, 'object'); assert.ok(Object.is(got.valueOf(), v.valueOf()))
      assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(v))
    }
  })

  test('cycles and shared identity', () => {
    const o = { name: 'root' }; o.self = o; o.list = [o, { back: o }]
    const got = rt(o)
    assert.equal(got.self, got); assert.equal(got.list[0], got); assert.equal(got.list[1].back, got)
    const shared = { s: 1 }
    const pair = rt([shared, shared, { inner: shared }])
    assert.equal(pair[0], pair[1]); assert.equal(pair[2].inner, pair[0])
    const m = new Map(); m.set(m, m)
    const gm = rt(m); assert.equal(gm.get(gm), gm)
    const s = new Set(); s.add(s)
    const gs = rt(s); assert.ok(gs.has(gs))
    const arr = []; arr.push(arr)
    const ga = rt(arr); assert.equal(ga[0], ga)
    const err = new Error('loop'); err.cause = err
    const ge = rt(err); assert.equal(ge.cause, ge)
  })

  test('shared objects are found at every size of the identity table', () => {
    // Up to 16 objects a list, then a Set, then (from the first object met
    // twice) a Map: a repeat before, at and past each switch, then new
    // objects and repeats after it, and a view over a buffer met before.
    for (const n of [3, 15, 16, 17, 40, 5000]) {
      const list = Array.from({ length: n }, (_, i) => ({ i }))
      const buf = new ArrayBuffer(8)
      const value = [...list, list[0], list[n - 1], buf, ...Array.from({ length: 20 }, (_, i) => [i]), list[n >> 1],
        new Uint8Array(buf, 2, 4), list]
      const got = rt(value)
      assert.equal(got[n], got[0]); assert.equal(got[n + 1], got[n - 1])
      assert.equal(got[n + 23], got[n >> 1]); assert.equal(got[n + 24].buffer, got[n + 2])
      assert.equal(got[n + 25][n - 1], got[n - 1]); assert.deepEqual(got[n + 22], [19])
      assert.equal(new Set(got.slice(0, n)).size, n)
      for (let i = 0; i < n; i++) assert.equal(got[i].i, i)
    }
  })

  test('encodeArgs is encode(args, "args")', () => {
    const args = [1, { a: 'b' }]
    assert.deepEqual(Uint8Array.from(encodeArgs(args).bytes), enc(args, 'args').bytes)
    assert.throws(() => encodeArgs([1, () => {}]), cloneErr(/^args\[1\] is a function/))
  })

  test('rest arguments with shared memory hand encode() their lists, and the next call starts empty', () => {
    const view = (n) => new Uint8Array(new SharedArrayBuffer(n))
    const first = [view(8)]
    assert.equal(encodeRestArgs(first), undefined)
    assert.equal(encode(first, 'args').shared.length, 1)
    assert.throws(() => encodeRestArgs([view(4), () => {}]), cloneErr(/^args\[1\] is a function/))
    const after = [view(2), view(2)]
    assert.equal(encodeRestArgs(after), undefined)
    assert.equal(encode(after, 'args').shared.length, 2, 'nothing left from the call that failed')
    const nested = [{ get inner() { const a = [view(1)]; return encodeRestArgs(a) === undefined && encode(a, 'args').shared.length } }, view(3)]
    assert.equal(encodeRestArgs(nested), undefined)
    const outer = encode(nested, 'args')
    assert.equal(outer.shared.length, 1, 'a nested encode keeps its own lists')
    assert.equal(decode(outer.bytes, outer.shared)[0].inner, 1)
    assert.ok(encodeRestArgs([1]) instanceof Uint8Array)
  })

  test('a getter that encodes re-entrantly does not disturb the outer encode', () => {
    const o = { get a() { return decode(Uint8Array.from(encode({ inner: [1, 2] }).bytes)) }, b: 'after' }
    assert.deepEqual(rt(o), { a: { inner: [1, 2] }, b: 'after' })
  })
})

describe('errors', () => {
  test('built-in classes come back as the host class with message, stack, cause, code, props', () => {
    for (const C of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) {
      const e = new C('msg', { cause: { why: 1 } }); e.code = 'E_X'; e.extra = [1]
      const got = rt(e)
      assert.ok(got instanceof C); assert.equal(Object.getPrototypeOf(got), C.prototype)
      assert.equal(got.message, 'msg'); assert.equal(got.stack, e.stack)
      assert.deepEqual(got.cause, { why: 1 }); assert.equal(got.code, 'E_X'); assert.deepEqual(got.extra, [1])
      assert.deepEqual(Object.getOwnPropertyDescriptor(got, 'cause').enumerable, false)
      assert.deepEqual(Object.keys(got), ['code', 'extra'])
    }
  })

  test('subclasses, custom names, AggregateError, non-enumerable code, no stack', () => {
    class Mine extends RangeError {}
    assert.ok(rt(new Mine('x')) instanceof RangeError)
    class Custom extends Error { constructor(m) { super(m); this.name = 'CustomError' } }
    const c = rt(new Custom('boom'))
    assert.equal(Object.getPrototypeOf(c), Error.prototype)
    assert.equal(c.name, 'CustomError'); assert.ok(Object.hasOwn(c, 'name')); assert.equal(c.message, 'boom')
    const agg = rt(new AggregateError([1], 'many'))
    assert.ok(agg instanceof AggregateError); assert.equal(agg.message, 'many')
    const hidden = new Error('h'); Object.defineProperty(hidden, 'code', { value: 42, enumerable: false })
    assert.equal(rt(hidden).code, 42)
    const noStack = new Error('ns'); noStack.stack = 123
    assert.equal(enc(noStack).bytes[1 + 1 + 5 + 5 + 5 + 2], 0) // name 'Error', message 'ns', then UNDEFINED
    assert.equal(rt(new Error()).message, '')
  })

  test('a throwing message getter or property getter propagates its own error', () => {
    const boom = new Error('from getter')
    const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw boom } })
    assert.throws(() => encode(e), (err) => err === boom)
    const o = { ok: 1, get bad() { throw boom } }
    assert.throws(() => encode([o]), (err) => err === boom)
    assert.deepEqual(rt({ after: 'still works' }), { after: 'still works' })
  })
})

describe('buffers and views', () => {
  test('ArrayBuffer is copied; a resizable one arrives plain at its current length', () => {
    const ab = Uint8Array.from([1, 2, 3]).buffer
    const got = rt(ab)
    assert.notEqual(got, ab); assert.deepEqual([...new Uint8Array(got)], [1, 2, 3])
    const rab = new ArrayBuffer(2, { maxByteLength: 16 }); new Uint8Array(rab).set([9, 8])
    const gr = rt(rab)
    assert.equal(gr.byteLength, 2); assert.equal(gr.resizable, false); assert.deepEqual([...new Uint8Array(gr)], [9, 8])
    assert.equal(rt(new ArrayBuffer(0)).byteLength, 0)
  })

  test('every TypedArray kind and DataView keep byteOffset and their whole buffer', () => {
    const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
      Float32Array, Float64Array, BigInt64Array, BigUint64Array]
    for (const C of kinds) {
      const buf = new ArrayBuffer(C.BYTES_PER_ELEMENT * 6)
      const whole = new C(buf)
      for (let i = 0; i < 6; i++) whole[i] = C.name.startsWith('Big') ? BigInt(i + 1) : i + 1
      const view = new C(buf, C.BYTES_PER_ELEMENT * 2, 3)
      const got = rt(view)
      assert.equal(Object.getPrototypeOf(got), C.prototype, C.name)
      assert.equal(got.byteOffset, view.byteOffset); assert.equal(got.length, 3)
      assert.equal(got.buffer.byteLength, buf.byteLength); assert.deepEqual([...got], [...view])
      assert.deepEqual([...new C(got.buffer)], [...whole])
    }
    const dv = new DataView(new ArrayBuffer(8), 3, 4); dv.setUint16(0, 0xbeef)
    const gdv = rt(dv)
    assert.ok(gdv instanceof DataView); assert.equal(gdv.byteOffset, 3); assert.equal(gdv.byteLength, 4)
    assert.equal(gdv.getUint16(0), 0xbeef); assert.equal(gdv.buffer.byteLength, 8)
    const b = Buffer.from('hey')
    const gb = rt(b)
    assert.equal(Object.getPrototypeOf(gb), Uint8Array.prototype); assert.equal(Buffer.from(gb).toString(), 'hey')
  })

  test('views over one buffer share one decoded buffer', () => {
    const ab = new ArrayBuffer(8)
    const [a, b, c] = rt([new Uint8Array(ab, 0, 2), new Float32Array(ab, 4, 1), ab])
    assert.equal(a.buffer, b.buffer); assert.equal(c, a.buffer)
    a[0] = 7; assert.equal(new Uint8Array(c)[0], 7)
  })

  test('SharedArrayBuffer crosses by reference (also as a plain ArrayBuffer over shared memory)', () => {
    const sab = new SharedArrayBuffer(16)
    const { bytes, shared } = enc({ s: sab, v: new Int32Array(sab, 4, 2) })
    assert.deepEqual(shared, [sab])
    const got = decode(bytes, shared)
    assert.equal(got.s, sab); assert.equal(got.v.buffer, sab)
    got.v[0] = 5; assert.equal(new Int32Array(sab)[1], 5)
    const stand = new ArrayBuffer(16) // what a runtime without external SAB support hands over
    const g2 = decode(bytes, [stand])
    assert.equal(g2.s, stand); assert.equal(g2.v.buffer, stand); assert.equal(g2.v.byteOffset, 4)
  })

  test('transfer moves ArrayBuffers: originals detached, new buffers used as they are', () => {
    const ab = Uint8Array.from([1, 2, 3]).buffer, keep = new ArrayBuffer(1), sab = new SharedArrayBuffer(4)
    const { bytes, shared, transferred } = encode({ ab, view: new Uint8Array(ab, 1), keep, sab }, 'args', [ab, sab, ab])
    assert.equal(ab.byteLength, 0); assert.equal(keep.byteLength, 1)
    assert.equal(transferred.length, 1); assert.notEqual(transferred[0], ab)
    assert.deepEqual([...new Uint8Array(transferred[0])], [1, 2, 3])
    const got = decode(Uint8Array.from(bytes), shared, transferred)
    assert.equal(got.ab, transferred[0]); assert.equal(got.view.buffer, transferred[0]); assert.deepEqual([...got.view], [2, 3])
    assert.equal(got.sab, sab); assert.notEqual(got.keep, keep)
  })

  test('a failed encode detaches nothing; bad transfer lists are refused', () => {
    const ab = new ArrayBuffer(4)
    assert.throws(() => encode({ ab, f() {} }, 'args', [ab]), cloneErr(/^args\.f is a function/))
    assert.equal(ab.byteLength, 4)
    assert.throws(() => encode(1, 'args', ab), (e) => e.code === 'ERR_INVALID_ARG')
    assert.throws(() => encode(1, 'args', [{}]), cloneErr(/^transfer\[0\] is not an ArrayBuffer/))
    structuredClone(ab, { transfer: [ab] })
    assert.throws(() => encode(1, 'args', [ab]), cloneErr(/^transfer\[0\] is a detached ArrayBuffer/))
  })
})

describe('clone errors name the path', () => {
  const refuse = (value, root, re) => assert.throws(() => encode(value, root), cloneErr(re))

  test('functions, symbols and host-ish objects are refused', () => {
    refuse([1, { handler() {} }], 'args', /^args\[1\]\.handler is a function and cannot be cloned$/)
    refuse({ map: new Map([['k', Symbol('s')]]) }, 'result', /^result\.map\[0\] is a symbol and cannot be cloned$/)
    refuse({ 'weird key': () => {} }, 'message', /^message\["weird key"\] is a function/)
    refuse(new Set([1, 2, class {}]), 'value', /^value\[2\] is a function/)
    refuse(new Map([[1, 1], [Symbol.iterator, 2]]), 'value', /^value\[1\] is a symbol/)
    const sparse = []; sparse[100] = () => {}
    refuse(sparse, 'args', /^args\[100\] is a function/)
    const e = new Error('x'); e.cause = { fn() {} }
    refuse(e, 'args', /^args\.cause\.fn is a function/)
    refuse(() => {}, 'result', /^result is a function/)
    refuse(Symbol('x'), 'args', /^args is a symbol/)
    refuse([new WeakMap()], 'args', /^args\[0\] is a WeakMap/)
    refuse([new WeakSet()], 'args', /^args\[0\] is a WeakSet/)
    refuse([new WeakRef({})], 'args', /^args\[0\] is a WeakRef/)
    refuse([Promise.resolve()], 'args', /^args\[0\] is a Promise/)
    refuse([Object(Symbol('b'))], 'args', /^args\[0\] is a Symbol object/)
    refuse([(function * () {})()], 'args', /^args\[0\] is a generator object/)
  })

  test("Node's platform objects (MessagePort, Blob, BlockList, KeyObject) are host objects; other class instances go as plain objects", () => {
    const { port1 } = new (require('node:worker_threads').MessageChannel)()
    try {
      refuse({ port: port1 }, 'args', /^args\.port is a host object and cannot be cloned$/)
    } finally {
      port1.close()
    }
    refuse([new (require('node:buffer').Blob)(['x'])], 'args', /^args\[0\] is a host object/)
    refuse({ list: new (require('node:net').BlockList)() }, 'result', /^result\.list is a host object/)
    refuse([require('node:crypto').createSecretKey(Buffer.alloc(16))], 'args', /^args\[0\] is a host object/)
    // a subclass of one is one too; a user's class (even with a toStringTag) is not
    class MyBlob extends require('node:buffer').Blob {}
    refuse([new MyBlob([])], 'args', /^args\[0\] is a host object/)
    class Tagged { constructor() { this.x = 1 } get [Symbol.toStringTag]() { return 'Tagged' } }
    assert.deepEqual({ ...rt(new Tagged()) }, { x: 1 })
  })

  test('a Proxy is refused before any trap runs', () => {
    let trapped = 0
    const handler = new Proxy({}, { get() { trapped++; return () => { trapped++ } } }) // every trap counts
    refuse({ p: new Proxy({}, handler) }, 'args', /^args\.p is a Proxy/)
    refuse([new Proxy([], handler)], 'args', /^args\[0\] is a Proxy/)
    refuse(new Proxy(() => {}, handler), 'args', /^args is a function/)
    assert.equal(trapped, 0)
  })

  test('detached buffers are refused', () => {
    const ab = new ArrayBuffer(8); const view = new Uint8Array(ab)
    structuredClone(ab, { transfer: [ab] })
    refuse({ ab }, 'args', /^args\.ab is a detached ArrayBuffer/)
    refuse({ view }, 'args', /^args\.view is a view of a detached ArrayBuffer/)
  })

  test('nesting deeper than 10000 levels', () => {
    let ok = 0; for (let i = 1; i < 10000; i++) ok = [ok] // 9999 arrays
    assert.equal(rt({ ok }).ok.length, 1) // 10000 containers in all
    let deep = {}; for (let i = 0; i < 10000; i++) deep = { d: deep }
    refuse(deep, 'args', /^args(\.d){20}…(\.d){20} is nested deeper than 10000 levels$/)
  })
})

describe('malformed input is an ERR_CLONE error, never a hang or a huge allocation', () => {
  test('empty, wrong version, unknown tag, trailing bytes, stray HOLE/END', () => {
    badBytes([], /empty input/)
    badBytes([2, 0], /version 2/)
    badBytes([0], /version 0/)
    badBytes([1, 0x20], /unknown tag 0x20/)
    badBytes([1, 0xfe], /unknown tag 0xfe/)
    badBytes([1, 0, 0], /trailing bytes/)
    badBytes([1, 0x0c], /HOLE outside an array/)
    badBytes([1, 0xff], /unexpected END/)
    badBytes([1, 9, 4, 1, 0, 0, 0, 4, 1, 0, 0, 0, 0xff], /expected a string/) // OBJECT key must be a string
    badBytes([1, 6, 2, 0, 0, 0, 0], /BigInt sign/)
    badBytes([1, 0x1a, 2], /Boolean object/)
    badBytes([1, 0x1b, 4, 0, 0, 0, 0], /BIGINT/)
    badBytes([1, 0x0e, ...latin1('x'), ...latin1('Q')], /invalid RegExp/)
    badBytes([1, 0x0b, 3, 0, 0, 0, ...latin1('length'), 4, 9, 0, 0, 0, 0xff], /length/)
  })

  test('every truncation of a valid payload fails cleanly', () => {
    const e = new TypeError('t', { cause: 1n })
    const value = [1, 'two', { three: [3.5, null] }, new Map([[1, new Set([2])]]), e, new Uint8Array([1, 2]), new Date(0)]
    const full = enc(value).bytes
    assert.doesNotThrow(() => decode(full))
    for (let n = 0; n < full.length; n++) assert.throws(() => decode(full.subarray(0, n)), cloneErr(), `prefix ${n}`)
  })

  test('lengths are checked against the bytes left before allocating', () => {
    badBytes([1, 7, 0xff, 0xff, 0xff, 0xff, 65], /truncated/)
    badBytes([1, 8, 0xff, 0xff, 0xff, 0x7f, 65, 0], /truncated/)
    badBytes([1, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff], /array length 4294967295 exceeds/)
    badBytes([1, 0x12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1], /truncated/)
    badBytes([1, 0x12, 0, 0, 0, 0, 0, 0, 0x20, 0], /64-bit length out of range/)
    badBytes([1, 6, 0, 0xff, 0xff, 0xff, 0x0f, 1], /truncated/)
    const sparse = decode(Uint8Array.from([1, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff])) // no storage for holes
    assert.equal(sparse.length, 2 ** 32 - 1); assert.deepEqual(Object.keys(sparse), [])
  })

  test('backrefs, buffer indexes and views are validated', () => {
    badBytes([1, 0x17, 0, 0, 0, 0], /unknown object id 0/)
    badBytes([1, 0x0a, 2, 0, 0, 0, 9, 0xff, 0x17, 5, 0, 0, 0, 0xff], /unknown object id 5/)
    badBytes([1, 0x15, 1, 0x17, 0, 0, 0, 0, ...u64(0), ...u64(0)], /unfinished object id 0/)
    badBytes([1, 0x13, 0, 0, 0, 0], /shared buffer index 0 out of range/)
    badBytes([1, 0x14, 1, 0, 0, 0], /transferred buffer index 1 out of range/)
    badBytes([1, 0x15, 11, 0x12, ...u64(0), ...u64(0), ...u64(0)], /typed array kind 11/)
    badBytes([1, 0x15, 1, 4, 1, 0, 0, 0, ...u64(0), ...u64(0)], /expected a buffer/)
    badBytes([1, 0x15, 3, 0x12, ...u64(4), 0, 0, 0, 0, ...u64(1), ...u64(1)], /misaligned/)
    badBytes([1, 0x15, 5, 0x12, ...u64(4), 0, 0, 0, 0, ...u64(0), ...u64(2)], /out of the bounds/)
    badBytes([1, 0x16, 0x12, ...u64(4), 0, 0, 0, 0, ...u64(5), ...u64(0)], /out of the bounds/)
    badBytes([1, 0x0a, 2, 0, 0, 0, 9, 0xff, 0x15, 1, 0x17, 1, 0, 0, 0, ...u64(0), ...u64(0), 0xff], /not a buffer/)
    badBytes([1, 0x0f, 4, 1, 0, 0, 0, 0xff], /unexpected END/) // a Map key without its value
    badBytes([1, 0x09, ...latin1('a'), 4, 1, 0, 0, 0], /truncated/) // missing END
  })

  test('nesting deeper than 10000 levels is refused by the decoder', () => {
    const nest = (n) => Uint8Array.from([1, ...Array(n).fill([0x0a, 1, 0, 0, 0]).flat(), 1, ...Array(n).fill(0xff)])
    assert.equal(decode(nest(10000)).length, 1)
    assert.throws(() => decode(nest(10001)), cloneErr(/nested deeper than 10000 levels/))
  })

  test('bad arguments to decode', () => {
    assert.throws(() => decode('nope'), (e) => e.code === 'ERR_INVALID_ARG')
    assert.equal(decode(Uint8Array.from([1, 4, 21, 0, 0, 0]).buffer), 21)
    assert.equal(decode(Buffer.from([1, 7, 1, 0, 0, 0, 0x41])), 'A')
  })
})

describe('reusable output buffer', () => {
  test('bytes stay valid until the next encode, and growth keeps earlier bytes', () => {
    const a = encode('first').bytes
    assert.equal(decode(a), 'first')
    const big = 'x'.repeat(3 << 20)
    const e = encode([big, 'tail'])
    assert.deepEqual(decode(e.bytes), [big, 'tail'])
    assert.equal(decode(encode({ small: true }).bytes).small, true)
  })
})

describe('large payloads', () => {
  const { encodeRestArgs } = require('../lib/codec')

  test('long latin1 and two-byte strings, lone surrogates included, round-trip', () => {
    for (const s of ['ÿé\u0080'.repeat(500), 'a€'.repeat(300), '\ud800x\udc00'.repeat(200) + '\udbff', 'x'.repeat(64), '€'.repeat(64)]) {
      assert.equal(rt(s), s)
      assert.equal(rt(['y', s])[1], s) // at an odd offset
    }
  })

  test('big ArrayBuffers of call arguments are listed as a view to copy, other roots keep them inline', () => {
    const ab = new Uint8Array(70000).fill(3).buffer
    const small = new ArrayBuffer(8)
    const call = encode([ab, new Uint8Array(ab, 4, 2), small], 'args')
    assert.equal(call.transferred.length, 1)
    assert.ok(call.transferred[0] instanceof Uint8Array)
    assert.equal(call.transferred[0].buffer, ab, 'a view of the sender\'s buffer, not a copy yet')
    assert.equal(ab.byteLength, 70000, 'not detached')
    assert.ok(call.bytes.length < 200)
    const back = decode(Uint8Array.from(call.bytes), [], [call.transferred[0].slice().buffer])
    assert.equal(back[0].byteLength, 70000)
    assert.equal(back[1].buffer, back[0])
    assert.equal(back[2].byteLength, 8)
    for (const root of ['message', 'value']) {
      const e = encode([ab], root)
      assert.equal(e.transferred.length, 0)
      assert.ok(e.bytes.length > 70000)
    }
    // A transfer list comes first; the copies are numbered after it.
    const moved = new ArrayBuffer(4)
    const both = encode([moved, ab], 'args', [moved])
    assert.equal(both.transferred.length, 2)
    assert.equal(both.transferred[1].buffer, ab)
    assert.equal(moved.byteLength, 0)
  })

  test('encodeRestArgs hands a payload with buffers to the encode() that follows, without encoding twice', () => {
    const ab = new ArrayBuffer(70000)
    let reads = 0
    const args = [{ get g() { reads++; return 1 } }, ab]
    assert.equal(encodeRestArgs(args), undefined)
    const e = encode(args, 'args')
    assert.equal(reads, 1)
    assert.equal(e.transferred.length, 1)
    assert.deepEqual(Object.keys(decode(Uint8Array.from(e.bytes), [], [e.transferred[0].slice().buffer])[0]), ['g'])
    encodeRestArgs(args)
    assert.equal(reads, 2)
    encode([2], 'args') // another value in between: the held payload is dropped
    encode(args, 'args')
    assert.equal(reads, 3)
  })
})
