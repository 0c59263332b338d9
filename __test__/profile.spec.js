'use strict'
// Profiles without a debugger (RUNTIME.md §5): thread.profile(fn) and
// thread.heapSnapshot(), on a Thread and on each thread of a pool.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

const context = () => {
  function resizeImage(n) {
    let s = 0
    for (let i = 0; i < n; i++) s += Math.sqrt(i) % 3
    return s
  }
  return (n) => resizeImage(n)
}

test('thread.profile(fn) resolves with a .cpuprofile whose nodes name the user function', async () => {
  const t = new Thread(context)
  await t.run(10)
  let inside
  const profile = await t.profile(async (thread) => {
    inside = thread
    for (let i = 0; i < 10; i++) await t.run(2e6)
  })
  assert.equal(inside, t)
  for (const key of ['nodes', 'startTime', 'endTime', 'samples', 'timeDeltas']) assert.ok(key in profile, key)
  assert.ok(profile.endTime > profile.startTime)
  const node = profile.nodes.find((n) => n.callFrame.functionName === 'resizeImage')
  assert.ok(node, profile.nodes.map((n) => n.callFrame.functionName).join())
  assert.equal(node.callFrame.url, __filename, 'frames name the user file')
  // It round-trips as JSON (what DevTools and speedscope load).
  assert.deepEqual(JSON.parse(JSON.stringify(profile)).nodes.length, profile.nodes.length)
  assert.equal(await t.run(3), await t.run(3), 'the thread serves on')
  await t.close()
})

test('profile() passes fn\'s error on, after stopping the profiler; bad input rejects', async () => {
  const t = new Thread(context)
  await assert.rejects(t.profile(async () => { await t.run(1); throw new Error('inside fn') }), /inside fn/)
  // A second profile works: the first one was stopped.
  const p = await t.profile(() => t.run(1e5))
  assert.ok(Array.isArray(p.nodes))
  await assert.rejects(t.profile('nope'), { code: 'ERR_INVALID_ARG' })
  await t.close()
  await assert.rejects(t.profile(() => {}), { code: 'ERR_CLOSED' })
  await assert.rejects(t.heapSnapshot(), { code: 'ERR_CLOSED' })
})

test('thread.heapSnapshot() resolves with a .heapsnapshot string', async () => {
  const t = new Thread(() => {
    class Marker { constructor() { this.payload = 'x'.repeat(100) } }
    const keep = Array.from({ length: 100 }, () => new Marker())
    return () => keep.length
  })
  assert.equal(await t.run(), 100)
  const text = await t.heapSnapshot()
  assert.equal(typeof text, 'string')
  const snap = JSON.parse(text)
  assert.ok(snap.snapshot && snap.snapshot.meta, 'has a snapshot field with meta')
  assert.ok(snap.strings.includes('Marker'))
  await t.close()
})

test('the profiler starts and stops while a call runs a long synchronous loop', async () => {
  const t = new Thread(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return 'done' })
  await t.run(1)
  const long = t.run(1500)
  await new Promise((r) => setTimeout(r, 50))
  const t0 = Date.now()
  const profile = await t.profile(() => new Promise((r) => setTimeout(r, 100)))
  assert.ok(Date.now() - t0 < 1200, 'the profile did not wait for the call to end')
  assert.ok(Array.isArray(profile.nodes))
  // V8 takes heap snapshots with an empty stack: this one once the call ends.
  const snap = t.heapSnapshot()
  assert.equal(await long, 'done')
  assert.ok(JSON.parse(await snap).snapshot)
  await t.close()
})

test('a pool offers profile() and heapSnapshot() per thread', async () => {
  const pool = new ThreadPool(context, 2, { scheduler: 'round-robin' })
  assert.equal(pool.threads.length, 2)
  assert.equal(pool.threads, pool.threads)
  const ids = pool.threads.map((t) => t.threadId)
  assert.equal(new Set(ids).size, 2)
  const profile = await pool.threads[1].profile(async () => {
    for (let i = 0; i < 8; i++) await pool.run(1e6) // round-robin: half land on thread 1
  })
  assert.ok(profile.nodes.some((n) => n.callFrame.functionName === 'resizeImage'))
  const snap = JSON.parse(await pool.threads[0].heapSnapshot())
  assert.ok(snap.snapshot)
  assert.equal(pool.threads[0].stats().threadId, ids[0])
  assert.equal(pool.threads[0].inspectorUrl, undefined)
  await pool.close()
})
