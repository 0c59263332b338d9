'use strict'
// Soak (not in CI): a mixed load for a while (default 10 minutes), printing
// calls/s and RSS every 10 s. `node bench/soak.js [minutes]`. Thread churn
// alone (threads/s, RSS per 10,000 cycles): bench/churn.js.
const { ThreadPool, Thread, define, Messenger, buffer } = require('..')

async function main() {
  const minutes = Number(process.argv[2] || 10)
  const end = Date.now() + minutes * 60000
  const pool = new ThreadPool(() => (x) => { let s = 0; for (let i = 0; i < 200; i++) s += i * x; return { s, x: [x, String(x)] } }, 2, { timeout: 1000 })
  const api = define({ echo: (v) => v, __initializeService() { messengers.use('soak').then((m) => m.onMessage(() => {})) } })
  const m = new Messenger('soak')
  const svc = await api.launchService({ messengers: [m] })
  const counter = buffer(0)
  let calls = 0
  let failures = 0
  let last = Date.now()
  const lanes = Array.from({ length: 32 }, async (_, lane) => {
    while (Date.now() < end) {
      try {
        if (lane === 0) { const t = new Thread(() => (x) => x); await t.run(1); await t.close() } // churn
        else if (lane === 1) await svc.call({ name: 'echo', params: [{ lane, at: Date.now() }] })
        // Messengers have no backpressure (as BroadcastChannel): a sender that
        // outpaces its receivers grows their queues, so this lane paces itself.
        else if (lane === 2) { m.sendMessage(calls); await counter.mod((n) => n + 1); await new Promise((r) => setTimeout(r, 1)) }
        else await pool.run(calls)
        calls++
      } catch {
        failures++
      }
      if (Date.now() - last >= 10000) {
        const rss = (process.memoryUsage().rss / 1048576).toFixed(1)
        console.log(`${new Date().toISOString()} ${(calls / ((Date.now() - last) / 1000)).toFixed(0)} calls/s, rss ${rss} MB, failures ${failures}`)
        calls = 0
        last = Date.now()
      }
    }
  })
  await Promise.all(lanes)
  await Promise.all([pool.close(), svc.close()])
  m.close()
  counter.clean()
  console.log('soak done, failures', failures)
}

main().catch((e) => { console.error(e); process.exit(1) })
