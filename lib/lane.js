'use strict'
// The host's half of a thread's lane (src/runtime/lane.rs): a lone call is
// written straight into memory the thread polls while it spins for work,
// with no call into the addon. Only while the thread listens; otherwise
// (busy, parked, ended, or arguments too big) the caller uses the addon's
// submit function as before.

const { LaneField, LaneState } = require('../native/binding.js')

const STATE = LaneField.State / 4
const CALL_ID = LaneField.CallId / 8
const TIMEOUT = LaneField.Timeout / 8
const LENGTH = LaneField.Length / 4
const TASK = LaneField.Task / 4
const R_STATUS = LaneField.ResultStatus / 4
const R_LENGTH = LaneField.ResultLength / 4
const R_WAIT = LaneField.ResultWait / 8
const R_RUN = LaneField.ResultRun / 8
const DATA = LaneField.Data
const CAPACITY = LaneField.Size - LaneField.Data
const LISTENING = LaneState.Listening
const POSTED = LaneState.Posted

/** One thread's lane, over the ArrayBuffer `native.lane()` gives. */
class Lane {
  /** @param {ArrayBuffer} buffer */
  constructor(buffer) {
    /** Passed to `awaitEvents` to wait for the answer here. */
    this.buffer = buffer
    this.i32 = new Int32Array(buffer)
    this.u32 = new Uint32Array(buffer)
    this.f64 = new Float64Array(buffer)
    this.u8 = new Uint8Array(buffer)
  }

  /**
   * Hand call `id` (arguments `bytes`, `timeout` ms or undefined, service
   * task id or 0) to the thread if it listens; false when it does not (the
   * caller submits it the usual way).
   * @param {number} id @param {Uint8Array} bytes @param {number | undefined} timeout @param {number} task
   */
  post(id, bytes, timeout, task) {
    if (bytes.length > CAPACITY || Atomics.load(this.i32, STATE) !== LISTENING) return false
    this.f64[CALL_ID] = id
    this.f64[TIMEOUT] = timeout === undefined ? NaN : timeout
    this.u32[LENGTH] = bytes.length
    this.u32[TASK] = task
    this.u8.set(bytes, DATA)
    return Atomics.compareExchange(this.i32, STATE, LISTENING, POSTED) === LISTENING
  }

  /**
   * Settle call `id` of `owner` with the answer `awaitEvents` found here
   * (it is the host's until the next post).
   * @param {{ _settleRange: Function }} owner @param {number} id
   */
  settle(owner, id) {
    const end = DATA + this.u32[R_LENGTH]
    owner._settleRange(id, this.u32[R_STATUS] === 1, this.u8, DATA, end, this.f64[R_WAIT], this.f64[R_RUN])
  }
}

/**
 * Post call `id` to the first listening lane of `lanes`, from `from` on
 * (wrapping); the index it went to, or -1 when none listens.
 * @param {Lane[]} lanes @param {number} from
 * @param {number} id @param {Uint8Array} bytes @param {number | undefined} timeout @param {number} task
 */
function postToAny(lanes, from, id, bytes, timeout, task) {
  const n = lanes.length
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n
    if (lanes[i].post(id, bytes, timeout, task)) return i
  }
  return -1
}

module.exports = { Lane, postToAny }
