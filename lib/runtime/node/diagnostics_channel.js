'use strict'
// node:diagnostics_channel inside a thread: Node's named pub/sub channels
// and tracing channels, working within the thread (as in a Node worker,
// channels are per isolate: the host's subscribers do not see a thread's
// messages). Packages such as lru-cache create channels at load. Stores
// (bindStore: AsyncLocalStorage is host-only) are accepted and not entered.

const channels = new Map()

function invalidArgType(name, expected, value) {
  const e = /** @type {TypeError & { code?: string }} */ (new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : `type ${typeof value}`}`))
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}

class Channel {
  #subscribers = []
  #stores = new Map()
  constructor(name) { this.name = name }
  /** True when something subscribed (or a store is bound). */
  get hasSubscribers() { return this.#subscribers.length > 0 || this.#stores.size > 0 }
  /** Calls `onMessage(message, name)` for every message published. */
  subscribe(onMessage) {
    if (typeof onMessage !== 'function') throw invalidArgType('subscription', 'of type function', onMessage)
    this.#subscribers = [...this.#subscribers, onMessage]
  }
  /** Removes a subscriber; true when it was subscribed. */
  unsubscribe(onMessage) {
    const i = this.#subscribers.indexOf(onMessage)
    if (i === -1) return false
    this.#subscribers = [...this.#subscribers.slice(0, i), ...this.#subscribers.slice(i + 1)]
    return true
  }
  /** Sends `message` to every subscriber; a throwing subscriber's error is rethrown in a later tick. */
  publish(message) {
    for (const onMessage of this.#subscribers) {
      try {
        onMessage(message, this.name)
      } catch (err) {
        globalThis.process.nextTick(() => { throw err })
      }
    }
  }
  /** Records `store` (entered by runStores in Node; here kept only so hasSubscribers is true). */
  bindStore(store, transform) { this.#stores.set(store, transform) }
  /** Forgets `store`; true when it was bound. */
  unbindStore(store) { return this.#stores.delete(store) }
  /** Publishes `data`, then runs `fn` with `thisArg` and `args`. */
  runStores(data, fn, thisArg, ...args) {
    this.publish(data)
    return Reflect.apply(fn, thisArg, args)
  }
}

/** The channel named `name` (the same object for the same name). */
function channel(name) {
  if (typeof name !== 'string' && typeof name !== 'symbol') throw invalidArgType('channel', 'of type string or symbol', name)
  let c = channels.get(name)
  if (c === undefined) channels.set(name, (c = new Channel(name)))
  return c
}

/** True when channel `name` has subscribers. */
function hasSubscribers(name) { return channels.has(name) && channels.get(name).hasSubscribers }
/** Subscribes `onMessage` to channel `name`. */
function subscribe(name, onMessage) { channel(name).subscribe(onMessage) }
/** Unsubscribes `onMessage` from channel `name`; true when it was subscribed. */
function unsubscribe(name, onMessage) { return channels.has(name) && channels.get(name).unsubscribe(onMessage) }

const traceEvents = ['start', 'end', 'asyncStart', 'asyncEnd', 'error']

class TracingChannel {
  // The five channels (declared for the type checker; the constructor sets them, in this order).
  /** @type {Channel} */ start
  /** @type {Channel} */ end
  /** @type {Channel} */ asyncStart
  /** @type {Channel} */ asyncEnd
  /** @type {Channel} */ error
  constructor(nameOrChannels) {
    for (const event of traceEvents) {
      this[event] = typeof nameOrChannels === 'string' ? channel(`tracing:${nameOrChannels}:${event}`) : nameOrChannels[event]
    }
  }
  /** True when any of the five channels has subscribers. */
  get hasSubscribers() { return traceEvents.some((e) => this[e].hasSubscribers) }
  /** Subscribes handlers `{ start, end, asyncStart, asyncEnd, error }` to their channels. */
  subscribe(handlers) {
    for (const e of traceEvents) if (handlers[e]) this[e].subscribe(handlers[e])
  }
  /** Unsubscribes handlers; true when every one was subscribed. */
  unsubscribe(handlers) {
    let done = true
    for (const e of traceEvents) if (handlers[e] && !this[e].unsubscribe(handlers[e])) done = false
    return done
  }
  /** Runs `fn` publishing start/end (and error) around it. */
  traceSync(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args)
    this.start.publish(context)
    try {
      const result = Reflect.apply(fn, thisArg, args)
      context.result = result
      return result
    } catch (err) {
      context.error = err
      this.error.publish(context)
      throw err
    } finally {
      this.end.publish(context)
    }
  }
  /** Runs promise-returning `fn` publishing start/end, then asyncStart/asyncEnd (and error) when it settles. */
  tracePromise(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args)
    const settle = (key, value) => {
      context[key] = value
      if (key === 'error') this.error.publish(context)
      this.asyncStart.publish(context)
      this.asyncEnd.publish(context)
    }
    this.start.publish(context)
    try {
      const promise = Promise.resolve(Reflect.apply(fn, thisArg, args))
      return promise.then((result) => { settle('result', result); return result }, (err) => { settle('error', err); throw err })
    } catch (err) {
      context.error = err
      this.error.publish(context)
      throw err
    } finally {
      this.end.publish(context)
    }
  }
  /** Runs `fn` whose callback is argument `position` (-1: last), publishing around the call and the callback. */
  traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args)
    const at = position < 0 ? args.length + position : position
    const callback = args[at]
    if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
    const tracing = this
    args[at] = function (err, res) {
      if (err) { context.error = err; tracing.error.publish(context) } else context.result = res
      tracing.asyncStart.publish(context)
      try { return Reflect.apply(callback, this, arguments) } finally { tracing.asyncEnd.publish(context) }
    }
    return this.traceSync(fn, context, thisArg, ...args)
  }
}

/** The tracing channel `name` (or one made of the five given channels). */
function tracingChannel(nameOrChannels) { return new TracingChannel(nameOrChannels) }

module.exports = { channel, hasSubscribers, subscribe, unsubscribe, tracingChannel, Channel }
