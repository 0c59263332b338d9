'use strict'
// When the host waits (spins) for a lone call's answer: lib/spin-guess.js.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { SpinGuess, TurnBudget } = require('../lib/spin-guess')
const { Slot } = require('../lib/slot')

/** How many of the next `n` calls the guess would wait for. */
const waits = (g, n) => Array.from({ length: n }, () => g.should()).filter(Boolean).length

test('three misses in a row stop the waits but for one probe in 64; a hit starts them again', () => {
  const g = new SpinGuess()
  g.saw(false); g.saw(false)
  assert.equal(waits(g, 10), 10)
  g.saw(false)
  assert.equal(waits(g, 128), 2)
  g.saw(true)
  assert.equal(waits(g, 10), 10)
})

test('a missed call that ran shorter than the wait (it started late) is not counted', () => {
  const g = new SpinGuess()
  for (let id = 1; id <= 5; id++) {
    g.missedCall(id)
    g.ran(id, 12, 30) // held up before it ran: the thread was off its core
  }
  assert.equal(g.misses, 0)
  assert.equal(waits(g, 10), 10)
  for (let id = 6; id <= 8; id++) {
    g.missedCall(id)
    g.ran(id, 45, 30) // the call itself outlasts the wait
  }
  assert.equal(g.misses, 3)
  assert.equal(waits(g, 63), 0)
})

test('only the call the wait missed is judged', () => {
  const g = new SpinGuess()
  g.missedCall(7)
  g.ran(6, 1000, 30)
  assert.equal(g.misses, 0)
  g.ran(7, 1000, 30)
  g.ran(7, 1000, 30) // (once)
  assert.equal(g.misses, 1)
})

test('a slot judges a missed wait by the run time of the call, not by its wait behind other work', async () => {
  // The thread is busy in a 40 ms timer when each second call arrives: that
  // call starts ~40 ms late and runs in microseconds, and its missed wait
  // is judged by those microseconds.
  const slot = new Slot(String(() => (ms) => {
    if (ms > 0) setTimeout(() => { const end = Date.now() + ms; while (Date.now() < end); }, 0)
    return ms
  }), { memoryLimit: 128 })
  const judged = []
  const guess = slot.loneSpin
  const ran = guess.ran.bind(guess)
  guess.ran = (id, runUs, windowUs) => {
    const missed = id === guess.missed, before = guess.misses
    ran(id, runUs, windowUs)
    judged.push({ id, runUs, windowUs, missed, counted: guess.misses - before })
  }
  try {
    const late = []
    for (let i = 0; i < 3; i++) {
      guess.misses = 0 // (the arming call may itself outlast the wait on a cold thread)
      assert.equal(await slot.call([40], undefined, true), 40) // arms the busy timer
      // The next call in a turn of its own: one that already took events
      // for 1 ms makes no wait (host-events.js), and this judges a wait.
      await new Promise((resolve) => setImmediate(resolve))
      const t0 = Date.now()
      assert.equal(await slot.call([0], undefined, true), 0) // waits behind it, runs at once
      late.push({ judgement: judged.at(-1), waited: Date.now() - t0 })
    }
    assert.equal(judged.length, 6, 'every settled call is judged')
    for (const { judgement, waited } of late) {
      assert.ok(waited >= 20, `the call waited behind the timer (${waited} ms)`)
      assert.equal(judgement.windowUs, 30)
      assert.ok(judgement.runUs < 5000, `its run time excludes the wait (${judgement.runUs} µs)`)
      assert.equal(judgement.missed, true, 'the host\'s wait missed it')
      // Counted only if its own run outlasted the wait (~20 µs here, more
      // when the machine takes the thread's core meanwhile), whatever it
      // waited before it ran.
      assert.equal(judgement.counted, judgement.runUs >= judgement.windowUs ? 1 : 0, `a miss of a call that ran ${judgement.runUs} µs`)
    }
  } finally {
    await slot.close()
  }
})

test('a turn budget allows its waits in a row, then none until the event loop has had a turn', async () => {
  const b = new TurnBudget(3)
  let made = 0
  while (b.left() && made < 10) { b.use(); made++ }
  assert.equal(made, 3)
  await Promise.resolve() // microtasks are the same turn
  assert.equal(b.left(), false)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(b.left(), true, 'the next turn starts a new count')
})
