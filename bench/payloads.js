'use strict'
// Payload benchmarks (issue 20): real values both ways, ours (`run()`) against
// a `worker_threads` Worker's postMessage round trip in the same run. Each row
// prints median, mean and p99 of both and the ratio of medians (target: ≤ 0.5);
// each object graph's two rows are followed by their floors (floorOf).

const v8 = require('node:v8')
const { Worker } = require('node:worker_threads')
const { Thread } = require('..')
const codec = require('../lib/codec')
const { QUICK, pct, mean, nowUs, fmt, report } = require('./lib')

// Builds every value by name, in the thread, in the Worker and on the host
// alike (sent as source, so all three make the same shapes).
function makeValues() {
  const record = (i) => ({ id: i, name: 'user' + i, tags: ['a' + (i % 7), 'b' + (i % 13)], score: i * 0.5 })
  const jsonLike = () => { // ~10 KB of what a REST API returns
    const items = []
    for (let i = 0; i < 40; i++) {
      items.push({ id: 'id-' + i, title: 'Item number ' + i, price: i * 1.25, inStock: i % 3 !== 0,
        tags: ['x', 'y' + i], meta: { created: '2024-01-01T00:00:00Z', rank: i, note: null } })
    }
    return { page: 1, total: 40, items }
  }
  const build = {
    'string 100 KB': () => 'x'.repeat(100 * 1024),
    'string 16 MB': () => 'y'.repeat(16 << 20),
    'string 1 MB two-byte': () => 'é€'.repeat(1 << 19),
    '1,000 records': () => Array.from({ length: 1000 }, (_, i) => record(i)),
    '100,000 records': () => Array.from({ length: 100000 }, (_, i) => record(i)),
    'Uint8Array 16 MB': () => new Uint8Array(16 << 20).fill(7),
    'JSON-like 10 KB': jsonLike,
    'Map 100k entries': () => new Map(Array.from({ length: 100000 }, (_, i) => ['k' + i, i])),
  }
  const cache = new Map()
  return (name) => {
    if (!cache.has(name)) cache.set(name, build[name]())
    return cache.get(name)
  }
}

const NAMES = ['string 100 KB', 'string 16 MB', 'string 1 MB two-byte', '1,000 records', '100,000 records',
  'Uint8Array 16 MB', 'JSON-like 10 KB', 'Map 100k entries']
const BIG = new Set(['string 16 MB', '100,000 records', 'Uint8Array 16 MB', 'Map 100k entries'])
/** Object graphs: their rows also get the floor (below). */
const GRAPHS = new Set(['1,000 records', '100,000 records', 'JSON-like 10 KB', 'Map 100k entries'])

const WORKER_SRC = `
const { parentPort } = require('node:worker_threads')
const value = (${makeValues.toString()})()
parentPort.on('message', ([dir, x]) => parentPort.postMessage(dir === 'out' ? value(x) : 0))
`

const THREAD_CONTEXT = `() => { const value = (${makeValues.toString()})(); return (dir, x) => (dir === 'out' ? value(x) : 0) }`

const BLOCK = 5
function stats(xs) { return { p50: pct(xs, 50), mean: mean(xs), p99: pct(xs, 99) } }
const ms = (us) => fmt(us / 1000, 'ms')
const show = (s) => `${ms(s.p50)} / ${ms(s.mean)} / ${ms(s.p99)}`

// Warm-up calls before measuring: big payloads reach a steady state (the
// allocator's mapped pages, GC heuristics) only after a dozen or so, for a
// Worker and for us alike. Then ours and the Worker's calls alternate in
// blocks of BLOCK, each block after one unmeasured call that settles what
// the other contender left behind (its garbage, its collector's threads), so
// each pays for its own and both see the same minutes of the machine.
async function measure(n, warm, ours, peer) {
  for (let i = 0; i < Math.min(warm, n); i++) { await ours(); await peer() }
  const xs = [], ys = []
  const block = Math.max(1, Math.min(BLOCK, n >> 1))
  for (let i = 0; i < n; i += block) {
    for (const [f, out] of [[ours, xs], [peer, ys]]) {
      await f()
      for (let j = 0; j < block; j++) {
        const t0 = nowUs()
        await f()
        out.push(nowUs() - t0)
      }
    }
  }
  return [stats(xs), stats(ys)]
}

/**
 * The floors of an object graph's rows: reading the graph on one heap plus
 * building it on the other, each step by the fastest code that direction
 * could use, timed on the host alone (no copy, no hop, no thread), medians.
 * Thread → host: V8's serializer (a thread's reader) plus the faster of
 * V8's deserializer and our decoder (the host's builders). Host → thread:
 * the faster of our encoder and V8's serializer (the host's readers;
 * `v8.serialize` cannot be used for calls, README "Large payloads", so
 * this is lower than any real one) plus V8's deserializer (a thread's
 * builder). A row cannot go below its floor.
 */
function floorOf(value, n) {
  const bytes = v8.serialize(value)
  const ours = codec.encode(value, 'args', undefined, true).bytes.slice()
  const steps = {
    read: [() => v8.serialize(value), () => codec.encode(value, 'args', undefined, true)],
    build: [() => v8.deserialize(bytes), () => codec.decode(ours)],
  }
  const times = { read: [[], []], build: [[], []] }
  for (let i = 0; i < n + 2; i++) {
    for (const part of ['read', 'build']) {
      steps[part].forEach((f, k) => {
        const t0 = nowUs()
        f()
        if (i >= 2) times[part][k].push(nowUs() - t0)
      })
    }
  }
  const [ser, enc] = times.read.map((xs) => pct(xs, 50))
  const [des, dec] = times.build.map((xs) => pct(xs, 50))
  return { ser, enc, des, dec, out: ser + Math.min(des, dec), in: Math.min(ser, enc) + des }
}

module.exports = async function payloads(only) {
  // eslint-disable-next-line no-new-func
  const context = new Function(`return ${THREAD_CONTEXT}`)()
  const t = new Thread(context, { memoryLimit: 2048, name: 'payloads' })
  const w = new Worker(WORKER_SRC, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 2048 } })
  let waiting = null
  w.on('message', (m) => { const r = waiting; waiting = null; r(m) })
  const ping = (msg) => new Promise((resolve) => { waiting = resolve; w.postMessage(msg) })
  const value = makeValues()
  const results = []
  for (const name of NAMES) {
    if (only && !name.includes(only)) continue
    const n = QUICK ? 2 : BIG.has(name) ? 15 : 200
    for (const dir of ['out', 'in']) {
      const label = `${name}, ${dir === 'out' ? 'thread → host' : 'host → thread'}`
      const warm = BIG.has(name) ? 20 : 5
      const [ours, peer] = dir === 'out'
        ? await measure(n, warm, () => t.run('out', name), () => ping(['out', name]))
        : await measure(n, warm, () => t.run('in', value(name)), () => ping(['in', value(name)]))
      const ratio = ours.p50 / peer.p50
      results.push({ label, ours, peer, ratio })
      report(`payload ${label} (p50 / mean / p99)`, show(ours), `Worker ${show(peer)}`, `${ratio.toFixed(2)}×`, '≤ 0.5× a Worker')
    }
    if (GRAPHS.has(name)) {
      const [outRow, inRow] = results.slice(-2)
      const f = floorOf(value(name), QUICK ? 2 : BIG.has(name) ? 9 : 200)
      const ratio = (floor, row) => `${(floor / row.peer.p50).toFixed(2)}×`
      report(`payload ${name}: the floors, one read + one build, timed on the host (p50)`,
        `thread → host ${ms(f.out)}, host → thread ${ms(f.in)} (V8 serializer ${ms(f.ser)}, our encoder ${ms(f.enc)}; V8 deserializer ${ms(f.des)}, our decoder ${ms(f.dec)})`,
        `Worker ${ms(outRow.peer.p50)} thread → host, ${ms(inRow.peer.p50)} host → thread`,
        `${ratio(f.out, outRow)} / ${ratio(f.in, inRow)}`, 'report (a row cannot go below its floor)')
    }
  }
  await t.close()
  await w.terminate()
  return results
}

if (require.main === module) {
  module.exports(process.argv.slice(2).find((a) => !a.startsWith('--'))).catch((err) => { console.error(err); process.exit(1) })
}
