'use strict'
// Values to and from threads, as the host sees them: encoding with the
// SharedArrayBuffers a value shares tracked by address (for Atomics
// bridging: a thread's notify wakes host waiters, notify() wakes threads),
// decoding, and coded errors from a thread.

const codec = require('./codec')
const { makeError } = require('./errors')
const { host, on, EventKind } = require('./host-events')
const keeper = require('./keeper')

/** SharedArrayBuffers the host handed to threads or got from them, by address. */
const sharedByAddr = new Map()
const addrOfShared = new WeakMap()
const sharedGone = new FinalizationRegistry((addr) => {
  const ref = sharedByAddr.get(addr)
  if (ref && ref.deref() === undefined) sharedByAddr.delete(addr)
  host.unregisterShared(addr)
})

/** Register a SharedArrayBuffer the host shares with threads (for Atomics bridging); returns its address. */
function trackShared(sab) {
  let addr = addrOfShared.get(sab)
  if (addr !== undefined) return addr
  addr = host.registerShared(new Uint8Array(sab))
  addrOfShared.set(sab, addr)
  sharedByAddr.set(addr, new WeakRef(sab))
  sharedGone.register(sab, addr)
  return addr
}

/**
 * Encode a value for a thread; returns the native arguments.
 * @returns {{ bytes: Uint8Array, shared: Uint8Array[] | undefined, transferred: ArrayBuffer[] | undefined }}
 */
function encodeFor(value, root, transfer) {
  const { bytes, shared, transferred } = codec.encode(value, root, transfer, root === 'args' || root === 'params')
  let views
  if (shared.length > 0) {
    views = shared.map((sab) => {
      if (sab instanceof SharedArrayBuffer) keeper.lend(sab, trackShared(sab))
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

/**
 * Decode an event's payload: `bytes` with its shared and moved memory, or,
 * with `length`, the first `length` bytes of a reused array (decode it
 * before anything else runs).
 */
function decodeEvent(bytes, shared, transferred, length) {
  return length === undefined ? decodeFrom(bytes, shared, transferred) : codec.decodeRange(bytes, 0, length)
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
  // @ts-expect-error TypeScript's lib has one overload per array type, none for their union (checked above)
  const hostWoken = Atomics.notify(typedArray, i, count)
  const c = count === undefined ? Infinity : Math.max(0, Number(count))
  const byteIndex = typedArray.byteOffset + i * typedArray.BYTES_PER_ELEMENT
  return hostWoken + host.notify(new Uint8Array(buf), byteIndex, c)
}

// A thread's Atomics.notify on memory the host shares: wake host waiters.
on(EventKind.Notify, (_thread, addr, byteIndex, count) => {
  const ref = sharedByAddr.get(addr)
  const sab = ref && ref.deref()
  if (sab instanceof SharedArrayBuffer) Atomics.notify(new Int32Array(sab), byteIndex >> 2, count)
})

module.exports = { encodeFor, decodeFrom, decodeEvent, failure, notify }
