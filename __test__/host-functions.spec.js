'use strict'
// Host functions (RUNTIME.md §4): option `host` on Thread, ThreadPool and
// define(); inside, parent.host.name(...args) returns a promise of the
// clone of the host function's awaited result.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool, define } = require('..')
const { runChild, describe } = require('./helpers')

/** A promise with its settle functions. */
function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** Until every microtask and immediate queued so far has run. */
const tick = () => new Promise((r) => setImmediate(r))

/** What a thread's promise settled with: ['ok', value] or ['err', name, message, code, cause]. */
const settle = (p) => p.then((v) => ['ok', v], (e) => ['err', e && e.name, e && e.message, e && e.code, e && e.cause])

test('values go in cloned and come back cloned; parent.host lists the names', async () => {
  const seen = []
  const t = new Thread(() => async (x) => {
    const sum = await parent.host.add(x, 2)
    const echo = await parent.host.echo({ m: new Map([[1, 'a']]), d: new Date(5), big: 10n })
    return [sum, echo, Object.keys(parent.host), typeof parent.host.add]
  }, {
    host: {
      add: (a, b) => a + b,
      echo: (v) => { seen.push(v); v.m.set(2, 'b'); return v },
    },
  })
  const [sum, echo, names, kind] = await t.run(40)
  assert.equal(sum, 42)
  assert.deepEqual(echo, { m: new Map([[1, 'a'], [2, 'b']]), d: new Date(5), big: 10n })
  assert.ok(seen[0].m instanceof Map, 'the host gets host values')
  assert.deepEqual(names.sort(), ['add', 'echo'])
  assert.equal(kind, 'function')
  await t.close()
})

test('argument lists arrive exact: every kind of primitive, lists mixing in objects, and long lists', async () => {
  // (lists of up to 16 primitives are written without the walker: the same
  // bytes; arguments up to 1 MB reach the host in one reused array)
  const lists = () => [
    [], [undefined], [null, true, false], [0, -0, 1, -1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -Infinity],
    [0n, -(2n ** 70n)], ['', 'héllo', '€uro', 'a\ud800b', '\udc00', 'x'.repeat(3000)],
    [1, { a: [2] }, 'three'], Array.from({ length: 16 }, (_, i) => i * 1.5), Array.from({ length: 17 }, (_, i) => 'v' + i),
    ['€'.repeat(600000)], // past the 1 MB the host's reused argument array takes
  ]
  const seen = []
  const t = new Thread((make) => async () => {
    const back = []
    for (const list of eval(`(${make})`)()) back.push(await parent.host.args(...list))
    return back
  }, { host: { args: (...a) => { seen.push(a); return a } }, data: lists.toString() })
  const back = await t.run()
  const want = lists()
  assert.equal(seen.length, want.length)
  want.forEach((list, i) => {
    assert.deepStrictEqual(seen[i], list, `list ${i} on the host`) // (-0 and NaN compared with Object.is)
    assert.deepStrictEqual(back[i], list, `list ${i} back in the thread`)
  })
  await t.close()
})

test('a host function may return a promise; its awaited value is the answer', async () => {
  const t = new Thread(() => () => parent.host.later('v'), {
    host: { later: async (v) => { await tick(); return v + '!' } },
  })
  assert.equal(await t.run(), 'v!')
  await t.close()
})

test('SharedArrayBuffers cross by reference both ways', async () => {
  const hostSab = new SharedArrayBuffer(16)
  let fromThread
  const t = new Thread(() => async () => {
    const sab = await parent.host.shared()
    new Int32Array(sab)[0] = 7 // the host's memory
    const mine = new SharedArrayBuffer(8)
    await parent.host.keep(mine)
    return new Int32Array(mine)[1] // written by the host
  }, {
    host: {
      shared: () => hostSab,
      keep: (sab) => { fromThread = sab; new Int32Array(sab)[1] = 9 },
    },
  })
  assert.equal(await t.run(), 9)
  assert.equal(new Int32Array(hostSab)[0], 7)
  assert.equal(fromThread.byteLength, 8)
  await t.close()
})

test('throwing (sync and async) rejects inside the thread with name, message, code and cause kept', async () => {
  const t = new Thread(() => async (which) => {
    try {
      await parent.host[which]()
      return 'no error'
    } catch (e) {
      return [e instanceof RangeError, e instanceof TypeError, e.name, e.message, e.code, e.cause]
    }
  }, {
    host: {
      sync: () => { throw Object.assign(new RangeError('sync boom', { cause: { n: 1 } }), { code: 'E_SYNC' }) },
      async: async () => { await tick(); throw Object.assign(new TypeError('async boom'), { code: 'E_ASYNC' }) },
    },
  })
  assert.deepEqual(await t.run('sync'), [true, false, 'RangeError', 'sync boom', 'E_SYNC', { n: 1 }])
  assert.deepEqual(await t.run('async'), [false, true, 'TypeError', 'async boom', 'E_ASYNC', undefined])
  await t.close()
  const plain = new Thread(() => () => parent.host.value().catch((v) => v), { host: { value: () => { throw 42 } } }) // eslint-disable-line no-throw-literal
  assert.equal(await plain.run(), 42, 'a thrown plain value rejects with its clone')
  await plain.close()
})

test('an error the thread does not catch rejects the call with it', async () => {
  const t = new Thread(() => () => parent.host.fail(), { host: { fail: () => { throw new SyntaxError('from the host') } } })
  await assert.rejects(t.run(), (e) => e instanceof SyntaxError && e.message === 'from the host')
  await t.close()
})

test('values that cannot be cloned reject with ERR_CLONE naming the path', async () => {
  const t = new Thread(() => async (k) => {
    const calls = [
      () => parent.host.readFile(() => 1),
      () => parent.host.readFile('a', { handler: Symbol('s') }),
      () => parent.host.fn(),
      () => parent.host.nested(),
      () => parent.host.throwsFn(),
    ]
    try { await calls[k](); return 'resolved' } catch (e) { return [e.name, e.code, e.message] }
  }, {
    host: {
      readFile: () => 'never',
      fn: () => () => 1,
      nested: () => ({ ok: 1, handler: new WeakMap() }),
      throwsFn: () => { throw () => 1 },
    },
  })
  assert.deepEqual(await t.run(0), ['TypeError', 'ERR_CLONE', 'host.readFile(args[0]) is a function and cannot be cloned'])
  assert.deepEqual(await t.run(1), ['TypeError', 'ERR_CLONE', 'host.readFile(args[1].handler) is a symbol and cannot be cloned'])
  assert.deepEqual(await t.run(2), ['TypeError', 'ERR_CLONE', 'host.fn(result) is a function and cannot be cloned'])
  assert.deepEqual(await t.run(3), ['TypeError', 'ERR_CLONE', 'host.nested(result.handler) is a WeakMap and cannot be cloned'])
  assert.deepEqual(await t.run(4), ['TypeError', 'ERR_CLONE', '() => 1'])
  await t.close()
})

test('an unknown host function is a TypeError inside the thread naming it', async () => {
  const t = new Thread(() => async () => {
    try { await parent.host.readFlie('x') } catch (e) { return [e.name, e.message] }
  }, { host: { readFile: () => 1 } })
  const [name, message] = await t.run()
  assert.equal(name, 'TypeError')
  assert.match(message, /readFlie/)
  const bare = new Thread(() => () => [Object.keys(parent.host), typeof parent.host.x])
  assert.deepEqual(await bare.run(), [[], 'undefined'])
  await Promise.all([t.close(), bare.close()])
})

test('the host option must be an object of functions (ERR_INVALID_ARG from the constructor)', () => {
  for (const host of [null, 1, 'f', [], [() => 1], { f: 1 }, { f: undefined }, { f: {} }]) {
    assert.throws(() => new Thread(() => () => 1, { host }), { code: 'ERR_INVALID_ARG' }, String(host))
    assert.throws(() => new ThreadPool(() => () => 1, 1, { host }), { code: 'ERR_INVALID_ARG' })
    assert.throws(() => define({ t: () => 1 }, { host }), { code: 'ERR_INVALID_ARG' })
  }
})

test('a host function that never settles: timeout ends the call, the next call never sees the late answer', async () => {
  const gate = deferred()
  let calls = 0
  const t = new Thread(() => async (k) => {
    if (k === 'wait') { globalThis.leaked = await parent.host.slow(); return 'unreachable' }
    return [globalThis.leaked, await parent.host.fresh()]
  }, { host: { slow: () => { calls++; return gate.promise }, fresh: () => 'fresh' } })
  await assert.rejects(t.runWith({ args: ['wait'], timeout: 50 }), { code: 'ERR_TIMEOUT' })
  gate.resolve('late') // the answer now goes to a call that is over
  await tick()
  assert.deepEqual(await t.run('next'), [undefined, 'fresh'])
  assert.equal(calls, 1)
  await t.close()
})

test('an AbortSignal ends a call awaiting a host function; the late answer is dropped', async () => {
  const gate = deferred()
  const started = deferred()
  const t = new Thread(() => async (k) => {
    if (k === 'wait') { globalThis.leaked = await parent.host.slow(); return 'unreachable' }
    return [globalThis.leaked, await parent.host.fresh()]
  }, { host: { slow: () => { started.resolve(); return gate.promise }, fresh: () => 'fresh' } })
  const ac = new AbortController()
  const call = t.runWith({ args: ['wait'], signal: ac.signal })
  await started.promise
  ac.abort(new Error('stop'))
  await assert.rejects(call, (e) => e.code === 'ERR_ABORTED' && e.cause.message === 'stop')
  gate.resolve('late')
  await tick()
  assert.deepEqual(await t.run('next'), [undefined, 'fresh'])
  await t.close()
})

test('dispose() while a host function runs: the call rejects, the late answer goes nowhere', async () => {
  const gate = deferred()
  const started = deferred()
  let answered = 0
  const t = new Thread(() => () => parent.host.slow(), {
    host: { slow: () => { started.resolve(); return gate.promise.then((v) => { answered++; return v }) } },
  })
  const call = settle(t.run())
  await started.promise
  await t.dispose()
  const [outcome, , , code] = await call
  assert.deepEqual([outcome, code], ['err', 'ERR_CLOSED'])
  gate.resolve('late')
  await tick()
  await tick()
  assert.equal(answered, 1, 'the host function finished; its answer was dropped')
  const u = new Thread(() => () => parent.host.f(), { host: { f: () => 'still fine' } })
  assert.equal(await u.run(), 'still fine')
  await u.close()
})

test("a pool thread replaced after ERR_MEMORY_LIMIT never gets the old isolate's late answers", async () => {
  const gateA = deferred()
  const gateB = deferred()
  const calledB = deferred()
  const pool = new ThreadPool(() => (k) => {
    if (k !== 'oom') return parent.host.fresh()
    parent.host.slow() // answered only after this isolate is gone
    return new Promise(() => setTimeout(() => { const a = []; for (;;) a.push({ a, s: 'x' + a.length }) }, 1))
  }, 1, { memoryLimit: 16, host: { slow: () => gateA.promise, fresh: () => { calledB.resolve(); return gateB.promise } } })
  await assert.rejects(pool.run('oom'), { code: 'ERR_MEMORY_LIMIT' })
  const b = pool.run('fresh') // on the fresh isolate, awaiting its own host call
  await calledB.promise
  gateA.resolve('late')
  await tick()
  gateB.resolve('fresh')
  assert.equal(await b, 'fresh')
  await pool.close()
})

test('a call awaiting a host function holds its thread: the next call waits', async () => {
  const gate = deferred()
  const order = []
  const t = new Thread(() => async (k) => (k === 'a' ? parent.host.wait() : k), {
    host: { wait: () => gate.promise },
  })
  const a = t.run('a').then((v) => order.push(v))
  const b = t.run('b').then((v) => order.push(v))
  await tick()
  gate.resolve('a')
  await Promise.all([a, b])
  assert.deepEqual(order, ['a', 'b'])
  await t.close()
})

test('pool: many concurrent host calls, each answered to its own caller', async () => {
  const pool = new ThreadPool(() => async (i) => {
    const all = await Promise.all([parent.host.twice(i), parent.host.twice(i + 1), parent.host.who(threadId)])
    return all
  }, 4, { host: { twice: async (x) => { await null; return x * 2 }, who: (id) => id } })
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => pool.run(i)))
  results.forEach((r, i) => {
    assert.equal(r[0], i * 2)
    assert.equal(r[1], (i + 1) * 2)
    assert.equal(typeof r[2], 'number')
  })
  await pool.close()
})

test('define({ host }): tasks and services call the host functions', async () => {
  const log = []
  const api = define({
    __initializeService() { return parent.host.log('service up') },
    async task(x) { return parent.host.triple(x) },
  }, { host: { triple: (x) => x * 3, log: (m) => { log.push(m) } } })
  assert.equal(await api({ name: 'task', params: [5] }), 15)
  const service = await api.launchService()
  assert.deepEqual(log, ['service up'])
  assert.equal(await service.call({ name: 'task', params: [7] }), 21)
  await service.close()
  const other = define({ names: () => Object.keys(parent.host) })
  assert.deepEqual(await other({ name: 'names' }), [], "another define()'s tasks have none")
})

test('a host call made after its call returned is still answered', async () => {
  const got = deferred()
  const t = new Thread(() => () => { setTimeout(() => parent.host.log('after'), 1); return 'returned' }, {
    host: { log: (m) => got.resolve(m) },
  })
  assert.equal(await t.run(), 'returned')
  const keep = setInterval(() => {}, 1000) // an idle thread keeps nothing alive
  assert.equal(await got.promise, 'after')
  clearInterval(keep)
  await t.close()
})

test('liveness: a host function keeps the process alive like its call; an unreffed thread\'s does not', () => {
  const body = (reffed) => `
    const t = new lib.Thread(() => () => parent.host.wait(), {
      reffed: ${reffed},
      host: { wait: () => new Promise((r) => setTimeout(() => r('answered'), 100).unref()) },
    })
    t.run().then((v) => console.log(v))
  `
  const kept = runChild(body(true))
  assert.equal(kept.status, 0, describe(kept))
  assert.match(kept.stdout, /answered/, describe(kept))
  const gone = runChild(body(false))
  assert.equal(gone.status, 0, describe(gone))
  assert.doesNotMatch(gone.stdout, /answered/, describe(gone))
})
