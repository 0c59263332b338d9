'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { define } = require('..')

const api = define({
  __initializeService() {
    globalThis.received = 0
    parent.onStream((r) => {
      let chunks = 0
      r.on('data', async (chunk) => {
        globalThis.received += chunk.length
        if (++chunks % 64 === 0) await new Promise((res) => setTimeout(res, 2)) // a slow reader
      })
      r.on('end', () => parent.sendMessage({ done: r.metaData.name, bytes: globalThis.received }))
    })
  },
  sendBack: async (n, size) => {
    const w = await parent.createStream({ kind: 'back', n })
    for (let i = 0; i < n; i++) await w.write(new Uint8Array(size).fill(i % 256))
    w.end()
    return 'sent'
  },
  received: () => globalThis.received,
})

test('host → service: a Writable with backpressure; 256 MB through a slow reader keeps host memory bounded', async () => {
  const svc = await api.launchService()
  const done = svc.waitForMessage((m) => m && m.done === 'big')
  const w = await svc.createStream({ name: 'big' })
  const chunk = Buffer.alloc(64 * 1024, 1)
  const total = 256 * 1024 * 1024
  const base = process.memoryUsage().rss
  let peak = base
  let waits = 0
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!w.write(chunk)) {
      waits++
      await new Promise((r) => w.once('drain', r))
    }
    if ((sent & 0xffffff) === 0) peak = Math.max(peak, process.memoryUsage().rss)
  }
  w.end()
  const msg = await done
  assert.equal(msg.bytes, total)
  assert.ok(waits > 100, `the writer waited for the reader (${waits} times)`)
  const growth = (peak - base) / 1048576
  assert.ok(growth < 128, `host RSS grew ${growth.toFixed(1)} MB while streaming 256 MB`)
  await svc.close()
})

test('service → host: parent.createStream gives the host a Readable with metaData', async () => {
  const svc = await api.launchService()
  const got = new Promise((resolve) => svc.onStream((readable) => {
    const parts = []
    readable.on('data', (c) => parts.push(c))
    readable.on('end', () => resolve({ meta: readable.metaData, data: Buffer.concat(parts) }))
  }))
  assert.equal(await svc.call({ name: 'sendBack', params: [40, 1000] }), 'sent')
  const { meta, data } = await got
  assert.deepEqual(meta, { kind: 'back', n: 40 })
  assert.equal(data.length, 40000)
  assert.equal(data[0], 0)
  assert.equal(data[39999], 39)
  await svc.close()
})

test('a slow host reader holds the service writer back (credit-based)', async () => {
  const svc = await api.launchService()
  let readable
  svc.onStream((r) => { readable = r })
  const sending = svc.call({ name: 'sendBack', params: [200, 64 * 1024] })
  let settled = false
  sending.then(() => { settled = true })
  await new Promise((r) => setTimeout(r, 200))
  assert.ok(readable !== undefined)
  assert.equal(settled, false, 'the writer waits while nobody reads')
  let n = 0
  readable.on('data', (c) => { n += c.length })
  await new Promise((r) => readable.on('end', r))
  assert.equal(await sending, 'sent')
  assert.equal(n, 200 * 64 * 1024)
  await svc.close()
})
