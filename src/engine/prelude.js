// The globals of a thread (API.md section 0), built on a few native functions.
// Evaluated once per realm (context) as `(function (native, realmId) { ... })`;
// returns the hooks the Rust event loop calls. What depends on the thread
// (its id, its clock, its messengers) is set by `hooks.start(threadId)`, so
// a warm spare can install the rest before it knows its thread.
(function (native, realmId) {
  'use strict'
  let threadId = 0
  const g = globalThis
  const define = (obj, name, value) =>
    Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false })

  // Streams over parent messages, with credit-based backpressure: a writer
  // may have CREDIT chunks in flight; the reader grants more as it consumes.
  function makeStreams(post) {
    const CREDIT = 16
    const TAG = '__isothreadStream'
    const writers = new Map()
    const readers = new Map()
    const handlers = new Set()
    let next = 1
    const on = (obj) => {
      const events = { data: [], end: [], error: [] }
      obj.on = (name, cb) => { if (events[name]) events[name].push(cb); return obj }
      return events
    }
    return {
      create(metaData) {
        const id = `t${threadId}-${next++}`
        return new Promise((resolve, reject) => {
          const w = { credit: 0, waiting: [], ended: false, accepted: null }
          w.accepted = { resolve, reject }
          writers.set(id, w)
          post({ [TAG]: 'open', id, metaData })
        })
      },
      onStream(cb) {
        if (typeof cb !== 'function') throw new TypeError('onStream takes a function')
        handlers.add(cb)
        return () => { handlers.delete(cb) }
      },
      handle(m) {
        if (m === null || typeof m !== 'object' || typeof m[TAG] !== 'string') return false
        const { id } = m
        switch (m[TAG]) {
          case 'open': {
            const reader = { metaData: m.metaData }
            const events = on(reader)
            readers.set(id, { reader, events, queue: Promise.resolve() })
            for (const cb of [...handlers]) {
              try { cb(reader) } catch (e) { Promise.reject(e) }
            }
            post({ [TAG]: 'accept', id, credit: CREDIT })
            return true
          }
          case 'data': {
            const r = readers.get(id)
            if (r === undefined) return true
            // Credit goes back once every data handler finished the chunk.
            r.queue = r.queue.then(() => Promise.all(r.events.data.map((cb) => cb(m.chunk))))
              .catch((e) => Promise.reject(e))
              .finally(() => post({ [TAG]: 'credit', id, n: 1 }))
            return true
          }
          case 'end':
          case 'error': {
            const r = readers.get(id)
            if (r === undefined) return true
            readers.delete(id)
            const kind = m[TAG]
            r.queue.then(() => {
              for (const cb of r.events[kind]) cb(kind === 'error' ? new Error(m.message) : undefined)
            })
            return true
          }
          case 'accept':
          case 'credit': {
            const w = writers.get(id)
            if (w === undefined) return true
            w.credit += m[TAG] === 'accept' ? m.credit : m.n
            while (w.credit > 0 && w.waiting.length > 0) { w.credit--; w.waiting.shift()() }
            if (w.accepted !== null) {
              const { resolve } = w.accepted
              w.accepted = null
              resolve({
                id,
                write(chunk) {
                  if (w.ended) return Promise.reject(new Error('write after end'))
                  const send = () => post({ [TAG]: 'data', id, chunk })
                  if (w.credit > 0) { w.credit--; send(); return Promise.resolve() }
                  return new Promise((res) => w.waiting.push(() => { send(); res() }))
                },
                end() {
                  w.ended = true
                  const finish = () => { writers.delete(id); post({ [TAG]: 'end', id }) }
                  if (w.waiting.length === 0) finish()
                  else w.waiting.push(finish)
                },
              })
            }
            return true
          }
        }
        return true
      },
    }
  }

  // console: forwarded to the host console with the arguments cloned.
  const levels = { log: 0, info: 1, warn: 2, error: 3, debug: 4, trace: 4 }
  const consoleObj = {}
  // V8's own console reports to an attached debugger (a no-op otherwise).
  const v8console = g.console
  define(consoleObj, 'assert', function (cond, ...args) {
    if (!cond) native.print(3, ['Assertion failed' + (args.length ? ':' : ''), ...args])
  })
  // The rest of Node's console, on the same forwarding (the host formats).
  const counts = new Map()
  const started = new Map()
  let indent = ''
  const out = (level, args) => native.print(level, indent === '' ? args : [indent.slice(1), ...args])
  for (const name of Object.keys(levels)) {
    const inspector = v8console[name]
    define(consoleObj, name, function (...args) {
      inspector.apply(v8console, args)
      out(levels[name], args)
    })
  }
  define(consoleObj, 'dir', function (value) { out(0, [value]) })
  define(consoleObj, 'dirxml', function (...args) { out(0, args) })
  define(consoleObj, 'table', function (...args) { out(0, args) })
  define(consoleObj, 'count', function (label = 'default') {
    const n = (counts.get(`${label}`) || 0) + 1
    counts.set(`${label}`, n)
    out(1, [`${label}: ${n}`])
  })
  define(consoleObj, 'countReset', function (label = 'default') { counts.delete(`${label}`) })
  define(consoleObj, 'group', function (...args) { if (args.length) out(0, args); indent += '  ' })
  define(consoleObj, 'groupCollapsed', consoleObj.group)
  define(consoleObj, 'groupEnd', function () { indent = indent.slice(2) })
  const elapsed = (label) => {
    const ms = native.now() - started.get(label)
    return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`
  }
  define(consoleObj, 'time', function (label = 'default') { started.set(`${label}`, native.now()) })
  define(consoleObj, 'timeLog', function (label = 'default', ...args) {
    if (started.has(`${label}`)) out(1, [`${label}: ${elapsed(`${label}`)}`, ...args])
  })
  define(consoleObj, 'timeEnd', function (label = 'default') {
    if (started.has(`${label}`)) { out(1, [`${label}: ${elapsed(`${label}`)}`]); started.delete(`${label}`) }
  })
  define(g, 'console', consoleObj)

  // Timers: callbacks live here, deadlines in the Rust timer queue.
  const timers = new Map()
  // Ids are unique across the realms of this thread: realmId * 2**32 + n.
  const idBase = realmId * 4294967296
  let nextId = 1
  const toDelay = (ms) => {
    ms = Number(ms)
    return ms >= 1 && ms <= 2147483647 ? ms : (ms > 2147483647 ? 1 : 0)
  }
  // What setTimeout/setInterval/setImmediate return, as Node's Timeout
  // and Immediate: ref/unref/hasRef/refresh, and the id as its number.
  // (A thread's timers never keep the host alive: ref state is recorded only.)
  class Timeout {
    #id; #ref = true
    constructor(id) { this.#id = id }
    ref() { this.#ref = true; return this }
    unref() { this.#ref = false; return this }
    hasRef() { return this.#ref }
    refresh() {
      const t = timers.get(this.#id)
      if (t !== undefined) { native.timerClear(this.#id); native.timerStart(this.#id, t.delay) }
      return this
    }
    close() { clear(this.#id); return this }
    [Symbol.toPrimitive]() { return this.#id }
  }
  class Immediate extends Timeout {}
  const addTimer = (fn, ms, args, repeat, Kind = Timeout) => {
    if (typeof fn !== 'function') {
      throw Object.assign(new TypeError('The "callback" argument must be of type function'), { code: 'ERR_INVALID_ARG_TYPE' })
    }
    const id = idBase + nextId++
    const delay = toDelay(ms)
    timers.set(id, { fn, args, repeat, delay })
    native.timerStart(id, delay)
    return new Kind(id)
  }
  const clear = (timer) => {
    const id = typeof timer === 'object' && timer !== null ? +timer : typeof timer === 'string' ? Number(timer) : timer
    if (typeof id === 'number' && timers.delete(id)) native.timerClear(id)
  }
  define(g, 'setTimeout', (fn, ms, ...args) => addTimer(fn, ms, args, false))
  define(g, 'setInterval', (fn, ms, ...args) => addTimer(fn, ms, args, true))
  define(g, 'clearTimeout', clear)
  define(g, 'clearInterval', clear)
  define(g, 'queueMicrotask', (fn) => {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function')
    Promise.resolve().then(() => fn())
  })

  define(g, 'structuredClone', (value, options) => native.clone(value, options && options.transfer))

  define(g, 'performance', undefined) // (made by start(): its clock starts with the thread)

  class TextEncoder {
    get encoding() { return 'utf-8' }
    encode(input = '') { return native.utf8Encode(String(input)) }
    encodeInto(input, dest) {
      const bytes = native.utf8Encode(String(input))
      // Never split a character: back off to a code point boundary.
      let n = Math.min(bytes.length, dest.length)
      while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--
      dest.set(bytes.subarray(0, n))
      const read = native.utf8Decode(bytes.subarray(0, n), false).length
      return { read, written: n }
    }
  }
  // TextDecoder: UTF-8 (streaming too), UTF-16LE and latin1 (which Node
  // names windows-1252), labels as Node takes them. windows-1252 decodes as
  // the host's does: byte for byte under Node 20, with the Encoding
  // Standard's table for 0x80-0x9F under Node 22+, Bun and Deno.
  const ENCODINGS = {
    'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
    'utf-16le': 'utf-16le', 'utf-16': 'utf-16le', utf16le: 'utf-16le', 'ucs-2': 'utf-16le', unicode: 'utf-16le',
    latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', ascii: 'windows-1252', 'us-ascii': 'windows-1252',
    'windows-1252': 'windows-1252', l1: 'windows-1252', cp1252: 'windows-1252', 'iso8859-1': 'windows-1252',
  }
  const invalid = (enc) => Object.assign(new TypeError(`The encoded data was not valid for encoding ${enc}`), { code: 'ERR_ENCODING_INVALID_ENCODED_DATA' })
  const chars = (codes) => {
    let out = ''
    for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode.apply(null, codes.subarray(i, i + 8192))
    return out
  }
  // The Encoding Standard's windows-1252 code points for bytes 0x80-0x9F.
  const CP1252 = [
    0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
    0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
  ]
  let hostUses1252
  const windows1252 = (view) => {
    if (hostUses1252 === undefined) hostUses1252 = load().runtime('internal/host.js').hostInfo().textDecoderWindows1252 === true
    if (!hostUses1252 || !view.some((b) => b >= 0x80 && b <= 0x9f)) return chars(view)
    return chars(Uint16Array.from(view, (b) => (b >= 0x80 && b <= 0x9f ? CP1252[b - 0x80] : b)))
  }
  class TextDecoder {
    #encoding; #fatal; #ignoreBOM; #pending = null; #bomSeen = false
    constructor(label = 'utf-8', options = {}) {
      const enc = ENCODINGS[String(label).trim().toLowerCase()]
      if (enc === undefined) {
        throw Object.assign(new RangeError(`The "${label}" encoding is not supported`), { code: 'ERR_ENCODING_NOT_SUPPORTED' })
      }
      this.#encoding = enc
      this.#fatal = !!(options && options.fatal)
      this.#ignoreBOM = !!(options && options.ignoreBOM)
    }
    get encoding() { return this.#encoding }
    get fatal() { return this.#fatal }
    get ignoreBOM() { return this.#ignoreBOM }
    decode(input, options) {
      let view
      if (input === undefined) view = new Uint8Array(0)
      else if (ArrayBuffer.isView(input)) view = new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      else if (input instanceof ArrayBuffer || input instanceof SharedArrayBuffer) view = new Uint8Array(input)
      else throw Object.assign(new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView'), { code: 'ERR_INVALID_ARG_TYPE' })
      const stream = !!(options && options.stream)
      if (this.#pending !== null) {
        const joined = new Uint8Array(this.#pending.length + view.length)
        joined.set(this.#pending)
        joined.set(view, this.#pending.length)
        view = joined
        this.#pending = null
      }
      if (this.#encoding === 'windows-1252') return windows1252(view)
      let keep = 0
      if (stream) keep = this.#encoding === 'utf-8' ? utf8Tail(view) : view.length % 2
      if (keep > 0) {
        this.#pending = view.slice(view.length - keep)
        view = view.subarray(0, view.length - keep)
      }
      let out
      if (this.#encoding === 'utf-8') {
        out = native.utf8Decode(view, this.#fatal)
        if (out === null) throw invalid('utf-8')
      } else {
        const even = view.length - (view.length % 2)
        out = chars(new Uint16Array(view.buffer.slice(view.byteOffset, view.byteOffset + even)))
        if (even !== view.length) {
          if (this.#fatal) throw invalid('utf-16le')
          out += '\ufffd'
        }
      }
      if (!this.#ignoreBOM && !this.#bomSeen && out.charCodeAt(0) === 0xfeff) out = out.slice(1)
      this.#bomSeen = stream && (this.#bomSeen || out.length > 0 || view.length > 0)
      return out
    }
  }
  // How many bytes at the end of `v` start a UTF-8 sequence not yet complete.
  function utf8Tail(v) {
    for (let back = 1; back <= 3 && back <= v.length; back++) {
      const b = v[v.length - back]
      if ((b & 0xc0) === 0x80) continue
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
      return need > back ? back : 0
    }
    return 0
  }
  define(g, 'TextEncoder', TextEncoder)
  define(g, 'TextDecoder', TextDecoder)
  define(g, 'threadId', undefined) // (set by start(); defined here to keep the globals' order)
  // Named locks shared by the whole process (API.md section 4): blocking here.
  const lockId = (id) => {
    if (typeof id !== 'string' && typeof id !== 'number') throw new TypeError('a lock id is a string or a number')
    return String(id)
  }
  define(g, 'lock', (id) => { native.lock(lockId(id)) })
  define(g, 'unlock', (id) => { native.unlock(lockId(id)) })
  define(g, 'self', g)
  define(g, 'global', g)
  define(g, 'setImmediate', (fn, ...args) => addTimer(fn, 0, args, false, Immediate))
  define(g, 'clearImmediate', clear)

  // What needs the module loader is made on first use, so a thread that
  // never touches it starts as fast as one without it (RUNTIME.md section 1).
  let loader
  const load = () => loader || (loader = native.loader())
  const lazy = (name, get) => Object.defineProperty(g, name, {
    configurable: true,
    enumerable: false,
    get() { const v = get(); define(g, name, v); return v },
    set(v) { define(g, name, v) },
  })
  lazy('require', () => load().require)
  lazy('process', () => load().builtin('process'))
  lazy('Buffer', () => load().builtin('buffer').Buffer)
  const web = (file, names) => {
    for (const name of names) lazy(name, () => load().runtime(`web/${file}.js`)[name])
  }
  web('url', ['URL', 'URLSearchParams'])
  web('base64', ['atob', 'btoa'])
  web('events', ['EventTarget', 'Event', 'CustomEvent', 'DOMException', 'AbortController', 'AbortSignal'])
  web('crypto', ['crypto', 'Crypto', 'CryptoKey', 'SubtleCrypto'])
  web('navigator', ['navigator'])

  // Atomics.notify also wakes the host's Atomics.waitAsync waiters on memory
  // shared with the host (each engine keeps its own waiter list).
  const atomicsNotify = Atomics.notify
  define(Atomics, 'notify', function notify(ta, index, count) {
    const woken = atomicsNotify(ta, index, count)
    native.hostNotify(ta, index, count)
    return woken
  })

  // Message listeners as parent and messengers expose them: onMessage
  // returns a remover; a throwing listener is an uncaught error and the
  // others still run.
  function makeListeners() {
    const set = new Set()
    const on = (cb) => {
      if (typeof cb !== 'function') throw new TypeError('onMessage takes a function')
      set.add(cb)
      return () => { set.delete(cb) }
    }
    return {
      on,
      off(cb) { set.delete(cb) },
      wait(predicate = () => true) {
        return new Promise((resolve, reject) => {
          const off = on((m) => {
            let hit
            try { hit = predicate(m) } catch (e) { off(); reject(e); return }
            if (hit) { off(); resolve(m) }
          })
        })
      },
      emit(value) {
        if (set.size === 1) { // (most channels: no copy of the set per message)
          const cb = set.values().next().value
          try { cb(value) } catch (e) { Promise.reject(e) }
          return
        }
        for (const cb of [...set]) {
          try { cb(value) } catch (e) { Promise.reject(e) }
        }
      },
    }
  }

  // parent.host: the host functions this realm may call (its Thread's,
  // ThreadPool's or define()'s `host` option), made on first use. Each
  // returns a promise of the host function's (cloned) result.
  let hostFunctions
  const makeHost = () => {
    const fns = Object.create(null)
    const call = native.hostCall
    // (a function goes by its place in the list, which the host holds too)
    native.hostNames(realmId).forEach((name, i) => { fns[name] = { [name]: (...args) => call(realmId, i, args) }[name] })
    return Object.freeze(fns)
  }

  // parent: messages with the host (progress messages of a call, services,
  // ThreadsManager, ...) and host functions.
  const listeners = makeListeners()
  const streams = makeStreams((value) => native.post(value))
  const parent = Object.freeze({
    sendMessage(value) { native.post(value) },
    get host() { return hostFunctions || (hostFunctions = makeHost()) },
    /** A stream to the host: resolves with a writer once the host accepted it. */
    createStream(metaData) { return streams.create(metaData) },
    /** Streams the host opens: `cb(reader)`, reader.metaData. Returns a remover. */
    onStream(cb) { return streams.onStream(cb) },
    onMessage: listeners.on,
    offMessage: listeners.off,
    waitForMessage: listeners.wait,
  })
  define(g, 'parent', parent)

  // messengers: broadcast channels by name, shared with the host and other
  // threads (API.md section 2). A thread receives the messengers it is given.
  const attached = new Map()
  const waiting = new Map()
  class Messenger {
    #name
    #listeners = makeListeners()
    #closed = false
    constructor(name) { this.#name = name }
    get ID() { return this.#name }
    get uniqueKey() { return `${this.#name}@thread-${threadId}` }
    onMessage(cb) { return this.#listeners.on(cb) }
    offMessage(cb) { this.#listeners.off(cb) }
    waitForMessage(predicate) { return this.#listeners.wait(predicate) }
    sendMessage(value) {
      if (this.#closed) throw Object.assign(new Error(`messenger ${this.#name} is closed`), { code: 'ERR_CLOSED' })
      native.messengerPost(this.#name, value)
    }
    transfer() { return { name: this.#name } }
    setRef() { return this }
    close() { this.#closed = true; attached.delete(this.#name); native.messengerLeave(this.#name) }
    closeAll() { native.messengerCloseAll(this.#name); this.close() }
    /** @internal */
    _deliver(value) { this.#listeners.emit(value) }
  }
  const attach = (name) => {
    if (!attached.has(name)) attached.set(name, new Messenger(name))
    const list = waiting.get(name)
    if (list !== undefined) {
      waiting.delete(name)
      for (const resolve of list) resolve(attached.get(name))
    }
  }
  define(g, 'messengers', Object.freeze({
    /** With a name: that messenger if this thread has it, else undefined; without: all of them, keyed by name (as nanolith's list). */
    seek(name) { return name === undefined ? Object.fromEntries(attached) : attached.get(String(name)) },
    /** Resolves with messenger `name` once this thread has it. */
    use(name) {
      name = String(name)
      if (attached.has(name)) return Promise.resolve(attached.get(name))
      return new Promise((resolve) => {
        if (!waiting.has(name)) waiting.set(name, [])
        waiting.get(name).push(resolve)
      })
    },
  }))

  return {
    internals: native,
    /** Bind this realm to its thread: run once, before any user code. */
    start(id) {
      threadId = id
      define(g, 'threadId', id)
      const timeOrigin = native.timeOrigin()
      define(g, 'performance', Object.freeze({ now: () => native.now(), timeOrigin }))
      for (const name of native.messengerNames()) attach(name)
    },
    messengerAttach: attach,
    messengerDispatch(name, values, close) {
      const m = attached.get(name)
      if (m === undefined) return
      if (close) { m.close(); return }
      // (a listener may close the messenger: what follows is not delivered)
      for (let i = 0; i < values.length && attached.get(name) === m; i++) m._deliver(values[i])
    },
    dispatch(value) {
      if (!streams.handle(value)) listeners.emit(value)
    },
    fire(id) {
      const t = timers.get(id)
      if (t === undefined) return
      if (t.repeat) native.timerStart(id, t.delay)
      else timers.delete(id)
      t.fn.apply(undefined, t.args)
    },
    clearAll() { timers.clear() },
  }
})
