'use strict'
// node:crypto inside a thread (RUNTIME.md §3): hashes, HMAC, PBKDF2 and
// randomness on the Rust binding (RustCrypto, the OS random source), with
// Node's argument checks and error codes; HKDF and scrypt in JS on top of
// them (lib/kdf.js). Hash and Hmac are Node's lazy
// transform streams: node:stream loads only when one is used as a stream.
// What needs OpenSSL's ciphers, signatures or key pairs throws
// ERR_NOT_AVAILABLE naming the function.
const { codeError, invalidArgType, outOfRange, notAvailable } = require('../lib/io-errors.js')
const { Buffer } = require('buffer')
const { native } = require('isothread:internal')

let bindingCache
const binding = () => bindingCache || (bindingCache = native.binding('crypto'))

// Native hash states of objects dropped before digest() are freed.
const registry = new FinalizationRegistry((id) => { try { binding().free(id) } catch {} })

const isView = ArrayBuffer.isView
const asBuffer = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
const viewBytes = (v) => (v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength))

function encodeOut(bytes, encoding) {
  const buf = asBuffer(bytes)
  // (Node gives the Buffer for an encoding it does not know)
  return encoding === undefined || encoding === 'buffer' || !Buffer.isEncoding(encoding) ? buf : buf.toString(encoding)
}

// Bytes of `data` for update(): a string in `encoding` (utf8 by default) or a view.
function dataBytes(data, encoding, name = 'data') {
  if (typeof data === 'string') {
    if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8' || encoding === 'buffer') return native.utf8Encode(data)
    // As Node: an encoding it does not know is UTF-8; hex needs whole bytes.
    if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) return native.utf8Encode(data)
    if (encoding.toLowerCase() === 'hex' && data.length % 2 !== 0) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'encoding' is invalid for data of length ${data.length}. Received '${encoding}'`)
    }
    return viewBytes(Buffer.from(data, encoding))
  }
  if (isView(data)) return viewBytes(data)
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data)
}

// Key bytes of a string, ArrayBuffer, view, KeyObject or CryptoKey.
function keyBytes(key, encoding) {
  if (key instanceof KeyObject) {
    if (key.type !== 'secret') throw codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected secret.`)
    return keyState.get(key)
  }
  if (typeof key === 'string') return encoding === undefined || encoding === 'buffer' ? native.utf8Encode(key) : viewBytes(Buffer.from(key, encoding))
  if (key instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && key instanceof SharedArrayBuffer)) return new Uint8Array(key)
  if (isView(key)) return viewBytes(key)
  const web = globalThis.CryptoKey
  if (web && key instanceof web) throw notAvailable('crypto.createHmac() with a CryptoKey', 'Web Crypto keys do not exist inside threads; pass the key bytes or a KeyObject')
  throw invalidArgType('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key)
}

const validateString = (v, name) => { if (typeof v !== 'string') throw invalidArgType(name, 'of type string', v) }
const finalized = () => codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called')

// --- Hash and Hmac: lazy transform streams ------------------------------------

// What the stream API reads first; touching one loads node:stream and puts
// Transform.prototype under LazyTransform.prototype (Node's LazyTransform).
const STREAM_NAMES = [
  '_readableState', '_writableState', 'on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'off',
  'removeListener', 'removeAllListeners', 'emit', 'listeners', 'rawListeners', 'listenerCount', 'eventNames',
  'setMaxListeners', 'getMaxListeners', 'pipe', 'unpipe', 'write', 'end', 'read', 'push', 'unshift', 'pause',
  'resume', 'isPaused', 'setEncoding', 'destroy', 'cork', 'uncork', 'setDefaultEncoding', 'wrap', 'readable',
  'writable', 'destroyed', 'readableEnded', 'writableEnded', 'writableFinished', 'readableFlowing',
  'readableHighWaterMark', 'writableHighWaterMark', 'readableLength', 'writableLength', 'readableObjectMode',
  'writableObjectMode', 'closed', 'errored', 'allowHalfOpen', 'iterator', 'map', 'filter', 'forEach', 'toArray',
  'reduce', 'some', 'every', 'find', 'flatMap', 'drop', 'take', 'asIndexedPairs', 'compose',
  Symbol.asyncIterator,
]

function LazyTransform(options) { this._options = options }
let streamLoaded = false
function loadStream() {
  if (streamLoaded) return
  streamLoaded = true
  const { Transform } = require('stream')
  for (const name of STREAM_NAMES) delete LazyTransform.prototype[name]
  Object.setPrototypeOf(LazyTransform.prototype, Transform.prototype)
  // Each instance becomes a Transform on first use of its stream state.
  for (const name of ['_readableState', '_writableState']) {
    Object.defineProperty(LazyTransform.prototype, name, {
      configurable: true,
      enumerable: true,
      get() {
        Transform.call(this, this._options)
        this._writableState.decodeStrings = false
        return this[name]
      },
      set(value) {
        Object.defineProperty(this, name, { value, enumerable: true, configurable: true, writable: true })
      },
    })
  }
}
for (const name of STREAM_NAMES) {
  Object.defineProperty(LazyTransform.prototype, name, {
    configurable: true,
    enumerable: false,
    get() { loadStream(); return this[name] },
    set(value) { Object.defineProperty(this, name, { value, enumerable: true, configurable: true, writable: true }) },
  })
}

const kState = Symbol('hash state')

/** A hash: `update(data, inputEncoding)`, `digest(encoding)`, `copy()`; a Transform stream too. */
function Hash(algorithm, options) {
  if (!(this instanceof Hash)) return new Hash(algorithm, options)
  const from = algorithm instanceof HashFrom ? algorithm : null
  if (from === null) {
    validateString(algorithm, 'algorithm')
    if (options !== undefined && options !== null && typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    if (options && options.outputLength !== undefined) checkOutputLength(algorithm, options.outputLength)
  }
  const id = from === null ? binding().hashNew(algorithm) : from.id
  this[kState] = { id, done: false, hmac: false }
  registry.register(this, id, this)
  LazyTransform.call(this, options)
}
Object.setPrototypeOf(Hash.prototype, LazyTransform.prototype)
Object.setPrototypeOf(Hash, LazyTransform)
function HashFrom(id) { this.id = id }

function checkOutputLength(algorithm, length) {
  if (typeof length !== 'number') throw invalidArgType('options.outputLength', 'of type number', length)
  if (!Number.isInteger(length) || length < 0 || length > 4294967295) throw outOfRange('options.outputLength', '>= 0 && <= 4294967295', length)
  const size = binding().hashOnce(algorithm, new Uint8Array(0)).length
  if (length !== size) {
    throw codeError(Error, 'ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH', 'error:030000B2:digital envelope routines::not XOF or invalid length')
  }
}

/** A copy of this hash's state, to digest separately. */
Hash.prototype.copy = function copy(options) {
  const s = this[kState]
  if (s.done) throw finalized()
  return new Hash(new HashFrom(binding().copy(s.id)), options)
}

/** Feeds `data` (a string in `inputEncoding`, utf8 by default, or bytes). */
Hash.prototype.update = function update(data, inputEncoding) {
  const s = this[kState]
  if (s.done) throw finalized()
  binding().update(s.id, dataBytes(data, inputEncoding))
  return this
}

/** The digest as a Buffer, or a string in `outputEncoding` (hex, base64, base64url, latin1 …). */
Hash.prototype.digest = function digest(outputEncoding) {
  const s = this[kState]
  if (s.done) {
    if (!s.hmac) throw finalized()
    return encodeOut(new Uint8Array(0), outputEncoding)
  }
  s.done = true
  registry.unregister(this)
  return encodeOut(binding().digest(s.id), outputEncoding)
}

/** Stream side: feeds each written chunk. */
Hash.prototype._transform = function _transform(chunk, encoding, callback) {
  this.update(chunk, encoding === 'buffer' ? undefined : encoding)
  callback()
}

/**
 * Stream side: pushes the digest.
 * @this {Hash & import('stream').Transform} (Hash inherits LazyTransform's stream methods)
 */
Hash.prototype._flush = function _flush(callback) {
  this.push(this.digest())
  callback()
}

/** An HMAC: like Hash, keyed; digest() after digest() gives an empty result, as in Node. */
function Hmac(hmac, key, options) {
  if (!(this instanceof Hmac)) return new Hmac(hmac, key, options)
  validateString(hmac, 'hmac')
  const bytes = keyBytes(key, options && options.encoding)
  const id = binding().hmacNew(hmac, bytes)
  this[kState] = { id, done: false, hmac: true }
  registry.register(this, id, this)
  LazyTransform.call(this, options)
}
Object.setPrototypeOf(Hmac.prototype, LazyTransform.prototype)
Object.setPrototypeOf(Hmac, LazyTransform)
Hmac.prototype.update = Hash.prototype.update
Hmac.prototype.digest = Hash.prototype.digest
Hmac.prototype._transform = Hash.prototype._transform
Hmac.prototype._flush = Hash.prototype._flush

/** `new Hash(algorithm, options)`: md5, sha1, sha224, sha256, sha384, sha512, sha512-224/256, sha3-*, ripemd160. */
function createHash(algorithm, options) { return new Hash(algorithm, options) }

/** `new Hmac(algorithm, key, options)`; key: string, bytes or a secret KeyObject. */
function createHmac(hmac, key, options) { return new Hmac(hmac, key, options) }

/** One-shot digest (Node 21.7+): `hash(algorithm, data, outputEncoding = 'hex')`. */
function hash(algorithm, data, outputEncoding = 'hex') {
  validateString(algorithm, 'algorithm')
  if (typeof data !== 'string' && !isView(data)) throw invalidArgType('input', 'of type string or an instance of Buffer, TypedArray, or DataView', data)
  validateString(outputEncoding, 'outputEncoding')
  let out
  try {
    out = binding().hashOnce(algorithm, dataBytes(data))
  } catch (e) {
    if (e && e.message === 'Digest method not supported') e.message = `Digest method ${algorithm} is not supported`
    throw e
  }
  return encodeOut(out, outputEncoding)
}

/** The digest algorithms createHash() takes. */
function getHashes() { return binding().hashes() }

/** Ciphers need OpenSSL: none inside a thread. */
function getCiphers() { return [] }

/** Curves need OpenSSL: none inside a thread. */
function getCurves() { return [] }

/** FIPS mode is never on inside a thread. */
function getFips() { return 0 }

// --- randomness -----------------------------------------------------------------

const MAX_SIZE = 2147483647

function checkSize(size, name = 'size', max = MAX_SIZE) {
  if (typeof size !== 'number') throw invalidArgType(name, 'of type number', size)
  if (!(size >= 0 && size <= max) || Number.isNaN(size)) throw outOfRange(name, `>= 0 && <= ${max}`, size)
}

const checkCallback = (cb) => { if (typeof cb !== 'function') throw invalidArgType('callback', 'of type function', cb) }
const later = (fn) => setTimeout(fn, 0)

function fill(view) {
  const bytes = viewBytes(view)
  // The OS source is read in pieces of at most 64 KiB, as getRandomValues allows.
  for (let i = 0; i < bytes.length; i += 65536) binding().randomFill(bytes.subarray(i, Math.min(bytes.length, i + 65536)))
  return view
}

/** `size` random bytes as a Buffer; with a callback, `callback(err, buf)` later. */
function randomBytes(size, callback) {
  checkSize(size)
  if (callback !== undefined) checkCallback(callback)
  const buf = fill(Buffer.alloc(size))
  if (callback === undefined) return buf
  later(() => callback(null, buf))
}

function fillArgs(buf, offset, size) {
  let bytes
  if (buf instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && buf instanceof SharedArrayBuffer)) bytes = new Uint8Array(buf)
  else if (isView(buf)) bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  else throw invalidArgType('buf', 'an instance of ArrayBuffer or ArrayBufferView', buf)
  const elem = isView(buf) && /** @type {any} */ (buf).BYTES_PER_ELEMENT ? /** @type {any} */ (buf).BYTES_PER_ELEMENT : 1 // (a DataView has none)
  const length = bytes.length / elem
  if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset)
  if (!(offset >= 0 && offset <= length)) throw outOfRange('offset', `>= 0 && <= ${length}`, offset)
  if (size === undefined) size = length - offset
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size)
  if (!(size >= 0 && size <= MAX_SIZE)) throw outOfRange('size', `>= 0 && <= ${MAX_SIZE}`, size)
  if (size + offset > length) throw outOfRange('size + offset', `<= ${length}`, size + offset)
  return bytes.subarray(offset * elem, (offset + size) * elem)
}

/** Fills `buf` (or its `offset`…`offset + size` part) with random bytes; returns `buf`. */
function randomFillSync(buf, offset = 0, size = undefined) {
  fill(fillArgs(buf, offset, size))
  return buf
}

/** randomFillSync, then `callback(err, buf)` later. */
function randomFill(buf, offset, size, callback) {
  if (typeof offset === 'function') { callback = offset; offset = 0; size = undefined }
  else if (typeof size === 'function') { callback = size; size = undefined }
  checkCallback(callback)
  fill(fillArgs(buf, offset, size))
  later(() => callback(null, buf))
}

const RAND_MAX = 0xFFFFFFFFFFFF

/** A uniform random integer in [min, max) (min defaults to 0); async with a callback. */
function randomInt(min, max, callback) {
  const minNotSpecified = typeof max === 'undefined' || typeof max === 'function'
  if (minNotSpecified) { callback = max; max = min; min = 0 }
  const isSync = typeof callback === 'undefined'
  if (!isSync) checkCallback(callback)
  if (!Number.isSafeInteger(min)) throw invalidArgType('min', 'a safe integer', min)
  if (!Number.isSafeInteger(max)) throw invalidArgType('max', 'a safe integer', max)
  if (max <= min) throw outOfRange('max', `greater than the value of "min" (${min})`, max)
  const range = max - min
  if (!(range <= RAND_MAX)) throw outOfRange(`max${minNotSpecified ? '' : ' - min'}`, `<= ${RAND_MAX}`, range)
  const limit = RAND_MAX - (RAND_MAX % range)
  const six = new Uint8Array(6)
  let x
  do {
    binding().randomFill(six)
    x = six[0] * 2 ** 40 + six[1] * 2 ** 32 + six[2] * 2 ** 24 + six[3] * 2 ** 16 + six[4] * 2 ** 8 + six[5]
  } while (x >= limit)
  const n = min + (x % range)
  if (isSync) return n
  later(() => callback(null, n))
}

/** A random RFC 4122 version 4 UUID (Web Crypto's, entropy drawn 128 UUIDs at a time). */
function randomUUID(options) {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options)
  return webcrypto().crypto.randomUUID()
}

/** Web Crypto's getRandomValues on node:crypto. */
function getRandomValues(typedArray) { return webcrypto().crypto.getRandomValues(typedArray) }

/** Constant-time comparison of two equally long byte sequences. */
function timingSafeEqual(buf1, buf2) {
  const bytes = (v, name) => {
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v)
    if (isView(v)) return viewBytes(v)
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.`)
  }
  const a = bytes(buf1, 'buf1')
  const b = bytes(buf2, 'buf2')
  if (a.length !== b.length) throw codeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length')
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

// --- PBKDF2 ----------------------------------------------------------------------

function pbkdf2Args(password, salt, iterations, keylen, digest) {
  const bytes = (v, name) => {
    if (typeof v === 'string') return native.utf8Encode(v)
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v)
    if (isView(v)) return viewBytes(v)
    throw invalidArgType(name, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', v)
  }
  const pw = bytes(password, 'password')
  const s = bytes(salt, 'salt')
  if (typeof iterations !== 'number') throw invalidArgType('iterations', 'of type number', iterations)
  if (!Number.isInteger(iterations)) throw outOfRange('iterations', 'an integer', iterations)
  if (iterations < 1 || iterations > MAX_SIZE) throw outOfRange('iterations', `>= 1 && <= ${MAX_SIZE}`, iterations)
  if (typeof keylen !== 'number') throw invalidArgType('keylen', 'of type number', keylen)
  if (!Number.isInteger(keylen)) throw outOfRange('keylen', 'an integer', keylen)
  if (keylen < 0 || keylen > MAX_SIZE) throw outOfRange('keylen', `>= 0 && <= ${MAX_SIZE}`, keylen)
  validateString(digest, 'digest')
  return [pw, s, iterations, keylen, digest]
}

/** PBKDF2-HMAC of `password` and `salt`: a Buffer of `keylen` bytes. */
function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return asBuffer(binding().pbkdf2(...pbkdf2Args(password, salt, iterations, keylen, digest)))
}

/** pbkdf2Sync, then `callback(err, derivedKey)` later. */
function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  if (typeof digest === 'function') { callback = digest; digest = undefined }
  const args = pbkdf2Args(password, salt, iterations, keylen, digest)
  checkCallback(callback)
  // (the binding's errors are about the arguments: thrown here, as Node does)
  const out = asBuffer(binding().pbkdf2(...args))
  later(() => callback(null, out))
}

// --- HKDF and scrypt (lib/kdf.js, loaded on first use) --------------------------------

let kdfCache
const kdf = () => kdfCache || (kdfCache = require('../lib/kdf.js'))
// The bytes of a secret KeyObject, undefined for anything else.
const secretBytes = (v) => (v instanceof KeyObject ? keyBytes(v) : undefined)

function derive(args) {
  const out = kdf().hkdf(binding(), ...args)
  return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer
}

/** HKDF (RFC 5869): an ArrayBuffer of `keylen` bytes. */
function hkdfSync(digest, ikm, salt, info, keylen) {
  return derive(kdf().hkdfArgs(binding(), secretBytes, digest, ikm, salt, info, keylen))
}

/** hkdfSync, then `callback(err, derivedKey)` later. */
function hkdf(digest, ikm, salt, info, keylen, callback) {
  const args = kdf().hkdfArgs(binding(), secretBytes, digest, ikm, salt, info, keylen)
  checkCallback(callback)
  const out = derive(args)
  later(() => callback(null, out))
}

/** scrypt (RFC 7914) with Node's options (N/cost, r/blockSize, p/parallelization, maxmem): a Buffer. */
function scryptSync(password, salt, keylen, options) {
  return asBuffer(kdf().scrypt(binding(), ...kdf().scryptArgs(password, salt, keylen, options)))
}

/** scryptSync, then `callback(err, derivedKey)` later. */
function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === 'function') { callback = options; options = undefined }
  const args = kdf().scryptArgs(password, salt, keylen, options)
  checkCallback(callback)
  const out = asBuffer(kdf().scrypt(binding(), ...args))
  later(() => callback(null, out))
}

// --- KeyObject ---------------------------------------------------------------------

const keyState = new WeakMap()
const kKeyType = Symbol('key type')

/** Node's KeyObject; inside a thread only secret keys (createSecretKey) exist. */
class KeyObject {
  constructor(type, handle) {
    if (type !== 'secret' && type !== 'public' && type !== 'private') throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'type' is invalid. Received '${type}'`)
    if (handle === null || typeof handle !== 'object' || !(handle.bytes instanceof Uint8Array)) throw invalidArgType('handle', 'of type object', handle)
    this[kKeyType] = type
    keyState.set(this, handle.bytes)
  }
  get type() { return this[kKeyType] }

  /** A KeyObject from a CryptoKey: needs Web Crypto keys, which threads lack. */
  static from() { throw notAvailable('crypto.KeyObject.from()', 'Web Crypto keys do not exist inside threads') }

  /** Whether `otherKeyObject` holds the same key. */
  equals(otherKeyObject) {
    if (!(otherKeyObject instanceof KeyObject)) throw invalidArgType('otherKeyObject', 'an instance of KeyObject', otherKeyObject)
    if (otherKeyObject.type !== this.type) return false
    const a = keyState.get(this), b = keyState.get(otherKeyObject)
    return a.length === b.length && timingSafeEqual(a, b)
  }
}
Object.defineProperty(KeyObject.prototype, Symbol.toStringTag, { value: 'KeyObject', configurable: true })

class SecretKeyObject extends KeyObject {
  constructor(bytes) { super('secret', { bytes }) }
  get symmetricKeySize() { return keyState.get(this).length }
  get asymmetricKeyType() { return undefined }

  /** The key bytes as a Buffer, or `{ format: 'jwk' }` → `{ kty: 'oct', k }`. */
  export(options) {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgType('options', 'of type object', options)
    const bytes = keyState.get(this)
    if (options && options.format === 'jwk') return { kty: 'oct', k: Buffer.from(bytes).toString('base64url') }
    if (options && options.format !== undefined && options.format !== 'buffer') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.format' must be one of: undefined, 'buffer', 'jwk'. Received '${options.format}'`)
    }
    return Buffer.from(bytes)
  }
}

/** A secret KeyObject holding a copy of `key` (string in `encoding`, or bytes). */
function createSecretKey(key, encoding) {
  let bytes
  if (typeof key === 'string') bytes = viewBytes(Buffer.from(key, encoding))
  else if (key instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && key instanceof SharedArrayBuffer)) bytes = new Uint8Array(key)
  else if (isView(key)) bytes = viewBytes(key)
  else throw invalidArgType('key', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', key)
  return new SecretKeyObject(new Uint8Array(bytes))
}

// --- what needs OpenSSL ---------------------------------------------------------------

const UNAVAILABLE = [
  'checkPrime', 'checkPrimeSync', 'createCipher', 'createCipheriv', 'createDecipher', 'createDecipheriv',
  'createDiffieHellman', 'createDiffieHellmanGroup',
  'createECDH', 'createPrivateKey', 'createPublicKey', 'createSign', 'createVerify', 'diffieHellman', 'generatePrime',
  'generatePrimeSync', 'getCipherInfo', 'getDiffieHellman', 'generateKeyPair', 'generateKeyPairSync',
  'generateKey', 'generateKeySync', 'privateDecrypt', 'privateEncrypt', 'publicDecrypt', 'publicEncrypt', 'sign', 'setEngine', 'verify', 'setFips', 'secureHeapUsed',
  'Certificate', 'Cipher', 'Cipheriv', 'Decipher', 'Decipheriv', 'DiffieHellman', 'DiffieHellmanGroup', 'ECDH', 'Sign',
  'Verify', 'X509Certificate',
]
const WHY = 'threads offer hashes, HMAC, PBKDF2, HKDF, scrypt and randomness; run it on the host (API.md §4)'
function unavailable(name) {
  const f = {
    [name]: function () { throw notAvailable(`crypto.${name}()`, WHY) },
  }[name]
  return f
}

let webCache
const webcrypto = () => webCache || (webCache = require('../web/crypto.js'))

const constants = {
  OPENSSL_VERSION_NUMBER: 805306672, SSL_OP_ALL: 2147485776, SSL_OP_ALLOW_NO_DHE_KEX: 1024,
  SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION: 262144, SSL_OP_CIPHER_SERVER_PREFERENCE: 4194304,
  SSL_OP_CISCO_ANYCONNECT: 32768, SSL_OP_COOKIE_EXCHANGE: 8192, SSL_OP_CRYPTOPRO_TLSEXT_BUG: 2147483648,
  SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: 2048, SSL_OP_LEGACY_SERVER_CONNECT: 4, SSL_OP_NO_COMPRESSION: 131072,
  SSL_OP_NO_ENCRYPT_THEN_MAC: 524288, SSL_OP_NO_QUERY_MTU: 4096, SSL_OP_NO_RENEGOTIATION: 1073741824,
  SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: 65536, SSL_OP_NO_SSLv2: 0, SSL_OP_NO_SSLv3: 33554432,
  SSL_OP_NO_TICKET: 16384, SSL_OP_NO_TLSv1: 67108864, SSL_OP_NO_TLSv1_1: 268435456, SSL_OP_NO_TLSv1_2: 134217728,
  SSL_OP_NO_TLSv1_3: 536870912, SSL_OP_PRIORITIZE_CHACHA: 2097152, SSL_OP_TLS_ROLLBACK_BUG: 8388608,
  ENGINE_METHOD_RSA: 1, ENGINE_METHOD_DSA: 2, ENGINE_METHOD_DH: 4, ENGINE_METHOD_RAND: 8, ENGINE_METHOD_EC: 2048,
  ENGINE_METHOD_CIPHERS: 64, ENGINE_METHOD_DIGESTS: 128, ENGINE_METHOD_PKEY_METHS: 512,
  ENGINE_METHOD_PKEY_ASN1_METHS: 1024, ENGINE_METHOD_ALL: 65535, ENGINE_METHOD_NONE: 0,
  DH_CHECK_P_NOT_SAFE_PRIME: 2, DH_CHECK_P_NOT_PRIME: 1, DH_UNABLE_TO_CHECK_GENERATOR: 4, DH_NOT_SUITABLE_GENERATOR: 8,
  RSA_PKCS1_PADDING: 1, RSA_NO_PADDING: 3, RSA_PKCS1_OAEP_PADDING: 4, RSA_X931_PADDING: 5, RSA_PKCS1_PSS_PADDING: 6,
  RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2,
  TLS1_VERSION: 769, TLS1_1_VERSION: 770, TLS1_2_VERSION: 771, TLS1_3_VERSION: 772,
  POINT_CONVERSION_COMPRESSED: 2, POINT_CONVERSION_UNCOMPRESSED: 4, POINT_CONVERSION_HYBRID: 6,
}

module.exports = {
  createHash,
  createHmac,
  createSecretKey,
  getHashes,
  getCiphers,
  getCurves,
  getFips,
  hash,
  pbkdf2,
  pbkdf2Sync,
  hkdf,
  hkdfSync,
  scrypt,
  scryptSync,
  randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID,
  getRandomValues,
  timingSafeEqual,
  Hash,
  Hmac,
  KeyObject,
  constants,
  // Node's old aliases
  prng: randomBytes,
  pseudoRandomBytes: randomBytes,
  rng: randomBytes,
}
for (const name of UNAVAILABLE) module.exports[name] = unavailable(name)
// Node's deprecated crypto.fips accessor (FIPS is never on here).
Object.defineProperty(module.exports, 'fips', { enumerable: false, configurable: false, get: getFips, set: module.exports.setFips })
for (const [name, get] of /** @type {[string, () => any][]} */ ([['webcrypto', () => webcrypto().crypto], ['subtle', () => webcrypto().crypto.subtle]])) {
  Object.defineProperty(module.exports, name, { enumerable: true, configurable: true, get })
}
