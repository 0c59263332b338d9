'use strict'
// Thread: one isolate on its own OS thread (API.md §1).

const { host, hold, release, encodeFor, decodeFrom, failure } = require('./host')
const { makeError } = require('./errors')
const opts = require('./options')

let nextCallId = 1

/**
 * How long (µs) `run()` may wait on the host for a fast call's answer
 * before returning to the event loop. A parked event loop takes tens of
 * µs to wake, more than a whole small call; waiting briefly instead is
 * only done for a thread whose recent calls answered within the window.
 */
const SPIN_US = 30

/** A new promise with its settle functions. */
function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/**
 * A V8 isolate on its own thread, running the function its `context` returns.
 */
class Thread {
  #native
  #id
  #name
  #timeout
  #reffed
  /** call id → { resolve, reject, unlisten, reffed } */
  #calls = new Map()
  #holds = 0
  #closed = false
  #exited = false
  #exit = null
  #closePromise = null
  #disposePromise = null
  /** Consecutive calls that did not answer within the spin window. */
  #misses = 0
  #sinceProbe = 0

  /**
   * @param {Function} context returns the function to run; evaluated once inside the thread
   * @param {{ memoryLimit?: number, timeout?: number, name?: string, reffed?: boolean }} [options]
   */
  constructor(context, options) {
    const o = opts.checkObject(options, 'options')
    const source = opts.contextSource(context)
    const memoryLimit = opts.checkMemoryLimit(o.memoryLimit)
    this.#timeout = opts.checkTimeout(o.timeout)
    this.#name = opts.checkName(o.name)
    this.#reffed = opts.checkBoolean(o.reffed, 'reffed', true)
    this.#native = host.spawn(source, memoryLimit, this.#name)
    this.#id = this.#native.id
  }

  /** The thread's id (also `threadId` inside the thread). */
  get threadId() { return this.#id }

  /** True from the moment close()/dispose() is called or the thread died. */
  get closed() { return this.#closed }

  /** Run the function with these arguments; resolves with its (awaited) result. */
  run(...args) {
    return this.runWith({ args })
  }

  /**
   * Run with options: `{ args, transfer, timeout, signal }`.
   * @returns {Promise<any>}
   */
  runWith(options) {
    try {
      const o = opts.checkObject(options, 'runWith options')
      const args = o.args === undefined ? [] : o.args
      if (!Array.isArray(args)) throw opts.invalid('args must be an array')
      if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw opts.invalid('transfer must be an array')
      const timeout = o.timeout === undefined ? this.#timeout : opts.checkTimeout(o.timeout)
      const signal = opts.checkSignal(o.signal)
      if (this.#closed) throw makeError('ERR_CLOSED', `${this.#label()} is closed`)
      if (signal !== undefined && signal.aborted) {
        throw makeError('ERR_ABORTED', 'the call was aborted before it started', { cause: signal.reason })
      }
      const { bytes, shared, transferred } = encodeFor(args, 'args', o.transfer)
      const id = nextCallId++
      const d = deferred()
      const call = { resolve: d.resolve, reject: d.reject, unlisten: undefined, reffed: this.#reffed }
      this.#calls.set(id, call)
      this.#hold(call.reffed)
      const spin = this.#calls.size === 1 && this.#shouldSpin() ? SPIN_US : 0
      if (!this.#native.run(id, bytes, shared, transferred, timeout, spin)) {
        this._exited(false) // the isolate ended (out of memory) while idle
        return d.promise
      }
      if (spin > 0) this.#misses = this.#calls.has(id) ? this.#misses + 1 : 0
      if (signal !== undefined && this.#calls.has(id)) {
        const onAbort = () => {
          this.#native.cancel(id)
          this.#finish(id, false, makeError('ERR_ABORTED', 'the call was aborted', { cause: signal.reason }))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        call.unlisten = () => signal.removeEventListener('abort', onAbort)
      }
      return d.promise
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Stop taking calls, let every call made finish, then dispose the isolate. */
  close() {
    if (this.#closePromise === null) {
      this.#closed = true
      this.#closePromise = this.#exitPromise()
      if (!this.#exited) this.#native.close()
      this.#closed = true
    }
    return this.#closePromise
  }

  /** Stop now: running and queued calls reject with ERR_CLOSED. */
  dispose() {
    if (this.#disposePromise === null) {
      this.#closed = true
      this.#disposePromise = this.#exitPromise()
      if (!this.#exited) this.#native.dispose()
      this.#rejectAll(() => makeError('ERR_CLOSED', `${this.#label()} was disposed`))
    }
    return this.#disposePromise
  }

  /** Keep the process alive while calls are in flight (the default). */
  ref() { this.#setReffed(true); return this }

  /** Let the process exit even with calls in flight. */
  unref() { this.#setReffed(false); return this }

  /** Counters and heap figures (API.md §7). */
  stats() {
    const [runs, failures, heapUsed, heapLimit, cpuTimeMs] = this.#native.stats()
    const inFlight = this.#calls.size
    return {
      name: this.#name,
      threadId: this.#id,
      runs,
      failures,
      active: inFlight > 0 ? 1 : 0,
      queue: inFlight > 1 ? inFlight - 1 : 0,
      heapUsed,
      heapLimit,
      cpuTimeMs,
    }
  }

  /** Spin while calls answer within the window; after 3 misses, probe once every 64 calls. */
  #shouldSpin() {
    if (this.#misses < 3) return true
    if (++this.#sinceProbe < 64) return false
    this.#sinceProbe = 0
    return true
  }

  #label() {
    return this.#name !== undefined ? `thread "${this.#name}"` : `thread ${this.#id}`
  }

  #setReffed(on) {
    if (this.#reffed === on) return
    this.#reffed = on
    // Calls already in flight switch too (like worker.ref()/unref()).
    for (const call of this.#calls.values()) {
      if (call.reffed !== on) {
        call.reffed = on
        this.#hold(on)
        this.#unhold(!on)
      }
    }
  }

  #hold(reffed) {
    this.#holds++
    hold(this.#id, this, reffed)
  }

  #unhold(reffed) {
    this.#holds--
    release(this.#id, reffed, this.#holds === 0)
  }

  #exitPromise() {
    if (this.#exit === null) {
      this.#exit = deferred()
      if (this.#exited || this.#native.finished) {
        this.#exited = true
        this.#exit.resolve()
      }
      else this.#hold(true) // a pending close keeps the process alive
    }
    return this.#exit.promise
  }

  #finish(id, ok, value) {
    const call = this.#calls.get(id)
    if (call === undefined) return
    this.#calls.delete(id)
    if (call.unlisten !== undefined) call.unlisten()
    this.#unhold(call.reffed)
    if (ok) call.resolve(value)
    else call.reject(value)
  }

  #rejectAll(makeErr) {
    for (const id of [...this.#calls.keys()]) this.#finish(id, false, makeErr())
  }

  /** @internal a call settled on the thread */
  _settle(id, status, bytes, shared, transferred, codeAndMessage) {
    if (!this.#calls.has(id)) return
    if (status === 2) {
      const err = failure(codeAndMessage, bytes, shared, transferred)
      // A lone thread that ran out of memory is being disposed: closed now.
      if (err.code === 'ERR_MEMORY_LIMIT') this.#closed = true
      return this.#finish(id, false, err)
    }
    let value
    try {
      value = decodeFrom(bytes, shared, transferred)
    } catch (err) {
      return this.#finish(id, false, err)
    }
    this.#finish(id, status === 0, value)
  }

  /** @internal the isolate is gone */
  _exited(outOfMemory) {
    if (this.#exited) return
    this.#exited = true
    this.#closed = true
    const why = outOfMemory ? 'was disposed after it ran out of memory' : 'is closed'
    this.#rejectAll(() => makeError('ERR_CLOSED', `${this.#label()} ${why}`))
    if (this.#exit !== null) {
      this.#exit.resolve()
      this.#unhold(true)
    }
  }
}

module.exports = { Thread }
