'use strict'
// The machine's state during a run: how long one cache line takes to go to
// the other core and back. On this 2-vCPU guest it reads either ~100 ns or
// ~450 ns, switching within seconds as the hypervisor places the vCPUs near
// or far from each other, and every round trip of ours moves a dozen lines
// between the host's core and a thread's, so a run's round-trip rows depend
// on which placement it met. `npm run bench` samples it before each section
// and around the round-trip rows (the placement can change within a
// section), and reports the samples, in order, as one row; and, as another,
// the share of the machine's CPU time its hypervisor took between samples.

const { Worker } = require('node:worker_threads')
const { QUICK, report } = require('./lib')

/** Bounces timed per sample (after as many unmeasured ones). */
const ROUNDS = QUICK ? 20000 : 100000

/** The worker: answers each odd value of slot 0 with the next even one; a negative value ends it. */
const BOUNCER = `(() => {
  const a = require('node:worker_threads').workerData
  Atomics.store(a, 1, 1)
  for (let n = 0; ; n++) {
    let v
    while ((v = Atomics.load(a, 0)) !== 2 * n + 1) if (v < 0) return
    Atomics.store(a, 0, 2 * n + 2)
  }
})()`

/** [label, ns per bounce] of each sample, in order. */
const samples = []
/**
 * [label, % of the machine's CPU time the hypervisor gave to others
 * (steal)] from each sample to the next, labelled with the first: a run
 * whose rows swing from one to the next may show where the guest's
 * vCPUs were taken from it.
 */
const steals = []
/** /proc/stat's totals at the last sample (undefined where unreadable). */
let lastStat

/** The machine's CPU ticks so far, all and stolen; undefined off Linux. */
function readStat() {
  try {
    const line = require('node:fs').readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number) // user … steal
    return { all: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] }
  } catch {
    return undefined
  }
}

/** Close the interval since the last sample (labelled with it) and start one at `label`. */
function noteSteal(label) {
  const now = readStat()
  if (now !== undefined && lastStat !== undefined && now.all > lastStat.all) {
    steals.push([lastStat.label, ((now.steal - lastStat.steal) / (now.all - lastStat.all)) * 100])
  }
  lastStat = now === undefined ? undefined : { ...now, label }
}

/** Longest a sample bounces (two threads sharing a core bounce once per time slice). */
const MAX_MS = 300

/**
 * Bounce up to `rounds` times from n0 on, for MAX_MS at most; returns
 * [bounces made, ns per bounce].
 */
function bounce(a, n0, rounds) {
  const t0 = process.hrtime.bigint()
  const until = t0 + BigInt(MAX_MS * 1e6)
  let n = n0
  while (n < n0 + rounds) {
    for (const end = Math.min(n + 1000, n0 + rounds); n < end; n++) {
      Atomics.store(a, 0, 2 * n + 1)
      while (Atomics.load(a, 0) !== 2 * n + 2);
    }
    if (process.hrtime.bigint() > until) break
  }
  return [n - n0, Number(process.hrtime.bigint() - t0) / (n - n0)]
}

/** Measure the cross-core bounce now and keep it under `label`. */
async function sample(label) {
  noteSteal(label)
  const a = new Int32Array(new SharedArrayBuffer(8))
  const w = new Worker(BOUNCER, { eval: true, workerData: a })
  let failed
  w.once('error', (err) => { failed = err })
  try {
    while (Atomics.load(a, 1) !== 1) {
      if (failed !== undefined) throw failed
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    // Both loops optimized first (twice: a process's first sample read
    // ~25 % high after one warm-up).
    const [warm] = bounce(a, 0, ROUNDS)
    const [again] = bounce(a, warm, ROUNDS)
    samples.push([label, bounce(a, warm + again, ROUNDS)[1]])
  } finally {
    Atomics.store(a, 0, -1)
    await w.terminate()
  }
}

/** The samples taken so far, as one report row. */
function reportPlacement() {
  if (samples.length === 0) return
  const list = samples.map(([label, ns]) => `${label} ${ns.toFixed(0)} ns`).join(', ')
  report('the machine: one cache line to the other core and back (sampled before each section and around the round-trip rows)', list, '-', '-', 'report')
  if (steals.length === 0) return
  const stolen = steals.map(([label, pct]) => `${label} ${pct.toFixed(1)} %`).join(', ')
  report('the machine: CPU time its hypervisor gave others (steal), from each sample to the next', stolen, '-', '-', 'report')
}

module.exports = { sample, reportPlacement }
