'use strict'
// Thread churn: create → run → dispose, 4 lanes at a time, with threads/s
// and RSS (after a GC) every 10,000 cycles, against the same churn of
// worker_threads Workers (new Worker, one message each way, terminate).
// Part of `npm run bench`: 100,000 cycles in full mode, 2,000 with --quick.
// Alone: `node bench/churn.js [cycles=100000] [lanes=4]`.
const { Worker } = require('node:worker_threads')
const { QUICK, fmt, report } = require('./lib')
const { churn } = require('../__test__/fixtures/churn.js')

/** The host GC, exposed at run time when node was started without --expose-gc. */
function exposeGc() {
  if (typeof globalThis.gc === 'function') return
  require('node:v8').setFlagsFromString('--expose-gc')
  globalThis.gc = require('node:vm').runInNewContext('gc')
}

/** Workers per second over `n` create/message/terminate cycles, `lanes` at a time. */
async function workerChurn(n, lanes) {
  let started = 0
  const t0 = Date.now()
  const lane = async () => {
    while (started < n) {
      started++
      const w = new Worker('require("node:worker_threads").parentPort.on("message", (x) => require("node:worker_threads").parentPort.postMessage(x + 1))', { eval: true })
      const got = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); w.postMessage(1) })
      if (got !== 2) throw new Error('worker answered ' + got)
      await w.terminate()
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  return n / ((Date.now() - t0) / 1000)
}

/**
 * Run the churn and report threads/s against Workers/s, and RSS growth.
 * @param {{ cycles?: number, lanes?: number }} [options]
 */
module.exports = async function churnBench({ cycles = QUICK ? 2000 : 100000, lanes = 4 } = {}) {
  console.log(`\n## Thread churn (${cycles} create/run/dispose cycles, ${lanes} lanes)`)
  exposeGc()
  const rssAtStart = process.memoryUsage().rss / 1048576
  const r = await churn({ cycles, lanes, log: console.log })
  const peer = await workerChurn(QUICK ? 40 : 400, lanes)
  const first = r.samples[4]
  const last = r.samples[r.samples.length - 1]
  console.log(`rss at start ${rssAtStart.toFixed(1)} MB; at the ${first.done}th cycle ${first.rss.toFixed(1)} MB, at the ${last.done}th ${last.rss.toFixed(1)} MB`)
  report(`thread churn, ${lanes} lanes (create → run → dispose)`, `${r.rate.toFixed(0)} threads/s`, `Worker ${peer.toFixed(0)}/s`, `${(r.rate / peer).toFixed(0)}×`, '-')
  report(`RSS growth under churn, ${cycles / 10}th → ${cycles}th cycle (medians)`, `${fmt(r.grew.outside, 'MB')} outside the host heap (raw RSS ${fmt(r.grew.rss, 'MB')})`, '-', '-', `< ${fmt(r.bound, 'MB')}`)
}

if (require.main === module) {
  const cycles = Number(process.argv[2] || 100000)
  const lanes = Number(process.argv[3] || 4)
  module.exports({ cycles, lanes }).catch((e) => { console.error(e); process.exit(1) })
}
