'use strict'
// Decoder of the wire format (docs/wire-format.md); see lib/codec.js.

const {
  CHUNK,
  ERROR_CTORS,
  LITTLE_ENDIAN,
  MAX_DEPTH,
  SCRATCH,
  SCRATCH_DV,
  STR_CACHE_MAX_LEN,
  STR_CACHE_SIZE,
  TA_CTORS,
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
  T_SHARED_VALUE,
  T_SPARSE,
  T_STRING_OBJECT,
  T_TRANSFERRED,
  T_TRUE,
  T_TYPED_ARRAY,
  T_UNDEFINED,
  T_UTF16,
  U16_CHUNK,
  VERSION,
  defineProperty,
  fromCharCode,
  isAnyArrayBuffer,
  isIndexKey,
  isView,
  makeError,
  mapSet,
  setAdd,
  taTag,
  sharedValueHooks,
} = require('./common')
const { SHAPE: T_SHAPE, SHAPED: T_SHAPED, STRING_UTF16_PADDED: T_UTF16_PADDED } = require('./tags.json').tags

// ------------------------------------------------------------------ decoder

const D_ELEMS = 0, D_PAIRS = 1, D_ERROR = 2, D_MAP = 3, D_SET = 4, D_SHAPED = 5
const MAX_SHAPE_KEYS = 256
// Objects of a shape are filled by a function made for its keys (named
// stores, one hidden-class transition each, instead of a keyed store per
// property) once the shape has FILL_AFTER objects in a payload; the
// functions are kept across payloads, up to FILL_CACHE_MAX key lists, and
// at most FILL_NEW_MAX are made per payload (thousands of key lists would
// cost more to compile than they save).
const FILL_AFTER = 8, FILL_CACHE_MAX = 1024, FILL_NEW_MAX = 64
const FILL_CACHE = new Map()
let canCompile = true // false where code generation from strings is refused
const PENDING = Object.freeze({ pending: true }) // a view's id while its buffer is read
const STR_CACHE = new Array(STR_CACHE_SIZE).fill(undefined)
// Long strings are made by the runtime from the payload bytes (one copy, no
// per-character work here): the addon's decodeString, when it is loaded.
const NATIVE_STRING_MIN = 256
let nativeString = null
try { nativeString = require('../../native/binding.js').decodeString || null } catch { nativeString = null }
// Short string values of a payload of WINDOW_FROM bytes or more are cut
// from one latin1 string of up to WINDOW bytes of it (made by the runtime)
// with `substring`: one native call per window instead of work per
// character. Only below SLICED_MIN units, where V8 copies a substring
// instead of pointing into its parent, so no result keeps a window alive.
const WINDOW = 64 * 1024, WINDOW_FROM = 2048, SLICED_MIN = 13
const latin1Window = (() => {
  const slice = typeof Buffer === 'function' && Buffer.prototype && Buffer.prototype.latin1Slice
  if (typeof slice === 'function') return (b, start, end) => slice.call(b, start, end)
  return nativeString === null ? null : (b, start, end) => nativeString(b, start, end - start, false)
})()
const decodeError = (message) => makeError('ERR_CLONE', `Cannot decode value: ${message}`)

class DFrame {
  constructor() { this.kind = 0; this.obj = null; this.i = 0; this.len = 0; this.aux = undefined; this.arr = false; this.vals = null }
}

/** A key list of SHAPE, numbered per payload. */
class Shape {
  constructor(keys) { this.keys = keys; this.uses = 0; this.fill = null }
}

/** `o[keys[i]] = v[i]` for every key, as one made function (or null: none cached and `dec` may make no more). */
function makeFill(keys, dec) {
  const id = JSON.stringify(keys)
  let fill = FILL_CACHE.get(id)
  if (fill !== undefined || !canCompile || dec.fills >= FILL_NEW_MAX) return fill || null
  dec.fills++
  try {
    // eslint-disable-next-line no-new-func
    fill = new Function('o', 'v', keys.map((k, i) => `o[${JSON.stringify(k)}] = v[${i}]`).join('\n'))
  } catch { canCompile = false; return null }
  if (FILL_CACHE.size >= FILL_CACHE_MAX) FILL_CACHE.clear()
  FILL_CACHE.set(id, fill)
  return fill
}

class Decoder {
  constructor() {
    this.busy = false; this.b = null; this.start = 0; this.pos = 0; this.end = 0
    this.ids = []; this.nIds = 0; this.frames = []; this.sp = 0; this.shared = null; this.transferred = null
    this.shapes = []; this.shapedTop = 0 // frames below shapedTop may hold values of shaped objects
    this.fills = 0 // fill functions made for this payload
    this.win = ''; this.winStart = 0; this.winEnd = 0 // see WINDOW
  }

  run(bytes, shared, transferred, start = 0, end = bytes.length) {
    this.b = bytes; this.start = start; this.pos = start; this.end = end; this.shared = shared; this.transferred = transferred
    if (end <= start) throw decodeError('empty input')
    if (bytes[start] !== VERSION) throw decodeError(`unsupported format version ${bytes[start]} (expected ${VERSION})`)
    this.pos = start + 1
    const result = this.readValue()
    while (this.sp > 0) this.step(this.frames[this.sp - 1])
    if (this.pos !== this.end) throw decodeError(`${this.end - this.pos} trailing bytes after the value`)
    return result
  }

  reset() {
    for (let i = 0; i < this.sp; i++) { const f = this.frames[i]; f.obj = null; f.aux = undefined }
    for (let i = 0; i < this.nIds; i++) this.ids[i] = undefined
    for (let i = 0; i < this.shapedTop; i++) { const f = this.frames[i]; if (f.vals !== null) f.vals.length = 0 }
    this.shapedTop = 0; this.fills = 0
    if (this.shapes.length > 0) this.shapes = []
    this.win = ''; this.winStart = 0; this.winEnd = 0
    this.sp = 0; this.nIds = 0; this.b = null; this.shared = null; this.transferred = null; this.busy = false
  }

  bad(message) { return decodeError(`${message} at byte ${this.pos - this.start}`) }
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
    if (f.kind === D_SHAPED) {
      const vals = f.vals, len = f.len
      let i = f.i
      while (i < len) {
        vals[i++] = this.readValue()
        if (this.sp !== sp) break
      }
      f.i = i
      if (i < len || this.sp !== sp) return // (a child container is read first)
      const shape = f.aux
      if (shape.fill !== null) shape.fill(obj, vals)
      else { const keys = shape.keys; for (let k = 0; k < len; k++) obj[keys[k]] = vals[k] }
      f.obj = null; f.aux = undefined; this.sp--
    } else if (f.kind === D_ELEMS) {
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
    if (tag === T_UTF16_PADDED) return this.readPaddedUtf16()
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

  // A string value (not a key: keys go through the cache, whose strings are internalized).
  readLatin1Value() {
    const len = this.u32()
    if (len >= SLICED_MIN || latin1Window === null || this.end - this.start < WINDOW_FROM) { this.pos -= 4; return this.readLatin1Cached() }
    this.need(len)
    const p = this.pos
    this.pos = p + len
    if (p + len > this.winEnd || p < this.winStart) {
      this.winStart = p; this.winEnd = Math.min(this.end, p + WINDOW)
      this.win = latin1Window(this.b, p, this.winEnd)
    }
    return this.win.substring(p - this.winStart, p - this.winStart + len)
  }

  readLatin1() { // String.fromCharCode: TextDecoder('latin1') is windows-1252
    const len = this.u32()
    this.need(len)
    const b = this.b, p = this.pos
    this.pos = p + len
    if (len >= NATIVE_STRING_MIN && nativeString !== null) return nativeString(b, p, len, false)
    let s = ''
    if (len <= 16) for (let i = 0; i < len; i++) s += fromCharCode(b[p + i])
    else for (let q = p; q < p + len; q += CHUNK) s += fromCharCode.apply(null, b.subarray(q, Math.min(q + CHUNK, p + len)))
    return s
  }

  readPaddedUtf16() { // a zero byte, then as STRING_UTF16
    if (this.u8() !== 0) throw this.bad('STRING_UTF16_PADDED padding not 0')
    return this.readUtf16()
  }

  readUtf16() { // code units as they are: lone surrogates survive
    const len = this.u32()
    this.need(len * 2)
    const b = this.b, p = this.pos
    this.pos = p + len * 2
    if (len >= NATIVE_STRING_MIN && nativeString !== null) return nativeString(b, p, len, true)
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

  // SHAPE: the key list (the next shape number), then the object's values.
  readShape() {
    const n = this.u32() // (the keys are strings: they take no object ids)
    if (n < 1 || n > MAX_SHAPE_KEYS) { this.pos -= 4; throw this.bad(`shape of ${n} keys (1 to ${MAX_SHAPE_KEYS} allowed)`) }
    this.need(n * 5)
    const keys = new Array(n)
    for (let i = 0; i < n; i++) {
      const key = this.readString(true)
      if (key === '__proto__' || isIndexKey(key)) throw this.bad(`shape key ${JSON.stringify(key)} is not allowed`)
      keys[i] = key
    }
    if (n > 1 && new Set(keys).size !== n) throw this.bad('shape with a repeated key')
    this.shapes.push(new Shape(keys))
    return this.pushShaped(this.shapes[this.shapes.length - 1])
  }

  pushShaped(shape) {
    if (shape.fill === null && ++shape.uses === FILL_AFTER) shape.fill = makeFill(shape.keys, this)
    const obj = this.push(D_SHAPED, {}, shape.keys.length, false)
    const f = this.frames[this.sp - 1]
    f.aux = shape
    if (f.vals === null) f.vals = []
    if (this.sp > this.shapedTop) this.shapedTop = this.sp
    return obj
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
      case T_LATIN1: return this.readLatin1Value()
      case T_UTF16: return this.readUtf16()
      case T_UTF16_PADDED: return this.readPaddedUtf16()
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
      case T_SHAPE: return this.readShape()
      case T_SHAPED: {
        const k = this.u32()
        if (k >= this.shapes.length) { this.pos -= 4; throw this.bad(`SHAPED refers to unknown shape ${k} (${this.shapes.length} read)`) }
        return this.pushShaped(this.shapes[k])
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
        if (sharedValueHooks() === null) throw this.bad('a shared value, but buffers are not loaded')
        return this.keep(sharedValueHooks().fromId(id))
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
    if (isView(bytes) && taTag(bytes) === 'Uint8Array') bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    else if (isAnyArrayBuffer(bytes)) bytes = new Uint8Array(bytes)
    else throw makeError('ERR_INVALID_ARG', 'decode() expects the payload bytes as a Uint8Array')
  }
  const dec = mainDecoder.busy ? new Decoder() : mainDecoder
  dec.busy = true
  try { return dec.run(bytes, shared || EMPTY, transferred || EMPTY) } finally { dec.reset() }
}

/** Decode bytes[start, end) of a Uint8Array holding no shared or moved memory references. */
function decodeRange(bytes, start, end) {
  const dec = mainDecoder.busy ? new Decoder() : mainDecoder
  dec.busy = true
  try { return dec.run(bytes, EMPTY, EMPTY, start, end) } finally { dec.reset() }
}

module.exports = { decode, decodeRange }
