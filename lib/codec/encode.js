'use strict'
// Encoder of the wire format (docs/wire-format.md); see lib/codec.js.

const {
  ASCII_RE,
  ArrayProto,
  BIG_2_64,
  FinRegProto,
  INITIAL_SIZE,
  KEEP_SIZE,
  MAX_DEPTH,
  NON_LATIN1_RE,
  ObjectProto,
  SEEN_LINEAR,
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
  T_SHAPE,
  T_SHAPED,
  T_SHARED,
  T_SHARED_VALUE,
  T_SPARSE,
  T_STRING_OBJECT,
  T_TRANSFERRED,
  T_TRUE,
  T_TYPED_ARRAY,
  T_UNDEFINED,
  T_UTF16,
  VERSION,
  VIEW_CACHE,
  WeakRefProto,
  abByteLength,
  bigValueOf,
  boolValueOf,
  dateGetTime,
  dvBuffer,
  dvByteLength,
  dvByteOffset,
  getOwnSymbols,
  getProto,
  getter,
  hasOwn,
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
  numValueOf,
  objectKeys,
  reFlags,
  reSource,
  setForEach,
  setSize,
  strValueOf,
  symbolDescription,
  taBuffer,
  taByteOffset,
  taLength,
  taTag,
  textEncoder,
  sharedValueHooks,
} = require('./common')
const { ShapeTable } = require('./shapes')

// ------------------------------------------------------------------ encoder

// Long strings are written by the runtime (Buffer#write: latin1 or UTF-16LE
// code units as they are, lone surrogates kept), with no per-character work here.
const NATIVE_WRITE_MIN = 64
// UTF-16 strings of this many code units or more are written with their
// units at an even offset of the payload (STRING_UTF16_PADDED where the
// plain tag would leave them odd), so the thread can read them in place.
const ALIGN_UTF16_MIN = 1 << 15
const T_UTF16_PADDED = require('./tags.json').tags.STRING_UTF16_PADDED
let NodeBuffer = null
try { NodeBuffer = require('buffer').Buffer } catch { NodeBuffer = null }
if (NodeBuffer !== null && typeof NodeBuffer.prototype.write !== 'function') NodeBuffer = null

// F_SHAPED: an object written SHAPE/SHAPED, whose values follow with no keys and no END.
const F_ARRAY = 0, F_KEYS = 1, F_MAP = 2, F_SET = 3, F_SHAPED = 4

// True when a Proxy is on v's prototype chain (read without running a trap:
// [[GetPrototypeOf]] of an ordinary object reads its slot).
function protoChainHasProxy(v) {
  for (let p = getProto(v); p !== null; p = getProto(p)) if (isProxy(p)) return true
  return false
}

// A KeyObject or CryptoKey told by its own symbol slots alone (util.types reads them
// through the prototype chain).
const HOST_SLOTS = new Set(['kKeyType', 'kKeyObject'])
function hasHostSymbol(v) {
  for (const s of getOwnSymbols(v)) if (HOST_SLOTS.has(symbolDescription(s))) return true
  return false
}

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
    this.nextId = 0; this.seen = new Array(SEEN_LINEAR).fill(null); this.members = null; this.memo = null
    this.lastPos = 0; this.copies = null
    this.shaping = false; this.shapes = new ShapeTable()
  }

  alloc(size) {
    const old = this.buf
    this.buf = new Uint8Array(size); this.dv = new DataView(this.buf.buffer); this.views = []
    this.nodeBuf = NodeBuffer === null ? null : NodeBuffer.from(this.buf.buffer, 0, size)
    if (old !== null && this.pos > 0) this.buf.set(old.subarray(0, this.pos))
  }

  ensure(n) {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    this.alloc(size)
  }

  /** Encode `value`; `restArgs`: it is an array made by rest parameters (see beginRestArgs). */
  /** `shaping`: objects may be written SHAPE/SHAPED (the payload goes to a thread). */
  run(value, root, transfer, shared, restArgs = false, copies = null, shaping = false) {
    this.copies = copies
    // A big buffer is kept while big payloads follow each other (its pages
    // are already mapped), and let go at the first small one.
    if (this.buf.length > KEEP_SIZE && this.lastPos <= KEEP_SIZE) { this.pos = 0; this.alloc(INITIAL_SIZE) }
    this.root = root; this.transfer = transfer; this.shared = shared; this.shaping = shaping
    this.buf[0] = VERSION; this.pos = 1
    if (restArgs) this.beginRestArgs(value)
    else this.writeValue(value)
    while (this.sp > 0) this.step(this.frames[this.sp - 1])
    const pos = this.lastPos = this.pos
    if (pos > VIEW_CACHE) return new Uint8Array(this.buf.buffer, 0, pos)
    let view = this.views[pos]
    if (view === undefined) view = this.views[pos] = new Uint8Array(this.buf.buffer, 0, pos)
    return view
  }

  /** An array made by rest parameters is packed with no named properties: its keys need no listing. */
  beginRestArgs(args) {
    const len = args.length
    const f = this.push(F_ARRAY, args, null, len, true)
    f.idxEnd = len; f.k = 0; f.next = -1
    this.head(args, T_ARRAY); this.writeU32(len)
  }

  reset() {
    for (let i = 0; i < this.sp; i++) { const f = this.frames[i]; f.obj = null; f.keys = null }
    if (this.nextId > SEEN_LINEAR) this.seen = new Array(SEEN_LINEAR).fill(null)
    else for (let i = this.nextId - 1; i >= 0; i--) this.seen[i] = null
    this.shapes.clear()
    this.sp = 0; this.nextId = 0; this.members = null; this.memo = null; this.shared = null; this.transfer = null; this.copies = null; this.busy = false
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
      if (f.keys === null || f.idxEnd === f.keys.length) return this.pop(f)
      f.kind = F_KEYS; f.i = f.idxEnd // then the named props
    } else if (f.kind === F_KEYS) {
      const keys = f.keys
      while (i < keys.length) {
        const k = keys[i++]
        f.i = i; this.writeString(k); this.writeValue(obj[k])
        if (this.sp !== sp) return
      }
      this.pop(f)
    } else if (f.kind === F_SHAPED) { // values only, in the shape's key order
      const keys = f.keys
      while (i < keys.length) {
        f.i = i + 1; this.writeValue(obj[keys[i++]])
        if (this.sp !== sp) return
      }
      f.obj = null; f.keys = null; this.sp--
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

  /**
   * The id of `v` if it was written before, else -1. Objects are found by a
   * linear search of `seen` (their list by id) up to SEEN_LINEAR of them,
   * then in a Set, which -1 leaves `v` in (register gives it the next id:
   * every lookup that misses is followed by the register of the same
   * object), and from the first one found twice on in a Map to their ids.
   * A payload with no shared object so costs one Set add per object, not a
   * Map get and set.
   */
  lookup(v) {
    if (this.memo !== null) { const id = this.memo.get(v); return id === undefined ? -1 : id }
    const members = this.members
    if (members !== null) {
      const n = members.size
      members.add(v)
      return members.size !== n ? -1 : this.toMap().get(v)
    }
    for (let i = 0, n = this.nextId, seen = this.seen; i < n; i++) if (seen[i] === v) return i
    return -1
  }

  toMap() {
    const memo = this.memo = new Map(), seen = this.seen
    for (let i = 0, n = this.nextId; i < n; i++) memo.set(seen[i], i)
    this.members = null
    return memo
  }

  register(v) {
    const id = this.nextId++
    if (this.memo !== null) return void this.memo.set(v, id)
    this.seen[id] = v
    if (id === SEEN_LINEAR - 1) this.members = new Set(this.seen)
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
    else if (this.nodeBuf !== null) p += this.nodeBuf.write(s, p, len, 'latin1')
    else if (ASCII_RE.test(s)) { textEncoder.encodeInto(s, b.subarray(p, p + len)); p += len }
    else for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i)
    b[start] = T_LATIN1; b[start + 1] = len; b[start + 2] = len >>> 8; b[start + 3] = len >>> 16; b[start + 4] = len >>> 24
    this.pos = p
  }

  writeUtf16(s, start) {
    const len = s.length
    this.pos = start; this.ensure(6 + 2 * len)
    // The units follow the tag and length: at an odd offset when `start` is even.
    if (len >= ALIGN_UTF16_MIN && start % 2 === 0) { this.writeTag(T_UTF16_PADDED); this.writeTag(0) } else this.writeTag(T_UTF16)
    this.writeU32(len)
    if (len >= NATIVE_WRITE_MIN && this.nodeBuf !== null) { this.pos += this.nodeBuf.write(s, this.pos, 2 * len, 'utf16le'); return }
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

  /**
   * A plain object: OBJECT, or in a call's arguments for a thread
   * (`shaping`) SHAPE/SHAPED when its keys make a shape. Other payloads
   * (messages, `buffer()` values, the golden vectors) keep OBJECT.
   */
  beginObject(v) {
    const keys = objectKeys(v)
    const shapes = this.shapes, known = shapes.count
    const shape = this.shaping ? shapes.find(keys) : null
    if (shape === null) { this.push(F_KEYS, v, keys, 0, false); return this.head(v, T_OBJECT) }
    this.push(F_SHAPED, v, shape.keys, 0, false)
    if (shape.id < known) { this.head(v, T_SHAPED); return this.writeU32(shape.id) }
    this.head(v, T_SHAPE); this.writeU32(keys.length) // a new shape: its keys, once
    for (let i = 0; i < keys.length; i++) this.writeString(keys[i])
  }

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
    if (sharedValueHooks() !== null) {
      const id = sharedValueHooks().idOf(v)
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
    if (isNativeError(v)) return this.beginError(v, protoChainHasProxy(v))
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
    // A Proxy in the prototype chain: nothing may read through it (util's
    // isKeyObject and isCryptoKey read a property), so only own slots count.
    const behindProxy = protoChainHasProxy(v)
    if (isExternal(v) || (behindProxy ? hasHostSymbol(v) : isKeyObject(v) || isCryptoKey(v))) throw this.fail('a host object')
    for (let p = getProto(v); p !== null && !isProxy(p); p = getProto(p)) { // util.types has no isWeakRef
      if (p === WeakRefProto) throw this.fail('a WeakRef')
      if (p === FinRegProto) throw this.fail('a FinalizationRegistry')
      if (isHostProto(p)) throw this.fail('a host object')
    }
    return this.beginObject(v) // class instance or Object.create(x): its own enumerable props
  }

  // The entries are copied into an array made at its size (no user code
  // runs while forEach lists them, so the size holds): for 100k entries
  // 2.4 ms against 9.4 ms when pushed one by one.
  beginCollection(v, isMapValue) {
    const items = new Array(isMapValue ? 2 * mapSize(v) : setSize(v))
    let n = 0
    if (isMapValue) mapForEach(v, (val, key) => { items[n++] = key; items[n++] = val })
    else setForEach(v, (val) => { items[n++] = val })
    this.push(isMapValue ? F_MAP : F_SET, v, items, n, false)
    this.head(v, isMapValue ? T_MAP : T_SET)
  }

  // behindProxy: a Proxy in its prototype chain, so `name`/`message` are read
  // only when own, and `stack` not at all (formatting it runs the runtime's
  // prepareStackTrace, which reads the error through the chain).
  beginError(v, behindProxy) {
    const name = behindProxy && !hasOwn(v, 'name') ? undefined : v.name
    const message = behindProxy && !hasOwn(v, 'message') ? undefined : v.message
    const stack = behindProxy ? undefined : v.stack
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
    if (this.copies !== null && len >= MOVE_COPY_MIN) {
      // Sent as a view: the addon copies it once, when the call is made,
      // into memory the thread takes as is (not into the payload bytes).
      this.head(ab, T_TRANSFERRED); this.writeU32((this.transfer === null ? 0 : this.transfer.size) + this.copies.length)
      this.copies.push(new Uint8Array(ab, 0, len))
      return
    }
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

/**
 * Roots whose payloads go to a thread with their transferred list (calls):
 * there, ArrayBuffers of MOVE_COPY_MIN bytes or more are listed as a
 * Uint8Array over them, which the addon copies into memory of the thread.
 */
const MOVES_COPIES = new Set(['args', 'params'])
const MOVE_COPY_MIN = 64 * 1024

/** The last encodeRestArgs() that needed encode(): its result, taken by that encode(). */
let pendingRest = null
/** encodeRestArgs()'s lists of shared and copied memory (empty between calls). */
let restShared = []
let restCopies = []

/** `shapes`: a call's arguments for a thread, whose objects may be written SHAPE/SHAPED. */
function encode(value, root = 'args', transfer = undefined, shapes = false) {
  const pending = pendingRest
  pendingRest = null
  if (pending !== null && pending.args === value && pending.root === root && (transfer === undefined || transfer === null)) return pending.result
  const map = prepareTransfer(transfer)
  const enc = mainEncoder.busy ? new Encoder() : mainEncoder // a getter may encode re-entrantly
  enc.busy = true
  const shared = [], copies = MOVES_COPIES.has(root) ? [] : null
  let bytes
  try { bytes = enc.run(value, root, map, shared, false, copies, shapes) } finally { enc.reset() }
  return { bytes, shared, transferred: withCopies(map === null ? [] : moveBuffers(map), copies) }
}

function withCopies(moved, copies) {
  if (copies === null || copies.length === 0) return moved
  for (const c of copies) moved.push(c)
  return moved
}

const encodeArgs = (argsArray, transfer) => encode(argsArray, 'args', transfer)

/**
 * The bytes of `args`, an array made by rest parameters (see beginRestArgs;
 * `root` names it in errors), or
 * undefined when they reference shared memory (use encode then; it takes this
 * result). Objects may be written SHAPE/SHAPED: the bytes go to a thread. The bytes
 * are a view of the encoder's buffer: copy or send them before encoding again.
 */
function encodeRestArgs(args, root = 'args') {
  pendingRest = null
  const nested = mainEncoder.busy // (a getter may encode re-entrantly)
  const enc = nested ? new Encoder() : mainEncoder
  enc.busy = true
  // The main encoder's lists stay empty unless a result takes them.
  const shared = nested ? [] : restShared, copies = nested ? [] : restCopies
  let bytes
  try {
    bytes = enc.run(args, root, null, shared, true, copies, true)
  } catch (err) {
    shared.length = 0; copies.length = 0
    throw err
  } finally { enc.reset() }
  if (shared.length === 0 && copies.length === 0) return bytes
  if (!nested) { restShared = []; restCopies = [] }
  // The caller falls back to encode(args) at once: hand it this result.
  pendingRest = { args, root, result: { bytes, shared, transferred: copies } }
  return undefined
}

module.exports = { encode, encodeArgs, encodeRestArgs }
