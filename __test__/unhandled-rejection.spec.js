'use strict'
// A promise rejection nobody handles, made while a call is in flight,
// rejects that call, also when the function returned synchronously; one
// handled before the call's microtasks ran out does not (API.md §7).
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')
const { runChild, describe } = require('./helpers')

/** Ways to leave a rejection behind; each returns 'ok' (or a promise of it). */
const context = () => {
  const cases = {
    syncUnhandled() { Promise.reject(new Error('sync unhandled')); return 'ok' },
    microtaskUnhandled() { Promise.resolve().then(() => { throw new Error('microtask unhandled') }); return 'ok' },
    handledInMicrotask() { const p = Promise.reject(new Error('x')); queueMicrotask(() => p.catch(() => {})); return 'ok' },
    handledInChain() { const p = Promise.reject(new Error('x')); Promise.resolve().then(() => 0).then(() => p.catch(() => {})); return 'ok' },
    handledInTimer() { const p = Promise.reject(new Error('handled too late')); setTimeout(() => p.catch(() => {}), 0); return 'ok' },
    async asyncHandledLater() { const p = Promise.reject(new Error('x')); await null; p.catch(() => {}); return 'ok' },
    async asyncUnhandled() { Promise.reject(new TypeError('async unhandled')); await new Promise((r) => setTimeout(r, 10)); return 'ok' },
  }
  return (name) => cases[name]()
}

const EXPECTED = {
  syncUnhandled: 'sync unhandled',
  microtaskUnhandled: 'microtask unhandled',
  handledInMicrotask: null,
  handledInChain: null,
  handledInTimer: 'handled too late',
  asyncHandledLater: null,
  asyncUnhandled: 'async unhandled',
}

test('a rejection nobody handles rejects the call, sync or async; one handled in the same turn does not; the thread serves on', async () => {
  const t = new Thread(context, { name: 'rejecting' })
  for (const [name, message] of Object.entries(EXPECTED)) {
    const outcome = await t.run(name).then((v) => v, (e) => e)
    if (message === null) assert.equal(outcome, 'ok', name)
    else assert.ok(outcome instanceof Error && outcome.message === message, `${name}: ${String(outcome)}`)
  }
  assert.equal((await t.run('asyncUnhandled').catch((e) => e)).name, 'TypeError')
  assert.equal(await t.run('handledInMicrotask'), 'ok')
  await t.close()
})

test('Node on the host reports the same rejections as unhandled (unhandledRejection)', () => {
  const r = runChild(`
    const run = (${context.toString()})()
    const seen = {}
    let current
    process.on('unhandledRejection', (e) => { seen[current] = e.message })
    ;(async () => {
      for (const name of ${JSON.stringify(Object.keys(EXPECTED))}) {
        current = name
        seen[name] = null
        await Promise.resolve(run(name)).catch(() => {})
        await new Promise((r) => setTimeout(r, 30))
      }
      console.log(JSON.stringify(seen))
    })()
  `)
  assert.equal(r.status, 0, describe(r))
  assert.deepEqual(JSON.parse(r.stdout), EXPECTED)
})

test('the value rejected is what the call rejects with: a non-Error, and the first of several', async () => {
  const t = new Thread(() => (kind) => {
    if (kind === 'number') Promise.reject(42)
    if (kind === 'two') { Promise.reject(new Error('first')); Promise.reject(new Error('second')) }
    return 'ok'
  })
  await assert.rejects(t.run('number'), (v) => v === 42)
  await assert.rejects(t.run('two'), { message: 'first' })
  assert.equal(await t.run('none'), 'ok')
  await t.close()
})

test('in a pool, the rejection rejects the call that made it, not a sibling\'s', async () => {
  const pool = new ThreadPool(() => async (reject, ms) => {
    await new Promise((r) => setTimeout(r, ms))
    if (reject) Promise.reject(new Error('mine'))
    return 'fine'
  }, 2)
  const [bad, good] = await Promise.allSettled([pool.run(true, 5), pool.run(false, 30)])
  assert.equal(bad.reason.message, 'mine')
  assert.equal(good.value, 'fine')
  await pool.close()
})

test('with no call in flight a rejection is printed naming the thread, and the thread serves on', () => {
  const r = runChild(`
    const t = new lib.Thread(() => (x) => { setTimeout(() => Promise.reject(new Error('rejected after the call')), 5); return x }, { name: 'late' })
    ;(async () => {
      console.log('first', await t.run(1))
      await new Promise((r) => setTimeout(r, 50))
      console.log('next', await t.run(2))
      await t.close()
    })()
  `)
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /first 1\nnext 2/)
  assert.match(r.stderr, /thread "late"/)
  assert.match(r.stderr, /rejected after the call/)
})

test('the microtasks a synchronous return queued are part of its call: timeout ends a loop of them and the thread serves on', async () => {
  const t = new Thread(() => (loop) => {
    if (loop) { const spin = () => Promise.resolve().then(spin); spin() }
    return 'returned'
  }, { timeout: 100 })
  await assert.rejects(t.run(true), { code: 'ERR_TIMEOUT' })
  assert.equal(await t.run(false), 'returned')
  await t.close()
})
