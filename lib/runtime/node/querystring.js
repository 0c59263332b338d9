'use strict'
// node:querystring inside a thread, following Node's lib/querystring.js
// (querystring-es3 throws on bad percent-encoding and lacks escape/unescape,
// so this is a small rewrite): parse gives a null-prototype object, bad
// %-sequences are kept as text, `+` is a space, maxKeys defaults to 1000.

/** Percent-encodes `str` as Node's querystring.escape (the encodeURIComponent set). */
function escape(str) {
  if (typeof str !== 'string') str = typeof str === 'object' ? String(str) : `${str}`
  try {
    return encodeURIComponent(str)
  } catch {
    const e = /** @type {URIError & { code?: string }} */ (new URIError('URI malformed'))
    e.code = 'ERR_INVALID_URI'
    throw e
  }
}

const hex = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1)

/** The bytes `s` percent-encodes, as a Buffer (`+` as a space when `decodeSpaces`); bad sequences are kept. */
function unescapeBuffer(s, decodeSpaces) {
  const { Buffer } = require('buffer')
  const src = Buffer.from(String(s))
  const out = Buffer.allocUnsafe(src.length)
  let n = 0
  for (let i = 0; i < src.length; i++) {
    const c = src[i]
    if (c === 43 && decodeSpaces) { out[n++] = 32; continue }
    if (c === 37 && i + 2 < src.length) {
      const hi = hex(src[i + 1]), lo = hex(src[i + 2])
      if (hi >= 0 && lo >= 0) { out[n++] = hi * 16 + lo; i += 2; continue }
    }
    out[n++] = c
  }
  return out.subarray(0, n)
}

/** Decodes percent-encoding in `s`; malformed input is decoded byte-wise instead of throwing. */
function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s)
  } catch {
    return unescapeBuffer(s, decodeSpaces).toString()
  }
}

function decodeStr(s, decoder) {
  try {
    return decoder(s)
  } catch {
    return exportsObj.unescape(s, true)
  }
}

/** Parses `qs` into a null-prototype object; repeated keys give arrays. */
function parse(qs, sep, eq, options) {
  const obj = { __proto__: null }
  if (typeof qs !== 'string' || qs.length === 0) return obj
  sep = sep ? String(sep) : '&'
  eq = eq ? String(eq) : '='
  let maxKeys = 1000
  if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys
  const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : exportsObj.unescape
  const custom = decode !== unescape
  const parts = maxKeys > 0 ? qs.split(sep, maxKeys) : qs.split(sep)
  for (const part of parts) {
    if (part.length === 0) continue
    const idx = part.indexOf(eq)
    let key = idx >= 0 ? part.slice(0, idx) : part
    let value = idx >= 0 ? part.slice(idx + eq.length) : ''
    if (key.includes('+')) key = key.replace(/\+/g, ' ')
    if (value.includes('+')) value = value.replace(/\+/g, ' ')
    if (custom || key.includes('%')) key = decodeStr(key, decode)
    if (custom || value.includes('%')) value = decodeStr(value, decode)
    if (key in obj) {
      const cur = obj[key]
      if (Array.isArray(cur)) cur.push(value)
      else obj[key] = [cur, value]
    } else {
      obj[key] = value
    }
  }
  return obj
}

function stringifyPrimitive(v) {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return `${v}`
  if (typeof v === 'bigint') return `${v}`
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  return ''
}

function encodeValue(v, encode) {
  if (encode !== escape) return encode(stringifyPrimitive(v))
  if (typeof v === 'string') return v.length ? encode(v) : ''
  if (typeof v === 'number' && Number.isFinite(v)) return Math.abs(v) < 1e21 ? `${v}` : encode(`${v}`)
  if (typeof v === 'bigint') return `${v}`
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  return ''
}

/** `key=value` pairs of the own enumerable keys of `obj` joined by `sep` (arrays repeat the key). */
function stringify(obj, sep, eq, options) {
  sep = sep || '&'
  eq = eq || '='
  const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : exportsObj.escape
  if (obj === null || typeof obj !== 'object') return ''
  let fields = ''
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    const ks = encodeValue(k, encode) + eq
    if (Array.isArray(v)) {
      if (v.length === 0) continue
      if (fields) fields += sep
      for (let j = 0; j < v.length; j++) {
        if (j) fields += sep
        fields += ks + encodeValue(v[j], encode)
      }
    } else {
      if (fields) fields += sep
      fields += ks + encodeValue(v, encode)
    }
  }
  return fields
}

const exportsObj = {
  unescapeBuffer,
  unescape,
  escape,
  stringify,
  encode: stringify,
  parse,
  decode: parse,
}
module.exports = exportsObj
