'use strict'
// Every error the library raises comes from this table, so codes and
// messages stay consistent (API.md §6).

const CODES = Object.freeze({
  ERR_CLONE: TypeError,
  ERR_TIMEOUT: Error,
  ERR_MEMORY_LIMIT: RangeError,
  ERR_ABORTED: Error,
  ERR_CLOSED: Error,
  ERR_UNKNOWN_TASK: Error,
  ERR_NOT_RUNNING: Error,
  ERR_ALREADY_RUNNING: Error,
  ERR_NOT_LOCKED: Error,
  ERR_STOPPED: Error,
  ERR_QUEUE_FULL: Error,
  ERR_INVALID_ARG: TypeError,
})

/** @typedef {Error & { code: string }} CodedError an error with a stable `code` (API.md §6) */

/**
 * Make a library error with a stable `code`.
 * @param {keyof typeof CODES} code
 * @param {string} message
 * @param {object} [extra] own properties to add (e.g. `cause`)
 * @returns {CodedError}
 */
function makeError(code, message, extra) {
  const Ctor = CODES[code] || Error
  const err = /** @type {CodedError} */ (new Ctor(message))
  err.code = code
  if (extra) {
    for (const key of Object.keys(extra)) {
      if (key === 'cause') Object.defineProperty(err, 'cause', { value: extra.cause, writable: true, configurable: true })
      else err[key] = extra[key]
    }
  }
  return err
}

module.exports = { CODES, makeError }
