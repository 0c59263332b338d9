'use strict'
// Payloads host → thread (issue 20): objects of one shape sent with their
// keys once (SHAPE/SHAPED, docs/wire-format.md), checked inside the thread,
// through each of its decoders (one pass for small payloads, V8's
// deserializer for large ones, the general builder when an Error is inside).
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

const cloneErr = (re) => (err) => {
  assert.equal(err.code, 'ERR_CLONE', String(err))
  assert.match(err.message, re)
  return true
}

// What sends a payload down each decoder of the thread: nothing (small),
// a long string (large), an Error (the general builder).
const LEADS = { small: [], large: ['x'.repeat(400)], general: [new Error('e'), 'x'.repeat(400)] }

describe('payloads host → thread', () => {
  let t
  before(() => {
    t = new Thread(() => (op, x) => {
      const keys = (o) => Object.keys(o).join()
      switch (op) {
        case 'echo': return x
        case 'keys': return x.map((o) => (o !== null && typeof o === 'object' && !Array.isArray(o) ? keys(o) : null))
        case 'graph': {
          const [a, b, c] = x
          return [a.owner === b.owner, b.owner === c.owner, a.tags === c.tags, a.tags !== b.tags, c.owner.self === c.owner,
            keys(a), keys(b), keys(c), Object.getPrototypeOf(a) === Object.prototype]
        }
        case 'proto': return [Object.getPrototypeOf(x) === Object.prototype, Object.hasOwn(x, '__proto__'), x.__proto__, keys(x)]
      }
    })
  })
  after(() => t.close())

  for (const [lead, extra] of Object.entries(LEADS)) {
    test(`records sharing sub-objects across shapes are one graph (${lead})`, async () => {
      const owner = { name: 'o' }
      owner.self = owner
      const tags = ['a', 'b']
      const a = { id: 1, tags, owner }
      const b = { id: 2, tags: ['c'], owner }
      const c = { tags, owner, id: 3 } // the same keys in another order
      assert.deepEqual(await t.run('graph', [a, b, c, ...extra]),
        [true, true, true, true, true, 'id,tags,owner', 'id,tags,owner', 'tags,owner,id', true])
    })

    test(`objects of one shape and of others arrive equal, keys in order (${lead})`, async () => {
      const rows = [...Array.from({ length: 5 }, (_, i) => ({ id: i, name: 'n' + i, ok: i % 2 === 0, nested: { x: i } })),
        { name: 'n', id: 9 }, { id: 1 }, {}, Object.create(null), { 'é€': 1, "a b": 2 }, ...extra]
      const back = await t.run('echo', rows)
      assert.equal(back.length, rows.length)
      for (let i = 0; i < 10; i++) assert.deepEqual(back[i], { ...rows[i] })
      assert.deepEqual(await t.run('keys', rows.slice(0, 10)), ['id,name,ok,nested', 'id,name,ok,nested', 'id,name,ok,nested',
        'id,name,ok,nested', 'id,name,ok,nested', 'name,id', 'id', '', '', 'é€,a b'])
    })
  }

  test('__proto__ and index-like keys keep their meaning (never a shape)', async () => {
    for (const extra of Object.values(LEADS)) {
      const own = JSON.parse('{"__proto__": 7, "a": 1}')
      assert.deepEqual(await t.run('proto', own, ...extra), [true, true, 7, '__proto__,a'])
      const rows = [{ 0: 'z', a: 1 }, { 0: 'z', a: 2 }, { '01': 1, a: 2 }, { 4294967295: 1 }, ...extra]
      assert.deepEqual(await t.run('keys', rows.slice(0, 4)), ['0,a', '0,a', '01,a', '4294967295'])
      const back = await t.run('echo', rows.slice(0, 4))
      assert.deepEqual(back, rows.slice(0, 4))
    }
  })

  test('thousands of shapes, and objects with more keys than a shape holds', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ ['k' + i]: i, same: true }))
    rows.push(...rows.slice(0, 3).map((r) => ({ ...r })))
    const wide = {}
    for (let i = 0; i < 300; i++) wide['w' + i] = i
    rows.push(wide, { ...wide })
    const back = await t.run('echo', rows)
    assert.deepEqual(back, rows)
  })

  test('getters of shaped objects run once each; a Proxy among records is refused with its path', async () => {
    let reads = 0
    const rows = Array.from({ length: 3 }, (_, i) => ({ id: i, get g() { reads++; return i * 2 } }))
    assert.deepEqual(await t.run('echo', rows), [{ id: 0, g: 0 }, { id: 1, g: 2 }, { id: 2, g: 4 }])
    assert.equal(reads, 3)
    let traps = 0
    const p = new Proxy({}, { get() { traps++ }, ownKeys() { traps++; return [] } })
    await assert.rejects(t.run('echo', [{ id: 1, p: null }, { id: 2, p }]), cloneErr(/^args\[1\]\[1\]\.p is a Proxy and cannot be cloned/))
    assert.equal(traps, 0)
  })
})
