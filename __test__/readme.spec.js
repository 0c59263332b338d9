'use strict'
// Every ```js example of the README runs (top-level await allowed), against
// this checkout, each in its own process.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { runChild, describe, noCrashOutput, LIB } = require('./helpers')

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])

test('the README has runnable examples', () => {
  assert.ok(blocks.length >= 7, `found ${blocks.length}`)
})

for (const [i, code] of blocks.entries()) {
  const title = code.split('\n').find((l) => l.includes("require('isothread')")) || code.split('\n')[0]
  test(`README example ${i + 1}: ${title.trim().slice(0, 70)}`, () => {
    const body = code.replaceAll("require('isothread')", `require(${JSON.stringify(LIB)})`)
    const r = runChild(`;(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1) })`, { timeout: 30000 })
    assert.equal(r.status, 0, describe(r))
    assert.ok(noCrashOutput(r), describe(r))
  })
}
