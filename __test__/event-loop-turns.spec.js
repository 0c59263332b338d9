'use strict'
// Results that keep coming do not starve the host's event loop: Node runs
// an addon's deliveries in a loop for as long as its threads keep sending,
// so the library stops taking events once a turn of the loop took them for
// about a millisecond (lib/host-events.js) and takes the rest at the next
// turn, after timers and I/O. Every call still settles.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Thread, ThreadPool } = require('..')

/** Run `lanes` loops of `await run()` for `ms`; the longest gap between two turns of the event loop. */
async function longestTurn(run, lanes, ms) {
  let stop = false
  let longest = 0
  let turns = 0
  let last = performance.now()
  const turn = () => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    turns++
    if (!stop) setImmediate(turn)
  }
  setImmediate(turn)
  let settled = 0
  const lane = async () => {
    while (!stop) {
      await run()
      settled++
    }
  }
  const all = Promise.all(Array.from({ length: lanes }, lane))
  await new Promise((resolve) => setTimeout(resolve, ms))
  stop = true
  await all
  return { longest, turns, settled }
}

test('64 calls in flight whose results each cost the caller 0.1 ms: the event loop turns every few ms, every call settles', async () => {
  const pool = new ThreadPool(() => (x) => x, 2)
  await pool.run(0)
  // Before the limit the loop waited 0.2-1.5 s for a turn under `node
  // --test` (6.4 s in a plain process: a 300 ms timer fired that late);
  // 11-14 ms with it.
  const { longest, turns, settled } = await longestTurn(async () => {
    assert.equal(await pool.run(1), 1)
    const end = performance.now() + 0.1
    while (performance.now() < end);
  }, 64, 300)
  await pool.close()
  assert.ok(settled > 64, `${settled} calls settled`)
  assert.ok(turns >= 5, `${turns} turns of the event loop in 300 ms`)
  assert.ok(longest < 60, `the event loop waited ${longest.toFixed(1)} ms for a turn (a batch of 64 results costs ~7)`)
})

test('64 tiny calls in flight: timers still fire while results stream', async () => {
  const pool = new ThreadPool(() => (x) => x + 1, 2)
  await pool.run(0)
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 5)
  const { longest } = await longestTurn(() => pool.run(1), 64, 400)
  clearInterval(timer)
  await pool.close()
  // 80 at most. Under `node --test`: 20-36 before the limit, with turns
  // waited for up to 40-80 ms; 67-73 after it, with 8-12 ms.
  assert.ok(ticks >= 45, `a 5 ms interval fired ${ticks} times in 400 ms`)
  assert.ok(longest < 60, `the event loop waited ${longest.toFixed(1)} ms for a turn`)
})

test('a loop of awaited calls on one Thread: timers still fire', async () => {
  const t = new Thread(() => (x) => x)
  await t.run(0)
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 5)
  // Each call's answer is waited for on the host, in a microtask: before
  // the waits counted in the turn's time, the loop never turned (15-21
  // ticks in 400 ms; 77-78 after).
  const { longest, settled } = await longestTurn(() => t.run(1), 1, 400)
  clearInterval(timer)
  await t.close()
  // (~90,000 on an idle machine; 100-400 with two other processes
  // spinning on both cores, before the limit as after it)
  assert.ok(settled >= 20, `${settled} calls settled`)
  assert.ok(ticks >= 45, `a 5 ms interval fired ${ticks} times in 400 ms`)
  assert.ok(longest < 60, `the event loop waited ${longest.toFixed(1)} ms for a turn`)
})
