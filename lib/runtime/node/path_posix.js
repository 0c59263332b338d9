'use strict'
// node:path/posix inside a thread: path-browserify (Node's posix path), with
// Node 20's toNamespacedPath and format() (an `ext` without its dot gets one),
// Node's ERR_INVALID_ARG_TYPE for a pathObject that is not an object, and
// path.win32 (path_win32.js, loaded when first used).

const posix = require('path-browserify')

/** Node's posix toNamespacedPath: the path itself. */
posix.toNamespacedPath = function toNamespacedPath(path) { return path }

/** A path string from `{ root, dir, base, name, ext }`, as Node 20 builds it. */
posix.format = function format(pathObject) {
  if (pathObject === null || typeof pathObject !== 'object') {
    const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "pathObject" argument must be of type object. Received ${pathObject === null ? 'null' : `type ${typeof pathObject} (${String(pathObject)})`}`))
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  const dir = pathObject.dir || pathObject.root
  const ext = pathObject.ext ? (pathObject.ext[0] === '.' ? pathObject.ext : `.${pathObject.ext}`) : ''
  const base = pathObject.base || `${pathObject.name || ''}${ext}`
  if (!dir) return base
  return dir === pathObject.root ? `${dir}${base}` : `${dir}/${base}`
}

posix.posix = posix
Object.defineProperty(posix, 'win32', { enumerable: true, configurable: true, get: () => require('path/win32') })
posix.matchesGlob = require('../internal/host.js').unavailable('path.matchesGlob', 'glob matching is not offered inside a thread')
module.exports = posix
