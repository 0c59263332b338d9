'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

// Loop shapes that optimizing compilers treat differently; some need
// --no-turboshaft-loop-unrolling for termination to land (shared/v8/README.md).
const LOOPS = {
  'empty for(;;)': 'for (;;) {}',
  'while(true) counter': 'let i = 0; while (true) { i++ }',
  'allocating arrays': 'let x; while (true) { x = new Array(100) }',
  'pushing arrays': 'const a = []; while (true) { a.push(new Array(100)); if (a.length > 1000) a.length = 0 }',
  'allocating objects': 'let o; while (true) { o = { a: 1, b: [o] } ; o = null }',
  'closures': 'let f; while (true) { f = () => f }',
  'map entries': 'const m = new Map(); let i = 0; while (true) { m.set(i++ % 1000, {}) }',
  'string concatenation': 'let s = ""; while (true) { s += "x"; if (s.length > 1e5) s = "" }',
  'microtask loop': 'const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {})',
  'never-settling promise': 'return new Promise(() => {})',
  'catastrophic regex': 'return /^(a+)+$/.test("a".repeat(40) + "b")',
}

for (const [shape, body] of Object.entries(LOOPS)) {
  test(`timeout terminates: ${shape}`, async () => {
    // eslint-disable-next-line no-new-func
    const fn = new Function(`return () => async (v) => { if (v === 'loop') { ${body} } return v }`)()
    const t = new Thread(fn, { timeout: 100, name: 'looper' })
    const start = Date.now()
    await assert.rejects(t.run('loop'), (err) => {
      assert.equal(err.code, 'ERR_TIMEOUT')
      assert.match(err.message, /looper/)
      assert.match(err.message, /100 ms/)
      return true
    })
    const took = Date.now() - start
    assert.ok(took < 2000, `took ${took} ms`)
    assert.equal(await t.run('next'), 'next', 'the thread serves the next call')
    await t.close()
  })
}

test('a per-call timeout overrides the thread option, and names the thread id', async () => {
  const t = new Thread(() => (ms) => new Promise((r) => setTimeout(() => r(ms), ms)))
  await assert.rejects(t.runWith({ args: [500], timeout: 30 }), (e) => e.code === 'ERR_TIMEOUT' && e.message.includes(`thread ${t.threadId}`))
  assert.equal(await t.runWith({ args: [5], timeout: 1000 }), 5)
  await t.close()
})

test('after a timeout the terminated call leaves nothing behind: no timers, no microtasks', async () => {
  const t = new Thread(() => {
    globalThis.events = []
    return async (mode) => {
      if (mode === 'hang') {
        setTimeout(() => events.push('timer'), 80)
        Promise.resolve().then(() => new Promise(() => {}))
        await new Promise(() => {})
      }
      if (mode === 'read') return events.slice()
    }
  }, { timeout: 50 })
  await assert.rejects(t.run('hang'), { code: 'ERR_TIMEOUT' })
  await new Promise((r) => setTimeout(r, 150))
  assert.deepEqual(await t.run('read'), [], 'the timer of the terminated call never fired')
  await t.close()
})

test('globals stay after a timeout', async () => {
  const t = new Thread(() => { globalThis.count = 0; return (spin) => { count++; if (spin) for (;;); return count } }, { timeout: 50 })
  assert.equal(await t.run(false), 1)
  await assert.rejects(t.run(true), { code: 'ERR_TIMEOUT' })
  assert.equal(await t.run(false), 3)
  await t.close()
})

test('many calls close to their timeout: each resolves or times out, none leaks into the next', async () => {
  const t = new Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms })
  let ok = 0
  let timedOut = 0
  for (let i = 0; i < 300; i++) {
    try {
      const v = await t.runWith({ args: [i % 3], timeout: 2 })
      assert.equal(v, i % 3)
      ok++
    } catch (err) {
      assert.equal(err.code, 'ERR_TIMEOUT')
      timedOut++
    }
    // a call far from its limit must never be hit by an earlier termination
    assert.equal(await t.runWith({ args: [0], timeout: 1000 }), 0)
  }
  assert.equal(ok + timedOut, 300)
  await t.close()
})
