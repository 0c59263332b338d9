'use strict'
// Every examples/*.js runs to completion (each in its own process).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const dir = path.join(__dirname, '..', 'examples')
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
  test(`examples/${file} runs`, () => {
    const r = spawnSync(process.execPath, [path.join(dir, file)], { encoding: 'utf8', timeout: 60000 })
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
    assert.ok(r.stdout.length > 0)
  })
}
