'use strict'
// Node's error shapes (code, message) for the thread-side stream, crypto,
// zlib, url and web-event built-ins.

/** An error of class `Ctor` with Node's `code`, shown as `Name [CODE]: message` like Node's. */
function codeError(Ctor, code, message) {
  const e = new Ctor(message)
  Object.defineProperty(e, 'code', { value: code, writable: true, configurable: true, enumerable: true })
  return e
}

/** The " Received …" tail of Node's ERR_INVALID_ARG_TYPE messages. */
function received(v) {
  if (v == null) return ` Received ${v}`
  if (typeof v === 'function') return ` Received function ${v.name}`
  if (typeof v === 'object') {
    const name = v.constructor && v.constructor.name
    return name ? ` Received an instance of ${name}` : ' Received [Object: null prototype]'
  }
  let shown
  if (typeof v === 'string') shown = `'${v.length > 28 ? `${v.slice(0, 25)}...` : v}'`
  else if (typeof v === 'bigint') shown = `${v}n`
  else shown = String(v)
  return ` Received type ${typeof v} (${shown})`
}

/** ERR_INVALID_ARG_TYPE: `The "name" argument must be <expected>. Received …`. */
function invalidArgType(name, expected, value) {
  const what = name.includes('.') ? 'property' : 'argument'
  return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${what} must be ${expected}.${received(value)}`)
}

/** ERR_INVALID_ARG_VALUE: `The argument 'name' is invalid. Received …` (Node's wording). */
function invalidArgValue(name, value, reason = 'is invalid') {
  let shown = typeof value === 'string' ? `'${value}'` : String(value)
  if (value !== null && typeof value === 'object') shown = Array.isArray(value) ? '[ ... ]' : '{ ... }'
  const what = name.includes('.') ? 'property' : 'argument'
  return codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${what} '${name}' ${reason}. Received ${shown}`)
}

/** ERR_OUT_OF_RANGE: `The value of "name" is out of range. It must be <range>. Received <value>`. */
function outOfRange(name, range, value) {
  let shown = String(value)
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
    shown = String(value).replace(/(\d)(?=(\d{3})+$)/g, '$1_')
  } else if (typeof value === 'bigint') {
    shown = `${value}n`
  }
  return codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`)
}

/** ERR_MISSING_ARGS: `The "name" argument must be specified`. */
function missingArgs(name) {
  return codeError(TypeError, 'ERR_MISSING_ARGS', `The "${name}" argument must be specified`)
}

/** ERR_NOT_AVAILABLE: `<what> is not available inside a thread: <why>` (the runtime's wording, RUNTIME.md §3). */
function notAvailable(what, why) {
  return codeError(Error, 'ERR_NOT_AVAILABLE', `${what} is not available inside a thread${why ? `: ${why}` : ''}`)
}

module.exports = { codeError, received, invalidArgType, invalidArgValue, outOfRange, missingArgs, notAvailable }
