#!/usr/bin/env node
'use strict'
// Writes the seed corpus of the fuzz targets (fuzz/corpus/decode/ and
// fuzz/corpus/roundtrip/, the same files) with the host encoder
// (lib/codec.js `encode()`), so every seed is a valid payload.
//
// A seed file is one mode byte, then the payload bytes (see
// fuzz_targets/common.rs): mode 0x00 = no shared/transferred buffers,
// mode 0x01 = the harness supplies fake ones. Shared index 0 is a 64-byte
// SharedArrayBuffer, 1 a 16-byte one; transferred index 0 is a 64-byte
// ArrayBuffer, 1 a 16-byte one. Seeds with buffers use the same sizes, so
// views over them fit.
//
// Run: node fuzz/make-corpus.js   (rewrites the corpus directories)

const fs = require('node:fs')
const path = require('node:path')
const codec = require('../lib/codec.js')
const { encode } = codec

// Shared values (buffer() handles, SHARED_VALUE): stand-in handles with fixed
// ids, so no addon is needed. The thread side accepts any id.
const HANDLE_IDS = new Map()
if (typeof codec.setSharedValues === 'function') {
  codec.setSharedValues({ idOf: (v) => HANDLE_IDS.get(v), fromId: (id) => ({ id }) })
}
class Handle {}
const handle = (id) => { const h = new Handle(); HANDLE_IDS.set(h, id); return h }

const OUT = ['decode', 'roundtrip'].map((t) => path.join(__dirname, 'corpus', t))

// Short, machine-independent stacks (a real one names this file's path).
const short = (e) => { e.stack = `${e.name}: ${e.message}\n    at seed (seed.js:1:1)`; return e }
const cyclic = () => { const o = { name: 'root' }; o.self = o; o.list = [o, { back: o }]; return o }
const shared = () => { const x = { n: 1 }; return { a: x, b: x, c: [x, x] } }
const sparse = () => { const a = []; a[3] = 'three'; a[1000] = 1000; a.extra = true; return a }
const holes = () => { const a = [1, , 3, , { x: [, 'y'] }]; a.named = 'prop'; return a } // eslint-disable-line no-sparse-arrays
const errorWithCause = () => {
  const e = short(new TypeError('outer', { cause: short(new RangeError('inner')) }))
  e.code = 'E_FUZZ'; e.extra = { n: 1 }
  return e
}
const aggregate = () => short(new AggregateError([short(new Error('a'))], 'many'))
const customError = () => { const e = new Error('custom'); e.name = 'MyError'; return short(e) }
const errorNoStack = () => { const e = new URIError('no stack'); delete e.stack; return e }
const mapSet = () => {
  const k = { key: true }
  return new Map([[1, 'one'], ['two', 2], [k, new Set([k, 1, 'x', null])], [NaN, -0]])
}
const views = () => {
  const ab = new ArrayBuffer(32)
  new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8])
  return {
    ab,
    u8: new Uint8Array(ab, 1, 7),
    i16: new Int16Array(ab, 2, 3),
    f64: new Float64Array(ab, 8, 2),
    dv: new DataView(ab, 4, 12),
    big: new BigInt64Array(ab, 16, 2),
  }
}
const allKinds = () => {
  const ab = new ArrayBuffer(64)
  return [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((C) => new C(ab, 8, 2))
}
const sabViews = () => {
  const sab = new SharedArrayBuffer(64), small = new SharedArrayBuffer(16)
  return [sab, new Int32Array(sab, 4, 4), new DataView(sab, 0, 64), new Uint8Array(small), small]
}
const moved = () => {
  const ab = new ArrayBuffer(64), small = new ArrayBuffer(16)
  return { value: [ab, new Uint16Array(ab, 2, 10), new DataView(small, 1, 3)], transfer: [ab, small] }
}

// [name, value or () => value | { value, transfer }]
const SEEDS = [
  ['undefined', undefined], ['null', null], ['true', true], ['false', false],
  ['int32', 42], ['int32-min', -2147483648], ['double', 3.5], ['neg-zero', -0], ['nan', NaN],
  ['infinity', -Infinity], ['double-big', 2 ** 53 + 2],
  ['bigint', 12345678901234567890123456789n], ['bigint-neg', -(2n ** 64n)], ['bigint-zero', 0n],
  ['string-empty', ''], ['string-latin1', 'héllo wörld'], ['string-utf16', 'snow ☃ and 😀'],
  ['string-lone-surrogate', 'a\ud800b'],
  ['object', { a: 1, b: 'two', c: [3], 'not ident': null, 7: 'index key' }],
  ['nested', { a: { b: { c: { d: [[[[1]]]] } } } }],
  ['array', [1, 'two', 3.5, null, undefined, true]],
  ['array-holes', holes], ['array-empty', []], ['sparse-array', sparse],
  ['map-set', mapSet], ['set-empty', new Set()],
  ['date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5))], ['date-invalid', new Date(NaN)],
  ['regexp', /a+(b|c)*\d/giu], ['regexp-flags', /x/dgimsy], ['regexp-v', /[\p{L}--[a-z]]/v],
  ['error', () => short(new Error('boom'))], ['error-cause', errorWithCause], ['error-aggregate', aggregate],
  ['error-custom-name', customError], ['error-no-stack', errorNoStack],
  ['error-eval', () => short(new EvalError('eval'))], ['error-syntax', () => short(new SyntaxError('syn'))],
  ['array-buffer', () => new Uint8Array([1, 2, 3, 250]).buffer], ['array-buffer-empty', new ArrayBuffer(0)],
  ['typed-arrays', views], ['typed-array-kinds', allKinds],
  ['cycle', cyclic], ['backrefs', shared],
  // eslint-disable-next-line no-new-wrappers
  ['wrappers', () => [new Number(1.5), new String('str'), new Boolean(true), Object(10n), new Boolean(false)]],
  ['args-call', () => [1, 'two', { three: [3] }]],
  ['mixed', () => ({ when: new Date(0), re: /x/, m: new Map([['k', [1, 2]]]), e: short(new Error('x')), big: 1n })],
  ['shared-value', () => { const h = handle(7); return [h, { again: h }, handle(0xffffffff)] }],
  ['shared-buffers', sabViews], ['transferred-buffers', moved],
]

// Call arguments, whose objects the host writes SHAPE/SHAPED (keys once per shape).
const records = (n) => { const owner = { id: 'o' }; return Array.from({ length: n }, (_, i) => ({ id: i, name: 'u' + i, tags: ['t'], owner })) }
const SHAPED_SEEDS = [
  ['shaped-small', () => [{ a: 1, b: { c: 2 } }, { a: 2, b: { c: 3 } }, { b: 1, a: 2 }]],
  ['shaped-records', () => records(12)],
  ['shaped-with-error', () => [...records(3), { e: short(new Error('x')), when: new Date(0) }, { e: null, when: null }]],
]

// Written by hand: layouts the encoder only makes for big values.
const TAGS = require('../lib/codec/tags.json')
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return [...b] }
const utf16 = (s) => [...Buffer.from(s, 'utf16le')]
const RAW_SEEDS = [
  // A long two-byte string whose units would start at an odd offset gets a
  // zero byte first (STRING_UTF16_PADDED); here a short one, as an argument list.
  ['string-utf16-padded', [TAGS.VERSION, TAGS.tags.ARRAY, ...u32(2), TAGS.tags.STRING_UTF16_PADDED, 0, ...u32(3), ...utf16('a\u20ac\ud800'),
    TAGS.tags.STRING_UTF16_PADDED, 0, ...u32(0), TAGS.tags.END]],
]

for (const dir of OUT) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
}
for (const [name, seed] of SEEDS) {
  let made = typeof seed === 'function' ? seed() : seed
  let transfer
  if (made && typeof made === 'object' && 'transfer' in made && 'value' in made) ({ value: made, transfer } = made)
  const { bytes, shared, transferred } = encode(made, 'value', transfer)
  const mode = shared.length || transferred.length ? 1 : 0
  const data = Buffer.concat([Buffer.from([mode]), Buffer.from(bytes)])
  for (const dir of OUT) fs.writeFileSync(path.join(dir, name), data)
}
for (const [name, seed] of SHAPED_SEEDS) {
  const data = Buffer.concat([Buffer.from([0]), Buffer.from(encode(seed(), 'args', undefined, true).bytes)])
  for (const dir of OUT) fs.writeFileSync(path.join(dir, name), data)
}
for (const [name, bytes] of RAW_SEEDS) {
  const data = Buffer.from([0, ...bytes])
  for (const dir of OUT) fs.writeFileSync(path.join(dir, name), data)
}
console.log(`${SEEDS.length + SHAPED_SEEDS.length + RAW_SEEDS.length} seeds written to ${OUT.map((d) => path.relative(process.cwd(), d)).join(', ')}`)
