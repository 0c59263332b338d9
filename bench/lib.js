'use strict'
// Small helpers shared by the benchmarks.

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
/**
 * Calls of the measured kind every contender makes before a warm round trip
 * is timed. The host's JS reaches its optimized tiers only after a few
 * thousand calls: a pool round trip took 10-16 µs (medians of 500 calls)
 * until call ~4,000 of a fresh process and ~6,000 after other rows had run,
 * against 4 µs after; piscina's, nanolith's and a Worker's were flat by then.
 */
const WARM_CALLS = QUICK ? 200 : 10000

/** Percentile of a sorted copy of `xs` (p in 0..100). */
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

/** Mean of `xs`. */
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length

/** High-resolution now, in µs. */
const nowUs = () => Number(process.hrtime.bigint()) / 1000

/** Format a number with a unit. */
const fmt = (v, unit) => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`

/** p50, mean and p99 of `xs`. */
const stats = (xs) => ({ p50: pct(xs, 50), mean: mean(xs), p99: pct(xs, 99) })

/** `p50 a, mean b, p99 c unit` of a stats() result. */
const fmtStats = (s, unit) => `p50 ${fmt(s.p50, unit)}, mean ${fmt(s.mean, unit)}, p99 ${fmt(s.p99, unit)}`

/** ours/peer as `1/n` when ours is smaller, else `n x` (for a time that should be smaller). */
const frac = (ours, peer) => (peer >= ours ? `1/${(peer / ours).toFixed(1)}` : `${(ours / peer).toFixed(1)}x`)

const rows = []
/** Record one comparison: ours vs peer, and the ratio target text. */
function report(what, ours, peer, ratio, target) {
  rows.push({ what, ours, peer, ratio, target })
  console.log(`${what}: ours ${ours}, peer ${peer}, ratio ${ratio} (target ${target})`)
}

function table() {
  const lines = ['| what | isothread | peer | ratio | target |', '|---|---|---|---|---|']
  for (const r of rows) lines.push(`| ${r.what} | ${r.ours} | ${r.peer} | ${r.ratio} | ${r.target} |`)
  return lines.join('\n')
}

module.exports = { QUICK, WARM_CALLS, pct, mean, stats, nowUs, fmt, fmtStats, frac, report, table }
