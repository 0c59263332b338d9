'use strict'
// service.call's task names: a name crosses once, with the id the host gives
// it, and later calls send the id alone (past 256 names, the name each time).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { define } = require('..')

/** Launch a service of `defs`, closed when the test ends (passed or not). */
async function launch(t, defs) {
  const svc = await define(defs).launchService()
  t.after(() => svc.close())
  return svc
}

test('many distinct task names, past the ids a service gives, each answer as themselves on every path', async (t) => {
  const defs = {}
  for (let i = 0; i < 300; i++) defs[`t${i}`] = new Function('x', `return ${i} * 1000 + x`)
  const svc = await launch(t, defs)
  const order = Object.keys(defs)
  // Each name twice in one tick: the second call (by id) is queued before the first (with the name) ran.
  const twice = await Promise.all(order.flatMap((name) => [svc.call({ name, params: [1] }), svc.call({ name, params: [2] })]))
  assert.deepEqual(twice, order.flatMap((name, i) => [i * 1000 + 1, i * 1000 + 2]))
  for (const round of [0, 1]) {
    for (const name of round === 0 ? order : [...order].reverse()) {
      const i = Number(name.slice(1))
      assert.equal(await svc.call({ name, params: [round] }), i * 1000 + round, `${name}, round ${round}`)
    }
  }
  // Many at once, interleaved; and through the path with options.
  const all = await Promise.all(order.map((name, i) => svc.call({ name, params: [7] }).then((v) => v - i * 1000)))
  assert.ok(all.every((v) => v === 7))
  assert.equal(await svc.call({ name: 't5', params: [1], timeout: 5000 }), 5001)
  assert.equal(await svc.call({ name: 't299', params: [1], timeout: 5000 }), 299001)
})

test('task names with unusual characters are called by their exact name', async (t) => {
  const names = ['', ' spaced name ', 'quote"\'`\\', 'ünï©ødé ✓ 名前', '😀', '123', 'a\nb\u0000c', 'constructor', 'toString']
  const defs = {}
  for (const name of names) defs[name] = new Function('x', `return ${JSON.stringify(name)} + ':' + x`)
  defs.twin = (x) => `twin:${x}`
  defs.twin2 = (x) => `twin2:${x}`
  const svc = await launch(t, defs)
  for (const name of [...names, 'twin', 'twin2']) {
    assert.equal(await svc.call({ name, params: [1] }), `${name}:1`, JSON.stringify(name))
    assert.equal(await svc.call({ name, params: [2] }), `${name}:2`, `${JSON.stringify(name)} by its id`)
    assert.equal(await svc.call({ name, params: [3], timeout: 5000 }), `${name}:3`, `${JSON.stringify(name)} with options`)
  }
  await assert.rejects(svc.call({ name: 'twin3' }), { code: 'ERR_UNKNOWN_TASK' })
  await assert.rejects(svc.call({ name: 'hasOwnProperty' }), { code: 'ERR_UNKNOWN_TASK' }, 'inherited, not defined')
})

test('a task removed and defined again at run time: ERR_UNKNOWN_TASK naming it, then it answers again', async (t) => {
  const svc = await launch(t, {
    add: (x, y) => x + y,
    remove() { globalThis.saved = this.add; delete this.add },
    restore() { this.add = (x, y) => x - y },
  })
  assert.equal(await svc.call({ name: 'add', params: [1, 2] }), 3)
  await svc.call({ name: 'remove' })
  await assert.rejects(svc.call({ name: 'add', params: [1, 2] }), (e) => e.code === 'ERR_UNKNOWN_TASK' && /"add"/.test(e.message))
  await assert.rejects(svc.call({ name: 'add', params: [1, 2], timeout: 5000 }), { code: 'ERR_UNKNOWN_TASK' })
  await svc.call({ name: 'restore' })
  assert.equal(await svc.call({ name: 'add', params: [5, 2] }), 3, 'the task defined again, read at the call')
})

test('a module service: a name it lacks fails at its first and later calls, names it has answer', async (t) => {
  const svc = await launch(t, { module: path.join(__dirname, 'fixtures', 'mod', 'tasks.mjs') })
  for (let i = 0; i < 3; i++) {
    await assert.rejects(svc.call({ name: 'nope' }), (e) => e.code === 'ERR_UNKNOWN_TASK' && /"nope"/.test(e.message))
    assert.equal(await svc.call({ name: 'add', params: [i, 1] }), i + 1)
    assert.equal(await svc.call({ name: 'twice', params: [i] }), 2 * i)
  }
})

test("a task's first call that never reached the thread (params that cannot cross) leaves its later calls working", async (t) => {
  const svc = await launch(t, { add: (x, y) => x + y, len: (a) => a.length })
  await assert.rejects(svc.call({ name: 'add', params: [() => 1, 2] }), { code: 'ERR_CLONE' })
  assert.equal(await svc.call({ name: 'add', params: [1, 2] }), 3)
  assert.equal(await svc.call({ name: 'add', params: [3, 4] }), 7)
  // A first call with shared memory goes the way with options; later ones by id.
  const sab = new SharedArrayBuffer(8)
  assert.equal(await svc.call({ name: 'len', params: [new Int32Array(sab)] }), 2)
  assert.equal(await svc.call({ name: 'len', params: [[1, 2, 3]] }), 3)
})

test("a task's first call aborted while queued still leaves the name with the thread: its later calls by id answer", async (t) => {
  const svc = await launch(t, {
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    add: (x, y) => x + y,
  })
  const busy = svc.call({ name: 'wait', params: [50] })
  const ac = new AbortController()
  const first = svc.call({ name: 'add', params: [1, 2], signal: ac.signal })
  const second = svc.call({ name: 'add', params: [3, 4] })
  ac.abort()
  await assert.rejects(first, { code: 'ERR_ABORTED' })
  await busy
  assert.equal(await second, 7)
  assert.equal(await svc.call({ name: 'add', params: [5, 6] }), 11)
})
