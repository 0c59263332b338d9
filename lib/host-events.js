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
}))

/** @typedef {(thread: any, a?: any, b?: any, c?: any, d?: any, e?: any, f?: any, g?: any, h?: any) => void} EventHandler */

/**
 * Handler per event kind; an event nobody registered for is dropped.
 * @type {EventHandler[]}
 */
const handlers = Object.values(EventKind).map(() => () => {})

/**
 * Every event of this environment's threads, positional on purpose
 * (`EventKind` documents each shape): call results take this path, and
 * ten plain arguments cost no object to build or read.
 */
function onEvent(kind, thread, a, b, c, d, e, f, g, h) {
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

module.exports = { host, on, EventKind, awaitEvents }
