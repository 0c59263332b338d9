'use strict'
// Where the addon could throw though no cause is known (its arguments are
// the library's own), every promise still settles and nothing keeps the
// process alive: the native methods are patched here to throw. Each case
// runs in a child process that must end by itself (a call left in flight
// would keep it alive until the timeout).
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild, describe, noCrashOutput, ROOT } = require('./helpers')

const NATIVE = JSON.stringify(`${ROOT}/native/binding.js`)

/** Run `body` (an async function's body) in a child; its stdout lines. */
function child(body) {
  const r = runChild(`
    const native = require(${NATIVE})
    const settle = (p) => p.then((v) => 'ok ' + v, (e) => 'err ' + e.message)
    ;(async () => { ${body} })().then(() => console.log('done'), (e) => console.log('failed', e))
  `, { timeout: 20000 })
  assert.equal(r.status, 0, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /done\n$/, describe(r))
  return r.stdout.trim().split('\n')
}

test('calls held while a thread or pool is busy reject with what runBatch threw; later calls run', () => {
  const lines = child(`
    for (const [kind, make] of [
      ['thread', () => new lib.Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms })],
      ['pool', () => new lib.ThreadPool(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms }, 1)],
    ]) {
      const c = make()
      await c.run(0)
      const proto = kind === 'thread' ? native.NativeThread.prototype : native.PoolGroup.prototype
      const real = proto.runBatch
      proto.runBatch = function () { throw new Error('boom') }
      const busy = c.run(30)
      const held = Array.from({ length: 40 }, () => c.run(1))
      const outcomes = await Promise.all(held.map(settle))
      proto.runBatch = real
      console.log(kind, await busy, outcomes.filter((o) => o === 'err boom').length, await c.run(2))
    }
  `)
  assert.deepEqual(lines, ['thread 30 40 2', 'pool 30 40 2', 'done'])
})

test('a call whose sending throws rejects with that error (run and runWith never throw); later calls run', () => {
  const lines = child(`
    let fail = false
    const boom = () => { throw new Error('boom') }
    const submit = native.NativeThread.prototype.submitFunction
    native.NativeThread.prototype.submitFunction = function () {
      const real = submit.call(this)
      return (...args) => (fail ? boom() : real(...args))
    }
    const run = native.NativeThread.prototype.run
    native.NativeThread.prototype.run = function (...args) { return fail ? boom() : run.apply(this, args) }
    const t = new lib.Thread(() => (x) => x)
    await t.run(1)
    await new Promise((r) => setTimeout(r, 50)) // the thread parks: a lone call is sent, not posted
    fail = true
    let threw = false
    let calls
    try {
      calls = [t.run(2), t.runWith({ args: [3] }), t.runWith({ args: [new Uint8Array(4)], transfer: [] })]
    } catch {
      threw = true
    }
    fail = false
    console.log('threw', threw, (await Promise.all(calls.map(settle))).join(', '))
    console.log('after', await t.run(4), t.stats().queue)
  `)
  assert.deepEqual(lines, ['threw false err boom, err boom, err boom', 'after 4 0', 'done'])
})

test('a host function whose answer cannot be handed over answers the thread with that error', () => {
  const lines = child(`
    native.NativeThread.prototype.replyFunction = function () {
      return () => { throw new Error('boom') }
    }
    const t = new lib.Thread(() => async () => {
      try {
        return 'answered ' + (await parent.host.twice(21))
      } catch (e) {
        return 'thread got ' + e.message
      }
    }, { host: { twice: (x) => x * 2 } })
    console.log(await t.run())
  `)
  assert.deepEqual(lines, ['thread got boom', 'done'])
})
