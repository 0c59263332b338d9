'use strict'
// Shared helpers of the thread runtime's built-ins (not a built-in itself):
// the host's facts, parsed once per realm, and Node-style coded errors.

const { host } = require('isothread:internal')

let info

/** The host's `process` facts (`host.info()`), parsed on first use. */
function hostInfo() {
  if (info === undefined) info = JSON.parse(host.info())
  return info
}

/**
 * An error of class `Base` with Node's `code` and the `[code]` name suffix in its stack.
 * @param {string} code
 * @param {string} message
 * @param {new (message: string) => Error} [Base]
 * @returns {Error & { code: string, [key: string]: any }} (callers may add Node's extra fields)
 */
function codedError(code, message, Base = Error) {
  const e = new Base(message)
  Object.defineProperty(e, 'code', { value: code, writable: true, enumerable: true, configurable: true })
  return /** @type {Error & { code: string, [key: string]: any }} */ (e) // (`code` was just defined)
}

/** ERR_NOT_AVAILABLE for `what` (e.g. `process.exit()`), which a thread cannot do. */
function notAvailable(what, why) {
  return codedError('ERR_NOT_AVAILABLE', `${what} is not available inside a thread${why ? `: ${why}` : ''}`)
}

/**
 * A function (usable with `new`, `extends`, `instanceof`) named after the
 * last part of `path` that throws ERR_NOT_AVAILABLE when called: for
 * exports Node has that a thread cannot offer, so that importing them works.
 */
function unavailable(path, why = 'it is host-only') {
  const name = path.split('.').pop()
  return {
    [name]: function () { throw notAvailable(new.target ? `new ${path}()` : `${path}()`, why) },
  }[name]
}

module.exports = { hostInfo, codedError, notAvailable, unavailable }
