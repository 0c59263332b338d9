#!/usr/bin/env node
'use strict'
// Writes lib/runtime/host-only-names.json: for each host-only built-in
// (RUNTIME.md §3), the names of its exports as real Node has them, so that
// inside a thread `require('fs')` gives an object with the same function
// names (each throwing ERR_NOT_AVAILABLE when called) and the same plain
// data (fs.constants, http.STATUS_CODES, …). Also os.constants and
// util.getSystemErrorMap(), which node/os.js and node/util.js offer as data. Run it with the Node the package targets
// (Node 20): `node scripts/host-only-names.js`.

const fs = require('node:fs')
const path = require('node:path')

const MODULES = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'cluster', 'dgram', 'dns',
  'dns/promises', 'tls', 'worker_threads', 'vm', 'v8', 'inspector', 'inspector/promises', 'module', 'repl',
  'readline', 'readline/promises', 'async_hooks', 'diagnostics_channel', 'trace_events', 'wasi', 'domain',
  'constants', 'stream/web', 'test', 'test/reporters', 'sea', 'sqlite',
]
const OUT = path.join(__dirname, '..', 'lib', 'runtime', 'host-only-names.json')
const MAX_DATA = 8192
const SKIP = new Set(['length', 'name', 'prototype', 'caller', 'arguments', 'constructor'])

// A JSON copy of `value` when it is plain data (no functions, no cycles,
// no class instances), else undefined.
function plainData(value, depth = 0) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'object' || depth > 4) return undefined
  const proto = Object.getPrototypeOf(value)
  if (Array.isArray(value)) {
    const out = value.map((v) => plainData(v, depth + 1))
    return out.every((v) => v !== undefined) ? out : undefined
  }
  if (proto !== Object.prototype && proto !== null) return undefined
  const out = {}
  for (const k of Object.keys(value)) {
    const v = plainData(value[k], depth + 1)
    if (v === undefined) return undefined
    out[k] = v
  }
  return out
}

// Function names of an object: own properties, then (for instances such as
// cluster or http.globalAgent) its prototype chain up to Object.prototype.
function describe(obj, nested) {
  const entry = {}
  const functions = new Set()
  const data = {}
  const symbols = {}
  const objects = {}
  const seen = new Set()
  for (let o = obj; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (seen.has(key) || SKIP.has(key) || key.startsWith('_')) continue
      seen.add(key)
      let value
      try { value = obj[key] } catch { continue }
      if (typeof value === 'function') functions.add(key)
      else if (typeof value === 'symbol') {
        const registered = Symbol.keyFor(value)
        if (registered !== undefined) symbols[key] = registered
      } else if (o === obj) {
        const d = plainData(value)
        // (tls.rootCertificates and the like: too big to carry into every thread)
        if (d !== undefined) { if (JSON.stringify(d).length <= MAX_DATA) data[key] = d }
        else if (!nested && value !== null && typeof value === 'object') objects[key] = describe(value, true)
      }
    }
    if (nested === 'own') break
  }
  if (functions.size) entry.functions = [...functions].sort()
  if (Object.keys(data).length) entry.data = data
  if (Object.keys(symbols).length) entry.symbols = symbols
  if (Object.keys(objects).length) entry.objects = objects
  return entry
}

const modules = {}
for (const name of MODULES) {
  let exports
  try { exports = require(`node:${name}`) } catch { continue }
  const entry = describe(exports, false)
  if (typeof exports === 'function') entry.callable = true
  modules[name] = entry
}
const result = {
  generatedBy: 'scripts/host-only-names.js',
  node: process.version,
  platform: process.platform,
  modules,
  osConstants: plainData(require('node:os').constants),
  // util.getSystemErrorMap() inside a thread: [errno, [name, message]]
  systemErrors: [...require('node:util').getSystemErrorMap()],
}
fs.writeFileSync(OUT, `${JSON.stringify(result)}\n`)
console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${Object.keys(modules).length} modules, ${fs.statSync(OUT).size} bytes (Node ${process.version})`)
