'use strict'
// atob / btoa as in the HTML standard (and Node): forgiving base64 decode,
// latin1-only encode, DOMException 'InvalidCharacterError' on bad input.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
let decodeTable

function invalid(message) {
  const DOMException = globalThis.DOMException
  if (typeof DOMException === 'function') return new DOMException(message, 'InvalidCharacterError')
  const e = new Error(message)
  e.name = 'InvalidCharacterError'
  return e
}

function missing(name) {
  const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "data" argument must be specified`))
  e.code = 'ERR_MISSING_ARGS'
  return e
}

/** Base64 of a string whose characters are all below U+0100. */
function btoa(data) {
  if (arguments.length === 0) throw missing('btoa')
  const s = `${data}`
  let out = ''
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2)
    if (a > 0xff || b > 0xff || c > 0xff) throw invalid('Invalid character')
    const n = (a << 16) | ((b || 0) << 8) | (c || 0)
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] +
      (i + 1 < s.length ? ALPHABET[(n >> 6) & 63] : '=') + (i + 2 < s.length ? ALPHABET[n & 63] : '=')
  }
  return out
}

/** The latin1 string that base64 `data` encodes (ASCII whitespace ignored). */
function atob(data) {
  if (arguments.length === 0) throw missing('atob')
  if (decodeTable === undefined) {
    decodeTable = new Int8Array(128).fill(-1)
    for (let i = 0; i < 64; i++) decodeTable[ALPHABET.charCodeAt(i)] = i
  }
  let s = `${data}`.replace(/[\t\n\f\r ]/g, '')
  if (s.length % 4 === 0) s = s.replace(/==?$/, '')
  if (s.length % 4 === 1) throw invalid('The string to be decoded is not correctly encoded.')
  let out = ''
  let bits = 0, acc = 0
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    const v = code < 128 ? decodeTable[code] : -1
    if (v < 0) throw invalid('The string to be decoded is not correctly encoded.')
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out += String.fromCharCode((acc >> bits) & 0xff)
    }
  }
  return out
}

module.exports = { atob, btoa }
