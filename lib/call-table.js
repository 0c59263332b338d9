'use strict'
// A slot's calls in flight by call id. Ids only grow (one counter for the
// environment), so a call goes in a ring at `id & mask`: a lookup is an
// array read and an id compare. A Map with keys that come and go at every
// call cost ~130 ns per call (set, get, delete, and its rehashing as
// deleted entries pile up) against ~20 for the ring, at 64 calls in flight.
// A call still in flight when a newer id needs its place (a long call
// behind many short ones) moves to a Map beside the ring.

/**
 * Ring length to start with, and the most it grows to (a burst of 20,000
 * calls queued at once fits). Each time the table empties, a grown ring
 * halves: a burst repeated grows it once, not from FIRST again (nine
 * doublings, each a new array and every call moved: ~0.3 ms a burst of
 * 20,000), while a few ordinary calls after the last burst shrink it back.
 */
const FIRST = 64
const MOST = 1 << 15

/** @template {{ id: number }} C */
class CallTable {
  /** @type {(C | undefined)[]} */
  #ring = new Array(FIRST).fill(undefined)
  #mask = FIRST - 1
  /** @type {Map<number, C> | null} calls moved out of the ring, by id */
  #aside = null
  /** Calls held. */
  size = 0

  /** The call with `id`, if it is held. */
  get(id) {
    const call = this.#ring[id & this.#mask]
    if (call !== undefined && call.id === id) return call
    return this.#aside === null ? undefined : this.#aside.get(id)
  }

  has(id) { return this.get(id) !== undefined }

  /**
   * Hold `call` under `call.id`, an id above every id held before (ids only
   * grow).
   * @param {C} call
   */
  add(call) {
    let i = call.id & this.#mask
    const there = this.#ring[i]
    if (there !== undefined) {
      if (this.size * 2 > this.#ring.length && this.#ring.length < MOST) {
        this.#grow()
        i = call.id & this.#mask
      }
      const still = this.#ring[i]
      if (still !== undefined) {
        if (this.#aside === null) this.#aside = new Map()
        this.#aside.set(still.id, still)
      }
    }
    this.#ring[i] = call
    this.size++
  }

  /** Drop the call with `id`; whether it was held. */
  delete(id) {
    const i = id & this.#mask
    const call = this.#ring[i]
    if (call !== undefined && call.id === id) {
      this.#ring[i] = undefined
    } else if (this.#aside !== null && this.#aside.delete(id)) {
      if (this.#aside.size === 0) this.#aside = null
    } else {
      return false
    }
    if (--this.size === 0 && this.#ring.length > FIRST) this.#halve()
    return true
  }

  /** Every call held, oldest first (as they were added). */
  values() {
    /** @type {C[]} */
    const all = []
    for (const call of this.#ring) if (call !== undefined) all.push(call)
    if (this.#aside !== null) for (const call of this.#aside.values()) all.push(call)
    return all.sort((a, b) => a.id - b.id)
  }

  /** An empty ring half as long (the table is empty). */
  #halve() {
    const length = this.#ring.length >> 1
    this.#ring = new Array(length).fill(undefined)
    this.#mask = length - 1
  }

  /** Twice the ring; the calls in it move to their new places. */
  #grow() {
    const old = this.#ring
    this.#ring = new Array(old.length * 2).fill(undefined)
    this.#mask = this.#ring.length - 1
    for (const call of old) if (call !== undefined) this.#ring[call.id & this.#mask] = call
  }
}

module.exports = { CallTable }
