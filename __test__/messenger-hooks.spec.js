'use strict'
// Messengers given to a task or a service are attached before its hooks run,
// and async before-hooks are awaited (API.md §2), as in nanolith, which each
// case is compared against in the same run; `messengers.seek()` gives an
// object keyed by name like nanolith's `MessengerList.list`.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { define, Messenger } = require('..')

/** `p`, or a rejection naming `what` after 10 s (a hook that hangs fails the test, not the run). */
function within(p, what) {
  let timer
  const late = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} never settled`)), 10000) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

// The same definitions for both libraries: hooks that await a messenger
// before the task runs, a task reporting what the hooks saw.
const OURS = define({
  async __initializeService() { globalThis.init = (await messengers.use('hooks-a')).ID },
  async __beforeTask() { globalThis.before = (await messengers.use('hooks-a')).ID },
  async __beforeServiceTask() { globalThis.before = (await messengers.use('hooks-b')).ID },
  seen() { return { init: globalThis.init, before: globalThis.before } },
  list() {
    const all = messengers.seek()
    return { isArray: Array.isArray(all), keys: Object.keys(all).sort(), ids: Object.values(all).map((m) => m.ID).sort() }
  },
})

/** nanolith's version: a definitions module in a fresh directory (removed by the caller). */
async function nanolith() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-hooks-'))
  const nano = JSON.stringify(pathToFileURL(require.resolve('nanolith')).href)
  const file = path.join(dir, 'defs.mjs')
  fs.writeFileSync(file, [
    `import { define, MessengerList } from ${nano}`,
    'let init, before',
    'export const api = await define({',
    "  async __initializeService() { init = (await MessengerList.use('hooks-a')).ID },",
    // nanolith has one before-hook for tasks and service calls: it tells them apart by inService
    "  async __beforeTask({ inService }) { before = (await MessengerList.use(inService ? 'hooks-b' : 'hooks-a')).ID },",
    '  seen() { return { init, before } },',
    '  list() {',
    '    const all = MessengerList.list',
    '    return { isArray: Array.isArray(all), keys: Object.keys(all).sort(), ids: Object.values(all).map((m) => m.ID).sort() }',
    '  },',
    "}, { identifier: 'hooks-spec' })",
  ].join('\n') + '\n')
  const lib = await import(pathToFileURL(require.resolve('nanolith')).href)
  const { api } = await import(pathToFileURL(file).href)
  return { dir, api, Messenger: lib.Messenger }
}

test('a task: its messengers are attached before __beforeTask, which is awaited before the task (as nanolith)', async () => {
  const peer = await nanolith()
  const ours = new Messenger('hooks-a')
  const theirs = new peer.Messenger('hooks-a')
  try {
    const got = await within(OURS({ name: 'seen', messengers: [ours] }), 'our task')
    const want = await within(peer.api({ name: 'seen', messengers: [theirs] }), 'nanolith task')
    assert.deepEqual(want, { init: undefined, before: 'hooks-a' }) // nanolith: the hook's await finished before the task
    assert.deepEqual(got, want)
  } finally {
    ours.close()
    theirs.close()
    fs.rmSync(peer.dir, { recursive: true, force: true })
  }
})

test('a service: __initializeService and __beforeServiceTask may await its messengers; one sent later is awaited too', async () => {
  const peer = await nanolith()
  const [a, b] = [new Messenger('hooks-a'), new Messenger('hooks-b')]
  const [pa, pb] = [new peer.Messenger('hooks-a'), new peer.Messenger('hooks-b')]
  const svc = await within(OURS.launchService({ messengers: [a] }), 'our launchService')
  const nano = await within(peer.api.launchService({ messengers: [pa] }), 'nanolith launchService')
  try {
    // The call's before-hook waits for 'hooks-b', which comes after the call was made.
    const call = svc.call({ name: 'seen' })
    const peerCall = nano.call({ name: 'seen' })
    await new Promise((r) => setTimeout(r, 50))
    svc.sendMessenger(b)
    await nano.sendMessenger(pb)
    const want = await within(peerCall, 'nanolith call')
    assert.deepEqual(want, { init: 'hooks-a', before: 'hooks-b' })
    assert.deepEqual(await within(call, 'our call'), want)
  } finally {
    await svc.close()
    await nano.close()
    for (const m of [a, b, pa, pb]) m.close()
    fs.rmSync(peer.dir, { recursive: true, force: true })
  }
})

test('a before-hook that rejects goes to the console; the task still runs and its result is unchanged', async () => {
  const t = define({
    async __beforeTask() { await null; throw new Error('before-hook failed') },
    work: () => 'done',
  })
  const errors = []
  const original = console.error
  console.error = (...args) => errors.push(args.map(String).join(' '))
  try {
    assert.equal(await within(t({ name: 'work' }), 'task'), 'done')
    await new Promise((r) => setTimeout(r, 50))
  } finally {
    console.error = original
  }
  assert.ok(errors.some((e) => /before-hook failed/.test(e)), errors.join('\n'))
})

test('messengers.seek() is an object keyed by name, as nanolith MessengerList.list', async () => {
  const peer = await nanolith()
  const ours = [new Messenger('hooks-a'), new Messenger('hooks-b')]
  const theirs = [new peer.Messenger('hooks-a'), new peer.Messenger('hooks-b')]
  const svc = await OURS.launchService({ messengers: ours })
  const nano = await peer.api.launchService({ messengers: theirs })
  try {
    const want = await nano.call({ name: 'list' })
    assert.deepEqual(want, { isArray: false, keys: ['hooks-a', 'hooks-b'], ids: ['hooks-a', 'hooks-b'] })
    assert.deepEqual(await svc.call({ name: 'list' }), want)
  } finally {
    await svc.close()
    await nano.close()
    for (const m of [...ours, ...theirs]) m.close()
    fs.rmSync(peer.dir, { recursive: true, force: true })
  }
})

test('a call whose async before-hook never settles still ends at its timeout, and the service serves on', async () => {
  const api = define({
    __beforeServiceTask() {
      if (!globalThis.blockNext) return undefined
      globalThis.blockNext = false
      return new Promise(() => {}) // never settles
    },
    arm() { globalThis.blockNext = true },
    work: () => 'done',
  })
  const svc = await api.launchService()
  try {
    await svc.call({ name: 'arm' })
    await assert.rejects(within(svc.call({ name: 'work', timeout: 50 }), 'the blocked call'), { code: 'ERR_TIMEOUT' })
    assert.equal(await within(svc.call({ name: 'work', timeout: 5000 }), 'the next call'), 'done')
  } finally {
    await svc.close()
  }
})
