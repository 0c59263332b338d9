// Hash files on a pool of threads. Threads have no file system: each reads
// its file through a host function, `parent.host.readFile(path)`, which the
// host runs on its own event loop. The host answers with a
// SharedArrayBuffer, so the file's bytes reach the thread without a copy.
'use strict'
const fs = require('node:fs/promises')
const path = require('node:path')
const { createHash } = require('node:crypto')
const { ThreadPool } = require('..')

const pool = new ThreadPool(() => {
  // SHA-256 in plain JS (FIPS 180-4), so this runs in any thread.
  const K = Uint32Array.from([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ])
  const rotr = (x, n) => (x >>> n) | (x << (32 - n))
  function sha256(bytes) {
    const padded = new Uint8Array(((bytes.length + 72) >> 6) << 6)
    padded.set(bytes)
    padded[bytes.length] = 0x80
    const view = new DataView(padded.buffer)
    view.setUint32(padded.length - 8, Math.floor(bytes.length / 0x20000000))
    view.setUint32(padded.length - 4, bytes.length * 8)
    const h = Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
    const w = new Uint32Array(64)
    for (let at = 0; at < padded.length; at += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(at + i * 4)
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3)
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10)
        w[i] = w[i - 16] + s0 + w[i - 7] + s1
      }
      let [a, b, c, d, e, f, g, k] = h
      for (let i = 0; i < 64; i++) {
        const t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]
        const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k
    }
    return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('')
  }

  return async (file) => {
    const bytes = new Uint8Array(await parent.host.readFile(file)) // the host's memory, not a copy
    return { file, sha256: sha256(bytes), size: bytes.length, threadId }
  }
}, 2, {
  host: {
    // Runs on the host: read the whole file into shared memory.
    async readFile(file) {
      const fh = await fs.open(file)
      try {
        const { size } = await fh.stat()
        const sab = new SharedArrayBuffer(size)
        await fh.read(new Uint8Array(sab), 0, size, 0)
        return sab
      } finally {
        await fh.close()
      }
    },
  },
})

async function main() {
  const dir = path.join(__dirname, '..', 'lib')
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f))
  const results = await Promise.all(files.map((f) => pool.run(f)))
  for (const r of results) {
    const expected = createHash('sha256').update(await fs.readFile(r.file)).digest('hex')
    if (r.sha256 !== expected) throw new Error(`${r.file}: ${r.sha256} !== ${expected}`)
    console.log(`${r.sha256.slice(0, 16)}…  ${String(r.size).padStart(6)} B  thread ${r.threadId}  ${path.basename(r.file)}`)
  }
  console.log(`${results.length} files hashed on ${new Set(results.map((r) => r.threadId)).size} threads; every digest matches node:crypto`)
  await pool.close()
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
