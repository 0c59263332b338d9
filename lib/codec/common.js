'use strict'
// Host half of the isothread value wire format, version 1 (docs/wire-format.md).
// Encoder and decoder are iterative over explicit frame stacks: a graph nested 10,000
// levels deep cannot overflow the JS stack, and a clone error's path is read off the
// frames, so the hot path needs no try/catch.

const { types } = require('util')
const { makeError } = require('../errors')

// The wire format's numbers are defined once, in tags.json (the Rust half
// reads the same file when it is compiled).
const TABLE = require('./tags.json')
const TAGS = TABLE.tags
const VERSION = TABLE.VERSION
const MAX_DEPTH = TABLE.MAX_DEPTH
const T_UNDEFINED = TAGS.UNDEFINED, T_NULL = TAGS.NULL, T_TRUE = TAGS.TRUE, T_FALSE = TAGS.FALSE
const T_INT32 = TAGS.INT32, T_DOUBLE = TAGS.DOUBLE, T_BIGINT = TAGS.BIGINT, T_LATIN1 = TAGS.STRING_LATIN1
const T_UTF16 = TAGS.STRING_UTF16, T_OBJECT = TAGS.OBJECT, T_ARRAY = TAGS.ARRAY, T_SPARSE = TAGS.SPARSE_ARRAY
const T_HOLE = TAGS.HOLE, T_DATE = TAGS.DATE, T_REGEXP = TAGS.REGEXP, T_MAP = TAGS.MAP, T_SET = TAGS.SET
const T_ERROR = TAGS.ERROR, T_ARRAY_BUFFER = TAGS.ARRAY_BUFFER, T_SHARED = TAGS.SHARED_BUFFER
const T_TRANSFERRED = TAGS.TRANSFERRED_BUFFER, T_TYPED_ARRAY = TAGS.TYPED_ARRAY, T_DATA_VIEW = TAGS.DATA_VIEW
const T_BACKREF = TAGS.BACKREF, T_NUMBER_OBJECT = TAGS.NUMBER_OBJECT, T_STRING_OBJECT = TAGS.STRING_OBJECT
const T_BOOLEAN_OBJECT = TAGS.BOOLEAN_OBJECT, T_BIGINT_OBJECT = TAGS.BIGINT_OBJECT
const T_SHARED_VALUE = TAGS.SHARED_VALUE, T_END = TAGS.END
const T_SHAPE = TAGS.SHAPE, T_SHAPED = TAGS.SHAPED
/** Keys a SHAPE may list (docs/wire-format.md). */
const SHAPE_MAX_KEYS = 256

/** Shared values (buffer()): `{ idOf(v) → id | undefined, fromId(id) → handle }`, set by lib/buffer.js. */
let sharedValues = null
function setSharedValues(hooks) { sharedValues = hooks }
const sharedValueHooks = () => sharedValues

const {
  isProxy, isDate, isRegExp, isMap, isSet, isNativeError, isArrayBuffer, isSharedArrayBuffer,
  isAnyArrayBuffer, isDataView, isNumberObject, isStringObject, isBooleanObject, isBigIntObject,
  isSymbolObject, isWeakMap, isWeakSet, isPromise,
} = types
const optional = (name) => (typeof types[name] === 'function' ? types[name] : () => false)
const [isGeneratorObject, isMapIterator, isSetIterator, isExternal, isKeyObject, isCryptoKey] = ['isGeneratorObject',
  'isMapIterator', 'isSetIterator', 'isExternal', 'isKeyObject', 'isCryptoKey'].map(optional)

// Host (platform) objects a thread cannot have: Node's classes that cross
// between its own threads by its messaging protocol (Blob, BlockList,
// SocketAddress, histograms: their prototypes carry the messaging_*
// symbols) and MessagePort. Refused, rather than sent as plain objects.
const getOwnSymbols = Object.getOwnPropertySymbols
const symbolDescription = Function.prototype.call.bind(Object.getOwnPropertyDescriptor(Symbol.prototype, 'description').get)
const hostProtos = new WeakMap()
let messagePortProto
function isHostProto(p) {
  let known = hostProtos.get(p)
  if (known === undefined) {
    if (messagePortProto === undefined) {
      try { messagePortProto = require('worker_threads').MessagePort.prototype } catch { messagePortProto = null }
    }
    known = p === messagePortProto || getOwnSymbols(p).some((s) => {
      const d = symbolDescription(s)
      return typeof d === 'string' && d.startsWith('messaging_')
    })
    hostProtos.set(p, known)
  }
  return known
}

// Intrinsics captured at load, so overrides on user objects (a subclass's own `length`
// getter, a replaced `getTime`) are never consulted.
const uncurry = (fn) => Function.prototype.call.bind(fn)
const getter = (proto, key) => uncurry(Object.getOwnPropertyDescriptor(proto, key).get)
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype)
const [taBuffer, taByteOffset, taLength, taTag] = ['buffer', 'byteOffset', 'length', Symbol.toStringTag]
  .map((key) => getter(TypedArrayProto, key))
const [dvBuffer, dvByteOffset, dvByteLength] = ['buffer', 'byteOffset', 'byteLength'].map((k) => getter(DataView.prototype, k))
const abByteLength = getter(ArrayBuffer.prototype, 'byteLength')
const abDetachedDesc = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')
const abDetached = abDetachedDesc && abDetachedDesc.get ? uncurry(abDetachedDesc.get) : null
const dateGetTime = uncurry(Date.prototype.getTime)
const reSource = getter(RegExp.prototype, 'source'), reFlags = getter(RegExp.prototype, 'flags')
const [numValueOf, strValueOf, boolValueOf, bigValueOf] = [Number, String, Boolean, BigInt].map((C) => uncurry(C.prototype.valueOf))
const mapForEach = uncurry(Map.prototype.forEach), setForEach = uncurry(Set.prototype.forEach)
const mapSize = getter(Map.prototype, 'size'), setSize = getter(Set.prototype, 'size')
const mapSet = uncurry(Map.prototype.set), setAdd = uncurry(Set.prototype.add)
const hasOwn = Object.hasOwn || ((o, k) => Object.prototype.hasOwnProperty.call(o, k))
const { getPrototypeOf: getProto, keys: objectKeys, defineProperty } = Object
const isArray = Array.isArray, isView = ArrayBuffer.isView, fromCharCode = String.fromCharCode
const ObjectProto = Object.prototype, ArrayProto = Array.prototype
const WeakRefProto = typeof WeakRef === 'function' ? WeakRef.prototype : null
const FinRegProto = typeof FinalizationRegistry === 'function' ? FinalizationRegistry.prototype : null

// Typed array constructors indexed by their kind byte (tags.json).
const TA_CTORS = []
for (const [name, kind] of Object.entries(TABLE.typedArrayKinds)) TA_CTORS[kind] = globalThis[name]
const TA_KIND = new Map(TA_CTORS.map((C, i) => [C.name, i]))
/** @type {Map<string, new (...args: any[]) => Error>} constructors of the errors the codec rebuilds, by name */
const ERROR_CTORS = new Map([Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError,
  URIError].map((C) => [C.name, C]))
if (typeof AggregateError === 'function') ERROR_CTORS.set('AggregateError', AggregateError)

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const SCRATCH = new Uint8Array(8), SCRATCH_DV = new DataView(SCRATCH.buffer)
const CHUNK = 8192, U16_CHUNK = new Uint16Array(CHUNK)
const textEncoder = new TextEncoder()
const ASCII_RE = /^[\x00-\x7f]*$/, NON_LATIN1_RE = /[^\x00-\xff]/, IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const INITIAL_SIZE = 1024
const KEEP_SIZE = 1 << 20 // a bigger output buffer is dropped at the next encode
const SEEN_LINEAR = 16 // identity table: linear search up to this many objects, then a Set (a Map once one repeats)
const VIEW_CACHE = 4096 // result views are reused for payloads up to this size
const STR_CACHE_SIZE = 4096 // decoded short latin1 strings are reused (power of two)
const STR_CACHE_MAX_LEN = 24
const BIG_2_64 = 1n << 64n

function isIndexKey(k) { // canonical array index: "0" … "4294967294"
  const n = k.length
  if (n === 0 || n > 10) return false
  const c0 = k.charCodeAt(0)
  if (c0 < 48 || c0 > 57) return false
  if (n === 1) return true
  if (c0 === 48) return false
  for (let i = 1; i < n; i++) { const c = k.charCodeAt(i); if (c < 48 || c > 57) return false }
  return n < 10 || +k < 4294967295
}

const keySegment = (k) => (IDENT_RE.test(k) ? '.' + k : '[' + JSON.stringify(k) + ']')

function isDetached(ab) {
  if (abByteLength(ab) !== 0) return false
  if (abDetached !== null) return abDetached(ab)
  try { new Uint8Array(ab); return false } catch { return true }
}

module.exports = {
  ASCII_RE,
  ArrayProto,
  BIG_2_64,
  CHUNK,
  ERROR_CTORS,
  FinRegProto,
  IDENT_RE,
  INITIAL_SIZE,
  KEEP_SIZE,
  LITTLE_ENDIAN,
  MAX_DEPTH,
  NON_LATIN1_RE,
  ObjectProto,
  SCRATCH,
  SCRATCH_DV,
  SEEN_LINEAR,
  STR_CACHE_MAX_LEN,
  STR_CACHE_SIZE,
  TA_CTORS,
  TA_KIND,
  T_ARRAY,
  T_ARRAY_BUFFER,
  T_BACKREF,
  T_BIGINT,
  T_BIGINT_OBJECT,
  T_BOOLEAN_OBJECT,
  T_DATA_VIEW,
  T_DATE,
  T_DOUBLE,
  T_END,
  T_ERROR,
  T_FALSE,
  T_HOLE,
  T_INT32,
  T_LATIN1,
  T_MAP,
  T_NULL,
  T_NUMBER_OBJECT,
  T_OBJECT,
  T_REGEXP,
  T_SET,
  T_SHARED,
  T_SHAPE,
  T_SHAPED,
  SHAPE_MAX_KEYS,
  T_SHARED_VALUE,
  T_SPARSE,
  T_STRING_OBJECT,
  T_TRANSFERRED,
  T_TRUE,
  T_TYPED_ARRAY,
  T_UNDEFINED,
  T_UTF16,
  TypedArrayProto,
  U16_CHUNK,
  VERSION,
  VIEW_CACHE,
  WeakRefProto,
  abByteLength,
  abDetached,
  abDetachedDesc,
  bigValueOf,
  boolValueOf,
  dateGetTime,
  defineProperty,
  dvBuffer,
  dvByteLength,
  dvByteOffset,
  fromCharCode,
  getOwnSymbols,
  getProto,
  getter,
  hasOwn,
  isAnyArrayBuffer,
  isArray,
  isArrayBuffer,
  isBigIntObject,
  isBooleanObject,
  isCryptoKey,
  isDataView,
  isDate,
  isDetached,
  isExternal,
  isGeneratorObject,
  isHostProto,
  isIndexKey,
  isKeyObject,
  isMap,
  isMapIterator,
  isNativeError,
  isNumberObject,
  isPromise,
  isProxy,
  isRegExp,
  isSet,
  isSetIterator,
  isSharedArrayBuffer,
  isStringObject,
  isSymbolObject,
  isView,
  isWeakMap,
  isWeakSet,
  keySegment,
  makeError,
  mapForEach,
  mapSize,
  mapSet,
  numValueOf,
  objectKeys,
  optional,
  reFlags,
  reSource,
  setAdd,
  setForEach,
  setSize,
  setSharedValues,
  strValueOf,
  symbolDescription,
  taBuffer,
  taByteOffset,
  taLength,
  taTag,
  textEncoder,
  types,
  uncurry,
  sharedValueHooks,
}
