'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadsManager } = require('..')
const { runChild, describe } = require('./helpers')

/** Until `cond()` holds (polled: a loaded machine starts threads slowly), 10 s at most. */
async function until(cond) {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
}

test('the API.md §3 example: run with this bound, message() to the callback, send() an event', async () => {
  const mgr = new ThreadsManager()
  const got = []
  mgr.run(function (data, message) {
    message('hello from ' + data.who)
    this.greet = (d) => message('hi ' + d.name)
  }, 'foobar', { who: 'sandbox' }, (msg) => got.push(msg))
  mgr.send('foobar', 'greet', { name: 'host' })
  try {
    await until(() => got.length >= 2)
    assert.deepEqual(got, ['hello from sandbox', 'hi host'])
  } finally {
    mgr.kill('foobar') // a live sandbox would keep this file's process alive
  }
})

test('run(func, id) without data passes {} (API.md §3: data = {})', async () => {
  const mgr = new ThreadsManager()
  const got = []
  mgr.run(function (data, message) {
    message({ type: typeof data, isNull: data === null, keys: data === undefined || data === null ? null : Object.keys(data) })
  }, 'no-data', undefined, (m) => got.push(m))
  try {
    await until(() => got.length >= 1)
    assert.deepEqual(got, [{ type: 'object', isNull: false, keys: [] }])
  } finally {
    mgr.kill('no-data')
  }
})

test('state and timers persist between events', async () => {
  const mgr = new ThreadsManager()
  const got = []
  mgr.run(function (start, message) {
    let count = start
    this.add = (n) => { count += n; message(count) }
    setTimeout(() => message('timer ' + count), 40)
  }, 'counter', 10, (m) => got.push(m))
  mgr.send('counter', 'add', 1)
  mgr.send('counter', 'add', 2)
  try {
    await until(() => got.length >= 3)
    assert.deepEqual(got, [11, 13, 'timer 13'])
  } finally {
    mgr.killAll()
  }
})

test('ERR_ALREADY_RUNNING for a live id, ERR_NOT_RUNNING for send/kill of one that is not', () => {
  const mgr = new ThreadsManager()
  mgr.run(function () {}, 'x', null, () => {})
  assert.throws(() => mgr.run(function () {}, 'x', null, () => {}), { code: 'ERR_ALREADY_RUNNING' })
  mgr.kill('x')
  assert.throws(() => mgr.kill('x'), { code: 'ERR_NOT_RUNNING' })
  assert.throws(() => mgr.send('x', 'e', 1), { code: 'ERR_NOT_RUNNING' })
  mgr.run(function () {}, 'x', null, () => {}) // free again
  mgr.killAll()
  assert.deepEqual(mgr.identifiers, [])
})

test("unknown events and errors inside are emitted as 'error' with the identifier", async () => {
  const mgr = new ThreadsManager()
  const errors = []
  mgr.on('error', ({ identifier, error }) => errors.push([identifier, error.message]))
  mgr.run(function () { this.boom = () => { throw new Error('boom') } }, 'e1', null, () => {})
  mgr.send('e1', 'nope', 1)
  mgr.send('e1', 'boom', 1)
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(errors, [['e1', 'unknown event "nope"'], ['e1', 'boom']])
  mgr.killAll()
})

test("with no 'error' listener the error goes to console.error naming the identifier, never thrown", () => {
  const r = runChild(`
    const mgr = new lib.ThreadsManager()
    mgr.run(function () {}, 'quiet-one', null, () => {})
    mgr.send('quiet-one', 'missing', 1)
    setTimeout(() => { mgr.killAll(); console.log('alive') }, 100)
  `)
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /alive/)
  assert.match(r.stderr, /quiet-one/)
  assert.match(r.stderr, /unknown event "missing"/)
})

test('a live thread keeps the process alive until killed', () => {
  const start = Date.now()
  const r = runChild(`
    const mgr = new lib.ThreadsManager()
    mgr.run(function (d, message) { this.stop = () => message('stopping') }, 'live', null, (m) => { console.log(m); mgr.kill('live') })
    setTimeout(() => mgr.send('live', 'stop'), 300)
  `, { timeout: 10000 })
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /stopping/)
  assert.ok(Date.now() - start >= 300)
})
