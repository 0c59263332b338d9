'use strict'
// Thread: one isolate on its own OS thread (API.md §1).

const { EventEmitter } = require('node:events')
const { Slot, encodeData } = require('./slot')
const opts = require('./options')
const inspect = require('./inspect')

/**
 * A V8 isolate on its own thread, running the function its `context` returns.
 * Emits `'message'` `(value, { threadId })` for `parent.sendMessage(value)`
 * of a call made without its own `onMessage` (or of no call).
 */
class Thread extends EventEmitter {
  #slot
  #timeout
  #reffed
  #closePromise = null
  #disposePromise = null

  /**
   * @param {Function|{ module: string|URL, export?: string }} context returns the function to run; evaluated once inside the thread (given `options.data`)
   * @param {{ memoryLimit?: number, timeout?: number, name?: string, reffed?: boolean, host?: Record<string, Function>, inspect?: boolean|number|string, inspectBrk?: boolean, data?: any }} [options]
   */
  constructor(context, options) {
    super()
    const o = opts.checkObject(options, 'options')
    const source = opts.contextSource(context)
    const memoryLimit = opts.checkMemoryLimit(o.memoryLimit)
    this.#timeout = opts.checkTimeout(o.timeout)
    const name = opts.checkName(o.name)
    this.#reffed = opts.checkBoolean(o.reffed, 'reffed', true)
    const host = opts.checkHost(o.host)
    const onThreadMessage = (value, info) => { this.emit('message', value, info) }
    const data = encodeData(o.data)
    const extras = inspect.inspectExtras(o, opts.contextOrigin(context, source))
    this.#slot = new Slot(source, { memoryLimit, name, host, onThreadMessage, extras, data })
  }

  /** The DevTools WebSocket URL (`inspect` option), else undefined. */
  get inspectorUrl() { return this.#slot.native.inspectorUrl ?? undefined }

  /**
   * Run `fn` (which makes calls on this thread) under the thread's CPU
   * profiler; resolves with the `.cpuprofile` object.
   * @param {(thread: Thread) => any} fn
   * @param {{ samplingInterval?: number }} [options] µs between samples
   */
  profile(fn, options) { return inspect.profile(this.#slot, fn, this, options) }

  /** A heap snapshot of the thread, as a `.heapsnapshot` string. */
  heapSnapshot() { return inspect.heapSnapshot(this.#slot) }

  /** The thread's id (also `threadId` inside the thread). */
  get threadId() { return this.#slot.id }

  /** True from the moment close()/dispose() is called or the thread died. */
  get closed() { return this.#slot.closed }

  /** Run the function with these arguments; resolves with its (awaited) result. */
  run(...args) {
    if (this.#slot.closed) return Promise.reject(this.#slot.closedError())
    return this.#slot.call(args, this.#timeout, this.#reffed)
  }

  /**
   * Run with options: `{ args, transfer, timeout, signal, onMessage }`.
   * @returns {Promise<any>}
   */
  runWith(options) {
    try {
      const c = opts.checkRunOptions(options, this.#timeout)
      if (this.#slot.closed) throw this.#slot.closedError()
      c.reffed = this.#reffed
      return this.#slot.submit(c)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Stop taking calls, let every call made finish, then dispose the isolate. */
  close() {
    if (this.#closePromise === null) this.#closePromise = this.#slot.close()
    return this.#closePromise
  }

  /** Stop now: running and queued calls reject with ERR_CLOSED. */
  dispose() {
    if (this.#disposePromise === null) this.#disposePromise = this.#slot.dispose()
    return this.#disposePromise
  }

  /** `await using t = new Thread(…)`: close() when the scope ends. */
  [opts.asyncDispose]() { return this.close() }

  /** Keep the process alive while calls are in flight (the default). */
  ref() { this.#reffed = true; this.#slot.setReffed(true); return this }

  /** Let the process exit even with calls in flight. */
  unref() { this.#reffed = false; this.#slot.setReffed(false); return this }

  /** Counters and heap figures (API.md §7). */
  stats() { return this.#slot.stats() }
}

module.exports = { Thread }
