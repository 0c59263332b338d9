'use strict'
// Where a context function stands in the user's source (RUNTIME.md §5), so
// a thread's stack traces name the user's file, line and column.
//
// Fast path (a few µs): the file of the frame that called `new Thread()`
// is read once (cached) and the function's own text
// (`Function.prototype.toString()`) is looked up in it, nearest the call.
// That covers functions written inline or elsewhere in the same file.
// Otherwise a function a loaded CommonJS module exports is looked for in that
// module's file; with ISOTHREAD_LOCATE=inspector, Node's inspector reads the
// function's `[[FunctionLocation]]` (any function, at a cost: see locate()).
// Bun, Deno, or a source not on disk (transpiled on load): undefined, and
// the thread keeps naming its script after the thread.

const fs = require('node:fs')
const path = require('node:path')

const LIB_DIR = __dirname + path.sep
const IS_NODE = typeof process.versions.bun !== 'string' && typeof globalThis.Deno === 'undefined'

/** file name (as V8 reports it) → { text, lineStarts } | null */
const files = new Map()
/** function → location (or null): a function is located once. */
const byFunction = new WeakMap()

/** `file:` URL or path → path on disk. */
function diskPath(name) {
  if (name.startsWith('file:')) return require('node:url').fileURLToPath(name)
  return path.isAbsolute(name) ? name : null
}

function fileText(name) {
  let f = files.get(name)
  if (f !== undefined) return f
  f = null
  try {
    const p = diskPath(name)
    if (p !== null) {
      const text = fs.readFileSync(p, 'utf8')
      const lineStarts = [0]
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1)
      f = { text, lineStarts }
    }
  } catch {}
  if (files.size > 256) files.clear()
  files.set(name, f)
  return f
}

/** 0-based line of character offset `at`. */
function lineOf(lineStarts, at) {
  let lo = 0
  let hi = lineStarts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (lineStarts[mid] <= at) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** The first frame outside this library: { file, line } (line 0-based). */
function callerFrame() {
  const prepare = Error.prepareStackTrace
  const limit = Error.stackTraceLimit
  let sites
  try {
    Error.prepareStackTrace = (_, s) => s
    Error.stackTraceLimit = 12
    const holder = {}
    Error.captureStackTrace(holder, callerFrame)
    sites = holder.stack
  } catch {
    return undefined
  } finally {
    Error.prepareStackTrace = prepare
    Error.stackTraceLimit = limit
  }
  if (!Array.isArray(sites)) return undefined
  for (const s of sites) {
    const file = s.getFileName()
    if (!file || file.startsWith('node:') || file.startsWith(LIB_DIR)) continue
    if (file.startsWith('file:') && diskPath(file)?.startsWith(LIB_DIR)) continue
    return { file, line: s.getLineNumber() - 1 }
  }
  return undefined
}

/** `src` in `file`, the occurrence nearest line `near`. */
function search(file, src, near) {
  const f = fileText(file)
  if (f === null || src.length === 0) return undefined
  let best
  let bestDist = Infinity
  for (let at = f.text.indexOf(src); at !== -1; at = f.text.indexOf(src, at + 1)) {
    const line = lineOf(f.lineStarts, at)
    // Prefer the call's own line and after it (a function written inline).
    const dist = line >= near ? line - near : (near - line) * 2 + 1
    if (dist < bestDist) {
      bestDist = dist
      best = { file, line, column: at - f.lineStarts[line] }
    }
    if (dist === 0) break
  }
  return best
}

let session
/** scriptId → url, filled from Debugger.scriptParsed. */
const scriptUrls = new Map()

/**
 * Run an inspector method synchronously (Node's session calls back at once).
 * @param {string} method
 * @param {object} params
 * @returns {any} its result, shaped as the DevTools protocol says for `method`
 */
function post(method, params) {
  let error
  let result
  session.post(method, params, (e, r) => { error = e; result = r })
  if (error) throw error
  return result
}

/** `[[FunctionLocation]]` of `fn` through the host's inspector. */
function inspectorLocation(fn) {
  if (!IS_NODE) return undefined
  try {
    if (session === undefined) {
      const inspector = require('node:inspector')
      session = new inspector.Session()
      session.connect()
      session.on('Debugger.scriptParsed', (m) => scriptUrls.set(m.params.scriptId, m.params.url))
    }
    globalThis.__isothreadLocate = fn
    let props
    try {
      const { result } = post('Runtime.evaluate', { expression: 'globalThis.__isothreadLocate', objectGroup: 'isothread' })
      props = post('Runtime.getProperties', { objectId: result.objectId, ownProperties: true }).internalProperties
    } finally {
      delete globalThis.__isothreadLocate
      post('Runtime.releaseObjectGroup', { objectGroup: 'isothread' })
    }
    const loc = props?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value
    if (loc === undefined) return undefined
    if (!scriptUrls.has(loc.scriptId)) {
      // Scripts are reported on enable; the debugger stays off otherwise.
      post('Debugger.enable')
      post('Debugger.disable')
    }
    const url = scriptUrls.get(loc.scriptId)
    if (!url) return undefined
    // Node reports CommonJS files as file: URLs here; stack traces use paths.
    const file = url.startsWith('file:') && !isModuleFile(url) ? diskPath(url) : url
    return { file, line: loc.lineNumber, column: loc.columnNumber }
  } catch {
    return undefined
  }
}

function isModuleFile(url) {
  if (url.endsWith('.mjs')) return true
  if (url.endsWith('.cjs')) return false
  try {
    return require.cache[diskPath(url)] === undefined
  } catch {
    return false
  }
}

/** Whether the plain object `exp` holds `fn` as a data property (no getter or proxy trap runs). */
function exportsAsValue(exp, fn) {
  if (exp === null || typeof exp !== 'object' || require('node:util').types.isProxy(exp)) return false
  return Object.values(Object.getOwnPropertyDescriptors(exp)).some((d) => d.value === fn)
}

/** A function a loaded CommonJS module exports (itself or as a property): found in that module's file. */
function exportedFrom(fn, src) {
  const cache = require.cache
  for (const id of Object.keys(cache)) {
    const exp = cache[id] && cache[id].exports
    if (exp === fn || exportsAsValue(exp, fn)) {
      const loc = search(id, src, 0)
      if (loc !== undefined) return loc
    }
  }
  return undefined
}

/**
 * Where `fn`'s text starts in the user's file: `{ file, line, column }`
 * (0-based line and column), or undefined when it cannot be told.
 * @param {Function} fn
 * @param {string} src `Function.prototype.toString()` of fn
 */
function locate(fn, src) {
  const known = byFunction.get(fn)
  if (known !== undefined) return known ?? undefined
  const caller = callerFrame()
  let loc = caller === undefined ? undefined : search(caller.file, src, caller.line)
  if (loc === undefined) loc = exportedFrom(fn, src)
  // The host inspector finds any function, but switching its debugger on
  // to map script ids costs ~20 ms the first time and ~3 ms for each new
  // script (every `new Function`): only when asked for.
  if (loc === undefined && process.env.ISOTHREAD_LOCATE === 'inspector') loc = inspectorLocation(fn)
  byFunction.set(fn, loc ?? null)
  return loc
}

module.exports = { locate }
