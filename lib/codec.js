'use strict'
// Host half of the isothread value wire format, version 1 (docs/wire-format.md).
// Encoder and decoder are iterative over explicit frame stacks: a graph nested 10,000
// levels deep cannot overflow the JS stack, and a clone error's path is read off the
// frames, so the hot path needs no try/catch.

const { types } = require('util')
const { makeError } = require('./errors')

const VERSION = 1
const MAX_DEPTH = 10000
const T_UNDEFINED = 0x00, T_NULL = 0x01, T_TRUE = 0x02, T_FALSE = 0x03, T_INT32 = 0x04
const T_DOUBLE = 0x05, T_BIGINT = 0x06, T_LATIN1 = 0x07, T_UTF16 = 0x08, T_OBJECT = 0x09
const T_ARRAY = 0x0a, T_SPARSE = 0x0b, T_HOLE = 0x0c, T_DATE = 0x0d, T_REGEXP = 0x0e
const T_MAP = 0x0f, T_SET = 0x10, T_ERROR = 0x11, T_ARRAY_BUFFER = 0x12, T_SHARED = 0x13
const T_TRANSFERRED = 0x14, T_TYPED_ARRAY = 0x15, T_DATA_VIEW = 0x16, T_BACKREF = 0x17
const T_NUMBER_OBJECT = 0x18, T_STRING_OBJECT = 0x19, T_BOOLEAN_OBJECT = 0x1a
const T_BIGINT_OBJECT = 0x1b, T_SHARED_VALUE = 0x1c, T_END = 0xff

/** Shared values (buffer()): `{ idOf(v) → id | undefined, fromId(id) → handle }`, set by lib/buffer.js. */
let sharedValues = null
function setSharedValues(hooks) { sharedValues = hooks }

const {
  isProxy, isDate, isRegExp, isMap, isSet, isNativeError, isArrayBuffer, isSharedArrayBuffer,
  isAnyArrayBuffer, isDataView, isNumberObject, isStringObject, isBooleanObject, isBigIntObject,
  isSymbolObject, isWeakMap, isWeakSet, isPromise,
} = types
const optional = (name) => (typeof types[name] === 'function' ? types[name] : () => false)
const [isGeneratorObject, isMapIterator, isSetIterator, isExternal, isKeyObject, isCryptoKey] = ['isGeneratorObject',
  'isMapIterator', 'isSetIterator', 'isExternal', 'isKeyObject', 'isCryptoKey'].map(optional)

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
const mapSet = uncurry(Map.prototype.set), setAdd = uncurry(Set.prototype.add)
const hasOwn = Object.hasOwn || ((o, k) => Object.prototype.hasOwnProperty.call(o, k))
const { getPrototypeOf: getProto, keys: objectKeys, defineProperty } = Object
const isArray = Array.isArray, isView = ArrayBuffer.isView, fromCharCode = String.fromCharCode
const ObjectProto = Object.prototype, ArrayProto = Array.prototype
const WeakRefProto = typeof WeakRef === 'function' ? WeakRef.prototype : null
const FinRegProto = typeof FinalizationRegistry === 'function' ? FinalizationRegistry.prototype : null

const TA_CTORS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]
const TA_KIND = new Map(TA_CTORS.map((C, i) => [C.name, i]))
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
const SEEN_LINEAR = 16 // identity table: linear search up to this many objects, then a Map
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

// ------------------------------------------------------------------ encoder

const F_ARRAY = 0, F_KEYS = 1, F_MAP = 2, F_SET = 3

class Frame {
  constructor() {
    this.kind = 0; this.obj = null; this.keys = null; this.i = 0; this.len = 0
    this.k = 0; this.idxEnd = 0; this.next = -1; this.arr = false
  }
}

class Encoder {
  constructor() {
    this.busy = false; this.buf = null; this.dv = null; this.views = null; this.pos = 0
    this.alloc(INITIAL_SIZE)
    this.frames = []; this.sp = 0; this.root = 'args'; this.shared = null; this.transfer = null
    this.nextId = 0; this.seen = new Array(SEEN_LINEAR).fill(null); this.memo = null
  }

  alloc(size) {
    const old = this.buf
    this.buf = new Uint8Array(size); this.dv = new DataView(this.buf.buffer); this.views = []
    if (old !== null && this.pos > 0) this.buf.set(old.subarray(0, this.pos))
  }

  ensure(n) {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    this.alloc(size)
  }

  run(value, root, transfer, shared) {
    if (this.buf.length > KEEP_SIZE) { this.pos = 0; this.alloc(INITIAL_SIZE) }
    this.root = root; this.transfer = transfer; this.shared = shared
    this.buf[0] = VERSION; this.pos = 1
    this.writeValue(value)
    while (this.sp > 0) this.step(this.frames[this.sp - 1])
    const pos = this.pos
    if (pos > VIEW_CACHE) return new Uint8Array(this.buf.buffer, 0, pos)
    let view = this.views[pos]
    if (view === undefined) view = this.views[pos] = new Uint8Array(this.buf.buffer, 0, pos)
    return view
  }

  reset() {
    for (let i = 0; i < this.sp; i++) { const f = this.frames[i]; f.obj = null; f.keys = null }
    for (let i = Math.min(this.nextId, SEEN_LINEAR) - 1; i >= 0; i--) this.seen[i] = null
    this.sp = 0; this.nextId = 0; this.memo = null; this.shared = null; this.transfer = null; this.busy = false
  }

  // One container frame: write children until it ends or a child container was pushed.
  step(f) {
    const sp = this.sp, obj = f.obj
    let i = f.i
    if (f.kind === F_ARRAY) {
      const len = f.len, packed = f.idxEnd === len
      while (i < len) {
        if (packed || i === f.next) {
          if (!packed) { const k = ++f.k; f.next = k < f.idxEnd ? +f.keys[k] : -1 }
          f.i = i + 1
          this.writeValue(obj[i++])
          if (this.sp !== sp) return
        } else { this.writeTag(T_HOLE); f.i = ++i }
      }
      if (f.idxEnd === f.keys.length) return this.pop(f)
      f.kind = F_KEYS; f.i = f.idxEnd // then the named props
    } else if (f.kind === F_KEYS) {
      const keys = f.keys
      while (i < keys.length) {
        const k = keys[i++]
        f.i = i; this.writeString(k); this.writeValue(obj[k])
        if (this.sp !== sp) return
      }
      this.pop(f)
    } else { // F_MAP / F_SET: a snapshot of the entries, taken before any value ran
      const items = f.keys, len = f.len
      while (i < len) {
        f.i = i + 1; this.writeValue(items[i++])
        if (this.sp !== sp) return
      }
      this.pop(f)
    }
  }

  pop(f) { this.writeTag(T_END); f.obj = null; f.keys = null; this.sp-- }
  push(kind, obj, keys, len, arr) {
    if (this.sp >= MAX_DEPTH) throw makeError('ERR_CLONE', `${this.path()} is nested deeper than ${MAX_DEPTH} levels`)
    let f = this.frames[this.sp]
    if (f === undefined) { f = new Frame(); this.frames.push(f) }
    f.kind = kind; f.obj = obj; f.keys = keys; f.len = len; f.i = 0; f.arr = arr
    this.sp++
    return f
  }

  path() { // root, then the child each open frame is writing
    const segs = []
    for (let d = 0; d < this.sp; d++) {
      const f = this.frames[d], i = f.i - 1
      if (f.kind === F_ARRAY || f.kind === F_SET) segs.push(`[${i}]`)
      else if (f.kind === F_MAP) segs.push(`[${i >> 1}]`)
      else { const k = f.keys[i]; segs.push(f.arr && isIndexKey(k) ? `[${k}]` : keySegment(k)) }
    }
    if (segs.length > 40) segs.splice(20, segs.length - 40, '…')
    return this.root + segs.join('')
  }

  fail(what) { return makeError('ERR_CLONE', `${this.path()} is ${what} and cannot be cloned`) }

  lookup(v) {
    if (this.memo !== null) { const id = this.memo.get(v); return id === undefined ? -1 : id }
    for (let i = 0, n = this.nextId, seen = this.seen; i < n; i++) if (seen[i] === v) return i
    return -1
  }

  register(v) {
    const id = this.nextId++
    if (this.memo !== null) this.memo.set(v, id)
    else if (id < SEEN_LINEAR) this.seen[id] = v
    else {
      const memo = this.memo = new Map()
      for (let i = 0; i < SEEN_LINEAR; i++) memo.set(this.seen[i], i)
      memo.set(v, id)
    }
  }

  head(v, tag) { this.register(v); this.writeTag(tag) } // an object's tag: it takes the next id
  writeTag(tag) { this.ensure(1); this.buf[this.pos++] = tag }
  writeU64(v) { this.writeU32(v >>> 0); this.writeU32(Math.floor(v / 4294967296)) }
  writeF64(v) { this.ensure(8); this.dv.setFloat64(this.pos, v, true); this.pos += 8 }
  writeU32(v) {
    this.ensure(4)
    const b = this.buf, p = this.pos
    b[p] = v; b[p + 1] = v >>> 8; b[p + 2] = v >>> 16; b[p + 3] = v >>> 24; this.pos = p + 4
  }

  writeValue(v) {
    switch (typeof v) {
      case 'number': return this.writeNumber(v)
      case 'string': return this.writeString(v)
      case 'object': return v === null ? this.writeTag(T_NULL) : this.writeObject(v)
      case 'boolean': return this.writeTag(v ? T_TRUE : T_FALSE)
      case 'undefined': return this.writeTag(T_UNDEFINED)
      case 'bigint': this.writeTag(T_BIGINT); return this.writeBigIntBody(v)
      case 'symbol': throw this.fail('a symbol')
      default: throw this.fail('a function')
    }
  }

  writeNumber(v) {
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      this.ensure(5)
      const b = this.buf, p = this.pos
      b[p] = T_INT32; b[p + 1] = v; b[p + 2] = v >> 8; b[p + 3] = v >> 16; b[p + 4] = v >> 24; this.pos = p + 5
    } else { this.writeTag(T_DOUBLE); this.writeF64(v) }
  }

  writeString(s) { // latin1 optimistically; restarted as UTF-16 at the first code unit > 0xFF
    const len = s.length
    this.ensure(5 + len)
    const b = this.buf, start = this.pos
    let p = start + 5
    if (len < 64) {
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i)
        if (c > 0xff) return this.writeUtf16(s, start)
        b[p++] = c
      }
    } else if (NON_LATIN1_RE.test(s)) return this.writeUtf16(s, start)
    else if (ASCII_RE.test(s)) { textEncoder.encodeInto(s, b.subarray(p, p + len)); p += len }
    else for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i)
    b[start] = T_LATIN1; b[start + 1] = len; b[start + 2] = len >>> 8; b[start + 3] = len >>> 16; b[start + 4] = len >>> 24
    this.pos = p
  }

  writeUtf16(s, start) {
    const len = s.length
    this.pos = start; this.ensure(5 + 2 * len); this.writeTag(T_UTF16); this.writeU32(len)
    const b = this.buf
    let p = this.pos
    for (let i = 0; i < len; i++) { const c = s.charCodeAt(i); b[p] = c; b[p + 1] = c >>> 8; p += 2 }
    this.pos = p
  }

  writeBigIntBody(v) { // sign u8, word count u32, u64 words least significant first
    const neg = v < 0n, m = neg ? -v : v
    this.writeTag(neg ? 1 : 0)
    if (m === 0n) return this.writeU32(0)
    if (m < BIG_2_64) { this.writeU32(1); this.ensure(8); this.dv.setBigUint64(this.pos, m, true); this.pos += 8; return }
    const hex = m.toString(16), n = Math.ceil(hex.length / 16), padded = hex.padStart(n * 16, '0')
    this.writeU32(n)
    for (let q = (n - 1) * 16; q >= 0; q -= 16) {
      this.writeU32(parseInt(padded.slice(q + 8, q + 16), 16)); this.writeU32(parseInt(padded.slice(q, q + 8), 16))
    }
  }

  writeObject(v) {
    if (isProxy(v)) throw this.fail('a Proxy') // before anything could run a trap
    const id = this.lookup(v)
    if (id !== -1) { this.writeTag(T_BACKREF); return this.writeU32(id) }
    const proto = getProto(v)
    if (proto === ObjectProto || proto === null) return this.beginObject(v)
    if (proto === ArrayProto && isArray(v)) return this.beginArray(v)
    return this.writeOther(v)
  }

  beginObject(v) { this.push(F_KEYS, v, objectKeys(v), 0, false); this.head(v, T_OBJECT) }

  beginArray(v) {
    const len = v.length, keys = objectKeys(v), count = keys.length
    let idxEnd = count // index keys come first in property order; named ones follow
    if (count !== len || (count !== 0 && !isIndexKey(keys[count - 1]))) {
      while (idxEnd > 0 && !isIndexKey(keys[idxEnd - 1])) idxEnd--
    }
    if (idxEnd * 2 < len) { this.push(F_KEYS, v, keys, 0, true); this.head(v, T_SPARSE); return this.writeU32(len) }
    const f = this.push(F_ARRAY, v, keys, len, true)
    f.idxEnd = idxEnd; f.k = 0; f.next = idxEnd > 0 ? +keys[0] : -1
    this.head(v, T_ARRAY); this.writeU32(len)
  }

  writeOther(v) {
    if (sharedValues !== null) {
      const id = sharedValues.idOf(v)
      if (id !== undefined) { this.head(v, T_SHARED_VALUE); return this.writeU32(id) }
    }
    if (isArray(v)) return this.beginArray(v)
    if (isView(v)) return isDataView(v) ? this.writeView(v, -1) : this.writeView(v, this.typedArrayKind(v))
    if (isArrayBuffer(v) || isSharedArrayBuffer(v)) return this.writeBuffer(v)
    if (isDate(v)) { this.head(v, T_DATE); return this.writeF64(dateGetTime(v)) }
    if (isRegExp(v)) {
      const source = reSource(v), flags = reFlags(v)
      this.head(v, T_REGEXP); this.writeString(source); return this.writeString(flags)
    }
    if (isMap(v) || isSet(v)) return this.beginCollection(v, isMap(v))
    if (isNativeError(v)) return this.beginError(v)
    if (isNumberObject(v)) { this.head(v, T_NUMBER_OBJECT); return this.writeF64(numValueOf(v)) }
    if (isStringObject(v)) { this.head(v, T_STRING_OBJECT); return this.writeString(strValueOf(v)) }
    if (isBooleanObject(v)) { this.head(v, T_BOOLEAN_OBJECT); return this.writeTag(boolValueOf(v) ? 1 : 0) }
    if (isBigIntObject(v)) { this.head(v, T_BIGINT_OBJECT); this.writeTag(T_BIGINT); return this.writeBigIntBody(bigValueOf(v)) }
    if (isSymbolObject(v)) throw this.fail('a Symbol object')
    if (isWeakMap(v)) throw this.fail('a WeakMap')
    if (isWeakSet(v)) throw this.fail('a WeakSet')
    if (isPromise(v)) throw this.fail('a Promise')
    if (isGeneratorObject(v)) throw this.fail('a generator object')
    if (isMapIterator(v) || isSetIterator(v)) throw this.fail('an iterator')
    if (isExternal(v) || isKeyObject(v) || isCryptoKey(v)) throw this.fail('a host object')
    for (let p = getProto(v); p !== null && !isProxy(p); p = getProto(p)) { // util.types has no isWeakRef
      if (p === WeakRefProto) throw this.fail('a WeakRef')
      if (p === FinRegProto) throw this.fail('a FinalizationRegistry')
    }
    return this.beginObject(v) // class instance or Object.create(x): its own enumerable props
  }

  beginCollection(v, isMapValue) {
    const items = []
    if (isMapValue) mapForEach(v, (val, key) => { items.push(key, val) })
    else setForEach(v, (val) => { items.push(val) })
    this.push(isMapValue ? F_MAP : F_SET, v, items, items.length, false)
    this.head(v, isMapValue ? T_MAP : T_SET)
  }

  beginError(v) {
    const name = v.name, message = v.message, stack = v.stack
    const keys = [], own = objectKeys(v)
    if (hasOwn(v, 'cause')) keys.push('cause')
    if (hasOwn(v, 'code')) keys.push('code')
    for (const k of own) if (k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause' && k !== 'code') keys.push(k)
    this.push(F_KEYS, v, keys, 0, false)
    this.head(v, T_ERROR)
    this.writeString(name === undefined ? 'Error' : String(name))
    this.writeString(message === undefined ? '' : String(message))
    if (typeof stack === 'string') this.writeString(stack)
    else this.writeTag(T_UNDEFINED)
  }

  writeBuffer(ab) { // an ArrayBuffer or SharedArrayBuffer not seen before
    if (isSharedArrayBuffer(ab)) { this.head(ab, T_SHARED); this.writeU32(this.shared.length); this.shared.push(ab); return }
    const index = this.transfer === null ? undefined : this.transfer.get(ab)
    if (index !== undefined) { this.head(ab, T_TRANSFERRED); return this.writeU32(index) }
    if (isDetached(ab)) throw this.fail('a detached ArrayBuffer')
    const len = abByteLength(ab)
    this.head(ab, T_ARRAY_BUFFER); this.writeU64(len); this.ensure(len)
    this.buf.set(new Uint8Array(ab, 0, len), this.pos); this.pos += len
  }

  typedArrayKind(v) {
    const name = taTag(v), kind = TA_KIND.get(name)
    if (kind === undefined) throw this.fail(`a ${name}`)
    return kind
  }

  writeView(v, kind) { // kind -1: DataView
    const buffer = kind === -1 ? dvBuffer(v) : taBuffer(v)
    if (!isSharedArrayBuffer(buffer) && isDetached(buffer)) throw this.fail('a view of a detached ArrayBuffer')
    if (kind === -1) this.head(v, T_DATA_VIEW)
    else { this.head(v, T_TYPED_ARRAY); this.writeTag(kind) }
    const id = this.lookup(buffer) // the buffer is a value of its own, with the id after the view's
    if (id !== -1) { this.writeTag(T_BACKREF); this.writeU32(id) } else this.writeBuffer(buffer)
    this.writeU64(kind === -1 ? dvByteOffset(v) : taByteOffset(v))
    this.writeU64(kind === -1 ? dvByteLength(v) : taLength(v))
  }
}

function prepareTransfer(transfer) { // → Map ArrayBuffer → TRANSFERRED_BUFFER index, or null
  if (transfer === undefined || transfer === null) return null
  if (!isArray(transfer)) throw makeError('ERR_INVALID_ARG', 'transfer must be an array of ArrayBuffers')
  let map = null
  for (let i = 0; i < transfer.length; i++) {
    const t = transfer[i]
    if (isSharedArrayBuffer(t)) continue // always shared by reference
    if (!isArrayBuffer(t)) throw makeError('ERR_CLONE', `transfer[${i}] is not an ArrayBuffer and cannot be transferred`)
    if (isDetached(t)) throw makeError('ERR_CLONE', `transfer[${i}] is a detached ArrayBuffer and cannot be transferred`)
    if (map === null) map = new Map()
    if (!map.has(t)) map.set(t, map.size)
  }
  return map
}

function moveBuffers(map) { // new ArrayBuffers owning the memory; the originals end detached
  const list = [...map.keys()]
  try { return structuredClone(list, { transfer: list }) } catch (err) {
    throw makeError('ERR_CLONE', `the transfer list could not be moved: ${err && err.message}`, { cause: err })
  }
}

const mainEncoder = new Encoder()

function encode(value, root = 'args', transfer = undefined) {
  const map = prepareTransfer(transfer)
  const enc = mainEncoder.busy ? new Encoder() : mainEncoder // a getter may encode re-entrantly
  enc.busy = true
  const shared = []
  let bytes
  try { bytes = enc.run(value, root, map, shared) } finally { enc.reset() }
  return { bytes, shared, transferred: map === null ? [] : moveBuffers(map) }
}

const encodeArgs = (argsArray, transfer) => encode(argsArray, 'args', transfer)

// ------------------------------------------------------------------ decoder

const D_ELEMS = 0, D_PAIRS = 1, D_ERROR = 2, D_MAP = 3, D_SET = 4
const PENDING = Object.freeze({ pending: true }) // a view's id while its buffer is read
const STR_CACHE = new Array(STR_CACHE_SIZE).fill(undefined)
const decodeError = (message) => makeError('ERR_CLONE', `Cannot decode value: ${message}`)

class DFrame {
  constructor() { this.kind = 0; this.obj = null; this.i = 0; this.len = 0; this.aux = undefined; this.arr = false }
}

class Decoder {
  constructor() {
    this.busy = false; this.b = null; this.pos = 0; this.end = 0
    this.ids = []; this.nIds = 0; this.frames = []; this.sp = 0; this.shared = null; this.transferred = null
  }

  run(bytes, shared, transferred) {
    this.b = bytes; this.pos = 0; this.end = bytes.length; this.shared = shared; this.transferred = transferred
    if (this.end === 0) throw decodeError('empty input')
    if (bytes[0] !== VERSION) throw decodeError(`unsupported format version ${bytes[0]} (expected ${VERSION})`)
    this.pos = 1
    const result = this.readValue()
    while (this.sp > 0) this.step(this.frames[this.sp - 1])
    if (this.pos !== this.end) throw decodeError(`${this.end - this.pos} trailing bytes after the value`)
    return result
  }

  reset() {
    for (let i = 0; i < this.sp; i++) { const f = this.frames[i]; f.obj = null; f.aux = undefined }
    for (let i = 0; i < this.nIds; i++) this.ids[i] = undefined
    this.sp = 0; this.nIds = 0; this.b = null; this.shared = null; this.transferred = null; this.busy = false
  }

  bad(message) { return decodeError(`${message} at byte ${this.pos}`) }
  need(n) { if (n > this.end - this.pos) throw this.bad('truncated input') }
  peek() { this.need(1); return this.b[this.pos] }
  u8() { this.need(1); return this.b[this.pos++] }
  u32() {
    this.need(4)
    const b = this.b, p = this.pos
    this.pos = p + 4; return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
  }

  u64() {
    const lo = this.u32(), hi = this.u32()
    if (hi > 0x1fffff) throw this.bad('64-bit length out of range')
    return hi * 4294967296 + lo
  }

  f64() {
    this.need(8)
    const b = this.b, p = this.pos
    for (let i = 0; i < 8; i++) SCRATCH[i] = b[p + i]
    this.pos = p + 8; return SCRATCH_DV.getFloat64(0, true)
  }

  keep(v) { this.ids[this.nIds++] = v; return v } // an object takes the next id
  push(kind, obj, len, arr) {
    if (this.sp >= MAX_DEPTH) throw this.bad(`value nested deeper than ${MAX_DEPTH} levels`)
    let f = this.frames[this.sp]
    if (f === undefined) { f = new DFrame(); this.frames.push(f) }
    f.kind = kind; f.obj = obj; f.len = len; f.i = 0; f.aux = undefined; f.arr = arr
    this.sp++
    return this.keep(obj)
  }

  pop(f) { this.pos++; f.obj = null; f.aux = undefined; this.sp-- }

  // One container frame: read children until its END or until a child container was pushed.
  step(f) {
    const obj = f.obj, sp = this.sp
    if (f.kind === D_ELEMS) {
      const len = f.len
      let i = f.i
      while (i < len) {
        if (this.peek() === T_HOLE) { this.pos++; i++; continue }
        obj[i++] = this.readValue()
        if (this.sp !== sp) break
      }
      f.i = i
      if (i < len) return
      if (obj.length !== len) obj.length = len // trailing holes
      f.kind = D_PAIRS
    } else if (f.kind === D_PAIRS || f.kind === D_ERROR) {
      while (this.peek() !== T_END) {
        const key = this.readString(true), value = this.readValue()
        if (key === '__proto__' || (key === 'cause' && f.kind === D_ERROR)) {
          defineProperty(obj, key, { value, writable: true, enumerable: key !== 'cause', configurable: true })
        } else if (key === 'length' && f.arr) throw this.bad('array property "length" in payload')
        else obj[key] = value
        if (this.sp !== sp) return
      }
      this.pop(f)
    } else if (f.kind === D_MAP) {
      while (f.i === 1 || this.peek() !== T_END) {
        if (f.i === 0) { f.aux = this.readValue(); f.i = 1 } else {
          const key = f.aux
          f.aux = undefined; f.i = 0; mapSet(obj, key, this.readValue())
        }
        if (this.sp !== sp) return
      }
      this.pop(f)
    } else { // D_SET
      while (this.peek() !== T_END) {
        setAdd(obj, this.readValue())
        if (this.sp !== sp) return
      }
      this.pop(f)
    }
  }

  readString(cached) { // a STRING_* value where only a string may stand (keys, names, sources)
    const tag = this.u8()
    if (tag === T_LATIN1) return cached ? this.readLatin1Cached() : this.readLatin1()
    if (tag === T_UTF16) return this.readUtf16()
    this.pos--; throw this.bad(`expected a string, found tag 0x${tag.toString(16)}`)
  }

  // Keys and short strings repeat from one payload to the next: reuse the strings
  // (internalized by their first use as a key) instead of building new ones.
  readLatin1Cached() {
    const len = this.u32()
    this.pos -= 4
    if (len > STR_CACHE_MAX_LEN) return this.readLatin1()
    this.need(4 + len)
    const b = this.b, p = this.pos + 4
    let h = len
    for (let i = 0; i < len; i++) h = (h * 31 + b[p + i]) | 0
    h &= STR_CACHE_SIZE - 1
    const cached = STR_CACHE[h]
    if (cached !== undefined && cached.length === len) {
      let i = 0
      while (i < len && cached.charCodeAt(i) === b[p + i]) i++
      if (i === len) { this.pos = p + len; return cached }
    }
    return (STR_CACHE[h] = this.readLatin1())
  }

  readLatin1() { // String.fromCharCode: TextDecoder('latin1') is windows-1252
    const len = this.u32()
    this.need(len)
    const b = this.b, p = this.pos
    this.pos = p + len
    let s = ''
    if (len <= 16) for (let i = 0; i < len; i++) s += fromCharCode(b[p + i])
    else for (let q = p; q < p + len; q += CHUNK) s += fromCharCode.apply(null, b.subarray(q, Math.min(q + CHUNK, p + len)))
    return s
  }

  readUtf16() { // code units as they are: lone surrogates survive
    const len = this.u32()
    this.need(len * 2)
    const b = this.b, p = this.pos
    this.pos = p + len * 2
    let s = ''
    if (LITTLE_ENDIAN && ((b.byteOffset + p) & 1) === 0 && len > 16) {
      const u16 = new Uint16Array(b.buffer, b.byteOffset + p, len)
      for (let q = 0; q < len; q += CHUNK) s += fromCharCode.apply(null, u16.subarray(q, Math.min(q + CHUNK, len)))
      return s
    }
    for (let q = 0; q < len; q += CHUNK) { // short or unaligned: assemble the code units
      const n = Math.min(CHUNK, len - q)
      for (let i = 0; i < n; i++) { const o = p + 2 * (q + i); U16_CHUNK[i] = b[o] | (b[o + 1] << 8) }
      s += fromCharCode.apply(null, n === CHUNK ? U16_CHUNK : U16_CHUNK.subarray(0, n))
    }
    return s
  }

  readBigIntBody() {
    const sign = this.u8()
    if (sign > 1) { this.pos--; throw this.bad(`invalid BigInt sign ${sign}`) }
    const n = this.u32()
    this.need(n * 8)
    let m = 0n
    if (n === 1) { const lo = this.u32(), hi = this.u32(); m = (BigInt(hi) << 32n) | BigInt(lo) } else if (n > 1) {
      const parts = new Array(n)
      for (let w = n - 1; w >= 0; w--) {
        const lo = this.u32(), hi = this.u32()
        parts[w] = hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')
      }
      m = BigInt('0x' + parts.join(''))
    }
    return sign === 1 ? -m : m
  }

  readBackref() {
    const id = this.u32()
    if (id >= this.nIds) throw this.bad(`backreference to unknown object id ${id}`)
    if (this.ids[id] === PENDING) throw this.bad(`backreference to unfinished object id ${id}`)
    return this.ids[id]
  }

  readBuffer(tag) {
    if (tag === T_ARRAY_BUFFER) {
      const len = this.u64()
      this.need(len)
      const ab = new ArrayBuffer(len)
      new Uint8Array(ab).set(this.b.subarray(this.pos, this.pos + len)); this.pos += len
      return this.keep(ab)
    }
    const list = tag === T_SHARED ? this.shared : this.transferred, index = this.u32()
    if (index >= list.length) {
      throw this.bad(`${tag === T_SHARED ? 'shared' : 'transferred'} buffer index ${index} out of range (${list.length} given)`)
    }
    return this.keep(list[index])
  }

  readView(isDV) {
    const id = this.nIds
    this.keep(PENDING)
    const kind = isDV ? -1 : this.u8()
    if (kind > 10) { this.pos--; throw this.bad(`unknown typed array kind ${kind}`) }
    const tag = this.u8()
    let buf
    if (tag === T_ARRAY_BUFFER || tag === T_SHARED || tag === T_TRANSFERRED) buf = this.readBuffer(tag)
    else if (tag === T_BACKREF) buf = this.readBackref()
    else { this.pos--; throw this.bad(`expected a buffer, found tag 0x${tag.toString(16)}`) }
    if (!isAnyArrayBuffer(buf)) throw this.bad('view over something that is not a buffer')
    const offset = this.u64(), length = this.u64()
    const size = isDV ? 1 : TA_CTORS[kind].BYTES_PER_ELEMENT, byteLength = buf.byteLength
    if (offset % size !== 0) throw this.bad('misaligned view offset')
    if (offset > byteLength || length > (byteLength - offset) / size) throw this.bad('view out of the bounds of its buffer')
    return (this.ids[id] = isDV ? new DataView(buf, offset, length) : new TA_CTORS[kind](buf, offset, length))
  }

  readValue() {
    const tag = this.u8()
    switch (tag) {
      case T_UNDEFINED: return undefined
      case T_NULL: return null
      case T_TRUE: return true
      case T_FALSE: return false
      case T_INT32: return this.u32() | 0
      case T_DOUBLE: return this.f64()
      case T_BIGINT: return this.readBigIntBody()
      case T_LATIN1: return this.readLatin1Cached()
      case T_UTF16: return this.readUtf16()
      case T_OBJECT: return this.push(D_PAIRS, {}, 0, false)
      case T_ARRAY: {
        const len = this.u32()
        if (len > this.end - this.pos) { this.pos -= 4; throw this.bad(`array length ${len} exceeds the input`) }
        return this.push(D_ELEMS, [], len, true)
      }
      case T_SPARSE: { const a = []; a.length = this.u32(); return this.push(D_PAIRS, a, 0, true) } // holes cost nothing
      case T_DATE: return this.keep(new Date(this.f64()))
      case T_REGEXP: {
        const source = this.readString(false), flags = this.readString(false)
        try { return this.keep(new RegExp(source, flags)) } catch (err) { throw this.bad(`invalid RegExp (${err.message})`) }
      }
      case T_MAP: return this.push(D_MAP, new Map(), 0, false)
      case T_SET: return this.push(D_SET, new Set(), 0, false)
      case T_ERROR: {
        if (this.sp >= MAX_DEPTH) throw this.bad(`value nested deeper than ${MAX_DEPTH} levels`)
        const name = this.readString(false), message = this.readString(false)
        const stack = this.peek() === T_UNDEFINED ? (this.pos++, undefined) : this.readString(false)
        return this.push(D_ERROR, makeHostError(name, message, stack), 0, false)
      }
      case T_ARRAY_BUFFER: case T_SHARED: case T_TRANSFERRED: return this.readBuffer(tag)
      case T_TYPED_ARRAY: return this.readView(false)
      case T_DATA_VIEW: return this.readView(true)
      case T_BACKREF: return this.readBackref()
      case T_NUMBER_OBJECT: return this.keep(Object(this.f64()))
      case T_STRING_OBJECT: return this.keep(Object(this.readString(false)))
      case T_BOOLEAN_OBJECT: {
        const v = this.u8()
        if (v > 1) { this.pos--; throw this.bad(`invalid Boolean object value ${v}`) }
        return this.keep(Object(v === 1))
      }
      case T_SHARED_VALUE: {
        const id = this.u32()
        if (sharedValues === null) throw this.bad('a shared value, but buffers are not loaded')
        return this.keep(sharedValues.fromId(id))
      }
      case T_BIGINT_OBJECT:
        if (this.u8() !== T_BIGINT) { this.pos--; throw this.bad('BigInt object without a BIGINT value') }
        return this.keep(Object(this.readBigIntBody()))
      case T_HOLE: this.pos--; throw this.bad('HOLE outside an array')
      case T_END: this.pos--; throw this.bad('unexpected END')
      default: this.pos--; throw this.bad(`unknown tag 0x${tag.toString(16)}`)
    }
  }
}

// The host's own class for `name`, else Error with an own `name`.
function makeHostError(name, message, stack) {
  const Ctor = ERROR_CTORS.get(name)
  let limit, tweaked = false
  if (stack !== undefined) { // the captured host stack would be replaced anyway
    try { limit = Error.stackTraceLimit; Error.stackTraceLimit = 0; tweaked = true } catch {}
  }
  let err
  try {
    err = Ctor === undefined ? new Error(message) : name === 'AggregateError' ? new Ctor([], message) : new Ctor(message)
  } finally {
    if (tweaked) try { Error.stackTraceLimit = limit } catch {}
  }
  if (Ctor === undefined) err.name = name
  if (stack !== undefined) defineProperty(err, 'stack', { value: stack, writable: true, enumerable: false, configurable: true })
  return err
}

const mainDecoder = new Decoder()
const EMPTY = Object.freeze([])

function decode(bytes, shared = EMPTY, transferred = EMPTY) {
  if (!(bytes instanceof Uint8Array)) {
    if (isView(bytes) && taTag(bytes) === 'Uint8Array') bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    else if (isAnyArrayBuffer(bytes)) bytes = new Uint8Array(bytes)
    else throw makeError('ERR_INVALID_ARG', 'decode() expects the payload bytes as a Uint8Array')
  }
  const dec = mainDecoder.busy ? new Decoder() : mainDecoder
  dec.busy = true
  try { return dec.run(bytes, shared || EMPTY, transferred || EMPTY) } finally { dec.reset() }
}

module.exports = { encode, decode, encodeArgs, setSharedValues, VERSION }
