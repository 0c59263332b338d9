'use strict'
// node:path inside a thread: path-browserify (Node's posix path, v10), with
// Node 20's toNamespacedPath and format() (an `ext` without its dot gets
// one). On a Windows host `path` is still posix here, and path.win32 is the
// posix implementation too (see path_win32.js): the thread runtime has no
// port of Node's win32 path yet.

const posix = require('path-browserify')

/** Node's posix toNamespacedPath: the path itself. */
posix.toNamespacedPath = function toNamespacedPath(path) { return path }

/** A path string from `{ root, dir, base, name, ext }`, as Node 20 builds it. */
posix.format = function format(pathObject) {
  if (pathObject === null || typeof pathObject !== 'object') {
    const e = new TypeError(`The "pathObject" argument must be of type object. Received ${pathObject === null ? 'null' : `type ${typeof pathObject} (${String(pathObject)})`}`)
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
module.exports = posix
