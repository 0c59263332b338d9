'use strict'
// ThreadPool: poolSize threads of one context (API.md §1).

const { EventEmitter } = require('node:events')
const { Slot, encodeData } = require('./slot')
const { PoolGroup } = require('../native/binding.js')
const { makeError } = require('./errors')
const opts = require('./options')
const inspect = require('./inspect')

const SCHEDULERS = ['round-robin', 'least-busy']
const SAMPLES = 4096

/** Recent samples (a ring) plus a running mean, for wait/run times. */
class Samples {
  #ring = new Float64Array(SAMPLES)
  #n = 0
  #sum = 0
  add(ms) {
    this.#ring[this.#n % SAMPLES] = ms
    this.#n++
    this.#sum += ms
  }
  summary() {
    if (this.#n === 0) return { mean: 0, p50: 0, p99: 0 }
    const recent = this.#ring.slice(0, Math.min(this.#n, SAMPLES)).sort()
    const at = (p) => recent[Math.min(recent.length - 1, Math.floor(p * recent.length))]
    return { mean: this.#sum / this.#n, p50: at(0.5), p99: at(0.99) }
  }
}

function checkPoolSize(n) {
  if (!Number.isInteger(n) || n < 1) throw opts.invalid(`poolSize must be an integer ≥ 1, got ${String(n)}`)
  return n
}

function checkMaxQueue(v, poolSize) {
  if (v === undefined || v === Infinity) return Infinity
  if (v === 'auto') return poolSize * poolSize
  if (!Number.isInteger(v) || v < 0) throw opts.invalid(`maxQueue must be an integer ≥ 0, Infinity or 'auto', got ${String(v)}`)
  return v
}

/**
 * `poolSize` threads running the same context. Calls go to the thread with
 * the fewest calls in flight (`least-busy`, ties in round-robin order) or to
 * thread n mod size (`round-robin`). Emits `'message'` `(value, { threadId })`
 * as Thread does.
 */
class ThreadPool extends EventEmitter {
  #slots
  #threads
  #scheduler
  #maxQueue
  #timeout
  #reffed
  #next = 0
  #closing = false
  #ended = false
  #closePromise = null
  #destroyPromise = null
  #completed = 0
  #failed = 0
  #wait = new Samples()
  #refused = null
  #run = new Samples()

  /**
   * @param {Function} context returns the function to run; evaluated once in each thread
   * @param {number} poolSize how many threads
   * @param {{ memoryLimit?: number, timeout?: number, name?: string, reffed?: boolean, scheduler?: 'round-robin'|'least-busy', maxQueue?: number|'auto', host?: Record<string, Function> }} [options]
   */
  constructor(context, poolSize, options) {
    super()
    const o = opts.checkObject(options, 'options')
    const source = opts.contextSource(context)
    checkPoolSize(poolSize)
    const memoryLimit = opts.checkMemoryLimit(o.memoryLimit)
    this.#timeout = opts.checkTimeout(o.timeout)
    const name = opts.checkName(o.name)
    this.#reffed = opts.checkBoolean(o.reffed, 'reffed', true)
    const scheduler = o.scheduler === undefined ? 'least-busy' : o.scheduler
    if (!SCHEDULERS.includes(scheduler)) throw opts.invalid(`scheduler must be 'round-robin' or 'least-busy', got ${String(scheduler)}`)
    this.#scheduler = scheduler
    this.#maxQueue = checkMaxQueue(o.maxQueue, poolSize)
    const host = opts.checkHost(o.host)
    const onThreadMessage = (value, info) => { this.emit('message', value, info) }
    const onDone = (waitMs, runMs, failed) => {
      this.#completed++
      if (failed) this.#failed++
      this.#wait.add(waitMs)
      this.#run.add(runMs)
    }
    // Least-busy threads share their queues: an idle thread takes calls
    // still queued on a busy one (round-robin places every call for good).
    const group = scheduler === 'least-busy' && poolSize > 1 ? new PoolGroup() : undefined
    // Each thread builds its isolate on its own OS thread: start-up is parallel.
    const extras = inspect.inspectExtras(o, opts.contextOrigin(context, source))
    const data = encodeData(o.data)
    const slots = Array.from({ length: poolSize }, () => new Slot(source, { memoryLimit, name, respawn: true, onDone, group, host, onThreadMessage, extras, data }))
    // Threads the process had no room for (the JS heap ceiling, API.md §7)
    // are left out: their calls queue on the others; with none started,
    // every call rejects with ERR_MEMORY_LIMIT.
    this.#slots = slots.filter((s) => s.refusal === undefined)
    if (this.#slots.length === 0) this.#refused = slots[0]
  }

  /**
   * The pool's threads, each with `threadId`, `inspectorUrl`, `profile(fn)`,
   * `heapSnapshot()` and `stats()`.
   */
  get threads() {
    if (this.#threads === undefined) this.#threads = Object.freeze(this.#slots.map((s) => new inspect.PoolThread(s)))
    return this.#threads
  }

  /** Threads in the pool (0 once close()/destroy() has resolved). */
  get size() { return this.#ended ? 0 : this.#slots.length }

  /** Calls waiting behind a running call. */
  get queueLength() {
    let n = 0
    for (const s of this.#slots) if (s.calls.size > 1) n += s.calls.size - 1
    return n
  }

  /** Run the function on one of the threads. */
  run(...args) {
    if (this.#closing) return Promise.reject(makeError('ERR_CLOSED', 'the pool is closed'))
    if (this.#refused !== null) return Promise.reject(this.#refused.closedError())
    const slot = this.#pick()
    if (this.#queueFull(slot)) return Promise.reject(this.#queueFullError())
    return slot.call(args, this.#timeout, this.#reffed)
  }

  /** Run with `{ args, transfer, timeout, signal, onMessage }`. */
  runWith(options) {
    try {
      const c = opts.checkRunOptions(options, this.#timeout)
      if (this.#closing) throw makeError('ERR_CLOSED', 'the pool is closed')
      if (this.#refused !== null) throw this.#refused.closedError()
      const slot = this.#pick()
      if (this.#queueFull(slot)) throw this.#queueFullError()
      c.reffed = this.#reffed
      return slot.submit(c)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** A call for `slot` would wait, and the queue holds maxQueue calls. */
  #queueFull(slot) {
    return this.#maxQueue !== Infinity && slot.calls.size > 0 && this.queueLength >= this.#maxQueue
  }

  #queueFullError() {
    return makeError('ERR_QUEUE_FULL', `every thread is busy and the queue is full (maxQueue ${this.#maxQueue})`)
  }

  #pick() {
    const slots = this.#slots
    const n = slots.length
    const start = this.#next++ % n
    if (this.#scheduler === 'round-robin') return slots[start]
    let best = slots[start]
    for (let i = 1; i < n && best.calls.size > 0; i++) {
      const s = slots[(start + i) % n]
      if (s.calls.size < best.calls.size) best = s
    }
    return best
  }

  /** New calls reject with ERR_CLOSED; every call made finishes; then the threads go. */
  close() {
    if (this.#closePromise === null) {
      this.#closing = true
      this.#closePromise = Promise.all(this.#slots.map((s) => s.close())).then(() => { this.#ended = true })
    }
    return this.#closePromise
  }

  /** Running and queued calls reject with ERR_CLOSED at once; the threads go. */
  destroy() {
    if (this.#destroyPromise === null) {
      this.#closing = true
      this.#destroyPromise = Promise.all(this.#slots.map((s) => s.dispose('the pool was destroyed'))).then(() => { this.#ended = true })
    }
    return this.#destroyPromise
  }

  /** Same as destroy() (isolated-threads' name). */
  dispose() { return this.destroy() }

  /** Keep the process alive while calls are in flight (the default). */
  ref() { this.#reffed = true; for (const s of this.#slots) s.setReffed(true); return this }

  /** Let the process exit even with calls in flight. */
  unref() { this.#reffed = false; for (const s of this.#slots) s.setReffed(false); return this }

  /** Counters and timings (API.md §7); waitTime/runTime in ms over recent calls. */
  stats() {
    const threads = this.#slots.map((s) => s.stats())
    let active = 0
    for (const t of threads) active += t.active
    return {
      size: this.size,
      completed: this.#completed,
      failed: this.#failed,
      active,
      queued: this.queueLength,
      waitTime: this.#wait.summary(),
      runTime: this.#run.summary(),
      threads,
    }
  }
}

module.exports = { ThreadPool }
