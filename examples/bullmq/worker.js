// Scale-out example: a BullMQ worker whose processor is an isothread pool.
// Redis holds the queue (many processes, many machines); each process runs
// one pool sized to its cores. Run with examples/bullmq/run.sh.
'use strict'
const os = require('node:os')
const { Queue, Worker, QueueEvents } = require('bullmq')
const { ThreadPool } = require('../..')

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT || 6390) }
const JOBS = Number(process.env.JOBS || 200)

async function main() {
  // One pool per process, one thread per core: CPU work never blocks the
  // event loop that talks to Redis.
  const pool = new ThreadPool(() => {
    const isPrime = (n) => { if (n < 2) return false; for (let d = 2; d * d <= n; d++) if (n % d === 0) return false; return true }
    return ({ from, to }) => { let c = 0; for (let n = from; n < to; n++) if (isPrime(n)) c++; return c }
  }, os.availableParallelism())

  const queue = new Queue('primes', { connection })
  queue.setMaxListeners(JOBS + 16) // one listener per awaited job
  const events = new QueueEvents('primes', { connection })
  await events.waitUntilReady()
  // concurrency = more jobs in flight than threads, so the pool never idles.
  const worker = new Worker('primes', (job) => pool.run(job.data), { connection, concurrency: os.availableParallelism() * 4 })

  const t0 = Date.now()
  const jobs = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'count', data: { from: i * 5000, to: (i + 1) * 5000 } })))
  const counts = await Promise.all(jobs.map((j) => j.waitUntilFinished(events)))
  const total = counts.reduce((a, b) => a + b, 0)
  console.log(`${JOBS} jobs through BullMQ + a ${pool.size}-thread pool: ${total} primes below ${JOBS * 5000} in ${Date.now() - t0} ms`)

  await worker.close()
  await Promise.all([queue.obliterate({ force: true }).then(() => queue.close()), events.close(), pool.close()])
}

main().catch((err) => { console.error(err); process.exit(1) })
