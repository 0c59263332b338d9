'use strict'
// The global pool (API.md §2 `pool`): one process-wide scheduler that every
// define() task and service goes through. A task holds a thread while it
// runs; a running service holds one for its whole life (as in nanolith).
// Idle threads are kept for the next item and never keep the process alive.

const os = require('node:os')
const { Slot } = require('./slot')
const { hold, release } = require('./host')
const { Owner } = require('../native/binding.js')
const { PriorityQueue } = require('./queue')
const opts = require('./options')

/** Threads per core. */
const ConcurrencyOption = Object.freeze({
  Quarter: 'Quarter',
  Half: 'Half',
  Default: 'Default',
  x1: 'x1',
  x2: 'x2',
  x4: 'x4',
  x6: 'x6',
  x8: 'x8',
  x10: 'x10',
})
const PER_CORE = { Quarter: 0.25, Half: 0.5, Default: 1, x1: 1, x2: 2, x4: 4, x6: 6, x8: 8, x10: 10 }
const QUEUE_HOLD_ID = Owner.Host // the owner id under which queued items keep the process alive
const TASK_MEMORY_MB = 128

class GlobalPool {
  #option = ConcurrencyOption.Default
  #max = maxFor(ConcurrencyOption.Default)
  #queue
  #active = 0
  #idle = []
  #queuedRefs = 0

  /** @param {{ size: number, push: Function, shift: Function, remove: Function, peek?: Function }} [queue] */
  constructor(queue = new PriorityQueue()) {
    this.#queue = queue
  }

  /** Threads per core, from a `ConcurrencyOption` (never below one thread). */
  setConcurrency(option) {
    if (!(option in PER_CORE)) throw opts.invalid(`unknown ConcurrencyOption ${String(option)}`)
    this.#option = option
    this.#max = maxFor(option)
    while (this.#idle.length > this.#max) this.#idle.pop().dispose()
    this.#drain()
  }

  /** Most threads that run at once. */
  get maxConcurrency() { return this.#max }
  /** True when every thread is taken. */
  get maxed() { return this.#active >= this.#max }
  /** Items waiting for a thread. */
  get queueLength() { return this.#queue.size }
  /** Threads running a task or a service. */
  get activeCount() { return this.#active }
  /** True when no thread is taken. */
  get idle() { return this.#active === 0 }
  /** What runs next: `'task'`, `'service'`, or undefined when the queue is empty. */
  get next() {
    const item = this.#queue.peek ? this.#queue.peek() : undefined
    return item === undefined ? undefined : item.kind
  }
  /** The current ConcurrencyOption. */
  get option() { return this.#option }

  /**
   * Queue an item: `{ kind, priority, reffed, memoryLimit?, start(slot) → Promise<keep: boolean>, fail(err) }`
   * (`fail`: no thread could be started for it).
   * `start` gets a thread; its promise settles when the thread is free again
   * (`true`: keep it for the next item).
   */
  enqueue(item) {
    this.#queue.push(item)
    if (item.reffed) this.#queuedRefs++
    if (item.reffed) hold(QUEUE_HOLD_ID, this, true)
    this.#drain()
  }

  /** Take an item back out of the queue (abort before it started). */
  remove(item) {
    if (!this.#queue.remove(item)) return false
    this.#unqueued(item)
    return true
  }

  #unqueued(item) {
    if (item.reffed) {
      this.#queuedRefs--
      release(QUEUE_HOLD_ID, true, this.#queuedRefs === 0)
    }
  }

  #drain() {
    while (this.#active < this.#max && this.#queue.size > 0) {
      const item = this.#queue.shift()
      this.#unqueued(item)
      const custom = item.memoryLimit !== undefined && item.memoryLimit !== TASK_MEMORY_MB
      let slot
      try {
        slot = (!custom && this.#idle.pop()) || new Slot('', { memoryLimit: item.memoryLimit || TASK_MEMORY_MB, respawn: true })
      } catch (err) {
        // The system would not start a thread: the item was taken off the
        // queue, so its promise rejects here (it may be a later turn's drain).
        item.fail(err)
        continue
      }
      this.#active++
      Promise.resolve()
        .then(() => item.start(slot))
        .then((keep) => keep === true && !custom && !slot.closed, () => false)
        .then((keep) => {
          this.#active--
          if (keep && this.#idle.length < this.#max) this.#idle.push(slot)
          else slot.close()
          if (item.released !== undefined) item.released()
          this.#drain()
        })
    }
  }

  /**
   * @internal A service is closing and its isolate goes with it: start a
   * thread in its place now, while the old one is torn down, so the next
   * launchService or task finds a started thread (README "Choices").
   */
  _replaceSoon() {
    if (this.#idle.length === 0 && this.#queue.size === 0 && this.#active <= this.#max) {
      this.#idle.push(new Slot('', { memoryLimit: TASK_MEMORY_MB, respawn: true }))
    }
  }

  /** @internal liveness bookkeeping hooks (host.js calls these on owners) */
  _exited() {}
}

function maxFor(option) {
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length
  return Math.max(1, Math.floor(cores * PER_CORE[option]))
}

const pool = new GlobalPool()

module.exports = { pool, GlobalPool, ConcurrencyOption }
