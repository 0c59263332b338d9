'use strict'
// Calls bound for a thread that is already busy: held on the host and
// handed over in one native call per thread per microtask turn (or every
// BATCH calls). One Node-API crossing and at most one wake-up of the thread
// for many calls, as results come back in batches the other way; after a
// hand-over the host waits briefly for those results (WAIT_US).

const { PackedBytes } = require('./packed')
const { awaitInMicrotask } = require('./liveness')
const { turnSpent } = require('./host-events')
const { SpinGuess, TurnBudget } = require('./spin-guess')
const { RUN_BATCH_STRIDE: META, RunBatchField } = require('../native/binding.js')

/**
 * Hand a thread's calls over once this many wait: the threads start on the
 * first calls of a turn while the host still makes the rest. 64 in flight
 * on a pool of 2, alternated processes: 0.84-1.18M calls/s against
 * 0.68-0.82M/s when calls were handed over 64 at a time (8 did as well as
 * 16; a burst of 20,000 queued calls the same either way).
 */
const BATCH = 16
const F_CALL = RunBatchField.CallId
const F_LENGTH = RunBatchField.Length
const F_TIMEOUT = RunBatchField.TimeoutMs

/**
 * After handing calls over, the host waits this long (µs) for results
 * before it goes back to its event loop: with many calls in flight the
 * next batch of results usually comes within microseconds, while a parked
 * event loop takes tens to wake (64 in flight on a pool of 2, 12
 * alternated process pairs: 950 -> 1,085k calls/s, medians; the host's
 * CPU 0.86 -> 0.78 us a task).
 */
const WAIT_US = 30

/** Outboxes holding calls, flushed at the end of this microtask turn. */
let listed = []
/** Whether the wait after a hand-over pays (results came within it). */
const waitGuess = new SpinGuess()
/** At most 64 waits in a row, then the event loop gets a turn. */
const waits = new TurnBudget(64)
/** A settled promise: `settled.then(f)` runs `f` in a microtask. */
const settled = Promise.resolve()

function flushAll() {
  // Flushing may settle calls (a thread that ended) and user code may queue
  // more meanwhile: take the list first. A box flushed early is empty here.
  const boxes = listed
  listed = []
  for (const box of boxes) {
    box.listed = false
    box.flush()
  }
  if (waits.left() && waitGuess.should() && !turnSpent()) {
    waits.use()
    // After the microtasks this flush queued (a reaction of a settled
    // promise, not queueMicrotask: Node wraps each of those in an
    // AsyncResource).
    settled.then(waitForResults)
  }
}

/**
 * flushAll's wait: results that come within WAIT_US are settled now (the
 * calls they free make the next hand-over, and so the next wait), yielding
 * the core between looks so a thread sharing it can answer.
 */
function waitForResults() {
  waitGuess.saw(awaitInMicrotask(WAIT_US) !== 0)
}

class Outbox {
  /**
   * @param {{ runBatch(meta: Float64Array, bytes: Uint8Array): boolean }} native
   * @param {() => void} onEnded the thread has ended: the held calls are lost
   * @param {(id: number, error: unknown) => void} onFailed held call `id`
   *   could not be handed over (`runBatch` threw `error`): it never runs
   */
  constructor(native, onEnded, onFailed) {
    this.native = native
    this.onEnded = onEnded
    this.onFailed = onFailed
    this.meta = null
    this.bytes = new PackedBytes()
    this.n = 0
    this.listed = false
  }

  /** Hold call `id` (its encoded arguments are copied now); true, as a send. */
  add(id, bytes, timeout) {
    if (this.meta === null) this.meta = new Float64Array(BATCH * META)
    if (!this.listed) {
      this.listed = true
      if (listed.length === 0) queueMicrotask(flushAll)
      listed.push(this)
    }
    this.bytes.append(bytes)
    const m = this.n * META
    this.meta[m + F_CALL] = id
    this.meta[m + F_LENGTH] = bytes.length
    this.meta[m + F_TIMEOUT] = timeout === undefined ? NaN : timeout
    if (++this.n === BATCH) this.flush()
    return true
  }

  /** Hand every held call to the thread now (keeps calls in order). */
  flush() {
    const n = this.n
    if (n === 0) return
    this.n = 0
    const meta = this.meta.subarray(0, n * META)
    let sent
    try {
      sent = this.native.runBatch(meta, this.bytes.take())
    } catch (error) {
      // (No cause is known: the arrays are ours.) Each held call fails
      // rather than waits forever; the ids are read out first, as failing
      // a call may let its caller add calls here again.
      const ids = []
      for (let m = 0; m < meta.length; m += META) ids.push(meta[m + F_CALL])
      for (const id of ids) this.onFailed(id, error)
      return
    }
    if (!sent) this.onEnded()
  }

  /** Drop every held call (their promises are settled by the caller). */
  clear() {
    this.n = 0
    this.bytes.clear()
  }
}

module.exports = { Outbox }
