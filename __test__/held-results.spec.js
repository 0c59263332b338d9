'use strict'
// A result the thread holds back for a batch still reaches the host when
// the next call runs long: here the next call waits until the host has seen
// the earlier result, so a result held until that call ends would never come.
const test = require('node:test')
const assert = require('node:assert')
const { Thread, ThreadPool, notify } = require('..')

const GATED = () => (gate, tag) => {
  if (gate) while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 20)
  return tag
}
const newGate = () => new Int32Array(new SharedArrayBuffer(4))
const open = (gate) => { Atomics.store(gate, 0, 1); notify(gate, 0) }

async function firstArrivesWhileSecondWaits(target) {
  for (let round = 0; round < 20; round++) {
    const gate = newGate()
    // Three calls made together: the first ends while the other two are queued.
    const first = target.run(null, 'first')
    const second = target.run(gate, 'second')
    const third = target.run(null, 'third')
    const seen = await Promise.race([first, new Promise((r) => setTimeout(() => r('held'), 5000))])
    open(gate)
    assert.equal(seen, 'first', `round ${round}: the first result was held while the next call waited on the host`)
    assert.deepEqual(await Promise.all([second, third]), ['second', 'third'])
  }
}

test('a Thread: the result of a call reaches the host while the next queued call waits for it', async () => {
  const t = new Thread(GATED)
  try { await firstArrivesWhileSecondWaits(t) } finally { await t.dispose() }
})

test('a pool of one thread: the same', async () => {
  const pool = new ThreadPool(GATED, 1)
  try { await firstArrivesWhileSecondWaits(pool) } finally { await pool.destroy() }
})
