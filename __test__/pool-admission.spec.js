'use strict'
// A pool whose replacement thread is refused admission (the process-wide JS heap
// ceiling, API.md §7; README ThreadPool: "only when no thread of the pool runs and
// none can start do calls reject with ERR_MEMORY_LIMIT"). In a child process: the
// ceiling is filled by opening threads until one is refused, as the admission case
// (fixtures/admission.js) does, plus a held heap larger than a dying pool thread gives
// back, so its replacement cannot start.
const test = require('node:test')
const assert = require('node:assert/strict')
const { runChild, describe, noCrashOutput } = require('./helpers')

test('a pool thread lost to ERR_MEMORY_LIMIT with no room for a replacement: the others serve the queue, an empty pool rejects with ERR_MEMORY_LIMIT, and room freed starts new threads (round-robin too, also in place of a thread lost to ERR_MEMORY_LIMIT)', () => {
  const r = runChild(`
    const assert = require('node:assert/strict')
    const { Thread, ThreadPool } = lib
    const ctx = () => (op, n) => {
      if (op === 'hog') { const a = []; for (;;) a.push(new Array(1000).fill(n)) }
      return new Promise((r) => setTimeout(() => r(threadId), n))
    }
    const codes = (rs) => rs.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code))
    async function main() {
      const a = new ThreadPool(ctx, 2, { memoryLimit: 16 })
      const b = new ThreadPool(ctx, 1, { memoryLimit: 16 })
      const c = new ThreadPool(ctx, 2, { memoryLimit: 16, scheduler: 'round-robin' })
      const idsC = new Set(c.threads.map((t) => t.threadId))
      const idsA = new Set(a.threads.map((t) => t.threadId))
      const idB = b.threads[0].threadId
      assert.equal(idsA.size, 2)
      const fillers = []
      let refused
      for (let i = 0; i < 10000 && refused === undefined; i++) {
        const t = new Thread(() => (mb) => { if (mb) globalThis.keep = new Array(mb * 131072).fill(1.5); return mb })
        try { await t.run(0); fillers.push(t) } catch (err) { refused = err }
      }
      assert.equal(refused && refused.code, 'ERR_MEMORY_LIMIT', String(refused))
      await fillers[0].run(48) // ~48 MB held: more than a 16 MB thread frees when it dies
      await assert.rejects(new Thread(() => () => 1).run(), { code: 'ERR_MEMORY_LIMIT' })
      // A round-robin pool made now starts no thread: its calls reject.
      const rr = new ThreadPool(ctx, 2, { scheduler: 'round-robin' })
      assert.equal(rr.size, 0)
      await assert.rejects(rr.run('sleep', 1), { code: 'ERR_MEMORY_LIMIT' })

      // Pool a: one thread dies, its replacement is refused; the other runs every queued call.
      const hog = a.run('hog', 0)
      const busy = a.run('sleep', 300)
      const queued = [a.run('sleep', 10), a.run('sleep', 10), a.run('sleep', 10)]
      await assert.rejects(hog, { code: 'ERR_MEMORY_LIMIT' })
      const survivor = await busy
      assert.ok(idsA.has(survivor))
      assert.deepEqual(await Promise.all(queued), [survivor, survivor, survivor])
      assert.equal(a.size, 1)
      assert.deepEqual(await Promise.all([a.run('sleep', 5), a.run('sleep', 5)]), [survivor, survivor])

      // Pool b: its only thread dies and none can start: the calls behind it and new ones reject.
      const rs = await Promise.allSettled([b.run('hog', 0), b.run('sleep', 5), b.run('sleep', 5)])
      assert.deepEqual(codes(rs), ['ERR_MEMORY_LIMIT', 'ERR_MEMORY_LIMIT', 'ERR_MEMORY_LIMIT'])
      assert.match(rs[1].reason.message, /no room for another thread/)
      assert.equal(b.size, 0)
      await assert.rejects(b.run('sleep', 1), { code: 'ERR_MEMORY_LIMIT' })

      // Pool c (round-robin): the thread whose fresh isolate finds no room
      // leaves the turns (the call behind it rejects); the other takes every turn.
      const rc = await Promise.allSettled([c.run('hog', 0), c.run('sleep', 50), c.run('sleep', 5), c.run('sleep', 5)])
      assert.deepEqual(codes(rc), ['ERR_MEMORY_LIMIT', 'ok', 'ERR_CLOSED', 'ok'])
      const survivorC = rc[1].value
      assert.equal(c.size, 1)
      assert.deepEqual(await Promise.all([c.run('sleep', 1), c.run('sleep', 1), c.run('sleep', 1)]), [survivorC, survivorC, survivorC])

      // Room freed: the next calls start threads again, each with a new threadId.
      await Promise.all(fillers.splice(0, 100).map((t) => t.close()))
      const idB2 = await b.run('sleep', 1)
      assert.notEqual(idB2, idB)
      assert.equal(b.size, 1)
      assert.equal(new Set(await Promise.all([rr.run('sleep', 1), rr.run('sleep', 1)])).size, 2, 'round-robin tried again')
      assert.equal(rr.size, 2)
      const two = await Promise.all([a.run('sleep', 150), a.run('sleep', 150)])
      assert.equal(a.size, 2)
      assert.equal(new Set(two).size, 2, 'the two calls ran side by side')
      assert.ok(two.includes(survivor))
      assert.ok(!idsA.has(two.find((id) => id !== survivor)), 'the new thread has a new threadId')
      const turnsC = new Set(await Promise.all([c.run('sleep', 1), c.run('sleep', 1)]))
      assert.equal(c.size, 2, 'round-robin started a thread in place of the lost one')
      assert.equal(turnsC.size, 2)
      assert.ok([...turnsC].some((id) => !idsC.has(id)), 'with a new threadId')
      await Promise.all([a.close(), b.close(), c.close(), rr.close(), ...fillers.map((t) => t.close())])
      console.log('pool admission ok')
    }
    main().catch((err) => { console.error(err); process.exitCode = 1 })
  `, { timeout: 120000 })
  // Exit 0 on its own: nothing left pending, no crash.
  assert.equal(r.status, 0, describe(r))
  assert.match(r.stdout, /pool admission ok/)
  assert.ok(noCrashOutput(r), describe(r))
})
