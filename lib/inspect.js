'use strict'
// Debugging a thread (RUNTIME.md §5): the `inspect` options, and CPU
// profiles and heap snapshots through a protocol session of the thread's
// own inspector (no socket, no debugger needed).

const { makeError } = require('./errors')
const { invalid } = require('./options')

const DEFAULT_PORT = 9229

/** `[host:]port` → { host, port }, or undefined when it does not parse. */
function parseAddress(text) {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(String(text).trim())
  if (m === null || Number(m[2]) > 65535) return undefined
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) }
}

let fromEnv
/** ISOTHREAD_INSPECT, read once: every thread is inspected there. */
function envAddress() {
  if (fromEnv === undefined) {
    const v = process.env.ISOTHREAD_INSPECT
    fromEnv = v ? (parseAddress(v) ?? null) : null
  }
  return fromEnv
}

/**
 * The native spawn extras for `inspect` / `inspectBrk` (merged into
 * `extras`), or `extras` as it is when the thread is not inspected.
 * `inspect`: true (port 9229, or ISOTHREAD_INSPECT's), a port number (0: a
 * free one), or a `[host:]port` string; false turns ISOTHREAD_INSPECT off.
 */
function inspectExtras(o, extras) {
  const { inspect, inspectBrk } = o
  if (inspectBrk !== undefined && typeof inspectBrk !== 'boolean') throw invalid(`inspectBrk must be a boolean, got ${typeof inspectBrk}`)
  let addr
  if (inspect === undefined || inspect === true) {
    addr = envAddress() ?? (inspect === true || inspectBrk === true ? { host: '127.0.0.1', port: DEFAULT_PORT } : undefined)
  } else if (inspect === false) {
    addr = undefined
  } else if (typeof inspect === 'number') {
    if (!Number.isInteger(inspect) || inspect < 0 || inspect > 65535) throw invalid(`inspect must be a boolean or a port number from 0 to 65535, got ${inspect}`)
    addr = { host: '127.0.0.1', port: inspect }
  } else if (typeof inspect === 'string' && parseAddress(inspect) !== undefined) {
    addr = parseAddress(inspect)
  } else {
    throw invalid(`inspect must be a boolean, a port number or '[host:]port', got ${typeof inspect === 'string' ? JSON.stringify(inspect) : typeof inspect}`)
  }
  if (addr === undefined) return extras
  return { ...extras, inspectHost: addr.host, inspectPort: addr.port, inspectBrk: inspectBrk === true }
}

/** The extras of a thread with no inspect options: ISOTHREAD_INSPECT's, or undefined. */
function envExtras() {
  return envAddress() === null ? undefined : inspectExtras({}, undefined)
}

/** A protocol session with one thread: `post(method, params)` → result. */
class Session {
  #native
  #id = 0
  #label
  constructor(slot) {
    this.#native = slot.native.inspectorSession()
    this.#label = slot.label()
  }

  async post(method, params, snapshot = false) {
    const id = ++this.#id
    const text = await this.#native.post(id, JSON.stringify({ id, method, params }), snapshot)
    if (text === null) throw makeError('ERR_CLOSED', `${this.#label} is closed`)
    if (snapshot && !text.startsWith('{"id":')) return text
    const reply = JSON.parse(text)
    if (reply.error) throw new Error(`${method} failed: ${reply.error.message}`)
    return reply.result
  }

  close() { this.#native.close() }
}

/**
 * Run `fn` under the thread's CPU profiler; resolves with the
 * `.cpuprofile` object (`{ nodes, startTime, endTime, samples, timeDeltas }`).
 */
async function profile(slot, fn, self, options = {}) {
  if (typeof fn !== 'function') throw invalid('profile() takes a function that makes calls on the thread')
  if (slot.closed) throw makeError('ERR_CLOSED', `${slot.label()} is closed`)
  const s = new Session(slot)
  try {
    await s.post('Profiler.enable')
    if (options.samplingInterval !== undefined) await s.post('Profiler.setSamplingInterval', { interval: options.samplingInterval })
    await s.post('Profiler.start')
    let failed = false
    let error
    try {
      await fn(self)
    } catch (err) {
      failed = true
      error = err
    }
    const { profile: result } = await s.post('Profiler.stop')
    if (failed) throw error
    return result
  } finally {
    s.close()
  }
}

/** The thread's heap, as a `.heapsnapshot` string. */
async function heapSnapshot(slot) {
  if (slot.closed) throw makeError('ERR_CLOSED', `${slot.label()} is closed`)
  const s = new Session(slot)
  try {
    return await s.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, true)
  } finally {
    s.close()
  }
}

/** `pool.threads[i]`: one thread of a pool, for profiles and its inspector URL. */
class PoolThread {
  #slot
  constructor(slot) { this.#slot = slot }
  /** The thread's id. */
  get threadId() { return this.#slot.threadId }
  /** The DevTools WebSocket URL, when the pool is inspected. */
  get inspectorUrl() { return this.#slot.native.inspectorUrl ?? undefined }
  /** See Thread#profile. */
  profile(fn, options) { return profile(this.#slot, fn, this, options) }
  /** See Thread#heapSnapshot. */
  heapSnapshot() { return heapSnapshot(this.#slot) }
  /** This thread's stats(). */
  stats() { return this.#slot.stats() }
}

module.exports = { inspectExtras, envExtras, profile, heapSnapshot, PoolThread }
