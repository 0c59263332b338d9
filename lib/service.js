'use strict'
// Service: a long-lived context on a global-pool thread (API.md §2).

const { makeError } = require('./errors')
const opts = require('./options')
const { deferred } = require('./slot')
const { messengerName } = require('./messenger')
const { StreamHub } = require('./streams')
const { Listeners } = require('./listeners')

class Service {
  #slot
  #defs
  #names
  #options
  #listeners = new Listeners()
  #end = deferred()
  #closing = null
  #reffed = false
  #streams
  #onClose
  /** Resolved by the global pool once it took the thread back. */
  released = null

  /** @internal use `api.launchService()` */
  constructor(slot, defs, names, identifier, options, onClose) {
    this.#slot = slot
    this.#onClose = onClose
    this.#defs = defs
    this.#names = names
    this.#options = options
    /** The define() API's identifier. */
    this.identifier = identifier
    this.#streams = new StreamHub((value) => slot.postMessage(value))
    slot.onMessage = (value) => {
      if (this.#streams.handle(value)) return
      this.#listeners.emit(value)
    }
    slot.onUncaught = (error) => {
      const handler = options.exceptionHandler
      if (handler !== undefined) handler({ error })
      else console.error(`Uncaught exception in service ${identifier} (thread ${slot.id}):`, error)
    }
  }

  /** @internal */
  _start() {
    const reffed = this.#options.reffed !== false
    for (const m of this.#options.messengers || []) this.#slot.native.attachMessenger(messengerName(m))
    // A running service keeps the process alive until it is closed.
    if (reffed) this.#slot.hold(true)
    this.#reffed = reffed
    // Launching is a call in flight: it keeps the process alive until it settles.
    // Its answer comes through the event loop: the host does not wait for
    // it on its own thread (README "Choices": that held a core the service's
    // thread and the spare being made needed).
    const started = this.#slot.submitServiceStart(this.#defs, true)
    started.catch(() => this.#unhold())
    return started
  }

  #unhold() {
    if (this.#reffed) {
      this.#reffed = false
      this.#slot.unhold(true)
    }
  }

  /** @internal resolves `true`/`false` when the service ended (keep the thread?) */
  _ended() { return this.#end.promise }

  /** The service's thread id. */
  get threadID() { return this.#slot.id }
  /** True once close() was called or the thread died. */
  get closed() { return this.#closing !== null || this.#slot.closed }
  /** Calls in flight. */
  get activeCalls() { return this.#slot.calls.size }

  /**
   * Call a task of the service: `{ name, params, timeout, signal, transfer }`.
   * @returns {Promise<any>}
   */
  call(options) {
    // The common call, `{ name, params }` and no other option, takes the
    // lean path of Thread#run: no options copy, no extra promise, and a
    // task the thread was sent before (so checked before) crosses as its id.
    if (options !== null && typeof options === 'object' && options.transfer === undefined &&
        options.timeout === undefined && options.signal === undefined) {
      const name = options.name
      const params = options.params
      if ((params === undefined || Array.isArray(params)) && !this.closed) {
        const task = this.#slot.tasks.get(name)
        if (task !== undefined) return this.#slot.serviceCall(name, task, params === undefined ? [] : params)
        if (typeof name === 'string' && (this.#names === null || this.#names.has(name))) {
          return this.#slot.serviceCall(name, 0, params === undefined ? [] : params)
        }
      }
    }
    try {
      const o = opts.checkObject(options, 'call options')
      if (this.closed) throw makeError('ERR_CLOSED', `the service ${this.identifier} is closed`)
      if (typeof o.name !== 'string') throw opts.invalid('name must be a string (the task to run)')
      if (this.#names !== null && !this.#names.has(o.name)) throw makeError('ERR_UNKNOWN_TASK', `there is no task named ${JSON.stringify(o.name)}`)
      const c = opts.checkRunOptions({ args: o.params, transfer: o.transfer, timeout: o.timeout, signal: o.signal })
      c.reffed = false // the service itself keeps the process alive (unless launched unreffed)
      return this.#slot.submitServiceCall(o.name, c)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Calls in flight reject with ERR_CLOSED; resolves when the isolate is gone. */
  close() {
    if (this.#closing === null) {
      // The pool starts a thread in this one's place first (it takes the
      // spare isolate, and the next spare starts being made), then this
      // thread ends, waiting for that spare: the next launchService finds
      // its thread started and the spare after it ready. (Without the
      // wait, back-to-back launch, call and close took 0.2-0.5 ms or
      // 1.0-1.9 ms a launch, by whether the spare's making, ~1.2 ms of
      // CPU, was over.)
      try {
        if (this.#onClose !== undefined) this.#onClose()
      } catch {
        // The system would not start a thread in its place: the pool starts
        // one when the next task or launch comes, and that one gets the error.
      }
      const gone = this.#slot.dispose(`the service ${this.identifier} was closed`, true)
      this.#unhold()
      this.#closing = gone.then(() => {
        const released = deferred()
        this.released = released.resolve
        this.#end.resolve(false)
        return released.promise
      })
    }
    return this.#closing
  }

  /** `await using s = await api.launchService()`: close() when the scope ends. */
  [opts.asyncDispose]() { return this.close() }

  /** Send a message to the service's `parent.onMessage` listeners. */
  sendMessage(data, transfer) {
    if (this.closed) throw makeError('ERR_CLOSED', `the service ${this.identifier} is closed`)
    this.#slot.postMessage(data, transfer)
  }

  /** Listen to `parent.sendMessage()` of the service; returns a remover. */
  onMessage(cb) { return this.#listeners.on(cb) }

  /** Stop listening. */
  offMessage(cb) { this.#listeners.off(cb) }

  /** Give the service a Messenger: inside, `messengers.use(name)` resolves with it. */
  sendMessenger(messenger) {
    if (this.closed) throw makeError('ERR_CLOSED', `the service ${this.identifier} is closed`)
    this.#slot.native.attachMessenger(messengerName(messenger))
  }

  /** A Node Writable to the service; resolves once the service accepted the stream. */
  createStream(metaData) {
    if (this.closed) return Promise.reject(makeError('ERR_CLOSED', `the service ${this.identifier} is closed`))
    return this.#streams.create(metaData)
  }

  /** `cb(readable)` for each stream the service opens (`readable.metaData`); returns a remover. */
  onStream(cb) {
    if (typeof cb !== 'function') throw opts.invalid('onStream takes a function')
    return this.#streams.onStream(cb)
  }

  /** Resolves with the first message for which `predicate` is true. */
  waitForMessage(predicate) { return this.#listeners.wait(predicate) }
}

module.exports = { Service }
