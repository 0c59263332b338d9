'use strict'
// Shared state benchmarks (issue: managers and shared state), against peers
// measured in the same run: buffer mod() from 8 threads vs Atomics.add on a
// SharedArrayBuffer across 8 Workers; an uncontended lock/unlock pair inside
// a thread; the wake-up latency of a host `await lock()` another thread releases.

const { Worker } = require('node:worker_threads')
const { Thread, buffer, lock, unlock } = require('..')
const { QUICK, stats, nowUs, fmtStats, report } = require('./lib')

// `node bench/shared.js [mod|lock|wake] [--rounds N]`: one part only, and
// more rounds than the full run's 5 (for a closer look at one row).
const argRounds = process.argv.indexOf('--rounds')
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : QUICK ? 1 : 5

async function modVsAtomics() {
  const per = QUICK ? 1000 : 10000
  const counter = buffer(0)
  const threads = Array.from({ length: 8 }, () => new Thread(() => (b, n) => { for (let i = 0; i < n; i++) b.mod((v) => v + 1); return 0 }))
  await Promise.all(threads.map((t) => t.run(counter, 10)))
  const ours = []
  for (let r = 0; r < ROUNDS; r++) {
    await counter.set(0)
    const t0 = nowUs()
    await Promise.all(threads.map((t) => t.run(counter, per)))
    ours.push((nowUs() - t0) / 1000)
    if (counter.get() !== 8 * per) throw new Error(`lost updates: ${counter.get()}`)
  }
  await Promise.all(threads.map((t) => t.close()))
  counter.clean()

  const sab = new SharedArrayBuffer(4)
  const src = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', ({ sab, n }) => { const a = new Int32Array(sab); for (let i = 0; i < n; i++) Atomics.add(a, 0, 1); parentPort.postMessage(0) })`
  const workers = Array.from({ length: 8 }, () => new Worker(src, { eval: true }))
  const runAll = (n) => Promise.all(workers.map((w) => new Promise((resolve) => { w.once('message', resolve); w.postMessage({ sab, n }) })))
  await runAll(10)
  const peer = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = nowUs()
    await runAll(per)
    peer.push((nowUs() - t0) / 1000)
  }
  await Promise.all(workers.map((w) => w.terminate()))
  const o = stats(ours)
  const p = stats(peer)
  report(`buffer mod() of a number, 8 threads × ${per} (${ROUNDS} rounds)`, fmtStats(o, 'ms'), `Atomics.add on a SAB across 8 Workers ${fmtStats(p, 'ms')}`,
    `p50 ${(o.p50 / p.p50).toFixed(1)}x, mean ${(o.mean / p.mean).toFixed(1)}x slower`, '≤ 20× Atomics.add')
}

async function lockPair() {
  const n = QUICK ? 2000 : 20000
  const t = new Thread(() => (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) { lock('bench'); unlock('bench') } return (performance.now() - t0) * 1000 / n })
  await t.run(1000)
  const xs = []
  for (let r = 0; r < 10 * ROUNDS; r++) xs.push(await t.run(n))
  await t.close()
  report(`uncontended lock()+unlock() inside a thread (${10 * ROUNDS} rounds of ${n})`, fmtStats(stats(xs), 'µs'), '-', '-', '≤ 1 µs')
}

async function hostWake() {
  const n = QUICK ? 50 : 500
  const t = new Thread(() => (op) => { if (op === 'take') lock('wake'); else unlock('wake'); return performance.timeOrigin + performance.now() })
  const lat = []
  for (let i = 0; i < n; i++) {
    await t.run('take')
    const waiting = lock('wake')
    const releasedAt = await t.run('release') // ms since epoch, thread clock
    await waiting
    lat.push((performance.timeOrigin + performance.now() - releasedAt) * 1000)
    unlock('wake')
  }
  await t.close()
  report('host await lock() released by a thread: wake-up', fmtStats(stats(lat), 'µs'), '-', '-', 'report')
}

module.exports = async function sharedBench() {
  await modVsAtomics()
  await lockPair()
  await hostWake()
}

if (require.main === module) {
  const parts = { mod: modVsAtomics, lock: lockPair, wake: hostWake }
  const only = parts[process.argv[2]]
  ;(only ? only() : module.exports()).catch((err) => { console.error(err); process.exit(1) })
}
