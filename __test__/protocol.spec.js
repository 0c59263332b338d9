'use strict'
// The JS↔Rust protocol is defined once, in src/binding/protocol.rs, and lib/
// reads it from the binding: these tests fail when lib names a member the
// binding does not export, when a layout stops matching what lib reads, or
// when an owner id collides with a thread id.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const native = require('../native/binding.js')
const { Thread, ThreadPool } = require('..')
const { ROOT } = require('./helpers')

const LIB = path.join(ROOT, 'lib')

const ENUMS = ['EventKind', 'CallStatus', 'ExitCause', 'ConsoleMethod', 'BatchField', 'RunBatchField', 'Owner']

/** The facade's own files (lib/runtime runs inside threads, not on the protocol). */
function facadeFiles(dir = LIB) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'runtime' ? [] : facadeFiles(file)
    return e.name.endsWith('.js') ? [file] : []
  })
}

test('every protocol member lib/ names is one the binding exports', () => {
  const used = new Map()
  for (const file of facadeFiles()) {
    const text = fs.readFileSync(file, 'utf8')
    for (const [, name, member] of text.matchAll(new RegExp(`\\b(${ENUMS.join('|')})\\.([A-Za-z]+)`, 'g'))) {
      used.set(`${name}.${member}`, path.relative(LIB, file))
    }
    // const { A, B: alias } = require('../native/binding.js')
    for (const [, names] of text.matchAll(/const \{([^}]*)\} = require\('(?:\.\.\/)+native\/binding\.js'\)/g)) {
      for (const name of names.split(',').map((n) => n.split(':')[0].trim()).filter(Boolean)) {
        assert.ok(name in native, `${path.relative(LIB, file)} takes ${name} from the binding, which does not export it`)
      }
    }
  }
  assert.ok(used.size >= 20, `lib reads the protocol from the binding (found ${used.size} uses)`)
  for (const [name, file] of used) {
    const [e, member] = name.split('.')
    assert.equal(typeof native[e]?.[member], 'number', `${file} uses ${name}, which the binding does not export`)
  }
})

test('each protocol enum is a runtime object with distinct values; event kinds index a dense table', () => {
  for (const e of ENUMS) {
    const values = Object.values(native[e])
    assert.ok(values.length > 0, e)
    assert.equal(new Set(values).size, values.length, `${e} values are distinct`)
  }
  // lib/host-events.js keeps one handler per kind in an array indexed by kind.
  const kinds = Object.values(native.EventKind).sort((a, b) => a - b)
  assert.deepEqual(kinds, kinds.map((_, i) => i))
  // Batch layouts: each field sits inside its stride, once.
  const fields = (f) => Object.values(f).sort((a, b) => a - b)
  assert.deepEqual(fields(native.BatchField), Array.from({ length: native.BATCH_STRIDE }, (_, i) => i))
  assert.deepEqual(fields(native.RunBatchField), Array.from({ length: native.RUN_BATCH_STRIDE }, (_, i) => i))
})

test('owner ids of the host never collide with a thread id', async () => {
  const t = new Thread(() => () => 1, { memoryLimit: 16 })
  assert.ok(t.threadId >= 1, 'thread ids count from 1')
  for (const id of Object.values(native.Owner)) assert.ok(id < 1, `owner id ${id}`)
  await t.close()
})

test('a thread\'s counters reach stats() field by field', async () => {
  const t = new Thread(() => (fail) => {
    if (fail) throw new Error('no')
    let x = 0
    for (let i = 0; i < 2e6; i++) x += i
    return x
  }, { memoryLimit: 32 })
  await t.run(false)
  await assert.rejects(t.run(true), /no/)
  const s = t.stats()
  assert.equal(s.runs, 2)
  assert.equal(s.failures, 1)
  assert.ok(s.heapUsed > 0 && s.heapUsed < s.heapLimit, `heapUsed ${s.heapUsed} < heapLimit ${s.heapLimit}`)
  assert.ok(s.heapLimit >= 16 * 2 ** 20 && s.heapLimit <= 64 * 2 ** 20, `heapLimit ${s.heapLimit} near 32 MB`)
  assert.ok(s.cpuTimeMs > 0, `cpuTimeMs ${s.cpuTimeMs}`)
  assert.equal(s.active, 0)
  await t.close()
})

test('a pool thread reports active while its call runs (the counters\' running flag)', async () => {
  const pool = new ThreadPool(() => (ms) => { const end = Date.now() + ms; while (Date.now() < end); return ms }, 1, { memoryLimit: 32 })
  const running = pool.run(300)
  let seen = 0
  for (let i = 0; i < 100 && seen === 0; i++) {
    await new Promise((r) => setTimeout(r, 5))
    seen = pool.stats().threads[0].active
  }
  assert.equal(seen, 1)
  assert.equal(await running, 300)
  assert.equal(pool.stats().threads[0].active, 0)
  await pool.close()
})

test('calls handed over in one batch keep their ids, arguments and timeouts', async () => {
  const t = new Thread(() => (ms, tag) => { const end = Date.now() + ms; while (Date.now() < end); return tag }, { memoryLimit: 32 })
  const first = t.run(100, 'first') // the thread is busy: the next calls wait on the host and go in one batch
  const batched = [
    t.run(0, 'a'),
    t.runWith({ args: [400, 'slow'], timeout: 50 }),
    t.run(0, 'b'.repeat(1000)),
    t.runWith({ args: [0, 'c'], timeout: 5000 }),
  ]
  assert.equal(await first, 'first')
  const settled = await Promise.allSettled(batched)
  assert.deepEqual(settled[0], { status: 'fulfilled', value: 'a' })
  assert.equal(settled[1].status, 'rejected')
  assert.equal(settled[1].reason.code, 'ERR_TIMEOUT')
  assert.deepEqual(settled[2], { status: 'fulfilled', value: 'b'.repeat(1000) })
  assert.deepEqual(settled[3], { status: 'fulfilled', value: 'c' })
  await t.close()
})
