'use strict'
// Small helpers shared by the benchmarks.

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'

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

module.exports = { QUICK, pct, mean, nowUs, fmt, report, table }
