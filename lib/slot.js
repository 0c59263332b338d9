'use strict'
// One isolate thread seen from the host: its calls in flight, how they
// settle, and its end. Thread wraps one slot; ThreadPool many.

const { host, register, hold, release, encodeFor, decodeFrom, failure } = require('./host')
const { encodeRestArgs, decodeRange } = require('./codec')
const { makeError } = require('./errors')
const { Outbox } = require('./outbox')
const { mapError } = require('./stack')
const { envExtras } = require('./inspect')
const { CallStatus, NO_CALL, MAX_TASK_IDS } = require('../native/binding.js')
const { awaitAnswer, AWAIT_LANE } = require('./liveness')
const { turnSpent } = require('./host-events')
const { Lane, postToAny } = require('./lane')
const { CallTable } = require('./call-table')
const { SpinGuess } = require('./spin-guess')
const { Call, deferred, encodeData } = require('./call')

const VALUE = CallStatus.Value
const FAILED = CallStatus.Failed

let nextCallId = 1
/** Calls in flight on every thread of this environment. */
let inFlight = 0

/**
 * How long (µs) the host may wait for a lone call's answer before it goes
 * back to its event loop. A parked event loop takes tens of µs to wake,
 * more than a whole small call; waiting briefly is only done for a thread
 * whose recent calls answered within the window.
 */
const SPIN_US = 30

// Task names a service's slot gives an id (MAX_TASK_IDS, from the addon):
// a service call sends its task's id, and the name only until the thread
// was sent the pair. Names past these go by name each time.

/** A settled promise: `settled.then(f)` runs `f` in a microtask. */
const settled = Promise.resolve()

/** A refused thread's submit: it takes nothing (as its native run would not). */
const refused = () => false

/** Call a message listener; its error is rethrown apart, so delivery goes on. */
function deliver(listener, value, threadId) {
  try {
    listener(value, { threadId })
  } catch (error) {
    queueMicrotask(() => { throw error })
  }
}

/**
 * How a Slot starts. `queue`: a pool's native queue (a PoolGroup) stands in
 * for a thread: the slot holds the pool's calls, `capacity` of them running
 * at once (no `memoryLimit` then). `data`: the `data` option, encoded
 * (encodeData). `oneShot`: spawn() semantics. The `on…` callbacks are
 * described where the constructor stores them.
 * @typedef {{
 *   memoryLimit?: number, name?: string, respawn?: boolean, oneShot?: boolean,
 *   group?: import('../native/binding').PoolGroup, host?: Record<string, Function>,
 *   extras?: import('../native/binding').SpawnExtras,
 *   data?: { bytes: Uint8Array, shared?: Uint8Array[] },
 *   queue?: import('../native/binding').PoolGroup, capacity?: number,
 *   onDone?: (waitMs: number, runMs: number, failed: boolean) => void,
 *   onExit?: (outOfMemory: boolean) => void, onFinish?: () => void,
 *   onMessage?: (value: any) => void,
 *   onThreadMessage?: (value: any, info: { threadId: number }) => void,
 *   onUncaught?: (error: any) => void,
 * }} SlotOptions
 */

/**
 * One call's options as submit() takes them (`reffed`: it keeps the
 * process alive; `host`: a define() task's host functions).
 * @typedef {{ args: any[], transfer?: any[], timeout?: number, signal?: AbortSignal, onMessage?: Function, host?: Record<string, Function>, reffed?: boolean }} CallOptions
 */

class Slot {
  /**
   * @param {string | { module: string, export?: string }} source context
   *   source, or the module of an ES module context
   * @param {SlotOptions} o
   */
  constructor(source, o) {
    const mod = typeof source === 'string' ? undefined : source
    const hostNames = o.host === undefined ? undefined : Object.keys(o.host)
    // ISOTHREAD_INSPECT reaches every thread (Thread and ThreadPool pass extras).
    const extras = 'extras' in o ? o.extras : envExtras()
    const data = o.data
    /**
     * The native thread, or the pool's queue standing in for one: a
     * PoolGroup answers what a pool's slot asks of it (id, finished, run,
     * runBatch, cancel), so it is typed as the thread it stands for.
     * @type {import('../native/binding').NativeThread}
     */
    this.native = o.queue !== undefined
      ? /** @type {any} */ (o.queue)
      : host.spawn({
        source: typeof source === 'string' ? source : undefined,
        memoryLimitMb: o.memoryLimit,
        name: o.name,
        respawn: o.respawn === true,
        oneShot: o.oneShot === true,
        modulePath: mod?.module,
        moduleExport: mod?.export,
        group: o.group,
        host: hostNames,
        extras,
        data: data?.bytes,
        dataShared: data?.shared,
      })
    this.id = this.native.id
    /**
     * `(callId, bytes, timeoutMs?, name?) => boolean`: one call with plain
     * arguments queued as `native.run` (or, with a name, `serviceCall`)
     * would, through a plain function (the per-call path).
     */
    /** Set when the process had no room for this thread's isolate. */
    this.refusal = this.native.refused ?? undefined
    this.send = this.refusal === undefined ? this.native.submitFunction() : refused
    /** A thread's lane (lib/lane.js); a pool's queue has none of its own. */
    this.lane = this.refusal === undefined && o.queue === undefined ? new Lane(this.native.lane()) : undefined
    /**
     * Where a lone call may be posted: the thread's lane, or the lanes of
     * a pool's threads (the pool keeps the list).
     * @type {Lane[]}
     */
    this.lanes = this.lane === undefined || o.group !== undefined ? [] : [this.lane]
    /** The lane the last posted call went to (looked at first next time). */
    this.laneAt = 0
    /** The lane the lone call waited for (loneId) was posted to, if it was. */
    this.loneLane = undefined
    /** Plain calls queued behind a running one, handed over in batches. */
    this.outbox = new Outbox(this.native, () => this._exited(false), (id, error) => this.finish(id, false, error))
    this.name = o.name
    this.respawn = o.respawn === true
    /** Called after every settled call: (waitMs, runMs, failed). */
    this.onDone = o.onDone
    /** Calls that run at once; more wait (and are handed over in batches). */
    this.capacity = o.capacity ?? 1
    /** Called once the isolate is gone: (outOfMemory). */
    this.onExit = o.onExit
    /** Called after a call left `calls` (settled, aborted or rejected). */
    this.onFinish = o.onFinish
    /** A pool's thread: its calls are the pool's (`stats()` asks the thread). */
    this.pooled = o.group !== undefined
    /** Calls in flight, by id. @type {CallTable<Call>} */
    this.calls = new CallTable()
    this.holds = 0
    this.exited = false
    this.closed = false
    this.exit = null
    /** Waiting on the host for a lone call's answer (awaitLone)… */
    this.loneSpin = new SpinGuess()
    /** …for this call. */
    this.loneId = 0
    /** A service's task names → their ids, each once the thread was sent the pair. */
    this.tasks = new Map()
    /** Waiting on the host for the next host call (host-calls.js). */
    this.hostSpin = new SpinGuess()
    /**
     * Answers this thread's host calls (`native.replyFunction()`, made at
     * the first answer with no shared or moved memory; host-calls.js).
     * @type {((seq: number, thrown: boolean, bytes: Uint8Array) => boolean) | undefined}
     */
    this.replyFn = undefined
    /** The host functions its threads may call (`host` option), by name. */
    this.host = o.host
    /** Every `parent.sendMessage(value)` inside the thread (services, ThreadsManager). */
    this.onMessage = o.onMessage
    /** Else: messages of no call, or of a call without its own onMessage (Thread's 'message'). */
    this.onThreadMessage = o.onThreadMessage
    /** An error nobody caught inside (default: console.error naming the thread). */
    this.onUncaught = o.onUncaught
    if (this.refusal !== undefined) {
      this.exited = true
      this.closed = true
      return
    }
    register(this.id, this)
  }

  /** The error of a call the thread cannot take: ERR_MEMORY_LIMIT if it was never started, else ERR_CLOSED. */
  closedError() {
    if (this.refusal !== undefined) return makeError('ERR_MEMORY_LIMIT', `${this.label()} was not started: ${this.refusal}`)
    return makeError('ERR_CLOSED', `${this.label()} is closed`)
  }

  /**
   * The `threadId` of the isolate serving now: `id`, or a new one once a
   * round-robin pool replaced the isolate after ERR_MEMORY_LIMIT (events
   * still name the thread by `id`).
   */
  get threadId() {
    return this.native.threadId ?? this.id
  }

  label() {
    return this.name !== undefined ? `thread "${this.name}"` : `thread ${this.id}`
  }

  /**
   * Queue one call of the thread's function. Never throws for a call's own
   * failures: returns its promise.
   * @param {CallOptions} c
   */
  submit(c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'args', c.transfer)
    if (this.calls.size >= this.capacity && shared === undefined && transferred === undefined) {
      // The thread is busy: this call waits anyway, so it goes with others.
      return this.enqueue(c, (id) => this.outbox.add(id, bytes, c.timeout), true)
    }
    return this.enqueue(c, (id) => this.native.run(id, bytes, shared, transferred, c.timeout))
  }

  /**
   * `run(...args)`, the common call: `args` made by rest parameters, no
   * transfer list, no signal. Cheaper than submit().
   */
  call(args, timeout, reffed) {
    if (this.refusal !== undefined) return Promise.reject(this.closedError())
    let bytes
    try {
      bytes = encodeRestArgs(args)
    } catch (err) {
      return Promise.reject(err)
    }
    if (bytes === undefined) return this.submit({ args, timeout, reffed }) // shared memory
    const busy = this.calls.size >= this.capacity
    const lone = this.calls.size === 0
    const id = nextCallId++
    const call = this.open(id, reffed)
    if (busy) {
      this.outbox.add(id, bytes, timeout) // it waits anyway, so it goes with others
      return call.promise
    }
    let sent
    try {
      sent = (lone && this.post(id, bytes, timeout, 0)) || this.send(id, bytes, timeout)
    } catch (error) {
      return this.unsent(id, call, error)
    }
    // (idle: nothing is held in the outbox, held calls being in flight)
    if (!sent) this._exited(false) // the isolate ended (out of memory) while idle
    else this.awaitLone(id)
    return call.promise
  }

  /**
   * Call `id` could not be sent (the native side threw: no cause is
   * known): it fails now rather than stay in flight for good.
   */
  unsent(id, call, error) {
    this.finish(id, false, error)
    return call.promise
  }

  /**
   * Post call `id` (no other call of this slot in flight) to a lane whose
   * thread spins for work; false when none does.
   */
  post(id, bytes, timeout, task) {
    const lanes = this.lanes
    this.loneLane = undefined
    if (lanes.length === 0 || this.closed) return false
    const at = postToAny(lanes, this.laneAt, id, bytes, typeof timeout === 'number' ? timeout : undefined, task)
    if (at < 0) return false
    this.laneAt = at
    this.loneLane = lanes[at]
    return true
  }

  /**
   * Call `id` is the only one in flight: once the caller's synchronous code
   * is done (a microtask), if it still is, wait up to SPIN_US for its answer
   * on the host. Calls made meanwhile (a loop, many lanes resuming) go in a
   * batch instead, with no waiting. Not once this turn of the event loop
   * took events for long enough (host-events.js): a loop of awaited calls
   * otherwise never let it turn.
   */
  awaitLone(id) {
    if (inFlight !== 1 || !this.loneSpin.should() || turnSpent()) return
    this.loneId = id
    // A reaction of a settled promise, not queueMicrotask: Node's wraps
    // each callback in an AsyncResource and a bound function (~0.1 µs and
    // ~250 bytes of garbage a call, a fifth of the host's per call).
    settled.then(this.waitLone)
  }

  /** awaitLone's microtask (made once per slot, not per call). */
  waitLone = () => {
    const id = this.loneId
    if (inFlight !== 1 || !this.calls.has(id)) return
    const lane = this.loneLane
    try {
      if (awaitAnswer(SPIN_US, false, lane?.buffer) === AWAIT_LANE) lane.settle(this, id)
    } catch (error) {
      queueMicrotask(() => { throw error }) // uncaught, as from queueMicrotask
    }
    if (this.calls.has(id)) this.loneSpin.missedCall(id)
    else this.loneSpin.saw(true)
  }

  /** Queue task `name` of `defs` (a native Definitions) in a fresh context. */
  submitTask(defs, name, c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'params', c.transfer)
    return this.enqueue(c, (id) => this.native.task(id, defs, name, bytes, shared, transferred, c.timeout))
  }

  /** Make this thread a service of `defs`; settles once it is initialized. */
  submitServiceStart(defs, reffed) {
    this.tasks.clear() // (the thread forgets its ids at the start too)
    return this.enqueue({ reffed }, (id) => this.native.serviceStart(id, defs))
  }

  /** Queue a call of the service's task `name`. */
  submitServiceCall(name, c) {
    const { bytes, shared, transferred } = encodeFor(c.args, 'params', c.transfer)
    return this.enqueue(c, (id) => {
      const task = this.tasks.get(name) ?? this.taskId()
      return this.sentTask(name, task, this.native.serviceCall(id, name, bytes, shared, transferred, c.timeout, task))
    })
  }

  /**
   * A service call with no options (`service.call({ name, params })`), the
   * lean path of call(): encoded as rest arguments, no options object; the
   * task crosses as its id `task` (from `tasks`), or with 0 by name.
   */
  serviceCall(name, task, params) {
    let bytes
    try {
      bytes = encodeRestArgs(params, 'params')
    } catch (err) {
      return Promise.reject(err)
    }
    if (bytes === undefined) return this.submitServiceCall(name, { args: params, reffed: false }) // shared memory
    this.outbox.flush()
    const lone = this.calls.size === 0
    const id = nextCallId++
    const call = this.open(id, false)
    let sent
    try {
      if (task !== 0) {
        sent = (lone && this.post(id, bytes, undefined, task)) || this.send(id, bytes, undefined, task)
      } else {
        this.loneLane = undefined
        task = this.taskId()
        sent = this.sentTask(name, task, this.send(id, bytes, undefined, task, name))
      }
    } catch (error) {
      return this.unsent(id, call, error)
    }
    if (!sent) this._exited(false)
    else this.awaitLone(id)
    return call.promise
  }

  /** The id a new task name gets: the next one, or 0 (none) past MAX_TASK_IDS. */
  taskId() {
    return this.tasks.size < MAX_TASK_IDS ? this.tasks.size + 1 : 0
  }

  /** `sent`; once the thread was sent task `name` with id `task`, calls use the id alone. */
  sentTask(name, task, sent) {
    if (sent && task !== 0) this.tasks.set(name, task)
    return sent
  }

  /** Send `value` to the thread's `parent.onMessage` listeners. */
  postMessage(value, transfer) {
    const { bytes, shared, transferred } = encodeFor(value, 'message', transfer)
    this.outbox.flush()
    return this.native.message(bytes, shared, transferred)
  }

  /**
   * Register a call, let `send(id)` queue it, wire its abort signal. A call
   * sent straight to the thread first hands over the batched ones (`held`:
   * this one is batched); a lone one may be waited for (awaitLone).
   */
  enqueue(c, send, held = false) {
    if (this.refusal !== undefined) return Promise.reject(this.closedError())
    if (!held) this.outbox.flush()
    const id = nextCallId++
    const call = this.open(id, c.reffed)
    call.onMessage = c.onMessage
    call.host = c.host
    let sent
    try {
      sent = send(id)
    } catch (error) {
      return this.unsent(id, call, error)
    }
    if (!sent) {
      this._exited(false) // the isolate ended (out of memory) while idle
      return call.promise
    }
    if (!held) this.awaitLone(id)
    const signal = c.signal
    if (signal !== undefined && this.calls.has(id)) {
      const onAbort = () => {
        this.native.cancel(id)
        this.finish(id, false, makeError('ERR_ABORTED', 'the call was aborted', { cause: signal.reason }))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      call.unlisten = () => signal.removeEventListener('abort', onAbort)
    }
    return call.promise
  }

  /** Register call `id` as in flight. */
  open(id, reffed) {
    const call = new Call(id, reffed)
    this.calls.add(call)
    inFlight++
    this.hold(reffed)
    return call
  }

  /** Finish every queued call, then end; resolves when the isolate is gone. */
  close() {
    this.closed = true
    const p = this.exitPromise()
    this.outbox.flush()
    if (!this.exited) this.native.close()
    return p
  }

  /**
   * End now: calls in flight reject with ERR_CLOSED. `afterSpare`: the
   * returned promise resolves once a spare isolate being made is ready (up
   * to 3 ms), as close()'s does (a service's close: see service.js).
   */
  dispose(message, afterSpare = false) {
    this.closed = true
    const p = this.exitPromise()
    this.outbox.clear()
    if (!this.exited) this.native.dispose(afterSpare)
    this.rejectAll(() => makeError('ERR_CLOSED', message || `${this.label()} was disposed`))
    return p
  }

  setReffed(on) {
    for (const call of this.calls.values()) {
      if (call.reffed !== on) {
        call.reffed = on
        this.hold(on)
        this.unhold(!on)
      }
    }
  }

  stats() {
    const { runs, failures, heapUsed, heapLimit, cpuTimeMs, running } = this.native.stats()
    const inFlight = this.calls.size
    // A pool's calls wait in the pool's queue, never on one of its threads.
    const active = this.pooled ? (running ? 1 : 0) : inFlight > 0 ? 1 : 0
    return {
      name: this.name,
      threadId: this.threadId,
      runs,
      failures,
      active,
      queue: !this.pooled && inFlight > 1 ? inFlight - 1 : 0,
      heapUsed,
      heapLimit,
      cpuTimeMs,
    }
  }

  hold(reffed) {
    hold(this.id, this, reffed, this.holds++ === 0)
  }

  unhold(reffed) {
    this.holds--
    release(this.id, reffed, this.holds === 0)
  }

  exitPromise() {
    if (this.exit === null) {
      this.exit = deferred()
      if (this.exited || this.native.finished) {
        this.exited = true
        this.exit.resolve()
      } else {
        this.hold(true) // a pending close keeps the process alive
      }
    }
    return this.exit.promise
  }

  finish(id, ok, value) {
    const call = this.calls.get(id)
    if (call === undefined) return false
    this.finishCall(id, call, ok, value)
    return true
  }

  /** Settle `call` (call `id`, in flight) with `value`. */
  finishCall(id, call, ok, value) {
    this.calls.delete(id)
    inFlight--
    if (call.unlisten !== undefined) call.unlisten()
    this.unhold(call.reffed)
    if (ok) call.resolve(value)
    else call.reject(value)
    if (this.onFinish === undefined) return
    // The owner's hook (a pool's 'drain', whose user listeners run now):
    // its error must not stop the settling of the results after this one,
    // so it is thrown again on its own, uncaught.
    try {
      this.onFinish()
    } catch (err) {
      queueMicrotask(() => { throw err })
    }
  }

  rejectAll(makeErr) {
    for (const call of this.calls.values()) this.finish(call.id, false, makeErr())
  }

  /** @internal a call's value or thrown value, at bytes[start, end) (from host.js) */
  _settleRange(id, thrown, bytes, start, end, waitUs, runUs) {
    this.settleDecoded(id, !thrown, decodeRange, bytes, start, end, waitUs, runUs)
  }

  /** @internal a call settled on the thread (from host.js) */
  _settle(id, status, bytes, shared, transferred, codeAndMessage, waitUs, runUs) {
    if (status !== FAILED) return this.settleDecoded(id, status === VALUE, decodeFrom, bytes, shared, transferred, waitUs, runUs)
    const call = this.calls.get(id)
    if (call === undefined) return
    const error = failure(codeAndMessage, bytes, shared, transferred)
    // A lone thread that ran out of memory is being disposed: closed now.
    if (error.code === 'ERR_MEMORY_LIMIT' && !this.respawn) this.closed = true
    this.settled(id, call, false, error, waitUs, runUs)
  }

  /** Settle call `id` with `decode(a, b, c)`; a value that cannot be decoded rejects it. */
  settleDecoded(id, ok, decode, a, b, c, waitUs, runUs) {
    const call = this.calls.get(id)
    if (call === undefined) return
    let value
    try {
      value = decode(a, b, c)
    } catch (err) {
      value = err
      ok = false
    }
    this.settled(id, call, ok, value, waitUs, runUs)
  }

  /** `call` (call `id`) ended on the thread: count it, then settle it. */
  settled(id, call, ok, value, waitUs, runUs) {
    this.loneSpin.ran(id, runUs, SPIN_US)
    if (this.onDone !== undefined) this.onDone(waitUs / 1000, runUs / 1000, !ok)
    if (!ok) value = mapError(value)
    this.finishCall(id, call, ok, value)
  }

  /**
   * @internal `parent.sendMessage(value)` in thread `threadId` during call
   * `callId` (NO_CALL: none), from host.js: to the slot's onMessage, else the
   * call's, else the thread's. A message of a call that already settled
   * (aborted) is dropped.
   */
  _message(value, callId, threadId) {
    if (this.onMessage !== undefined) return this.onMessage(value)
    let listener = this.onThreadMessage
    if (callId !== NO_CALL) {
      const call = this.calls.get(callId)
      if (call === undefined) return
      if (call.onMessage !== undefined) listener = call.onMessage
    }
    if (listener !== undefined) deliver(listener, value, this.respawn && threadId === this.id ? this.threadId : threadId)
  }

  /** @internal an uncaught error inside the thread (from host.js) */
  _uncaught(error) {
    if (this.onUncaught !== undefined) this.onUncaught(error)
    else console.error(`Uncaught exception in ${this.label()}:`, error)
  }

  /** @internal the isolate is gone (from host.js) */
  _exited(outOfMemory) {
    if (this.exited) {
      // Calls made after the end was seen can never run.
      this.outbox.clear()
      this.rejectAll(() => makeError('ERR_CLOSED', `${this.label()} is closed`))
      return
    }
    this.outbox.clear()
    this.exited = true
    this.closed = true
    const why = outOfMemory ? 'was disposed after it ran out of memory' : 'is closed'
    this.rejectAll(() => makeError('ERR_CLOSED', `${this.label()} ${why}`))
    if (this.exit !== null) {
      this.exit.resolve()
      this.unhold(true)
    }
    if (this.onExit !== undefined) this.onExit(outOfMemory)
  }
}

module.exports = { Slot, deferred, encodeData }
