'use strict'
// The web `crypto` global inside a thread (RUNTIME.md §1): getRandomValues,
// randomUUID and subtle.digest (SHA-1/256/384/512) on the Rust binding; the
// other SubtleCrypto methods reject with NotSupportedError.
const { codeError } = require('../lib/io-errors.js')
const { native } = require('isothread:internal')

let bindingCache
const binding = () => bindingCache || (bindingCache = native.binding('crypto'))
const kCreate = Symbol('create')
const illegal = () => codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor')
// (events.js only when an error needs a DOMException)
const domError = (message, name) => new (require('./events.js').DOMException)(message, name)

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array]
const isIntegerArray = (v) => INTEGER_ARRAYS.some((C) => v instanceof C)
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

const UUID_BATCH = 128
const uuidPool = new Uint8Array(UUID_BATCH * 16)
let uuidOffset = UUID_BATCH * 16

const DIGESTS = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }

/** A CryptoKey: threads make none (importKey and generateKey are not available). */
class CryptoKey {
  constructor() { throw illegal() }
}
// (its accessors exist, as in Node; with no keys to read they only refuse)
for (const name of ['type', 'extractable', 'algorithm', 'usages']) {
  Object.defineProperty(CryptoKey.prototype, name, {
    configurable: true,
    enumerable: true,
    get() { throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type CryptoKey') },
  })
}

/** Web Crypto's SubtleCrypto: digest(); the rest rejects with NotSupportedError. */
class SubtleCrypto {
  constructor(key) { if (key !== kCreate) throw illegal() }

  /** Resolves with the SHA-1/256/384/512 digest of `data` as an ArrayBuffer. */
  digest(algorithm, data) {
    return new Promise((resolve) => {
      if (arguments.length < 2) {
        throw codeError(TypeError, 'ERR_MISSING_ARGS', `Failed to execute 'digest' on 'SubtleCrypto': 2 arguments required, but only ${arguments.length} present.`)
      }
      let bytes
      if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) bytes = new Uint8Array(data)
      else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      else {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', "Failed to execute 'digest' on 'SubtleCrypto': 2nd argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.")
      }
      const name = typeof algorithm === 'string' ? algorithm : algorithm !== null && typeof algorithm === 'object' ? algorithm.name : undefined
      const key = typeof name === 'string' ? Object.keys(DIGESTS).find((k) => k.toLowerCase() === name.toLowerCase()) : undefined
      if (key === undefined) throw domError('Unrecognized algorithm name', 'NotSupportedError')
      const out = binding().hashOnce(DIGESTS[key], bytes)
      resolve(out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer)
    })
  }
}
for (const name of ['encrypt', 'decrypt', 'sign', 'verify', 'generateKey', 'deriveKey', 'deriveBits', 'importKey', 'exportKey', 'wrapKey', 'unwrapKey']) {
  Object.defineProperty(SubtleCrypto.prototype, name, {
    writable: true,
    configurable: true,
    enumerable: true,
    value: {
      [name]() {
        return Promise.reject(domError(`SubtleCrypto.${name}() is not available inside a thread: only digest() is`, 'NotSupportedError'))
      },
    }[name],
  })
}
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true })

const subtle = new SubtleCrypto(kCreate)

/** The Web Crypto object: `getRandomValues`, `randomUUID`, `subtle`. */
class Crypto {
  constructor(key) { if (key !== kCreate) throw illegal() }
  get subtle() { return subtle }

  /** Fills an integer TypedArray (at most 65536 bytes) with random values; returns it. */
  getRandomValues(typedArray) {
    if (!isIntegerArray(typedArray)) throw domError('The data argument must be an integer-type TypedArray', 'TypeMismatchError')
    if (typedArray.byteLength > 65536) throw domError('The requested length exceeds 65,536 bytes', 'QuotaExceededError')
    binding().randomFill(new Uint8Array(typedArray.buffer, typedArray.byteOffset, typedArray.byteLength))
    return typedArray
  }

  /** A random RFC 4122 version 4 UUID. */
  randomUUID() {
    // Entropy for 128 UUIDs at a time, as Node does.
    if (uuidOffset === UUID_BATCH * 16) {
      binding().randomFill(uuidPool)
      uuidOffset = 0
    }
    const b = uuidPool
    const o = uuidOffset
    uuidOffset += 16
    const h = (i) => HEX[b[o + i]]
    return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${HEX[(b[o + 6] & 0x0f) | 0x40]}${h(7)}-${HEX[(b[o + 8] & 0x3f) | 0x80]}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
  }
}

const crypto = new Crypto(kCreate)

module.exports = { crypto, Crypto, CryptoKey, SubtleCrypto }
