'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, lock, unlock } = require('..')

test('the llib scenario: the host takes lock 5, a thread waits on it until the host unlocks', async () => {
  await lock(5)
  const flag = new SharedArrayBuffer(4)
  const t = new Thread(() => (f) => { Atomics.store(new Int32Array(f), 0, 1); lock('5'); const at = Date.now(); unlock(5); return at })
  const result = t.run(flag)
  while (Atomics.load(new Int32Array(flag), 0) === 0) await new Promise((r) => setTimeout(r, 5))
  await new Promise((r) => setTimeout(r, 100)) // the thread is in lock() by now
  const unlockedAt = Date.now()
  unlock('5')
  const gotAt = await result
  assert.ok(gotAt >= unlockedAt, `the thread got the lock at ${gotAt}, before the host unlocked it at ${unlockedAt}`)
  await t.close()
})

test('a lock kept by a call that returned is still held; a later call unlocks it', async () => {
  const t = new Thread(() => (op) => { if (op === 'take') lock('kept'); else unlock('kept'); return op })
  await t.run('take')
  let got = false
  const hostWaits = lock('kept').then(() => { got = true })
  await new Promise((r) => setTimeout(r, 30))
  assert.equal(got, false)
  await t.run('release')
  await hostWaits
  assert.equal(got, true)
  unlock('kept')
  await t.close()
})

test('unlock of a lock you do not hold throws ERR_NOT_LOCKED, on the host and in a thread', async () => {
  assert.throws(() => unlock('nobody'), { code: 'ERR_NOT_LOCKED' })
  const t = new Thread(() => () => { try { unlock('nobody') } catch (e) { return e.code } })
  assert.equal(await t.run(), 'ERR_NOT_LOCKED')
  await assert.rejects(lock({}), { code: 'ERR_INVALID_ARG' })
  await t.close()
})

test('a thread blocked in lock() is stopped by its timeout, abort or dispose within 100 ms', async () => {
  await lock('held')
  const t = new Thread(() => () => { lock('held'); return 'got it' }, { timeout: 50 })
  let start = Date.now()
  await assert.rejects(t.run(), { code: 'ERR_TIMEOUT' })
  assert.ok(Date.now() - start < 150, `timeout took ${Date.now() - start} ms`)
  const ac = new AbortController()
  const p = t.runWith({ signal: ac.signal, timeout: 10000 })
  setTimeout(() => ac.abort(), 30)
  await assert.rejects(p, { code: 'ERR_ABORTED' })
  start = Date.now()
  const q = t.runWith({ timeout: 10000 }).catch((e) => e)
  await new Promise((r) => setTimeout(r, 20))
  await t.dispose()
  assert.equal((await q).code, 'ERR_CLOSED')
  assert.ok(Date.now() - start < 150, `dispose took ${Date.now() - start} ms`)
  unlock('held')
})

test('a thread that ends or is terminated releases its locks', async () => {
  const t = new Thread(() => (spin) => { lock('dies'); if (spin) for (;;); return 1 }, { timeout: 50 })
  await assert.rejects(t.run(true), { code: 'ERR_TIMEOUT' })
  await lock('dies') // released by the termination
  unlock('dies')
  await t.run(false) // held by a call that returned
  await t.close() // released when the thread ends
  await lock('dies')
  unlock('dies')
})

test('locks serialize work across threads', async () => {
  const sab = new SharedArrayBuffer(8)
  const threads = [1, 2, 3, 4].map(() => new Thread(() => (s, n) => {
    const v = new Int32Array(s)
    for (let i = 0; i < n; i++) {
      lock('counter')
      const x = v[0] // a non-atomic read-modify-write, safe only under the lock
      v[0] = x + 1
      unlock('counter')
    }
    return n
  }))
  await Promise.all(threads.map((t) => t.run(sab, 5000)))
  assert.equal(new Int32Array(sab)[0], 20000)
  await Promise.all(threads.map((t) => t.close()))
})
