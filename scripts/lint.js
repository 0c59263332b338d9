#!/usr/bin/env node
'use strict'
// `npm run lint` (run by .ci/run before the tests): Rust formatting
// (cargo fmt --check), clippy with warnings as errors over every target
// (tests too), and the JS facade type-checked against its JSDoc
// (tsc -p tsconfig.lib.json). Every step runs, each one's time is printed,
// and the exit code is non-zero if any failed.

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

const steps = [
  ['cargo fmt --check', 'cargo', ['fmt', '--check']],
  ['cargo clippy', 'cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']],
  ['tsc --checkJs lib/', process.execPath, [TSC, '-p', 'tsconfig.lib.json']],
]

const failed = []
for (const [name, cmd, args] of steps) {
  const started = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' })
  const s = Number(process.hrtime.bigint() - started) / 1e9
  const ok = r.status === 0
  console.log(`lint: ${name} ${ok ? 'passed' : 'FAILED'} in ${s.toFixed(1)} s`)
  if (!ok) failed.push(name)
}
if (failed.length > 0) {
  console.error(`lint: failed: ${failed.join(', ')}`)
  process.exit(1)
}
