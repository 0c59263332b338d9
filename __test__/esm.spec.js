'use strict'
// `import … from 'isothread'` gives the same named exports as require().
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

test('the ESM entry has every named export of the CommonJS one, and they work', () => {
  const entry = path.join(__dirname, '..', 'index.mjs')
  const code = `
    import * as esm from ${JSON.stringify(entry)}
    import { createRequire } from 'node:module'
    const cjs = createRequire(import.meta.url)(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'))})
    const missing = Object.keys(cjs).filter((k) => !(k in esm))
    const t = new esm.Thread(() => (x) => x + 1)
    console.log(JSON.stringify({ missing, sum: await t.run(41), same: esm.async === cjs.spawn }))
    await t.close()
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 })
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { missing: [], sum: 42, same: true })
})
