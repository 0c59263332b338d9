'use strict'
// HKDF (RFC 5869) and scrypt (RFC 7914) for node:crypto inside a thread,
// built on the binding's HMAC and PBKDF2, with Node's argument checks;
// loaded on first use of hkdf/scrypt. The scrypt core (salsa20/8, BlockMix,
// ROMix) is plain JS.
const { codeError, invalidArgType, outOfRange } = require('./io-errors.js')
const { native } = require('isothread:internal')

const isView = ArrayBuffer.isView
const viewBytes = (v) => (v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
const MAX_SIZE = 2147483647
const K_MAX_LENGTH = 2 ** 32


/** HKDF-Expand(HKDF-Extract(salt, ikm), info, keylen) with the binding's HMAC `digest`. */
function hkdf(binding, digest, ikm, salt, info, keylen) {
  const hmac = (key, ...parts) => {
    const id = binding.hmacNew(digest, key)
    for (const p of parts) binding.update(id, p)
    return binding.digest(id)
  }
  const prk = hmac(salt, ikm)
  const out = new Uint8Array(keylen)
  let t = new Uint8Array(0)
  for (let i = 1, done = 0; done < keylen; i++) {
    t = hmac(prk, t, info, new Uint8Array([i]))
    out.set(t.subarray(0, Math.min(t.length, keylen - done)), done)
    done += t.length
  }
  return out
}

function salsa20_8(b) {
  let x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7]
  let x8 = b[8], x9 = b[9], x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15]
  let u
  for (let i = 0; i < 8; i += 2) {
    u = x0 + x12; x4 ^= (u << 7) | (u >>> 25); u = x4 + x0; x8 ^= (u << 9) | (u >>> 23)
    u = x8 + x4; x12 ^= (u << 13) | (u >>> 19); u = x12 + x8; x0 ^= (u << 18) | (u >>> 14)
    u = x5 + x1; x9 ^= (u << 7) | (u >>> 25); u = x9 + x5; x13 ^= (u << 9) | (u >>> 23)
    u = x13 + x9; x1 ^= (u << 13) | (u >>> 19); u = x1 + x13; x5 ^= (u << 18) | (u >>> 14)
    u = x10 + x6; x14 ^= (u << 7) | (u >>> 25); u = x14 + x10; x2 ^= (u << 9) | (u >>> 23)
    u = x2 + x14; x6 ^= (u << 13) | (u >>> 19); u = x6 + x2; x10 ^= (u << 18) | (u >>> 14)
    u = x15 + x11; x3 ^= (u << 7) | (u >>> 25); u = x3 + x15; x7 ^= (u << 9) | (u >>> 23)
    u = x7 + x3; x11 ^= (u << 13) | (u >>> 19); u = x11 + x7; x15 ^= (u << 18) | (u >>> 14)
    u = x0 + x3; x1 ^= (u << 7) | (u >>> 25); u = x1 + x0; x2 ^= (u << 9) | (u >>> 23)
    u = x2 + x1; x3 ^= (u << 13) | (u >>> 19); u = x3 + x2; x0 ^= (u << 18) | (u >>> 14)
    u = x5 + x4; x6 ^= (u << 7) | (u >>> 25); u = x6 + x5; x7 ^= (u << 9) | (u >>> 23)
    u = x7 + x6; x4 ^= (u << 13) | (u >>> 19); u = x4 + x7; x5 ^= (u << 18) | (u >>> 14)
    u = x10 + x9; x11 ^= (u << 7) | (u >>> 25); u = x11 + x10; x8 ^= (u << 9) | (u >>> 23)
    u = x8 + x11; x9 ^= (u << 13) | (u >>> 19); u = x9 + x8; x10 ^= (u << 18) | (u >>> 14)
    u = x15 + x14; x12 ^= (u << 7) | (u >>> 25); u = x12 + x15; x13 ^= (u << 9) | (u >>> 23)
    u = x13 + x12; x14 ^= (u << 13) | (u >>> 19); u = x14 + x13; x15 ^= (u << 18) | (u >>> 14)
  }
  b[0] += x0; b[1] += x1; b[2] += x2; b[3] += x3; b[4] += x4; b[5] += x5; b[6] += x6; b[7] += x7
  b[8] += x8; b[9] += x9; b[10] += x10; b[11] += x11; b[12] += x12; b[13] += x13; b[14] += x14; b[15] += x15
}

// BlockMix of the 2r 64-byte blocks of `b` (words), using `x` (16 words) and `y` (32r words).
function blockMix(b, x, y, r) {
  x.set(b.subarray((2 * r - 1) * 16, 2 * r * 16))
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) x[k] ^= b[i * 16 + k]
    salsa20_8(x)
    // even blocks to the first half, odd ones to the second
    y.set(x, ((i & 1) * r + (i >> 1)) * 16)
  }
  b.set(y)
}

function roMix(b, n, r) {
  const words = 32 * r
  const v = new Uint32Array(words * n)
  const x = new Uint32Array(16)
  const y = new Uint32Array(words)
  for (let i = 0; i < n; i++) {
    v.set(b, i * words)
    blockMix(b, x, y, r)
  }
  for (let i = 0; i < n; i++) {
    const j = b[(2 * r - 1) * 16] & (n - 1)
    for (let k = 0; k < words; k++) b[k] ^= v[j * words + k]
    blockMix(b, x, y, r)
  }
}

/** scrypt(password, salt, N, r, p) → `keylen` bytes, with the binding's PBKDF2-HMAC-SHA256. */
function scrypt(binding, password, salt, keylen, n, r, p) {
  const bytes = binding.pbkdf2(password, salt, 1, p * 128 * r, 'sha256')
  const words = new Uint32Array(32 * r)
  for (let i = 0; i < p; i++) {
    const off = i * 128 * r
    for (let k = 0; k < words.length; k++) {
      const o = off + 4 * k
      words[k] = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)
    }
    roMix(words, n, r)
    for (let k = 0; k < words.length; k++) {
      const o = off + 4 * k
      const w = words[k]
      bytes[o] = w & 255; bytes[o + 1] = (w >>> 8) & 255; bytes[o + 2] = (w >>> 16) & 255; bytes[o + 3] = w >>> 24
    }
  }
  return binding.pbkdf2(password, bytes, 1, keylen, 'sha256')
}

// A string (UTF-8) or any binary input as bytes.
function byteSource(v, name) {
  if (typeof v === 'string') return native.utf8Encode(v)
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v)
  if (isView(v)) return viewBytes(v)
  throw invalidArgType(name, 'of type string or an instance of ArrayBuffer, TypedArray, DataView, or Buffer', v)
}

/** Node's checks of hkdf's arguments: [digest, key, salt, info, keylen] as bytes. */
function hkdfArgs(binding, secretBytes, digest, ikm, salt, info, keylen) {
  if (typeof digest !== 'string') throw invalidArgType('digest', 'of type string', digest)
  let key = secretBytes(ikm) // a secret KeyObject's bytes, else undefined
  if (key === undefined) {
    if (typeof ikm !== 'string' && !isView(ikm) && !(ikm instanceof ArrayBuffer)) {
      throw invalidArgType('ikm', 'of type string or an instance of SecretKeyObject, ArrayBuffer, TypedArray, DataView, or Buffer', ikm)
    }
    key = byteSource(ikm, 'ikm')
  }
  salt = byteSource(salt, 'salt')
  info = byteSource(info, 'info')
  if (typeof keylen !== 'number') throw invalidArgType('length', 'of type number', keylen)
  if (!Number.isInteger(keylen)) throw outOfRange('length', 'an integer', keylen)
  if (keylen < 0 || keylen > K_MAX_LENGTH) throw outOfRange('length', `>= 0 && <= ${K_MAX_LENGTH}`, keylen)
  if (info.byteLength > 1024) throw outOfRange('info', 'must not contain more than 1024 bytes', info.byteLength)
  let size
  try {
    size = binding.hashOnce(digest, new Uint8Array(0)).length
  } catch {
    throw codeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${digest}`)
  }
  if (keylen > 255 * size) throw codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length')
  return [digest, key, salt, info, keylen]
}

const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, maxmem: 32 << 20 }
const invalidScrypt = (detail = '') => codeError(RangeError, 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', `Invalid scrypt params${detail}`)

/** Node's checks of scrypt's arguments and options (and OpenSSL's of N, r, p, maxmem): [password, salt, keylen, N, r, p]. */
function scryptArgs(password, salt, keylen, options) {
  const bytes = (v, name) => {
    if (typeof v === 'string') return native.utf8Encode(v)
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v)
    if (isView(v)) return viewBytes(v)
    throw invalidArgType(name, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', v)
  }
  password = bytes(password, 'password')
  salt = bytes(salt, 'salt')
  if (typeof keylen !== 'number') throw invalidArgType('keylen', 'of type number', keylen)
  if (!Number.isInteger(keylen)) throw outOfRange('keylen', 'an integer', keylen)
  if (keylen < 0 || keylen > MAX_SIZE) throw outOfRange('keylen', `>= 0 && <= ${MAX_SIZE}`, keylen)
  let { N, r, p, maxmem } = SCRYPT_DEFAULTS
  const uint32 = (v, name) => {
    if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v)
    if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v)
    if (v < 0 || v > 4294967295) throw outOfRange(name, '>= 0 && <= 4294967295', v)
    return v
  }
  if (options) {
    const pairs = [['N', 'cost'], ['r', 'blockSize'], ['p', 'parallelization']]
    const got = {}
    for (const [short, long] of pairs) {
      if (options[short] !== undefined) got[short] = uint32(options[short], short)
      if (options[long] !== undefined) {
        if (got[short] !== undefined) throw codeError(Error, 'ERR_CRYPTO_SCRYPT_INVALID_PARAMETER', 'Invalid scrypt parameter')
        got[short] = uint32(options[long], long)
      }
    }
    if (got.N !== undefined) N = got.N
    if (got.r !== undefined) r = got.r
    if (got.p !== undefined) p = got.p
    if (options.maxmem !== undefined) {
      maxmem = options.maxmem
      if (typeof maxmem !== 'number') throw invalidArgType('maxmem', 'of type number', maxmem)
      if (!Number.isSafeInteger(maxmem) || maxmem < 0) throw outOfRange('maxmem', `>= 0 && <= ${Number.MAX_SAFE_INTEGER}`, maxmem)
    }
    if (N === 0) N = SCRYPT_DEFAULTS.N
    if (r === 0) r = SCRYPT_DEFAULTS.r
    if (p === 0) p = SCRYPT_DEFAULTS.p
    if (maxmem === 0) maxmem = SCRYPT_DEFAULTS.maxmem
  }
  // OpenSSL's checks: N a power of two above 1, N < 2^(16r), r·p < 2^30, memory within maxmem.
  if (N < 2 || (N & (N - 1)) !== 0 || (16 * r <= 53 && N >= 2 ** (16 * r)) || r * p >= 2 ** 30) throw invalidScrypt()
  if (128 * r * (N + 2) + 128 * r * p > maxmem) {
    throw invalidScrypt(': error:030000AC:digital envelope routines::memory limit exceeded')
  }
  return [password, salt, keylen, N, r, p]
}

module.exports = { hkdf, hkdfArgs, scrypt, scryptArgs }
