'use strict'
// Thread benchmarks (issue: the engine and Thread), each against a peer
// measured in the same run: start-up, warm round trip, SAB return, RSS per
// idle thread, idle CPU, CPU-bound speed.

const { Worker } = require('node:worker_threads')
const { Thread } = require('..')
const { QUICK, WARM_CALLS, pct, mean, stats, fmtStats, nowUs, fmt, frac, report } = require('./lib')
const { sample } = require('./placement')

const WORKER_ECHO = `require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))`

async function startup() {
  const n = QUICK ? 5 : 30
  const ours = []
  for (let i = 0; i < n; i++) {
    const t0 = nowUs()
    const t = new Thread(() => (x) => x)
    await t.run(1)
    ours.push(nowUs() - t0)
    await t.close()
  }
  const peer = []
  for (let i = 0; i < Math.min(n, 10); i++) {
    const t0 = nowUs()
    const w = new Worker(WORKER_ECHO, { eval: true })
    await new Promise((resolve) => { w.once('message', resolve); w.postMessage(1) })
    peer.push(nowUs() - t0)
    await w.terminate()
  }
  // The first of each is the process's first (V8 and our runtime start,
  // nothing cached yet): reported on its own row, not in the percentiles.
  const [oursFirst, ...oursNext] = ours
  const [peerFirst, ...peerNext] = peer
  const o = pct(oursNext, 50) / 1000
  const p = pct(peerNext, 50) / 1000
  const ms = (xs) => stats(xs.map((x) => x / 1000))
  report('thread start → first result', fmtStats(ms(oursNext), 'ms'), `Worker ${fmtStats(ms(peerNext), 'ms')}`, `p50 1/${(p / o).toFixed(0)}, mean 1/${(mean(peerNext) / mean(oursNext)).toFixed(0)}`, '≤ 1/40 of a Worker')
  report('thread start → first result, first of the process', fmt(oursFirst / 1000, 'ms'), `Worker ${fmt(peerFirst / 1000, 'ms')}`, frac(oursFirst, peerFirst), '-')
}

async function roundTrip() {
  const n = QUICK ? 2000 : 20000
  const t = new Thread(() => (x) => x)
  const arg = { a: 1, b: 2 }
  // Warm with the measured argument: warming with numbers left the first
  // ~2,000 timed calls compiling the { a, b } paths on both sides (most of
  // the calls over 4x p50 were there). The Worker is warmed the same way.
  for (let i = 0; i < WARM_CALLS; i++) await t.run(arg)
  const ours = []
  for (let i = 0; i < n; i++) {
    const t0 = nowUs()
    await t.run(arg)
    ours.push(nowUs() - t0)
  }
  await t.close()
  const w = new Worker(WORKER_ECHO, { eval: true })
  const ping = (v) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(v) })
  for (let i = 0; i < WARM_CALLS; i++) await ping(arg)
  const peer = []
  for (let i = 0; i < n; i++) {
    const t0 = nowUs()
    await ping(arg)
    peer.push(nowUs() - t0)
  }
  await w.terminate()
  const o = stats(ours)
  const p = stats(peer)
  report('warm run() round trip, argument { a: 1, b: 2 }', fmtStats(o, 'µs'), `Worker postMessage ${fmtStats(p, 'µs')}`,
    `p50 1/${(p.p50 / o.p50).toFixed(1)}, mean 1/${(p.mean / o.mean).toFixed(1)}; our p99 ${(o.p99 / o.p50).toFixed(1)}x our p50`, '≤ 1/10 of a Worker')
}

async function sabReturn() {
  const sizes = QUICK ? [1, 64] : [1, 64, 256, 1024]
  const t = new Thread(() => {
    const cache = new Map()
    return (mb, shared) => {
      const key = `${mb}:${shared}`
      if (!cache.has(key)) cache.set(key, shared ? new SharedArrayBuffer(mb << 20) : new ArrayBuffer(mb << 20))
      return cache.get(key)
    }
  }, { memoryLimit: 64 })
  // Warm like the other round-trip rows (WARM_CALLS): with one warm call
  // this row timed the host's unoptimized JS (16-18 µs, against 3-8 µs).
  for (let i = 0; i < WARM_CALLS; i++) await t.run(sizes[0], true)
  const perSize = []
  for (const mb of sizes) {
    for (let i = 0; i < (QUICK ? 5 : 200); i++) await t.run(mb, true)
    const xs = []
    for (let i = 0; i < (QUICK ? 20 : 2000); i++) {
      const t0 = nowUs()
      await t.run(mb, true)
      xs.push(nowUs() - t0)
    }
    perSize.push([mb, stats(xs)])
  }
  const copy = []
  for (let i = 0; i < (QUICK ? 3 : 10); i++) {
    const t0 = nowUs()
    await t.run(64, false)
    copy.push(nowUs() - t0)
  }
  await t.close()
  const sab64 = perSize.find(([mb]) => mb === 64)[1]
  const spread = perSize.map(([mb, s]) => `${mb} MB ${fmt(s.p50, 'µs')}`).join(', ')
  report('SharedArrayBuffer return (p50 by size; 64 MB mean and p99)', `${spread}; 64 MB mean ${fmt(sab64.mean, 'µs')}, p99 ${fmt(sab64.p99, 'µs')}`,
    `64 MB ArrayBuffer copy ${fmt(pct(copy, 50) / 1000, 'ms')}`, `1/${(pct(copy, 50) / sab64.p50).toFixed(0)}`, '≤ 10 µs, flat in size')
}

async function rssPerThread() {
  const n = QUICK ? 20 : 100
  const settle = () => new Promise((r) => setTimeout(r, 200))
  await settle()
  const before = process.memoryUsage().rss
  const threads = []
  for (let i = 0; i < n; i++) threads.push(new Thread(() => (x) => x, { memoryLimit: 16 }))
  await Promise.all(threads.map((t) => t.run(1)))
  await settle()
  const ours = (process.memoryUsage().rss - before) / n / 1048576
  await Promise.all(threads.map((t) => t.close()))
  await settle()
  const m = QUICK ? 4 : 10
  const before2 = process.memoryUsage().rss
  const workers = []
  for (let i = 0; i < m; i++) {
    const w = new Worker(WORKER_ECHO, { eval: true })
    await new Promise((resolve) => { w.once('message', resolve); w.postMessage(1) })
    workers.push(w)
  }
  await settle()
  const peer = (process.memoryUsage().rss - before2) / m / 1048576
  await Promise.all(workers.map((w) => w.terminate()))
  report('RSS per idle thread', fmt(ours, 'MB'), `Worker ${fmt(peer, 'MB')}`, `1/${(peer / ours).toFixed(1)}`, '≤ 1.5 MB')
}

async function idleCpu() {
  const threads = [new Thread(() => (x) => x), new Thread(() => (x) => x)]
  await Promise.all(threads.map((t) => t.run(1)))
  await new Promise((r) => setTimeout(r, 50))
  const c0 = process.cpuUsage()
  const t0 = Date.now()
  await new Promise((r) => setTimeout(r, QUICK ? 300 : 1000))
  const c = process.cpuUsage(c0)
  const share = ((c.user + c.system) / 1000) / (Date.now() - t0) * 100
  await Promise.all(threads.map((t) => t.close()))
  report('CPU of 2 open idle threads', `${share.toFixed(2)} % of a core`, 'Workers: 0', '-', '< 1 % of a core')
}

async function cpuBound() {
  const fibSrc = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }'
  const n = QUICK ? 25 : 32
  // eslint-disable-next-line no-new-func
  const fib = new Function(`${fibSrc}; return fib`)()
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1]
  const runs = QUICK ? 3 : 7 // one run is at the mercy of a JIT tier-up or a stray task
  fib(20)
  const mains = []
  for (let i = 0; i < runs; i++) {
    const m0 = performance.now()
    fib(n)
    mains.push(performance.now() - m0)
  }
  const main = median(mains)
  const t = new Thread(() => { function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return (n) => { const t0 = performance.now(); fib(n); return performance.now() - t0 } })
  await t.run(20)
  const insides = []
  for (let i = 0; i < runs; i++) insides.push(await t.run(n))
  const inside = median(insides)
  await t.close()
  report(`CPU-bound fib(${n}), median of ${runs}`, fmt(inside, 'ms'), `Node main thread ${fmt(main, 'ms')}`, `${(inside / main).toFixed(2)}x`, 'within 10 %')
}

module.exports = async function threadBench() {
  await startup()
  await sample('Thread.run before')
  await roundTrip()
  await sample('Thread.run after')
  await sabReturn()
  await rssPerThread()
  await idleCpu()
  await cpuBound()
}
