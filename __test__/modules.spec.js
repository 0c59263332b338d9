'use strict'
// ES module contexts (API.md §0): { module, export } for Thread and ThreadPool.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { Thread, ThreadPool } = require('..')

const dir = path.join(__dirname, 'fixtures', 'mod')

test('a module context: relative, JSON and node_modules imports (main, exports with the import condition)', async () => {
  const t = new Thread({ module: path.join(dir, 'worker.mjs') })
  assert.deepEqual(await t.run(21), { doubled: 42, factor: 7, tiny: 'tiny:21', shout: 'HI!', loadedAt: t.threadId })
  await t.close()
})

test('module is what new Worker takes: a cwd-relative path, a file: URL string or a URL; export picks the function', async () => {
  const rel = path.relative(process.cwd(), path.join(dir, 'worker.mjs'))
  const url = pathToFileURL(path.join(dir, 'worker.mjs'))
  const threads = [
    new Thread({ module: rel, export: 'other' }),
    new Thread({ module: url.href, export: 'other' }),
    new Thread({ module: url, export: 'other' }),
  ]
  for (const t of threads) assert.equal(await t.run(), 'other export')
  await Promise.all(threads.map((t) => t.close()))
})

test('the module top level runs once per thread; a pool shares nothing but the file', async () => {
  const pool = new ThreadPool({ module: path.join(dir, 'worker.mjs') }, 2, { scheduler: 'round-robin' }) // each thread gets calls
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.run(i)))
  assert.equal(new Set(results.map((r) => r.loadedAt)).size, 2)
  await pool.close()
})

test('host-only built-ins import (default and named); calling one rejects with ERR_NOT_AVAILABLE naming it, and the thread serves on', async () => {
  const t = new Thread({ module: path.join(dir, 'host-only.mjs') })
  await assert.rejects(t.run('named'), (e) => e.code === 'ERR_NOT_AVAILABLE' && /fs\.readFileSync\(\)/.test(e.message))
  await assert.rejects(t.run('default'), (e) => e.code === 'ERR_NOT_AVAILABLE' && /fs\.existsSync\(\)/.test(e.message))
  await t.close()
})

test('a syntax error, a missing export and a missing file are ERR_INVALID_ARG with the location', async () => {
  const s = new Thread({ module: path.join(dir, 'bad-syntax.mjs') })
  await assert.rejects(s.run(), (e) => e.code === 'ERR_INVALID_ARG' && /SyntaxError/.test(e.message) && /bad-syntax\.mjs:3:\d+/.test(e.message))
  const m = new Thread({ module: path.join(dir, 'helpers.mjs') })
  await assert.rejects(m.run(), (e) => e.code === 'ERR_INVALID_ARG' && /no export named "default"/.test(e.message))
  assert.throws(() => new Thread({ module: path.join(dir, 'nope.mjs') }), { code: 'ERR_INVALID_ARG' })
  assert.throws(() => new Thread({ module: 42 }), { code: 'ERR_INVALID_ARG' })
  await Promise.all([s.close(), m.close()])
})

test('stack traces name the module file and line', async () => {
  const t = new Thread({ module: path.join(dir, 'thrower.mjs') })
  await assert.rejects(t.run(), (e) => /at explode \(file:\/\/.*thrower\.mjs:2:\d+\)/.test(e.stack))
  await t.close()
})

test('dynamic import() inside threads: relative, packages, JSON, built-ins; from a function context too', async () => {
  const t = new Thread({ module: path.join(dir, 'dynamic.mjs') })
  assert.equal(await t.run('helpers'), 42)
  assert.equal(await t.run('pkg'), 'tiny:dyn')
  assert.equal(await t.run('json'), 7)
  assert.deepEqual(await t.run('builtin'), [path.join('a', 'b'), 'y.js'])
  const fn = new Function(`return () => async () => (await import(${JSON.stringify(path.join(dir, 'helpers.mjs'))})).double(5)`)()
  const f = new Thread(fn)
  assert.equal(await f.run(), 10)
  await Promise.all([t.close(), f.close()])
})

test('define({ module }): the named exports are the tasks and hooks, for tasks and services', async () => {
  const { define } = require('..')
  const api = define({ module: path.join(dir, 'tasks.mjs') })
  assert.equal(await api({ name: 'add', params: [1, 2] }), 3)
  assert.equal(await api({ name: 'twice', params: [4] }), 8)
  await assert.rejects(api({ name: 'nope' }), { code: 'ERR_UNKNOWN_TASK' })
  const svc = await api.launchService()
  assert.equal(await svc.call({ name: 'whoStarted' }), svc.threadID, '__initializeService ran')
  assert.equal(await svc.call({ name: 'add', params: [2, 3] }), 5)
  await svc.close()
})

test('a real pure-JS npm package (date-fns, through its exports map) works inside a thread', async () => {
  const { format, addDays } = require('date-fns')
  const t = new Thread({ module: path.join(dir, 'date.mjs') })
  const ms = Date.UTC(2024, 1, 28, 12)
  assert.equal(await t.run(ms), format(addDays(new Date(ms), 1), 'yyyy-MM-dd'))
  await t.close()
})

test('unknown node: built-ins and native addons are refused, naming specifier and importer', async () => {
  const t = new Thread({ module: path.join(dir, 'bad-bare.mjs') })
  await assert.rejects(t.run('unknown'), (e) => e.code === 'ERR_UNKNOWN_BUILTIN_MODULE' && /node:nope/.test(e.message))
  await assert.rejects(t.run('addon'), (e) => e.code === 'ERR_INVALID_ARG' && /addon\.node/.test(e.message) && /native addons/.test(e.message) && /bad-bare\.mjs/.test(e.message))
  await t.close()
})
