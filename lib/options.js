'use strict'
// Option checks shared by Thread and (later) ThreadPool: API.md §7 "Options".

const { makeError } = require('./errors')
const { locate } = require('./location')

const invalid = (message) => makeError('ERR_INVALID_ARG', message)

const kind = (v) => (v === null ? 'null' : typeof v)

const NO_OPTIONS = Object.freeze(Object.create(null))

/**
 * The own enumerable properties of `options` (undefined: none), in an object
 * with no prototype: a polluted Object.prototype sets no option.
 */
function checkObject(options, what) {
  if (options === undefined) return NO_OPTIONS
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(`${what} must be an object`)
  }
  const own = Object.create(null)
  for (const key of Object.keys(options)) own[key] = options[key]
  return own
}

function checkMemoryLimit(v) {
  if (v === undefined) return 128
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 8 || v > 4096) {
    throw invalid(`memoryLimit must be a number of MB from 8 to 4096, got ${String(v)}`)
  }
  return v
}

function checkTimeout(v, what = 'timeout') {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw invalid(`${what} must be a finite number of ms greater than 0, got ${String(v)}`)
  }
  return v
}

function checkName(v) {
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw invalid(`name must be a string, got ${typeof v}`)
  return v
}

function checkBoolean(v, what, dflt) {
  if (v === undefined) return dflt
  if (typeof v !== 'boolean') throw invalid(`${what} must be a boolean, got ${typeof v}`)
  return v
}

function checkSignal(signal) {
  if (signal === undefined || signal === null) return undefined
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid('signal must be an AbortSignal')
  }
  return signal
}

/**
 * The `host` option: an object of functions the threads may call as
 * `parent.host.name(...)`. Returns a frozen copy (no prototype), or
 * undefined when there is none.
 */
function checkHost(v) {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('host must be an object of functions')
  const table = Object.create(null)
  for (const name of Object.keys(v)) {
    if (typeof v[name] !== 'function') throw invalid(`host.${name} must be a function, got ${kind(v[name])}`)
    table[name] = v[name]
  }
  return Object.freeze(table)
}

function checkFunction(v, what) {
  if (v === undefined) return undefined
  if (typeof v !== 'function') throw invalid(`${what} must be a function, got ${kind(v)}`)
  return v
}

/**
 * Check `runWith()` options; returns `{ args, transfer, timeout, signal, onMessage }`
 * (throws ERR_INVALID_ARG / ERR_ABORTED, for the caller to turn into a rejection).
 */
function checkRunOptions(options, defaultTimeout) {
  const o = checkObject(options, 'runWith options')
  const args = o.args === undefined ? [] : o.args
  if (!Array.isArray(args)) throw invalid('args must be an array')
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw invalid('transfer must be an array')
  const timeout = o.timeout === undefined ? defaultTimeout : checkTimeout(o.timeout)
  const signal = checkSignal(o.signal)
  if (signal !== undefined && signal.aborted) {
    throw makeError('ERR_ABORTED', 'the call was aborted before it started', { cause: signal.reason })
  }
  return { args, transfer: o.transfer, timeout, signal, onMessage: checkFunction(o.onMessage, 'onMessage') }
}

/**
 * `{ module, export = 'default' }`: `module` is what `new Worker(filename)`
 * takes (a path relative to the process cwd, an absolute path, or a `file:`
 * URL string or URL). Returns `{ module: absolutePath, export }`.
 */
function moduleContext(context) {
  const path = require('node:path')
  const fs = require('node:fs')
  const { fileURLToPath } = require('node:url')
  let m = context.module
  if (m instanceof URL || (typeof m === 'string' && m.startsWith('file:'))) m = fileURLToPath(m)
  if (typeof m !== 'string' || m === '') throw invalid('module must be a path or a file: URL')
  const file = path.resolve(process.cwd(), m)
  if (!fs.existsSync(file)) throw invalid(`module ${String(context.module)} not found (looked for ${file})`)
  const name = context.export === undefined ? 'default' : context.export
  if (typeof name !== 'string') throw invalid('export must be a string')
  return { module: file, export: name }
}

const FUNCTION_START = /^\s*(?:async\s*)?(?:function\b|\(|[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$\u200c\u200d]*\s*=>)/u
/**
 * FUNCTION_START's common cases, tested first: V8 compiles a regular
 * expression with Unicode property classes at its first two uses, ~0.4 ms
 * each, which the first two `new Thread()` of a process paid (the second
 * start took ~1 ms instead of ~0.2).
 */
const PLAIN_START = /^\s*(?:async\s*)?(?:function\b|\()/
/** The text of a native or bound function. */
const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/

/**
 * The source a thread evaluates for `context`: a function expression.
 * Method shorthands (`{ f() {} }.f`) are wrapped so they parse alone.
 */
function contextSource(context) {
  if (typeof context !== 'function') {
    if (context !== null && typeof context === 'object' && 'module' in context) return moduleContext(context)
    throw invalid(`context must be a function that returns the function to run, got ${context === null ? 'null' : typeof context}`)
  }
  const src = Function.prototype.toString.call(context)
  if (src.includes('[native code]') && NATIVE_CODE.test(src)) {
    throw invalid(`context must be a JavaScript function, not a native or bound function (${context.name || 'anonymous'})`)
  }
  if (/^\s*class\b/.test(src)) throw invalid('context must be a function, not a class')
  if (PLAIN_START.test(src) || FUNCTION_START.test(src)) return src
  return `Object.values({ ${src} })[0]`
}

/**
 * Where a function context stands in the user's file, as the native
 * spawn's extras (`originFile`, `originLine`, `originColumn`: where
 * `source` would start), or undefined.
 */
function contextOrigin(context, source) {
  if (typeof context !== 'function') return undefined
  const src = Function.prototype.toString.call(context)
  const loc = locate(context, src)
  if (loc === undefined) return undefined
  return { originFile: loc.file, originLine: loc.line, originColumn: loc.column - source.indexOf(src) }
}

/**
 * `Symbol.asyncDispose` (`await using`); Node ≥ 18.18 defines it, as
 * `Symbol.for('nodejs.asyncDispose')`, which stands in where it is missing.
 */
const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')

module.exports = { asyncDispose, invalid, moduleContext, contextOrigin, checkRunOptions, checkHost, checkFunction, checkObject, checkMemoryLimit, checkTimeout, checkName, checkBoolean, checkSignal, contextSource }
