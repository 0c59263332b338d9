'use strict'
// Thread churn (not in CI): create → run → dispose, `lanes` at a time,
// printing threads/s and RSS (after a GC) every 10,000 cycles, with the
// host's own JS heap (Node grows and shrinks its young generation by tens
// of MB under churn: most of the RSS swings).
// `node --expose-gc bench/churn.js [cycles=100000] [lanes=1]`
const { Thread } = require('..')

async function main() {
  const cycles = Number(process.argv[2] || 100000)
  const lanes = Number(process.argv[3] || 1)
  const gc = typeof global.gc === 'function' ? global.gc : () => {}
  const mb = () => (process.memoryUsage().rss / 1048576).toFixed(1)
  console.log(`churn: ${cycles} cycles, ${lanes} lane(s); rss at start ${mb()} MB`)
  let started = 0
  let done = 0
  let last = Date.now()
  const t0 = last
  const lane = async () => {
    while (started < cycles) {
      started++
      const t = new Thread(() => (x) => x + 1)
      if ((await t.run(done)) !== done + 1 && lanes === 1) throw new Error('wrong value')
      await t.dispose()
      if (++done % 10000 === 0) {
        gc()
        const now = Date.now()
        const m = process.memoryUsage()
        const host = `host JS heap ${(m.heapTotal / 1048576).toFixed(1)} MB (${(m.heapUsed / 1048576).toFixed(1)} in use)`
        console.log(`${done} cycles: ${(10000 / ((now - last) / 1000)).toFixed(0)} threads/s, rss ${mb()} MB, of which ${host}`)
        last = now
      }
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  console.log(`churn done: ${(done / ((Date.now() - t0) / 1000)).toFixed(0)} threads/s overall`)
}

main().catch((e) => { console.error(e); process.exit(1) })
