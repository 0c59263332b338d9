// Type-level checks of buffer/lock/spawn/ThreadsManager/ThreadManager.
import { buffer, lock, unlock, spawn, ThreadsManager, ThreadManager, type SharedBuffer } from '../..'

async function main(): Promise<void> {
  const counter: SharedBuffer<{ n: number }> = buffer({ n: 0 })
  const next: { n: number } = await counter.mod((v) => ({ n: v.n + 1 }))
  await counter.mod((v) => { v.n++ })
  // @ts-expect-error the stored shape is { n: number }
  await counter.set({ m: 1 })
  await lock(5)
  unlock('5')
  // @ts-expect-error lock ids are strings or numbers
  await lock({})
  const h = spawn<number, [number]>((res, rej, info) => res(info.args[0] * 2), { args: [21] })
  const v: number | undefined = await h.await(100, false)
  const mgr = new ThreadsManager()
  mgr.run(function (data: { who: string }, message: (x: string) => void) { message(data.who) }, 'id', { who: 'x' }, (m) => void m)
  mgr.on('error', ({ identifier, error }: { identifier: string; error: Error }) => void [identifier, error])
  const tm = new ThreadManager({ handleSignals: false })
  tm.run('w', async (signal, data: number) => { while (!signal.aborted) await new Promise((r) => setTimeout(r, 1)); return data }, { data: 1, restart: ThreadManager.RestartOnError })
  // @ts-expect-error unknown restart policy
  tm.run('x', () => 1, { restart: 'sometimes' })
  await tm.stop({ gracefulMs: 10 })
  void [next, v]
}
void main
