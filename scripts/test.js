#!/usr/bin/env node
'use strict'
// `npm test`: everything, in order. Builds the addon if it is missing or
// older than its sources, runs the Rust unit tests, type-checks the typed
// examples, installs the packed package into an empty folder and uses it
// from CJS/ESM/TS/jest/ava/node --test (scripts/consumers.js), then runs
// every JS spec with node's test runner (last, so its summary closes the
// output).

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const V8_ENV = path.join(ROOT, '..', 'shared', 'v8', 'env.sh')
const V8_ENV_SH = fs.existsSync(V8_ENV) ? V8_ENV : null

function sh(cmd, opts = {}) {
  console.log(`\n$ ${cmd}`)
  const prefix = V8_ENV_SH ? `. ${JSON.stringify(V8_ENV_SH)} && ` : ''
  const r = spawnSync('bash', ['-c', prefix + cmd], { cwd: ROOT, stdio: 'inherit', ...opts })
  if (r.status !== 0) {
    console.error(`\nfailed (${r.status ?? r.signal}): ${cmd}`)
    process.exit(r.status || 1)
  }
}

const only = process.argv.slice(2)
require('./ensure-built').ensureBuilt()
if (!only.length) {
  sh('cargo test --lib --quiet')
  sh('npx tsc --noEmit -p __test__/types/tsconfig.json')
  sh('node scripts/consumers.js')
}
const specs = only.length ? only : fs.readdirSync(path.join(ROOT, '__test__')).filter((f) => f.endsWith('.spec.js')).sort().map((f) => path.join('__test__', f))
sh(`node --test ${specs.map((s) => JSON.stringify(s)).join(' ')}`)
