// Types of `require('isothread:internal')`, the module only the thread's
// loader resolves (src/engine/modules/loader.js) and only the runtime's own
// files require: what tsc checks lib/runtime/** against (tsconfig.runtime.json).
// Read only by tsc; nothing loads it at run time.

declare module 'isothread:internal' {
  /** Native functions of the thread (src/engine/globals.rs), those the runtime's files call. */
  interface Native {
    /** A Node built-in's native functions (`crypto`, `zlib`, `url`). */
    binding(name: 'crypto' | 'zlib' | 'url'): any
    /** Print `args` (an array) at console level `level` (0 log … 4 debug) through the host. */
    print(level: number, args: unknown[]): void
    /** Milliseconds since the thread's time origin. */
    now(): number
    /** UTF-8 bytes of `String(text)` (lone surrogates as U+FFFD). */
    utf8Encode(text: string): Uint8Array
    /** Text of UTF-8 `bytes`; null if `fatal` and they are not valid UTF-8. */
    utf8Decode(bytes: ArrayBufferView, fatal?: boolean): string | null
    [name: string]: any
  }

  /** Native functions of the module loader (src/engine/modules/loader.rs). */
  interface Host {
    /** The host's `process` facts as JSON. */
    info(): string
    /** [used, total, limit, external] heap bytes of this isolate. */
    heap(): [number, number, number, number]
    /** [kind, path or name, builtin name] a specifier resolves to from `from`. */
    resolve(specifier: string, from: string, require: boolean): [string, string, string]
    /** The text of a file (throws if it cannot be read). */
    readText(path: string): string
    [name: string]: any
  }

  /** A require function of the runtime (Node's, with resolve, cache and extensions). */
  interface RuntimeRequire {
    (id: string): any
    resolve: ((request: string) => string) & { paths(request: string): string[] | null }
    cache: Record<string, any>
    extensions: Record<string, any>
  }

  export const native: Native
  export const host: Host
  /** The folder of the runtime's files (lib/runtime). */
  export const runtimeDir: string
  export const require: RuntimeRequire
}
