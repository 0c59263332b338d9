'use strict'
// node:events inside a thread. EventEmitter is the `events` npm port (Node's
// own logic, v3.3.0), with what Node added since fixed up here: errorMonitor,
// ERR_UNHANDLED_ERROR for a non-Error 'error', the listener-leak warning
// through process.emitWarning (not console.warn), Node's error codes, and
// the module functions on/once (with signal)/getEventListeners/
// setMaxListeners/getMaxListeners/addAbortListener/listenerCount.
// captureRejections is accepted and ignored.

const EventEmitter = require('events/')
const { codedError, notAvailable } = require('../internal/host.js')

const proto = EventEmitter.prototype
const kCapture = Symbol('kCapture')
const errorMonitor = Symbol('events.errorMonitor')
const kShapeMode = Symbol('shapeMode')

const inspect = (v) => require('util').inspect(v)

function invalidArgType(name, expected, value) {
  return codedError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : typeof value === 'function' ? `function ${value.name}` : typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'Object'}` : `type ${typeof value} (${inspect(value)})`}`, TypeError)
}

// Node's constructor options and its two own symbols (so inspect shows what Node shows).
const portInit = EventEmitter.init
/** Sets up an emitter's state (Node's options object accepted; captureRejections ignored). */
EventEmitter.init = function init(opts) {
  portInit.call(this)
  if (opts !== undefined && opts !== null && typeof opts !== 'object') throw invalidArgType('options', 'of type object', opts)
  this[kShapeMode] = false
  this[kCapture] = opts && opts.captureRejections ? Boolean(opts.captureRejections) : EventEmitter.prototype[kCapture]
}
Object.defineProperty(proto, kCapture, { value: false, writable: true, enumerable: false })

// The listener must be a function: Node's TypeError with code.
for (const name of ['addListener', 'on', 'prependListener', 'once', 'prependOnceListener', 'removeListener', 'off']) {
  const method = proto[name]
  proto[name] = {
    /** The port's method, with Node's ERR_INVALID_ARG_TYPE for a listener that is not a function. */
    [name](type, listener) {
      if (typeof listener !== 'function') throw invalidArgType('listener', 'of type function', listener)
      return method.call(this, type, listener)
    },
  }[name]
}
proto.on = proto.addListener
proto.off = proto.removeListener

// The leak warning: the port's goes to console.warn; Node's is a process warning.
for (const name of ['addListener', 'prependListener', 'once', 'prependOnceListener']) {
  const method = proto[name]
  proto[name] = {
    /** The port's method; the leak warning goes through process.emitWarning. */
    [name](type, listener) {
      const events = this._events
      /** @typedef {Function[] & { warned?: boolean }} ListenerList A type's listeners once there are two or more. */
      const before = /** @type {ListenerList | Function | undefined} */ (events !== undefined ? events[type] : undefined)
      const wasWarned = Array.isArray(before) && before.warned
      if (Array.isArray(before)) before.warned = true
      const out = method.call(this, type, listener)
      const now = /** @type {ListenerList | Function | undefined} */ (this._events[type])
      if (Array.isArray(now)) {
        const m = this.getMaxListeners()
        if (!wasWarned && m > 0 && now.length > m) {
          now.warned = true
          const target = require('util').inspect(this, { depth: -1 })
          const w = /** @type {Error & { emitter?: unknown, type?: unknown, count?: number }} */ (new Error(`Possible EventEmitter memory leak detected. ${now.length} ${String(type)} listeners added to ${target}. MaxListeners is ${m}. Use emitter.setMaxListeners() to increase limit`))
          w.name = 'MaxListenersExceededWarning'
          w.emitter = this
          w.type = type
          w.count = now.length
          globalThis.process.emitWarning(w)
        } else if (!wasWarned && now === before) {
          now.warned = false
        }
      }
      return out
    },
  }[name]
}
proto.on = proto.addListener

// 'error': errorMonitor listeners first; an unhandled non-Error is wrapped as Node does.
const portEmit = proto.emit
/** Calls the listeners of `type` in order; true if there were any. An unhandled 'error' throws. */
proto.emit = function emit(type) {
  if (type === 'error') {
    const events = this._events
    if (events !== undefined && events[errorMonitor] !== undefined) {
      portEmit.apply(this, [errorMonitor, ...Array.prototype.slice.call(arguments, 1)])
    }
    if (events === undefined || events.error === undefined) {
      const er = arguments[1]
      if (er instanceof Error) throw er
      const err = codedError('ERR_UNHANDLED_ERROR', `Unhandled error. (${inspect(er)})`)
      err.context = er
      throw err
    }
  }
  return portEmit.apply(this, arguments)
}

const portListenerCount = proto.listenerCount
/** The number of listeners of `type`, or only those that are `listener` (Node 20.13+). */
proto.listenerCount = function listenerCount(type, listener) {
  if (listener === undefined || listener === null) return portListenerCount.call(this, type)
  return this.rawListeners(type).filter((l) => l === listener || l.listener === listener).length
}

const portSetMax = proto.setMaxListeners
/** Sets this emitter's listener-leak warning threshold (0: none). */
proto.setMaxListeners = function setMaxListeners(n) {
  if (typeof n !== 'number' || n < 0 || Number.isNaN(n)) {
    throw codedError('ERR_OUT_OF_RANGE', `The value of "n" is out of range. It must be a non-negative number. Received ${inspect(n)}`, RangeError)
  }
  return portSetMax.call(this, n)
}

function abortError(signal) {
  const e = /** @type {Error & { code?: string }} */ (new Error('The operation was aborted'))
  e.name = 'AbortError'
  e.code = 'ABORT_ERR'
  if (signal !== undefined) e.cause = signal.reason
  return e
}

/**
 * Resolves with the arguments of the next `name` event of `emitter` (an
 * EventEmitter or EventTarget); rejects on its 'error' or when `signal` aborts.
 */
function once(emitter, name, options = {}) {
  const signal = options ? options.signal : undefined
  if (signal && signal.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const isEE = typeof emitter.on === 'function'
    let onAbort
    const cleanup = () => {
      if (isEE) { emitter.removeListener(name, resolver); emitter.removeListener('error', onError) } else emitter.removeEventListener(name, resolver)
      if (signal) signal.removeEventListener('abort', onAbort)
    }
    function resolver(...args) { cleanup(); resolve(isEE ? args : [args[0]]) }
    function onError(err) { cleanup(); reject(err) }
    if (isEE) {
      emitter.once(name, resolver)
      if (name !== 'error') emitter.once('error', onError)
    } else if (typeof emitter.addEventListener === 'function') {
      emitter.addEventListener(name, resolver, { once: true })
    } else {
      throw invalidArgType('emitter', 'an instance of EventEmitter or EventTarget', emitter)
    }
    if (signal) {
      onAbort = () => { cleanup(); reject(abortError(signal)) }
      signal.addEventListener('abort', onAbort, { once: true })
    }
  })
}

/**
 * An async iterator over the `event` events of `emitter` (each value the
 * array of the event's arguments); throws on 'error', ends on `signal` abort
 * (rejecting with AbortError) or on `options.close` events.
 */
function on(emitter, event, options = {}) {
  const signal = options.signal
  if (signal && signal.aborted) throw abortError(signal)
  const unconsumed = []
  const waiting = []
  let error = null
  let finished = false
  const isEE = typeof emitter.on === 'function'
  const add = (n, f) => (isEE ? emitter.on(n, f) : emitter.addEventListener(n, f))
  const remove = (n, f) => (isEE ? emitter.removeListener(n, f) : emitter.removeEventListener(n, f))
  const closeEvents = options.close || []
  const onEvent = (...args) => {
    const value = isEE ? args : [args[0]]
    if (waiting.length > 0) waiting.shift().resolve({ value, done: false })
    else unconsumed.push(value)
  }
  const onError = (err) => {
    if (waiting.length > 0) waiting.shift().reject(err)
    else error = err
    iterator.return()
  }
  const onClose = () => closeHandler()
  const onAbort = () => errorHandler(abortError(signal))
  function errorHandler(err) {
    if (waiting.length > 0) waiting.shift().reject(err)
    else error = err
    iterator.return()
  }
  function closeHandler() {
    cleanup()
    finished = true
    while (waiting.length > 0) waiting.shift().resolve({ value: undefined, done: true })
  }
  function cleanup() {
    remove(event, onEvent)
    if (isEE && event !== 'error') remove('error', onError)
    for (const c of closeEvents) remove(c, onClose)
    if (signal) signal.removeEventListener('abort', onAbort)
  }
  const iterator = Object.setPrototypeOf({
    next() {
      const value = unconsumed.shift()
      if (value !== undefined) return Promise.resolve({ value, done: false })
      if (error) {
        const p = Promise.reject(error)
        error = null
        return p
      }
      if (finished) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
    return() {
      cleanup()
      finished = true
      while (waiting.length > 0) waiting.shift().resolve({ value: undefined, done: true })
      return Promise.resolve({ value: undefined, done: true })
    },
    throw(err) {
      error = err
      cleanup()
      return Promise.reject(err)
    },
    [Symbol.asyncIterator]() { return this },
  }, Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype))
  add(event, onEvent)
  if (isEE && event !== 'error') add('error', onError)
  for (const c of closeEvents) add(c, onClose)
  if (signal) signal.addEventListener('abort', onAbort, { once: true })
  return iterator
}

/** A copy of the listeners of `event` on an EventEmitter (EventTargets: [] — their lists are private). */
function getEventListeners(emitter, event) {
  if (typeof emitter.listeners === 'function') return emitter.listeners(event)
  return []
}

/** The max listeners of an EventEmitter (EventTargets: the default). */
function getMaxListeners(emitter) {
  if (typeof emitter.getMaxListeners === 'function') return emitter.getMaxListeners()
  return EventEmitter.defaultMaxListeners
}

/** Sets the max listeners of the given emitters, or the default when none is given. */
function setMaxListeners(n = EventEmitter.defaultMaxListeners, ...eventTargets) {
  if (typeof n !== 'number' || n < 0 || Number.isNaN(n)) {
    throw codedError('ERR_OUT_OF_RANGE', `The value of "n" is out of range. It must be a non-negative number. Received ${inspect(n)}`, RangeError)
  }
  if (eventTargets.length === 0) EventEmitter.defaultMaxListeners = n
  for (const target of eventTargets) {
    if (typeof target.setMaxListeners === 'function') target.setMaxListeners(n)
    else if (typeof target.addEventListener !== 'function') throw invalidArgType('eventTargets', 'an instance of EventEmitter or EventTarget', target)
  }
}

/** Calls `listener` once `signal` aborts (at once if it has); returns a disposable that removes it. */
function addAbortListener(signal, listener) {
  if (signal === undefined) throw invalidArgType('signal', 'an instance of AbortSignal', signal)
  if (typeof listener !== 'function') throw invalidArgType('listener', 'of type function', listener)
  let removed = false
  const remove = () => { if (!removed) { removed = true; signal.removeEventListener('abort', listener) } }
  if (signal.aborted) queueMicrotask(() => listener())
  else signal.addEventListener('abort', listener, { once: true })
  return { __proto__: null, [Symbol.dispose || Symbol.for('nodejs.dispose')]: remove }
}

/** Node's EventEmitterAsyncResource: an EventEmitter here (async_hooks, and so its resource, are host-only). */
class EventEmitterAsyncResource extends EventEmitter {
  /** Throws ERR_NOT_AVAILABLE: async resources are host-only. */
  get asyncResource() { throw notAvailable('EventEmitterAsyncResource.asyncResource', 'async_hooks is host-only') }
  /** Throws ERR_NOT_AVAILABLE. */
  get asyncId() { throw notAvailable('EventEmitterAsyncResource.asyncId', 'async_hooks is host-only') }
  /** Throws ERR_NOT_AVAILABLE. */
  get triggerAsyncId() { throw notAvailable('EventEmitterAsyncResource.triggerAsyncId', 'async_hooks is host-only') }
  /** Does nothing: no async resource to destroy. */
  emitDestroy() {}
}

EventEmitter.EventEmitterAsyncResource = EventEmitterAsyncResource
EventEmitter.once = once
EventEmitter.on = on
EventEmitter.getEventListeners = getEventListeners
EventEmitter.getMaxListeners = getMaxListeners
EventEmitter.setMaxListeners = setMaxListeners
EventEmitter.addAbortListener = addAbortListener
EventEmitter.errorMonitor = errorMonitor
EventEmitter.captureRejections = false
EventEmitter.captureRejectionSymbol = Symbol.for('nodejs.rejection')
EventEmitter.usingDomains = false
EventEmitter.EventEmitter = EventEmitter
module.exports = EventEmitter
