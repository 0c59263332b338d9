'use strict'
// node:url inside a thread: the WHATWG URL classes (web/url.js), the file
// URL helpers and urlToHttpOptions as Node writes them, the legacy
// parse/format/resolve of the npm `url` port (loaded on first use) with
// Node's query parser (querystring) and argument checks.
const { URL, URLSearchParams } = require('../web/url.js')
const { codeError, invalidArgType, invalidArgValue } = require('../lib/io-errors.js')

let legacyCache
const legacy = () => legacyCache || (legacyCache = fixLegacy(require('url/')))

// Where the npm port parts ways with Node 20's url.parse/format (measured
// against the host), its Url prototype is corrected once:
// - backslashes become '/' only before the first '?' or '#' (after it they
//   are escaped, %5C); the port converted them in the query too;
// - a file: URL without a host is formatted with '//' ('file:x' → 'file://x');
// - resolving a host-less file: URL against another protocol keeps its path
//   as the path (the port took its first segment for a host).
function fixLegacy(port) {
  const proto = port.Url.prototype
  const parseImpl = proto.parse
  const formatImpl = proto.format
  const resolveObjectImpl = proto.resolveObject
  proto.resolveObject = function resolveObject(relative) {
    if (typeof relative === 'string') {
      const rel = new port.Url()
      rel.parse(relative, false, true)
      relative = rel
    }
    const p = relative.protocol
    if (!((p === 'file:' || p === 'file') && p !== this.protocol && !relative.host)) return resolveObjectImpl.call(this, relative)
    const result = new port.Url()
    for (const k of Object.keys(this)) result[k] = this[k]
    Object.assign(result, {
      hash: relative.hash, protocol: p, pathname: relative.pathname, search: relative.search, query: relative.query,
      host: '', hostname: '', auth: relative.auth, port: relative.port, slashes: result.slashes || relative.slashes,
    })
    if (result.pathname || result.search) result.path = (result.pathname || '') + (result.search || '')
    result.href = result.format()
    return result
  }
  proto.parse = function parse(url, parseQueryString, slashesDenoteHost) {
    if (typeof url === 'string' && url.includes('\\')) {
      const split = url.search(/[?#]/)
      if (split !== -1 && !/^\s*javascript:/i.test(url)) url = url.slice(0, split) + url.slice(split).replace(/\\/g, '%5C')
    }
    return parseImpl.call(this, url, parseQueryString, slashesDenoteHost)
  }
  proto.format = function format() {
    const out = formatImpl.call(this)
    const protocol = this.protocol
    if ((protocol === 'file' || protocol === 'file:') && out.startsWith('file:') && !out.startsWith('file://')) return `file://${out.slice(5)}`
    return out
  }
  return port
}
const binding = () => require('isothread:internal').native.binding('url')
const isWindowsHost = () => typeof process === 'object' && process !== null && process.platform === 'win32'

/** The ASCII (punycode) form of a domain, '' if it is not valid. */
function domainToASCII(domain) {
  if (arguments.length < 1) throw codeError(TypeError, 'ERR_MISSING_ARGS', 'The "domain" argument must be specified')
  return binding().domainToASCII(`${domain}`)
}

/** The Unicode form of a domain, '' if it is not valid. */
function domainToUnicode(domain) {
  if (arguments.length < 1) throw codeError(TypeError, 'ERR_MISSING_ARGS', 'The "domain" argument must be specified')
  return binding().domainToUnicode(`${domain}`)
}

const isURL = (self) => Boolean(self && self.href && self.protocol && self.auth === undefined && self.path === undefined)

/** The path of a file: URL (string or URL); `options.windows` picks Windows rules. */
function fileURLToPath(path, options = undefined) {
  const windows = options && options.windows !== undefined ? !!options.windows : isWindowsHost()
  if (typeof path === 'string') path = new URL(path)
  else if (!(path instanceof URL) && !isURL(path)) throw invalidArgType('path', 'of type string or an instance of URL', path)
  if (path.protocol !== 'file:') throw codeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file')
  return windows ? pathFromURLWin32(path) : pathFromURLPosix(path)
}

function badFilePath(msg) { return codeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', `File URL path ${msg}`) }

function pathFromURLPosix(url) {
  if (url.hostname !== '') {
    const platform = typeof process === 'object' && process ? process.platform : 'linux'
    throw codeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', `File URL host must be "localhost" or empty on ${platform}`)
  }
  const pathname = url.pathname
  for (let n = 0; n < pathname.length; n++) {
    if (pathname[n] === '%') {
      const third = pathname.codePointAt(n + 2) | 0x20
      if (pathname[n + 1] === '2' && third === 102) throw badFilePath('must not include encoded / characters')
    }
  }
  return decodeURIComponent(pathname)
}

function pathFromURLWin32(url) {
  const hostname = url.hostname
  let pathname = url.pathname
  for (let n = 0; n < pathname.length; n++) {
    if (pathname[n] === '%') {
      const third = pathname.codePointAt(n + 2) | 0x20
      if ((pathname[n + 1] === '2' && third === 102) || (pathname[n + 1] === '5' && third === 99)) {
        throw badFilePath('must not include encoded \\ or / characters')
      }
    }
  }
  pathname = decodeURIComponent(pathname.replace(/\//g, '\\'))
  if (hostname !== '') return `\\\\${domainToUnicode(hostname)}${pathname}`
  const letter = pathname.codePointAt(1) | 0x20
  if (letter < 97 || letter > 122 || pathname[2] !== ':') throw badFilePath('must be absolute')
  return pathname.slice(1)
}

function encodePathChars(filepath, windows) {
  if (filepath.includes('%')) filepath = filepath.replace(/%/g, '%25')
  if (!windows && filepath.includes('\\')) filepath = filepath.replace(/\\/g, '%5C')
  if (filepath.includes('\n')) filepath = filepath.replace(/\n/g, '%0A')
  if (filepath.includes('\r')) filepath = filepath.replace(/\r/g, '%0D')
  if (filepath.includes('\t')) filepath = filepath.replace(/\t/g, '%09')
  return filepath
}

/** A file: URL for a path (resolved against process.cwd()); `options.windows` picks Windows rules. */
function pathToFileURL(filepath, options = undefined) {
  const windows = options && options.windows !== undefined ? !!options.windows : isWindowsHost()
  if (typeof filepath !== 'string') throw invalidArgType('path', 'of type string', filepath)
  const path = require('path')
  if (windows && filepath.startsWith('\\\\')) {
    const out = new URL('file://')
    const extended = filepath.startsWith('\\\\?\\UNC\\')
    const prefix = extended ? 8 : 2
    const end = filepath.indexOf('\\', prefix)
    if (end === -1) throw invalidArgValue('path', filepath, 'Missing UNC resource path')
    if (end === 2) throw invalidArgValue('path', filepath, 'Empty UNC servername')
    out.hostname = domainToASCII(filepath.slice(prefix, end))
    out.pathname = encodePathChars(filepath.slice(end).replace(/\\/g, '/'), windows)
    return out
  }
  let resolved = windows ? path.win32.resolve(filepath) : path.posix.resolve(filepath)
  const last = filepath.charCodeAt(filepath.length - 1)
  const sep = windows ? '\\' : '/'
  if ((last === 47 || (windows && last === 92)) && resolved[resolved.length - 1] !== sep) resolved += '/'
  resolved = encodePathChars(resolved, windows)
  if (resolved.includes('?')) resolved = resolved.replace(/\?/g, '%3F')
  if (resolved.includes('#')) resolved = resolved.replace(/#/g, '%23')
  return new URL(`file://${resolved}`)
}

/** The options object http.request() takes, made from a URL. */
function urlToHttpOptions(url) {
  const { hostname, pathname, port, username, password, search } = url
  const options = {
    __proto__: null,
    ...url,
    protocol: url.protocol,
    hostname: hostname && hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    hash: url.hash,
    search,
    pathname,
    path: `${pathname || ''}${search || ''}`,
    href: url.href,
  }
  if (port !== '') options.port = Number(port)
  if (username || password) options.auth = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`
  return options
}

/** Legacy url.parse (the npm `url` port) with Node's query parsing and checks. */
function parse(url, parseQueryString = false, slashesDenoteHost = false) {
  if (url instanceof legacy().Url) return url
  if (typeof url !== 'string') throw invalidArgType('url', 'of type string', url)
  const u = legacy().parse(url, false, slashesDenoteHost)
  if (parseQueryString) {
    if (u.search) {
      u.query = require('querystring').parse(u.search.slice(1))
    } else {
      u.search = null
      u.query = Object.create(null)
    }
  }
  return u
}

/** Legacy url.format of an object or string; WHATWG URLs with `{ auth, fragment, search, unicode }`. */
function format(urlObject, options = undefined) {
  if (typeof urlObject === 'string') return legacy().format(parse(urlObject))
  if (typeof urlObject !== 'object' || urlObject === null) {
    throw invalidArgType('urlObject', 'one of type object or string', urlObject)
  }
  if (isURL(urlObject)) {
    if (options != null && typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    const o = options || {}
    const auth = o.auth === undefined ? true : !!o.auth
    const fragment = o.fragment === undefined ? true : !!o.fragment
    const search = o.search === undefined ? true : !!o.search
    const unicode = !!o.unicode
    const u = new URL(urlObject.href)
    if (!fragment) u.hash = ''
    if (!search) u.search = ''
    if (!auth) { u.username = ''; u.password = '' }
    let href = u.href
    if (unicode && u.hostname !== '') {
      const start = href.indexOf('//') + 2
      const at = href.lastIndexOf('@', href.indexOf('/', start) === -1 ? href.length : href.indexOf('/', start))
      const hostStart = at >= start ? at + 1 : start
      const hostEnd = hostStart + u.host.length
      href = href.slice(0, hostStart) + domainToUnicode(u.hostname) + (u.port ? `:${u.port}` : '') + href.slice(hostEnd)
    }
    return href
  }
  return legacy().format(urlObject)
}

/** Legacy url.resolve(from, to). */
function resolve(source, relative) {
  return parse(source, false, true).resolve(relative)
}

/** Legacy url.resolveObject(from, to). */
function resolveObject(source, relative) {
  if (!source) return relative
  return parse(source, false, true).resolveObject(relative)
}

/**
 * The legacy Url class (the npm port's, loaded on first use rather than on import).
 * @constructor
 * @this {any}
 */
function Url() {
  const L = legacy().Url
  if (Object.getPrototypeOf(Url.prototype) !== L.prototype) Object.setPrototypeOf(Url.prototype, L.prototype)
  if (!(this instanceof Url)) return new Url()
  L.call(this)
}
Object.defineProperty(Url, Symbol.hasInstance, { value: (o) => o instanceof legacy().Url || Function.prototype[Symbol.hasInstance].call(Url, o) })

module.exports = {
  Url,
  parse,
  resolve,
  resolveObject,
  format,
  URL,
  URLSearchParams,
  domainToASCII,
  domainToUnicode,
  pathToFileURL,
  fileURLToPath,
  urlToHttpOptions,
}
