// Type-level checks of the debugging API (inspect, profile, heapSnapshot).
import { Thread, ThreadPool, type CpuProfile } from '../..'

async function main(): Promise<void> {
  const t = new Thread(() => (x: number) => x * 2, { inspect: 0, inspectBrk: false, name: 'dbg' })
  const url: string | undefined = t.inspectorUrl
  const profile: CpuProfile = await t.profile(async (th) => { await th.run(2) }, { samplingInterval: 100 })
  const fn: string = profile.nodes[0].callFrame.functionName
  const snap: string = await t.heapSnapshot()
  new Thread(() => () => 1, { inspect: true })
  new Thread(() => () => 1, { inspect: '0.0.0.0:9230' })
  // @ts-expect-error inspectBrk is a boolean
  new Thread(() => () => 1, { inspectBrk: 1 })
  const pool = new ThreadPool(() => () => 1, 2, { inspect: 0 })
  const first = pool.threads[0]
  const p2: CpuProfile = await first.profile(() => pool.run())
  const id: number = first.threadId + first.stats().runs
  const u2: string | undefined = first.inspectorUrl
  const s2: string = await first.heapSnapshot()
  void [url, fn, snap, p2, id, u2, s2]
}
void main
