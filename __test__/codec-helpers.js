'use strict'
// Byte-level helpers shared by the host codec specs (codec.spec.js,
// codec-shapes.spec.js): encode with a copy of the bytes, round trip, and
// the wire format's little pieces (docs/wire-format.md).
const assert = require('node:assert/strict')
const { encode, decode } = require('../lib/codec')

/** `encode` with its bytes copied (they may be a view of the encoder's reusable buffer). */
const enc = (v, root, transfer) => {
  const { bytes, shared, transferred } = encode(v, root, transfer)
  return { bytes: Uint8Array.from(bytes), shared, transferred }
}
/** Encode then decode `v` as a `value` root. */
const rt = (v, transfer) => { const e = enc(v, 'value', transfer); return decode(e.bytes, e.shared, e.transferred) }
/** The encoded bytes of `v` as an array. */
const bytesOf = (v) => [...enc(v).bytes]
/** Little-endian u32 bytes. */
const u32 = (n) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]
/** Little-endian u64 bytes. */
const u64 = (n) => [...u32(n >>> 0), ...u32(Math.floor(n / 2 ** 32))]
/** A STRING_LATIN1 value. */
const latin1 = (s) => [7, ...u32(s.length), ...[...s].map((c) => c.charCodeAt(0))]
/** Little-endian f64 bytes. */
const f64 = (x) => { const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, x, true); return [...new Uint8Array(d.buffer)] }
/** An assert.throws matcher for an ERR_CLONE TypeError whose message matches `re`. */
const cloneErr = (re) => (err) => {
  assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`)
  assert.equal(err.code, 'ERR_CLONE')
  if (re) assert.match(err.message, re)
  return true
}
/** Decoding `arr` fails with an ERR_CLONE matching `re`. */
const badBytes = (arr, re) => assert.throws(() => decode(Uint8Array.from(arr)), cloneErr(re))

module.exports = { enc, rt, bytesOf, u32, u64, latin1, f64, cloneErr, badBytes }
