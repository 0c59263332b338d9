'use strict'
// The host side of this JS environment: one native Host, the event
// dispatch from isolate threads, liveness (ref/unref) and shared memory.

const path = require('node:path')
const native = require('../native/binding.js')
const codec = require('./codec')
const { makeError } = require('./errors')

const KIND_DONE = 0
const KIND_CONSOLE = 1
const KIND_NOTIFY = 2
const KIND_EXIT = 3
const KIND_MESSAGE = 4
const KIND_UNCAUGHT = 5
const KIND_MESSENGER = 6
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

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug']

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

/** SharedArrayBuffers the host handed to threads or got from them, by address. */
const sharedByAddr = new Map()
const addrOfShared = new WeakMap()
const sharedGone = new FinalizationRegistry((addr) => {
  const ref = sharedByAddr.get(addr)
  if (ref && ref.deref() === undefined) sharedByAddr.delete(addr)
  host.unregisterShared(addr)
})

const KIND_BATCH = 7
const KIND_LOCK_GRANTED = 8
const KIND_HOST_CALL = 9
/** host-calls.js, loaded on the first host call (it needs this module). */
let hostCalls

/** Many call results in one call: 7 numbers each in `meta`, values in `bytes`. */
function onBatch(meta, bytes) {
  for (let i = 0; i < meta.length; i += 7) {
    const owner = owners.get(meta[i])
    if (owner === undefined) continue
    const start = meta[i + 3]
    owner._settleRange(meta[i + 1], meta[i + 2] === 1, bytes, start, start + meta[i + 4], meta[i + 5], meta[i + 6])
  }
}

function onEvent(kind, thread, a, b, c, d, e, f, g, h) {
  switch (kind) {
    case KIND_BATCH: return onBatch(thread, a)
    case KIND_LOCK_GRANTED: return require('./locks').granted(a)
    case KIND_HOST_CALL:
      if (hostCalls === undefined) hostCalls = require('./host-calls')
      return hostCalls.serve(ownerOf(thread), a, b, f, c, d, e)
    case KIND_DONE: {
      const owner = owners.get(thread)
      if (owner !== undefined) owner._settle(a, b, c, d, e, f, g, h)
      return
    }
    case KIND_CONSOLE: return printConsole(a, c, d, e)
    case KIND_NOTIFY: return notifyHost(a, b, c)
    case KIND_EXIT: {
      const owner = owners.get(thread)
      if (owner !== undefined) owner._exited(a === 1)
      everyOwner.delete(thread)
      return
    }
    case KIND_MESSENGER:
      return require('./messenger').deliverMessenger(a, b === 1, c, d)
    case KIND_MESSAGE:
    case KIND_UNCAUGHT: {
      // (a message names the call in flight, `a`, and the thread it is
      // reported as, `b`: a pool sibling whose queued call ran here)
      const owner = ownerOf(kind === KIND_MESSAGE ? b : thread)
      let value
      try {
        value = decodeFrom(c, d, e)
      } catch (err) {
        value = err
      }
      if (kind === KIND_MESSAGE) {
        if (owner !== undefined) owner._message(value, a, thread)
      } else if (owner !== undefined) {
        owner._uncaught(value)
      } else {
        console.error(`Uncaught exception in thread ${thread}:`, value)
      }
    }
  }
}

function printConsole(level, bytes, shared, transferred) {
  let args
  try {
    args = codec.decode(bytes, shared, transferred)
  } catch (err) {
    args = ['[isothread: console arguments could not be decoded]', err]
  }
  const method = CONSOLE_METHODS[level] || 'log'
  console[method](...args)
}

function notifyHost(addr, byteIndex, count) {
  const ref = sharedByAddr.get(addr)
  const sab = ref && ref.deref()
  if (sab instanceof SharedArrayBuffer) Atomics.notify(new Int32Array(sab), byteIndex >> 2, count)
}

const host = new native.Host(onEvent)

/** Register a SharedArrayBuffer the host shares with threads (for Atomics bridging). */
function trackShared(sab) {
  if (addrOfShared.has(sab)) return
  const addr = host.registerShared(new Uint8Array(sab))
  addrOfShared.set(sab, addr)
  sharedByAddr.set(addr, new WeakRef(sab))
  sharedGone.register(sab, addr)
}

/**
 * Encode a value for a thread; returns the native arguments.
 * @returns {{ bytes: Uint8Array, shared: Uint8Array[] | undefined, transferred: ArrayBuffer[] | undefined }}
 */
function encodeFor(value, root, transfer) {
  const { bytes, shared, transferred } = codec.encode(value, root, transfer)
  let views
  if (shared.length > 0) {
    views = shared.map((sab) => {
      if (sab instanceof SharedArrayBuffer) trackShared(sab)
      return new Uint8Array(sab)
    })
  }
  return { bytes, shared: views, transferred: transferred.length > 0 ? transferred : undefined }
}

/** Decode a payload from a thread. */
function decodeFrom(bytes, shared, transferred) {
  if (shared !== undefined) {
    for (const sab of shared) if (sab instanceof SharedArrayBuffer) trackShared(sab)
  }
  return codec.decode(bytes, shared, transferred)
}

/** Error from a `code\0message` pair and an optional encoded cause. */
function failure(codeAndMessage, bytes, shared, transferred) {
  const cut = codeAndMessage.indexOf('\u0000')
  const code = codeAndMessage.slice(0, cut)
  const message = codeAndMessage.slice(cut + 1)
  let extra
  if (bytes !== undefined) {
    try { extra = { cause: decodeFrom(bytes, shared, transferred) } } catch { extra = undefined }
  }
  return makeError(code, message, extra)
}

/** `owner` has one more unit of work in flight (`first`: it had none). */
function hold(id, owner, reffed, first = true) {
  if (first) owners.set(id, owner)
  if (reffed && refs++ === 0) host.setRef(true)
}

/** One unit of work of `owner` is over; `idle` drops the owner from the table. */
function release(id, reffed, idle) {
  if (idle) owners.delete(id)
  if (reffed && --refs === 0) host.setRef(false)
}

/** Wake threads blocked in `Atomics.wait` (API.md §0 `notify`). */
function notify(typedArray, index, count = Infinity) {
  if (!ArrayBuffer.isView(typedArray) || !(typedArray instanceof Int32Array || typedArray instanceof BigInt64Array)) {
    throw makeError('ERR_INVALID_ARG', 'notify() takes an Int32Array or BigInt64Array over shared memory')
  }
  const buf = typedArray.buffer
  const i = Number(index)
  if (!Number.isInteger(i) || i < 0 || i >= typedArray.length) {
    throw makeError('ERR_INVALID_ARG', `notify(): index ${index} is out of range`)
  }
  const hostWoken = Atomics.notify(typedArray, i, count)
  const c = count === undefined ? Infinity : Math.max(0, Number(count))
  const byteIndex = typedArray.byteOffset + i * typedArray.BYTES_PER_ELEMENT
  return hostWoken + host.notify(new Uint8Array(buf), byteIndex, c)
}

module.exports = {
  host,
  register,
  hold,
  release,
  encodeFor,
  decodeFrom,
  failure,
  notify,
  realSharedArrayBuffers: host.realSharedArrayBuffers,
}
