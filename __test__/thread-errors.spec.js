'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread } = require('..')

test('a thrown Error keeps name, message, code, cause, own props and the thread-side stack', async () => {
  const t = new Thread(() => function failing(x) {
    const err = new TypeError('bad input ' + x, { cause: new Error('root cause') })
    err.code = 'E_BAD'
    err.extra = { n: 1 }
    throw err
  }, { name: 'worker-a' })
  await assert.rejects(t.run(7), (err) => {
    assert.ok(err instanceof TypeError)
    assert.equal(err.name, 'TypeError')
    assert.equal(err.message, 'bad input 7')
    assert.equal(err.code, 'E_BAD')
    assert.deepEqual(err.extra, { n: 1 })
    assert.ok(err.cause instanceof Error)
    assert.equal(err.cause.message, 'root cause')
    // Frames name the user's file and line (RUNTIME.md §5), not the thread.
    assert.ok(err.stack.includes(`at failing (${__filename}:`), err.stack)
    return true
  })
  assert.equal(await t.run.call(t, 1).catch((e) => e.code), 'E_BAD')
  await t.close()
})

test('async rejections reject the call the same way', async () => {
  const t = new Thread(() => async () => { await null; throw new RangeError('late') })
  await assert.rejects(t.run(), { name: 'RangeError', message: 'late' })
  await t.close()
})

test('thrown non-Errors reject with their clone; unclonable ones with ERR_CLONE and String(value)', async () => {
  const t = new Thread(() => (kind) => {
    if (kind === 'num') throw 42
    if (kind === 'obj') throw { a: 1 }
    if (kind === 'null') throw null
    if (kind === 'sym') throw Symbol('s')
    if (kind === 'fn') throw function f() {}
  })
  await assert.rejects(t.run('num'), (v) => v === 42)
  await assert.rejects(t.run('obj'), (v) => assert.deepEqual(v, { a: 1 }) ?? true)
  await assert.rejects(t.run('null'), (v) => v === null)
  await assert.rejects(t.run('sym'), (e) => e.code === 'ERR_CLONE' && e.message === 'Symbol(s)')
  await assert.rejects(t.run('fn'), (e) => e.code === 'ERR_CLONE' && /function f/.test(e.message))
  await t.close()
})

test('an Error whose message getter throws rejects with the getter\'s error', async () => {
  const t = new Thread(() => () => {
    const e = new Error('x')
    Object.defineProperty(e, 'message', { get() { throw new Error('getter blew up') } })
    throw e
  })
  await assert.rejects(t.run(), { message: 'getter blew up' })
  await t.close()
})

test('a captured host variable gives a ReferenceError that says so', async () => {
  const hostValue = 5
  const t = new Thread(() => () => hostValue * 2)
  await assert.rejects(t.run(), (err) => {
    assert.ok(err instanceof ReferenceError)
    assert.match(err.message, /hostValue is not defined/)
    assert.match(err.message, /host's variables/)
    return true
  })
  await t.close()
})

test('a context with a syntax error rejects every run with ERR_INVALID_ARG and the location', async () => {
  // A function that parses inside its class (private name) but not alone.
  class Holder { #secret = 1; make() { return () => () => this.#secret } }
  const fn = new Holder().make()
  const t = new Thread(fn)
  for (let i = 0; i < 2; i++) {
    await assert.rejects(t.run(), (err) => {
      assert.equal(err.code, 'ERR_INVALID_ARG')
      assert.match(err.message, /SyntaxError/)
      assert.ok(err.message.includes(`${__filename}:`), err.message)
      return true
    })
  }
  await t.close()
})

test('a context that throws or returns a non-function rejects runs with ERR_INVALID_ARG', async () => {
  const t1 = new Thread(() => { throw new Error('setup failed') })
  await assert.rejects(t1.run(), (e) => e.code === 'ERR_INVALID_ARG' && /setup failed/.test(e.message) && e.cause.message === 'setup failed')
  const t2 = new Thread(() => 42)
  await assert.rejects(t2.run(), (e) => e.code === 'ERR_INVALID_ARG' && /got number/.test(e.message))
  const t3 = new Thread(async () => { throw new Error('async setup failed') })
  await assert.rejects(t3.run(), (e) => e.code === 'ERR_INVALID_ARG' && /async setup failed/.test(e.message))
  await Promise.all([t1.close(), t2.close(), t3.close()])
})

test('constructor option checks throw ERR_INVALID_ARG synchronously', () => {
  const ok = () => () => 1
  const bad = [
    [() => new Thread(42)],
    [() => new Thread(null)],
    [() => new Thread('() => 1')],
    [() => new Thread(ok, 5)],
    [() => new Thread(ok, { memoryLimit: 4 })],
    [() => new Thread(ok, { memoryLimit: 5000 })],
    [() => new Thread(ok, { memoryLimit: '64' })],
    [() => new Thread(ok, { timeout: 0 })],
    [() => new Thread(ok, { timeout: Infinity })],
    [() => new Thread(ok, { timeout: -1 })],
    [() => new Thread(ok, { name: 7 })],
    [() => new Thread(ok, { reffed: 'yes' })],
    [() => new Thread(Math.max)],
    [() => new Thread(class A {})],
  ]
  for (const [make] of bad) {
    assert.throws(make, (err) => err.code === 'ERR_INVALID_ARG', make.toString())
  }
})

test('bad runWith options reject (never throw)', async () => {
  const t = new Thread(() => (x) => x)
  const p = t.runWith({ args: 'nope' })
  assert.ok(p instanceof Promise)
  await assert.rejects(p, { code: 'ERR_INVALID_ARG' })
  await assert.rejects(t.runWith({ timeout: -5 }), { code: 'ERR_INVALID_ARG' })
  await assert.rejects(t.runWith(null), { code: 'ERR_INVALID_ARG' })
  await assert.rejects(t.run(() => 1), { code: 'ERR_CLONE' })
  assert.equal(await t.run(1), 1)
  await t.close()
})
