// Demo: count primes below 6,000,000 on one thread, then split over as many
// threads as the machine has cores, and print the speed-up.
'use strict'
const os = require('node:os')
const { Thread } = require('..')

const LIMIT = 6_000_000
const cores = os.availableParallelism()

// The context runs once inside each thread and returns the function to run.
const context = () => {
  const isPrime = (n) => {
    if (n < 2) return false
    if (n % 2 === 0) return n === 2
    for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false
    return true
  }
  return (from, to) => {
    let count = 0
    for (let n = from; n < to; n++) if (isPrime(n)) count++
    return { count, threadId }
  }
}

async function timed(threads, chunks) {
  const start = performance.now()
  const parts = await Promise.all(chunks.map(([a, b], i) => threads[i % threads.length].run(a, b)))
  return { ms: performance.now() - start, count: parts.reduce((s, p) => s + p.count, 0), ids: new Set(parts.map((p) => p.threadId)) }
}

async function main() {
  const t0 = performance.now()
  const threads = Array.from({ length: cores }, () => new Thread(context, { memoryLimit: 32 }))
  await Promise.all(threads.map((t) => t.run(0, 10)))
  const startMs = (performance.now() - t0) / cores
  console.log(`started ${cores} threads (isolates on OS threads), ~${startMs.toFixed(2)} ms each to the first result`)

  // Interleaved chunks so every thread gets a similar mix of small and large numbers.
  const n = cores * 16
  const step = Math.ceil(LIMIT / n)
  const chunks = Array.from({ length: n }, (_, i) => [i * step, Math.min(LIMIT, (i + 1) * step)])

  const one = await timed([threads[0]], chunks)
  console.log(`1 thread : ${one.count} primes below ${LIMIT} in ${one.ms.toFixed(0)} ms`)
  const all = await timed(threads, chunks)
  console.log(`${cores} threads: ${all.count} primes below ${LIMIT} in ${all.ms.toFixed(0)} ms on ${all.ids.size} threads`)
  if (one.count !== all.count) throw new Error('results differ')
  console.log(`speed-up: ${(one.ms / all.ms).toFixed(2)}x on ${cores} cores`)
  await Promise.all(threads.map((t) => t.close()))
}

main().catch((err) => { console.error(err); process.exit(1) })
