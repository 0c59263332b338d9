'use strict'
// Liveness: which owners (slots) have work in flight and so are kept alive,
// every live owner without keeping it alive, and the process's ref count
// (the native Host keeps the event loop alive only while work is in
// flight). Call results and thread exits go straight to their owner.

const native = require('../native/binding.js')
const { host, on, EventKind, awaitEvents, beginTurn } = require('./host-events')

const { BATCH_STRIDE, BatchField, CallStatus, ExitCause } = native
const F_THREAD = BatchField.Thread
const F_CALL = BatchField.CallId
const F_STATUS = BatchField.Status
const F_START = BatchField.Start
const F_LENGTH = BatchField.Length
const F_WAIT = BatchField.WaitUs
const F_RUN = BatchField.RunUs
const THROWN = CallStatus.Thrown
const MEMORY_LIMIT = ExitCause.MemoryLimit

/** Owners (slots) with work in flight, by native thread id: kept alive. */
const owners = new Map()
/** Every live owner, by native thread id, without keeping it alive. */
const everyOwner = new Map()
const ownerGone = new FinalizationRegistry((id) => {
  const ref = everyOwner.get(id)
  if (ref !== undefined && ref.deref() === undefined) everyOwner.delete(id)
})

/** Owner of thread `id`, busy or not. */
function ownerOf(id) {
  const busy = owners.get(id)
  if (busy !== undefined) return busy
  const ref = everyOwner.get(id)
  return ref === undefined ? undefined : ref.deref()
}

/** Register an owner for messages and errors that come while it is idle. */
function register(id, owner) {
  everyOwner.set(id, new WeakRef(owner))
  ownerGone.register(owner, id)
}

/** Reffed units of work in flight (calls, pending close/dispose). */
let refs = 0
/** Whether the native Host keeps the event loop alive now. */
let reffedNow = false
/** The pending check that lets the event loop go (dropRef), or null. */
let dropSoon = null

/**
 * `owner` has one more unit of work in flight (`first`: it had none).
 * The first reffed unit keeps the event loop alive.
 */
function hold(id, owner, reffed, first = true) {
  if (first) owners.set(id, owner)
  if (reffed && refs++ === 0 && !reffedNow) {
    reffedNow = true
    host.setRef(true)
  }
}

/**
 * One unit of work of `owner` is over; `idle` drops the owner from the
 * table. When the last reffed unit ends, the event loop is let go in this
 * turn's check phase, not at once: awaited calls one after another (each
 * made by the continuation of the last) then cost no native ref toggle
 * each (two Node-API calls per call, about 0.5 µs of a 5 µs round trip).
 */
function release(id, reffed, idle) {
  if (idle) owners.delete(id)
  if (reffed && --refs === 0 && dropSoon === null) dropSoon = setImmediate(dropRef)
}

/** Let the event loop go if no reffed work came since the last ended. */
function dropRef() {
  dropSoon = null
  if (refs === 0 && reffedNow) {
    reffedNow = false
    host.setRef(false)
  }
}

// Many call results in one call: BATCH_STRIDE numbers each in the first
// `n` of `meta`, values in `bytes`. Both arrays are reused for the next
// batch: every value is decoded (copied out) here.
// Results of one batch mostly share their owner, looked up once per run of
// them (an owner that went idle meanwhile has no call for them to settle).
function settleBatch(meta, bytes, n) {
  let thread = -1
  let owner
  for (let i = 0; i < n; i += BATCH_STRIDE) {
    if (meta[i + F_THREAD] !== thread) {
      thread = meta[i + F_THREAD]
      owner = owners.get(thread)
    }
    if (owner === undefined) continue
    const start = meta[i + F_START]
    owner._settleRange(meta[i + F_CALL], meta[i + F_STATUS] === THROWN, bytes, start, start + meta[i + F_LENGTH], meta[i + F_WAIT], meta[i + F_RUN])
  }
}
on(EventKind.Batch, settleBatch)

/** @type {Float64Array} the reused result arrays, as `host.batchArrays()` last gave them */
let keptMeta = new Float64Array(0)
/** @type {Uint8Array} */
let keptBytes = new Uint8Array(0)

/** awaitEvents' answer when the lone call's answer came in its lane. */
const AWAIT_LANE = -2

/**
 * Wait up to `us` for events (`awaitEvents`: the lone call's wait, and the
 * host's wait for a thread's next host call), and settle the batch of
 * results it left in the reused arrays: its answer `r` is `n` > 0 for `n`
 * numbers of the arrays held here, `-n - 2` for new arrays (fetched
 * first). Saves the addon calling back into JS for the answer waited for.
 * With `lane` (a lane's buffer, lib/lane.js), the answer of the call
 * posted there may come there instead: then AWAIT_LANE is returned and
 * nothing is settled. Returns `r` (0: nothing came). The wait counts in
 * this turn's time for events (callers check `turnSpent()` first).
 * @param {number} us
 * @param {boolean} [yielding]
 * @param {ArrayBuffer} [lane]
 */
function awaitAnswer(us, yielding = false, lane = undefined) {
  beginTurn()
  const r = awaitEvents(us, yielding, lane)
  if (r === AWAIT_LANE) return r // the caller reads the answer from the lane
  if (r < -1) {
    const arrays = host.batchArrays()
    if (arrays === undefined) throw new Error('isothread: the result arrays a lone call was answered in are missing')
    keptMeta = arrays[0]
    keptBytes = arrays[1]
  }
  if (r > 0 || r < -1) settleBatch(keptMeta, keptBytes, r > 0 ? r : -r - 2)
  return r
}

/**
 * `awaitAnswer(us, true)` made from a microtask (the host's waits after a
 * hand-over and after a host call's answer): what it throws is thrown again
 * on its own, uncaught, as from queueMicrotask, and 0 returned.
 * @param {number} us
 */
function awaitInMicrotask(us) {
  try {
    return awaitAnswer(us, true)
  } catch (error) {
    queueMicrotask(() => { throw error })
    return 0
  }
}

on(EventKind.Done, (thread, callId, status, bytes, shared, transferred, codeAndMessage, waitUs, runUs) => {
  const owner = owners.get(thread)
  if (owner !== undefined) owner._settle(callId, status, bytes, shared, transferred, codeAndMessage, waitUs, runUs)
})

on(EventKind.Exit, (thread, cause) => {
  const owner = owners.get(thread)
  if (owner !== undefined) owner._exited(cause === MEMORY_LIMIT)
  everyOwner.delete(thread)
})

module.exports = { register, ownerOf, hold, release, awaitAnswer, awaitInMicrotask, AWAIT_LANE }
