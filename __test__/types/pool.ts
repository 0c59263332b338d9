// Type-level checks of ThreadPool in index.d.ts.
import { ThreadPool, type ThreadPoolStats } from '../..'

async function main(): Promise<void> {
  const pool = new ThreadPool(() => (a: number, b: number) => a + b, 2, { scheduler: 'round-robin', maxQueue: 'auto' })
  const sum: number = await pool.run(1, 2)
  // @ts-expect-error wrong argument type
  await pool.run('1', 2)
  // @ts-expect-error unknown scheduler
  new ThreadPool(() => () => 1, 2, { scheduler: 'random' })
  const st: ThreadPoolStats = pool.stats()
  const p99: number = st.runTime.p99 + st.threads[0].heapUsed
  const viaRunWith: number = await pool.runWith({ args: [1, 2], timeout: 5 })
  const hosted = new ThreadPool(() => () => 1, 2, { host: { f: (x: number) => x } })
  hosted.once('message', (value, { threadId }) => { void [value, threadId] })
  await hosted.close()
  const configured = new ThreadPool((cfg: { k: number }) => (x: number) => x * cfg.k, 4, { data: { k: 3 } })
  const tripled: number = await configured.run(14)
  // @ts-expect-error data must match what the context takes
  new ThreadPool((cfg: { k: number }) => (x: number) => x * cfg.k, 4, { data: {} })
  void tripled
  await pool.destroy()
  void [sum, p99, viaRunWith, pool.size, pool.queueLength]
}
void main
