// Type-level checks of define(), Service and friends in index.d.ts.
import { define, pool, ConcurrencyOption, Messenger, ServiceCluster, type Service } from '../..'

async function main(): Promise<void> {
  const api = define({
    add: (x: number, y: number) => x + y,
    async greet(name: string) { return `hi ${name}` },
    now: () => 1,
    __initializeService() {},
  })
  const three: number = await api({ name: 'add', params: [1, 2] })
  const hi: string = await api({ name: 'greet', params: ['x'], priority: true, timeout: 5 })
  const one: number = await api({ name: 'now' })
  // @ts-expect-error unknown task name
  await api({ name: 'sub', params: [1, 2] })
  // @ts-expect-error wrong parameter types
  await api({ name: 'add', params: ['1', 2] })
  // @ts-expect-error params are required for add
  await api({ name: 'add' })
  // @ts-expect-error hooks are not tasks
  await api({ name: '__initializeService' })
  // @ts-expect-error the result is a number
  const wrong: string = await api({ name: 'add', params: [1, 2] })

  const awaited = await define({ twice: (x: number) => x * 2 }, { identifier: 'tw', host: { log: (m: string) => console.log(m) } })
  // @ts-expect-error host functions must be functions
  define({ twice: (x: number) => x * 2 }, { host: { log: 1 } })
  const four: number = await awaited({ name: 'twice', params: [2] })

  const svc: Service<{ add: (x: number, y: number) => number }> = await api.launchService({ exceptionHandler: ({ error }) => void error })
  const s: number = await svc.call({ name: 'add', params: [1, 2] })
  // @ts-expect-error wrong parameter types for service.call
  await svc.call({ name: 'add', params: [1, '2'] })
  const off: () => void = svc.onMessage((m) => void m)
  svc.sendMessenger(new Messenger('x'))
  const disposed: Promise<void> = svc[Symbol.asyncDispose]()
  void disposed

  pool.setConcurrency(ConcurrencyOption.x2)
  // @ts-expect-error not a ConcurrencyOption
  pool.setConcurrency('x3')
  const cluster = new ServiceCluster(api)
  const launched = await cluster.launch(2)
  const viaCluster: number = await cluster.use().call({ name: 'add', params: [1, 2] })
  void [three, hi, one, wrong, four, s, off, launched, viaCluster]
}
void main
