'use strict'
// Calls bound for a thread that is already busy: held on the host and
// handed over in one native call per thread per microtask turn (or every
// BATCH calls). One Node-API crossing and at most one wake-up of the thread
// for many calls, as results come back in batches the other way.

/** Hand a thread's calls over once this many wait. */
const BATCH = 64
const META = 3 // per call: id, byte length, timeout (NaN: none)

/** Outboxes holding calls, flushed at the end of this microtask turn. */
const dirty = []
let scheduled = false

function flushAll() {
  scheduled = false
  // Flushing may settle calls (a thread that ended) and user code may queue
  // more meanwhile: take the list first.
  const boxes = dirty.splice(0, dirty.length)
  for (const box of boxes) box.flush()
}

class Outbox {
  /**
   * @param {{ runBatch(meta: Float64Array, bytes: Uint8Array): boolean }} native
   * @param {() => void} onEnded the thread has ended: the held calls are lost
   */
  constructor(native, onEnded) {
    this.native = native
    this.onEnded = onEnded
    this.meta = null
    this.bytes = null
    this.n = 0
    this.pos = 0
  }

  /** Hold call `id` (its encoded arguments are copied now). */
  add(id, bytes, timeout) {
    if (this.meta === null) {
      this.meta = new Float64Array(BATCH * META)
      this.bytes = new Uint8Array(Math.max(4096, bytes.length * 2))
    }
    if (this.n === 0) {
      dirty.push(this)
      if (!scheduled) {
        scheduled = true
        queueMicrotask(flushAll)
      }
    }
    if (this.pos + bytes.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + bytes.length))
      grown.set(this.bytes.subarray(0, this.pos))
      this.bytes = grown
    }
    this.bytes.set(bytes, this.pos)
    this.pos += bytes.length
    const m = this.n * META
    this.meta[m] = id
    this.meta[m + 1] = bytes.length
    this.meta[m + 2] = timeout === undefined ? NaN : timeout
    if (++this.n === BATCH) this.flush()
    return true
  }

  /** Hand every held call to the thread now (keeps calls in order). */
  flush() {
    const n = this.n
    if (n === 0) return
    this.n = 0
    const pos = this.pos
    this.pos = 0
    const i = dirty.indexOf(this)
    if (i >= 0) dirty.splice(i, 1)
    if (!this.native.runBatch(this.meta.subarray(0, n * META), this.bytes.subarray(0, pos))) this.onEnded()
  }

  /** Drop every held call (their promises are settled by the caller). */
  clear() {
    this.n = 0
    this.pos = 0
    const i = dirty.indexOf(this)
    if (i >= 0) dirty.splice(i, 1)
  }
}

module.exports = { Outbox }
