'use strict'
// Pack isothread and its platform package (npm/linux-x64-gnu with the built
// binary) into `dest`; returns the two tarball paths. Used by
// scripts/consumers.js and scripts/runtimes.js --packed.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const PLATFORM = path.join(ROOT, 'npm', 'linux-x64-gnu')

function packBoth(dest) {
  const run = (cwd) => execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], { cwd, encoding: 'utf8' }).trim().split('\n').pop()
  const binary = fs.readdirSync(path.join(ROOT, 'native')).find((f) => f.endsWith('.node'))
  if (!binary) throw new Error('build first (npm run build)')
  fs.copyFileSync(path.join(ROOT, 'native', binary), path.join(PLATFORM, binary))
  try {
    return [path.join(dest, run(ROOT)), path.join(dest, run(PLATFORM))]
  } finally {
    fs.rmSync(path.join(PLATFORM, binary))
  }
}

/** Install both tarballs (and `extra` registry packages) into the folder `dir`. */
function installPacked(dir, extra = []) {
  const tarballs = packBoth(dir)
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...tarballs, ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  return tarballs
}

module.exports = { packBoth, installPacked }
