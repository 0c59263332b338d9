'use strict'
// Message listeners as the host API exposes them (onMessage returns a
// remover, offMessage, waitForMessage(predicate)); shared by Service and
// Messenger. A throwing listener never stops the others: its error is
// rethrown asynchronously (an uncaught exception, as Node reports one).

const opts = require('./options')

class Listeners {
  #set = new Set()

  /** Add `cb`; returns a function that removes it. */
  on(cb) {
    if (typeof cb !== 'function') throw opts.invalid('onMessage takes a function')
    this.#set.add(cb)
    return () => { this.#set.delete(cb) }
  }

  /** Remove `cb`. */
  off(cb) { this.#set.delete(cb) }

  /**
   * Resolves with the first value for which `predicate` is true.
   * @param {(value: any) => unknown} [predicate]
   */
  wait(predicate = () => true) {
    return new Promise((resolve, reject) => {
      const off = this.on((m) => {
        let hit
        try { hit = predicate(m) } catch (e) { off(); reject(e); return }
        if (hit) { off(); resolve(m) }
      })
    })
  }

  /** Call every listener with `value`. */
  emit(value) {
    for (const cb of [...this.#set]) {
      try { cb(value) } catch (error) { queueMicrotask(() => { throw error }) }
    }
  }

  /** True when nobody listens. */
  get empty() { return this.#set.size === 0 }

  /** Drop every listener. */
  clear() { this.#set.clear() }
}

module.exports = { Listeners }
