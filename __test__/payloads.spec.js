'use strict'
// Real payloads both ways (issue 20): long and two-byte strings, lone
// surrogates, strings near the memory limit, big buffers (moved as a copy),
// records sharing sub-objects, Map/Set, and the codec's guarantees on them.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

const cloneErr = (re) => (err) => {
  assert.equal(err.code, 'ERR_CLONE', String(err))
  assert.match(err.message, re)
  return true
}

describe('payloads', () => {
  let t
  before(() => {
    t = new Thread(() => {
      const made = {
        twoByte: (n) => 'é€'.repeat(n),
        surrogates: (n) => '\ud800a\udc00'.repeat(n) + '\udbff',
        latin1High: (n) => 'ÿé\u0080'.repeat(n),
        records: (n) => {
          const tags = ['shared', 'tags']
          const owner = { name: 'owner' }
          return Array.from({ length: n }, (_, i) => ({ id: i, name: 'user' + i, tags, owner, score: i / 2 }))
        },
        map: (n) => new Map(Array.from({ length: n }, (_, i) => ['k' + i, i])),
        bytes: (n) => { const u = new Uint8Array(n); for (let i = 0; i < n; i += 997) u[i] = i & 255; return u },
      }
      return (op, x, y) => {
        switch (op) {
          case 'echo': return x
          case 'make': return made[x](y)
          case 'same': return x === structuredClone(x) && x === y
          case 'len': return [x.length, x.charCodeAt(x.length - 1)]
          case 'sharedTags': return x[0].tags === x[x.length - 1].tags && x[0].owner === x[1].owner && x[0].tags !== x[0].owner
          case 'bytes': { const u = x; let sum = 0; for (let i = 0; i < u.length; i += 997) sum += u[i]; return [u.length, u.byteOffset, sum] }
          case 'badResult': return { a: [0, 1, 2, { b: () => 1 }], big: 'z'.repeat(200000) }
        }
      }
    }, { memoryLimit: 256, name: 'payloads' })
  })
  after(() => t.close())

  test('two-byte strings of every length cross both ways, unchanged', async () => {
    for (const n of [1, 31, 32, 100, 128, 1000, 300000]) {
      const s = 'é€'.repeat(n)
      assert.equal(await t.run('make', 'twoByte', n), s)
      assert.equal(await t.run('echo', s), s)
      // At an odd byte offset inside the payload (after a 1-char latin1 string).
      const [a, b] = await t.run('echo', ['x', s])
      assert.equal(a, 'x'); assert.equal(b, s)
    }
  })

  test('latin1 strings with code units 0x80-0xFF cross both ways', async () => {
    for (const n of [1, 50, 200, 100000]) {
      const s = 'ÿé\u0080'.repeat(n)
      assert.equal(await t.run('make', 'latin1High', n), s)
      assert.equal(await t.run('echo', s), s)
    }
  })

  test('lone surrogates round-trip exactly as structuredClone keeps them', async () => {
    for (const n of [1, 40, 100, 50000]) {
      const s = '\ud800a\udc00'.repeat(n) + '\udbff'
      assert.equal(structuredClone(s), s)
      const out = await t.run('make', 'surrogates', n)
      assert.equal(out, s)
      assert.equal(out.length, s.length)
      assert.equal(await t.run('echo', s), s)
      assert.equal(await t.run('same', s, s), true, 'the thread sees the same code units')
    }
  })

  test('strings near the memory limit cross both ways', async () => {
    const small = new Thread(() => (op, n) => (op === 'make' ? 'q'.repeat(n) + '!' : [n.length, n.charCodeAt(n.length - 1)]), { memoryLimit: 64 })
    try {
      const n = 20 << 20 // made as a rope, then flattened to be sent: 40 MB of a 64 MB heap
      const s = await small.run('make', n)
      assert.equal(s.length, n + 1)
      assert.equal(s.charCodeAt(n), 33)
      assert.deepEqual(await small.run('len', 'w'.repeat(36 << 20) + '!'), [(36 << 20) + 1, 33])
      assert.deepEqual(await small.run('len', '€'.repeat(12 << 20)), [12 << 20, 0x20ac]) // 24 MB two-byte
    } finally {
      await small.close()
    }
  })

  test('long strings of a result made over its memory (external strings) equal the copied ones', async () => {
    // The corpus: every latin1 code unit, two-byte with lone surrogates, around the
    // 1 MB threshold, alone (made over the payload) and beside others (copied),
    // at odd byte offsets (two-byte: copied), inside objects.
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')
    const corpus = [
      all.repeat(4096), all.repeat(4096).slice(1), 'a'.repeat((1 << 20) - 1), 'a'.repeat(1 << 20), 'a'.repeat(64 << 10),
      '\ud800a\udc00€'.repeat(200000) + '\udbff', '€'.repeat(512 << 10), '€'.repeat((512 << 10) - 1),
      ['x', '€é'.repeat(400000)], { a: all.repeat(3000), b: all.repeat(3000) }, ['y'.repeat(4 << 20), 'z'.repeat(100)],
    ]
    for (const v of corpus) {
      const back = await t.run('echo', v)
      assert.deepStrictEqual(back, v)
      if (typeof v === 'string') assert.equal(await t.run('same', back, v), true)
    }
  })

  test('a string made over a result outlives the result and is freed with it, under GC', () => {
    const { spawnSync } = require('node:child_process')
    const script = `
      const { Thread } = require(${JSON.stringify(require.resolve('..'))})
      ;(async () => {
        const t = new Thread(() => (n, two) => (two ? '\\ud800€' : 'ÿa').repeat(n), { memoryLimit: 256 })
        const kept = []
        for (let i = 0; i < 60; i++) {
          const s = await t.run(600000 + i, i % 2 === 1)
          if (i % 10 === 0) kept.push([s, i])
          gc()
        }
        await t.close()
        for (let k = 0; k < 5; k++) { gc(); await new Promise((r) => setImmediate(r)) }
        for (const [s, i] of kept) if (s !== (i % 2 === 1 ? '\\ud800€' : 'ÿa').repeat(600000 + i)) throw new Error('changed ' + i)
        console.log('ok ' + kept.length)
      })().catch((e) => { console.error(e); process.exit(1) })`
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 120000 })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'ok 6')
  })

  test('records sharing sub-objects stay one graph, both ways', async () => {
    for (const n of [3, 2000]) { // 2000: past the size where results go unbatched
      const r = await t.run('make', 'records', n)
      assert.equal(r.length, n)
      assert.equal(r[0].tags, r[1].tags)
      assert.equal(r[0].tags, r[n - 1].tags)
      assert.equal(r[0].owner, r[1].owner)
      assert.deepEqual(r[n - 1], { id: n - 1, name: 'user' + (n - 1), tags: ['shared', 'tags'], owner: { name: 'owner' }, score: (n - 1) / 2 })
      const tags = ['x'], owner = {}
      const mine = Array.from({ length: n }, (_, i) => ({ id: i, tags, owner }))
      assert.equal(await t.run('sharedTags', mine), true)
    }
  })

  test('cycles in big payloads', async () => {
    const a = { list: Array.from({ length: 5000 }, (_, i) => ({ i })) }
    a.self = a
    a.list.push(a)
    const back = await t.run('echo', a)
    assert.equal(back.self, back)
    assert.equal(back.list[5000], back)
    assert.equal(back.list[4999].i, 4999)
  })

  test('Map and Set, big and small, both ways', async () => {
    const m = await t.run('make', 'map', 100000)
    assert.ok(m instanceof Map)
    assert.equal(m.size, 100000)
    assert.equal(m.get('k99999'), 99999)
    const key = { k: 1 }
    const value = [key]
    const mixed = new Map([[key, value], ['s', new Set([key, 'a', 1])]])
    const back = await t.run('echo', mixed)
    const [k2] = back.keys()
    assert.deepEqual(k2, { k: 1 })
    assert.equal(back.get(k2)[0], k2)
    assert.ok(back.get('s').has(k2))
    assert.equal(back.get('s').size, 3)
    const big = new Set(Array.from({ length: 50000 }, (_, i) => 'v' + i))
    const bigBack = await t.run('echo', big)
    assert.equal(bigBack.size, 50000)
    assert.ok(bigBack.has('v49999'))
  })

  test('big buffers are copied both ways: the sender keeps its own', async () => {
    const u = new Uint8Array(1 << 20)
    for (let i = 0; i < u.length; i += 997) u[i] = i & 255
    let sum = 0
    for (let i = 0; i < u.length; i += 997) sum += u[i]
    assert.deepEqual(await t.run('bytes', u), [u.length, 0, sum]) // run(): rest arguments
    assert.equal(u.buffer.byteLength, 1 << 20, 'not detached')
    u[1000] = 7; u[1997] = 9
    assert.deepEqual(await t.runWith({ args: ['bytes', new Uint8Array(u.buffer, 1000, 5000)] }), [5000, 1000, 16])
    // Two views of one big buffer: one buffer on the other side.
    const [a, b] = await t.run('echo', [new Uint8Array(u.buffer, 0, 10), new Uint16Array(u.buffer, 2, 10)])
    assert.equal(a.buffer, b.buffer)
    assert.equal(a.buffer.byteLength, 1 << 20)
    assert.equal(b.byteOffset, 2)
    const out = await t.run('make', 'bytes', 3 << 20)
    assert.equal(out.length, 3 << 20)
    assert.equal(out[997 * 3], (997 * 3) & 255)
    const again = await t.run('make', 'bytes', 3 << 20)
    assert.notEqual(again.buffer, out.buffer)
    // A big buffer with a transfer list: the listed one moves, the big one is copied.
    const moved = new ArrayBuffer(8)
    const res = await t.runWith({ args: ['echo', [moved, u.buffer]], transfer: [moved] })
    assert.equal(moved.byteLength, 0)
    assert.equal(res[0].byteLength, 8)
    assert.equal(res[1].byteLength, 1 << 20)
    assert.equal(u.buffer.byteLength, 1 << 20)
  })

  test('clone errors name the path in big payloads, both ways', async () => {
    await assert.rejects(t.run('badResult'), cloneErr(/^result\.a\[3\]\.b is a function/))
    const big = { data: 'y'.repeat(300000), a: [0, 1, 2, { b: Symbol('s') }] }
    await assert.rejects(t.run('echo', big), cloneErr(/^args\[1\]\.a\[3\]\.b is a symbol/))
  })

  test('a proxy deep in a big payload is refused before any trap runs', async () => {
    let traps = 0
    const handler = new Proxy({}, { get() { traps++; return undefined } })
    const p = new Proxy({}, handler)
    const list = Array.from({ length: 3000 }, (_, i) => ({ i, s: 'é€'.repeat(40) }))
    list.push({ p })
    await assert.rejects(t.run('echo', list), cloneErr(/^args\[1\]\[3000\]\.p is a Proxy/))
    assert.equal(traps, 0)
  })

  // Under 256 bytes the thread builds plain data in one pass (small.rs) and
  // keeps its ids in a list, not a Map: the same guarantees must hold there.
  test('small values keep one graph, cycles and every odd shape, both ways', async () => {
    const s = new Thread(() => (op, x, y) => {
      if (op === 'shared') return [x.a === x.b, x.a === y, Array.isArray(x.list) && x.list[0] === x.list[1]]
      if (op === 'cycle') return [x.self === x, x.arr[0] === x.arr]
      if (op === 'odd') {
        return [Object.hasOwn(x.o, '__proto__'), Object.getPrototypeOf(x.o) === Object.prototype, Object.is(x.z, -0),
          1 in x.holes, x.holes.length, x.named.extra, x.named.length, x.big === 2 ** 40]
      }
      if (op === 'make') {
        const inner = { k: 1 }
        const c = { n: 'c' }; c.self = c
        const o = JSON.parse('{"__proto__": 5}')
        const named = [1, 2]; named.extra = 'e'
        return { a: inner, b: inner, c, arr: [inner, [inner]], o, z: -0, holes: [1, , 3], named } // eslint-disable-line no-sparse-arrays
      }
    }, { name: 'small' })
    try {
      const inner = { k: 1 }
      assert.deepEqual(await s.run('shared', { a: inner, b: inner, list: [inner, inner] }, inner), [true, true, true]) // the arguments are one graph
      const c = { arr: [] }; c.self = c; c.arr.push(c.arr)
      assert.deepEqual(await s.run('cycle', c), [true, true])
      const named = [1, 2]; named.extra = 'e'
      const odd = { o: JSON.parse('{"__proto__": 5}'), z: -0, holes: [1, , 3], named, big: 2 ** 40 } // eslint-disable-line no-sparse-arrays
      assert.deepEqual(await s.run('odd', odd), [true, true, true, false, 3, 'e', 2, true])
      const r = await s.run('make')
      assert.equal(r.a, r.b)
      assert.equal(r.arr[0], r.a)
      assert.equal(r.arr[1][0], r.a)
      assert.equal(r.c.self, r.c)
      assert.ok(Object.hasOwn(r.o, '__proto__'))
      assert.equal(Object.getPrototypeOf(r.o), Object.prototype)
      assert.ok(Object.is(r.z, -0))
      assert.equal(1 in r.holes, false)
      assert.equal(r.named.extra, 'e')
      await assert.rejects(s.run('shared', { a: [1, { f() {} }] }), cloneErr(/^args\[1\]\.a\[1\]\.f is a function/))
    } finally {
      await s.close()
    }
  })
})

// Results with many objects of one key list cross as SHAPE/SHAPED (keys once
// per payload): the host gets the same graph as with OBJECT.
describe('results of many objects of one shape', () => {
  let t
  before(() => { t = new Thread(() => (src) => (0, eval)(src), { name: 'shapes' }) }) // eslint-disable-line no-eval
  after(() => t.close())
  const run = (fn) => t.run(`(${fn})()`)

  test('records of two shapes sharing sub-objects stay one graph (and a cycle)', async () => {
    const out = await run(() => {
      const owner = { name: 'owner' }, tags = ['a', 'b']
      const list = Array.from({ length: 300 }, (_, i) => (i % 2 ? { id: i, owner, tags } : { id: i, name: 'n' + i, owner, tags, meta: { i, owner } }))
      const root = { list, owner }
      list[7].root = root // a cycle through a record of a third key list
      return root
    })
    assert.equal(out.list.length, 300)
    for (const [i, r] of out.list.entries()) {
      assert.equal(r.owner, out.owner)
      assert.equal(r.tags, out.list[0].tags)
      assert.equal(Object.getPrototypeOf(r), Object.prototype)
      if (i % 2 === 0) { assert.deepEqual(Object.keys(r), ['id', 'name', 'owner', 'tags', 'meta']); assert.equal(r.meta.owner, out.owner); assert.equal(r.meta.i, i) }
      else assert.deepEqual(Object.keys(r), i === 7 ? ['id', 'owner', 'tags', 'root'] : ['id', 'owner', 'tags'])
    }
    assert.equal(out.list[7].root, out)
    assert.deepEqual(out.owner, { name: 'owner' })
  })

  test('the same keys in another order are another shape', async () => {
    const out = await run(() => Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? { a: i, b: -i } : i % 3 === 1 ? { b: -i, a: i } : { a: i, b: -i, c: 0 })))
    for (const [i, o] of out.entries()) {
      assert.deepEqual(Object.keys(o), i % 3 === 0 ? ['a', 'b'] : i % 3 === 1 ? ['b', 'a'] : ['a', 'b', 'c'])
      assert.equal(o.a, i); assert.ok(Object.is(o.b, -i))
    }
  })

  test('own __proto__ keys and index-like keys keep their meaning', async () => {
    const out = await run(() => Array.from({ length: 100 }, (_, i) => {
      const o = JSON.parse(`{"x": ${i}, "__proto__": {"p": ${i}}, "0": "zero", "4294967295": "big", "01": "lead"}`)
      return i % 2 ? o : { y: i, 1: 'one', z: [i] }
    }))
    for (const [i, o] of out.entries()) {
      assert.equal(Object.getPrototypeOf(o), Object.prototype)
      if (i % 2) {
        assert.deepEqual(Object.keys(o), ['0', 'x', '__proto__', '4294967295', '01'])
        assert.deepEqual(Object.getOwnPropertyDescriptor(o, '__proto__').value, { p: i })
        assert.equal(o[0], 'zero'); assert.equal(o['4294967295'], 'big')
      } else assert.deepEqual(o, { 1: 'one', y: i, z: [i] })
    }
  })

  test('wide objects (300 keys) and thousands of key lists', async () => {
    const wide = await run(() => Array.from({ length: 5 }, (_, j) => Object.fromEntries(Array.from({ length: 300 }, (_, i) => ['k' + i, i * j]))))
    for (const [j, o] of wide.entries()) { assert.equal(Object.keys(o).length, 300); assert.equal(o.k299, 299 * j) }
    const many = await run(() => Array.from({ length: 9000 }, (_, i) => ({ ['s' + (i % 3000)]: i, v: { w: i } })))
    assert.equal(many.length, 9000)
    for (const [i, o] of many.entries()) assert.deepEqual(o, { ['s' + (i % 3000)]: i, v: { w: i } })
  })

  test('two-byte keys and values, shapes inside Maps, Sets and holey arrays', async () => {
    const out = await run(() => {
      const rec = (i) => ({ '€': i, 'ключ': 'знач' + i, nested: { é: [i] } })
      const holey = []; for (let i = 0; i < 60; i += 3) holey[i] = rec(i)
      return { map: new Map(Array.from({ length: 30 }, (_, i) => [rec(i), rec(-i)])), set: new Set(Array.from({ length: 30 }, (_, i) => rec(i))), holey }
    })
    const rec = (i) => ({ '€': i, 'ключ': 'знач' + i, nested: { é: [i] } })
    assert.deepEqual([...out.map], Array.from({ length: 30 }, (_, i) => [rec(i), rec(-i)]))
    assert.deepEqual([...out.set], Array.from({ length: 30 }, (_, i) => rec(i)))
    assert.equal(out.holey.length, 58)
    for (let i = 0; i < 58; i++) assert.deepEqual(out.holey[i], i % 3 ? undefined : rec(i))
    assert.equal(1 in out.holey, false)
  })
})

// The same seeded random graphs made in the thread and on the host: records
// of a few key lists (some keys odd, some two-byte), nested, some shared.
describe('random graphs of records cross as the thread made them', () => {
  const make = (seed) => {
    let x = seed >>> 0
    const rnd = (n) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n }
    const keys = ['id', 'name', 'tags', 'a b', 'é', '€', 'constructor', '', 'x'.repeat(30), 'toString', 'n0']
    const lists = Array.from({ length: 6 }, () => Array.from(new Set(Array.from({ length: 1 + rnd(5) }, () => keys[rnd(keys.length)]))))
    const pool = []
    const value = (depth) => {
      switch (rnd(depth > 3 ? 4 : 7)) {
        case 0: return rnd(1000) - 500
        case 1: return 'v' + rnd(50) + (rnd(4) ? '' : '€')
        case 2: return rnd(2) ? null : rnd(3) / 7
        case 3: return pool.length > 0 && rnd(2) ? pool[rnd(pool.length)] : undefined
        case 4: return Array.from({ length: rnd(4) }, () => value(depth + 1))
        default: {
          const o = {}
          for (const k of lists[rnd(lists.length)]) o[k] = value(depth + 1)
          if (rnd(3) === 0) pool.push(o)
          return o
        }
      }
    }
    return Array.from({ length: 50 + rnd(200) }, () => value(0))
  }
  let t
  before(() => { t = new Thread(new Function(`return () => (seed) => (${make})(seed)`)(), { name: 'random' }) }) // eslint-disable-line no-new-func
  after(() => t.close())

  test('200 seeds', async () => {
    for (let seed = 1; seed <= 200; seed++) assert.deepStrictEqual(await t.run(seed), make(seed), `seed ${seed}`)
  })
})
