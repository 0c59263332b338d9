'use strict'
// node:process inside a thread (RUNTIME.md §1): the host's facts (version,
// versions + isothread, platform, arch, argv, pid, …), a copy of the
// environment writable inside the thread only, this thread's clocks and
// heap, nextTick, warnings and stdout/stderr to the host's console. What
// would act on the host process (exit, abort, kill, chdir) throws
// ERR_NOT_AVAILABLE. process is an EventEmitter, as in Node.

const EventEmitter = require('events')
const { native, host, runtimeDir } = require('isothread:internal')
const { hostInfo, codedError, notAvailable } = require('../internal/host.js')

const info = hostInfo()

// Node's process object: an instance of a `process` constructor whose
// prototype inherits from EventEmitter.prototype.
const Process = { process: function () {} }.process
Object.setPrototypeOf(Process.prototype, EventEmitter.prototype)
Object.defineProperty(Process.prototype, Symbol.toStringTag, { value: 'process', writable: false, enumerable: false, configurable: true })
const proc = new Process()
EventEmitter.call(proc)

function invalidArgType(name, expected, value) {
  return codedError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'Object'}` : `type ${typeof value} (${String(value)})`}`, TypeError)
}

// --- nextTick: a queue drained in one microtask, ticks queued by ticks included.
let ticks = []
let tickHead = 0
function runTicks() {
  try {
    while (tickHead < ticks.length) {
      const t = ticks[tickHead]
      ticks[tickHead++] = undefined
      Reflect.apply(t.callback, undefined, t.args)
    }
  } finally {
    if (tickHead < ticks.length) queueMicrotask(runTicks)
    else { ticks = []; tickHead = 0 }
  }
}
/**
 * Runs `callback(...args)` soon: after the current operation, in one
 * microtask with every tick queued meanwhile (so after promise callbacks
 * queued before it, unlike Node, which runs ticks before promise jobs).
 */
function nextTick(callback, ...args) {
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
  ticks.push({ callback, args })
  if (ticks.length - tickHead === 1) queueMicrotask(runTicks)
}

// --- clocks
/** [seconds, nanoseconds] of this thread's monotonic clock, or the time since `prev`. */
function hrtime(prev) {
  const t = native.now()
  let sec = Math.floor(t / 1e3)
  let nsec = Math.round((t - sec * 1e3) * 1e6)
  if (nsec >= 1e9) { sec++; nsec -= 1e9 }
  if (prev === undefined) return [sec, nsec]
  if (!Array.isArray(prev)) throw invalidArgType('time', 'an instance of Array', prev)
  if (prev.length !== 2) throw codedError('ERR_OUT_OF_RANGE', `The value of "time" is out of range. It must be 2. Received ${prev.length}`, RangeError)
  sec -= prev[0]
  nsec -= prev[1]
  if (nsec < 0) { sec--; nsec += 1e9 }
  return [sec, nsec]
}
/** Nanoseconds of this thread's monotonic clock, as a BigInt. */
hrtime.bigint = function bigint() { return BigInt(Math.round(native.now() * 1e6)) }

/** Seconds since this thread started (a thread's own uptime, not the host process's). */
function uptime() { return native.now() / 1e3 }

// --- memory: this thread's heap; rss is the heap plus its external memory.
/** { rss, heapTotal, heapUsed, external, arrayBuffers } of this thread. */
function memoryUsage() {
  const [used, total, , external] = host.heap()
  return { rss: total + external, heapTotal: total, heapUsed: used, external, arrayBuffers: external }
}
/** This thread's heap plus external memory, in bytes. */
memoryUsage.rss = function rss() {
  const [, total, , external] = host.heap()
  return total + external
}

// --- warnings, printed as Node prints them: `(node:<pid>) [code] Name: message`.
let helperShown = false
/** @typedef {Error & { code?: string, detail?: string }} Warning A warning as process.emitWarning() makes it. */
/** Print `warning` (an Error; anything else is ignored) as Node does. @param {Warning} warning */
function printWarning(warning) {
  if (!(warning instanceof Error)) return
  const isDeprecation = warning.name === 'DeprecationWarning'
  if (isDeprecation && proc.noDeprecation) return
  if (proc.noProcessWarnings) return
  const trace = proc.traceProcessWarnings || (isDeprecation && proc.traceDeprecation)
  let msg = `(node:${proc.pid}) `
  if (warning.code) msg += `[${warning.code}] `
  msg += trace && warning.stack ? warning.stack : String(warning)
  if (typeof warning.detail === 'string') msg += `\n${warning.detail}`
  if (!trace && !helperShown) {
    helperShown = true
    msg += `\n(Use \`node ${isDeprecation ? '--trace-deprecation' : '--trace-warnings'} ...\` to show where the warning was created)`
  }
  native.print(3, [msg])
}
/**
 * Emits a process warning: the 'warning' event in a later tick, and the
 * line Node prints, on the host's stderr (console.error).
 */
function emitWarning(warning, type, code, ctor) {
  let detail
  if (type !== null && typeof type === 'object' && !Array.isArray(type)) {
    ctor = type.ctor
    code = type.code
    if (typeof type.detail === 'string') detail = type.detail
    type = type.type || 'Warning'
  } else if (typeof type === 'function') {
    ctor = type
    code = undefined
    type = 'Warning'
  }
  if (type !== undefined && typeof type !== 'string') throw invalidArgType('type', 'of type string', type)
  if (typeof code === 'function') {
    ctor = code
    code = undefined
  } else if (code !== undefined && typeof code !== 'string') {
    throw invalidArgType('code', 'of type string', code)
  }
  if (typeof warning === 'string') {
    const w = /** @type {Warning} */ (new Error(warning))
    w.name = String(type || 'Warning')
    if (code !== undefined) w.code = code
    if (detail !== undefined) w.detail = detail
    Error.captureStackTrace(w, ctor || emitWarning)
    warning = w
  } else if (!(warning instanceof Error)) {
    throw invalidArgType('warning', 'of type string or an instance of Error', warning)
  }
  if (warning.name === 'DeprecationWarning') {
    if (proc.noDeprecation) return
    if (proc.throwDeprecation) throw warning
  }
  nextTick(() => {
    proc.emit('warning', warning)
    printWarning(warning)
  })
}

// --- stdout/stderr: lines to the host's console.log / console.error. The
// host's console ends each print with a newline, so text is buffered up to
// its last '\n' (which the console's own newline replaces); a partial line
// left at the end of the current job is printed then, with a newline.
function writable(fd, level) {
  // Its stream methods are assigned below.
  const s = /** @type {EventEmitter & Record<string, any>} */ (new EventEmitter())
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending !== '') {
      const text = pending
      pending = ''
      native.print(level, [text])
    }
  }
  Object.assign(s, {
    fd,
    isTTY: false,
    writable: true,
    _isStdio: true,
    /** Writes `chunk` (string, Buffer or Uint8Array) to the host's console; returns true. */
    write(chunk, encoding, cb) {
      if (typeof encoding === 'function') { cb = encoding; encoding = undefined }
      let text
      if (typeof chunk === 'string') {
        text = encoding && !/^utf-?8$/i.test(encoding) ? require('buffer').Buffer.from(chunk, encoding).toString() : chunk
      } else if (ArrayBuffer.isView(chunk)) {
        text = native.utf8Decode(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), false)
      } else {
        throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk)
      }
      pending += text
      const nl = pending.lastIndexOf('\n')
      if (nl !== -1) {
        const lines = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        native.print(level, [lines])
      }
      if (pending !== '' && !scheduled) { scheduled = true; queueMicrotask(flush) }
      if (typeof cb === 'function') nextTick(cb, null)
      return true
    },
    /** Writes the last `chunk`, if any, and calls `cb`. */
    end(chunk, encoding, cb) {
      if (typeof chunk === 'function') { cb = chunk; chunk = undefined }
      if (chunk !== undefined && chunk !== null) s.write(chunk, encoding)
      flush()
      if (typeof cb === 'function') nextTick(cb)
      return s
    },
    /** No-op: writes are not buffered beyond the current line. */
    cork() {},
    /** No-op. */
    uncork() {},
    /** No-op: strings are written as UTF-8. */
    setDefaultEncoding() { return s },
    /** 1: no colors (not a TTY). */
    getColorDepth() { return 1 },
    /** false: not a TTY. */
    hasColors() { return false },
  })
  return s
}
const stdin = Object.assign(new EventEmitter(), {
  fd: 0,
  isTTY: false,
  readable: false,
  /** Nothing to read inside a thread. */
  read() { return null },
  /** No-op. */
  setEncoding() { return stdin },
  /** No-op. */
  pause() { return stdin },
  /** No-op: no data ever comes. */
  resume() { return stdin },
  /** Throws ERR_NOT_AVAILABLE. */
  setRawMode() { throw notAvailable('process.stdin.setRawMode()') },
})

const denied = (what, why) => function () { throw notAvailable(what, why) }
const hostProcess = 'it would act on the host process; a thread never does'

const flags = new Set(info.execArgv || [])
const pkg = require(`${runtimeDir}/../../package.json`)

Object.assign(proc, {
  title: 'node',
  version: info.version,
  versions: { ...info.versions, isothread: pkg.version },
  arch: info.arch,
  platform: info.platform,
  release: info.release,
  argv: [...(info.argv || [])],
  execArgv: [...(info.execArgv || [])],
  argv0: 'node',
  execPath: info.execPath,
  pid: info.pid,
  ppid: info.ppid,
  env: { ...info.env },
  features: info.features,
  config: {},
  exitCode: undefined,
  stdin,
  stdout: writable(1, 0),
  stderr: writable(2, 3),
  noDeprecation: flags.has('--no-deprecation'),
  throwDeprecation: flags.has('--throw-deprecation'),
  traceDeprecation: flags.has('--trace-deprecation'),
  traceProcessWarnings: flags.has('--trace-warnings'),
  noProcessWarnings: flags.has('--no-warnings'),
  nextTick,
  hrtime,
  uptime,
  memoryUsage,
  emitWarning,
  /** The host process's working directory (when this thread first used process). */
  cwd: () => info.cwd,
  /** Throws ERR_NOT_AVAILABLE: the working directory belongs to the host. */
  chdir: denied('process.chdir()', 'the working directory belongs to the host process'),
  /** Throws ERR_NOT_AVAILABLE: a thread never ends the host process (return or throw instead). */
  exit: denied('process.exit()', 'a thread never ends the host process; return or throw instead'),
  /** Throws ERR_NOT_AVAILABLE. */
  reallyExit: denied('process.reallyExit()', hostProcess),
  /** Throws ERR_NOT_AVAILABLE. */
  abort: denied('process.abort()', hostProcess),
  /** Throws ERR_NOT_AVAILABLE. */
  kill: denied('process.kill()', 'signals are the host\'s'),
  /** Throws ERR_NOT_AVAILABLE: native bindings are host-only. */
  binding: denied('process.binding()', 'native bindings are host-only'),
  /** Throws ERR_NOT_AVAILABLE: native addons are host-only. */
  dlopen: denied('process.dlopen()', 'native addons are host-only'),
  /** The built-in module `id` (`fs`, `node:path` …) as require() gives it; undefined for other ids. */
  getBuiltinModule(id) {
    if (typeof id !== 'string') throw invalidArgType('id', 'of type string', id)
    return require('module').isBuiltin(id) ? require(id) : undefined
  },
  sourceMapsEnabled: false,
  /** Does nothing inside a thread (the host's setting applies to thread stack traces). */
  setSourceMapsEnabled() {},
  /** false: no capture callback inside a thread. */
  hasUncaughtExceptionCaptureCallback: () => false,
  /** Throws ERR_NOT_AVAILABLE: uncaught errors are reported to the host. */
  setUncaughtExceptionCaptureCallback: denied('process.setUncaughtExceptionCaptureCallback()', 'uncaught errors inside a thread go to the host'),
  /** []: a thread's timers are not listed. */
  getActiveResourcesInfo: () => [],
  /** Throws ERR_NOT_AVAILABLE: CPU time is measured by the host (thread.stats().cpuTimeMs). */
  cpuUsage: denied('process.cpuUsage()', 'the host measures it: thread.stats().cpuTimeMs'),
  /** Throws ERR_NOT_AVAILABLE. */
  resourceUsage: denied('process.resourceUsage()', hostProcess),
  allowedNodeEnvironmentFlags: new Set(),
  mainModule: undefined,
  /** The file mode creation mask (0o022; setting it throws ERR_NOT_AVAILABLE). */
  umask(mask) {
    if (mask !== undefined) throw notAvailable('process.umask(mask)', hostProcess)
    return 0o022
  },
})

module.exports = proc
