'use strict'
// ThreadPool: poolSize threads of one context (API.md §1).

const { EventEmitter } = require('node:events')
const { Slot, encodeData } = require('./slot')
const { host: nativeHost } = require('./host')
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

function checkMinThreads(v, poolSize) {
  if (v === undefined) return poolSize
  if (!Number.isInteger(v) || v < 0 || v > poolSize) throw opts.invalid(`minThreads must be an integer from 0 to poolSize (${poolSize}), got ${String(v)}`)
  return v
}

function checkIdleTimeout(v) {
  if (v === undefined) return 1000
  if (typeof v !== 'number' || !(v >= 0)) throw opts.invalid(`idleTimeout must be a number ≥ 0 (ms), got ${String(v)}`)
  return v
}

/**
 * Options the pool reads itself, and names the thread plumbing uses inside
 * (never taken from the user); every other option goes to each thread.
 */
const POOL_OPTIONS = new Set(['memoryLimit', 'timeout', 'name', 'reffed', 'scheduler', 'maxQueue', 'minThreads', 'idleTimeout', 'host', 'inspect', 'inspectBrk',
  'respawn', 'oneShot', 'group', 'queue', 'capacity', 'onExit', 'onFinish', 'onDone', 'onMessage', 'onThreadMessage', 'onUncaught', 'extras'])

function checkMaxQueue(v, poolSize) {
  if (v === undefined || v === Infinity) return Infinity
  if (v === 'auto') return poolSize * poolSize
  if (!Number.isInteger(v) || v < 0) throw opts.invalid(`maxQueue must be an integer ≥ 0, Infinity or 'auto', got ${String(v)}`)
  return v
}

/**
 * Up to `poolSize` threads running the same context. With `'least-busy'`
 * (the default) calls wait in one queue of the pool's and a thread with no
 * call in flight takes the next (src/runtime/pool.rs); threads above
 * `minThreads` leave after `idleTimeout` ms idle and start again on demand.
 * With `'round-robin'`, call n goes to thread n mod size and waits there.
 * Emits `'message'` `(value, { threadId })` as Thread does, and `'drain'`
 * when `needsDrain` turns false.
 */
class ThreadPool extends EventEmitter {
  /** Open threads, in start order (round-robin: fixed, by turn). */
  #slots = []
  #threads
  #poolSize
  #minThreads
  /** Least-busy: the slot holding every call of the pool (its native queue). */
  #queue = null
  /** Makes one more thread: a Slot (maybe refused). */
  #spawn
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
  /** The last thread the process had no room for (ERR_MEMORY_LIMIT). */
  #refused = null
  #run = new Samples()
  /** needsDrain was seen true: 'drain' is due once it turns false. */
  #draining = false

  /**
   * @param {Function} context returns the function to run; evaluated once in each thread
   * @param {number} poolSize the most threads
   * @param {{ memoryLimit?: number, timeout?: number, name?: string, reffed?: boolean, scheduler?: 'round-robin'|'least-busy', maxQueue?: number|'auto', minThreads?: number, idleTimeout?: number, host?: Record<string, Function> }} [options]
   */
  constructor(context, poolSize, options) {
    super()
    const o = opts.checkObject(options, 'options')
    const source = opts.contextSource(context)
    checkPoolSize(poolSize)
    this.#poolSize = poolSize
    const memoryLimit = opts.checkMemoryLimit(o.memoryLimit)
    this.#timeout = opts.checkTimeout(o.timeout)
    const name = opts.checkName(o.name)
    this.#reffed = opts.checkBoolean(o.reffed, 'reffed', true)
    const scheduler = o.scheduler === undefined ? 'least-busy' : o.scheduler
    if (!SCHEDULERS.includes(scheduler)) throw opts.invalid(`scheduler must be 'round-robin' or 'least-busy', got ${String(scheduler)}`)
    this.#scheduler = scheduler
    this.#maxQueue = checkMaxQueue(o.maxQueue, poolSize)
    this.#minThreads = checkMinThreads(o.minThreads, poolSize)
    const idleTimeout = checkIdleTimeout(o.idleTimeout)
    if (scheduler === 'round-robin' && this.#minThreads < poolSize) {
      throw opts.invalid("minThreads below poolSize needs scheduler 'least-busy' (round-robin places calls on poolSize threads)")
    }
    const host = opts.checkHost(o.host)
    const onThreadMessage = (value, info) => { this.emit('message', value, info) }
    const onDone = (waitMs, runMs, failed) => {
      this.#completed++
      if (failed) this.#failed++
      this.#wait.add(waitMs)
      this.#run.add(runMs)
    }
    const extras = inspect.inspectExtras(o, opts.contextOrigin(context, source))
    // Options the pool does not read itself reach each thread as given.
    const rest = {}
    for (const key of Object.keys(o)) if (!POOL_OPTIONS.has(key)) rest[key] = o[key]
    // `data` is encoded once here (ERR_CLONE from the constructor) and
    // decoded by each thread, replacements included.
    const base = { ...rest, data: encodeData(o.data), memoryLimit, name, host, onThreadMessage, extras }
    const onFinish = () => this.#checkDrain()
    if (scheduler === 'round-robin') {
      // Each thread keeps its own calls; one that ran out of memory gets a
      // fresh isolate on the same queue.
      // One whose fresh isolate found no room ends: it leaves the turns, and
      // the next call starts a thread in its place when there is room.
      this.#spawn = () => {
        const slot = new Slot(source, { ...base, respawn: true, onDone, onFinish, onExit: () => this.#leftTurns(slot) })
        return slot
      }
    } else {
      const group = nativeHost.poolGroup(this.#minThreads, idleTimeout)
      this.#queue = new Slot('', { queue: group, capacity: poolSize, respawn: true, onDone, onFinish, onThreadMessage, name })
      this.#spawn = () => {
        const slot = new Slot(source, { ...base, group, onExit: () => this.#exited(slot) })
        // Held (unreffed) while open, so its end is heard even when idle.
        if (slot.refusal === undefined) slot.hold(false)
        // A lone call of the pool goes to the lane of a thread spinning for work.
        if (slot.lane !== undefined) this.#queue.lanes.push(slot.lane)
        return slot
      }
    }
    // Each thread builds its isolate on its own OS thread: start-up is parallel.
    this.#grow(this.#minThreads)
  }

  /**
   * Start threads until `want` are open (poolSize at most). Threads the
   * process has no room for (the JS heap ceiling, API.md §7) are left out:
   * their calls wait for the others, or for a later try.
   */
  #grow(want) {
    want = Math.min(want, this.#poolSize)
    while (this.#slots.length < want) {
      const slot = this.#spawn()
      if (slot.refusal !== undefined) {
        this.#refused = slot
        break
      }
      this.#refused = null
      this.#slots.push(slot)
      this.#threads = undefined
    }
  }

  /** Round-robin: a thread ended for good (its isolate could not be replaced). */
  #leftTurns(slot) {
    if (this.#closing || this.#destroyPromise !== null) return
    const i = this.#slots.indexOf(slot)
    if (i < 0) return
    this.#slots.splice(i, 1)
    this.#threads = undefined
  }

  /** Least-busy: a thread ended (closed, idle, out of memory). */
  #exited(slot) {
    const i = this.#slots.indexOf(slot)
    if (i < 0) return
    this.#slots.splice(i, 1)
    this.#threads = undefined
    slot.unhold(false)
    const lanes = this.#queue.lanes
    if (lanes.includes(slot.lane)) lanes.splice(lanes.indexOf(slot.lane), 1)
    if (this.#destroyPromise !== null) return
    // A thread replacing it gets a new threadId; calls still queued need one.
    const waiting = this.#queue.calls.size
    let failed // the system would not start a thread
    try {
      if (!this.#closing) this.#grow(Math.max(this.#minThreads, waiting))
      else if (this.#slots.length === 0 && waiting > 0) {
        this.#grow(1)
        for (const s of this.#slots) s.close()
      }
    } catch (err) {
      failed = err
    }
    if (this.#slots.length === 0 && this.#queue.calls.size > 0) {
      // No thread, and none can start: nothing would ever run them.
      this.#queue.rejectAll(() => failed ?? this.#refused.closedError())
    }
  }

  /**
   * The pool's threads, each with `threadId`, `inspectorUrl`, `profile(fn)`,
   * `heapSnapshot()` and `stats()`.
   */
  get threads() {
    if (this.#threads === undefined) this.#threads = Object.freeze(this.#slots.map((s) => new inspect.PoolThread(s)))
    return this.#threads
  }

  /** Threads open now (0 once close()/destroy() has resolved). */
  get size() { return this.#ended ? 0 : this.#slots.length }

  /** Calls waiting for a thread (none of them running). */
  get queueLength() {
    if (this.#queue !== null) return Math.max(0, this.#queue.calls.size - this.#slots.length)
    let n = 0
    for (const s of this.#slots) if (s.calls.size > 1) n += s.calls.size - 1
    return n
  }

  /** True while the queue holds poolSize calls or more, or reaches maxQueue. */
  get needsDrain() {
    const n = this.queueLength
    return n >= this.#poolSize || n >= this.#maxQueue
  }

  #checkDrain() {
    if (this.#draining && !this.needsDrain) {
      this.#draining = false
      this.emit('drain')
    }
  }

  /** Run the function on one of the threads. */
  run(...args) {
    const slot = this.#place()
    if (slot instanceof Error) return Promise.reject(slot)
    const p = slot.call(args, this.#timeout, this.#reffed)
    if (!this.#draining && this.needsDrain) this.#draining = true
    return p
  }

  /** Run with `{ args, transfer, timeout, signal, onMessage }`. */
  runWith(options) {
    try {
      const c = opts.checkRunOptions(options, this.#timeout)
      const slot = this.#place()
      if (slot instanceof Error) throw slot
      c.reffed = this.#reffed
      const p = slot.submit(c)
      if (!this.#draining && this.needsDrain) this.#draining = true
      return p
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Where the next call goes (the pool's queue, or a thread by turn), or why it cannot. */
  #place() {
    if (this.#closing) return makeError('ERR_CLOSED', 'the pool is closed')
    const q = this.#queue
    if (q === null) {
      // Threads the process had no room for are tried again (their turns then exist).
      if (this.#slots.length < this.#poolSize) this.#grow(this.#poolSize)
      if (this.#slots.length === 0) return this.#refused.closedError()
      const slot = this.#slots[this.#next++ % this.#slots.length]
      if (this.#maxQueue !== Infinity && slot.calls.size > 0 && this.queueLength >= this.#maxQueue) return this.#queueFullError()
      return slot
    }
    // Threads start on demand, as calls come with none free.
    if (q.calls.size >= this.#slots.length && this.#slots.length < this.#poolSize) this.#grow(q.calls.size + 1)
    if (this.#slots.length === 0) return this.#refused.closedError()
    if (this.#maxQueue !== Infinity && q.calls.size >= this.#poolSize && q.calls.size - this.#poolSize >= this.#maxQueue) return this.#queueFullError()
    return q
  }

  #queueFullError() {
    return makeError('ERR_QUEUE_FULL', `every thread is busy and the queue is full (maxQueue ${this.#maxQueue})`)
  }

  /** New calls reject with ERR_CLOSED; every call made finishes; then the threads go. */
  close() {
    if (this.#closePromise === null) {
      if (this.#queue !== null) this.#queue.outbox.flush()
      this.#closing = true
      this.#closePromise = this.#closeAll().then(() => { this.#ended = true })
    }
    return this.#closePromise
  }

  async #closeAll() {
    if (this.#queue === null) return void await Promise.all(this.#slots.map((s) => s.close()))
    // (a thread that died while closing may be replaced to finish the queue)
    while (this.#slots.length > 0) await Promise.all(this.#slots.map((s) => s.close()))
  }

  /** Running and queued calls reject with ERR_CLOSED at once; the threads go. */
  destroy() {
    if (this.#destroyPromise === null) {
      this.#closing = true
      const slots = [...this.#slots]
      const done = Promise.all(slots.map((s) => s.dispose('the pool was destroyed')))
      if (this.#queue !== null) {
        this.#queue.native.clear()
        this.#queue.outbox.clear()
        this.#queue.rejectAll(() => makeError('ERR_CLOSED', 'the pool was destroyed'))
      }
      this.#destroyPromise = done.then(() => { this.#ended = true })
    }
    return this.#destroyPromise
  }

  /** Same as destroy() (isolated-threads' name). */
  dispose() { return this.destroy() }

  /** `await using pool = new ThreadPool(…)`: close() at the end of the scope. */
  [Symbol.asyncDispose]() { return this.close() }

  /** Keep the process alive while calls are in flight (the default). */
  ref() { this.#reffed = true; for (const s of this.#holders()) s.setReffed(true); return this }

  /** Let the process exit even with calls in flight. */
  unref() { this.#reffed = false; for (const s of this.#holders()) s.setReffed(false); return this }

  #holders() { return this.#queue !== null ? [this.#queue] : this.#slots }

  /** Counters and timings (API.md §7); waitTime/runTime in ms over recent calls. */
  stats() {
    const threads = this.#slots.map((s) => s.stats())
    const queued = this.queueLength
    let active = 0
    if (this.#queue !== null) active = this.#queue.calls.size - queued
    else for (const t of threads) active += t.active
    return {
      size: this.size,
      completed: this.#completed,
      failed: this.#failed,
      active,
      queued,
      waitTime: this.#wait.summary(),
      runTime: this.#run.summary(),
      threads,
    }
  }
}

module.exports = { ThreadPool }
