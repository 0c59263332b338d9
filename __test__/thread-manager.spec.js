'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ThreadManager } = require('..')
const { spawnChild } = require('./helpers')

test('workloads wait for start(); stop() aborts every signal and resolves after every onFinish', async () => {
  const finished = []
  const mgr = new ThreadManager({ onFinish: (outcome, id) => finished.push(['manager', id, outcome]) })
  mgr.run('watch-a', async (signal, data) => {
    while (!signal.aborted) await new Promise((r) => setTimeout(r, 5))
    return `${data} saw ${signal.reason}`
  }, { data: 'a', onFinish: (outcome, id) => finished.push(['run', id, outcome]) })
  await new Promise((r) => setTimeout(r, 30))
  assert.deepEqual(finished, [], 'queued until start()')
  mgr.start()
  await new Promise((r) => setTimeout(r, 50))
  await mgr.stop()
  assert.deepEqual(finished, [
    ['run', 'watch-a', 'a saw the ThreadManager is stopping'],
    ['manager', 'watch-a', 'a saw the ThreadManager is stopping'],
  ])
  assert.throws(() => mgr.start(), { code: 'ERR_STOPPED' })
  assert.throws(() => mgr.run('x', () => 1), { code: 'ERR_STOPPED' })
})

test('a returned Error is a failure; RestartOnError restarts with a fresh signal, RestartOnSuccess on success', async () => {
  const outcomes = []
  const mgr = new ThreadManager()
  mgr.run('flaky', (signal) => (signal.aborted ? 'aborted?' : new Error('try again')), {
    restart: ThreadManager.RestartOnError, backoffMs: 5, onFinish: (o) => outcomes.push(o instanceof Error ? o.message : o),
  })
  mgr.start()
  await new Promise((r) => setTimeout(r, 150))
  await mgr.stop({ gracefulMs: 100 })
  assert.ok(outcomes.length >= 2, `restarted ${outcomes.length} times`)
  assert.ok(outcomes.every((o) => o === 'try again'))

  let runs = 0
  const ok = new ThreadManager()
  ok.run('steady', () => 'fine', { restart: ThreadManager.RestartOnSuccess, backoffMs: 5, onFinish: () => { runs++ } })
  ok.run('once', () => { throw new Error('no restart') }, { restart: ThreadManager.RestartOnSuccess, onFinish: (o) => { assert.equal(o.message, 'no restart') } })
  ok.start()
  await new Promise((r) => setTimeout(r, 120))
  await ok.stop()
  assert.ok(runs >= 2, `RestartOnSuccess ran ${runs} times`)
})

test('stop() terminates what ignores its signal after gracefulMs: onFinish gets ERR_STOPPED', async () => {
  const outcomes = []
  const mgr = new ThreadManager({ gracefulMs: 50 })
  mgr.run('stubborn', () => { for (;;); }, { onFinish: (o) => outcomes.push(o.code) })
  mgr.start()
  await new Promise((r) => setTimeout(r, 20))
  const t0 = Date.now()
  await mgr.stop()
  assert.ok(Date.now() - t0 < 1000)
  assert.deepEqual(outcomes, ['ERR_STOPPED'])
})

test('run() with an id that is running aborts the old one first; stop() before start() drops the queue', async () => {
  const outcomes = []
  const mgr = new ThreadManager()
  const loop = async (signal, data) => { while (!signal.aborted) await new Promise((r) => setTimeout(r, 5)); return data }
  mgr.run('same', loop, { data: 'old', onFinish: (o) => outcomes.push(o) })
  mgr.start()
  await new Promise((r) => setTimeout(r, 30))
  mgr.run('same', loop, { data: 'new', onFinish: (o) => outcomes.push(o) })
  await new Promise((r) => setTimeout(r, 30))
  assert.deepEqual(outcomes, ['old'])
  await mgr.stop()
  assert.deepEqual(outcomes, ['old', 'new'])

  const never = new ThreadManager({ onFinish: () => outcomes.push('should not run') })
  never.run('q', () => 1)
  await never.stop()
  assert.deepEqual(outcomes, ['old', 'new'])
})

test('handleSignals: SIGTERM stops the workloads and the process exits with code 0', async () => {
  const child = spawnChild(`
    const mgr = new lib.ThreadManager({ handleSignals: true, onFinish: (o, id) => console.log('finished', id, o) })
    mgr.run('w', async (signal) => { while (!signal.aborted) await new Promise((r) => setTimeout(r, 5)); return 'clean' })
    mgr.start()
    setTimeout(() => console.log('ready'), 50)
  `)
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  await new Promise((resolve) => { const check = () => (out.includes('ready') ? resolve() : setTimeout(check, 10)); check() })
  child.kill('SIGTERM')
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  assert.equal(signal, null)
  assert.equal(code, 0)
  assert.match(out, /finished w clean/)
})
