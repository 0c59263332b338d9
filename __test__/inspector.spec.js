'use strict'
// The DevTools inspector of a thread (RUNTIME.md §5), driven like Chrome
// DevTools or VS Code would: targets on /json/list, a WebSocket per
// target, the protocol's Runtime, Debugger and Profiler domains.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')
const { Thread, ThreadPool } = require('..')
const { runChild, describe } = require('./helpers')

const WS = globalThis.WebSocket ?? require('ws')
const WORK = path.join(__dirname, 'fixtures', 'inspect', 'work.mjs')

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => { try { resolve(JSON.parse(body)) } catch (e) { reject(e) } })
    }).on('error', reject)
  })
}

/** http://host:port of a ws:// URL. */
const httpBase = (wsUrl) => wsUrl.replace(/^ws:/, 'http:').replace(/\/[^/]*$/, '')

/** A small protocol client: send(method, params) → result; waitFor(event). */
async function attach(url) {
  const ws = new WS(url)
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true })
    ws.addEventListener('error', reject, { once: true })
  })
  let nextId = 1
  const pending = new Map()
  const events = []
  const waiters = []
  const closed = new Promise((resolve) => ws.addEventListener('close', resolve, { once: true }))
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(typeof e.data === 'string' ? e.data : e.data.toString())
    if (msg.id !== undefined) {
      const p = pending.get(msg.id)
      pending.delete(msg.id)
      if (msg.error) p?.reject(new Error(msg.error.message))
      else p?.resolve(msg.result)
      return
    }
    events.push(msg)
    for (const w of [...waiters]) {
      if (w.method === msg.method && w.pred(msg.params)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(msg.params)
      }
    }
  })
  return {
    send(method, params = {}) {
      const id = nextId++
      ws.send(JSON.stringify({ id, method, params }))
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
    },
    waitFor(method, pred = () => true) {
      const seen = events.find((m) => m.method === method && pred(m.params))
      if (seen) return Promise.resolve(seen.params)
      return new Promise((resolve) => waiters.push({ method, pred, resolve }))
    },
    events,
    closed,
    close() { ws.close() },
  }
}

test('a thread with inspect: 0 is listed on /json/list and evaluates over the protocol', async () => {
  const t = new Thread(() => (x) => x + 1, { inspect: 0, name: 'evaluator' })
  assert.match(t.inspectorUrl, /^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/)
  const list = await getJson(httpBase(t.inspectorUrl) + '/json/list')
  const me = list.find((x) => x.webSocketDebuggerUrl === t.inspectorUrl)
  assert.ok(me, JSON.stringify(list))
  assert.equal(me.title, 'evaluator')
  assert.equal(me.type, 'node')
  const version = await getJson(httpBase(t.inspectorUrl) + '/json/version')
  assert.equal(version['Protocol-Version'], '1.1')
  if (list.length === 1) assert.equal(version.webSocketDebuggerUrl, t.inspectorUrl, 'a lone target is named by /json/version')
  const s = await attach(t.inspectorUrl)
  await s.send('Runtime.enable')
  // As DevTools does: evaluate in the context Runtime.enable announced.
  const { context } = await s.waitFor('Runtime.executionContextCreated')
  assert.equal(context.name, 'evaluator')
  const { result } = await s.send('Runtime.evaluate', { expression: 'threadId * 2', contextId: context.id })
  assert.equal(result.value, t.threadId * 2)
  // Without a contextId (as some clients send it): the thread's context.
  const { result: r2 } = await s.send('Runtime.evaluate', { expression: 'typeof parent + " " + threadId' })
  assert.equal(r2.value, `object ${t.threadId}`)
  assert.equal(await t.run(1), 2)
  s.close()
  await t.close()
})

test('a breakpoint by line in a module context pauses run(), shows its locals, and resumes', async () => {
  const t = new Thread({ module: WORK }, { inspect: 0, timeout: 200 })
  const s = await attach(t.inspectorUrl)
  await s.send('Runtime.enable')
  await s.send('Debugger.enable')
  const bp = await s.send('Debugger.setBreakpointByUrl', { lineNumber: 5, urlRegex: 'work\\.mjs$' })
  assert.ok(bp.breakpointId)
  const call = t.run(20)
  const paused = await s.waitFor('Debugger.paused')
  const frame = paused.callFrames[0]
  assert.equal(frame.functionName, 'work')
  assert.equal(frame.location.lineNumber, 5)
  const local = frame.scopeChain.find((sc) => sc.type === 'local')
  const { result: props } = await s.send('Runtime.getProperties', { objectId: local.object.objectId, ownProperties: true })
  assert.equal(props.find((p) => p.name === 'doubled').value.value, 40)
  // Paused longer than the call's timeout: a paused thread does not time out.
  await new Promise((r) => setTimeout(r, 400))
  const { result } = await s.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'doubled + offset' })
  assert.equal(result.value, 41)
  // HeapProfiler while paused: V8 takes the snapshot at once.
  const before = s.events.length
  await s.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  const chunks = s.events.slice(before).filter((e) => e.method === 'HeapProfiler.addHeapSnapshotChunk').map((e) => e.params.chunk)
  assert.ok(JSON.parse(chunks.join('')).snapshot)
  await s.send('Debugger.resume')
  assert.equal(await call, 41)
  // Stepping: pause again, step over one line, read the next local.
  const again = t.run(1)
  await s.waitFor('Debugger.paused', (p) => p.callFrames[0].location.lineNumber === 5 && s.events.filter((e) => e.method === 'Debugger.paused').length === 2)
  await s.send('Debugger.stepOver')
  const stepped = await s.waitFor('Debugger.paused', (p) => p.callFrames[0].location.lineNumber === 6)
  const { result: r2 } = await s.send('Debugger.evaluateOnCallFrame', { callFrameId: stepped.callFrames[0].callFrameId, expression: 'result' })
  assert.equal(r2.value, 3)
  await s.send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId })
  await s.send('Debugger.resume')
  assert.equal(await again, 3)
  s.close()
  await t.close()
})

test('console calls inside the thread reach the debugger', async () => {
  const t = new Thread(() => (x) => { console.log('hello', x); return x }, { inspect: 0 })
  const s = await attach(t.inspectorUrl)
  await s.send('Runtime.enable')
  const origLog = console.log
  console.log = () => {}
  try {
    await t.run(7)
  } finally {
    console.log = origLog
  }
  const called = await s.waitFor('Runtime.consoleAPICalled')
  assert.equal(called.type, 'log')
  assert.deepEqual(called.args.map((a) => a.value), ['hello', 7])
  s.close()
  await t.close()
})

test('a CPU profile through the protocol names the user function', async () => {
  const t = new Thread(() => {
    function spin(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s }
    return (n) => spin(n)
  }, { inspect: 0 })
  const s = await attach(t.inspectorUrl)
  await s.send('Profiler.enable')
  await s.send('Profiler.start')
  for (let i = 0; i < 10; i++) await t.run(3e6)
  const { profile } = await s.send('Profiler.stop')
  assert.ok(profile.nodes.some((n) => n.callFrame.functionName === 'spin'))
  s.close()
  await t.close()
})

test('two inspected threads are two targets on one server; a pool lists each thread', async () => {
  const a = new Thread(() => () => 'a', { inspect: 0, name: 'alpha' })
  const b = new Thread(() => () => 'b', { inspect: 0, name: 'beta' })
  const port = new URL(a.inspectorUrl).port
  assert.equal(new URL(b.inspectorUrl).port, port)
  const list = await getJson(`http://127.0.0.1:${port}/json/list`)
  const titles = list.map((x) => x.title)
  assert.ok(titles.includes('alpha') && titles.includes('beta'), titles.join())
  const evaluate = async (url) => {
    const s = await attach(url)
    await s.send('Runtime.enable')
    const { context } = await s.waitFor('Runtime.executionContextCreated')
    const { result } = await s.send('Runtime.evaluate', { expression: 'threadId', contextId: context.id })
    return [s, result.value]
  }
  const [sa, va] = await evaluate(a.inspectorUrl)
  const [sb, vb] = await evaluate(b.inspectorUrl)
  assert.equal(va, a.threadId)
  assert.equal(vb, b.threadId)
  sa.close()
  sb.close()
  await Promise.all([a.close(), b.close()])
  const pool = new ThreadPool(() => () => threadId, 2, { inspect: 0, name: 'pool' })
  const urls = pool.threads.map((th) => th.inspectorUrl)
  assert.equal(new Set(urls).size, 2)
  const after = await getJson(`http://127.0.0.1:${new URL(urls[0]).port}/json/list`)
  assert.ok(urls.every((u) => after.some((x) => x.webSocketDebuggerUrl === u)))
  assert.ok(!after.some((x) => x.title === 'alpha'), 'closed threads leave the list')
  await pool.close()
})

test('dispose() ends a thread paused at a breakpoint; its calls reject, the socket closes', async () => {
  const t = new Thread(() => (x) => {
    debugger // eslint-disable-line no-debugger
    return x
  }, { inspect: 0 })
  const s = await attach(t.inspectorUrl)
  await s.send('Debugger.enable')
  const call = t.run(1).catch((e) => e)
  const queued = t.run(2).catch((e) => e)
  await s.waitFor('Debugger.paused')
  await t.dispose()
  assert.equal((await call).code, 'ERR_CLOSED')
  assert.equal((await queued).code, 'ERR_CLOSED')
  await s.closed
})

test('a host that is not an IP or localhost is refused (DNS rebinding)', async () => {
  const t = new Thread(() => () => 1, { inspect: 0 })
  const { port } = new URL(t.inspectorUrl)
  const status = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/json/list', headers: { Host: 'evil.example' } }, (res) => { res.resume(); resolve(res.statusCode) }).on('error', reject)
  })
  assert.equal(status, 403)
  await t.close()
})

test('closing a thread with a debugger attached closes the socket', async () => {
  const t = new Thread(() => () => 1, { inspect: 0 })
  const s = await attach(t.inspectorUrl)
  await s.send('Runtime.enable')
  await t.close()
  await s.closed
})

test('inspectBrk waits for a debugger and pauses before the context runs', async () => {
  const t = new Thread(() => {
    const ready = 'context ran'
    return () => ready
  }, { inspectBrk: true, inspect: 0 })
  const call = t.run()
  let settled = false
  call.then(() => { settled = true })
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(settled, false, 'the call waits for the debugger')
  const s = await attach(t.inspectorUrl)
  await s.send('Runtime.enable')
  await s.send('Debugger.enable')
  await s.send('Runtime.runIfWaitingForDebugger')
  const paused = await s.waitFor('Debugger.paused')
  assert.equal(paused.reason, 'Break on start')
  await s.send('Debugger.resume')
  assert.equal(await call, 'context ran')
  s.close()
  await t.close()
})

test('inspect on a port in use rejects the calls naming the port; bad values throw', async () => {
  const blocker = net.createServer()
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r))
  const port = blocker.address().port
  const t = new Thread(() => () => 1, { inspect: port })
  assert.equal(t.inspectorUrl, undefined)
  await assert.rejects(t.run(), (e) => e.code === 'ERR_INVALID_ARG' && e.message.includes(`127.0.0.1:${port}`))
  await t.close()
  blocker.close()
  for (const bad of [-1, 65536, 1.5, 'nope', {}, null]) {
    assert.throws(() => new Thread(() => () => 1, { inspect: bad }), { code: 'ERR_INVALID_ARG' })
  }
  assert.throws(() => new Thread(() => () => 1, { inspectBrk: 'yes' }), { code: 'ERR_INVALID_ARG' })
})

test('ISOTHREAD_INSPECT inspects every thread; inspect: false opts out', () => {
  const r = runChild(`
    const t = new lib.Thread(() => () => 1)
    const pool = new lib.ThreadPool(() => () => 2, 2)
    const off = new lib.Thread(() => () => 3, { inspect: false })
    console.log(JSON.stringify([t.inspectorUrl, pool.threads.map((x) => x.inspectorUrl), off.inspectorUrl ?? null]))
    Promise.all([t.run(), pool.run(), off.run()]).then((v) => { console.log(v.join()); return Promise.all([t.close(), pool.close(), off.close()]) })
  `, { env: { ISOTHREAD_INSPECT: '127.0.0.1:0' } })
  assert.equal(r.status, 0, describe(r))
  const [urls, values] = r.stdout.trim().split('\n')
  const [one, pool, off] = JSON.parse(urls)
  assert.match(one, /^ws:\/\/127\.0\.0\.1:\d+\//)
  assert.equal(pool.length, 2)
  assert.ok(pool.every((u) => u.startsWith(one.slice(0, one.lastIndexOf('/')))), 'one server for every thread')
  assert.equal(off, null)
  assert.equal(values, '1,2,3')
})
