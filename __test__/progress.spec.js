'use strict'
// Progress messages (RUNTIME.md §4): parent.sendMessage() inside a call
// reaches that call's onMessage, else the Thread's or Pool's 'message'
// listeners; in order, and before the call's promise settles.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

const tick = () => new Promise((r) => setImmediate(r))

test("a call's onMessage gets its messages in order, all before its promise settles", async () => {
  const t = new Thread(() => (n) => {
    for (let i = 0; i < n; i++) parent.sendMessage({ i, of: n })
    return 'done'
  })
  const got = []
  const p = t.runWith({ args: [1000], onMessage: (m) => got.push(m.i) })
  const result = await p
  assert.equal(result, 'done')
  assert.equal(got.length, 1000, 'every message came before the result')
  assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i))
  await t.close()
})

test("an async call's messages between awaits also come before its result", async () => {
  const t = new Thread(() => async () => {
    parent.sendMessage('start')
    await new Promise((r) => setTimeout(r, 5))
    parent.sendMessage('half')
    await null
    parent.sendMessage('end')
    return 'result'
  })
  const events = []
  const r = await t.runWith({ onMessage: (m) => events.push(m) }).then((v) => { events.push(v); return v })
  assert.equal(r, 'result')
  assert.deepEqual(events, ['start', 'half', 'end', 'result'])
  await t.close()
})

test("Thread is an EventEmitter: calls without onMessage go to 'message' with { threadId }", async () => {
  const t = new Thread(() => (x) => { parent.sendMessage(x * 2); return x })
  const got = []
  t.on('message', (value, info) => got.push([value, info.threadId]))
  assert.equal(await t.run(21), 21)
  assert.deepEqual(got, [[42, t.threadId]])
  // A call with its own onMessage: the thread's listeners hear nothing of it.
  const own = []
  await t.runWith({ args: [5], onMessage: (v, info) => own.push([v, info.threadId]) })
  assert.deepEqual(own, [[10, t.threadId]])
  assert.deepEqual(got, [[42, t.threadId]])
  await t.close()
})

test("messages sent outside any call (a timer after the call returned) go to 'message'", async () => {
  const t = new Thread(() => () => { setTimeout(() => parent.sendMessage('later'), 1); return 'now' })
  const later = new Promise((resolve) => t.once('message', resolve))
  let own = 0
  assert.equal(await t.runWith({ onMessage: () => own++ }), 'now')
  const keep = setInterval(() => {}, 1000) // an idle thread keeps nothing alive
  assert.equal(await later, 'later')
  clearInterval(keep)
  assert.equal(own, 0)
  await t.close()
})

test('with no listener the messages are dropped and the call still resolves', async () => {
  const t = new Thread(() => () => { for (let i = 0; i < 100; i++) parent.sendMessage(i); return 'ok' })
  assert.equal(await t.run(), 'ok')
  await t.close()
})

test('many concurrent calls on a pool: each onMessage gets only its own messages, in order, before its result', async () => {
  const pool = new ThreadPool(() => async (id, n) => {
    for (let k = 0; k < n; k++) {
      parent.sendMessage([id, k])
      if (k % 3 === 0) await null
    }
    return id
  }, 4)
  const stray = []
  pool.on('message', (m) => stray.push(m))
  const calls = Array.from({ length: 400 }, (_, id) => {
    const got = []
    return pool.runWith({ args: [id, 20], onMessage: (m) => got.push(m) }).then((r) => {
      assert.equal(r, id)
      assert.deepEqual(got, Array.from({ length: 20 }, (_, k) => [id, k]), `call ${id}`)
    })
  })
  await Promise.all(calls)
  assert.deepEqual(stray, [])
  await pool.close()
})

test("ThreadPool is an EventEmitter: 'message' names the thread that sent it", async () => {
  const pool = new ThreadPool(() => () => { parent.sendMessage(threadId); return threadId }, 2)
  const seen = []
  pool.on('message', (value, { threadId }) => seen.push([value, threadId]))
  const ids = await Promise.all(Array.from({ length: 20 }, () => pool.run()))
  assert.equal(seen.length, 20)
  for (const [value, threadId] of seen) assert.equal(value, threadId)
  assert.deepEqual(new Set(seen.map(([v]) => v)), new Set(ids))
  await pool.close()
})

test('an aborted call hears no message after it rejected', async () => {
  const t = new Thread(() => (tick) => tick ? new Promise(() => { setInterval(() => parent.sendMessage('tick'), 1) }) : undefined)
  const ac = new AbortController()
  let afterSettle = 0
  let settled = false
  const p = t.runWith({ args: [true], signal: ac.signal, onMessage: () => { if (settled) afterSettle++; else ac.abort() } })
  await assert.rejects(p, { code: 'ERR_ABORTED' })
  settled = true
  for (let i = 0; i < 20; i++) await tick()
  assert.equal(afterSettle, 0)
  assert.equal(await t.runWith({ onMessage: () => afterSettle++ }).catch(() => 'x'), undefined, 'the thread serves on')
  await t.close()
})

test('runWith onMessage must be a function', async () => {
  const t = new Thread(() => () => 1)
  await assert.rejects(t.runWith({ onMessage: 'no' }), { code: 'ERR_INVALID_ARG' })
  const pool = new ThreadPool(() => () => 1, 1)
  await assert.rejects(pool.runWith({ onMessage: 42 }), { code: 'ERR_INVALID_ARG' })
  await Promise.all([t.close(), pool.close()])
})

test('services keep their own onMessage', async () => {
  const { define } = require('..')
  const api = define({
    __initializeService() { parent.onMessage((m) => parent.sendMessage(m + 1)) },
    ping: () => { parent.sendMessage('from a call'); return 'pong' },
  })
  const service = await api.launchService()
  const got = []
  service.onMessage((m) => got.push(m))
  const reply = service.waitForMessage((m) => m === 2)
  service.sendMessage(1)
  await reply
  assert.equal(await service.call({ name: 'ping' }), 'pong')
  assert.deepEqual(got, [2, 'from a call'])
  await service.close()
})
