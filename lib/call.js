'use strict'
// One call in flight as a slot holds it (its promise and how it settles),
// and the helpers Thread, ThreadPool and services share with slots.

const { encodeFor } = require('./host')

/**
 * The `data` option of a Thread or ThreadPool, encoded once for every
 * thread it starts (a replaced one too); undefined for none. Throws
 * ERR_CLONE naming the path (`data.handler`) for a value that cannot cross.
 * @returns {{ bytes: Uint8Array, shared: Uint8Array[] | undefined } | undefined}
 */
function encodeData(value) {
  if (value === undefined) return undefined
  const { bytes, shared } = encodeFor(value, 'data')
  // A copy: the encoder's bytes may be its reused scratch, and a pool sends
  // these again to every thread it starts later.
  return { bytes: bytes.slice(), shared }
}

/**
 * A new promise with its settle functions.
 * @returns {{ promise: Promise<any>, resolve: (value?: any) => void, reject: (reason?: any) => void }}
 */
function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** One call in flight: its promise and how it settles. */
class Call {
  constructor(id, reffed) {
    this.id = id
    this.resolve = null
    this.reject = null
    // (an executor written here, not one shared function: TurboFan inlines
    // it with the Promise constructor; a shared one was ~20 ns slower a call)
    this.promise = new Promise((res, rej) => { this.resolve = res; this.reject = rej })
    this.unlisten = undefined
    this.reffed = reffed
    /** `runWith({ onMessage })`: this call's progress messages. */
    this.onMessage = undefined
    /** A define() task's host functions (else the slot's). */
    this.host = undefined
  }
}

module.exports = { Call, deferred, encodeData }
