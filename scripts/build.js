#!/usr/bin/env node
'use strict'
// `npm run build`: napi build (release) with V8 linked from the offline
// archive in ../shared/v8 (shared/v8/README.md). `--debug` for a debug build.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const ARCHIVE = path.join(ROOT, '..', 'shared', 'v8', 'librusty_v8_release_x86_64-unknown-linux-gnu.a.gz')

const env = { ...process.env }
if (!env.RUSTY_V8_ARCHIVE && fs.existsSync(ARCHIVE)) env.RUSTY_V8_ARCHIVE = ARCHIVE
if (!env.RUSTY_V8_ARCHIVE) {
  console.warn('no ../shared/v8 archive: the v8 crate will try to download its prebuilt library')
}
const debug = process.argv.includes('--debug')
const args = ['napi', 'build', '--platform', '--output-dir', 'native', '--js', 'binding.js', '--dts', 'binding.d.ts', '--no-const-enum']
if (!debug) args.push('--release')
const r = spawnSync('npx', args, { cwd: ROOT, env, stdio: 'inherit' })
process.exit(r.status ?? 1)
