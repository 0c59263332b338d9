'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { define, Messenger } = require('..')

const relay = define({
  __initializeService() {
    messengers.use('relay').then((m) => {
      m.onMessage((v) => { if (v && v.to === threadId) m.sendMessage({ from: threadId, got: v.n }) })
    })
  },
  attached: (name) => messengers.seek(name) !== undefined,
  send: async (name, values) => { const m = await messengers.use(name); for (const v of values) m.sendMessage(v); return values.length },
})

test('a Messenger given to services reaches them; every endpoint but the sender receives', async () => {
  const m = new Messenger('relay')
  const [a, b] = await Promise.all([relay.launchService({ messengers: [m] }), relay.launchService()])
  assert.equal(await b.call({ name: 'attached', params: ['relay'] }), false)
  b.sendMessenger(m)
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(await b.call({ name: 'attached', params: ['relay'] }), true)
  const replies = []
  m.onMessage((v) => replies.push(v))
  m.sendMessage({ to: a.threadID, n: 1 })
  m.sendMessage({ to: b.threadID, n: 2 })
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(replies.sort((x, y) => x.got - y.got), [{ from: a.threadID, got: 1 }, { from: b.threadID, got: 2 }])
  await Promise.all([a.close(), b.close()])
  m.close()
})

test('two host Messengers of one name are one channel; the sender never hears itself; order is kept', async () => {
  const x = new Messenger('same-name')
  const y = new Messenger('same-name')
  assert.equal(x.ID, 'same-name')
  assert.notEqual(x.uniqueKey, y.uniqueKey)
  const atX = []
  const atY = []
  x.onMessage((v) => atX.push(v))
  y.onMessage((v) => atY.push(v))
  for (let i = 0; i < 100; i++) x.sendMessage(i)
  await new Promise((r) => setTimeout(r, 10))
  assert.deepEqual(atX, [])
  assert.deepEqual(atY, Array.from({ length: 100 }, (_, i) => i))
  assert.equal(await y.waitForMessage((v) => v === 'go', x.sendMessage('go')), 'go')
  x.close()
  y.close()
  assert.throws(() => x.sendMessage(1), { code: 'ERR_CLOSED' })
  const anon = new Messenger()
  assert.match(anon.ID, /^messenger-/)
  anon.close()
})

test('messages between two services go thread to thread, in order per sender, none lost', async () => {
  const m = new Messenger('pipe')
  const sink = define({
    __initializeService() {
      globalThis.got = []
      messengers.use('pipe').then((p) => p.onMessage((v) => globalThis.got.push(v)))
    },
    count: () => ({ n: globalThis.got.length, ordered: globalThis.got.every((v, i) => v === i) }),
  })
  const receiver = await sink.launchService({ messengers: [m] })
  const sender = await relay.launchService({ messengers: [m] })
  m.close() // the host leaves: messages now only cross between the two threads
  const n = 20000
  const values = Array.from({ length: n }, (_, i) => i)
  assert.equal(await sender.call({ name: 'send', params: ['pipe', values] }), n)
  let state
  for (let i = 0; i < 100; i++) {
    state = await receiver.call({ name: 'count' })
    if (state.n === n) break
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.deepEqual(state, { n, ordered: true })
  await Promise.all([receiver.close(), sender.close()])
})

test('records, shared sub-objects, getters and what cannot be cloned: messages from a thread keep every rule of a value', async () => {
  // (a thread writes most objects of a message with V8's serializer and
  // records as shapes; getters and clone errors go through our walker)
  const records = () => { const owner = { id: 'o' }; return Array.from({ length: 50 }, (_, i) => ({ id: i, name: 'u' + i, tags: ['a', 'b'], owner })) }
  const m = new Messenger('records')
  const sink = define({
    __initializeService() {
      globalThis.got = []
      messengers.use('records').then((p) => p.onMessage((v) => globalThis.got.push(v)))
    },
    got: () => globalThis.got.map((v) => ({ v, shared: Array.isArray(v) ? v.every((r) => r.owner === v[0].owner) : null })),
  })
  const source = define({
    send: async (make) => {
      const list = eval(`(${make})`)()
      ;(await messengers.use('records')).sendMessage(list)
      parent.sendMessage(list)
      parent.sendMessage({ get g() { return 'ran' }, n: 1 })
      let thrown
      try { parent.sendMessage({ a: [{ f() {} }] }) } catch (e) { thrown = [e.code, e.message] }
      return thrown
    },
  })
  const receiver = await sink.launchService({ messengers: [m] })
  const sender = await source.launchService({ messengers: [m] })
  const atHost = []
  sender.onMessage((v) => atHost.push(v))
  const thrown = await sender.call({ name: 'send', params: [records.toString()] })
  assert.deepEqual(thrown, ['ERR_CLONE', 'message.a[0].f is a function and cannot be cloned'])
  let got = []
  for (let i = 0; i < 100 && got.length === 0; i++) { got = await receiver.call({ name: 'got' }); await new Promise((r) => setTimeout(r, 10)) }
  assert.deepStrictEqual(got, [{ v: records(), shared: true }], 'at the other thread: equal, the owner one object')
  for (let i = 0; i < 100 && atHost.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
  assert.deepStrictEqual(atHost[0], records())
  assert.ok(atHost[0].every((r) => r.owner === atHost[0][0].owner), 'at the host: the owner one object')
  assert.deepStrictEqual(atHost[1], { g: 'ran', n: 1 }, "a getter's value crosses")
  await Promise.all([receiver.close(), sender.close()])
  m.close()
})

test('closeAll() closes every endpoint, in threads too', async () => {
  const m = new Messenger('closing')
  const other = new Messenger('closing')
  const svc = await relay.launchService({ messengers: [m] })
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(await svc.call({ name: 'attached', params: ['closing'] }), true)
  m.closeAll()
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(m.closed, true)
  assert.equal(other.closed, true)
  assert.equal(await svc.call({ name: 'attached', params: ['closing'] }), false)
  await svc.close()
})

const recorder = define({
  __initializeService() {
    globalThis.seen = []
    messengers.use('burst').then((m) => {
      m.onMessage((v) => {
        seen.push(v)
        if (v === 'stop') m.close() // what follows in the same batch is not delivered
      })
    })
  },
  seen: () => globalThis.seen,
})

test('a burst sent in one tick arrives whole and in order (values of every kind, more than one delivery batch)', async () => {
  const m = new Messenger('burst')
  const svc = await recorder.launchService({ messengers: [m] })
  await new Promise((r) => setTimeout(r, 20))
  const sent = []
  for (let i = 0; i < 3000; i++) sent.push(i % 3 === 0 ? i : i % 3 === 1 ? { i, s: 'x'.repeat(i % 50) } : [i, null, 2n ** 70n])
  for (const v of sent) m.sendMessage(v)
  let seen = []
  for (let t = 0; t < 200 && seen.length < sent.length; t++) {
    await new Promise((r) => setTimeout(r, 10))
    seen = await svc.call({ name: 'seen' })
  }
  assert.deepEqual(seen, sent)
  await svc.close()
  m.close()
})

test('a listener that closes its messenger mid-burst hears nothing after it', async () => {
  const m = new Messenger('burst')
  const svc = await recorder.launchService({ messengers: [m] })
  await new Promise((r) => setTimeout(r, 20))
  for (let i = 0; i < 10; i++) m.sendMessage(i)
  m.sendMessage('stop')
  for (let i = 10; i < 20; i++) m.sendMessage(i)
  await new Promise((r) => setTimeout(r, 100))
  assert.deepEqual(await svc.call({ name: 'seen' }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'stop'])
  await svc.close()
  m.close()
})
