'use strict'
// Process-level behaviour, each case in its own child process.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { ROOT, runChild, spawnChild, describe, noCrashOutput } = require('./helpers')

test('our V8 stays private: no V8 C++ symbol is exported, and internal references bind locally', () => {
  const dir = path.join(ROOT, 'native')
  const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.node')))
  const out = execFileSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' })
  const symbols = out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).pop())
  assert.ok(symbols.includes('napi_register_module_v1'))
  // Besides the Node-API entry point, rustc exports the v8 crate's own
  // #[no_mangle] Rust callbacks (serializer delegates, inspector bases);
  // nothing of V8 itself (no C++ mangled names, no v8::internal).
  const foreign = symbols.filter((s) => s !== 'napi_register_module_v1' && !/^v8(_inspector)?__\w+__(Delegate|BASE)__\w+$/.test(s))
  assert.deepEqual(foreign, [], `unexpected exports: ${foreign.slice(0, 10).join(', ')}`)
  // -Bsymbolic: even those bind to our own definitions, never to a host's.
  assert.match(execFileSync('readelf', ['-d', file], { encoding: 'utf8' }), /SYMBOLIC/)
})

test('a script ends promptly after its last result without close() (idle threads never keep it alive)', () => {
  const start = Date.now()
  const r = runChild(`
    const t = new lib.Thread(() => (x) => x + 1)
    t.run(41).then((v) => console.log('result', v))
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /result 42/)
  // Exit joins every thread, the warm spare included, without waiting out a timeout.
  assert.ok(Date.now() - start < 2000, `exit took ${Date.now() - start} ms`)
})

test('a call in flight keeps the process alive until it settles', () => {
  const r = runChild(`
    const t = new lib.Thread(() => () => new Promise((r) => setTimeout(() => r('late'), 300)))
    t.run().then((v) => console.log('settled', v))
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /settled late/)
})

test('unref() lets the process exit with a call in flight', () => {
  const start = Date.now()
  const r = runChild(`
    const t = new lib.Thread(() => () => new Promise((r) => setTimeout(r, 20000)), { reffed: false })
    t.run().then(() => console.log('should not settle'))
    const u = new lib.Thread(() => () => new Promise((r) => setTimeout(r, 20000)))
    u.unref()
    u.run().then(() => console.log('should not settle'))
  `, { timeout: 15000 })
  assert.equal(r.status, 0, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.doesNotMatch(r.stdout, /should not settle/)
  assert.ok(Date.now() - start < 10000)
})

test('natural exit with threads open, busy and closed is clean', () => {
  const r = runChild(`
    const busy = [1, 2, 3].map(() => new lib.Thread(() => () => { for (;;); }).unref())
    for (const t of busy) t.run().catch(() => {})
    const open = new lib.Thread(() => () => 1)
    const closed = new lib.Thread(() => () => 1)
    closed.run().then(() => closed.close()).then(() => open.run()).then(() => console.log('end'))
  `, { timeout: 15000 })
  assert.equal(r.status, 0, describe(r))
  assert.equal(r.signal, null)
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /end/)
})

test('process.exit() with eight busy threads exits cleanly with its code', () => {
  const r = runChild(`
    const ts = [1, 2, 3, 4, 5, 6, 7, 8].map(() => new lib.Thread(() => () => { let a = []; for (;;) { a.push(new Array(10)); if (a.length > 1e4) a = [] } }))
    for (const t of ts) t.run().catch(() => {})
    setTimeout(() => process.exit(7), 100)
  `, { timeout: 15000 })
  assert.equal(r.status, 7, describe(r))
  assert.equal(r.signal, null)
  assert.ok(noCrashOutput(r), describe(r))
})

test('SIGTERM with eight busy threads ends the process promptly without a crash', async () => {
  const child = spawnChild(`
    const ts = [1, 2, 3, 4, 5, 6, 7, 8].map(() => new lib.Thread(() => () => { for (;;); }))
    for (const t of ts) t.run().catch(() => {})
    console.log('ready')
  `)
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  await new Promise((resolve) => child.stdout.once('data', resolve))
  await new Promise((r) => setTimeout(r, 100))
  child.kill('SIGTERM')
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  assert.equal(signal, 'SIGTERM', `code=${code} ${err}`)
  assert.ok(!/panicked|Fatal error/.test(err), err)
  assert.match(out, /ready/)
})

test('the addon loads and works inside worker_threads, and a terminated worker ends its threads', () => {
  const r = runChild(`
    const { Worker } = require('node:worker_threads')
    const code = \`
      const { parentPort } = require('node:worker_threads')
      const lib = require(\${JSON.stringify(require.resolve(${JSON.stringify(path.join(ROOT, 'lib/index.js'))}))})
      const t = new lib.Thread(() => (x) => x * 2)
      t.run(21).then((v) => { parentPort.postMessage(v); const busy = new lib.Thread(() => () => { for (;;); }); busy.run().catch(() => {}) })
    \`
    ;(async () => {
      const results = await Promise.all([1, 2, 3].map(() => new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true })
        w.once('message', (v) => { resolve(v); setTimeout(() => w.terminate(), 50) })
        w.once('error', reject)
      })))
      console.log('workers', results.join(','))
      const t = new lib.Thread(() => () => 'main ok')
      console.log(await t.run())
    })()
  `, { timeout: 30000 })
  assert.equal(r.status, 0, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /workers 42,42,42/)
  assert.match(r.stdout, /main ok/)
})

test('a thread with timers pending but no call in flight is idle; close() does not wait for its timers', () => {
  const start = Date.now()
  const r = runChild(`
    const t = new lib.Thread(() => () => { setInterval(() => console.log('tick'), 20); return 'returned' })
    t.run().then(async (v) => {
      console.log(v)
      await new Promise((r) => setTimeout(r, 70))
      const t0 = Date.now()
      await t.close()
      console.log('closed in', Date.now() - t0)
    })
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /returned/)
  assert.match(r.stdout, /tick/, 'timers left running after the call keep running')
  const closedIn = Number(/closed in (\d+)/.exec(r.stdout)[1])
  assert.ok(closedIn < 500, `close() took ${closedIn} ms`)
  assert.ok(Date.now() - start < 5000, 'the interval did not keep the process alive')
})
