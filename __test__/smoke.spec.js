'use strict'
// The smoke file every runtime runs (scripts/runtimes.js): plain asserts,
// no test runner, so Bun and Deno run it as is. Prints "smoke ok".
const assert = require('node:assert')
const { Thread, ThreadPool, Messenger, define, notify } = require('../lib/index.js')

async function main() {
  const t = new Thread(() => { const k = 3; return async (x) => { await new Promise((r) => setTimeout(r, 1)); return x * k } }, { timeout: 2000 })
  assert.strictEqual(await t.run(14), 42)
  // A CommonJS package (resolved from the cwd) and built-ins inside a thread, equal to the host's.
  const pkg = new Thread(() => (s) => [require('lodash').kebabCase(s), require('node:path').join('/a/b', '..', s), Buffer.from(s).toString('base64')])
  assert.deepStrictEqual(await pkg.run('Hi There'), [require('lodash').kebabCase('Hi There'), require('node:path').join('/a/b', '..', 'Hi There'), Buffer.from('Hi There').toString('base64')])
  await pkg.close()
  // TextDecoder('latin1') as this host decodes it (Node 20 byte for byte; Node 22+, Bun and Deno as windows-1252).
  const latin1 = () => (bytes) => new TextDecoder('latin1').decode(Uint8Array.from(bytes))
  const high = Array.from({ length: 40 }, (_, i) => 0x7c + i)
  const dec = new Thread(latin1)
  assert.strictEqual(await dec.run(high), latin1()(high))
  await dec.close()
  const back = await new Thread(() => (v) => v).run({ d: new Date(1), m: new Map([[1, [2n]]]), u: new Uint8Array([1, 2]) })
  assert.ok(back.d instanceof Date && back.m.get(1)[0] === 2n && back.u[1] === 2)
  const err = await t.run.call(new Thread(() => () => { throw new RangeError('r') })).catch((e) => e)
  assert.ok(err instanceof RangeError)
  const loop = new Thread(() => () => { for (;;); }, { timeout: 50 })
  assert.strictEqual((await loop.run().catch((e) => e)).code, 'ERR_TIMEOUT')
  const sab = new SharedArrayBuffer(8)
  const w = new Thread(() => (s) => { new Int32Array(s)[1] = 9; return Atomics.wait(new Int32Array(s), 0, 0, 3000) })
  const waiting = w.run(sab)
  let woken = 0
  for (let i = 0; i < 200 && woken === 0; i++) { await new Promise((r) => setTimeout(r, 5)); woken = notify(new Int32Array(sab), 0) }
  assert.strictEqual(await waiting, 'ok')
  assert.strictEqual(new Int32Array(sab)[1], 9)
  const hog = new Thread(() => () => { const a = []; for (;;) a.push({}) }, { memoryLimit: 16 })
  assert.strictEqual((await hog.run().catch((e) => e)).code, 'ERR_MEMORY_LIMIT')
  // A burst on a work-sharing pool: calls and results cross in batches.
  const pool = new ThreadPool(() => (x) => x * 2, 2)
  const doubled = await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run(i)))
  assert.ok(doubled.every((v, i) => v === i * 2))
  // A Messenger burst from the host reaches a service, packed in one batch.
  const m = new Messenger('smoke')
  const svc = await define({
    __initializeService() { globalThis.got = []; messengers.use('smoke').then((mm) => mm.onMessage((v) => got.push(v))) },
    got: () => globalThis.got,
  }).launchService({ messengers: [m] })
  await new Promise((r) => setTimeout(r, 20))
  for (let i = 0; i < 100; i++) m.sendMessage(i)
  let got = []
  for (let i = 0; i < 200 && got.length < 100; i++) { await new Promise((r) => setTimeout(r, 5)); got = await svc.call({ name: 'got' }) }
  assert.deepStrictEqual(got, Array.from({ length: 100 }, (_, i) => i))
  await Promise.all([t.close(), loop.close(), w.close(), hog.close(), pool.close(), svc.close()])
  m.close()
  console.log('smoke ok')
  // Exit with busy threads: the runtime must end cleanly, code 0.
  for (let i = 0; i < 2; i++) new Thread(() => () => { for (;;); }).run().catch(() => {})
  setTimeout(() => process.exit(0), 50)
}

main().catch((e) => { console.error(e); process.exit(1) })
