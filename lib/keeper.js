'use strict'
// SharedArrayBuffers a worker_threads Worker lends to threads must outlive
// the Worker: a thread, a buffer() or a Messenger queue may still hold them
// when it ends, and the Worker's own references go with it. The main
// environment is the keeper: a Worker hands each SharedArrayBuffer it lends
// over a BroadcastChannel (which shares the memory itself, as postMessage
// does), and the main environment's native Host keeps that object until
// the last lend of the memory is released (src/binding/napi_raw/lent.rs).
// A message in flight holds the memory too, so there is no gap. Only when
// isothread is not loaded on the main thread is there no keeper (README
// "Choices").

const { host } = require('./host-events')

const CHANNEL = 'isothread:keeper'
const wt = (() => { try { return require('node:worker_threads') } catch { return {} } })()
const worker = wt.isMainThread === false
let channel = null
try {
  const c = new wt.BroadcastChannel(CHANNEL)
  if (typeof c.unref !== 'function') {
    c.close() // a channel that cannot be unreffed would keep the process alive
  } else {
    if (!worker) c.onmessage = (e) => { if (e.data instanceof SharedArrayBuffer) host.adoptShared(new Uint8Array(e.data)) }
    c.unref()
    if (!worker) host.becomeKeeper()
    channel = c
  }
} catch {
  channel = null // a runtime without BroadcastChannel: no keeper
}
if (worker) host.setWorker()

/** A Worker is about to lend `sab` (at `addr`): the keeper holds it unless it does already. */
function lend(sab, addr) {
  if (worker && channel !== null && host.reserveKeeper(addr)) channel.postMessage(sab)
}

module.exports = { lend }
