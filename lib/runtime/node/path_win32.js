'use strict'
// node:path/win32 inside a thread: Node's win32 path algorithms (drive
// letters, UNC roots, both separators, case-insensitive relative()),
// written after Node's lib/path.js. Loaded only when path.win32 is used.

const CHAR_DOT = 46
const CHAR_FORWARD_SLASH = 47
const CHAR_BACKWARD_SLASH = 92
const CHAR_COLON = 58
const CHAR_QUESTION_MARK = 63

const isSep = (c) => c === CHAR_FORWARD_SLASH || c === CHAR_BACKWARD_SLASH
const isDeviceRoot = (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)

function validateString(value, name) {
  if (typeof value !== 'string') {
    const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "${name}" argument must be of type string. Received ${value === null ? 'null' : typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'Object'}` : `type ${typeof value} (${String(value)})`}`))
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
}

// Resolves . and .. in `path` (which has no root).
function normalizeString(path, allowAboveRoot, separator) {
  let res = ''
  let lastSegmentLength = 0
  let lastSlash = -1
  let dots = 0
  let code = 0
  for (let i = 0; i <= path.length; ++i) {
    if (i < path.length) code = path.charCodeAt(i)
    else if (isSep(code)) break
    else code = CHAR_FORWARD_SLASH
    if (isSep(code)) {
      if (lastSlash === i - 1 || dots === 1) {
        // nothing
      } else if (dots === 2) {
        if (res.length < 2 || lastSegmentLength !== 2 || res.charCodeAt(res.length - 1) !== CHAR_DOT || res.charCodeAt(res.length - 2) !== CHAR_DOT) {
          if (res.length > 2) {
            const lastSlashIndex = res.lastIndexOf(separator)
            if (lastSlashIndex === -1) {
              res = ''
              lastSegmentLength = 0
            } else {
              res = res.slice(0, lastSlashIndex)
              lastSegmentLength = res.length - 1 - res.lastIndexOf(separator)
            }
            lastSlash = i
            dots = 0
            continue
          } else if (res.length !== 0) {
            res = ''
            lastSegmentLength = 0
            lastSlash = i
            dots = 0
            continue
          }
        }
        if (allowAboveRoot) {
          res += res.length > 0 ? `${separator}..` : '..'
          lastSegmentLength = 2
        }
      } else {
        if (res.length > 0) res += `${separator}${path.slice(lastSlash + 1, i)}`
        else res = path.slice(lastSlash + 1, i)
        lastSegmentLength = i - lastSlash - 1
      }
      lastSlash = i
      dots = 0
    } else if (code === CHAR_DOT && dots !== -1) {
      ++dots
    } else {
      dots = -1
    }
  }
  return res
}

// The root of `path`: { device ('C:' or '\\server\share'), rootEnd, isAbsolute, whole (a bare UNC root) }.
function splitRoot(path) {
  const len = path.length
  const code = path.charCodeAt(0)
  let device = ''
  let rootEnd = 0
  let isAbsolute = false
  let whole = false
  if (len === 1) {
    if (isSep(code)) { rootEnd = 1; isAbsolute = true }
  } else if (isSep(code)) {
    isAbsolute = true
    rootEnd = 1
    if (isSep(path.charCodeAt(1))) {
      let j = 2
      let last = j
      while (j < len && !isSep(path.charCodeAt(j))) j++
      if (j < len && j !== last) {
        const firstPart = path.slice(last, j)
        last = j
        while (j < len && isSep(path.charCodeAt(j))) j++
        if (j < len && j !== last) {
          last = j
          while (j < len && !isSep(path.charCodeAt(j))) j++
          if (j === len || j !== last) {
            device = `\\\\${firstPart}\\${path.slice(last, j)}`
            rootEnd = j
            whole = j === len
          }
        }
      }
    }
  } else if (isDeviceRoot(code) && path.charCodeAt(1) === CHAR_COLON) {
    device = path.slice(0, 2)
    rootEnd = 2
    if (len > 2 && isSep(path.charCodeAt(2))) { isAbsolute = true; rootEnd = 3 }
  }
  return { device, rootEnd, isAbsolute, whole }
}

// Start and end of the last part of `path` from `start` on, and its last dot.
function lastPart(path, start) {
  let startDot = -1
  let startPart = start
  let end = -1
  let matchedSlash = true
  let preDotState = 0
  for (let i = path.length - 1; i >= start; --i) {
    const code = path.charCodeAt(i)
    if (isSep(code)) {
      if (!matchedSlash) { startPart = i + 1; break }
      continue
    }
    if (end === -1) { matchedSlash = false; end = i + 1 }
    if (code === CHAR_DOT) {
      if (startDot === -1) startDot = i
      else if (preDotState !== 1) preDotState = 1
    } else if (startDot !== -1) {
      preDotState = -1
    }
  }
  const noExt = startDot === -1 || end === -1 || preDotState === 0 || (preDotState === 1 && startDot === end - 1 && startDot === startPart + 1)
  return { startPart, startDot: noExt ? -1 : startDot, end }
}

const win32 = {
  /** An absolute path from the segments, right to left, as Windows resolves them (drive-relative paths included). */
  resolve(...args) {
    let resolvedDevice = ''
    let resolvedTail = ''
    let resolvedAbsolute = false
    for (let i = args.length - 1; i >= -1; i--) {
      let path
      if (i >= 0) {
        path = args[i]
        validateString(path, `paths[${i}]`)
        if (path.length === 0) continue
      } else if (resolvedDevice.length === 0) {
        path = globalThis.process.cwd()
      } else {
        path = globalThis.process.env[`=${resolvedDevice}`] || globalThis.process.cwd()
        if (path === undefined || (path.slice(0, 2).toLowerCase() !== resolvedDevice.toLowerCase() && path.charCodeAt(2) === CHAR_BACKWARD_SLASH)) {
          path = `${resolvedDevice}\\`
        }
      }
      const { device, rootEnd, isAbsolute } = splitRoot(path)
      if (device.length > 0) {
        if (resolvedDevice.length > 0) {
          if (device.toLowerCase() !== resolvedDevice.toLowerCase()) continue
        } else {
          resolvedDevice = device
        }
      }
      if (resolvedAbsolute) {
        if (resolvedDevice.length > 0) break
      } else {
        resolvedTail = `${path.slice(rootEnd)}\\${resolvedTail}`
        resolvedAbsolute = isAbsolute
        if (isAbsolute && resolvedDevice.length > 0) break
      }
    }
    resolvedTail = normalizeString(resolvedTail, !resolvedAbsolute, '\\')
    return resolvedAbsolute ? `${resolvedDevice}\\${resolvedTail}` : `${resolvedDevice}${resolvedTail}` || '.'
  },

  /** `path` with . and .. resolved, separators made backslashes, repeated ones collapsed. */
  normalize(path) {
    validateString(path, 'path')
    const len = path.length
    if (len === 0) return '.'
    if (len === 1) return path.charCodeAt(0) === CHAR_FORWARD_SLASH ? '\\' : path
    const { device, rootEnd, isAbsolute, whole } = splitRoot(path)
    if (whole) return `${device}\\`
    let tail = rootEnd < len ? normalizeString(path.slice(rootEnd), !isAbsolute, '\\') : ''
    if (tail.length === 0 && !isAbsolute) tail = '.'
    if (tail.length > 0 && isSep(path.charCodeAt(len - 1))) tail += '\\'
    if (device === '') return isAbsolute ? `\\${tail}` : tail
    return isAbsolute ? `${device}\\${tail}` : `${device}${tail}`
  },

  /** True for a path that starts at a root (\, /, C:\, \\server\share). */
  isAbsolute(path) {
    validateString(path, 'path')
    const len = path.length
    if (len === 0) return false
    const code = path.charCodeAt(0)
    return isSep(code) || (len > 2 && isDeviceRoot(code) && path.charCodeAt(1) === CHAR_COLON && isSep(path.charCodeAt(2)))
  },

  /** The segments joined with backslashes, then normalized (a leading \\ kept only for a UNC root). */
  join(...args) {
    if (args.length === 0) return '.'
    let joined
    let firstPart
    for (let i = 0; i < args.length; ++i) {
      const arg = args[i]
      validateString(arg, 'path')
      if (arg.length > 0) {
        if (joined === undefined) joined = firstPart = arg
        else joined += `\\${arg}`
      }
    }
    if (joined === undefined) return '.'
    let needsReplace = true
    let slashCount = 0
    if (isSep(firstPart.charCodeAt(0))) {
      ++slashCount
      const firstLen = firstPart.length
      if (firstLen > 1 && isSep(firstPart.charCodeAt(1))) {
        ++slashCount
        if (firstLen > 2) {
          if (isSep(firstPart.charCodeAt(2))) ++slashCount
          else needsReplace = false
        }
      }
    }
    if (needsReplace) {
      while (slashCount < joined.length && isSep(joined.charCodeAt(slashCount))) slashCount++
      if (slashCount >= 2) joined = `\\${joined.slice(slashCount)}`
    }
    return win32.normalize(joined)
  },

  /** The path from `from` to `to` (compared case-insensitively, as Windows does). */
  relative(from, to) {
    validateString(from, 'from')
    validateString(to, 'to')
    if (from === to) return ''
    const fromOrig = win32.resolve(from)
    const toOrig = win32.resolve(to)
    if (fromOrig === toOrig) return ''
    from = fromOrig.toLowerCase()
    to = toOrig.toLowerCase()
    if (from === to) return ''
    let fromStart = 0
    while (fromStart < from.length && from.charCodeAt(fromStart) === CHAR_BACKWARD_SLASH) fromStart++
    let fromEnd = from.length
    while (fromEnd - 1 > fromStart && from.charCodeAt(fromEnd - 1) === CHAR_BACKWARD_SLASH) fromEnd--
    const fromLen = fromEnd - fromStart
    let toStart = 0
    while (toStart < to.length && to.charCodeAt(toStart) === CHAR_BACKWARD_SLASH) toStart++
    let toEnd = to.length
    while (toEnd - 1 > toStart && to.charCodeAt(toEnd - 1) === CHAR_BACKWARD_SLASH) toEnd--
    const toLen = toEnd - toStart
    const length = fromLen < toLen ? fromLen : toLen
    let lastCommonSep = -1
    let i = 0
    for (; i < length; i++) {
      const fromCode = from.charCodeAt(fromStart + i)
      if (fromCode !== to.charCodeAt(toStart + i)) break
      else if (fromCode === CHAR_BACKWARD_SLASH) lastCommonSep = i
    }
    if (i !== length) {
      if (lastCommonSep === -1) return toOrig
    } else {
      if (toLen > length) {
        if (to.charCodeAt(toStart + i) === CHAR_BACKWARD_SLASH) return toOrig.slice(toStart + i + 1)
        if (i === 2) return toOrig.slice(toStart + i)
      }
      if (fromLen > length) {
        if (from.charCodeAt(fromStart + i) === CHAR_BACKWARD_SLASH) lastCommonSep = i
        else if (i === 2) lastCommonSep = 3
      }
      if (lastCommonSep === -1) lastCommonSep = 0
    }
    let out = ''
    for (i = fromStart + lastCommonSep + 1; i <= fromEnd; ++i) {
      if (i === fromEnd || from.charCodeAt(i) === CHAR_BACKWARD_SLASH) out += out.length === 0 ? '..' : '\\..'
    }
    toStart += lastCommonSep
    if (out.length > 0) return `${out}${toOrig.slice(toStart, toEnd)}`
    if (toOrig.charCodeAt(toStart) === CHAR_BACKWARD_SLASH) ++toStart
    return toOrig.slice(toStart, toEnd)
  },

  /** The \\?\ long form of `path` resolved (non-strings and '' as they are). */
  toNamespacedPath(path) {
    if (typeof path !== 'string' || path.length === 0) return path
    const resolved = win32.resolve(path)
    if (resolved.length <= 2) return path
    if (resolved.charCodeAt(0) === CHAR_BACKWARD_SLASH) {
      if (resolved.charCodeAt(1) === CHAR_BACKWARD_SLASH) {
        const code = resolved.charCodeAt(2)
        if (code !== CHAR_QUESTION_MARK && code !== CHAR_DOT) return `\\\\?\\UNC\\${resolved.slice(2)}`
      }
    } else if (isDeviceRoot(resolved.charCodeAt(0)) && resolved.charCodeAt(1) === CHAR_COLON && resolved.charCodeAt(2) === CHAR_BACKWARD_SLASH) {
      return `\\\\?\\${resolved}`
    }
    return resolved
  },

  /** The directory part of `path`. */
  dirname(path) {
    validateString(path, 'path')
    const len = path.length
    if (len === 0) return '.'
    if (len === 1) return isSep(path.charCodeAt(0)) ? path : '.'
    const { device, rootEnd: end0, whole } = splitRoot(path)
    if (whole) return path
    let rootEnd = -1
    let offset = 0
    if (isSep(path.charCodeAt(0))) {
      rootEnd = offset = device ? end0 + 1 : 1
    } else if (device) {
      rootEnd = offset = end0
    }
    let end = -1
    let matchedSlash = true
    for (let i = len - 1; i >= offset; --i) {
      if (isSep(path.charCodeAt(i))) {
        if (!matchedSlash) { end = i; break }
      } else {
        matchedSlash = false
      }
    }
    if (end === -1) {
      if (rootEnd === -1) return '.'
      end = rootEnd
    }
    return path.slice(0, end)
  },

  /** The last part of `path`, without `suffix` when it ends with it. */
  basename(path, suffix) {
    if (suffix !== undefined) validateString(suffix, 'suffix')
    validateString(path, 'path')
    let start = 0
    let end = -1
    let matchedSlash = true
    if (path.length >= 2 && isDeviceRoot(path.charCodeAt(0)) && path.charCodeAt(1) === CHAR_COLON) start = 2
    if (suffix !== undefined && suffix.length > 0 && suffix.length <= path.length) {
      if (suffix === path) return ''
      let extIdx = suffix.length - 1
      let firstNonSlashEnd = -1
      for (let i = path.length - 1; i >= start; --i) {
        const code = path.charCodeAt(i)
        if (isSep(code)) {
          if (!matchedSlash) { start = i + 1; break }
        } else {
          if (firstNonSlashEnd === -1) { matchedSlash = false; firstNonSlashEnd = i + 1 }
          if (extIdx >= 0) {
            if (code === suffix.charCodeAt(extIdx)) {
              if (--extIdx === -1) end = i
            } else {
              extIdx = -1
              end = firstNonSlashEnd
            }
          }
        }
      }
      if (start === end) end = firstNonSlashEnd
      else if (end === -1) end = path.length
      return path.slice(start, end)
    }
    for (let i = path.length - 1; i >= start; --i) {
      if (isSep(path.charCodeAt(i))) {
        if (!matchedSlash) { start = i + 1; break }
      } else if (end === -1) {
        matchedSlash = false
        end = i + 1
      }
    }
    if (end === -1) return ''
    return path.slice(start, end)
  },

  /** The extension of the last part of `path` ('' when none). */
  extname(path) {
    validateString(path, 'path')
    const start = path.length >= 2 && path.charCodeAt(1) === CHAR_COLON && isDeviceRoot(path.charCodeAt(0)) ? 2 : 0
    const { startDot, end } = lastPart(path, start)
    return startDot === -1 ? '' : path.slice(startDot, end)
  },

  /** A path string from `{ root, dir, base, name, ext }`. */
  format(pathObject) {
    if (pathObject === null || typeof pathObject !== 'object') {
      const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "pathObject" argument must be of type object. Received ${pathObject === null ? 'null' : `type ${typeof pathObject} (${String(pathObject)})`}`))
      e.code = 'ERR_INVALID_ARG_TYPE'
      throw e
    }
    const dir = pathObject.dir || pathObject.root
    const ext = pathObject.ext ? `${pathObject.ext[0] === '.' ? '' : '.'}${pathObject.ext}` : ''
    const base = pathObject.base || `${pathObject.name || ''}${ext}`
    if (!dir) return base
    return dir === pathObject.root ? `${dir}${base}` : `${dir}\\${base}`
  },

  /** `{ root, dir, base, ext, name }` of `path`. */
  parse(path) {
    validateString(path, 'path')
    const ret = { root: '', dir: '', base: '', ext: '', name: '' }
    if (path.length === 0) return ret
    const len = path.length
    let rootEnd = 0
    const code = path.charCodeAt(0)
    if (len === 1) {
      if (isSep(code)) { ret.root = ret.dir = path; return ret }
      ret.base = ret.name = path
      return ret
    }
    if (isSep(code)) {
      const { device, rootEnd: end0, whole } = splitRoot(path)
      rootEnd = device ? (whole ? end0 : end0 + 1) : 1
    } else if (isDeviceRoot(code) && path.charCodeAt(1) === CHAR_COLON) {
      if (len <= 2) { ret.root = ret.dir = path; return ret }
      rootEnd = 2
      if (isSep(path.charCodeAt(2))) {
        if (len === 3) { ret.root = ret.dir = path; return ret }
        rootEnd = 3
      }
    }
    if (rootEnd > 0) ret.root = path.slice(0, rootEnd)
    const { startPart, startDot, end } = lastPart(path, rootEnd)
    if (end !== -1) {
      if (startDot === -1) {
        ret.base = ret.name = path.slice(startPart, end)
      } else {
        ret.name = path.slice(startPart, startDot)
        ret.base = path.slice(startPart, end)
        ret.ext = path.slice(startDot, end)
      }
    }
    ret.dir = startPart > 0 && startPart !== rootEnd ? path.slice(0, startPart - 1) : ret.root
    return ret
  },

  sep: '\\',
  delimiter: ';',
  win32: null,
  posix: null,
}
win32.win32 = win32
win32._makeLong = win32.toNamespacedPath
Object.defineProperty(win32, 'posix', { enumerable: true, configurable: true, get: () => require('path/posix') })

win32.matchesGlob = require('../internal/host.js').unavailable('path.matchesGlob', 'glob matching is not offered inside a thread')
module.exports = win32
