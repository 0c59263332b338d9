'use strict'
// EventTarget, Event, CustomEvent, DOMException, AbortController and
// AbortSignal inside a thread, as Node has them (RUNTIME.md §1): Node's
// dispatch order (insertion order, capture flag only tells listeners apart;
// a listener added while dispatching runs in the same dispatch), its error
// codes and DOMException's names and legacy codes.
const { codeError, invalidArgType, outOfRange, missingArgs } = require('../lib/io-errors.js')

// --- DOMException ----------------------------------------------------------

const LEGACY = [
  'IndexSizeError', 'DOMStringSizeError', 'HierarchyRequestError', 'WrongDocumentError', 'InvalidCharacterError',
  'NoDataAllowedError', 'NoModificationAllowedError', 'NotFoundError', 'NotSupportedError', 'InUseAttributeError',
  'InvalidStateError', 'SyntaxError', 'InvalidModificationError', 'NamespaceError', 'InvalidAccessError',
  'ValidationError', 'TypeMismatchError', 'SecurityError', 'NetworkError', 'AbortError', 'URLMismatchError',
  'QuotaExceededError', 'TimeoutError', 'InvalidNodeTypeError', 'DataCloneError',
]
const CONSTANTS = [
  'INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR', 'WRONG_DOCUMENT_ERR', 'INVALID_CHARACTER_ERR',
  'NO_DATA_ALLOWED_ERR', 'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR', 'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR',
  'INVALID_STATE_ERR', 'SYNTAX_ERR', 'INVALID_MODIFICATION_ERR', 'NAMESPACE_ERR', 'INVALID_ACCESS_ERR',
  'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR', 'NETWORK_ERR', 'ABORT_ERR', 'URL_MISMATCH_ERR',
  'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR', 'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR',
]
// Names whose legacy code Node reports as 0 (they have a constant, no code).
const NO_CODE = new Set(['DOMStringSizeError', 'NoDataAllowedError', 'ValidationError'])

const domState = new WeakMap()
const domInternal = (self, what) => {
  const s = domState.get(self)
  if (s === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type DOMException')
  return s[what]
}

/** A web DOMException: `new DOMException(message, name | { name, cause })`. */
class DOMException extends Error {
  /**
   * @param {string} [message]
   * @param {string | { name?: string, cause?: unknown } | null} [options] the name, or `{ name, cause }`
   */
  constructor(message = '', options = 'Error') {
    super()
    // The message is a getter of the prototype, not an own property.
    delete /** @type {{ message?: string }} */ (this).message
    if (options !== null && typeof options === 'object') {
      domState.set(this, { message: `${message}`, name: `${options.name}` })
      if ('cause' in options) {
        Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true, enumerable: false })
      }
    } else {
      domState.set(this, { message: `${message}`, name: `${options}` })
    }
    // The stack's first line is `name: message`, as in Node (a holder with
    // those own values, since V8 does not read the getters when it captures).
    const holder = { name: domState.get(this).name, message: domState.get(this).message }
    Error.captureStackTrace(holder, DOMException)
    Object.defineProperty(this, 'stack', { value: holder.stack, writable: true, configurable: true, enumerable: false })
  }
  get name() { return domInternal(this, 'name') }
  get message() { return domInternal(this, 'message') }
  get code() {
    const name = domInternal(this, 'name')
    const i = LEGACY.indexOf(name)
    return i < 0 || NO_CODE.has(name) ? 0 : i + 1
  }
}
for (let i = 0; i < CONSTANTS.length; i++) {
  const desc = { value: i + 1, enumerable: true, writable: false, configurable: false }
  Object.defineProperty(DOMException, CONSTANTS[i], desc)
  Object.defineProperty(DOMException.prototype, CONSTANTS[i], desc)
}
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: 'DOMException', configurable: true })

// --- Event -----------------------------------------------------------------

const kState = Symbol('event state')
const kTrusted = Symbol('trusted event')
const isEvent = (e) => e !== null && typeof e === 'object' && e[kState] !== undefined

/** A web Event: `new Event(type, { bubbles, cancelable, composed })`. */
class Event {
  constructor(type, options = undefined) {
    if (arguments.length === 0) throw missingArgs('type')
    if (options != null && typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    const o = options || {}
    this[kState] = {
      type: `${type}`,
      bubbles: !!o.bubbles,
      cancelable: !!o.cancelable,
      composed: !!o.composed,
      trusted: !!o[kTrusted],
      defaultPrevented: false,
      timeStamp: performance.now(),
      target: null,
      currentTarget: null,
      dispatching: false,
      propagationStopped: false,
      immediateStopped: false,
      inPassive: false,
    }
  }
  /** Legacy initializer: resets type and flags of an event not being dispatched. */
  initEvent(type, bubbles = false, cancelable = false) {
    if (arguments.length === 0) throw missingArgs('type')
    const s = this[kState]
    if (s.dispatching) return
    s.type = `${type}`
    s.bubbles = !!bubbles
    s.cancelable = !!cancelable
  }
  /** Stops the remaining listeners of this dispatch. */
  stopImmediatePropagation() { this[kState].propagationStopped = true; this[kState].immediateStopped = true }
  /** Marks the event canceled if it is cancelable (not inside a passive listener). */
  preventDefault() {
    const s = this[kState]
    if (s.cancelable && !s.inPassive) s.defaultPrevented = true
  }
  get target() { return this[kState].target }
  get currentTarget() { return this[kState].currentTarget }
  get srcElement() { return this[kState].target }
  get type() { return this[kState].type }
  get cancelable() { return this[kState].cancelable }
  get defaultPrevented() { return this[kState].cancelable && this[kState].defaultPrevented }
  get timeStamp() { return this[kState].timeStamp }
  /** The current target while dispatching, else an empty array. */
  composedPath() { return this[kState].dispatching ? [this[kState].currentTarget] : [] }
  get returnValue() { return !this.defaultPrevented }
  set returnValue(v) { if (!v) this.preventDefault() }
  get bubbles() { return this[kState].bubbles }
  get composed() { return this[kState].composed }
  // (The phase constants are defined on Event below, outside the class body.)
  get eventPhase() { return this[kState].dispatching ? /** @type {any} */ (Event).AT_TARGET : /** @type {any} */ (Event).NONE }
  get cancelBubble() { return this[kState].propagationStopped }
  set cancelBubble(v) { if (v) this.stopPropagation() }
  /** Sets the propagation-stopped flag (there is no tree to stop). */
  stopPropagation() { this[kState].propagationStopped = true }
  get isTrusted() { return this[kState].trusted }
}
for (const [name, value] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]]) {
  // (on the class only, as in Node)
  Object.defineProperty(Event, name, { value, enumerable: true, writable: false, configurable: false })
}
Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: 'Event', configurable: true })

/** A web CustomEvent: an Event with `detail`. */
class CustomEvent extends Event {
  #detail
  constructor(type, options = undefined) {
    if (arguments.length === 0) throw missingArgs('type')
    super(type, options)
    this.#detail = options && options.detail !== undefined ? options.detail : null
  }
  get detail() { return this.#detail }
}
Object.defineProperty(CustomEvent.prototype, Symbol.toStringTag, { value: 'CustomEvent', configurable: true })

// --- EventTarget -----------------------------------------------------------

const kListeners = Symbol('listeners')

function flatten(options) {
  if (typeof options === 'boolean') return { capture: options, once: false, passive: false, signal: undefined }
  if (options == null) return { capture: false, once: false, passive: false, signal: undefined }
  if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  return { capture: !!options.capture, once: !!options.once, passive: !!options.passive, signal: options.signal }
}

function checkListener(listener) {
  if (typeof listener === 'function') return true
  if (listener == null) return false
  if (typeof listener === 'object') return true
  throw invalidArgType('listener', 'an instance of EventListener', listener)
}

/** A web EventTarget: listeners per type, called in the order they were added. */
class EventTarget {
  constructor() {
    // type -> { head, tail } of a doubly linked list of listener records
    Object.defineProperty(this, kListeners, { value: new Map(), writable: false, enumerable: false })
  }

  /** Adds `listener` for `type` unless the same (listener, capture) is there; options: capture, once, passive, signal. */
  addEventListener(type, listener, options = undefined) {
    if (arguments.length < 2) throw missingArgs(arguments.length === 0 ? 'type' : 'listener')
    const { capture, once, passive, signal } = flatten(options)
    if (!checkListener(listener)) return
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
    if (signal && signal.aborted) return
    type = `${type}`
    const map = listenersOf(this)
    let list = map.get(type)
    if (list === undefined) map.set(type, list = { head: null, tail: null })
    for (let r = list.head; r !== null; r = r.next) {
      if (r.listener === listener && r.capture === capture) return
    }
    const record = { listener, capture, once, passive, removed: false, prev: list.tail, next: null }
    if (list.tail) list.tail.next = record
    else list.head = record
    list.tail = record
    if (signal) {
      signal.addEventListener('abort', () => this.removeEventListener(type, listener, { capture }), { once: true })
    }
  }

  /** Removes the listener added for `type` with the same capture flag. */
  removeEventListener(type, listener, options = undefined) {
    if (arguments.length < 2) throw missingArgs(arguments.length === 0 ? 'type' : 'listener')
    if (!checkListener(listener)) return
    const capture = typeof options === 'boolean' ? options : !!(options && options.capture)
    const list = listenersOf(this).get(`${type}`)
    if (list === undefined) return
    for (let r = list.head; r !== null; r = r.next) {
      if (r.listener === listener && r.capture === capture) { unlink(list, r); return }
    }
  }

  /** Calls the listeners of `event.type` in order; false if a listener canceled it. */
  dispatchEvent(event) {
    if (!isEvent(event)) throw invalidArgType('event', 'an instance of Event', event)
    const s = event[kState]
    if (s.dispatching) throw codeError(Error, 'ERR_EVENT_RECURSION', `The event "${s.type}" is already being dispatched`)
    s.dispatching = true
    s.target = this
    s.currentTarget = this
    try {
      const list = listenersOf(this).get(s.type)
      for (let r = list === undefined ? null : list.head; r !== null; r = r.next) {
        if (r.removed) continue
        if (r.once) unlink(list, r)
        s.inPassive = r.passive
        try {
          const l = r.listener
          const ret = typeof l === 'function' ? l.call(this, event) : (typeof l.handleEvent === 'function' ? l.handleEvent(event) : undefined)
          if (ret !== undefined && ret !== null && typeof ret.then === 'function') {
            ret.then(undefined, (e) => { Promise.reject(e) })
          }
        } catch (e) {
          // As in Node: a throwing listener is an uncaught error; the others still run.
          Promise.reject(e)
        } finally {
          s.inPassive = false
        }
        if (s.immediateStopped) break
      }
    } finally {
      s.dispatching = false
      s.currentTarget = null
    }
    return !event.defaultPrevented
  }
}
Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: 'EventTarget', configurable: true })

function listenersOf(target) {
  const map = target[kListeners]
  if (map === undefined) throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type EventTarget')
  return map
}

function unlink(list, r) {
  r.removed = true
  if (r.prev) r.prev.next = r.next
  else if (list.head === r) list.head = r.next
  if (r.next) r.next.prev = r.prev
  else if (list.tail === r) list.tail = r.prev
  // r.next stays, so a dispatch standing on r goes on to what followed it
}

// --- AbortSignal and AbortController -----------------------------------------

const kCreate = Symbol('create AbortSignal')
const abortError = () => new DOMException('This operation was aborted', 'AbortError')

/** A web AbortSignal: `aborted`, `reason`, `onabort`, `throwIfAborted()`; `abort`, `timeout`, `any`. */
class AbortSignal extends EventTarget {
  #aborted = false
  #reason = undefined
  #onabort = null
  #onabortListener = null
  constructor(key) {
    if (key !== kCreate) throw codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor')
    super()
  }
  get aborted() { return this.#aborted }
  get reason() { return this.#reason }
  /** Throws `reason` if the signal has aborted. */
  throwIfAborted() { if (this.#aborted) throw this.#reason }
  get onabort() { return this.#onabort }
  set onabort(fn) {
    this.#onabort = typeof fn === 'function' || (fn !== null && typeof fn === 'object') ? fn : null
    if (this.#onabort !== null && this.#onabortListener === null) {
      this.#onabortListener = (event) => {
        const h = this.#onabort
        if (typeof h === 'function') return h.call(this, event)
      }
      this.addEventListener('abort', this.#onabortListener)
    }
  }

  /** A signal already aborted with `reason` (an AbortError DOMException by default). */
  static abort(reason = abortError()) {
    const s = new AbortSignal(kCreate)
    s.#aborted = true
    s.#reason = reason
    return s
  }

  /** A signal that aborts with a TimeoutError DOMException after `delay` ms. */
  static timeout(delay) {
    if (typeof delay !== 'number') throw invalidArgType('delay', 'of type number', delay)
    if (!Number.isInteger(delay)) throw outOfRange('delay', 'an integer', delay)
    if (delay < 0 || delay > 4294967295) throw outOfRange('delay', '>= 0 && <= 4294967295', delay)
    const s = new AbortSignal(kCreate)
    setTimeout(() => {
      signalAbort(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    }, delay)
    return s
  }

  /** A signal that aborts when the first of `signals` does, with its reason. */
  static any(signals) {
    if (signals == null || typeof signals[Symbol.iterator] !== 'function') {
      throw invalidArgType('signals', 'an instance of Array', signals)
    }
    const list = [...signals]
    list.forEach((sig, i) => {
      if (!(sig instanceof AbortSignal)) throw invalidArgType(`signals[${i}]`, 'an instance of AbortSignal', sig)
    })
    const out = new AbortSignal(kCreate)
    for (const sig of list) {
      if (sig.aborted) { out.#aborted = true; out.#reason = sig.reason; return out }
    }
    for (const sig of list) {
      sig.addEventListener('abort', () => signalAbort(out, sig.reason), { once: true })
    }
    return out
  }

  /** @internal sets the aborted state (signalAbort dispatches the event). */
  static [kCreate](signal, reason) { signal.#aborted = true; signal.#reason = reason }
}
Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: 'AbortSignal', configurable: true })

/** Abort `signal` with `reason` (once) and dispatch its trusted `abort` event. */
function signalAbort(signal, reason) {
  if (signal.aborted) return
  AbortSignal[kCreate](signal, reason)
  signal.dispatchEvent(new Event('abort', { [kTrusted]: true }))
}
/** A web AbortController: `signal` and `abort(reason)`. */
class AbortController {
  #signal = new AbortSignal(kCreate)
  get signal() { return this.#signal }
  /** Aborts the signal with `reason` (an AbortError DOMException by default). */
  abort(reason = abortError()) { signalAbort(this.#signal, reason) }
}
Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: 'AbortController', configurable: true })

module.exports = { EventTarget, Event, CustomEvent, DOMException, AbortController, AbortSignal }
