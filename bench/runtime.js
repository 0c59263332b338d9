'use strict'
// What a thread runs (RUNTIME.md, PERF.md): start → first React render of a
// thread whose context requires react + react-dom/server, against a Worker
// requiring the same (the first thread of a process compiles; the second
// compiles from the code cache the first left); sha256 and gzip of 1 MB in
// a thread (node:crypto, node:zlib) against the same calls on the host.

const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { Thread } = require('..')
const { QUICK, pct, mean, nowUs, fmt, report } = require('./lib')

const ROOT = path.join(__dirname, '..')
const reactPath = require.resolve('react', { paths: [ROOT] })
const serverPath = require.resolve('react-dom/server', { paths: [ROOT] })

/** The context of a rendering thread (sent as source: the paths are written into it). */
const renderContext = (reactPath, serverPath) => new Function(`return () => {
  const React = require(${JSON.stringify(reactPath)})
  const { renderToString } = require(${JSON.stringify(serverPath)})
  return (n) => renderToString(React.createElement('ul', null,
    Array.from({ length: n }, (_, i) => React.createElement('li', { key: i, className: 'row' }, 'item ' + i))))
}`)()

/** In a child process: ms from new Thread to the first render, for three threads in a row. */
async function child() {
  const out = []
  for (let i = 0; i < 3; i++) {
    const t0 = nowUs()
    const t = new Thread(renderContext(reactPath, serverPath))
    await t.run(10)
    out.push((nowUs() - t0) / 1000)
    await t.close()
  }
  console.log(JSON.stringify(out))
}

function workerRender() {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const React = require(workerData.reactPath)
    const { renderToString } = require(workerData.serverPath)
    parentPort.postMessage(renderToString(React.createElement('ul', null,
      Array.from({ length: 10 }, (_, i) => React.createElement('li', { key: i, className: 'row' }, 'item ' + i)))))`
  return new Promise((resolve, reject) => {
    const t0 = nowUs()
    const w = new Worker(code, { eval: true, workerData: { reactPath, serverPath } })
    w.once('message', () => { resolve((nowUs() - t0) / 1000); w.terminate() })
    w.once('error', reject)
  })
}

const stats = (xs) => `p50 ${fmt(pct(xs, 50), 'ms')} (mean ${fmt(mean(xs), 'ms')}, p99 ${fmt(pct(xs, 99), 'ms')})`

async function react() {
  const runs = QUICK ? 1 : 5
  const first = []
  const second = []
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child'], { cwd: ROOT, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`)
    const [a, b, c] = JSON.parse(r.stdout.trim().split('\n').pop())
    first.push(a)
    second.push(b, c)
  }
  const workers = []
  await workerRender() // warm the host's own module cache
  for (let i = 0; i < (QUICK ? 1 : 7); i++) workers.push(await workerRender())
  const f = pct(first, 50)
  const s = pct(second, 50)
  const w = pct(workers, 50)
  report('react + react-dom/server: start → first render (first thread of a process)', stats(first), `Worker ${stats(workers)}`, `1/${(w / f).toFixed(1)}`, '≤ 1/5 of a Worker')
  report('react + react-dom/server: start → first render (second thread: code cache)', stats(second), `first thread p50 ${fmt(f, 'ms')}`, `${(s / f).toFixed(2)}×`, '≤ 1/2 of the first')
}

/** ms per op: `n` runs of `op(i)` on 1 MB of text, here and in a thread. */
const computeContext = () => {
  const crypto = require('node:crypto')
  const zlib = require('node:zlib')
  const data = Buffer.from(Array.from({ length: 1 << 15 }, (_, i) => `row ${i} ${(i * 2654435761) % 1000003};`).join('').slice(0, 1 << 20))
  const ops = {
    sha256: () => crypto.createHash('sha256').update(data).digest('hex'),
    gzip: () => zlib.gzipSync(data).length,
  }
  return (name, n) => {
    const t0 = performance.now()
    let last
    for (let i = 0; i < n; i++) last = ops[name]()
    return [(performance.now() - t0) / n, last]
  }
}

async function compute() {
  const t = new Thread(computeContext)
  const host = computeContext()
  for (const [name, n] of [['sha256', QUICK ? 2 : 40], ['gzip', QUICK ? 1 : 10]]) {
    await t.run(name, 1)
    host(name, 1)
    const ours = []
    const theirs = []
    for (let r = 0; r < (QUICK ? 1 : 5); r++) {
      const [tm, tr] = await t.run(name, n)
      const [hm, hr] = host(name, n)
      if (name === 'sha256' && tr !== hr) throw new Error('sha256 differs between thread and host')
      ours.push(tm)
      theirs.push(hm)
    }
    const o = pct(ours, 50)
    const h = pct(theirs, 50)
    report(`${name} of 1 MB inside a thread`, stats(ours), `host ${stats(theirs)}`, `${(o / h).toFixed(2)}×`, '≤ 1.5× the host')
  }
  await t.close()
}

module.exports = async function runtime() {
  console.log('\n## What threads run (npm packages, built-ins)')
  await react()
  await compute()
}

if (require.main === module) {
  if (process.argv.includes('--child')) child()
  else module.exports().catch((e) => { console.error(e); process.exit(1) })
}
