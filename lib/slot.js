'use strict'
// One isolate thread seen from the host: its calls in flight, how they
// settle, and its end. Thread wraps one slot; ThreadPool many.

const { host, register, hold, release, encodeFor, decodeFrom, failure } = require('./host')
const { makeError } = require('./errors')

let nextCallId = 1
/** Calls in flight on every thread of this environment. */
let inFlight = 0

/**
 * How long (µs) `run()` may wait on the host for a fast call's answer before
 * returning to the event loop. A parked event loop takes tens of µs to wake,
 * more than a whole small call; waiting briefly is only done for a thread
 * whose recent calls answered within the window.
 */
const SPIN_US = 30

/** A new promise with its settle functions. */
function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

class Slot {
  /**
   * @param {string} source context source
   * @param {{ memoryLimit: number, name?: string, respawn?: boolean, onDone?: Function }} o
   */
  constructor(source, o) {
    const mod = typeof source === 'string' ? undefined : source
    this.native = mod === undefined
      ? host.spawn(source, o.memoryLimit, o.name, o.respawn === true, o.oneShot === true)
      : host.spawn('', o.memoryLimit, o.name, o.respawn === true, o.oneShot === true, mod.module, mod.export)
    this.id = this.native.id
    this.name = o.name
    this.respawn = o.respawn === true
    /** Called after every settled call: (waitMs, runMs, failed). */
    this.onDone = o.onDone
    /** call id → { resolve, reject, unlisten, reffed } */
    this.calls = new Map()
    this.holds = 0
    this.exited = false
    this.closed = false
    this.exit = null
    this.misses = 0
    this.sinceProbe = 0
    /** `parent.sendMessage(value)` inside the thread. */
    this.onMessage = o.onMessage
    /** An error nobody caught inside (default: console.error naming the thread). */
    this.onUncaught = o.onUncaught
    register(this.id, this)
  }

  label() {
    return this.name !== undefined ? `thread "${this.name}"` : `thread ${this.id}`
  }

  /**
   * Queue one call of the thread's function. Never throws for a call's own
   * failures: returns its promise.
   * @param {{ args: any[], transfer?: any[], timeout?: number, signal?: AbortSignal, reffed: boolean }} c
   */
  submit(c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'args', c.transfer)
    return this.enqueue(c, (id, spin) => this.native.run(id, bytes, shared, transferred, c.timeout, spin))
  }

  /** Queue task `name` of `defs` (a native Definitions) in a fresh context. */
  submitTask(defs, name, c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'params', c.transfer)
    return this.enqueue(c, (id) => this.native.task(id, defs, name, bytes, shared, transferred, c.timeout))
  }

  /** Make this thread a service of `defs`; settles once it is initialized. */
  submitServiceStart(defs, reffed) {
    return this.enqueue({ reffed }, (id) => this.native.serviceStart(id, defs))
  }

  /** Queue a call of the service's task `name`. */
  submitServiceCall(name, c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'params', c.transfer)
    return this.enqueue(c, (id, spin) => this.native.serviceCall(id, name, bytes, shared, transferred, c.timeout, spin))
  }

  /** Send `value` to the thread's `parent.onMessage` listeners. */
  postMessage(value, transfer) {
    const { bytes, shared, transferred } = encodeFor(value, 'message', transfer)
    return this.native.message(bytes, shared, transferred)
  }

  /**
   * Register a call, let `send(id, spinUs)` queue it, wire its abort signal.
   * Only a lone call in flight (the `await t.run()` loop) is worth waiting
   * for on the host: `spinUs` is 0 otherwise.
   */
  enqueue(c, send) {
    const id = nextCallId++
    const d = deferred()
    const call = { resolve: d.resolve, reject: d.reject, unlisten: undefined, reffed: c.reffed }
    this.calls.set(id, call)
    inFlight++
    this.hold(call.reffed)
    const spin = inFlight === 1 && this.shouldSpin() ? SPIN_US : 0
    if (!send(id, spin)) {
      this._exited(false) // the isolate ended (out of memory) while idle
      return d.promise
    }
    if (spin > 0) this.misses = this.calls.has(id) ? this.misses + 1 : 0
    const signal = c.signal
    if (signal !== undefined && this.calls.has(id)) {
      const onAbort = () => {
        this.native.cancel(id)
        this.finish(id, false, makeError('ERR_ABORTED', 'the call was aborted', { cause: signal.reason }))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      call.unlisten = () => signal.removeEventListener('abort', onAbort)
    }
    return d.promise
  }

  /** Spin while calls answer within the window; after 3 misses, probe once every 64 calls. */
  shouldSpin() {
    if (this.misses < 3) return true
    if (++this.sinceProbe < 64) return false
    this.sinceProbe = 0
    return true
  }

  /** Finish every queued call, then end; resolves when the isolate is gone. */
  close() {
    this.closed = true
    const p = this.exitPromise()
    if (!this.exited) this.native.close()
    return p
  }

  /** End now: calls in flight reject with ERR_CLOSED. */
  dispose(message) {
    this.closed = true
    const p = this.exitPromise()
    if (!this.exited) this.native.dispose()
    this.rejectAll(() => makeError('ERR_CLOSED', message || `${this.label()} was disposed`))
    return p
  }

  setReffed(on) {
    for (const call of this.calls.values()) {
      if (call.reffed !== on) {
        call.reffed = on
        this.hold(on)
        this.unhold(!on)
      }
    }
  }

  stats() {
    const [runs, failures, heapUsed, heapLimit, cpuTimeMs] = this.native.stats()
    const inFlight = this.calls.size
    return {
      name: this.name,
      threadId: this.id,
      runs,
      failures,
      active: inFlight > 0 ? 1 : 0,
      queue: inFlight > 1 ? inFlight - 1 : 0,
      heapUsed,
      heapLimit,
      cpuTimeMs,
    }
  }

  hold(reffed) {
    hold(this.id, this, reffed, this.holds++ === 0)
  }

  unhold(reffed) {
    this.holds--
    release(this.id, reffed, this.holds === 0)
  }

  exitPromise() {
    if (this.exit === null) {
      this.exit = deferred()
      if (this.exited || this.native.finished) {
        this.exited = true
        this.exit.resolve()
      } else {
        this.hold(true) // a pending close keeps the process alive
      }
    }
    return this.exit.promise
  }

  finish(id, ok, value) {
    const call = this.calls.get(id)
    if (call === undefined) return false
    this.calls.delete(id)
    inFlight--
    if (call.unlisten !== undefined) call.unlisten()
    this.unhold(call.reffed)
    if (ok) call.resolve(value)
    else call.reject(value)
    return true
  }

  rejectAll(makeErr) {
    for (const id of [...this.calls.keys()]) this.finish(id, false, makeErr())
  }

  /** @internal a call settled on the thread (from host.js) */
  _settle(id, status, bytes, shared, transferred, codeAndMessage, waitUs, runUs) {
    if (!this.calls.has(id)) return
    let ok = status === 0
    let value
    if (status === 2) {
      value = failure(codeAndMessage, bytes, shared, transferred)
      // A lone thread that ran out of memory is being disposed: closed now.
      if (value.code === 'ERR_MEMORY_LIMIT' && !this.respawn) this.closed = true
    } else {
      try {
        value = decodeFrom(bytes, shared, transferred)
      } catch (err) {
        value = err
        ok = false
      }
    }
    if (this.onDone !== undefined) this.onDone(waitUs / 1000, runUs / 1000, !ok)
    this.finish(id, ok, value)
  }

  /** @internal a message from the thread (from host.js) */
  _message(value) {
    if (this.onMessage !== undefined) this.onMessage(value)
  }

  /** @internal an uncaught error inside the thread (from host.js) */
  _uncaught(error) {
    if (this.onUncaught !== undefined) this.onUncaught(error)
    else console.error(`Uncaught exception in ${this.label()}:`, error)
  }

  /** @internal the isolate is gone (from host.js) */
  _exited(outOfMemory) {
    if (this.exited) return
    this.exited = true
    this.closed = true
    const why = outOfMemory ? 'was disposed after it ran out of memory' : 'is closed'
    this.rejectAll(() => makeError('ERR_CLOSED', `${this.label()} ${why}`))
    if (this.exit !== null) {
      this.exit.resolve()
      this.unhold(true)
    }
  }
}

module.exports = { Slot, deferred }
