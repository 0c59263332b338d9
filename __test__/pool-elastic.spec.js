'use strict'
// Elastic pools (API.md §1): minThreads stay, the others leave after
// idleTimeout ms idle and start again on demand; pool.size is the threads
// open now. Idle threads never keep the process alive (§7 Liveness).
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadPool } = require('..')
const { runChild, describe } = require('./helpers')

const BLOCKER = () => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return threadId }

/** Wait until `check()` holds, 5 s at most; the last value of `check()`. */
async function until(check) {
  const end = Date.now() + 5000
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
  return check()
}

test('threads start on demand up to poolSize and leave after idleTimeout, never below minThreads', async () => {
  const pool = new ThreadPool(BLOCKER, 3, { minThreads: 1, idleTimeout: 100 })
  assert.equal(pool.size, 1)
  const ids = await Promise.all([pool.run(100), pool.run(100), pool.run(100)])
  assert.equal(new Set(ids).size, 3, 'three calls at once start three threads')
  assert.equal(pool.size, 3)
  assert.ok(await until(() => pool.size === 1), `size ${pool.size} after idling`)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(pool.size, 1, 'minThreads stay')
  // Demand again: new threads, new ids.
  const again = await Promise.all([pool.run(50), pool.run(50)])
  assert.equal(new Set(again).size, 2)
  assert.equal(pool.size, 2)
  await pool.close()
  assert.equal(pool.size, 0)
})

test('minThreads 0: no thread until a call, none left once idle; calls still run', async () => {
  const pool = new ThreadPool(() => (x) => x * 2, 2, { minThreads: 0, idleTimeout: 50 })
  assert.equal(pool.size, 0)
  assert.equal(await pool.run(21), 42)
  assert.ok(await until(() => pool.size === 0), `size ${pool.size}`)
  assert.deepEqual(await Promise.all([pool.run(1), pool.run(2), pool.run(3)]), [2, 4, 6])
  assert.equal(pool.stats().completed, 4)
  await pool.close()
})

test('idleTimeout 0 sheds idle threads at once; a fixed pool (the default) keeps them', async () => {
  const shed = new ThreadPool(BLOCKER, 2, { minThreads: 0, idleTimeout: 0 })
  const fixed = new ThreadPool(BLOCKER, 2, { idleTimeout: 0 })
  await Promise.all([shed.run(20), shed.run(20), fixed.run(20), fixed.run(20)])
  assert.ok(await until(() => shed.size === 0))
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(fixed.size, 2)
  await Promise.all([shed.close(), fixed.close()])
})

test("idleTimeout counts from a thread's last call, whatever timers wake it meanwhile", async () => {
  const pool = new ThreadPool(() => { setInterval(() => {}, 5); return () => threadId }, 2, { minThreads: 0, idleTimeout: 100 })
  await Promise.all([pool.run(), pool.run()])
  assert.ok(await until(() => pool.size === 0), `size ${pool.size}`)
  await pool.close()
})

test('minThreads and idleTimeout are checked', () => {
  const ok = () => (x) => x
  for (const options of [{ minThreads: -1 }, { minThreads: 1.5 }, { minThreads: 3 }, { minThreads: '1' }, { idleTimeout: -1 }, { idleTimeout: 'x' }, { idleTimeout: NaN },
    { scheduler: 'round-robin', minThreads: 1 }]) {
    assert.throws(() => new ThreadPool(ok, 2, options), { code: 'ERR_INVALID_ARG' }, JSON.stringify(options))
  }
})

test("an elastic pool's idle threads never keep the process alive", () => {
  const r = runChild(`
    const pool = new lib.ThreadPool(() => (x) => x + 1, 2, { minThreads: 1, idleTimeout: 60000 })
    Promise.all([pool.run(1), pool.run(2)]).then((v) => console.log('results', v.join()))
  `, { timeout: 20000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /results 2,3/)
})
