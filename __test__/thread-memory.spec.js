'use strict'
// Out-of-memory cases run in child processes: a failure here must never
// take the test runner down.
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild, describe, noCrashOutput } = require('./helpers')

const SHAPES = {
  'objects in an array': 'const a = []; for (;;) a.push({ i: a.length, s: "x" + a.length })',
  'arrays pushed': 'const a = []; for (;;) a.push(new Array(100).fill(1))',
  'string growth': 'const parts = []; let s = "x"; for (;;) { s = s + s.slice(0, 1000) + Math.random(); parts.push(s) }',
  'map entries': 'const m = new Map(); for (let i = 0; ; i++) m.set(i, [i])',
  'one allocation larger than the limit': 'return new Array(3e7).fill(0).length',
  'JSON.parse of a large string': 'const s = "[" + "1,".repeat(3e7) + "1]"; return JSON.parse(s).length',
}

for (const [shape, body] of Object.entries(SHAPES)) {
  test(`memoryLimit stops ${shape}: ERR_MEMORY_LIMIT, the process and other threads go on`, () => {
    const r = runChild(`
      const fn = new Function('return () => () => { ${body} }')()
      const hog = new lib.Thread(fn, { memoryLimit: 16, name: 'hog' })
      const other = new lib.Thread(() => (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s })
      ;(async () => {
        const busy = other.run(5e7)
        const err = await hog.run().then(() => null, (e) => e)
        console.log('code', err && err.code)
        console.log('closed', hog.closed)
        const after = await hog.run().then(() => 'ran', (e) => e.code)
        console.log('after', after)
        console.log('other', await busy, await other.run(10))
        await hog.close()
        await other.close()
        console.log('done')
      })()
    `, { timeout: 60000 })
    assert.equal(r.status, 0, describe(r))
    assert.ok(noCrashOutput(r), describe(r))
    assert.match(r.stdout, /code ERR_MEMORY_LIMIT/)
    assert.match(r.stdout, /closed true/)
    assert.match(r.stdout, /after ERR_CLOSED/)
    assert.match(r.stdout, /other 1249999975000000 45/)
    assert.match(r.stdout, /done/)
  })
}

test('a thread that runs out of memory while idle (a timer) is closed; later calls reject ERR_CLOSED', () => {
  const r = runChild(`
    const t = new lib.Thread(() => () => { setTimeout(() => { const a = []; for (;;) a.push({}) }, 1); return 'ok' }, { memoryLimit: 16 })
    ;(async () => {
      console.log('first', await t.run())
      await new Promise((r) => setTimeout(r, 1500))
      console.log('second', await t.run().then(() => 'ran', (e) => e.code))
      await t.close()
      console.log('done')
    })()
  `, { timeout: 60000 })
  assert.equal(r.status, 0, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /first ok/)
  assert.match(r.stdout, /second ERR_CLOSED/)
  assert.match(r.stdout, /done/)
})

test('the shared 4 GB cage: 8 threads with 1 GB limits allocating at once get ERR_MEMORY_LIMIT, the process lives', () => {
  // Without the process-wide ceiling their heaps together would fill the
  // pointer-compression cage every isolate shares, and V8 would abort.
  const r = runChild(`
    ;(async () => {
      const hogs = Array.from({ length: 8 }, () => new lib.Thread(() => () => { const a = []; for (;;) a.push(new Array(1e6).fill(1.5)) }, { memoryLimit: 1024 }))
      const codes = await Promise.all(hogs.map((t) => t.run().then(() => 'ok', (e) => e.code)))
      console.log('codes', codes.join(','))
      const t = new lib.Thread(() => (x) => x * 2)
      console.log('after', await t.run(21))
    })()
  `, { timeout: 120000 })
  assert.equal(r.status, 0, describe(r))
  assert.ok(noCrashOutput(r), describe(r))
  assert.match(r.stdout, /codes (ERR_MEMORY_LIMIT,){7}ERR_MEMORY_LIMIT/)
  assert.match(r.stdout, /after 42/)
})
