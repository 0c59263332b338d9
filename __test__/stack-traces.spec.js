'use strict'
// Stack traces at the user's line (RUNTIME.md §5): a function context's
// frames name the file, line and column where the function stands; module
// contexts map through source maps when the host enables them.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Thread, ThreadPool } = require('..')
const { runChild, describe } = require('./helpers')

const FIXTURES = path.join(__dirname, 'fixtures', 'sourcemap')

/** The first `at` frame of `err.stack`. */
function firstFrame(err) {
  return err.stack.split('\n').find((l) => /^\s+at /.test(l))
}

/** The 1-based line of the first line of source matching `re` in this file. */
function lineOf(re) {
  const lines = require('node:fs').readFileSync(__filename, 'utf8').split('\n')
  return lines.findIndex((l) => re.test(l) && !l.includes('lineOf(')) + 1
}

test('an inline arrow context throws at its line of this file', async () => {
  const t = new Thread(() => {
    const k = 2
    return (x) => {
      if (x > k) throw new RangeError('too big: marker-one')
      return x
    }
  })
  const err = await t.run(5).catch((e) => e)
  assert.ok(err instanceof RangeError)
  const line = lineOf(/marker-one/)
  const col = require('node:fs').readFileSync(__filename, 'utf8').split('\n')[line - 1].indexOf('new RangeError') + 1
  assert.equal(firstFrame(err).trim(), `at ${__filename}:${line}:${col}`)
  await t.close()
})

test('the first line of a one-line context keeps its column', async () => {
  const t = new Thread(() => function named() { throw new Error('marker-two') })
  const err = await t.run().catch((e) => e)
  const line = lineOf(/marker-two/)
  const col = require('node:fs').readFileSync(__filename, 'utf8').split('\n')[line - 1].indexOf('new Error') + 1
  assert.equal(firstFrame(err).trim(), `at named (${__filename}:${line}:${col})`)
  await t.close()
})

function definedElsewhere() {
  return function work(x) {
    return x.missing.property // marker-three
  }
}

test('a context defined elsewhere in the file, used by a pool', async () => {
  const pool = new ThreadPool(definedElsewhere, 2)
  const err = await pool.run({}).catch((e) => e)
  assert.ok(err instanceof TypeError)
  assert.match(firstFrame(err), new RegExp(`at work \\(${__filename.replace(/[.\\/]/g, '\\$&')}:${lineOf(/marker-three/)}:\\d+\\)`))
  await pool.close()
})

test('a context imported from another file names that file', async () => {
  const t = new Thread(require('./fixtures/sourcemap/context.js'))
  const err = await t.run(3).catch((e) => e)
  assert.equal(firstFrame(err).trim(), `at resize (${path.join(FIXTURES, 'context.js')}:5:11)`)
  await t.close()
})

test('a method shorthand context names its line', async () => {
  const t = new Thread({ make() { return () => { throw new Error('marker-four') } } }.make)
  const err = await t.run().catch((e) => e)
  assert.match(firstFrame(err), new RegExp(`:${lineOf(/marker-four/)}:\\d+\\)?$`))
  await t.close()
})

test('a TypeScript module context maps to its .ts line with source maps enabled', () => {
  const mod = path.join(FIXTURES, 'resize.mjs')
  const code = `
    const t = new lib.Thread({ module: ${JSON.stringify(mod)} })
    t.run({ width: 1, height: 1 }, 0).catch((e) => { console.log(e.stack); return t.close() })`
  const on = runChild(code, { args: ['--enable-source-maps'] })
  assert.equal(on.status, 0, describe(on))
  assert.match(on.stdout, /RangeError: factor must be positive, got 0/)
  assert.match(on.stdout, /at scale \(file:\/\/.*resize\.ts:11:11\)/, describe(on))
  assert.match(on.stdout, /at resize \(file:\/\/.*resize\.ts:17:10\)/, describe(on))
  const off = runChild(code)
  assert.match(off.stdout, /at scale \(file:\/\/.*resize\.mjs:3:15\)/, describe(off))
})
