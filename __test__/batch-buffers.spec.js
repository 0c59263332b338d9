'use strict'
// Calls queued together share one buffer of arguments, and results sent
// together share one buffer of values (src/runtime/payload.rs `Bytes`,
// src/runtime/batch.rs): each call still reads its own arguments and gets
// its own value, whatever their sizes, kinds and alignment in the buffer,
// mixed with values that do not share (large ones, shared memory, errors).
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')

/** Argument i: odd lengths (so values start at every offset), one- and two-byte strings. */
const arg = (i) => (i % 3 === 0 ? 'é'.repeat(i % 11) + 'ж'.repeat(i % 5) : i % 3 === 1 ? { i, s: 'a'.repeat(i % 13) } : i)

test('many calls in flight with mixed arguments and results each get their own', async () => {
  const pool = new ThreadPool(() => (i, x) => {
    switch (i % 6) {
      case 0: return x
      case 1: return 'r'.repeat(3000 + (i % 7)) + i // packed (under 4 KB)
      case 2: return 'R'.repeat(5000) + i // too large to pack
      case 3: throw new Error(`e${i}`)
      case 4: { const sab = new SharedArrayBuffer(4); new Int32Array(sab)[0] = i; return sab }
      default: return [i, x, 'ы'.repeat(i % 9)]
    }
  }, 2)
  for (let round = 0; round < 3; round++) {
    const n = 1200
    const got = await Promise.all(Array.from({ length: n }, (_, i) => pool.run(i, arg(i)).catch((e) => e)))
    got.forEach((v, i) => {
      switch (i % 6) {
        case 0: return assert.deepEqual(v, arg(i))
        case 1: return assert.equal(v, 'r'.repeat(3000 + (i % 7)) + i)
        case 2: return assert.equal(v, 'R'.repeat(5000) + i)
        case 3: return assert.equal(v.message, `e${i}`)
        case 4: return assert.equal(new Int32Array(v)[0], i)
        default: return assert.deepEqual(v, [i, arg(i), 'ы'.repeat(i % 9)])
      }
    })
  }
  await pool.close()
})
