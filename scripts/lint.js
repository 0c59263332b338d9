#!/usr/bin/env node
'use strict'
// `npm run lint` (run by .ci/run before the tests): Rust formatting
// (cargo fmt --check), clippy with warnings as errors over every target
// (tests too), and the JS facade type-checked against its JSDoc
// (tsc -p tsconfig.lib.json), and the JS that runs inside a thread, lib/runtime
// (tsc -p tsconfig.runtime.json). Every step runs, each one's time is printed,
// and the exit code is non-zero if any failed.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
// clippy builds the v8 crate too: offline, from ../shared/v8, as build.js does.
const ARCHIVE = path.join(ROOT, '..', 'shared', 'v8', 'librusty_v8_release_x86_64-unknown-linux-gnu.a.gz')
const env = { ...process.env }
if (!env.RUSTY_V8_ARCHIVE && fs.existsSync(ARCHIVE)) env.RUSTY_V8_ARCHIVE = ARCHIVE

const steps = [
  ['cargo fmt --check', 'cargo', ['fmt', '--check']],
  ['cargo clippy', 'cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']],
  ['tsc --checkJs lib/', process.execPath, [TSC, '-p', 'tsconfig.lib.json']],
  ['tsc --checkJs lib/runtime/', process.execPath, [TSC, '-p', 'tsconfig.runtime.json']],
]

const failed = []
for (const [name, cmd, args] of steps) {
  const started = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: 'inherit' })
  const s = Number(process.hrtime.bigint() - started) / 1e9
  const ok = r.status === 0
  console.log(`lint: ${name} ${ok ? 'passed' : 'FAILED'} in ${s.toFixed(1)} s`)
  if (!ok) failed.push(name)
}
if (failed.length > 0) {
  console.error(`lint: failed: ${failed.join(', ')}`)
  process.exit(1)
}
