'use strict'
// HKDF (RFC 5869) and scrypt (RFC 7914) for node:crypto inside a thread,
// built on the binding's HMAC and PBKDF2; loaded on first use of
// hkdf/scrypt. The scrypt core (salsa20/8, BlockMix, ROMix) is plain JS.

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

module.exports = { hkdf, scrypt }
