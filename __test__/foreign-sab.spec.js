'use strict'
// SharedArrayBuffers made in a worker_threads Worker and lent to threads
// outlive the Worker while a thread, a buffer() or a Messenger queue holds
// them: readable and writable after the Worker ended, freed once released.
// Each case runs in a child process (a use of freed memory crashes it). The
// buffers are 256 MB and touched, so the allocator maps them on their own
// and frees them by unmapping: a read after the free faults, and the RSS
// says whether the memory is held or gone.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { runChild, describe, noCrashOutput } = require('./helpers')

const LIB = JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'))

// Child prelude: `lendFromWorker(workerCode)` runs a Worker that makes
// `sab` (256 MB, every byte 7) and runs `workerCode`; it resolves once the
// Worker has ended. `settle()` collects garbage and lets events drain.
const PRELUDE = `
const { Worker } = require('node:worker_threads')
const MB = 256
const rssMb = () => process.memoryUsage.rss() / 2 ** 20
const settle = async () => {
  for (let i = 0; i < 6; i++) { global.gc(); await new Promise((r) => setTimeout(r, 30)) }
}
function lendFromWorker(workerCode) {
  const w = new Worker(\`
    const lib = require(${LIB})
    const sab = new SharedArrayBuffer(\${MB} << 20)
    new Uint8Array(sab).fill(7)
    ;(async () => { \${workerCode} })().then(() => process.exit(0), (e) => { console.error(e); process.exit(3) })
  \`, { eval: true })
  return new Promise((resolve, reject) => { w.on('error', reject); w.on('exit', (code) => code === 0 ? resolve() : reject(new Error('worker exit ' + code))) })
}
`

function run(code) {
  const r = runChild(PRELUDE + code, { args: ['--expose-gc'], timeout: 60000 })
  assert.ok(r.status === 0 && noCrashOutput(r), describe(r))
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

// Body of a thread function reading `buf` (every 4096th byte, summed),
// then writing every byte and reading it back.
const PROBE = (buf) => `
  const u = new Uint8Array(${buf}); const sum = () => { let s = 0; for (let i = 0; i < u.length; i += 4096) s += u[i]; return s }
  const before = sum(); u.fill(9)
  return { before, after: sum(), pages: u.length / 4096 }`

function assertValidThenFreed(out) {
  assert.equal(out.before, 7 * out.pages, 'the thread reads the bytes the Worker wrote')
  assert.equal(out.after, 9 * out.pages, 'and writes to them')
  assert.ok(out.held > 200, `the memory is held while it is in use (${out.held.toFixed(0)} MB over the start)`)
  assert.ok(out.freed < 100, `and freed once released (${out.freed.toFixed(0)} MB over the start)`)
}

test('a Messenger queue: a service holds what a Worker sent, the Worker ends, the memory stays valid, then is freed', () => {
  assertValidThenFreed(run(`
    const svc = lib.define({
      __initializeService() {
        globalThis.held = []
        messengers.use('foreign-sab').then((m) => m.onMessage((v) => held.push(v)))
      },
      count: () => held.length,
      probe: () => { ${PROBE('held[0]')} },
    })
    ;(async () => {
      const m = new lib.Messenger('foreign-sab')
      const s = await svc.launchService({ messengers: [m] })
      const base = rssMb()
      await lendFromWorker(\`
        const m = new lib.Messenger('foreign-sab')
        m.sendMessage(sab)
        await new Promise((r) => setTimeout(r, 20))
        m.close()
      \`)
      while ((await s.call({ name: 'count' })) === 0) await new Promise((r) => setTimeout(r, 10))
      await settle()
      const held = rssMb() - base
      const r = await s.call({ name: 'probe' })
      await s.close()
      m.close()
      await settle()
      console.log(JSON.stringify({ ...r, held, freed: rssMb() - base }))
    })()
  `))
})

test('a buffer(): a thread reads a Worker\'s buffer after the Worker ended; clean() frees the memory', () => {
  assertValidThenFreed(run(`
    ;(async () => {
      const m = new lib.Messenger('foreign-sab-buffer')
      let handle
      m.onMessage((v) => { handle = v })
      const t = new lib.Thread(() => (b) => { ${PROBE('b.get()')} })
      const base = rssMb()
      await lendFromWorker(\`
        const m = new lib.Messenger('foreign-sab-buffer')
        m.sendMessage(lib.buffer(sab))
        await new Promise((r) => setTimeout(r, 20))
        m.close()
      \`)
      while (handle === undefined) await new Promise((r) => setTimeout(r, 10))
      await settle()
      const held = rssMb() - base
      const r = await t.run(handle)
      await t.close()
      handle.clean()
      m.close()
      await settle()
      console.log(JSON.stringify({ ...r, held, freed: rssMb() - base }))
    })()
  `))
})

test('the host: an ArrayBuffer a Messenger brought from a Worker stays valid after the Worker ended, then is freed', () => {
  const out = run(`
    ;(async () => {
      const m = new lib.Messenger('foreign-sab-host')
      let got
      m.onMessage((v) => { got = v })
      const base = rssMb()
      await lendFromWorker(\`
        const m = new lib.Messenger('foreign-sab-host')
        m.sendMessage(sab)
        await new Promise((r) => setTimeout(r, 20))
        m.close()
      \`)
      while (got === undefined) await new Promise((r) => setTimeout(r, 10))
      await settle()
      const held = rssMb() - base
      const r = (() => { ${PROBE('got')} })()
      got = undefined
      m.close()
      await settle()
      console.log(JSON.stringify({ ...r, held, freed: rssMb() - base }))
    })()
  `)
  assertValidThenFreed(out)
})

test('a Worker\'s own thread holds the memory (argument, global, returned) and the Worker ends without closing it: no crash, freed', () => {
  const out = run(`
    ;(async () => {
      const base = rssMb()
      await lendFromWorker(\`
        const t = new lib.Thread(() => (buf) => { globalThis.kept = buf; ${PROBE('buf')} })
        const r = await t.run(sab)
        const back = await new lib.Thread(() => (buf) => { globalThis.kept = buf; return buf }).run(sab)
        if (r.before !== 7 * r.pages || r.after !== 9 * r.pages) throw new Error('bad bytes ' + JSON.stringify(r))
        if (new Uint8Array(back)[12345] !== 9 || new Uint8Array(sab)[54321] !== 9) throw new Error('the host does not see the writes')
      \`)
      await settle()
      console.log(JSON.stringify({ freed: rssMb() - base }))
    })()
  `)
  assert.ok(out.freed < 100, `freed once the Worker ended (${out.freed.toFixed(0)} MB over the start)`)
})
