'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')
const { runChild, describe } = require('./helpers')

test('Node globals packages test for: require, process, Buffer, global, setImmediate (no module/exports in a function context)', async () => {
  const t = new Thread(() => () => [typeof require, typeof process, typeof Buffer, typeof module, typeof exports, global === globalThis, self === globalThis, typeof setImmediate, typeof clearImmediate])
  assert.deepEqual(await t.run(), ['function', 'object', 'function', 'undefined', 'undefined', true, true, 'function', 'function'])
  await t.close()
})

test('a lazy global can be replaced before and after its first use', async () => {
  const t = new Thread(() => (first) => {
    if (first) { process = 5; return process } // eslint-disable-line no-global-assign
    const before = typeof URLSearchParams
    globalThis.URLSearchParams = 'mine'
    return [before, URLSearchParams]
  })
  assert.equal(await t.run(true), 5)
  assert.deepEqual(await t.run(false), ['function', 'mine'])
  await t.close()
})

test('web globals exist: structuredClone, performance, TextEncoder/Decoder, queueMicrotask, timers', async () => {
  const t = new Thread(() => async () => {
    const o = { a: [1, { b: 2 }], d: new Date(5) }
    const c = structuredClone(o)
    const enc = new TextEncoder().encode('héllo ✓')
    const dec = new TextDecoder().decode(enc)
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, 5))
    const order = []
    queueMicrotask(() => order.push('micro'))
    order.push('sync')
    await null
    let ticks = 0
    await new Promise((r) => { const id = setInterval(() => { if (++ticks === 3) { clearInterval(id); r() } }, 1) })
    const cleared = await new Promise((r) => { const id = setTimeout(() => r('fired'), 5); clearTimeout(id); setTimeout(() => r('cleared'), 10) })
    return {
      cloneEqual: JSON.stringify(c) === JSON.stringify(o) && c !== o && c.d instanceof Date,
      enc: Array.from(enc), dec, elapsed: performance.now() - t0, order, ticks, cleared,
      fatal: (() => { try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])); return 'no' } catch (e) { return e.name } })(),
    }
  })
  const r = await t.run()
  assert.equal(r.cloneEqual, true)
  assert.deepEqual(r.enc, Array.from(new TextEncoder().encode('héllo ✓')))
  assert.equal(r.dec, 'héllo ✓')
  assert.ok(r.elapsed >= 4, `performance.now advanced ${r.elapsed}`)
  assert.deepEqual(r.order, ['sync', 'micro'])
  assert.equal(r.ticks, 3)
  assert.equal(r.cleared, 'cleared')
  assert.equal(r.fatal, 'TypeError')
  await t.close()
})

test('Math.random is seeded afresh in each thread (spares made ahead too), with values in [0, 1)', async () => {
  const draw = () => () => Array.from({ length: 8 }, () => Math.random())
  const threads = Array.from({ length: 4 }, () => new Thread(draw))
  const seqs = await Promise.all(threads.map((t) => t.run()))
  for (const s of seqs) assert.ok(s.every((x) => x >= 0 && x < 1), `out of range: ${s}`)
  assert.equal(new Set(seqs.map((s) => s.join())).size, seqs.length, 'two threads drew the same sequence')
  await Promise.all(threads.map((t) => t.close()))
})

test('Intl and toLocale* give the same output as Node', async () => {
  const probe = () => () => [
    new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234567.891),
    new Date(Date.UTC(2024, 0, 15, 12)).toLocaleDateString('fr-FR', { timeZone: 'UTC', dateStyle: 'full' }),
    (1234.5).toLocaleString('en-IN'),
    new Intl.PluralRules('ar').select(3),
    ['z', 'ä', 'a'].sort(new Intl.Collator('de').compare).join(''),
  ]
  const t = new Thread(probe)
  assert.deepEqual(await t.run(), probe()())
  await t.close()
})

test('WebAssembly.instantiate and Atomics.waitAsync settle inside a thread', async () => {
  const t = new Thread(() => async () => {
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11])
    const { instance } = await WebAssembly.instantiate(bytes)
    const sum = instance.exports.add(2, 3)
    const ia = new Int32Array(new SharedArrayBuffer(4))
    const w = Atomics.waitAsync(ia, 0, 0, 1000)
    setTimeout(() => Atomics.notify(ia, 0), 5)
    const waited = await w.value
    return [sum, waited]
  })
  assert.deepEqual(await t.run(), [5, 'ok'])
  await t.close()
})

test('console inside a thread is forwarded to the host console', () => {
  const r = runChild(`
    const t = new lib.Thread(() => () => { console.log('from thread', { a: 1 }, [2]); console.error('to stderr', 42); console.log('fn', () => 1); return 1 })
    t.run().then(() => t.close())
  `)
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /from thread \{ a: 1 \} \[ 2 \]/)
  assert.match(r.stdout, /fn \(\) => 1/)
  assert.match(r.stderr, /to stderr 42/)
})

test('an uncaught error after the call settled is printed naming the thread, and the thread serves on', () => {
  const r = runChild(`
    const t = new lib.Thread(() => (x) => { setTimeout(() => { throw new Error('late boom') }, 5); return x }, { name: 'noisy' })
    t.run(1).then(async (v) => { await new Promise((r) => setTimeout(r, 50)); console.log('next', await t.run(2)); await t.close() })
  `)
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stderr, /thread "noisy"/)
  assert.match(r.stderr, /late boom/)
  assert.match(r.stdout, /next 2/)
})

test('an uncaught error while the call is in flight rejects that call', async () => {
  const t = new Thread(() => () => new Promise(() => { setTimeout(() => { throw new Error('timer threw') }, 1) }))
  await assert.rejects(t.run(), { message: 'timer threw' })
  const u = new Thread(() => () => { Promise.reject(new Error('nobody handles me')); return new Promise((r) => setTimeout(r, 50)) })
  await assert.rejects(u.run(), { message: 'nobody handles me' })
  await Promise.all([t.close(), u.close()])
})

test('TextDecoder: utf-8 (streaming, BOM, fatal), utf-16le and latin1 labels decode as on the host', async () => {
  const decode = () => (label, bytes, opts, chunks) => {
    try {
      const d = new TextDecoder(label, opts)
      if (chunks) return [d.encoding, chunks.map((c) => d.decode(Uint8Array.from(c), { stream: true })).join('') + d.decode()]
      return [d.encoding, d.decode(Uint8Array.from(bytes))]
    } catch (e) { return [e.name, e.code] }
  }
  const cases = [
    ['latin1', [0x80, 0x81, 0xe9, 0x41]], ['latin1', Array.from({ length: 40 }, (_, i) => 0x7c + i)], ['ascii', [0x68, 0x69, 0x99]], ['utf-16le', [0xff, 0xfe, 0x41, 0, 0x42]],
    ['utf-16le', [0x41, 0, 0x42], { fatal: true }], ['ucs-2', [0x3d, 0xd8, 0x00, 0xde]], ['utf8', [0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]],
    ['utf-8', [0xef, 0xbb, 0xbf, 0x68], { ignoreBOM: true }], ['utf-8', [0xff], { fatal: true }], ['utf-8', [0xff, 0x41]],
    ['utf-8', [], {}, [[0xe2, 0x82], [0xac, 0x41, 0xf0], [0x9f, 0x98, 0x80]]], ['utf-16le', [], {}, [[0x41], [0, 0x42], [0]]], ['nope', []],
  ]
  const t = new Thread(decode)
  const host = decode()
  for (const c of cases) assert.deepEqual(await t.run(...c), host(...c), JSON.stringify(c))
  await t.close()
})

test('timers as Node: Timeout/Immediate objects (ref, unref, hasRef, refresh, a number by +t), clear by object or number, and microtasks of the sync part before a 0 ms timer', async () => {
  const fn = () => () => new Promise((resolve) => {
    const order = []
    const t = setTimeout(() => order.push('timeout'), 0)
    Promise.resolve().then(() => order.push('micro'))
    queueMicrotask(() => order.push('queueMicrotask'))
    const shape = [typeof t, t.unref() === t, t.hasRef(), t.ref().hasRef(), typeof +t, typeof setImmediate(() => {}).unref]
    const dropped = setTimeout(() => order.push('cleared by object'), 0)
    clearTimeout(dropped)
    const byNumber = setInterval(() => order.push('cleared by number'), 1)
    clearInterval(+byNumber)
    setTimeout(() => resolve({ shape, order }), 5)
  })
  const t = new Thread(fn)
  const ours = await t.run()
  const host = await fn()()
  assert.deepEqual(ours, host)
  assert.deepEqual(ours.order, ['micro', 'queueMicrotask', 'timeout'])
  await t.close()
})

test('console methods of Node forward to the host console: count, time, group, dir, table', async () => {
  const t = new Thread(() => () => {
    console.count(); console.count('x'); console.count()
    console.countReset(); console.count()
    console.time('t'); console.timeEnd('t')
    console.group('g'); console.log('inside'); console.groupEnd(); console.log('outside')
    console.dir({ a: 1 }); console.table([{ a: 1 }])
    return Object.keys(console).length === 0 && typeof console.timeLog
  })
  const lines = []
  const saved = {}
  for (const m of ['log', 'info']) { saved[m] = console[m]; console[m] = (...a) => lines.push(a.map((x) => typeof x === 'string' ? x : JSON.stringify(x)).join(' ')) }
  try {
    assert.equal(await t.run(), 'function')
    await new Promise((r) => setTimeout(r, 50))
  } finally {
    Object.assign(console, saved)
    await t.close()
  }
  assert.deepEqual(lines.filter((l) => !l.startsWith('t: ')), ['default: 1', 'x: 1', 'default: 2', 'default: 1', 'g', '  inside', 'outside', '{"a":1}', '[{"a":1}]'])
  assert.match(lines.find((l) => l.startsWith('t: ')), /^t: \d+\.\d{3}ms$/)
})
