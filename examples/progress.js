// A long call that reports its progress: inside the thread,
// parent.sendMessage() sends a value to the call's onMessage on the host,
// in order and before the call's result. Here it drives a progress bar.
'use strict'
const { Thread } = require('..')

const thread = new Thread(() => (limit, steps) => {
  // Count primes below `limit` in `steps` slices, reporting after each.
  const isPrime = (n) => {
    if (n < 2) return false
    if (n % 2 === 0) return n === 2
    for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false
    return true
  }
  let count = 0
  const slice = Math.ceil(limit / steps)
  for (let step = 0; step < steps; step++) {
    const end = Math.min(limit, (step + 1) * slice)
    for (let n = step * slice; n < end; n++) if (isPrime(n)) count++
    parent.sendMessage({ done: end, limit, count })
  }
  return count
})

function bar({ done, limit, count }) {
  const width = 30
  const filled = Math.round((done / limit) * width)
  const pct = String(Math.round((done / limit) * 100)).padStart(3)
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${pct} %  ${count} primes so far`
}

async function main() {
  const tty = process.stdout.isTTY
  let last = -1
  const count = await thread.runWith({
    args: [3_000_000, 100],
    onMessage(progress) {
      if (tty) return process.stdout.write(`\r${bar(progress)}`)
      const tenth = Math.floor((progress.done / progress.limit) * 10)
      if (tenth !== last) { last = tenth; console.log(bar(progress)) } // one line per 10 % when piped
    },
  })
  if (tty) process.stdout.write('\n')
  console.log(`${count} primes below 3,000,000`)
  await thread.close()
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
