// Type-level checks of index.d.ts (run by `tsc --noEmit` in npm test).
// Lines marked @ts-expect-error must fail to type-check.
import { Thread, notify, type IsothreadError } from '../..'

async function main(): Promise<void> {
  const t = new Thread(() => (a: number, b: string) => `${b}${a * 2}`)
  const s: string = await t.run(1, 'x')
  // @ts-expect-error wrong argument types
  await t.run('1', 2)
  // @ts-expect-error missing argument
  await t.run(1)
  // @ts-expect-error the result is a string, not a number
  const n: number = await t.run(1, 'x')

  const asyncThread = new Thread(async () => async (x: number) => ({ doubled: x * 2 }))
  const r: { doubled: number } = await asyncThread.run(2)
  const viaRunWith: { doubled: number } = await asyncThread.runWith({ args: [3], timeout: 10, signal: AbortSignal.timeout(100) })
  // @ts-expect-error args must match the parameters
  await asyncThread.runWith({ args: ['3'] })

  const opts = new Thread(() => () => 1, { memoryLimit: 64, timeout: 100, name: 'n', reffed: false })
  // @ts-expect-error memoryLimit is a number
  new Thread(() => () => 1, { memoryLimit: '64' })
  const st = opts.stats()
  const heap: number = st.heapUsed + st.cpuTimeMs
  await opts.close()
  await opts.dispose()
  opts.unref().ref()

  const fromModule = new Thread({ module: new URL('file:///tmp/w.mjs'), export: 'run' })
  const anything: unknown = await fromModule.run(1, 'x')
  // @ts-expect-error module must be a path or URL
  new Thread({ module: 42 })
  void anything
  const withHost = new Thread(() => async () => 1, { host: { readFile: async (p: string) => p, now: () => Date.now() } })
  // @ts-expect-error host functions must be functions
  new Thread(() => () => 1, { host: { readFile: 'no' } })
  withHost.on('message', (value, info) => { const id: number = info.threadId; void [value, id] })
  const progress: number = await withHost.runWith({ onMessage: (value, { threadId }) => { void [value, threadId] } })
  // @ts-expect-error onMessage is a function
  await withHost.runWith({ onMessage: 1 })
  void progress
  const woke: number = notify(new Int32Array(new SharedArrayBuffer(8)), 0)
  try { await t.run(1, 'y') } catch (e) { const code: string = (e as IsothreadError).code; void code }
  void [s, n, r, viaRunWith, heap, woke]
}
void main

async function data(): Promise<void> {
  // The context's first argument is the `data` option.
  const scaled = new Thread((cfg: { k: number }) => (x: number) => x * cfg.k, { data: { k: 3 } })
  const n: number = await scaled.run(14)
  // @ts-expect-error data must match what the context takes
  new Thread((cfg: { k: number }) => (x: number) => x * cfg.k, { data: { k: 'three' } })
  const untyped = new Thread((cfg) => () => cfg.anything, { data: { anything: 1 } })
  const plain = new Thread(() => () => 1, { data: [1, 2] })
  const mod = new Thread({ module: 'w.mjs' }, { data: { any: 'thing' } })
  await scaled[Symbol.asyncDispose]()
  void [n, untyped, plain, mod]
}
void data
