'use strict'
// node:buffer inside a thread: the `buffer` npm port (feross/buffer 6), with
// what Node adds or does differently fixed up: UTF-8 through the engine's
// native codec (faster, and WHATWG replacement of bad bytes as in Node),
// Node's own hex/base64 decoding rules and byteLength estimates, base64url,
// string encoding and decoding without the port's per-byte string
// concatenation, `<Buffer ...>` inspection, kMaxLength/constants,
// SlowBuffer, transcode, atob/btoa, isUtf8/isAscii and Node's error codes.
// Blob and File are the globals when the thread has them.

// (The port has INSPECT_MAX_BYTES; its typings do not say so.)
const port = /** @type {typeof import('buffer/') & { INSPECT_MAX_BYTES: number }} */ (require('buffer/'))
const { native } = require('isothread:internal')
const { codedError, unavailable } = require('../internal/host.js')

const { Buffer } = port
// The prototype this file patches with what Node adds (untyped: the port's
// typings describe it before the patches).
const proto = /** @type {any} */ (Buffer.prototype)
const customInspect = Symbol.for('nodejs.util.inspect.custom')

const asBuffer = (u8) => Object.setPrototypeOf(u8, proto)
const isUtf8Name = (e) => e === undefined || e === 'utf8' || e === 'utf-8' || e === null || e === ''

// What the port lacks: Node's names for the base64url alphabet.
const CANONICAL = { 'utf-8': 'utf8', binary: 'latin1', ucs2: 'utf16le', 'ucs-2': 'utf16le', 'utf-16le': 'utf16le' }
function normalize(encoding) {
  if (isUtf8Name(encoding)) return 'utf8'
  const e = String(encoding).toLowerCase()
  return CANONICAL[e] || e
}

const portIsEncoding = Buffer.isEncoding
/** True when `encoding` names an encoding Node's Buffer supports. */
Buffer.isEncoding = function isEncoding(encoding) {
  return typeof encoding === 'string' && encoding.length !== 0 && (normalize(encoding) === 'base64url' || portIsEncoding(encoding))
}

function unknownEncoding(encoding) {
  return codedError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`, TypeError)
}

// UTF-8 byte count of a string without building it (lone surrogates count 3, as written).
function utf8Length(s) {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) { n += 1; continue }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) { n += 2; i++; continue }
    }
    n += 2
  }
  return n
}

// Node's base64 decoder (also for base64url): both alphabets, a character
// whose low byte is '=' ends the input, other characters are skipped, and
// the output is at most base64ByteLength(input) bytes.
let b64Table
function base64Decode(s) {
  if (b64Table === undefined) {
    b64Table = new Int8Array(256).fill(-1)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    for (let i = 0; i < 64; i++) b64Table[alphabet.charCodeAt(i)] = i
    b64Table[45] = 62 // '-'
    b64Table[95] = 63 // '_'
  }
  const cap = base64ByteLength(s)
  const out = new Uint8Array(cap)
  let k = 0, n = 0, hi = 0
  for (let i = 0; i < s.length && k < cap; i++) {
    const c = s.charCodeAt(i) & 0xff
    const v = b64Table[c]
    if (v < 0) {
      if (c === 0x3d) break
      continue
    }
    if (n === 1) out[k++] = ((hi & 0x3f) << 2) | ((v & 0x30) >> 4)
    else if (n === 2) out[k++] = ((hi & 0x0f) << 4) | ((v & 0x3c) >> 2)
    else if (n === 3) out[k++] = ((hi & 0x03) << 6) | v
    hi = v
    n = (n + 1) & 3
  }
  return k === cap ? out : out.subarray(0, k)
}

// Node's estimate, which Buffer.byteLength reports: 3/4 of the length less padding.
function base64ByteLength(s) {
  let bytes = s.length
  if (bytes > 0 && s.charCodeAt(bytes - 1) === 0x3d) bytes--
  if (bytes > 1 && s.charCodeAt(bytes - 1) === 0x3d) bytes--
  return (bytes * 3) >>> 2
}

// Node's hex decoder: pairs of hex digits, up to the first pair that is not one.
const hexValue = (c) => (c >= 48 && c <= 57 ? c - 48 : (c |= 0x20) >= 97 && c <= 102 ? c - 87 : -1)
function hexDecode(s) {
  const n = s.length >>> 1
  const out = new Uint8Array(n)
  let i = 0
  for (; i < n; i++) {
    const hi = hexValue(s.charCodeAt(2 * i)), lo = hexValue(s.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) break
    out[i] = hi * 16 + lo
  }
  return i === n ? out : out.subarray(0, i)
}

// latin1/ascii: the low byte of each UTF-16 unit; utf16le: each unit as two bytes.
function latin1Encode(s) {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}
function utf16Encode(s) {
  const out = new Uint8Array(s.length * 2)
  for (let i = 0, j = 0; i < s.length; i++, j += 2) {
    const c = s.charCodeAt(i)
    out[j] = c
    out[j + 1] = c >> 8
  }
  return out
}

const decoders = { hex: hexDecode, base64: base64Decode, base64url: base64Decode, latin1: latin1Encode, ascii: latin1Encode, utf16le: utf16Encode }

const portFrom = Buffer.from
/** Buffer.from(string[, encoding]) | (array) | (buffer) | (arrayBuffer[, byteOffset[, length]]). */
Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === 'string') {
    const e = normalize(encodingOrOffset)
    if (e === 'utf8') return asBuffer(native.utf8Encode(value))
    const decode = decoders[e]
    if (decode !== undefined) return asBuffer(new Uint8Array(decode(value)))
    if (!portIsEncoding(e)) throw unknownEncoding(encodingOrOffset)
    return portFrom(value, e)
  }
  if (value === null || value === undefined || (typeof value !== 'object' && typeof value !== 'function')) {
    const shown = value === null || value === undefined ? String(value) : `type ${typeof value} (${typeof value === 'symbol' ? value.toString() : String(value)})`
    throw codedError('ERR_INVALID_ARG_TYPE', `The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ${shown}`, TypeError)
  }
  return portFrom(value, encodingOrOffset, length)
}

const portByteLength = Buffer.byteLength
/** Bytes `string` takes in `encoding` (utf8 by default); a buffer's own length. */
Buffer.byteLength = function byteLength(string, encoding) {
  if (typeof string === 'string') {
    const e = normalize(encoding)
    if (e === 'utf8') return utf8Length(string)
    if (e === 'base64' || e === 'base64url') return base64ByteLength(string)
  }
  return portByteLength.apply(this, arguments)
}

// Hex and base64 text built as ASCII bytes and decoded natively (the
// port's string concatenation is 10-70x slower on large buffers).
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
function hexSlice(buf, start, end) {
  const out = new Uint8Array((end - start) * 2)
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const b = buf[i]
    out[j] = HEX_DIGITS[b >> 4]
    out[j + 1] = HEX_DIGITS[b & 15]
  }
  return native.utf8Decode(out, false)
}
const B64 = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) => c.charCodeAt(0))
const B64URL = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) => c.charCodeAt(0))
function base64Slice(buf, start, end, url) {
  const alphabet = url ? B64URL : B64
  const n = end - start
  const full = start + n - (n % 3)
  const out = new Uint8Array(url ? Math.ceil((n * 4) / 3) : Math.ceil(n / 3) * 4)
  let j = 0
  for (let i = start; i < full; i += 3) {
    const v = (buf[i] << 16) | (buf[i + 1] << 8) | buf[i + 2]
    out[j++] = alphabet[v >> 18]
    out[j++] = alphabet[(v >> 12) & 63]
    out[j++] = alphabet[(v >> 6) & 63]
    out[j++] = alphabet[v & 63]
  }
  const rest = end - full
  if (rest > 0) {
    const v = (buf[full] << 16) | (rest === 2 ? buf[full + 1] << 8 : 0)
    out[j++] = alphabet[v >> 18]
    out[j++] = alphabet[(v >> 12) & 63]
    if (rest === 2) out[j++] = alphabet[(v >> 6) & 63]
    else if (!url) out[j++] = 61
    if (!url) out[j++] = 61
  }
  return native.utf8Decode(out.subarray(0, j), false)
}

// latin1/ascii/utf16le text from char codes, in chunks (String.fromCharCode.apply).
const CHUNK = 8192
function charCodes(codes) {
  if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes)
  let out = ''
  for (let i = 0; i < codes.length; i += CHUNK) out += String.fromCharCode.apply(null, codes.subarray(i, i + CHUNK))
  return out
}
function latin1Slice(buf, start, end, ascii) {
  const view = buf.subarray(start, end)
  if (!ascii) return charCodes(view)
  const masked = new Uint8Array(view.length)
  for (let i = 0; i < view.length; i++) masked[i] = view[i] & 0x7f
  return charCodes(masked)
}
function utf16Slice(buf, start, end) {
  const n = (end - start) >> 1
  const at = buf.byteOffset + start
  const units = at % 2 === 0 && isLittleEndian
    ? new Uint16Array(buf.buffer, at, n)
    : Uint16Array.from({ length: n }, (_, i) => buf[start + 2 * i] | (buf[start + 2 * i + 1] << 8))
  return charCodes(units)
}
const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const portToString = proto.toString
/** The bytes from `start` to `end` decoded with `encoding` (utf8 by default). */
proto.toString = function toString(encoding, start, end) {
  const len = this.length
  if (arguments.length === 0) return len === 0 ? '' : native.utf8Decode(this, false)
  if (start === undefined || start <= 0) start = 0
  else if (start >= len) return ''
  else start = Math.trunc(start) || 0
  if (end === undefined || end > len) end = len
  else end = Math.trunc(end) || 0
  if (end <= start) return ''
  const e = normalize(encoding)
  if (e === 'utf8') return native.utf8Decode(this.subarray(start, end), false)
  if (e === 'hex') return hexSlice(this, start, end)
  if (e === 'base64' || e === 'base64url') return base64Slice(this, start, end, e === 'base64url')
  if (e === 'latin1' || e === 'ascii') return latin1Slice(this, start, end, e === 'ascii')
  if (e === 'utf16le') return utf16Slice(this, start, end)
  if (!portIsEncoding(e)) throw unknownEncoding(encoding)
  return portToString.call(this, e, start, end)
}
proto.toLocaleString = proto.toString

const portWrite = proto.write
/** Writes `string` at `offset` (up to `length` bytes) in `encoding`; returns the bytes written (never part of a character). */
proto.write = function write(string, offset, length, encoding) {
  const enc = typeof offset === 'string' ? offset : typeof length === 'string' ? length : encoding
  if (typeof string === 'string') {
    const e = normalize(enc)
    const off = typeof offset === 'number' ? offset : 0
    const max = typeof length === 'number' ? length : Infinity
    if (typeof offset === 'number' && (!(off >= 0) || off > this.length)) {
      throw codedError('ERR_OUT_OF_RANGE', `The value of "offset" is out of range. It must be >= 0 && <= ${this.length}. Received ${off}`, RangeError)
    }
    // (fractional offsets and odd lengths: the port's checks and errors)
    if (Number.isInteger(off) && max >= 0) {
      const room = Math.min(this.length - off, max)
      if (e === 'utf8') {
        const bytes = native.utf8Encode(string)
        let n = Math.min(bytes.length, room)
        if (n < bytes.length) while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--
        this.set(n === bytes.length ? bytes : bytes.subarray(0, n), off)
        return n
      }
      const decode = decoders[e]
      if (decode !== undefined) {
        const bytes = decode(string)
        let n = Math.min(bytes.length, room)
        if (e === 'utf16le') n -= n & 1
        this.set(bytes.subarray(0, n), off)
        return n
      }
    }
    if (!portIsEncoding(e)) throw unknownEncoding(enc)
  }
  return portWrite.apply(this, arguments)
}

// Node's per-encoding methods (buf.utf8Slice(start, end), buf.utf8Write(string, offset, length) …),
// which packages such as msgpackr call when they find them.
for (const [prefix, encoding] of [['ascii', 'ascii'], ['base64', 'base64'], ['base64url', 'base64url'], ['latin1', 'latin1'], ['hex', 'hex'], ['ucs2', 'utf16le'], ['utf8', 'utf8']]) {
  Object.defineProperty(proto, `${prefix}Slice`, {
    // (`this` is a Buffer, whose toString is patched above.)
    value: { [`${prefix}Slice`](start = 0, end = this.length) { return /** @type {any} */ (this).toString(encoding, start, end) } }[`${prefix}Slice`],
    writable: true,
    configurable: true,
  })
  Object.defineProperty(proto, `${prefix}Write`, {
    value: {
      /** @this {import('buffer/').Buffer} */ [`${prefix}Write`](string, offset = 0, length = this.length - offset) { return this.write(string, offset, Math.min(length, this.length - offset), encoding) },
    }[`${prefix}Write`],
    writable: true,
    configurable: true,
  })
}

/** Node's inspection: `<Buffer 68 69>`, at most INSPECT_MAX_BYTES bytes, then own non-index properties. */
function inspect(recurseTimes, ctx) {
  const max = port.INSPECT_MAX_BYTES
  const shown = Math.min(max, this.length)
  let str = hexSlice(this, 0, shown).replace(/(.{2})/g, '$1 ').trim()
  const remaining = this.length - max
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`
  if (ctx && typeof ctx.stylize === 'function') {
    const extra = Object.keys(this).filter((k) => !/^(0|[1-9][0-9]*)$/.test(k))
    if (extra.length > 0) {
      const obj = { __proto__: null }
      for (const k of extra) obj[k] = this[k]
      const inspectFn = require('util').inspect
      if (this.length !== 0) str += ', '
      str += inspectFn(obj, { ...ctx, breakLength: Infinity, compact: true }).slice(27, -2)
    }
  }
  return `<${this.constructor.name} ${str}>`
}
proto.inspect = inspect
proto[customInspect] = inspect

/** Node's legacy SlowBuffer(size): an unpooled Buffer.allocUnsafeSlow(size). */
function SlowBuffer(size) { return Buffer.allocUnsafeSlow(size) }
Object.setPrototypeOf(SlowBuffer.prototype, Uint8Array.prototype)
Object.setPrototypeOf(SlowBuffer, Uint8Array)

// Node 20 (V8 11) allows 2**32 bytes per typed array; Node 22 on, 2**53 - 1.
const kMaxLength = 2 ** 32
const kStringMaxLength = 2 ** 29 - 24

const toView = (input) => {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
  if (input instanceof ArrayBuffer || input instanceof SharedArrayBuffer) return new Uint8Array(input)
  throw codedError('ERR_INVALID_ARG_TYPE', 'The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray.', TypeError)
}

/** True when the bytes of `input` are well-formed UTF-8. */
function isUtf8(input) { return native.utf8Decode(toView(input), true) !== null }

/** True when every byte of `input` is 7-bit ASCII. */
function isAscii(input) {
  const v = toView(input)
  for (let i = 0; i < v.length; i++) if (v[i] > 0x7f) return false
  return true
}

/** The global atob (web/base64.js). */
function atob(data) { return require('../web/base64.js').atob(...arguments) }
/** The global btoa (web/base64.js). */
function btoa(data) { return require('../web/base64.js').btoa(...arguments) }

/**
 * `source` re-encoded from `fromEnc` to `toEnc` (utf8, utf16le/ucs2, latin1,
 * ascii); characters the target cannot hold become '?', as in Node.
 */
function transcode(source, fromEnc, toEnc) {
  if (!(source instanceof Uint8Array)) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'The "source" argument must be an instance of Buffer or Uint8Array.', TypeError)
  }
  const names = { utf8: 'utf8', 'utf-8': 'utf8', ucs2: 'utf16le', 'ucs-2': 'utf16le', utf16le: 'utf16le', 'utf-16le': 'utf16le', latin1: 'latin1', binary: 'latin1', ascii: 'ascii' }
  const from = names[String(fromEnc).toLowerCase()]
  const to = names[String(toEnc).toLowerCase()]
  if (from === undefined || to === undefined) {
    const e = /** @type {Error & { code?: string }} */ (new Error(`Unable to transcode Buffer [U_ILLEGAL_ARGUMENT_ERROR]`))
    e.code = 'U_ILLEGAL_ARGUMENT_ERROR'
    throw e
  }
  // (Buffer.from takes a SharedArrayBuffer too; its typings say ArrayBuffer.)
  let text = Buffer.from(/** @type {ArrayBuffer} */ (source.buffer), source.byteOffset, source.byteLength).toString(from)
  if (to === 'latin1') text = text.replace(/[^\u0000-\u00ff]/gu, '?')
  else if (to === 'ascii') text = text.replace(/[^\u0000-\u007f]/gu, '?')
  return Buffer.from(text, to)
}

/** undefined: no blob: URLs inside a thread. */
function resolveObjectURL(id) { return undefined }

module.exports = {
  Buffer,
  transcode,
  resolveObjectURL,
  Blob: globalThis.Blob || unavailable('buffer.Blob', 'Blob is not offered inside a thread yet'),
  File: globalThis.File || unavailable('buffer.File', 'File is not offered inside a thread yet'),
  SlowBuffer,
  INSPECT_MAX_BYTES: port.INSPECT_MAX_BYTES,
  kMaxLength,
  kStringMaxLength,
  constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
  atob,
  btoa,
  isUtf8,
  isAscii,
}
// INSPECT_MAX_BYTES is read live by inspect, as in Node.
Object.defineProperty(module.exports, 'INSPECT_MAX_BYTES', {
  enumerable: true,
  get() { return port.INSPECT_MAX_BYTES },
  set(v) { port.INSPECT_MAX_BYTES = v },
})
