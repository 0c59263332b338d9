'use strict'
// ThreadsManager (API.md §3): identified sandboxes that receive events.

const { EventEmitter } = require('node:events')
const { Slot } = require('./slot')
const { makeError } = require('./errors')
const opts = require('./options')

/** The thread's context: `this` object, event dispatch, then `func` runs once. */
function sandboxSource(func) {
  return `() => {
    const self = {}
    parent.onMessage((m) => {
      const [event, data] = m
      if (typeof self[event] !== 'function') throw new Error('unknown event ' + JSON.stringify(event))
      self[event](data)
    })
    const func = (${opts.contextSource(func)})
    return (data) => func.call(self, data, (x) => parent.sendMessage(x))
  }`
}

class ThreadsManager extends EventEmitter {
  #threads = new Map()

  /**
   * Run `func` in a new thread under `identifier`, with `this` bound to a
   * per-thread object; `message(x)` inside delivers `x` to `callback`.
   */
  run(func, identifier, data, callback) {
    if (typeof func !== 'function') throw opts.invalid('run() takes a function')
    if (callback !== undefined && typeof callback !== 'function') throw opts.invalid('callback must be a function')
    if (this.#threads.has(identifier)) throw makeError('ERR_ALREADY_RUNNING', `a thread runs under ${JSON.stringify(identifier)} already`)
    const slot = new Slot(sandboxSource(func), {
      memoryLimit: 128,
      name: String(identifier),
      onMessage: (x) => { if (callback !== undefined) callback(x) },
      onUncaught: (error) => this.#error(identifier, error),
    })
    slot.hold(true) // alive, and keeping the process alive, until killed
    this.#threads.set(identifier, slot)
    // API.md §3: `data = {}` when it is not given
    slot.submit({ args: [data === undefined ? {} : data], reffed: true }).catch((error) => {
      if (error && error.code === 'ERR_CLOSED') return
      this.#error(identifier, error)
    })
  }

  /** Call `this[event](data)` inside the thread running under `identifier`. */
  send(identifier, event, data) {
    const slot = this.#get(identifier)
    slot.postMessage([event, data])
  }

  /** Stop the thread running under `identifier`. */
  kill(identifier) {
    const slot = this.#get(identifier)
    this.#threads.delete(identifier)
    slot.unhold(true)
    slot.dispose(`the thread ${JSON.stringify(identifier)} was killed`)
  }

  /** Stop every thread. */
  killAll() {
    for (const id of [...this.#threads.keys()]) this.kill(id)
  }

  /** Identifiers of the running threads. */
  get identifiers() { return [...this.#threads.keys()] }

  #get(identifier) {
    const slot = this.#threads.get(identifier)
    if (slot === undefined) throw makeError('ERR_NOT_RUNNING', `no thread runs under ${JSON.stringify(identifier)}`)
    return slot
  }

  #error(identifier, error) {
    if (this.listenerCount('error') > 0) this.emit('error', { identifier, error })
    else console.error(`Uncaught exception in thread ${JSON.stringify(identifier)}:`, error)
  }
}

module.exports = { ThreadsManager }
