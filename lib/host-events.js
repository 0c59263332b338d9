'use strict'
// Event registration: the one native Host of this JS environment and the
// table that routes each event of its isolate threads to the module that
// handles it (`on(kind, fn)`). The kinds and the shape of each event are
// defined once, in Rust (src/binding/protocol.rs: `EventKind`).

const path = require('node:path')
const native = require('../native/binding.js')

const { EventKind } = native

// Built-ins inside threads load from lib/runtime (RUNTIME.md §3).
native.setRuntimeDir(path.join(__dirname, 'runtime'), JSON.stringify({
  version: process.version,
  versions: process.versions,
  argv: process.argv,
  execArgv: process.execArgv,
  execPath: process.execPath,
  pid: process.pid,
  ppid: process.ppid,
  release: process.release,
  features: process.features,
  // Whether this host's TextDecoder('latin1') decodes windows-1252 as the
  // Encoding Standard has it (Node 22+, Bun, Deno) or byte for byte (Node 20).
  textDecoderWindows1252: new TextDecoder('latin1').decode(Uint8Array.of(0x80)) === '\u20ac',
}))

/** @typedef {(thread: any, a?: any, b?: any, c?: any, d?: any, e?: any, f?: any, g?: any, h?: any) => void} EventHandler */

/**
 * Handler per event kind; an event nobody registered for is dropped.
 * @type {EventHandler[]}
 */
const handlers = Object.values(EventKind).map(() => () => {})

/**
 * How long (ms) one turn of the event loop may take its threads' events
 * (deliveries, and the host's waits for them) before the rest wait for its
 * next turn, timers and I/O first. Node runs the addon's deliveries in a
 * loop for as long as threads keep sending, and results that free the next
 * calls kept coming: 64 calls in flight on a pool of 2 held the loop for
 * 20-80 ms at a time under `node --test`, and for seconds when each result
 * cost the caller 0.1 ms.
 */
const TURN_MS = 1

/** When this turn first took events (ms, performance.now()); -1: not yet. */
let turnStart = -1
/** Deliveries are held until the next turn. */
let holding = false

/** The event loop's next turn: deliveries flow again. */
function endTurn() {
  turnStart = -1
  if (holding) {
    holding = false
    host.releaseDeliveries()
  }
}

/** This turn of the event loop takes events (a delivery, or a wait for them). */
function beginTurn() {
  if (turnStart >= 0) return
  turnStart = performance.now()
  setImmediate(endTurn) // (kept referenced: the loop must not sleep first)
}

/**
 * Whether this turn took events for TURN_MS already: then no more are
 * delivered (nor waited for) until the next turn.
 */
function turnSpent() {
  if (turnStart < 0 || performance.now() - turnStart <= TURN_MS) return false
  if (!holding) {
    holding = true
    host.holdDeliveries()
  }
  return true
}

/**
 * Every event of this environment's threads, positional on purpose
 * (`EventKind` documents each shape): call results take this path, and
 * ten plain arguments cost no object to build or read.
 */
function onEvent(kind, thread, a, b, c, d, e, f, g, h) {
  if (turnStart < 0) beginTurn()
  else if (!holding) turnSpent()
  return handlers[kind](thread, a, b, c, d, e, f, g, h)
}

const host = new native.Host(onEvent)

/**
 * `host.awaitEvents` as a plain function: the lone call's wait, once per
 * call, costs no method dispatch.
 */
const awaitEvents = host.awaitFunction()

/**
 * Route events of `kind` (an `EventKind`) to `handler(thread, a, …, h)`,
 * the arguments after the kind.
 * @param {number} kind
 * @param {EventHandler} handler
 */
function on(kind, handler) {
  if (handlers[kind] === undefined) throw new RangeError(`no event kind ${kind}`)
  handlers[kind] = handler
}

module.exports = { host, on, EventKind, awaitEvents, beginTurn, turnSpent }
