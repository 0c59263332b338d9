'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, notify, realSharedArrayBuffers } = require('..')

test('a host SharedArrayBuffer is shared with the thread: writes are seen both ways', async () => {
  const sab = new SharedArrayBuffer(16)
  const view = new Int32Array(sab)
  view[0] = 5
  const t = new Thread(() => (s) => { const v = new Int32Array(s); const seen = v[0]; v[1] = 77; Atomics.add(v, 2, 3); return seen })
  assert.equal(await t.run(sab), 5)
  assert.equal(view[1], 77)
  assert.equal(view[2], 3)
  await t.close()
})

test('a SharedArrayBuffer returned by a thread shares memory with it (no copy)', async () => {
  const t = new Thread(() => {
    let mem
    return (op) => {
      if (op === 'make') { mem = new SharedArrayBuffer(8); return mem }
      if (op === 'write') { new Uint8Array(mem)[0] = 42; return true }
    }
  })
  const got = await t.run('make')
  assert.equal(got instanceof SharedArrayBuffer, realSharedArrayBuffers)
  assert.equal(got.byteLength, 8)
  await t.run('write')
  assert.equal(new Uint8Array(got)[0], 42, 'a write in the thread after the return is visible on the host')
  await t.close()
})

test('notify() wakes a thread blocked in Atomics.wait on host memory', async () => {
  const sab = new SharedArrayBuffer(8)
  const ia = new Int32Array(sab)
  const t = new Thread(() => (s) => Atomics.wait(new Int32Array(s), 0, 0, 5000))
  const waiting = t.run(sab)
  let woken = 0
  const start = Date.now()
  while (woken === 0 && Date.now() - start < 3000) {
    await new Promise((r) => setTimeout(r, 5))
    woken = notify(ia, 0)
  }
  assert.equal(woken, 1)
  assert.equal(await waiting, 'ok')
  assert.ok(Date.now() - start < 2000)
  await t.close()
})

test("a thread's Atomics.notify wakes the host's Atomics.waitAsync", async () => {
  const sab = new SharedArrayBuffer(8)
  const ia = new Int32Array(sab)
  const t = new Thread(() => (s) => { const v = new Int32Array(s); Atomics.store(v, 0, 1); return Atomics.notify(v, 0) })
  await t.run(sab) // the host learns about this memory
  Atomics.store(ia, 0, 0)
  const w = Atomics.waitAsync(ia, 0, 0, 3000)
  assert.equal(w.async, true)
  await t.run(sab)
  assert.equal(await w.value, 'ok')
  await t.close()
})

test('returning a large SharedArrayBuffer does not copy it', async () => {
  const t = new Thread(() => (n) => { const s = new SharedArrayBuffer(n); new Uint8Array(s)[n - 1] = 1; return s })
  const big = await t.run(64 * 1024 * 1024)
  assert.equal(big.byteLength, 64 * 1024 * 1024)
  assert.equal(new Uint8Array(big)[64 * 1024 * 1024 - 1], 1)
  await t.close()
})

test('a typed array over a SharedArrayBuffer crosses with its byteOffset and shares memory', async () => {
  const sab = new SharedArrayBuffer(32)
  const view = new Int32Array(sab, 8, 2)
  const t = new Thread(() => (v) => { v[1] = 99; return [v.byteOffset, v.length, v.buffer.byteLength] })
  assert.deepEqual(await t.run(view), [8, 2, 32])
  assert.equal(new Int32Array(sab)[3], 99)
  await t.close()
})
