'use strict'
// URL and URLSearchParams inside a thread (WHATWG URL, as Node has them):
// parsing and the setters are the Rust `url` crate's (binding('url')), the
// search params list is kept here and stays linked to its URL both ways.
const { codeError, invalidArgType, missingArgs, notAvailable } = require('../lib/io-errors.js')

let bindingCache
const binding = () => bindingCache || (bindingCache = require('isothread:internal').native.binding('url'))
let utf8
const internal = () => utf8 || (utf8 = require('isothread:internal').native)

// parts: [href, origin, protocol, username, password, host, hostname, port, pathname, search, hash]
const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5, HOSTNAME = 6, PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10

function invalidUrl(input, base) {
  const e = codeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL')
  e.input = input
  if (base !== undefined) e.base = base
  return e
}

// USVString: lone surrogates become U+FFFD.
const usv = (v) => {
  const s = `${v}`
  return typeof s.toWellFormed === 'function' ? s.toWellFormed() : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
}

// --- application/x-www-form-urlencoded --------------------------------------

const HEX = '0123456789ABCDEF'
// Bytes kept as they are: ASCII alphanumerics and *-._
const KEEP = new Uint8Array(128)
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._') KEEP[c.charCodeAt(0)] = 1

function formEncode(s) {
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128) { ascii = false; break }
  }
  let out = ''
  if (ascii) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (KEEP[c]) out += s[i]
      else if (c === 0x20) out += '+'
      else out += `%${HEX[c >> 4]}${HEX[c & 15]}`
    }
    return out
  }
  const bytes = internal().utf8Encode(s)
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (c < 128 && KEEP[c]) out += String.fromCharCode(c)
    else if (c === 0x20) out += '+'
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`
  }
  return out
}

const hexVal = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1)

function formDecode(s) {
  if (s.indexOf('+') !== -1) s = s.replace(/\+/g, ' ')
  if (s.indexOf('%') === -1) return s
  const bytes = internal().utf8Encode(s)
  const out = new Uint8Array(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (c === 37 && i + 2 < bytes.length) {
      const h = hexVal(bytes[i + 1]), l = hexVal(bytes[i + 2])
      if (h >= 0 && l >= 0) { out[n++] = (h << 4) | l; i += 2; continue }
    }
    out[n++] = c
  }
  return internal().utf8Decode(out.subarray(0, n), false)
}

function parseForm(query) {
  const list = []
  if (query === '') return list
  for (const piece of query.split('&')) {
    if (piece === '') continue
    const eq = piece.indexOf('=')
    if (eq === -1) list.push(formDecode(piece), '')
    else list.push(formDecode(piece.slice(0, eq)), formDecode(piece.slice(eq + 1)))
  }
  return list
}

function serializeForm(list) {
  let out = ''
  for (let i = 0; i < list.length; i += 2) {
    if (i > 0) out += '&'
    out += `${formEncode(list[i])}=${formEncode(list[i + 1])}`
  }
  return out
}

// --- URLSearchParams --------------------------------------------------------

const kLink = Symbol('link')
const kReset = Symbol('reset')
const kPairAt = Symbol('pairAt')

/** WHATWG URLSearchParams: from a query string, an iterable of pairs or a record. */
class URLSearchParams {
  // flat list: name0, value0, name1, value1, …
  #list = []
  #url = null

  constructor(init = undefined) {
    if (init === undefined || init === null) return
    if (typeof init === 'object' || typeof init === 'function') {
      const iter = init[Symbol.iterator]
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== 'function') throw invalidArgType('query[Symbol.iterator]', 'of type function', iter)
        for (const pair of init) {
          if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function') || typeof pair[Symbol.iterator] !== 'function') {
            throw codeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple')
          }
          const kv = [...pair]
          if (kv.length !== 2) throw codeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple')
          this.#list.push(usv(kv[0]), usv(kv[1]))
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key !== 'string') continue
          const d = Reflect.getOwnPropertyDescriptor(init, key)
          if (d !== undefined && d.enumerable) this.#list.push(usv(key), usv(init[key]))
        }
      }
      return
    }
    let s = usv(init)
    if (s[0] === '?') s = s.slice(1)
    this.#list = parseForm(s)
  }

  /** @internal ties these params to `url` (its searchParams). */
  static [kLink](params, url, query) { params.#url = url; params.#list = parseForm(query) }
  /** @internal the URL's query changed: parse it again. */
  static [kReset](params, query) { params.#list = parseForm(query) }

  #update() {
    if (this.#url !== null) URL[kReset](this.#url, serializeForm(this.#list))
  }

  get size() { return this.#list.length / 2 }

  /** Adds a name/value pair at the end. */
  append(name, value) {
    if (arguments.length < 2) throw missingArgs2()
    this.#list.push(usv(name), usv(value))
    this.#update()
  }

  /** Removes every pair named `name` (and, given `value`, only with that value). */
  delete(name, value = undefined) {
    if (arguments.length < 1) throw missingArgs('name')
    name = usv(name)
    const v = value === undefined ? undefined : usv(value)
    const list = this.#list
    let j = 0
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name && (v === undefined || list[i + 1] === v)) continue
      list[j++] = list[i]
      list[j++] = list[i + 1]
    }
    list.length = j
    this.#update()
  }

  /** The first value named `name`, or null. */
  get(name) {
    if (arguments.length < 1) throw missingArgs('name')
    name = usv(name)
    const list = this.#list
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1]
    return null
  }

  /** Every value named `name`. */
  getAll(name) {
    if (arguments.length < 1) throw missingArgs('name')
    name = usv(name)
    const out = []
    const list = this.#list
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) out.push(list[i + 1])
    return out
  }

  /** Whether a pair named `name` (with `value`, if given) exists. */
  has(name, value = undefined) {
    if (arguments.length < 1) throw missingArgs('name')
    name = usv(name)
    const v = value === undefined ? undefined : usv(value)
    const list = this.#list
    for (let i = 0; i < list.length; i += 2) if (list[i] === name && (v === undefined || list[i + 1] === v)) return true
    return false
  }

  /** Sets the first pair named `name` to `value` and removes the others (or appends). */
  set(name, value) {
    if (arguments.length < 2) throw missingArgs2()
    name = usv(name)
    value = usv(value)
    const list = this.#list
    let found = false
    let j = 0
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) {
        if (found) continue
        found = true
        list[j++] = name
        list[j++] = value
      } else {
        list[j++] = list[i]
        list[j++] = list[i + 1]
      }
    }
    list.length = j
    if (!found) list.push(name, value)
    this.#update()
  }

  /** Sorts the pairs by name (UTF-16 code units), keeping the order of equal names. */
  sort() {
    const pairs = []
    const list = this.#list
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]])
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    this.#list = pairs.flat()
    this.#update()
  }

  /** Iterator of [name, value]. */
  entries() { return makeIterator(this, 'key+value') }

  /** Calls `callback(value, name, params)` for each pair. */
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
    const list = this.#list
    for (let i = 0; i < list.length; i += 2) callback.call(thisArg, list[i + 1], list[i], this)
  }

  /** Iterator of names. */
  keys() { return makeIterator(this, 'key') }

  /** Iterator of values. */
  values() { return makeIterator(this, 'value') }

  /** The application/x-www-form-urlencoded serialization. */
  toString() { return serializeForm(this.#list) }

  /** @internal pair `i` of the live list, or undefined past its end. */
  static [kPairAt](params, i) {
    const list = params.#list
    return 2 * i < list.length ? [list[2 * i], list[2 * i + 1]] : undefined
  }
}
const pairAt = (params, i) => URLSearchParams[kPairAt](params, i)
Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
  value: URLSearchParams.prototype.entries, writable: true, configurable: true, enumerable: false,
})
Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true })

const missingArgs2 = () => codeError(TypeError, 'ERR_MISSING_ARGS', 'The "name" and "value" arguments must be specified')

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))
const ParamsIteratorPrototype = Object.create(IteratorPrototype, {
  next: {
    value: function next() {
      const state = this && this[kIter]
      if (state === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type URLSearchParamsIterator')
      const pair = state.params === null ? undefined : pairAt(state.params, state.index)
      if (pair === undefined) { state.params = null; return { value: undefined, done: true } }
      state.index++
      return { value: state.kind === 'key' ? pair[0] : state.kind === 'value' ? pair[1] : pair, done: false }
    },
    writable: true, configurable: true, enumerable: true,
  },
  [Symbol.toStringTag]: { value: 'URLSearchParams Iterator', configurable: true },
})
const kIter = Symbol('iterator state')
function makeIterator(params, kind) {
  pairAt(params, 0) // brand check
  const it = Object.create(ParamsIteratorPrototype)
  Object.defineProperty(it, kIter, { value: { params, kind, index: 0 } })
  return it
}

// --- URL --------------------------------------------------------------------

/** WHATWG URL: `new URL(input, base)`; throws ERR_INVALID_URL for what does not parse. */
class URL {
  #parts
  #params = null

  constructor(input, base = undefined) {
    if (arguments.length === 0) throw missingArgs('url')
    input = usv(input)
    if (base !== undefined) base = usv(base)
    const parts = binding().parse(input, base)
    if (parts === null) throw invalidUrl(input, base)
    this.#parts = parts
  }

  /** Whether `input` (against `base`) parses. */
  static canParse(input, base = undefined) {
    if (arguments.length === 0) throw missingArgs('url')
    input = usv(input)
    if (base !== undefined) base = usv(base)
    return binding().canParse(input, base)
  }

  /** A URL, or null where the constructor would throw (Node 22+). */
  static parse(input, base = undefined) {
    if (arguments.length === 0) throw missingArgs('url')
    try {
      return new URL(input, base)
    } catch (e) {
      if (e && e.code === 'ERR_INVALID_URL') return null
      throw e
    }
  }

  /** Blob URLs need the host's Blob registry. */
  static createObjectURL() {
    throw notAvailable('URL.createObjectURL()', 'there is no Blob registry inside threads')
  }

  /** Blob URLs need the host's Blob registry. */
  static revokeObjectURL() {
    throw notAvailable('URL.revokeObjectURL()', 'there is no Blob registry inside threads')
  }

  /** @internal the search params changed: their serialization is the new query. */
  static [kReset](url, query) {
    const parts = binding().set(url.#parts[HREF], 'search', query)
    if (parts !== null) url.#parts = parts
  }

  #set(component, value) {
    const parts = binding().set(this.#parts[HREF], component, usv(value))
    if (parts === null) return false
    const queryChanged = parts[SEARCH] !== this.#parts[SEARCH]
    this.#parts = parts
    if (queryChanged && this.#params !== null) URLSearchParams[kReset](this.#params, parts[SEARCH].slice(1))
    return true
  }

  /** The serialized URL. */
  toString() { return this.#parts[HREF] }
  /** The serialized URL (JSON.stringify). */
  toJSON() { return this.#parts[HREF] }

  get href() { return this.#parts[HREF] }
  set href(value) {
    value = usv(value)
    const parts = binding().parse(value, undefined)
    if (parts === null) throw invalidUrl(value)
    this.#parts = parts
    if (this.#params !== null) URLSearchParams[kReset](this.#params, parts[SEARCH].slice(1))
  }
  get origin() { return this.#parts[ORIGIN] }
  get protocol() { return this.#parts[PROTOCOL] }
  set protocol(v) { this.#set('protocol', v) }
  get username() { return this.#parts[USERNAME] }
  set username(v) { this.#set('username', v) }
  get password() { return this.#parts[PASSWORD] }
  set password(v) { this.#set('password', v) }
  get host() { return this.#parts[HOST] }
  set host(v) { this.#set('host', v) }
  get hostname() { return this.#parts[HOSTNAME] }
  set hostname(v) { this.#set('hostname', v) }
  get port() { return this.#parts[PORT] }
  set port(v) { this.#set('port', v) }
  get pathname() { return this.#parts[PATHNAME] }
  set pathname(v) { this.#set('pathname', v) }
  get search() { return this.#parts[SEARCH] }
  set search(v) { this.#set('search', v) }
  get searchParams() {
    if (this.#params === null) {
      this.#params = new URLSearchParams()
      URLSearchParams[kLink](this.#params, this, this.#parts[SEARCH].slice(1))
    }
    return this.#params
  }
  get hash() { return this.#parts[HASH] }
  set hash(v) { this.#set('hash', v) }
}
Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true })
for (const name of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON']) {
  const d = Object.getOwnPropertyDescriptor(URL.prototype, name)
  d.enumerable = true
  Object.defineProperty(URL.prototype, name, d)
}

module.exports = { URL, URLSearchParams }
