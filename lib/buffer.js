'use strict'
// buffer(value) (API.md §4): one shared value for every thread it is passed
// to (at any depth of args or data), stored in Rust behind a lock (encoded
// bytes; a number as a number, so a thread's mod() of a counter neither
// decodes nor encodes), so no isolate owns it. On the host get() is
// synchronous and set()/mod() are promises that wait for the value's lock
// without blocking the event loop; inside threads all four are synchronous.

const { host, encodeFor, decodeFrom } = require('./host')
const codec = require('./codec')
const { lock, unlock } = require('./locks')
const { makeError } = require('./errors')
const opts = require('./options')

const handles = new Map() // id → WeakRef<SharedBuffer>
const gone = new FinalizationRegistry((id) => {
  const ref = handles.get(id)
  if (ref !== undefined && ref.deref() === undefined) handles.delete(id)
})

const lockName = (id) => `\u0000isothread.buffer.${id}`

class SharedBuffer {
  #id

  /** @internal use buffer(value) */
  constructor(id) {
    this.#id = id
    handles.set(id, new WeakRef(this))
    gone.register(this, id)
  }

  /** @internal */
  static idOf(v) {
    return #id in v ? v.#id : undefined // a brand check: runs no proxy trap on v's prototype chain
  }

  #closed() {
    return makeError('ERR_CLOSED', `buffer ${this.#id} was cleaned`)
  }

  /** A copy of the current value. */
  get() {
    return decodeFrom(host.bufferGet(this.#id))
  }

  #store(value) {
    const { bytes, shared } = encodeFor(value, 'value')
    host.bufferSet(this.#id, bytes, shared)
  }

  /** Replace the value (waits for the buffer's lock). */
  async set(value) {
    if (!host.bufferExists(this.#id)) throw this.#closed()
    await lock(lockName(this.#id))
    try {
      this.#store(value)
    } finally {
      unlock(lockName(this.#id))
    }
  }

  /**
   * Atomic read-modify-write: `fn` gets a copy; what it returns is stored
   * (or the mutated copy when it returns undefined). Resolves with the new value.
   */
  async mod(fn) {
    if (typeof fn !== 'function') throw opts.invalid('mod() takes a function')
    if (!host.bufferExists(this.#id)) throw this.#closed()
    await lock(lockName(this.#id))
    try {
      const copy = this.get()
      const out = await fn(copy)
      const next = out === undefined ? copy : out
      this.#store(next)
      return next
    } finally {
      unlock(lockName(this.#id))
    }
  }

  /** Free the value: later get() throws and set()/mod() reject with ERR_CLOSED, here and in threads. */
  clean() {
    host.bufferClean(this.#id)
  }
}

codec.setSharedValues({
  idOf: SharedBuffer.idOf,
  fromId(id) {
    const ref = handles.get(id)
    const existing = ref === undefined ? undefined : ref.deref()
    return existing !== undefined ? existing : new SharedBuffer(id)
  },
})

/** A shared value: passing it to a thread passes the same value, not a copy. */
function buffer(value) {
  const { bytes, shared } = encodeFor(value, 'value')
  return new SharedBuffer(host.bufferCreate(bytes, shared))
}

module.exports = { buffer, SharedBuffer }
