'use strict'
// node:timers/promises inside a thread, as Node's: setTimeout, setImmediate,
// the setInterval async iterator and scheduler.wait/yield, all abortable
// with { signal } (rejecting with AbortError, code ABORT_ERR). The `ref`
// option is accepted and ignored.

// The global timers as they were when this module loaded.
const timers = { ...require('timers') }

class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    super(message, options)
    this.code = 'ABORT_ERR'
    this.name = 'AbortError'
  }
}

function invalidArgType(name, expected, value) {
  const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : `type ${typeof value}`}`))
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}

function checkOptions(options) {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  const { signal } = options
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
  }
  return signal
}

// One timer as a promise: `start(done)` returns its id, `clear(id)` cancels it.
function later(start, clear, value, options) {
  let signal
  try { signal = checkOptions(options) } catch (e) { return Promise.reject(e) }
  if (signal && signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
  return new Promise((resolve, reject) => {
    let onAbort
    const id = start(() => {
      if (signal) signal.removeEventListener('abort', onAbort)
      resolve(value)
    })
    if (signal) {
      onAbort = () => { clear(id); reject(new AbortError(undefined, { cause: signal.reason })) }
      signal.addEventListener('abort', onAbort, { once: true })
    }
  })
}

/** Resolves with `value` after `delay` ms. */
function setTimeout(delay, value, options = {}) {
  return later((done) => timers.setTimeout(done, delay), timers.clearTimeout, value, options)
}

/** Resolves with `value` after the current timers and I/O. */
function setImmediate(value, options = {}) {
  return later((done) => timers.setImmediate(done), timers.clearImmediate, value, options)
}

/** Yields `value` every `delay` ms (ticks missed while the consumer was busy are yielded at once). */
async function* setInterval(delay, value, options = {}) {
  const signal = checkOptions(options)
  if (signal && signal.aborted) throw new AbortError(undefined, { cause: signal.reason })
  let onCancel
  let interval
  try {
    let notYielded = 0
    let callback
    interval = timers.setInterval(() => {
      notYielded++
      if (callback) { callback(); callback = undefined }
    }, delay)
    if (signal) {
      onCancel = () => {
        timers.clearInterval(interval)
        if (callback) { callback(Promise.reject(new AbortError(undefined, { cause: signal.reason }))); callback = undefined }
      }
      signal.addEventListener('abort', onCancel, { once: true })
    }
    while (!(signal && signal.aborted)) {
      if (notYielded === 0) await new Promise((resolve) => { callback = resolve })
      for (; notYielded > 0; notYielded--) yield value
    }
    throw new AbortError(undefined, { cause: signal && signal.reason })
  } finally {
    timers.clearInterval(interval)
    if (signal) signal.removeEventListener('abort', onCancel)
  }
}

const scheduler = {
  /** Resolves after `delay` ms (abortable with { signal }). */
  wait(delay, options) { return setTimeout(delay, undefined, options) },
  /** Resolves after the current turn (setImmediate). */
  yield() { return setImmediate() },
}

module.exports = { setTimeout, setImmediate, setInterval, scheduler }
