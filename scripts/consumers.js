#!/usr/bin/env node
'use strict'
// The package as users get it: `npm pack` of isothread and of its platform
// package (npm/linux-x64-gnu, with the built binary), installed into an
// empty folder from the tarballs, then used from CommonJS, ESM (named
// exports), TypeScript (moduleResolution node16 and bundler), a jest suite,
// an ava suite and `node --test`. Prints a table; exits 1 if any failed.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-consumers-'))
const { installPacked } = require('./pack')

const CONSUMERS = {
  'CommonJS': ['node', ['cjs.cjs'], `const { Thread } = require('isothread')
new Thread(() => (x) => x * 2).run(21).then((v) => { if (v !== 42) throw new Error(String(v)); console.log('ok') })`],
  'ESM (named exports)': ['node', ['esm.mjs'], `import { Thread, define, ThreadPool } from 'isothread'
const pool = new ThreadPool(() => (x) => x + 1, 2)
if ((await pool.run(1)) !== 2) throw new Error('pool')
const api = define({ add: (a, b) => a + b })
if ((await api({ name: 'add', params: [1, 2] })) !== 3) throw new Error('define')
await pool.close()
console.log('ok', typeof Thread)`],
  'TypeScript (node16)': ['npx', ['tsc', '-p', 'tsconfig.node16.json'], null],
  'TypeScript (bundler)': ['npx', ['tsc', '-p', 'tsconfig.bundler.json'], null],
  'jest': ['npx', ['jest', '--ci', 'jest.test.cjs'], `const { Thread } = require('isothread')
test('a thread runs under jest', async () => {
  const t = new Thread(() => (x) => x * 3)
  expect(await t.run(14)).toBe(42)
  await t.close()
})`],
  'ava': ['npx', ['ava', 'ava.test.mjs'], `import test from 'ava'
import { Thread } from 'isothread'
test('a thread runs under ava', async (t) => {
  const th = new Thread(() => (x) => x * 3)
  t.is(await th.run(14), 42)
  await th.close()
})`],
  'node --test': ['node', ['--test', 'nodetest.test.cjs'], `const test = require('node:test')
const assert = require('node:assert')
const { Thread } = require('isothread')
test('a thread runs under node --test', async () => {
  const t = new Thread(() => (x) => x * 3)
  assert.strictEqual(await t.run(14), 42)
  await t.close()
})`],
}

const TS = `import { Thread, define } from 'isothread'
const t = new Thread(() => (a: number, b: string) => b.repeat(a))
const s: Promise<string> = t.run(2, 'x')
// @ts-expect-error wrong argument types
t.run('2', 2)
const api = define({ add: (x: number, y: number) => x + y })
const n: Promise<number> = api({ name: 'add', params: [1, 2] })
void [s, n]
`

function main() {
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ava: { files: ['ava.test.mjs'] } }))
  const tarballs = installPacked(work, ['jest@30', 'ava@6', 'typescript@5', '@types/node@20'])
  for (const [name, [, args, source]] of Object.entries(CONSUMERS)) {
    if (source !== null) fs.writeFileSync(path.join(work, args[args.length - 1]), source)
  }
  fs.writeFileSync(path.join(work, 'index.ts'), TS)
  const base = { strict: true, noEmit: true, target: 'es2022', types: ['node'], skipLibCheck: false }
  fs.writeFileSync(path.join(work, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['index.ts'] }))
  fs.writeFileSync(path.join(work, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['index.ts'] }))
  const rows = []
  for (const [name, [cmd, args]] of Object.entries(CONSUMERS)) {
    const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', timeout: 120000 })
    rows.push([name, r.status === 0 ? 'pass' : `FAIL (${r.status ?? r.signal})\n${r.stdout}\n${r.stderr}`])
  }
  const size = fs.statSync(tarballs[1]).size / 1048576
  console.log(`\nplatform package ${path.basename(tarballs[1])}: ${size.toFixed(1)} MB\n\n| consumer | result |\n|---|---|`)
  for (const [name, res] of rows) console.log(`| ${name} | ${res.split('\n')[0]} |`)
  const failed = rows.filter(([, res]) => !res.startsWith('pass'))
  for (const [name, res] of failed) console.error(`\n${name}: ${res}`)
  fs.rmSync(work, { recursive: true, force: true })
  process.exit(failed.length ? 1 : 0)
}

main()
