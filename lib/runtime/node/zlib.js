'use strict'
// node:zlib inside a thread (RUNTIME.md §3): deflate/inflate (raw, zlib and
// gzip framing, unzip's auto-detection) and brotli on the Rust binding
// (zlib-rs/flate2, brotli), with Node's option checks, error codes and
// constants. The *Sync and callback forms run without node:stream; the
// classes (createGzip() …) are Transform streams and load it on first use.
const { codeError, invalidArgType, outOfRange, notAvailable } = require('../lib/io-errors.js')
const { Buffer } = require('buffer')
const { native } = require('isothread:internal')

let bindingCache
const binding = () => bindingCache || (bindingCache = native.binding('zlib'))
// Native streams of engines dropped without close() are freed.
const registry = new FinalizationRegistry((id) => { try { binding().free(id) } catch {} })

// Node's zlib.constants (Node 20, zlib 1.3 / brotli 1.1), as data.
const constants = Object.freeze({
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5, Z_OK: 0,
  Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4,
  Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9,
  Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0,
  ZLIB_VERNUM: 4880, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384, Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9,
  Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1, BROTLI_OPERATION_PROCESS: 0,
  BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_PARAM_MODE: 0,
  BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0, BROTLI_PARAM_QUALITY: 1,
  BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11, BROTLI_PARAM_LGWIN: 2,
  BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24, BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22,
  BROTLI_PARAM_LGBLOCK: 3, BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6,
  BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8, BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1,
  BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0, BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
  BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1, BROTLI_DECODER_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1,
  BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4, BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5,
  BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6, BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7,
  BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9,
  BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10, BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11,
  BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12, BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13,
  BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14, BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15,
  BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16, BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19,
  BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20, BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21,
  BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22, BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25,
  BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27,
  BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30, BROTLI_DECODER_ERROR_UNREACHABLE: -31,
})
const C = constants
const K_MAX_LENGTH = 2 ** 32
const MAX_BROTLI_PARAM = 8

const codes = { Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6 }
for (const key of Object.keys(codes)) codes[codes[key]] = key

// --- options, as Node checks them ---------------------------------------------

function finiteOrDefault(number, name) {
  if (number === undefined) return false
  if (Number.isFinite(number)) return true
  if (Number.isNaN(number)) return false
  if (typeof number !== 'number') throw invalidArgType(name, 'of type number', number)
  throw outOfRange(name, 'a finite number', number)
}

function rangeOrDefault(number, name, lower, upper, def) {
  if (!finiteOrDefault(number, name)) return def
  if (number < lower || number > upper) throw outOfRange(name, `>= ${lower} and <= ${upper}`, number)
  return number
}

const isBrotli = (mode) => mode === C.BROTLI_ENCODE || mode === C.BROTLI_DECODE
const isAnyArrayBuffer = (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)

/** The native parameters and the stream settings of `opts` for `mode`. */
function settings(opts, mode) {
  const brotli = isBrotli(mode)
  const s = {
    mode,
    level: -1,
    windowBits: -1,
    memLevel: C.Z_DEFAULT_MEMLEVEL,
    strategy: C.Z_DEFAULT_STRATEGY,
    dictionary: undefined,
    chunkSize: C.Z_DEFAULT_CHUNK,
    flush: brotli ? C.BROTLI_OPERATION_PROCESS : C.Z_NO_FLUSH,
    finishFlush: brotli ? C.BROTLI_OPERATION_FINISH : C.Z_FINISH,
    fullFlush: brotli ? C.BROTLI_OPERATION_FLUSH : C.Z_FULL_FLUSH,
    maxOutputLength: K_MAX_LENGTH,
    info: false,
  }
  if (!brotli) {
    s.windowBits = mode === C.INFLATE || mode === C.GUNZIP || mode === C.UNZIP ? 0 : C.Z_DEFAULT_WINDOWBITS
  }
  if (opts) {
    if (!brotli) {
      if ((opts.windowBits == null || opts.windowBits === 0) && (mode === C.INFLATE || mode === C.GUNZIP || mode === C.UNZIP)) {
        s.windowBits = 0
      } else {
        const min = C.Z_MIN_WINDOWBITS + (mode === C.GZIP ? 1 : 0)
        s.windowBits = rangeOrDefault(opts.windowBits, 'options.windowBits', min, C.Z_MAX_WINDOWBITS, C.Z_DEFAULT_WINDOWBITS)
      }
      s.level = rangeOrDefault(opts.level, 'options.level', C.Z_MIN_LEVEL, C.Z_MAX_LEVEL, C.Z_DEFAULT_COMPRESSION)
      s.memLevel = rangeOrDefault(opts.memLevel, 'options.memLevel', C.Z_MIN_MEMLEVEL, C.Z_MAX_MEMLEVEL, C.Z_DEFAULT_MEMLEVEL)
      s.strategy = rangeOrDefault(opts.strategy, 'options.strategy', C.Z_DEFAULT_STRATEGY, C.Z_FIXED, C.Z_DEFAULT_STRATEGY)
      let dictionary = opts.dictionary
      if (dictionary !== undefined && !ArrayBuffer.isView(dictionary)) {
        if (isAnyArrayBuffer(dictionary)) dictionary = new Uint8Array(dictionary)
        else throw invalidArgType('options.dictionary', 'an instance of Buffer, TypedArray, DataView, or ArrayBuffer', dictionary)
      }
      s.dictionary = dictionary
    } else if (opts.params) {
      const seen = new Set()
      for (const origKey of Object.keys(opts.params)) {
        const key = +origKey
        if (Number.isNaN(key) || key < 0 || key > MAX_BROTLI_PARAM || seen.has(key)) {
          throw codeError(RangeError, 'ERR_BROTLI_INVALID_PARAM', `${origKey} is not a valid Brotli parameter`)
        }
        seen.add(key)
        const value = opts.params[origKey]
        if (typeof value !== 'number' && typeof value !== 'boolean') throw invalidArgType('options.params[key]', 'of type number', value)
        // As Node: stored as uint32 (0xFFFFFFFF means unset), then clamped by
        // brotli to quality 0..11 and window 10..24.
        const u = +value >>> 0
        if (mode === C.BROTLI_ENCODE && u !== 0xFFFFFFFF) {
          if (key === C.BROTLI_PARAM_QUALITY) s.level = Math.min(u, C.BROTLI_MAX_QUALITY)
          if (key === C.BROTLI_PARAM_LGWIN) s.windowBits = Math.max(C.BROTLI_MIN_WINDOW_BITS, Math.min(u, C.BROTLI_MAX_WINDOW_BITS))
        }
      }
    }
    const bound = brotli ? [C.BROTLI_OPERATION_PROCESS, C.BROTLI_OPERATION_EMIT_METADATA] : [C.Z_NO_FLUSH, C.Z_BLOCK]
    if (finiteOrDefault(opts.chunkSize, 'options.chunkSize')) {
      if (opts.chunkSize < C.Z_MIN_CHUNK) throw outOfRange('options.chunkSize', `>= ${C.Z_MIN_CHUNK}`, opts.chunkSize)
      s.chunkSize = opts.chunkSize
    }
    s.flush = rangeOrDefault(opts.flush, 'options.flush', bound[0], bound[1], s.flush)
    s.finishFlush = rangeOrDefault(opts.finishFlush, 'options.finishFlush', bound[0], bound[1], s.finishFlush)
    s.maxOutputLength = rangeOrDefault(opts.maxOutputLength, 'options.maxOutputLength', 1, K_MAX_LENGTH, K_MAX_LENGTH)
    s.info = !!opts.info
  }
  return s
}

// Brotli's operations (process 0, flush 1, finish 2, metadata 3) as the
// binding's zlib flush values (0 none, 2 sync, 4 finish).
const nativeFlush = (mode, flush) => (!isBrotli(mode) ? flush : flush === 0 ? 0 : flush === 2 ? 4 : 2)

function open(s) {
  return binding().create(s.mode, s.level, s.windowBits, s.memLevel, s.strategy, s.dictionary)
}

const asBuffer = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
const tooLarge = (max) => codeError(RangeError, 'ERR_BUFFER_TOO_LARGE', `Cannot create a Buffer larger than ${max} bytes`)

function inputBuffer(buffer) {
  if (typeof buffer === 'string') return Buffer.from(buffer)
  if (ArrayBuffer.isView(buffer)) return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  if (isAnyArrayBuffer(buffer)) return new Uint8Array(buffer)
  throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer', buffer)
}

// The whole of `buffer` through a fresh native stream of `mode`.
function runSync(mode, buffer, opts) {
  const s = settings(opts, mode)
  const input = inputBuffer(buffer)
  const id = open(s)
  let out
  try {
    out = binding().write(id, input, nativeFlush(mode, s.finishFlush))
  } finally {
    binding().free(id)
  }
  if (out.byteLength > s.maxOutputLength) throw tooLarge(s.maxOutputLength)
  const result = asBuffer(out)
  return s.info ? { buffer: result, engine: null } : result
}

function runAsync(mode, buffer, opts, callback) {
  if (typeof opts === 'function') { callback = opts; opts = {} }
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
  let result, error = null
  try { result = runSync(mode, buffer, opts) } catch (e) { error = e }
  setTimeout(() => (error ? callback(error) : callback(null, result)), 0)
}

// --- the stream classes ---------------------------------------------------------

const kFlushFlag = Symbol('kFlushFlag')
const kState = Symbol('zlib state')

/**
 * What `this` is in the stream methods below: a Transform that initBase()
 * gave the zlib fields (bytesWritten, flush flags, the native state).
 * @typedef {import('stream').Transform & { [key: string | symbol]: any }} ZlibStream
 */

function ZlibBase() {}
let Transform = null
let finished = null
function loadStream() {
  if (Transform !== null) return
  const stream = require('stream')
  Transform = stream.Transform
  finished = stream.finished
  Object.setPrototypeOf(ZlibBase.prototype, Transform.prototype)
  Object.setPrototypeOf(ZlibBase, Transform)
}

function initBase(self, opts, mode) {
  loadStream()
  const s = settings(opts, mode)
  if (opts && (opts.encoding || opts.objectMode || opts.writableObjectMode)) {
    opts = { ...opts, encoding: null, objectMode: false, writableObjectMode: false }
  }
  Transform.call(self, { autoDestroy: true, ...opts })
  const id = open(s)
  self[kState] = { s, id, closed: false }
  registry.register(self, id, self)
  self.bytesWritten = 0
  self._handle = { close: () => closeHandle(self) }
  self._chunkSize = s.chunkSize
  self._defaultFlushFlag = s.flush
  self._finishFlushFlag = s.finishFlush
  self._defaultFullFlushFlag = s.fullFlush
  self._info = opts && opts.info
  self._maxOutputLength = s.maxOutputLength
  if (!isBrotli(mode)) {
    self._level = s.level
    self._strategy = s.strategy
  }
}

function closeHandle(self) {
  const st = self[kState]
  if (st.closed) return
  st.closed = true
  registry.unregister(self)
  binding().free(st.id)
  self._handle = null
}

/** Runs `chunk` through the native stream with `flushFlag`; pushes the output in chunkSize pieces. */
function processChunk(self, chunk, flushFlag) {
  const st = self[kState]
  if (st.closed) throw codeError(Error, 'ERR_ZLIB_BINDING_CLOSED', 'zlib binding closed')
  const out = binding().write(st.id, chunk, nativeFlush(st.s.mode, flushFlag))
  self.bytesWritten += chunk.byteLength
  return out
}

function pushOut(self, out) {
  const size = self._chunkSize
  for (let i = 0; i < out.byteLength; i += size) self.push(asBuffer(out.subarray(i, Math.min(out.byteLength, i + size))))
}

Object.assign(ZlibBase.prototype, /** @type {ThisType<ZlibStream>} */ ({
  /** Stream side: each written chunk (the last one with the finish flush). */
  _transform(chunk, encoding, callback) {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, encoding)
    let flushFlag = this._defaultFlushFlag
    if (typeof chunk[kFlushFlag] === 'number') flushFlag = chunk[kFlushFlag]
    else {
      const ws = this._writableState
      if ((ws.ending || ws.ended) && ws.length === chunk.byteLength) flushFlag = this._finishFlushFlag
    }
    let out
    try {
      out = processChunk(this, chunk, flushFlag)
    } catch (e) {
      callback(e)
      return
    }
    pushOut(this, out)
    callback()
  },
  /** Stream side: the finish flush once writing ended. */
  _flush(callback) { this._transform(Buffer.alloc(0), /** @type {BufferEncoding} */ (''), callback) }, // ('' as Node's zlib passes: no encoding)
  /** Frees the native stream. */
  _destroy(err, callback) {
    closeHandle(this)
    callback(err)
  },
  /** Flushes what is buffered (`kind`: a flush value, full flush by default). */
  flush(kind, callback) {
    if (typeof kind === 'function' || (kind === undefined && !callback)) {
      callback = kind
      kind = this._defaultFullFlushFlag
    }
    if (this.writableFinished) {
      if (callback) setTimeout(callback, 0)
    } else if (this.writableEnded) {
      if (callback) this.once('end', callback)
    } else {
      const b = Buffer.alloc(0)
      b[kFlushFlag] = kind
      this.write(b, /** @type {BufferEncoding} */ (''), callback) // ('' as Node's zlib passes: no encoding)
    }
  },
  /** Destroys the stream; `callback` once it closed. */
  close(callback) {
    if (callback) finished(this, callback)
    this.destroy()
  },
  /** Starts over with a fresh native stream of the same settings. */
  reset() {
    const st = this[kState]
    if (st.closed) throw codeError(Error, 'ERR_ZLIB_BINDING_CLOSED', 'zlib binding closed')
    binding().free(st.id)
    registry.unregister(this)
    st.id = open(st.s)
    registry.register(this, st.id, this)
  },
  /** Sync processing for old callers: the output as a Buffer (or `cb(err, buf)`). */
  _processChunk(chunk, flushFlag, cb) {
    if (typeof cb === 'function') {
      let out
      try { out = processChunk(this, chunk, flushFlag) } catch (e) { cb(e); return }
      pushOut(this, out)
      cb()
      return
    }
    return asBuffer(processChunk(this, chunk, flushFlag))
  },
}))
Object.defineProperty(ZlibBase.prototype, '_closed', {
  configurable: true,
  enumerable: true,
  get() { return this[kState] === undefined || this[kState].closed },
})
Object.defineProperty(ZlibBase.prototype, 'bytesRead', /** @type {ThisType<ZlibStream> & PropertyDescriptor} */ ({
  configurable: true,
  enumerable: false,
  get() { return this.bytesWritten },
  set(value) { this.bytesWritten = value },
}))

function Zlib() {}
Object.setPrototypeOf(Zlib.prototype, ZlibBase.prototype)
Object.setPrototypeOf(Zlib, ZlibBase)
/**
 * Changes level and strategy: before any data only (the binding cannot retune a running deflate).
 * @this {ZlibStream}
 */
Zlib.prototype.params = function params(level, strategy, callback) {
  level = rangeOrDefault(level, 'level', C.Z_MIN_LEVEL, C.Z_MAX_LEVEL, C.Z_DEFAULT_COMPRESSION)
  strategy = rangeOrDefault(strategy, 'strategy', C.Z_DEFAULT_STRATEGY, C.Z_FIXED, C.Z_DEFAULT_STRATEGY)
  const st = this[kState]
  if (st.s.level !== level || st.s.strategy !== strategy) {
    if (this.bytesWritten > 0) {
      throw notAvailable('zlib params() after data', 'set level and strategy when creating the stream')
    }
    st.s = { ...st.s, level, strategy }
    this._level = level
    this._strategy = strategy
    this.reset()
  }
  if (callback) setTimeout(callback, 0)
}

function Brotli() {}
Object.setPrototypeOf(Brotli.prototype, ZlibBase.prototype)
Object.setPrototypeOf(Brotli, ZlibBase)

/** @type {[string, number, Function][]} name, mode, base class */
const CLASSES = [
  ['Deflate', C.DEFLATE, Zlib], ['Inflate', C.INFLATE, Zlib], ['Gzip', C.GZIP, Zlib], ['Gunzip', C.GUNZIP, Zlib],
  ['DeflateRaw', C.DEFLATERAW, Zlib], ['InflateRaw', C.INFLATERAW, Zlib], ['Unzip', C.UNZIP, Zlib],
  ['BrotliCompress', C.BROTLI_ENCODE, Brotli], ['BrotliDecompress', C.BROTLI_DECODE, Brotli],
]

const api = {}
for (const [name, mode, Base] of CLASSES) {
  const Class = {
    [name]: function (opts) {
      if (!(this instanceof Class)) return new /** @type {any} */ (Class)(opts) // (a function used as a class)
      initBase(this, opts, mode)
    },
  }[name]
  Object.setPrototypeOf(Class.prototype, Base.prototype)
  Object.setPrototypeOf(Class, Base)
  api[name] = Class
}

/** A Deflate stream (zlib framing). */
function createDeflate(options) { return new api.Deflate(options) }
/** An Inflate stream (zlib framing). */
function createInflate(options) { return new api.Inflate(options) }
/** A Gzip stream. */
function createGzip(options) { return new api.Gzip(options) }
/** A Gunzip stream (concatenated members too). */
function createGunzip(options) { return new api.Gunzip(options) }
/** A raw deflate stream. */
function createDeflateRaw(options) { return new api.DeflateRaw(options) }
/** A raw inflate stream. */
function createInflateRaw(options) { return new api.InflateRaw(options) }
/** An Unzip stream: gzip or zlib framing, detected from the header. */
function createUnzip(options) { return new api.Unzip(options) }
/** A brotli compression stream. */
function createBrotliCompress(options) { return new api.BrotliCompress(options) }
/** A brotli decompression stream. */
function createBrotliDecompress(options) { return new api.BrotliDecompress(options) }

/** deflate (zlib framing), `callback(err, buffer)`. */
function deflate(buffer, opts, callback) { runAsync(C.DEFLATE, buffer, opts, callback) }
/** deflate (zlib framing) now. */
function deflateSync(buffer, opts) { return runSync(C.DEFLATE, buffer, opts) }
/** gzip, `callback(err, buffer)`. */
function gzip(buffer, opts, callback) { runAsync(C.GZIP, buffer, opts, callback) }
/** gzip now. */
function gzipSync(buffer, opts) { return runSync(C.GZIP, buffer, opts) }
/** raw deflate, `callback(err, buffer)`. */
function deflateRaw(buffer, opts, callback) { runAsync(C.DEFLATERAW, buffer, opts, callback) }
/** raw deflate now. */
function deflateRawSync(buffer, opts) { return runSync(C.DEFLATERAW, buffer, opts) }
/** gzip or zlib framing, detected, `callback(err, buffer)`. */
function unzip(buffer, opts, callback) { runAsync(C.UNZIP, buffer, opts, callback) }
/** gzip or zlib framing, detected, now. */
function unzipSync(buffer, opts) { return runSync(C.UNZIP, buffer, opts) }
/** inflate (zlib framing), `callback(err, buffer)`. */
function inflate(buffer, opts, callback) { runAsync(C.INFLATE, buffer, opts, callback) }
/** inflate (zlib framing) now. */
function inflateSync(buffer, opts) { return runSync(C.INFLATE, buffer, opts) }
/** gunzip, `callback(err, buffer)`. */
function gunzip(buffer, opts, callback) { runAsync(C.GUNZIP, buffer, opts, callback) }
/** gunzip now. */
function gunzipSync(buffer, opts) { return runSync(C.GUNZIP, buffer, opts) }
/** raw inflate, `callback(err, buffer)`. */
function inflateRaw(buffer, opts, callback) { runAsync(C.INFLATERAW, buffer, opts, callback) }
/** raw inflate now. */
function inflateRawSync(buffer, opts) { return runSync(C.INFLATERAW, buffer, opts) }
/** brotli compression, `callback(err, buffer)`. */
function brotliCompress(buffer, opts, callback) { runAsync(C.BROTLI_ENCODE, buffer, opts, callback) }
/** brotli compression now. */
function brotliCompressSync(buffer, opts) { return runSync(C.BROTLI_ENCODE, buffer, opts) }
/** brotli decompression, `callback(err, buffer)`. */
function brotliDecompress(buffer, opts, callback) { runAsync(C.BROTLI_DECODE, buffer, opts, callback) }
/** brotli decompression now. */
function brotliDecompressSync(buffer, opts) { return runSync(C.BROTLI_DECODE, buffer, opts) }

/** CRC-32 of `data` (a string as UTF-8, or bytes), continuing from `value`. */
function crc32(data, value = 0) {
  if (typeof data === 'string') data = native.utf8Encode(data)
  else if (!ArrayBuffer.isView(data)) throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data)
  if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value)
  if (!Number.isInteger(value)) throw outOfRange('value', 'an integer', value)
  if (value < 0 || value > 4294967295) throw outOfRange('value', '>= 0 && <= 4294967295', value)
  return binding().crc32(data, value)
}

module.exports = {
  crc32,
  ...api,
  deflate, deflateSync, gzip, gzipSync, deflateRaw, deflateRawSync, unzip, unzipSync, inflate, inflateSync,
  gunzip, gunzipSync, inflateRaw, inflateRawSync, brotliCompress, brotliCompressSync, brotliDecompress,
  brotliDecompressSync,
  createDeflate, createInflate, createDeflateRaw, createInflateRaw, createGzip, createGunzip, createUnzip,
  createBrotliCompress, createBrotliDecompress,
  constants,
  codes: Object.freeze(codes),
}
// Node's deprecated top-level copies of the zlib (not brotli) constants.
for (const key of Object.keys(constants)) {
  if (key.startsWith('BROTLI')) continue
  Object.defineProperty(module.exports, key, { enumerable: false, value: constants[key], writable: false })
}
