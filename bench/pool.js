'use strict'
// Pool benchmarks (issue: ThreadPool), each against peers measured in the
// same run, every contender with 2 threads and the same work: sequential
// round trip, tiny tasks with 64 in flight, a burst of fib(20), idle CPU.
// Peers: piscina, tinypool, workerpool and a hand-written pool of raw
// worker_threads Workers (postMessage + an id → resolve map). Their worker
// files are written to a temporary directory at run time and removed after.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { ThreadPool } = require('..')
const { QUICK, WARM_CALLS, stats, fmtStats, nowUs, fmt, report } = require('./lib')
const { sample } = require('./placement')

const SIZE = 2
const FIB_N = 20
const FIB_SRC = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }'
/** The same work for every peer, as source. */
const TASK_SRC = { inc: "(x) => (typeof x === 'object' ? x.a + x.b : x + 1)", fib: `(() => { ${FIB_SRC}; return fib })()` }
/** Ours: contexts are sent as source, so each defines its own helpers. */
const CONTEXT = {
  inc: () => (x) => (typeof x === 'object' ? x.a + x.b : x + 1),
  fib: () => { function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib },
}

const N_SEQ = QUICK ? 2000 : 20000
const N_FLIGHT = QUICK ? 20000 : 200000
const DEPTH = 64
/**
 * The 64-in-flight row's contenders with a target (ours, piscina, raw
 * Workers) run in turns, `ROUNDS` times, `N_FLIGHT / 2` tasks a turn, and
 * each reports its median turn: on this 2-core machine the rate of one
 * contender swung 1.4x from minute to minute, so contenders measured once
 * each, minutes apart, compared the machine's moments more than the pools.
 */
const ROUNDS = QUICK ? 3 : 5
const N_FIB = QUICK ? 2000 : 20000
/** Turns of ours and of the floor in the burst row. */
const BURST_ROUNDS = QUICK ? 3 : 7
const IDLE_MS = QUICK ? 300 : 1000

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** ours/peer as `1/n` when ours is smaller, else `n x` (a time that should be smaller). */
const frac = (ours, peer) => (peer >= ours ? `1/${(peer / ours).toFixed(1)}` : `${(ours / peer).toFixed(1)}x`)
const rate = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M/s` : `${(v / 1e3).toFixed(0)}k/s`)
/** The main thread's CPU per task (ns), in µs; '-' where it cannot be read. */
const hostCpu = (ns) => (Number.isFinite(ns) ? fmt(ns / 1000, 'µs') : '-')

/** Worker files for the peers, in a fresh directory under os.tmpdir(). */
function writeWorkerFiles() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-bench-'))
  const files = { dir }
  const workerpool = JSON.stringify(require.resolve('workerpool'))
  for (const [task, src] of Object.entries(TASK_SRC)) {
    const write = (name, text) => {
      files[name] = path.join(dir, `${name}.js`)
      fs.writeFileSync(files[name], `'use strict'\n${text}\n`)
    }
    // piscina and tinypool: the module's export is the task function
    write(`plain-${task}`, `module.exports = ${src}`)
    write(`workerpool-${task}`, `require(${workerpool}).worker({ task: ${src} })`)
    write(`raw-${task}`, [
      "const { parentPort } = require('node:worker_threads')",
      `const f = ${src}`,
      'parentPort.on(\'message\', (m) => parentPort.postMessage([m[0], f(m[1])]))',
    ].join('\n'))
  }
  return files
}

// Contenders: { name, call(x) → Promise, close() → Promise }.

function ours(task) {
  const pool = new ThreadPool(CONTEXT[task], SIZE)
  return { name: 'isothread', call: (x) => pool.run(x), close: () => pool.close() }
}

function piscina(files, task) {
  const { Piscina } = require('piscina')
  const pool = new Piscina({ filename: files[`plain-${task}`], minThreads: SIZE, maxThreads: SIZE })
  return { name: 'piscina', call: (x) => pool.run(x), close: () => pool.destroy() }
}

async function tinypool(files, task) {
  const { Tinypool } = await import('tinypool')
  const pool = new Tinypool({ filename: files[`plain-${task}`], minThreads: SIZE, maxThreads: SIZE })
  return { name: 'tinypool', call: (x) => pool.run(x), close: () => pool.destroy() }
}

function workerpool(files, task) {
  const wp = require('workerpool')
  const pool = wp.pool(files[`workerpool-${task}`], { minWorkers: SIZE, maxWorkers: SIZE, workerType: 'thread' })
  return { name: 'workerpool', call: (x) => pool.exec('task', [x]), close: () => pool.terminate() }
}

/** A hand-written pool: 2 Workers, postMessage, an id → resolve map, fewest in flight wins. */
function rawWorkers(files, task) {
  const pending = new Map()
  let nextId = 1
  const workers = Array.from({ length: SIZE }, () => {
    const e = { w: new Worker(files[`raw-${task}`]), inFlight: 0 }
    e.w.on('message', (m) => {
      e.inFlight--
      const p = pending.get(m[0])
      pending.delete(m[0])
      p.resolve(m[1])
    })
    e.w.on('error', (err) => { for (const p of pending.values()) p.reject(err); pending.clear() })
    return e
  })
  const call = (x) => new Promise((resolve, reject) => {
    let best = workers[0]
    for (const e of workers) if (e.inFlight < best.inFlight) best = e
    const id = nextId++
    pending.set(id, { resolve, reject })
    best.inFlight++
    best.w.postMessage([id, x])
  })
  return { name: 'raw Workers', call, close: () => Promise.all(workers.map((e) => e.w.terminate())) }
}

// Measurements.

/** Sequential `await call({ a: 1, b: 2 })` (PERF.md's argument): round-trip times in µs. */
async function sequential(c, n) {
  const xs = new Array(n)
  const arg = { a: 1, b: 2 }
  for (let i = 0; i < n; i++) {
    const t0 = nowUs()
    const r = await c.call(arg)
    xs[i] = nowUs() - t0
    if (r !== 3) throw new Error(`${c.name}: run({ a: 1, b: 2 }) gave ${r}`)
  }
  return xs
}

/**
 * CPU time (µs) the main thread has used so far, from Linux's
 * /proc/self/task/<pid>/schedstat (ns); undefined elsewhere.
 */
function mainThreadCpuUs() {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000
  } catch {
    return undefined
  }
}

/**
 * `total` tiny tasks keeping `depth` in flight: tasks per second, and the
 * main thread's CPU per task in ns (the host's share of each call; NaN
 * where it cannot be read).
 */
async function inFlight(c, total, depth) {
  let issued = 0
  let bad = 0
  const lane = async () => {
    while (issued < total) {
      const x = issued++
      if ((await c.call(x)) !== x + 1) bad++
    }
  }
  const cpu0 = mainThreadCpuUs()
  const t0 = nowUs()
  await Promise.all(Array.from({ length: depth }, lane))
  const us = nowUs() - t0
  const cpu = cpu0 === undefined ? NaN : mainThreadCpuUs() - cpu0
  if (bad > 0) throw new Error(`${c.name}: ${bad} wrong results`)
  return { rate: total / (us / 1e6), hostNs: (cpu / total) * 1000 }
}

/** Contenders of the 64-in-flight row measured in turns (see ROUNDS). */
const IN_TURNS = ['isothread', 'piscina', 'raw Workers']

/**
 * The 64-in-flight row for IN_TURNS: every pool open and warm, then
 * `ROUNDS` turns of each in the same order. Returns each one's median
 * turn (`{ rate, hostNs }`, as inFlight gives), by name.
 */
async function flightTurns(makers) {
  const open = []
  try {
    for (const name of IN_TURNS) {
      const c = await makers[name]()
      open.push(c)
      await inFlight(c, QUICK ? 1000 : 10000, DEPTH)
    }
    const runs = Object.fromEntries(IN_TURNS.map((n) => [n, []]))
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of open) runs[c.name].push(await inFlight(c, N_FLIGHT / 2, DEPTH))
    }
    return Object.fromEntries(IN_TURNS.map((n) => [n, runs[n].sort((a, b) => a.rate - b.rate)[ROUNDS >> 1]]))
  } finally {
    for (const c of open) await c.close()
  }
}

/** `n` × fib(20) queued at once: wall time in ms. */
async function burst(c, n) {
  const t0 = nowUs()
  const calls = new Array(n)
  for (let i = 0; i < n; i++) calls[i] = c.call(FIB_N)
  const rs = await Promise.all(calls)
  const ms = (nowUs() - t0) / 1000
  if (rs.some((r) => r !== 6765)) throw new Error(`${c.name}: wrong fib(${FIB_N})`)
  return ms
}

/** The same `n` × fib(20) on the main thread: ms (JIT warmed first). */
function serialFib(n) {
  // eslint-disable-next-line no-new-func
  const fib = new Function(`${FIB_SRC}; return fib`)()
  let sink = 0
  for (let i = 0; i < 500; i++) sink += fib(FIB_N)
  const t0 = nowUs()
  for (let i = 0; i < n; i++) sink += fib(FIB_N)
  const ms = (nowUs() - t0) / 1000
  if (sink !== (n + 500) * 6765) throw new Error('serial fib')
  return ms
}

/**
 * The floor for the burst on our threads: the same fib(20)s run as one
 * looping call per thread, so no per-call cost at all. What is left above
 * 0.5x serial is the engine: this V8 build runs such code a little slower
 * than Node's own. Returns `{ run(n) → wall ms, close() }`.
 */
async function floorPool() {
  const pool = new ThreadPool(() => {
    function fib(k) { return k < 2 ? k : fib(k - 1) + fib(k - 2) }
    return (count) => { let s = 0; for (let i = 0; i < count; i++) s += fib(20); return s }
  }, SIZE, { scheduler: 'round-robin' })
  await Promise.all([pool.run(200), pool.run(200)]) // warm
  const run = async (n) => {
    const t0 = nowUs()
    const sums = await Promise.all([pool.run(n / 2), pool.run(n / 2)])
    const ms = (nowUs() - t0) / 1000
    if (sums.some((s) => s !== (n / 2) * 6765)) throw new Error('floor fib')
    return ms
  }
  return { run, close: () => pool.close() }
}

/** Process CPU (every thread) over `ms` of idleness, in % of one core. */
async function idleCpu(ms) {
  await sleep(50)
  const c0 = process.cpuUsage()
  const t0 = nowUs()
  await sleep(ms)
  const c = process.cpuUsage(c0)
  return ((c.user + c.system) / (nowUs() - t0)) * 100
}

/** Both measured paths warm, the lone call's last (it is timed first; see WARM_CALLS). */
async function warmTiny(c) {
  await inFlight(c, QUICK ? 1000 : 10000, DEPTH)
  await sequential(c, WARM_CALLS)
}

async function warmFib(c) {
  const calls = []
  for (let i = 0; i < (QUICK ? 100 : 400); i++) calls.push(c.call(FIB_N))
  await Promise.all(calls)
}

module.exports = async function poolBench() {
  // `node bench/pool.js [trip|flight|burst|idle …]`: those rows only (default: all)
  const only = require.main === module ? process.argv.slice(2).filter((a) => !a.startsWith('--')) : []
  const row = (name) => only.length === 0 || only.includes(name)
  const files = writeWorkerFiles()
  try {
    // (a) sequential round trip, (b) 64 in flight, (d) idle CPU: one tiny-task pool per contender.
    const seq = {}
    const tput = {}
    const idle = {}
    /** Main-thread CPU per task at 64 in flight, ns. */
    const hostNs = {}
    const makers = [
      ['isothread', () => ours('inc')],
      ['piscina', () => piscina(files, 'inc')],
      ['tinypool', () => tinypool(files, 'inc')],
      ['workerpool', () => workerpool(files, 'inc')],
      ['raw Workers', () => rawWorkers(files, 'inc')],
    ]
    for (const [name, make] of makers) {
      const c = await make()
      try {
        await warmTiny(c)
        if (name === 'isothread' && row('trip')) await sample('pool trip before')
        if (name !== 'workerpool' && row('trip')) seq[name] = await sequential(c, N_SEQ)
        if (name === 'isothread' && row('trip')) await sample('pool trip after')
        if (row('flight') && !IN_TURNS.includes(name)) {
          const run = await inFlight(c, N_FLIGHT, DEPTH)
          tput[name] = run.rate
          hostNs[name] = run.hostNs
        }
        if ((name === 'isothread' || name === 'piscina') && row('idle')) idle[name] = await idleCpu(IDLE_MS)
      } finally {
        await c.close()
      }
    }

    if (row('flight')) {
      for (const [name, run] of Object.entries(await flightTurns(Object.fromEntries(makers)))) {
        tput[name] = run.rate
        hostNs[name] = run.hostNs
      }
    }

    const st = {}
    for (const name of Object.keys(seq)) st[name] = stats(seq[name])
    const mine = st.isothread
    if (row('trip')) report(
      'pool of 2: warm run() round trip, one in flight, argument { a: 1, b: 2 }',
      fmtStats(mine, 'µs'),
      ['piscina', 'tinypool', 'raw Workers'].map((n) => `${n} ${fmtStats(st[n], 'µs')}`).join('; '),
      `p50 ${frac(mine.p50, st.piscina.p50)} piscina (tinypool ${frac(mine.p50, st.tinypool.p50)}, raw Workers ${frac(mine.p50, st['raw Workers'].p50)})`,
      'p50 ≤ 1/15 of piscina',
    )
    if (row('trip')) report(
      'pool of 2: same round trip, mean and tail',
      `mean ${fmt(mine.mean, 'µs')}, p99 ${fmt(mine.p99, 'µs')}`,
      `piscina mean ${fmt(st.piscina.mean, 'µs')}`,
      `mean ${frac(mine.mean, st.piscina.mean)} piscina; our p99 ${(mine.p99 / mine.p50).toFixed(1)}x our p50`,
      'mean ≤ 1/10 of piscina; p99 ≤ 4× our p50',
    )
    if (row('flight')) report(
      `pool of 2: tiny tasks/s, ${DEPTH} in flight (${IN_TURNS.join(', ')}: median of ${ROUNDS} turns taken in alternation)`,
      `${rate(tput.isothread)} (host thread CPU ${hostCpu(hostNs.isothread)} a task)`,
      ['piscina', 'tinypool', 'workerpool', 'raw Workers'].map((n) => `${n} ${rate(tput[n])} (${hostCpu(hostNs[n])})`).join(', '),
      `${(tput.isothread / tput.piscina).toFixed(1)}x piscina, ${(tput.isothread / tput['raw Workers']).toFixed(2)}x raw Workers`,
      '≥ 25× piscina and ≥ 2× raw Workers',
    )

    // (c) n × fib(20) all queued at once, against the same work on the main thread.
    if (row('burst')) await burstRow(files)

    if (row('idle')) report(
      `CPU of an open idle pool of 2 over ${IDLE_MS} ms`,
      `${idle.isothread.toFixed(2)} % of a core`,
      `piscina ${idle.piscina.toFixed(2)} % of a core`,
      '-',
      '< 1 % of a core',
    )
  } finally {
    fs.rmSync(files.dir, { recursive: true, force: true })
  }
}

/**
 * The fib(20) burst row: ours, piscina and raw Workers against serial and
 * the floor. Ours and the floor, the two the target compares, run in turns
 * (BURST_ROUNDS of each, medians reported, and the median of ours less the
 * floor in each pair of turns): measured once each, seconds apart, the
 * floor alone swung 0.48-0.75x serial between runs, and 0.49-0.79x between
 * turns a minute apart.
 */
async function burstRow(files) {
  const walls = {}
  let serial = serialFib(N_FIB)
  for (const [name, make] of [
    ['piscina', () => piscina(files, 'fib')],
    ['raw Workers', () => rawWorkers(files, 'fib')],
  ]) {
    const c = await make()
    try {
      await warmFib(c)
      walls[name] = await burst(c, N_FIB)
    } finally {
      await c.close()
    }
  }
  const mine = ours('fib')
  const floor = await floorPool()
  try {
    await warmFib(mine)
    const turns = { isothread: [], floor: [] }
    for (let r = 0; r < BURST_ROUNDS; r++) {
      turns.isothread.push(await burst(mine, N_FIB))
      turns.floor.push(await floor.run(N_FIB))
    }
    // Each pair of turns, back to back, met about the same machine.
    const over = turns.isothread.map((ms, i) => ms - turns.floor[i])
    walls.over = over.sort((a, b) => a - b)[BURST_ROUNDS >> 1]
    for (const [name, xs] of Object.entries(turns)) walls[name] = xs.sort((a, b) => a - b)[BURST_ROUNDS >> 1]
  } finally {
    await mine.close()
    await floor.close()
  }
  serial = Math.min(serial, serialFib(N_FIB)) // before and after the pools: the less disturbed one
  const share = (name) => `${(walls[name] / serial).toFixed(2)}x`
  report(
    `pool of 2: ${N_FIB / 1000}k × fib(${FIB_N}) queued at once, wall / serial (ours and the floor: median of ${BURST_ROUNDS} turns taken in alternation)`,
    `${share('isothread')} (${fmt(walls.isothread, 'ms')})`,
    `piscina ${share('piscina')} (${fmt(walls.piscina, 'ms')}), raw Workers ${share('raw Workers')} (${fmt(walls['raw Workers'], 'ms')}); serial ${fmt(serial, 'ms')}; floor: the same work as one looping call per thread ${share('floor')}`,
    `${share('isothread')} serial; ours − the floor in the same pair of turns ${walls.over >= 0 ? '+' : '−'}${(Math.abs(walls.over) / serial).toFixed(2)} (median of ${BURST_ROUNDS} pairs)`,
    '≤ the floor + 0.02',
  )
}

if (require.main === module) {
  module.exports().catch((err) => { console.error(err); process.exit(1) })
}
