'use strict'
// node:module inside a thread: createRequire (a require resolving from the
// given file, as in Node: ES modules use it as
// `createRequire(import.meta.url)`), isBuiltin and builtinModules work;
// everything else of Node's module API is host-only, as host-only.js makes
// it (its functions throw ERR_NOT_AVAILABLE when called).

const { host, require: runtimeRequire } = require('isothread:internal')

const Module = require('../host-only.js').stub('module')
// The loader's own Module class: what this file's `module` is an instance of.
const LoaderModule = /** @type {new (id: string, parent: unknown) => { require(id: string): any }} */ (module.constructor)

function invalidFilename(filename) {
  const shown = typeof filename === 'string' ? `'${filename}'` : String(filename)
  const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received ${shown}`))
  e.code = 'ERR_INVALID_ARG_VALUE'
  return e
}

// An absolute path from a path, a file: URL string or a URL object.
function toPath(filename) {
  let file = filename !== null && typeof filename === 'object' && typeof filename.href === 'string' ? filename.href : filename
  if (typeof file !== 'string') throw invalidFilename(filename)
  if (file.startsWith('file:')) {
    const m = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/i.exec(file)
    if (m === null) throw invalidFilename(filename)
    file = decodeURIComponent(m[1].replace(/[?#].*$/, ''))
    if (/^\/[A-Za-z]:/.test(file)) file = file.slice(1)
  }
  if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file) && !file.startsWith('\\\\')) throw invalidFilename(filename)
  return file
}

/** A `require` that resolves and loads as if from the module file `filename` (a path or file: URL). */
function createRequire(filename) {
  const file = toPath(filename)
  const m = new LoaderModule(file, null)
  const require = function require(id) { return m.require(id) }
  /** The file `request` resolves to from `filename` (a built-in's name for a built-in). */
  require.resolve = function resolve(request) {
    if (typeof request !== 'string' || request === '') return runtimeRequire.resolve(request) // (Node's argument errors)
    const [kind, resolved, name] = host.resolve(request, file, true)
    if (kind !== 'builtin') return resolved
    return request.startsWith('node:') ? request : name
  }
  require.resolve.paths = (request) => runtimeRequire.resolve.paths(request)
  require.cache = runtimeRequire.cache
  require.main = undefined
  require.extensions = runtimeRequire.extensions
  return require
}

const builtins = new Set(Module.builtinModules || [])
/** True when `name` (with or without `node:`) names a Node built-in. */
function isBuiltin(name) {
  if (typeof name !== 'string') return false
  if (name.startsWith('node:')) return builtins.has(name.slice(5)) || ['test', 'test/reporters', 'sea', 'sqlite'].includes(name.slice(5))
  return builtins.has(name)
}

Module.createRequire = createRequire
Module.isBuiltin = isBuiltin
Module.Module = Module
module.exports = Module
