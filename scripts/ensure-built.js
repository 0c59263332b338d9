#!/usr/bin/env node
'use strict'
// Build the addon (release, offline V8 from ../shared/v8) when the binary is
// missing or older than its sources. Used by `npm test` and `npm run demo`.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')

function newest(dir, exts) {
  let t = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) t = Math.max(t, newest(p, exts))
    else if (exts.some((e) => entry.name.endsWith(e))) t = Math.max(t, fs.statSync(p).mtimeMs)
  }
  return t
}

function isStale() {
  const dir = path.join(ROOT, 'native')
  const bin = fs.existsSync(dir) && fs.readdirSync(dir).find((f) => f.endsWith('.node'))
  if (!bin) return true
  const built = fs.statSync(path.join(dir, bin)).mtimeMs
  const sources = Math.max(newest(path.join(ROOT, 'src'), ['.rs', '.js']), fs.statSync(path.join(ROOT, 'Cargo.toml')).mtimeMs)
  return sources > built
}

function ensureBuilt() {
  if (!isStale()) return
  console.log('building the addon (npm run build)…')
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status || 1)
}

module.exports = { ensureBuilt }
if (require.main === module) ensureBuilt()
