'use strict'
// Big strings reaching a thread (256 KB or more, at least half of their
// payload) are external strings over the payload's own bytes, not copies
// (engine/codec/external.rs, README "Large payloads"). What a user relies on:
// they are the same strings, in every use that makes V8 move or flatten them
// (keys: internalized; slices; concatenation; kept across calls), through
// every way in (a call's arguments, an object, a message, a service call),
// and their memory is freed by the thread's collector and at its teardown.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const { Thread, Messenger, define } = require('..')

const MB = 1 << 20
// Every Latin-1 code unit; two-byte text with lone surrogates at both ends.
const ALL = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')
const oneByte = (n) => ALL.repeat(Math.ceil(n / 256)).slice(0, n)
const twoByte = (n) => ('\udc00€a\ud800'.repeat(Math.ceil(n / 4)) + '\ud800').slice(-n)

// Inside the thread: everything V8 may do to such a string, checked against
// a copy made there (`String.prototype.concat` over slices flattens into the
// heap), and a digest the host computes the same way.
const CONTEXT = () => {
  const kept = []
  const digest = (s) => {
    let h = 0
    for (let i = 0; i < s.length; i += 97) h = (h * 31 + s.charCodeAt(i)) | 0
    return [s.length, h, s.charCodeAt(0), s.charCodeAt(s.length - 1)]
  }
  return (op, s, extra) => {
    switch (op) {
      case 'digest': return digest(s)
      case 'uses': {
        const copy = s.slice(0, 1000).concat(s.slice(1000))
        const o = { [s]: 1 }
        o[s + ''] += 1
        const m = new Map([[s, 'v']])
        const joined = s + '|' + s
        return [copy === s, o[copy], Object.keys(o)[0] === s, m.get(copy), joined.length === 2 * s.length + 1,
          joined.slice(s.length + 1) === copy, s.slice(-5) === copy.slice(-5), JSON.parse(JSON.stringify(s)) === s,
          s.indexOf(copy.slice(7, 40)) <= 7, s.localeCompare(copy) === 0]
      }
      case 'keep': kept.push(s); return kept.length
      case 'kept': return kept.map(digest)
      case 'object': return [digest(s.data), s.meta, Object.keys(s).join()]
      case 'churn': { // allocate enough to run the collector several times
        let junk = []
        for (let i = 0; i < 200; i++) { junk.push(new Array(50000).fill(i)); if (junk.length > 20) junk = [] }
        return kept.length + (extra ?? 0)
      }
    }
  }
}

const digest = (s) => {
  let h = 0
  for (let i = 0; i < s.length; i += 97) h = (h * 31 + s.charCodeAt(i)) | 0
  return [s.length, h, s.charCodeAt(0), s.charCodeAt(s.length - 1)]
}

describe('big strings reaching a thread', () => {
  let t
  before(() => { t = new Thread(CONTEXT) })
  after(() => t.close())

  test('one- and two-byte strings (lone surrogates too) arrive equal, around the size where they stop being copied', async () => {
    for (const n of [(256 << 10) - 1, 256 << 10, 2 * MB, 2 * MB + 1]) {
      for (const s of [oneByte(n), twoByte(n), oneByte(n).slice(1), twoByte(n).slice(1)]) {
        assert.deepEqual(await t.run('digest', s), digest(s), `length ${s.length}`)
        // The string's code units start at an odd offset of the payload here.
        assert.deepEqual(await t.run('digest', s, 'xy'), digest(s))
      }
    }
    const back = await t.run('digest', twoByte(2 * MB))
    assert.equal(back[3], '\ud800'.charCodeAt(0))
  })

  test('used as keys (internalized), in a Map, sliced, concatenated, serialized: the same string', async () => {
    for (const s of [oneByte(2 * MB), twoByte(2 * MB)]) {
      assert.deepEqual(await t.run('uses', s), [true, 2, true, 'v', true, true, true, true, true, true])
    }
  })

  test('kept across calls and collections, they keep their contents', async () => {
    const sent = []
    for (let i = 0; i < 6; i++) {
      const s = i % 2 ? twoByte(MB + i) : oneByte(MB + i)
      sent.push(s)
      assert.equal(await t.run('keep', s), i + 1)
      await t.run('churn')
    }
    assert.deepEqual(await t.run('kept'), sent.map(digest))
  })

  test('inside an object, beside other values (the general decoder, not V8’s)', async () => {
    const data = twoByte(2 * MB)
    assert.deepEqual(await t.run('object', { data, meta: { id: 1, tags: ['a', 'b'] } }), [digest(data), { id: 1, tags: ['a', 'b'] }, 'data,meta'])
  })
})

test('through a message and a service call', async () => {
  const m = new Messenger('ext-strings')
  const svc = define({
    __initializeService() {
      globalThis.got = []
      messengers.use('ext-strings').then((p) => p.onMessage((v) => globalThis.got.push(v)))
    },
    count: () => globalThis.got.length,
    digest: (s) => [s.length, s.charCodeAt(1), s.charCodeAt(s.length - 1), globalThis.got.map((v) => [v.length, v.charCodeAt(0)])],
  })
  const s = await svc.launchService({ messengers: [m] })
  try {
    const big = oneByte(MB)
    const two = twoByte(MB)
    m.sendMessage(big)
    m.sendMessage(two)
    for (let i = 0; i < 100 && await s.call({ name: 'count' }) < 2; i++) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(await s.call({ name: 'digest', params: [two] }),
      [MB, two.charCodeAt(1), two.charCodeAt(MB - 1), [[MB, big.charCodeAt(0)], [MB, two.charCodeAt(0)]]])
  } finally {
    await s.close()
    m.close()
  }
})

// In a child process: a crash at teardown fails this test only, and RSS is
// the process's own.
function child(body) {
  const script = `
    const { Thread } = require(${JSON.stringify(require.resolve('..'))})
    const rss = () => process.memoryUsage.rss() / 2 ** 20
    ;(async () => { ${body} })().catch((e) => { console.error(e); process.exit(1) })`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120000 })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.trim()
}

test('200 calls of 4 MB strings: the thread frees them as it goes (memory stays bounded)', () => {
  const out = child(`
    const t = new Thread(() => (s) => s.length)
    const make = (i) => String.fromCharCode(97 + (i % 26)).repeat(4 << 20)
    for (let i = 0; i < 10; i++) await t.run(make(i))
    const base = rss()
    let peak = 0
    for (let i = 0; i < 200; i++) { if (await t.run(make(i)) !== 4 << 20) throw new Error('length'); peak = Math.max(peak, rss()) }
    await t.close()
    console.log(JSON.stringify({ grew: Math.round(peak - base) }))`)
  // Kept until collected they would hold 800 MB; freed as V8 collects them
  // (told of their size) they stay within a few collections' worth.
  const { grew } = JSON.parse(out)
  assert.ok(grew < 300, `RSS grew by ${grew} MB over 800 MB of strings`)
})

test('a thread closed (and one disposed) while it holds big strings, kept, used as keys and collected, tears down cleanly', () => {
  const out = child(`
    for (const end of ['close', 'dispose']) {
      const t = new Thread(() => { const kept = []; const keys = {}; return (s, i) => { if (i % 3 === 0) kept.push(s); keys[s] = i; if (i % 4 === 0) for (const k in keys) delete keys[k]; return kept.length } })
      for (let i = 0; i < 30; i++) await t.run(i % 2 ? '€'.repeat((1 << 20) + i) : 'z'.repeat((2 << 20) + i), i)
      await t[end]()
    }
    console.log('ok')`)
  assert.equal(out, 'ok')
})
