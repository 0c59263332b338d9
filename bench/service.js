'use strict'
// Service benchmarks (issue: define, services, Messenger), each against peers
// measured in the same run: launchService + first call, warm service.call
// round trip, and a Messenger broadcast from the host to 4 services.
// Peers: nanolith 0.4.6 (a Worker per service; ESM-only, its definitions
// must live in their own module, written to a temporary directory at run time
// and removed after) and, for the broadcast, `BroadcastChannel` across 4 raw
// worker_threads Workers.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { Worker } = require('node:worker_threads')
const { define, Messenger, pool, ConcurrencyOption } = require('..')
const { QUICK, WARM_CALLS, stats, nowUs, fmtStats, frac, report } = require('./lib')
const { sample } = require('./placement')

const N_START = QUICK ? 3 : 30
const N_START_PEER = QUICK ? 3 : 15
const N_CALL = QUICK ? 2000 : 20000
const SERVICES = 4
const N_MSG = QUICK ? 2000 : 20000
const ROUNDS = QUICK ? 1 : 5
const CHANNEL = 'isothread-bench-broadcast'

/** µs samples → stats in ms. */
const msStats = (xs) => stats(xs.map((x) => x / 1000))

// Ours: definitions are sent as source, so they use the thread's globals only.
const ECHO = { add: (x, y) => x + y }
const COUNTER = {
  /** Count from zero and report on `parent` once `total` messages arrived. */
  arm(total) { globalThis.benchTotal = total; globalThis.benchCount = 0; return true },
  async __initializeService() {
    globalThis.benchTotal = -1
    globalThis.benchCount = 0
    const m = await messengers.use('isothread-bench-broadcast') // = CHANNEL (source cannot see the host's variables)
    m.onMessage(() => {
      if (++globalThis.benchCount === globalThis.benchTotal) parent.sendMessage({ done: globalThis.benchCount })
    })
  },
}

/** nanolith's definitions modules, in a fresh directory under os.tmpdir(). */
function writeNanolithFiles() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-bench-'))
  const nano = JSON.stringify(pathToFileURL(require.resolve('nanolith')).href)
  const files = { dir, echo: path.join(dir, 'echo.mjs'), counter: path.join(dir, 'counter.mjs') }
  fs.writeFileSync(files.echo, [
    `import { define } from ${nano}`,
    "export const api = await define({ add: (x, y) => x + y }, { identifier: 'bench-echo' })",
  ].join('\n') + '\n')
  fs.writeFileSync(files.counter, [
    `import { define, ParentThread, MessengerList } from ${nano}`,
    'let total = -1',
    'let count = 0',
    'export const api = await define({',
    '  arm(t) { total = t; count = 0; return true },',
    '  async __initializeService() {',
    `    const m = await MessengerList.use(${JSON.stringify(CHANNEL)})`,
    '    m.onMessage(() => { if (++count === total) ParentThread.sendMessage({ done: count }) })',
    '  },',
    "}, { identifier: 'bench-counter' })",
  ].join('\n') + '\n')
  return files
}

const importFile = async (file) => (await import(pathToFileURL(file).href)).api

/** Launch + first call, then close (not timed); one unmeasured round first. */
async function timeStartup(launch, n) {
  const xs = []
  for (let i = -1; i < n; i++) {
    const t0 = nowUs()
    const svc = await launch()
    await svc.call({ name: 'add', params: [1, 2] })
    const dt = nowUs() - t0
    await svc.close()
    if (i >= 0) xs.push(dt)
  }
  return xs
}

async function startup(nano) {
  const oursApi = define(ECHO, { identifier: 'bench-echo' })
  const ours = await timeStartup(() => oursApi.launchService(), N_START)
  const peer = await timeStartup(() => nano.echo.launchService(), N_START_PEER)
  const o = msStats(ours)
  const p = msStats(peer)
  report('launchService + first call', fmtStats(o, 'ms'), `nanolith ${fmtStats(p, 'ms')}`,
    `p50 ${frac(o.p50, p.p50)}, mean ${frac(o.mean, p.mean)}`, '≤ 1/40 of nanolith')
}

/** `N_CALL` sequential calls after `WARM_CALLS` warm ones, in µs each. */
async function timeCalls(svc) {
  for (let i = 0; i < WARM_CALLS; i++) await svc.call({ name: 'add', params: [i, 1] })
  const xs = []
  for (let i = 0; i < N_CALL; i++) {
    const t0 = nowUs()
    await svc.call({ name: 'add', params: [i, 1] })
    xs.push(nowUs() - t0)
  }
  await svc.close()
  return xs
}

async function roundTrip(nano) {
  const ours = await timeCalls(await define(ECHO, { identifier: 'bench-echo' }).launchService())
  const peer = await timeCalls(await nano.echo.launchService())
  const o = stats(ours)
  const p = stats(peer)
  report('warm service.call round trip', fmtStats(o, 'µs'), `nanolith ${fmtStats(p, 'µs')}`,
    `p50 ${frac(o.p50, p.p50)}, mean ${frac(o.mean, p.mean)}`, 'p50 and mean ≤ 1/15 of nanolith')
}

/**
 * One broadcast contender: `arm(total)` resets every receiver and resolves
 * once they all took it; `send(i)` broadcasts one message; `done()` resolves
 * with a promise settled when every receiver reported `total` messages.
 * Returns the wall times in ms of `ROUNDS` rounds after a warm-up.
 */
async function timeBroadcast(name, c) {
  const round = async (n) => {
    await c.arm(n)
    let timer
    const lost = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: not every receiver got ${n} messages within 60 s`)), 60000)
    })
    const all = c.done()
    const t0 = nowUs()
    for (let i = 0; i < n; i++) c.send(i)
    try {
      await Promise.race([all, lost])
    } finally {
      clearTimeout(timer)
    }
    return (nowUs() - t0) / 1000
  }
  // Two full rounds first, for every contender alike: one was not always
  // enough for the JIT (a run's first timed round read up to 2x the rest).
  for (let w = 0; w < 2; w++) await round(N_MSG)
  const xs = []
  for (let r = 0; r < ROUNDS; r++) xs.push(await round(N_MSG))
  return xs
}

async function broadcastOurs() {
  const before = pool.option
  pool.setConcurrency(ConcurrencyOption.x4) // 4 services each hold a thread; default is 1 per core
  const errors = []
  const m = new Messenger(CHANNEL)
  const api = define(COUNTER, { identifier: 'bench-counter' })
  const services = await Promise.all(Array.from({ length: SERVICES }, () =>
    api.launchService({ messengers: [m], exceptionHandler: ({ error }) => errors.push(error) })))
  try {
    return await timeBroadcast('isothread Messenger', {
      arm: (n) => Promise.all(services.map((s) => s.call({ name: 'arm', params: [n] }))),
      done: () => Promise.all(services.map((s) => s.waitForMessage((v) => v && v.done !== undefined))),
      send: (i) => m.sendMessage(i),
    })
  } finally {
    await Promise.all(services.map((s) => s.close()))
    m.close()
    pool.setConcurrency(before)
    if (errors.length > 0) console.error('isothread service errors:', errors)
  }
}

async function broadcastNanolith(nano) {
  const { Messenger: NanoMessenger, pool: nanoPool, ConcurrencyOption: NanoOption, getDefaultPoolConcurrency } = nano.lib
  const before = nanoPool.maxConcurrency
  nanoPool.setConcurrency(NanoOption.x4) // as for ours: 4 services must run at once on any core count
  const errors = []
  const m = new NanoMessenger(CHANNEL)
  const services = await Promise.all(Array.from({ length: SERVICES }, () =>
    nano.counter.launchService({ messengers: [m], exceptionHandler: ({ error }) => errors.push(error) })))
  try {
    return await timeBroadcast('nanolith Messenger', {
      arm: (n) => Promise.all(services.map((s) => s.call({ name: 'arm', params: [n] }))),
      done: () => Promise.all(services.map((s) => s.waitForMessage((v) => v && v.done !== undefined))),
      send: (i) => m.sendMessage(i),
    })
  } finally {
    await Promise.all(services.map((s) => s.close()))
    m.close()
    if (before === getDefaultPoolConcurrency()) nanoPool.setConcurrency(NanoOption.Default)
    if (errors.length > 0) console.error('nanolith service errors:', errors)
  }
}

const BC_WORKER = `
const { parentPort, BroadcastChannel } = require('node:worker_threads')
const bc = new BroadcastChannel(${JSON.stringify(`${CHANNEL}-raw`)})
let total = -1
let count = 0
bc.onmessage = () => { if (++count === total) parentPort.postMessage({ done: count }) }
parentPort.on('message', (t) => { total = t; count = 0; parentPort.postMessage({ armed: t }) })
`

async function broadcastChannel() {
  const { BroadcastChannel } = require('node:worker_threads')
  const workers = Array.from({ length: SERVICES }, () => new Worker(BC_WORKER, { eval: true }))
  const next = (w, key) => new Promise((resolve, reject) => {
    const onMessage = (v) => { if (v && v[key] !== undefined) { w.off('message', onMessage); w.off('error', reject); resolve(v) } }
    w.on('message', onMessage)
    w.once('error', reject)
  })
  const bc = new BroadcastChannel(`${CHANNEL}-raw`)
  try {
    return await timeBroadcast('BroadcastChannel', {
      arm: (n) => Promise.all(workers.map((w) => { const p = next(w, 'armed'); w.postMessage(n); return p })),
      done: () => Promise.all(workers.map((w) => next(w, 'done'))),
      send: (i) => bc.postMessage(i),
    })
  } finally {
    bc.close()
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

async function broadcast(nano) {
  const ours = await broadcastOurs()
  const peer = await broadcastNanolith(nano)
  const raw = stats(await broadcastChannel())
  const o = stats(ours)
  const p = stats(peer)
  report(`Messenger: ${N_MSG / 1000}k messages host → ${SERVICES} services (${ROUNDS} rounds)`, fmtStats(o, 'ms'),
    `nanolith ${fmtStats(p, 'ms')}; BroadcastChannel + ${SERVICES} Workers ${fmtStats(raw, 'ms')}`,
    `p50 ${(p.p50 / o.p50).toFixed(1)}x / mean ${(p.mean / o.mean).toFixed(1)}x faster than nanolith, ` +
    `p50 ${(raw.p50 / o.p50).toFixed(2)}x / mean ${(raw.mean / o.mean).toFixed(2)}x than BroadcastChannel`,
    '≥ 8× nanolith and ≥ 3× BroadcastChannel')
}

module.exports = async function serviceBench() {
  const files = writeNanolithFiles()
  try {
    const nano = {
      lib: await import(pathToFileURL(require.resolve('nanolith')).href),
      echo: await importFile(files.echo),
      counter: await importFile(files.counter),
    }
    // `node bench/service.js [launch|call|messenger …]`: those rows only (default: all)
    const only = require.main === module ? process.argv.slice(2).filter((a) => !a.startsWith('--')) : []
    const row = (name) => only.length === 0 || only.includes(name)
    if (row('launch')) await startup(nano)
    if (row('call')) {
      await sample('service.call before')
      await roundTrip(nano)
      await sample('service.call after')
    }
    if (row('messenger')) await broadcast(nano)
  } finally {
    fs.rmSync(files.dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  module.exports().catch((err) => { console.error(err); process.exit(1) })
}
