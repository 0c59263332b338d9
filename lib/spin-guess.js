'use strict'
// Whether the host should wait briefly (spin) for a thread's answer instead
// of going back to its event loop: it pays while answers come within the
// wait. After 3 misses in a row the host stops waiting, but for one probe
// every 64 times. And how many such waits it may make in a row before its
// event loop gets a turn (TurnBudget).
//
// A miss is judged by why it missed: a call that ran no longer than the
// wait but started late (the thread was off its core: a compile or GC job of
// another thread took it for a millisecond or two, which this 2-core machine
// saw every few hundred calls) says nothing of the next call, and is not
// counted. Counted, three such stalls in a row stopped the waits for the
// next 64 calls, each then paying the event loop's wake-up (~50 µs instead
// of ~5).

/** Misses in a row after which the host stops waiting. */
const MISSES = 3
/** While stopped, one wait every this many. */
const PROBE_EVERY = 64

class SpinGuess {
  misses = 0
  sinceProbe = 0
  /** The call the last wait missed, judged when it settles (ran()). */
  missed = 0

  /** Whether to wait for the next answer. */
  should() {
    if (this.misses < MISSES) return true
    if (++this.sinceProbe < PROBE_EVERY) return false
    this.sinceProbe = 0
    return true
  }

  /** The last wait caught an answer (`hit`) or not (counted at once). */
  saw(hit) { this.misses = hit ? 0 : this.misses + 1 }

  /** The last wait, for call `id`, missed: counted once the call says why (ran()). */
  missedCall(id) { this.missed = id }

  /**
   * Call `id` settled after running `runUs` µs on its thread: if the last
   * wait missed it, that miss counts only when the call itself ran at
   * least `windowUs` (the wait's length).
   */
  ran(id, runUs, windowUs) {
    if (id !== this.missed) return
    this.missed = 0
    if (runUs >= windowUs) this.misses++
  }
}

/**
 * How many waits the host may make in a row before its event loop gets a
 * turn (timers, I/O): the count starts again in the loop's next check
 * phase.
 */
class TurnBudget {
  used = 0
  /** @param {number} max waits a turn */
  constructor(max) {
    this.max = max
    this.newTurn = () => { this.used = 0 }
  }

  /** Whether a wait may still be made this turn. */
  left() { return this.used < this.max }

  /** Count a wait (the first of a turn sets up the next turn's reset). */
  use() {
    if (this.used++ === 0) setImmediate(this.newTurn).unref()
  }
}

module.exports = { SpinGuess, TurnBudget }
