'use strict'
// Messenger (API.md §2): a broadcast channel between the host and any
// threads it is given to. As with BroadcastChannel, every Messenger of one
// name in the process is one channel: every other endpoint receives each
// message, never the sender, in send order per sender.

const { randomUUID } = require('node:crypto')
const { host } = require('./host-events')
const { Owner } = require('../native/binding.js')
const { hold, release } = require('./liveness')
const { encodeFor } = require('./host-codec')
const { makeError } = require('./errors')
const opts = require('./options')
const { Listeners } = require('./listeners')
const { PackedBytes } = require('./packed')

/** This environment's open Messengers, by name. */
const local = new Map()
const HOLD_ID = Owner.Messengers // owner id for reffed messengers (events never use it)
let reffedCount = 0

class Messenger {
  #name
  #key = randomUUID()
  #listeners = new Listeners()
  #closed = false
  #reffed = false
  /** Encoded messages not yet handed to native: sent as one batch per microtask. */
  #packed = new PackedBytes()
  /** Byte length of each packed message. */
  #lengths = []

  /** @param {string} [name] channel name; none: a fresh unique channel */
  constructor(name) {
    if (name !== undefined && typeof name !== 'string') throw opts.invalid('a Messenger name must be a string')
    this.#name = name === undefined ? `messenger-${randomUUID()}` : name
    let set = local.get(this.#name)
    if (set === undefined) {
      set = new Set()
      local.set(this.#name, set)
      host.messengerJoin(this.#name)
    }
    set.add(this)
  }

  /** The channel's name. */
  get ID() { return this.#name }
  /** Unique per endpoint. */
  get uniqueKey() { return this.#key }
  /** True once close() or closeAll() ran. */
  get closed() { return this.#closed }

  /** Listen; returns a function that removes the listener. */
  onMessage(cb) { return this.#listeners.on(cb) }

  /** Stop listening. */
  offMessage(cb) { this.#listeners.off(cb) }

  /** Resolves with the first message for which `predicate` is true. */
  waitForMessage(predicate) { return this.#listeners.wait(predicate) }

  /** Send to every other endpoint of the channel (threads and host). */
  sendMessage(data) {
    if (this.#closed) throw makeError('ERR_CLOSED', `messenger ${this.#name} is closed`)
    const { bytes, shared } = encodeFor(data, 'message')
    const peers = local.get(this.#name)
    if (peers !== undefined && peers.size > 1) {
      const copy = bytes.slice() // for this environment's other endpoints
      for (const other of peers) {
        if (other !== this) queueMicrotask(() => other._deliver(copy, shared))
      }
    }
    if (shared === undefined) {
      // Many sends in one tick cross as one batch: one wake-up per thread.
      if (this.#lengths.length === 0) queueMicrotask(() => this.#flush())
      this.#packed.append(bytes)
      this.#lengths.push(bytes.length)
    } else {
      this.#flush()
      host.messengerPost(this.#name, bytes, shared)
    }
  }

  #flush() {
    if (this.#lengths.length === 0) return
    const lengths = Float64Array.from(this.#lengths)
    this.#lengths = []
    host.messengerPostMany(this.#name, lengths, this.#packed.take())
  }

  /** What to hand to `service.sendMessenger()` or a `messengers` option. */
  transfer() { return { name: this.#name } }

  /** `true`: this endpoint keeps the process alive until closed (default false). */
  setRef(on) {
    on = on === true
    if (on === this.#reffed || this.#closed) return this
    this.#reffed = on
    if (on && reffedCount++ === 0) hold(HOLD_ID, this, true)
    if (!on && --reffedCount === 0) release(HOLD_ID, true, true)
    return this
  }

  /** Close this endpoint. */
  close() {
    if (this.#closed) return
    this.#flush() // what was sent before close() still goes
    this.setRef(false)
    this.#closed = true
    this.#listeners.clear()
    const set = local.get(this.#name)
    if (set !== undefined) {
      set.delete(this)
      if (set.size === 0) {
        local.delete(this.#name)
        host.messengerLeave(this.#name)
      }
    }
  }

  /** Close every endpoint of the channel, here and in every thread. */
  closeAll() {
    host.messengerCloseAll(this.#name)
    for (const m of [...(local.get(this.#name) || [])]) m.close()
  }

  /** @internal */
  _deliver(bytes, shared) {
    if (this.#closed || this.#listeners.empty) return
    let value
    try {
      value = require('./codec').decode(bytes, shared || [], [])
    } catch (err) {
      value = err
    }
    this.#listeners.emit(value)
  }
}

/** A message on `name` from another endpoint (from host.js). */
function deliverMessenger(name, close, bytes, shared) {
  const set = local.get(name)
  if (set === undefined) return
  for (const m of [...set]) {
    if (close) m.close()
    else m._deliver(bytes, shared)
  }
}

/** The name behind a Messenger or its `transfer()`. */
function messengerName(m) {
  if (m instanceof Messenger) return m.ID
  if (m !== null && typeof m === 'object' && typeof m.name === 'string') return m.name
  throw opts.invalid('expected a Messenger (or messenger.transfer())')
}

module.exports = { Messenger, deliverMessenger, messengerName }
