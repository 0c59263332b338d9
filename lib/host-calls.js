'use strict'
// Host functions (RUNTIME.md §4): `parent.host.name(...args)` in a thread
// runs `fn(...args)` here, on the host's event loop (arguments cloned in);
// the thread's promise settles with the clone of fn's awaited result, or
// rejects with what it threw. The thread drops answers that come after the
// call that asked was stopped (src/engine/host_calls.rs).

const { awaitInMicrotask } = require('./liveness')
const { turnSpent } = require('./host-events')
const { TurnBudget } = require('./spin-guess')
const { encodeFor, decodeEvent } = require('./host-codec')
const { makeError } = require('./errors')
const { NO_CALL } = require('../native/binding.js')

/**
 * How long (µs) the host waits for a thread's next event after answering
 * it: the thread usually calls again (or returns) within microseconds,
 * while a parked event loop takes tens of µs to wake.
 */
const SPIN_US = 50

/** Each host-function table's names, in the order its thread was given them. */
const namesOf = new WeakMap()

/** The names of `fns` (a frozen table from options.checkHost) by place. */
function names(fns) {
  let list = namesOf.get(fns)
  if (list === undefined) namesOf.set(fns, list = Object.keys(fns))
  return list
}

/**
 * Run host function number `index` (its place in the table's names) for
 * the thread `owner` serves (its Slot), as asked by call `callId`
 * (NO_CALL: none): of a define() task's own functions, else of the slot's.
 * Answers host call `seq`. The arguments are `bytes` (with its shared and
 * moved memory), or with `length` its first `length` bytes.
 */
function serve(owner, callId, seq, index, bytes, shared, transferred, length) {
  if (owner === undefined) return // the thread's handle is gone: nobody waits
  const call = callId === NO_CALL ? undefined : owner.calls.get(callId)
  const fns = call !== undefined && call.host !== undefined ? call.host : owner.host
  const name = fns === undefined ? undefined : names(fns)[index]
  let result
  let pending = false
  try {
    const fn = name === undefined ? undefined : fns[name]
    if (typeof fn !== 'function') throw new TypeError(`there is no host function number ${index}`)
    result = fn(...decodeEvent(bytes, shared, transferred, length))
    pending = result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function'
  } catch (error) {
    return answer(owner, seq, name, true, error)
  }
  if (!pending) return answer(owner, seq, name, false, result)
  Promise.resolve(result).then((v) => answer(owner, seq, name, false, v), (e) => answer(owner, seq, name, true, e))
}

/** Send the answer to host call `seq`, unless the thread is gone. */
function answer(owner, seq, name, thrown, value) {
  if (owner.exited) return
  let sent
  try {
    sent = send(owner, seq, encodeAnswer(name, thrown, value))
  } catch (error) {
    // (No cause is known: the arguments are ours.) The thread waits for
    // this answer, so it gets the error instead, sent the other way.
    sent = owner.native.hostReply(seq, true, encodeFor(error, 'result').bytes)
  }
  if (sent) spinSoon(owner)
}

/** Hand `reply` (encodeAnswer's) to the thread as the answer to host call `seq`. */
function send(owner, seq, reply) {
  if (reply.shared === undefined && reply.transferred === undefined) {
    // (the plain function, made once per thread, costs less than the method)
    if (owner.replyFn === undefined) owner.replyFn = owner.native.replyFunction()
    return owner.replyFn(seq, reply.thrown, reply.bytes)
  }
  return owner.native.hostReply(seq, reply.thrown, reply.bytes, reply.shared, reply.transferred)
}

/**
 * `{ thrown, bytes, shared, transferred }` for the thread. A result that
 * cannot be cloned rejects with ERR_CLONE naming its path
 * (`host.readFile(result.handler)`); a thrown one with ERR_CLONE and
 * `String(value)`, as a thread's own thrown values do.
 */
function encodeAnswer(name, thrown, value) {
  try {
    const reply = encodeFor(value, 'result')
    return { thrown, bytes: reply.bytes, shared: reply.shared, transferred: reply.transferred }
  } catch (error) {
    if (thrown) return { thrown, ...encodeFor(makeError('ERR_CLONE', describe(value)), 'result') }
    if (error && error.code === 'ERR_CLONE') return encodeAnswer(name, true, makeError('ERR_CLONE', inHostCall(name, error.message)))
    return encodeAnswer(name, true, error) // a getter of the result threw
  }
}

/** `host.readFile(result.x) is …` from `result.x is …` (a path ends at its last " is "). */
function inHostCall(name, message) {
  const end = message.lastIndexOf(' is ')
  if (!message.startsWith('result') || end < 0) return `host.${name}(result): ${message}`
  return `host.${name}(${message.slice(0, end)})${message.slice(end)}`
}

function describe(value) {
  try {
    return String(value)
  } catch {
    return 'a thrown value that cannot be cloned'
  }
}

let spinQueued = false
/** The slot whose thread the queued wait is for. */
let spinOwner = null
/** At most 64 waits in a row, then the event loop gets a turn (timers, I/O). */
const spins = new TurnBudget(64)
const settled = Promise.resolve()

/** spinSoon's microtask: the wait itself (a call result it finds is settled here). */
function spinNow() {
  const owner = spinOwner
  spinOwner = null
  spinQueued = false
  owner.hostSpin.saw(awaitInMicrotask(SPIN_US) !== 0)
}

/**
 * After answering, wait briefly (in a microtask, once every event of this
 * delivery is handled) for the thread's next event, so a thread calling
 * the host in a loop is served without waking the event loop each time.
 * The wait yields the core between polls: the thread just woken with the
 * answer is often scheduled on this very core, and a spin that keeps it
 * off the CPU waits in vain (measured under load: p50 18 → 10 µs).
 * @param {any} owner
 */
function spinSoon(owner) {
  if (spinQueued || !spins.left() || !owner.hostSpin.should() || turnSpent()) return
  spins.use()
  spinQueued = true
  spinOwner = owner
  // The plain function, not the Host method (~5× its cost to call), and a
  // reaction of a settled promise, not queueMicrotask (Node wraps each of
  // those in an AsyncResource).
  settled.then(spinNow)
}

module.exports = { serve }
