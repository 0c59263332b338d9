// Public typings of isothread (API.md). The native binding's own generated
// typings are in native/binding.d.ts; this file types the public surface.

import { EventEmitter } from 'node:events'

/** Every error the library raises has one of these codes (API.md §6). */
export type ErrorCode =
  | 'ERR_CLONE'
  | 'ERR_TIMEOUT'
  | 'ERR_MEMORY_LIMIT'
  | 'ERR_ABORTED'
  | 'ERR_CLOSED'
  | 'ERR_UNKNOWN_TASK'
  | 'ERR_NOT_RUNNING'
  | 'ERR_ALREADY_RUNNING'
  | 'ERR_NOT_LOCKED'
  | 'ERR_STOPPED'
  | 'ERR_QUEUE_FULL'
  | 'ERR_INVALID_ARG'

/** An error raised by isothread: `code` is stable. */
export interface IsothreadError extends Error {
  code: ErrorCode
  cause?: unknown
}

/** Any function: what a context returns. */
export type AnyFunction = (...args: any[]) => any

/**
 * A context: holds constants and helpers and returns the function to run (or
 * a promise of it). Its first argument is the clone of the `data` option.
 */
export type Context<F extends AnyFunction = AnyFunction, D = any> = (data: D) => F | Promise<F>

/** The function a context returns. */
export type RunFunction<C> = C extends (...args: any[]) => infer R ? Awaited<R> extends AnyFunction ? Awaited<R> : never : never

/** The `data` a context takes as its first argument (`unknown` when it takes none). */
export type ContextData<C> = C extends (data: infer D, ...rest: any[]) => any ? D : unknown

/** An ES module as the context: its top level runs once per thread; `export` (default `'default'`) is the function to run. */
export interface ModuleContext {
  /** What `new Worker(filename)` takes: a path (relative to the process cwd), or a `file:` URL string or URL. */
  module: string | URL
  export?: string
}

/** Options of `new Thread()`; `D` is the type of `data`. */
export interface ThreadOptions<D = unknown> {
  /** MB of V8 heap, 8 to 4096 (default 128). */
  memoryLimit?: number
  /** ms per call, counted from the moment it starts running (default none). */
  timeout?: number
  /** Shown in errors, stats and the thread's stack traces. */
  name?: string
  /** Calls in flight keep the process alive (default true). */
  reffed?: boolean
  /**
   * Functions the thread may call as `parent.host.name(...args)`: each runs
   * on the host's event loop with the arguments cloned in, and the thread's
   * promise settles with the clone of its awaited result or its error.
   */
  host?: HostFunctions
  /**
   * Serve the Chrome DevTools protocol for the thread: `true` (port 9229, or
   * ISOTHREAD_INSPECT's), a port (0: a free one), or `'[host:]port'`; `false`
   * overrides ISOTHREAD_INSPECT. Listens on 127.0.0.1 unless a host is given.
   */
  inspect?: boolean | number | string
  /** Wait for a debugger and pause before the context runs (implies `inspect`). */
  inspectBrk?: boolean
  /**
   * Cloned into each thread (as call arguments are; a SharedArrayBuffer is
   * shared) and passed as the context's first argument, like `workerData`;
   * module contexts read it as `import.meta.data`.
   */
  data?: D
}

/** A `.cpuprofile` (Chrome DevTools, speedscope): the protocol's `Profiler.Profile`. */
export interface CpuProfile {
  nodes: Array<{
    id: number
    callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }
    hitCount?: number
    children?: number[]
    positionTicks?: Array<{ line: number; ticks: number }>
  }>
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** Options of `profile()`. */
export interface ProfileOptions {
  /** µs between samples (V8's default: 1000). */
  samplingInterval?: number
}

/** Profiling one thread (a Thread, or `pool.threads[i]`). */
export interface Profilable<T> {
  /** The DevTools WebSocket URL when the thread is inspected, else undefined. */
  readonly inspectorUrl: string | undefined
  /** Run `fn` (which makes calls on the thread) under its CPU profiler; resolves with the profile. */
  profile(fn: (thread: T) => unknown, options?: ProfileOptions): Promise<CpuProfile>
  /** The thread's heap as a `.heapsnapshot` string (taken once the running call, if any, returns). */
  heapSnapshot(): Promise<string>
}

/** One thread of a pool (`pool.threads[i]`). */
export interface PoolThread extends Profilable<PoolThread> {
  readonly threadId: number
  stats(): ThreadStats
}

/** The `host` option: functions threads may call as `parent.host.name(...args)`. */
export type HostFunctions = Record<string, (...args: any[]) => unknown>

/** What a progress-message listener gets besides the value. */
export interface MessageInfo {
  /** The thread that sent it (`threadId` inside). */
  threadId: number
}

/** Receives `parent.sendMessage(value)` of a thread. */
export type MessageListener = (value: any, info: MessageInfo) => void

/** Per-call options of `runWith()`. */
export interface RunOptions<A extends any[] = any[]> {
  args?: A
  /** ArrayBuffers to move instead of copy (the sender's copy is detached). */
  transfer?: ArrayBuffer[]
  /** ms for this call (overrides the thread's `timeout`). */
  timeout?: number
  /** Aborting rejects with ERR_ABORTED: a queued call is dropped, a running one terminated. */
  signal?: AbortSignal
  /** This call's `parent.sendMessage(value)`s, in order, all before it settles (instead of the `'message'` event). */
  onMessage?: MessageListener
}

/** `thread.stats()` (API.md §7). Heap figures as of the end of the last call, in bytes. */
export interface ThreadStats {
  name: string | undefined
  threadId: number
  runs: number
  failures: number
  active: number
  queue: number
  heapUsed: number
  heapLimit: number
  cpuTimeMs: number
}

/**
 * A V8 isolate on its own OS thread, running the function its context returns.
 * Emits `'message'` for `parent.sendMessage(value)` of calls without their own `onMessage`.
 */
export declare class Thread<C extends Context = Context> extends EventEmitter {
  /**
   * @param context a function evaluated once inside the thread; it returns the function to run.
   * It cannot close over host variables: pass values as arguments.
   */
  constructor(context: C | ModuleContext, options?: ThreadOptions<ContextData<C>>)
  /** The thread's id (also the `threadId` global inside it). */
  readonly threadId: number
  /** True from the moment close()/dispose() is called or the thread died. */
  readonly closed: boolean
  /** Run the function; resolves with its awaited result. */
  run(...args: Parameters<RunFunction<C>>): Promise<Awaited<ReturnType<RunFunction<C>>>>
  /** Run with a transfer list, a per-call timeout or an AbortSignal. */
  runWith(options: RunOptions<Parameters<RunFunction<C>>>): Promise<Awaited<ReturnType<RunFunction<C>>>>
  /** Stop taking calls, let every call made finish, then dispose the isolate. */
  close(): Promise<void>
  /** Stop now: running and queued calls reject with ERR_CLOSED. */
  dispose(): Promise<void>
  /** `await using`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>
  /** Keep the process alive while calls are in flight (default). */
  ref(): this
  /** Let the process exit even with calls in flight. */
  unref(): this
  stats(): ThreadStats
  /** `parent.sendMessage(value)` of a call made without `onMessage`, or of no call. */
  on(event: 'message', listener: MessageListener): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'message', listener: MessageListener): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
  /** The DevTools WebSocket URL when the thread is inspected, else undefined. */
  readonly inspectorUrl: string | undefined
  /** Run `fn` (which makes calls on this thread) under its CPU profiler; resolves with the profile. */
  profile(fn: (thread: this) => unknown, options?: ProfileOptions): Promise<CpuProfile>
  /** The thread's heap as a `.heapsnapshot` string (taken once the running call, if any, returns). */
  heapSnapshot(): Promise<string>
}

/** Options of `new ThreadPool()`: those of a Thread, plus scheduling. */
export interface ThreadPoolOptions<D = unknown> extends ThreadOptions<D> {
  /** `'least-busy'` (default): one queue for the pool, a thread with no call in flight takes the next; `'round-robin'`: call n to thread n mod size. */
  scheduler?: 'round-robin' | 'least-busy'
  /** Calls that may wait when every thread is busy: a number ≥ 0 (0 = no queue), `Infinity` (default) or `'auto'` (poolSize²). */
  maxQueue?: number | 'auto'
  /** Threads kept however idle: an integer from 0 to poolSize (default poolSize: a fixed pool). Below poolSize needs `'least-busy'`. */
  minThreads?: number
  /** ms a thread above minThreads stays idle before it closes (default 1000). */
  idleTimeout?: number
}

/** Wait or run times over recent calls, in ms. */
export interface Timing {
  mean: number
  p50: number
  p99: number
}

/** `pool.stats()` (API.md §7). `completed` counts failed calls too. */
export interface ThreadPoolStats {
  size: number
  completed: number
  failed: number
  active: number
  queued: number
  waitTime: Timing
  runTime: Timing
  threads: ThreadStats[]
}

/** Up to `poolSize` threads running one context. Emits `'message'` as Thread does, and `'drain'` when `needsDrain` turns false. */
export declare class ThreadPool<C extends Context = Context> extends EventEmitter {
  constructor(context: C | ModuleContext, poolSize: number, options?: ThreadPoolOptions<ContextData<C>>)
  /** Threads open now; 0 once close()/destroy() resolved. */
  readonly size: number
  /** The pool's open threads: their ids, inspector URLs, profiles and heap snapshots. */
  readonly threads: readonly PoolThread[]
  /** Calls waiting for a thread. */
  readonly queueLength: number
  /** True while the queue holds poolSize calls or more, or reaches maxQueue. */
  readonly needsDrain: boolean
  /** `await using`: close(). */
  [Symbol.asyncDispose](): Promise<void>
  run(...args: Parameters<RunFunction<C>>): Promise<Awaited<ReturnType<RunFunction<C>>>>
  runWith(options: RunOptions<Parameters<RunFunction<C>>>): Promise<Awaited<ReturnType<RunFunction<C>>>>
  /** New calls reject with ERR_CLOSED; every call made finishes; then the threads go. */
  close(): Promise<void>
  /** Running and queued calls reject with ERR_CLOSED at once. */
  destroy(): Promise<void>
  /** Same as destroy(). */
  dispose(): Promise<void>
  ref(): this
  unref(): this
  stats(): ThreadPoolStats
  /** `parent.sendMessage(value)` of a call made without `onMessage`, or of no call. */
  on(event: 'message', listener: MessageListener): this
  /** The queue fell below poolSize (and maxQueue) after needsDrain was true. */
  on(event: 'drain', listener: () => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'message', listener: MessageListener): this
  once(event: 'drain', listener: () => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

/**
 * `Atomics.notify` for threads: wakes the threads blocked in `Atomics.wait`
 * on this shared memory (and the host's own waiters); returns how many woke.
 */
export declare function notify(typedArray: Int32Array | BigInt64Array, index: number, count?: number): number

/** True when this runtime receives real SharedArrayBuffers from threads (Node 22+, Bun); else ArrayBuffers over the same memory. */
export declare const realSharedArrayBuffers: boolean

/** Every error code the library raises. */
export declare const codes: ErrorCode[]

// ---------------------------------------------------------------------------
// define(), tasks and services (API.md §2)

/** What define() takes: tasks and optional hooks. */
export type Definitions = Record<string, (...args: any[]) => any>

/** Task names of a definitions object (hooks, `__…`, excluded). */
export type TaskName<D> = Exclude<Extract<keyof D, string>, `__${string}`>

type Fn<D, N extends keyof D> = D[N] extends (...args: any[]) => any ? D[N] : never

/** `params` of task N: required when the task takes arguments. */
export type TaskParams<D, N extends keyof D> = Parameters<Fn<D, N>> extends []
  ? { params?: [] }
  : { params: Parameters<Fn<D, N>> }

/** What task N resolves with. */
export type TaskResult<D, N extends keyof D> = Awaited<ReturnType<Fn<D, N>>>

/** Options of one task run. */
export type TaskOptions<D, N extends TaskName<D>> = {
  name: N
  /** Jump the global pool's queue. */
  priority?: boolean
  /** Keep the process alive while the task is in flight (default true). */
  reffed?: boolean
  /** Messengers the task's thread gets (`messengers.use(name)` inside). */
  messengers?: Array<Messenger | { name: string }>
  timeout?: number
  signal?: AbortSignal
  transfer?: ArrayBuffer[]
} & TaskParams<D, N>

/** Options of `api.launchService()`. */
export interface LaunchServiceOptions {
  /** Uncaught errors in the service (a throwing listener, a rejected timer). */
  exceptionHandler?: (event: { error: unknown }) => void
  priority?: boolean
  /** A running service keeps the process alive until closed (default true). */
  reffed?: boolean
  messengers?: Array<Messenger | { name: string }>
  /** MB of V8 heap, 8 to 4096 (default 128). */
  memoryLimit?: number
}

/** Options of `service.call()`. */
export type ServiceCallOptions<D, N extends TaskName<D>> = {
  name: N
  timeout?: number
  signal?: AbortSignal
  transfer?: ArrayBuffer[]
} & TaskParams<D, N>

/** A running service: a context kept alive on a global-pool thread. */
export interface Service<D = Definitions> {
  /** The service's thread id. */
  readonly threadID: number
  readonly closed: boolean
  /** Calls in flight. */
  readonly activeCalls: number
  /** The define() API's identifier. */
  readonly identifier: string
  call<N extends TaskName<D>>(options: ServiceCallOptions<D, N>): Promise<TaskResult<D, N>>
  /** Calls in flight reject with ERR_CLOSED; resolves when the isolate is gone. */
  close(): Promise<void>
  /** `await using`: close() when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>
  sendMessage(data: unknown, transfer?: ArrayBuffer[]): void
  /** Returns a function that removes the listener. */
  onMessage(cb: (data: any) => void): () => void
  offMessage(cb: (data: any) => void): void
  waitForMessage<T = any>(predicate?: (data: T) => boolean): Promise<T>
  sendMessenger(messenger: Messenger | { name: string }): void
}

/** What define() returns: call it to run a task; `await` it to get the same API. */
export interface DefinedAPI<D> {
  <N extends TaskName<D>>(options: TaskOptions<D, N>): Promise<TaskResult<D, N>>
  launchService(options?: LaunchServiceOptions): Promise<Service<D>>
  readonly identifier: string
  readonly tasks: TaskName<D>[]
}

/** Options of define(). */
export interface DefineOptions {
  identifier?: string
  /** Functions its tasks and services may call as `parent.host.name(...args)`. */
  host?: HostFunctions
}

/** Define tasks and hooks from an ES module: its named exports (names are checked inside the thread). */
export declare function define(definitions: { module: string | URL }, options?: DefineOptions): DefinedAPI<Definitions> & PromiseLike<DefinedAPI<Definitions>>
/** Define tasks and hooks; the functions are sent to threads as source. */
export declare function define<D extends Definitions>(definitions: D, options?: DefineOptions): DefinedAPI<D> & PromiseLike<DefinedAPI<D>>

/** Threads per core for the global pool. */
export declare const ConcurrencyOption: {
  readonly Quarter: 'Quarter'
  readonly Half: 'Half'
  readonly Default: 'Default'
  readonly x1: 'x1'
  readonly x2: 'x2'
  readonly x4: 'x4'
  readonly x6: 'x6'
  readonly x8: 'x8'
  readonly x10: 'x10'
}
export type ConcurrencyOption = (typeof ConcurrencyOption)[keyof typeof ConcurrencyOption]

/** The global pool every task and service goes through. */
export declare const pool: {
  setConcurrency(option: ConcurrencyOption): void
  readonly maxConcurrency: number
  readonly maxed: boolean
  readonly queueLength: number
  readonly activeCount: number
  readonly idle: boolean
  /** What runs next: 'task', 'service', or undefined when the queue is empty. */
  readonly next: 'task' | 'service' | undefined
  readonly option: ConcurrencyOption
}

/** A broadcast channel between the host and the threads it is given to. */
export declare class Messenger {
  /** @param name channel name: every Messenger of one name is one channel; none: a fresh unique one */
  constructor(name?: string)
  readonly ID: string
  readonly uniqueKey: string
  readonly closed: boolean
  onMessage<T = any>(cb: (data: T) => void): () => void
  offMessage(cb: (data: any) => void): void
  waitForMessage<T = any>(predicate?: (data: T) => boolean): Promise<T>
  /** Every other endpoint receives it, never the sender; in send order per sender. */
  sendMessage(data: unknown): void
  transfer(): { name: string }
  /** true: keeps the process alive until closed (default false). */
  setRef(on: boolean): this
  close(): void
  closeAll(): void
}

/** Services of one API, with the least busy at hand. */
export declare class ServiceCluster<D = Definitions> {
  constructor(api: DefinedAPI<D>)
  launch(count?: number, options?: LaunchServiceOptions): Promise<Service<D>[]>
  addService(service: Service<D>): void
  /** The running service with the fewest calls in flight; throws ERR_NOT_RUNNING when none runs. */
  use(): Service<D>
  closeAll(): Promise<void>
  closeAllIdle(): Promise<void>
  readonly activeServices: number
  readonly activeServiceCalls: number
  readonly currentServices: Array<{ service: Service<D>; active: boolean; identifier: string }>
}

// ---------------------------------------------------------------------------
// Shared values, named locks, one-shot threads (API.md §4)

/** A value shared by every thread it is passed to (at any depth). */
export interface SharedBuffer<T = unknown> {
  /** A copy of the current value (throws ERR_CLOSED once cleaned). */
  get(): T
  /** Replace the value (waits for the buffer's lock). */
  set(value: T): Promise<void>
  /** Atomic read-modify-write: store what `fn` returns, or the mutated copy when it returns undefined. */
  mod(fn: (value: T) => T | void | Promise<T | void>): Promise<T>
  /** Free it: later use fails with ERR_CLOSED, here and in threads. */
  clean(): void
}

/** Make a shared value. */
export declare function buffer<T>(value: T): SharedBuffer<T>

/** Take named lock `id` (shared by every thread of the process); resolves once held. */
export declare function lock(id: string | number): Promise<void>
/** Release named lock `id`; throws ERR_NOT_LOCKED if not held here. */
export declare function unlock(id: string | number): void

/** What a spawned function gets as its third argument. */
export interface SpawnInfo<A extends unknown[] = unknown[]> {
  threadId: number
  args: A
}

/** Handle of a one-shot thread. */
export interface SpawnHandle<T = unknown> {
  /** The value, or undefined once `timeoutMs` passed (the thread keeps running, or is killed when `keep` is false). */
  await(timeoutMs?: number, keep?: boolean): Promise<T | undefined>
  /** Free the thread; a later await() rejects with ERR_CLOSED. */
  clean(): void
  /** Terminate the thread; a pending await() rejects with ERR_CLOSED. */
  kill(): void
  readonly done: boolean
  readonly threadId: number
}

/** Run `fn(res, rej, info)` in a new thread. */
export declare function spawn<T = unknown, A extends unknown[] = unknown[]>(
  fn: (res: (...values: any[]) => void, rej: (error: unknown) => void, info: SpawnInfo<A>) => unknown,
  options?: { args?: A; memoryLimit?: number },
): SpawnHandle<T>
export { spawn as async }

// ---------------------------------------------------------------------------
// ThreadsManager (API.md §3)

/** Identified sandboxes that receive events. Emits 'error' with `{ identifier, error }`. */
export declare class ThreadsManager extends EventEmitter {
  /** Run `func` with `this` bound to a per-thread object; `message(x)` inside delivers x to `callback`. */
  run<D = unknown, M = unknown>(func: (this: Record<string, (data: any) => unknown>, data: D, message: (x: M) => void) => unknown, identifier: string | number, data?: D, callback?: (message: M) => void): void
  /** Call `this[event](data)` inside; throws ERR_NOT_RUNNING if no such thread runs. */
  send(identifier: string | number, event: string, data?: unknown): void
  /** Stop a thread; throws ERR_NOT_RUNNING if no such thread runs. */
  kill(identifier: string | number): void
  killAll(): void
  readonly identifiers: Array<string | number>
}

// ---------------------------------------------------------------------------
// ThreadManager (API.md §5)

/** The AbortSignal-like object a workload gets inside its thread. */
export interface WorkloadSignal {
  readonly aborted: boolean
  readonly reason: unknown
  onabort: ((event: { type: 'abort' }) => void) | null
  addEventListener(type: 'abort', cb: (event: { type: 'abort' }) => void): void
  removeEventListener(type: 'abort', cb: (event: { type: 'abort' }) => void): void
  throwIfAborted(): void
}

export type RestartPolicy = 'restart' | 'restart-on-error' | 'restart-on-success'

/** Supervised, restartable workloads, each in its own thread. */
export declare class ThreadManager {
  static readonly Restart: 'restart'
  static readonly RestartOnError: 'restart-on-error'
  static readonly RestartOnSuccess: 'restart-on-success'
  constructor(options?: { onFinish?: (outcome: unknown, id: string) => unknown; handleSignals?: boolean; gracefulMs?: number })
  /** A workload fails when it throws, rejects or returns an Error. */
  run<D = unknown>(id: string, fn: (signal: WorkloadSignal, data: D) => unknown, options?: {
    data?: D
    onFinish?: (outcome: unknown, id: string) => unknown
    restart?: RestartPolicy
    backoffMs?: number
    memoryLimit?: number
  }): void
  start(): void
  /** Abort every signal, wait gracefulMs, terminate what still runs (ERR_STOPPED); resolves when every onFinish ran. */
  stop(options?: { gracefulMs?: number }): Promise<void>
}
