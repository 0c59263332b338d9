'use strict'
// ThreadManager (API.md §5): supervised, restartable workloads, each in
// its own thread, with an AbortSignal-like `signal` aborted across threads.

const { Slot } = require('./slot')
const { makeError } = require('./errors')
const opts = require('./options')

const Restart = 'restart'
const RestartOnError = 'restart-on-error'
const RestartOnSuccess = 'restart-on-success'
const POLICIES = [undefined, Restart, RestartOnError, RestartOnSuccess]

/** The workload's context: a signal the host aborts by message, then `fn(signal, data)`. */
function workloadSource(fn) {
  return `() => {
    const listeners = new Set()
    const signal = {
      aborted: false,
      reason: undefined,
      onabort: null,
      addEventListener(type, cb) { if (type === 'abort' && typeof cb === 'function') listeners.add(cb) },
      removeEventListener(type, cb) { listeners.delete(cb) },
      throwIfAborted() { if (signal.aborted) throw signal.reason },
    }
    parent.onMessage((m) => {
      if (!m || m.abort !== true || signal.aborted) return
      signal.aborted = true
      signal.reason = m.reason
      const event = { type: 'abort', target: signal }
      if (typeof signal.onabort === 'function') signal.onabort(event)
      for (const cb of [...listeners]) cb(event)
    })
    const fn = (${opts.contextSource(fn)})
    return async (data) => {
      const result = await fn(signal, data)
      if (result instanceof Error) throw result // a returned Error is a failure, as in Go
      return result
    }
  }`
}

class ThreadManager {
  static Restart = Restart
  static RestartOnError = RestartOnError
  static RestartOnSuccess = RestartOnSuccess

  #onFinish
  #gracefulMs
  #queued = []
  #running = new Map() // id → run state
  #started = false
  #stopped = false
  #stopping = null

  /** @param {{ onFinish?: Function, handleSignals?: boolean, gracefulMs?: number }} [options] */
  constructor(options) {
    const o = opts.checkObject(options, 'ThreadManager options')
    if (o.onFinish !== undefined && typeof o.onFinish !== 'function') throw opts.invalid('onFinish must be a function')
    this.#onFinish = o.onFinish
    this.#gracefulMs = o.gracefulMs === undefined ? 5000 : checkMs(o.gracefulMs)
    if (opts.checkBoolean(o.handleSignals, 'handleSignals', false)) {
      const onSignal = () => { this.stop().then(() => process.exit(0), () => process.exit(0)) }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
    }
  }

  /**
   * Queue (or, once started, run) workload `id`: `fn(signal, data)` in a thread.
   * @param {{ data?: any, onFinish?: Function, restart?: string, backoffMs?: number, memoryLimit?: number }} [options]
   */
  run(id, fn, options) {
    if (this.#stopped) throw makeError('ERR_STOPPED', 'the ThreadManager was stopped')
    if (typeof fn !== 'function') throw opts.invalid('run() takes a function')
    const o = opts.checkObject(options, 'run options')
    if (!POLICIES.includes(o.restart)) throw opts.invalid(`restart must be one of ThreadManager.Restart, RestartOnError, RestartOnSuccess`)
    if (o.onFinish !== undefined && typeof o.onFinish !== 'function') throw opts.invalid('onFinish must be a function')
    const spec = {
      id,
      source: workloadSource(fn),
      data: o.data,
      onFinish: o.onFinish,
      restart: o.restart,
      backoffMs: o.backoffMs === undefined ? 0 : checkMs(o.backoffMs),
      memoryLimit: opts.checkMemoryLimit(o.memoryLimit),
    }
    if (!this.#started) {
      this.#queued = this.#queued.filter((q) => q.id !== id)
      this.#queued.push(spec)
      return
    }
    const old = this.#running.get(id)
    if (old !== undefined) {
      old.replaced = true
      abort(old, 'replaced by a new run of the same id')
    }
    this.#launch(spec)
  }

  /** Run the queued workloads; later ones start at once. */
  start() {
    if (this.#stopped) throw makeError('ERR_STOPPED', 'the ThreadManager was stopped')
    if (this.#started) return
    this.#started = true
    const queued = this.#queued
    this.#queued = []
    for (const spec of queued) this.#launch(spec)
  }

  /** Abort every workload, wait `gracefulMs`, terminate what still runs; resolves when every onFinish ran. */
  stop(options) {
    if (this.#stopping !== null) return this.#stopping
    const o = opts.checkObject(options, 'stop options')
    const gracefulMs = o.gracefulMs === undefined ? this.#gracefulMs : checkMs(o.gracefulMs)
    this.#stopped = true
    this.#queued = [] // never started: no onFinish
    const runs = [...this.#running.values()]
    for (const r of runs) abort(r, 'the ThreadManager is stopping')
    this.#stopping = (async () => {
      const all = Promise.all(runs.map((r) => r.finished))
      let timer
      const graceful = new Promise((resolve) => { timer = setTimeout(resolve, gracefulMs) })
      await Promise.race([all, graceful])
      clearTimeout(timer)
      for (const r of runs) {
        if (!r.done) {
          r.stopped = true
          r.slot.dispose('the workload was stopped')
        }
      }
      await all
    })()
    return this.#stopping
  }

  #launch(spec) {
    const slot = new Slot(spec.source, { memoryLimit: spec.memoryLimit, name: String(spec.id) })
    const run = { spec, slot, done: false, stopped: false, replaced: false, finished: null }
    this.#running.set(spec.id, run)
    run.finished = slot.submit({ args: [spec.data], reffed: true }).then(
      (value) => ({ ok: true, value }),
      (error) => ({ ok: false, value: error }),
    ).then(async ({ ok, value }) => {
      run.done = true
      slot.close()
      if (this.#running.get(spec.id) === run) this.#running.delete(spec.id)
      if (run.stopped) {
        ok = false
        value = makeError('ERR_STOPPED', `workload ${JSON.stringify(spec.id)} was stopped`)
      }
      await this.#finish(spec, value)
      const again = !this.#stopped && !run.replaced && (spec.restart === Restart || (spec.restart === RestartOnError && !ok) || (spec.restart === RestartOnSuccess && ok))
      if (again) {
        if (spec.backoffMs > 0) await new Promise((r) => setTimeout(r, spec.backoffMs))
        if (!this.#stopped && !this.#running.has(spec.id)) this.#launch(spec)
      }
    })
  }

  async #finish(spec, outcome) {
    for (const cb of [spec.onFinish, this.#onFinish]) {
      if (cb === undefined) continue
      try {
        await cb(outcome, spec.id)
      } catch (error) {
        console.error(`onFinish of workload ${JSON.stringify(spec.id)} threw:`, error)
      }
    }
  }
}

function abort(run, reason) {
  if (run.done) return
  try { run.slot.postMessage({ abort: true, reason }) } catch { /* the thread already ended */ }
}

function checkMs(v) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw opts.invalid(`a time in ms must be a finite number ≥ 0, got ${String(v)}`)
  return v
}

module.exports = { ThreadManager }
