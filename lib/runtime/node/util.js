'use strict'
// node:util inside a thread. inspect/format come from node-inspect-extracted
// (Node's own lib/internal/util/inspect.js, so output matches modern Node);
// the rest follows Node's lib/util.js, written small. `types` is in
// util_types.js' own brand checks; isDeepStrictEqual is the `assert` port's.

const { codedError, unavailable } = require('../internal/host.js')

// node-inspect-extracted (51 kB) loads on the first inspect/format: many
// packages take util only for inherits/promisify/deprecate. Once loaded,
// util.inspect & co. are its own functions.
let extracted
function lib() {
  if (extracted === undefined) {
    extracted = require('node-inspect-extracted')
    for (const name of ['inspect', 'format', 'formatWithOptions', 'stripVTControlCharacters']) module.exports[name] = extracted[name]
  }
  return extracted
}
/** Node's util.inspect(value[, options]) (node-inspect-extracted). */
function inspect(value, options) { return Reflect.apply(lib().inspect, undefined, arguments) }
inspect.custom = Symbol.for('nodejs.util.inspect.custom')
for (const name of ['colors', 'styles', 'defaultOptions']) {
  Object.defineProperty(inspect, name, {
    enumerable: true,
    configurable: true,
    get() { return lib().inspect[name] },
    set(v) { lib().inspect[name] = v },
  })
}
/** Node's util.format(format, ...args). */
function format(fmt, ...args) { return Reflect.apply(lib().format, undefined, arguments) }
/** Node's util.formatWithOptions(inspectOptions, format, ...args). */
function formatWithOptions(inspectOptions, fmt, ...args) { return Reflect.apply(lib().formatWithOptions, undefined, arguments) }
/** `str` without ANSI escape codes. */
function stripVTControlCharacters(str) { return lib().stripVTControlCharacters(str) }
const kCustomPromisified = Symbol.for('nodejs.util.promisify.custom')
const kCustomPromisifyArgs = Symbol.for('nodejs.util.promisify.customArgs')

function describe(value) {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function') return `function ${value.name}`
  if (typeof value === 'object') return value.constructor && value.constructor.name ? `an instance of ${value.constructor.name}` : inspect(value, { depth: -1 })
  let shown = inspect(value, { colors: false })
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  return `type ${typeof value} (${shown})`
}

function invalidArgType(name, expected, value) {
  const what = name.includes('.') ? 'property' : 'argument'
  return codedError('ERR_INVALID_ARG_TYPE', `The "${name}" ${what} must be ${expected}. Received ${describe(value)}`, TypeError)
}

function validateFunction(value, name) {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
}

function copyProperties(target, source, adjust) {
  const descriptors = Object.getOwnPropertyDescriptors(source)
  if (adjust) adjust(descriptors)
  for (const d of Object.values(descriptors)) Object.setPrototypeOf(d, null)
  return Object.defineProperties(target, descriptors)
}

/** A promise-returning version of callback-last function `original` (honours `util.promisify.custom`). */
function promisify(original) {
  validateFunction(original, 'original')
  if (original[kCustomPromisified]) {
    const fn = original[kCustomPromisified]
    validateFunction(fn, 'util.promisify.custom')
    return Object.defineProperty(fn, kCustomPromisified, { value: fn, enumerable: false, writable: false, configurable: true })
  }
  // Node's setTimeout/setImmediate carry a custom promisified form.
  if (original === globalThis.setTimeout || original === globalThis.setImmediate) {
    return require('timers/promises')[original === globalThis.setTimeout ? 'setTimeout' : 'setImmediate']
  }
  const argumentNames = original[kCustomPromisifyArgs]
  function fn(...args) {
    return new Promise((resolve, reject) => {
      args.push((err, ...values) => {
        if (err) return reject(err)
        if (argumentNames !== undefined && values.length > 1) {
          const obj = {}
          for (let i = 0; i < argumentNames.length; i++) obj[argumentNames[i]] = values[i]
          resolve(obj)
        } else {
          resolve(values[0])
        }
      })
      Reflect.apply(original, this, args)
    })
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original))
  Object.defineProperty(fn, kCustomPromisified, { value: fn, enumerable: false, writable: false, configurable: true })
  return copyProperties(fn, original)
}
promisify.custom = kCustomPromisified

function falsyRejection(reason) {
  const e = codedError('ERR_FALSY_VALUE_REJECTION', 'Promise was rejected with falsy value')
  e.reason = reason
  return e
}

/** A callback-last version of promise-returning `original`; the callback runs in a later tick. */
function callbackify(original) {
  validateFunction(original, 'original')
  function callbackified(...args) {
    const maybeCb = args.pop()
    validateFunction(maybeCb, 'last argument')
    const cb = maybeCb.bind(this)
    const { nextTick } = require('process')
    Reflect.apply(original, this, args).then(
      (ret) => nextTick(cb, null, ret),
      (rej) => nextTick(cb, rej || falsyRejection(rej)),
    )
  }
  return copyProperties(callbackified, original, (d) => {
    if (typeof d.length.value === 'number') d.length.value++
    if (typeof d.name.value === 'string') d.name.value += 'Callbackified'
  })
}

/** Node's inherits: `ctor.prototype` inherits from `superCtor.prototype`; sets `ctor.super_`. */
function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw invalidArgType('ctor', 'of type function', ctor)
  if (superCtor === undefined || superCtor === null) throw invalidArgType('superCtor', 'of type function', superCtor)
  if (superCtor.prototype === undefined) throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype)
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true })
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype)
}

const codesWarned = new Set()
/** Wraps `fn` so its first call emits a DeprecationWarning (once per `code`). */
function deprecate(fn, msg, code) {
  const proc = globalThis.process
  if (proc.noDeprecation === true) return fn
  if (code !== undefined && typeof code !== 'string') throw invalidArgType('code', 'of type string', code)
  let warned = false
  function deprecated(...args) {
    if (!warned) {
      warned = true
      if (code === undefined) proc.emitWarning(msg, 'DeprecationWarning', deprecated)
      else if (!codesWarned.has(code)) {
        codesWarned.add(code)
        proc.emitWarning(msg, 'DeprecationWarning', code, deprecated)
      }
    }
    if (new.target) return Reflect.construct(fn, args, new.target)
    return Reflect.apply(fn, this, args)
  }
  Object.setPrototypeOf(deprecated, fn)
  if (fn.prototype) deprecated.prototype = fn.prototype
  return deprecated
}

let debugPattern
/** A logger for `section` that prints `SECTION <pid>: …` to stderr when NODE_DEBUG names it; else a no-op. */
function debuglog(section, cb) {
  let enabled
  const test = () => {
    if (enabled !== undefined) return enabled
    if (debugPattern === undefined) {
      const env = globalThis.process.env.NODE_DEBUG
      debugPattern = env
        ? new RegExp(`^(${env.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*').replace(/,/g, '$|^')})$`, 'i')
        : null
    }
    enabled = debugPattern !== null && debugPattern.test(section)
    if (enabled && typeof cb === 'function') cb(logger)
    return enabled
  }
  function logger(...args) {
    if (!test()) return
    const { pid, stderr } = globalThis.process
    stderr.write(`${String(section).toUpperCase()} ${pid}: ${formatWithOptions({ colors: false }, ...args)}\n`)
  }
  Object.defineProperty(logger, 'enabled', { get: test, configurable: true, enumerable: true })
  return logger
}

/** Node's assert-style deep strict equality of `a` and `b`. */
function isDeepStrictEqual(a, b) {
  return require('assert/build/internal/util/comparisons.js').isDeepStrictEqual(a, b)
}

/** `string` with lone surrogates replaced by U+FFFD. */
function toUSVString(string) { return `${string}`.toWellFormed() }

// Node's shouldColorize: FORCE_COLOR (not 0/false) or a color TTY stream.
function shouldColorize(stream) {
  const force = globalThis.process.env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  return Boolean(stream && stream.isTTY && (typeof stream.getColorDepth === 'function' ? stream.getColorDepth() > 2 : true))
}

/**
 * `text` wrapped in the ANSI codes of `format` (a name of inspect.colors, or
 * an array of them); as in Node 20, plain text when `stream` (stdout by
 * default: never a TTY inside a thread) would not show colors.
 */
function styleText(fmt, text, { validateStream = true, stream = globalThis.process.stdout } = {}) {
  if (typeof text !== 'string') throw invalidArgType('text', 'of type string', text)
  const skip = validateStream && !shouldColorize(stream)
  let left = ''
  let right = ''
  for (const key of Array.isArray(fmt) ? fmt : [fmt]) {
    const code = /** @type {any} */ (inspect).colors[key] // (colors: a getter defined above)
    if (code === undefined) {
      throw codedError('ERR_INVALID_ARG_VALUE', `The argument 'format' must be one of: ${Object.keys(/** @type {any} */ (inspect).colors).join(', ')}. Received ${inspect(key)}`, TypeError)
    }
    left += `\u001b[${code[0]}m`
    right = `\u001b[${code[1]}m${right}`
  }
  return skip ? text : `${left}${text}${right}`
}

/** Map of system error numbers to [name, message], as the host's Node has it (host-only-names.json). */
function getSystemErrorMap() { return new Map(/** @type {[number, [string, string]][]} */ (require('../host-only-names.json').systemErrors)) }

/** The name of a (negative) system error number, e.g. -2 → 'ENOENT'. */
function getSystemErrorName(err) {
  if (typeof err !== 'number') throw invalidArgType('err', 'of type number', err)
  if (err >= 0 || !Number.isSafeInteger(err)) {
    throw codedError('ERR_OUT_OF_RANGE', `The value of "err" is out of range. It must be a negative integer. Received ${err}`, RangeError)
  }
  const entry = getSystemErrorMap().get(err)
  return entry === undefined ? `Unknown system error ${err}` : entry[0]
}

/** The variables of dotenv `content` (KEY=value lines; quotes, `export`, comments). */
function parseEnv(content) {
  if (typeof content !== 'string') throw invalidArgType('content', 'of type string', content)
  const out = {}
  const re = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*("(?:\\.|[^"\\])*"|'[^']*'|`[^`]*`|[^#\r\n]*)?/gm
  for (let m; (m = re.exec(content)) !== null;) {
    let value = (m[2] || '').trim()
    const q = value[0]
    if ((q === '"' || q === "'" || q === '`') && value.endsWith(q) && value.length > 1) {
      value = value.slice(1, -1)
      if (q === '"') value = value.replace(/\\n/g, '\n')
    }
    out[m[1]] = value
  }
  return out
}

/** Node's util.parseArgs({ args, options, strict, allowPositionals, tokens }) → { values, positionals[, tokens] }. */
function parseArgs(config) { return require('../internal/parse-args.js').parseArgs(config) }

/** The signal of an AbortController made for transfer (here: `signal` itself; threads clone, they do not transfer signals). */
function transferableAbortSignal(signal) { return signal }
/** A new AbortController (transfer is not needed inside a thread). */
function transferableAbortController() { return new AbortController() }

/** Resolves once `signal` aborts (Node's util.aborted). */
function aborted(signal, resource) {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n) => String(n).padStart(2, '0')
/** Legacy util.log: `<d Mon HH:MM:SS> - <format(...args)>` to stdout. */
function log(...args) {
  const d = new Date()
  const time = [pad(d.getHours()), pad(d.getMinutes()), pad(d.getSeconds())].join(':')
  console.log('%s - %s', `${d.getDate()} ${months[d.getMonth()]} ${time}`, format(...args))
}

/** Legacy util._extend: copies the own enumerable keys of `add` onto `target`. */
function _extend(target, add) {
  if (add === null || typeof add !== 'object') return target
  for (const k of Object.keys(add)) target[k] = add[k]
  return target
}

const legacy = {
  /** Legacy: Array.isArray. */
  isArray: Array.isArray,
  /** Legacy: typeof boolean. */
  isBoolean: (v) => typeof v === 'boolean',
  /** Legacy: Buffer.isBuffer. */
  isBuffer: (v) => require('buffer').Buffer.isBuffer(v),
  /** Legacy: a Date. */
  isDate: (v) => types().isDate(v),
  /** Legacy: a native error or an Error instance. */
  isError: (v) => types().isNativeError(v) || v instanceof Error,
  /** Legacy: typeof function. */
  isFunction: (v) => typeof v === 'function',
  /** Legacy: null. */
  isNull: (v) => v === null,
  /** Legacy: null or undefined. */
  isNullOrUndefined: (v) => v === null || v === undefined,
  /** Legacy: typeof number. */
  isNumber: (v) => typeof v === 'number',
  /** Legacy: a non-null object. */
  isObject: (v) => v !== null && typeof v === 'object',
  /** Legacy: not an object or function. */
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  /** Legacy: a RegExp. */
  isRegExp: (v) => types().isRegExp(v),
  /** Legacy: typeof string. */
  isString: (v) => typeof v === 'string',
  /** Legacy: typeof symbol. */
  isSymbol: (v) => typeof v === 'symbol',
  /** Legacy: undefined. */
  isUndefined: (v) => v === undefined,
}

const typesModule = require('util/types')
const types = () => typesModule

module.exports = {
  _extend,
  aborted,
  callbackify,
  debug: debuglog,
  debuglog,
  deprecate,
  format,
  formatWithOptions,
  getSystemErrorMap,
  getSystemErrorName,
  inherits,
  inspect,
  isDeepStrictEqual,
  log,
  parseEnv,
  transferableAbortSignal,
  transferableAbortController,
  parseArgs,
  MIMEType: unavailable('util.MIMEType', 'MIMEType is not offered inside a thread yet'),
  MIMEParams: unavailable('util.MIMEParams', 'MIMEParams is not offered inside a thread yet'),
  promisify,
  stripVTControlCharacters,
  styleText,
  toUSVString,
  TextDecoder: globalThis.TextDecoder,
  TextEncoder: globalThis.TextEncoder,
  types: typesModule,
  ...legacy,
}

// The `util` npm port is what the `assert` port asks for (`require('util/')`):
// it gets this module instead, with modern inspect and no polyfill chain.
try {
  // (A record the assert port's require finds: not a whole Module.)
  require.cache[require.resolve('util/')] = /** @type {any} */ ({ id: 'util/', exports: module.exports, loaded: true, children: [] })
} catch {}
