'use strict'
// Shared test helpers: child processes for crash-prone cases.

const { spawnSync, spawn } = require('node:child_process')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const LIB = path.join(ROOT, 'lib', 'index.js')

/**
 * Run `code` (CommonJS; `lib` is bound to the library) in a child Node process.
 * @returns {{ status: number|null, signal: string|null, stdout: string, stderr: string }}
 */
function runChild(code, { timeout = 30000, args = [], env } = {}) {
  const script = `const lib = require(${JSON.stringify(LIB)});\n${code}`
  const r = spawnSync(process.execPath, [...args, '-e', script], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
  })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** Like runChild, but resolves once the child prints `ready` and returns the live child. */
function spawnChild(code) {
  const script = `const lib = require(${JSON.stringify(LIB)});\n${code}`
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Assert-friendly summary of a child's end. */
function describe(r) {
  return `status=${r.status} signal=${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
}

/** No V8 fatal error or Rust panic in the output. */
function noCrashOutput(r) {
  const text = r.stdout + r.stderr
  return !/Fatal error|panicked at|Segmentation fault|Aborted|SIGSEGV|SIGABRT|FATAL ERROR/.test(text)
}

module.exports = { ROOT, LIB, runChild, spawnChild, describe, noCrashOutput }
