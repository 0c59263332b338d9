'use strict'
// Host function round trip (PERF.md): a thread awaits `parent.host.f(i)`
// in a loop, against a worker_threads Worker that posts to the host and
// awaits its reply, measured in the same run. Both time each round trip
// inside the thread or Worker, where the caller waits.

const { Worker } = require('node:worker_threads')
const { Thread } = require('..')
const { WARM_CALLS, QUICK, pct, mean, fmt, report } = require('./lib')

/** The Worker's side: on { n }, n round trips to the host, then { samples }. */
const WORKER = `
  const { parentPort } = require('node:worker_threads')
  let reply = null
  parentPort.on('message', async (m) => {
    if (reply !== null) { const r = reply; reply = null; return r(m) }
    const samples = []
    for (let i = 0; i < m.n; i++) {
      const t0 = performance.now()
      const answer = new Promise((resolve) => { reply = resolve })
      parentPort.postMessage(i)
      await answer
      samples.push((performance.now() - t0) * 1000)
    }
    parentPort.postMessage({ samples })
  })
`

async function ours(n, warm) {
  const t = new Thread(() => async (n) => {
    const samples = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      await parent.host.f(i)
      samples.push((performance.now() - t0) * 1000)
    }
    return samples
  }, { host: { f: (x) => x } })
  await t.run(warm)
  const samples = await t.run(n)
  await t.close()
  return samples
}

async function peer(n, warm) {
  const w = new Worker(WORKER, { eval: true })
  const run = (count) => new Promise((resolve) => {
    const on = (m) => {
      if (typeof m === 'number') return w.postMessage(m) // the host's side: answer at once
      w.off('message', on)
      resolve(m.samples)
    }
    w.on('message', on)
    w.postMessage({ n: count })
  })
  await run(warm)
  const samples = await run(n)
  await w.terminate()
  return samples
}

const summary = (xs) => `p50 ${fmt(pct(xs, 50), 'µs')}, mean ${fmt(mean(xs), 'µs')}, p99 ${fmt(pct(xs, 99), 'µs')}`

module.exports = async function hostBench() {
  const n = QUICK ? 2000 : 20000
  const warm = WARM_CALLS
  const o = await ours(n, warm)
  const p = await peer(n, warm)
  report('host function round trip (thread → parent.host.f() → thread)', summary(o), `Worker post + reply ${summary(p)}`, `1/${(pct(p, 50) / pct(o, 50)).toFixed(1)} (p50)`, 'p50 ≤ 1/5 of the Worker')
}

if (require.main === module) module.exports().catch((err) => { console.error(err); process.exit(1) })
