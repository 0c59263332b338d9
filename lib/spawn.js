'use strict'
// spawn() / async() (API.md §4): one-shot threads. `fn(res, rej, info)`
// settles at the first of res(), rej(), a returned promise settling, or the
// thread's event loop running empty (undefined).

const { Slot } = require('./slot')
const { makeError } = require('./errors')
const opts = require('./options')

function spawnSource(fn) {
  return `() => (args) => new Promise((resolve, reject) => {
    const res = (...values) => resolve(values.length > 1 ? values : values[0])
    const fn = (${opts.contextSource(fn)})
    const r = fn(res, reject, { threadId, args })
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') r.then(resolve, reject)
  })`
}

/**
 * Run `fn(res, rej, { threadId, args })` in a new thread.
 * @param {Function} fn
 * @param {{ args?: any[], memoryLimit?: number }} [options]
 */
function spawn(fn, options) {
  if (typeof fn !== 'function') throw opts.invalid('spawn() takes a function')
  const o = opts.checkObject(options, 'spawn options')
  const args = o.args === undefined ? [] : o.args
  if (!Array.isArray(args)) throw opts.invalid('args must be an array')
  const memoryLimit = opts.checkMemoryLimit(o.memoryLimit)
  const slot = new Slot(spawnSource(fn), { memoryLimit, oneShot: true })
  let done = false
  let ended = null // 'clean' | 'kill'
  const result = slot.submit({ args: [args], reffed: true })
  result.then(() => { done = true }, () => { done = true })
  result.catch(() => {}) // the handle's await() reports it
  const closed = () => makeError('ERR_CLOSED', `the spawned thread was ${ended === 'kill' ? 'killed' : 'cleaned'}`)
  const handle = {
    /**
     * The value, or undefined once `timeoutMs` passed (the thread keeps
     * running, or is killed when `keep` is false).
     */
    await(timeoutMs, keep = true) {
      if (ended !== null) return Promise.reject(closed())
      if (timeoutMs === undefined) return result
      if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(opts.invalid('timeoutMs must be a number ≥ 0'))
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!keep) handle.kill()
          resolve(undefined)
        }, timeoutMs)
        result.then((v) => { clearTimeout(timer); resolve(v) }, (e) => { clearTimeout(timer); reject(e) })
      })
    },
    /** Free the thread; a later await() rejects with ERR_CLOSED. */
    clean() {
      if (ended === null) ended = 'clean'
      slot.dispose('the spawned thread was cleaned')
    },
    /** Terminate the thread; a pending await() rejects with ERR_CLOSED. */
    kill() {
      if (ended === null) ended = 'kill'
      slot.dispose('the spawned thread was killed')
    },
    /** True once it settled. */
    get done() { return done },
    /** The thread's id. */
    get threadId() { return slot.id },
  }
  return handle
}

module.exports = { spawn }
