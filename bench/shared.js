'use strict'
// Shared state benchmarks (issue: managers and shared state), against peers
// measured in the same run: buffer mod() from 8 threads vs Atomics.add on a
// SharedArrayBuffer across 8 Workers; an uncontended lock/unlock pair inside
// a thread; the wake-up latency of a host `await lock()` another thread releases.

const { Worker } = require('node:worker_threads')
const { Thread, buffer, lock, unlock } = require('..')
const { QUICK, pct, nowUs, fmt, report } = require('./lib')

async function modVsAtomics() {
  const per = QUICK ? 1000 : 10000
  const counter = buffer(0)
  const threads = Array.from({ length: 8 }, () => new Thread(() => (b, n) => { for (let i = 0; i < n; i++) b.mod((v) => v + 1); return 0 }))
  await Promise.all(threads.map((t) => t.run(counter, 10)))
  await counter.set(0)
  let t0 = nowUs()
  await Promise.all(threads.map((t) => t.run(counter, per)))
  const ours = (nowUs() - t0) / 1000
  if (counter.get() !== 8 * per) throw new Error(`lost updates: ${counter.get()}`)
  await Promise.all(threads.map((t) => t.close()))
  counter.clean()

  const sab = new SharedArrayBuffer(4)
  const src = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', ({ sab, n }) => { const a = new Int32Array(sab); for (let i = 0; i < n; i++) Atomics.add(a, 0, 1); parentPort.postMessage(0) })`
  const workers = Array.from({ length: 8 }, () => new Worker(src, { eval: true }))
  const runAll = (n) => Promise.all(workers.map((w) => new Promise((resolve) => { w.once('message', resolve); w.postMessage({ sab, n }) })))
  await runAll(10)
  t0 = nowUs()
  await runAll(per)
  const peer = (nowUs() - t0) / 1000
  await Promise.all(workers.map((w) => w.terminate()))
  report(`buffer mod() 8 threads × ${per}`, fmt(ours, 'ms'), `Atomics.add on a SAB across 8 Workers ${fmt(peer, 'ms')}`, `${(ours / peer).toFixed(1)}x slower`, 'report the ratio (ours does a full value read-modify-write under a lock)')
}

async function lockPair() {
  const n = QUICK ? 20000 : 200000
  const t = new Thread(() => (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) { lock('bench'); unlock('bench') } return (performance.now() - t0) * 1000 / n })
  await t.run(1000)
  const us = await t.run(n)
  await t.close()
  report('uncontended lock()+unlock() inside a thread', fmt(us, 'µs'), '-', '-', '≤ 1 µs')
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
  report('host await lock() released by a thread: wake-up p50 (p99)', `${fmt(pct(lat, 50), 'µs')} (${fmt(pct(lat, 99), 'µs')})`, '-', '-', 'report')
}

module.exports = async function sharedBench() {
  await modVsAtomics()
  await lockPair()
  await hostWake()
}
