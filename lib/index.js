'use strict'
// isothread: real threads for JavaScript (API.md).

const { Thread } = require('./thread')
const { ThreadPool } = require('./pool')
const { define } = require('./define')
const { Messenger } = require('./messenger')
const { ServiceCluster } = require('./cluster')
const { pool, ConcurrencyOption } = require('./global-pool')
const { notify, realSharedArrayBuffers } = require('./host')
const { CODES } = require('./errors')
const { lock, unlock } = require('./locks')
const { ThreadsManager } = require('./threads-manager')
const { ThreadManager } = require('./thread-manager')
const { spawn } = require('./spawn')
const { buffer } = require('./buffer')

module.exports = {
  Thread,
  ThreadPool,
  define,
  Messenger,
  ServiceCluster,
  ThreadsManager,
  ThreadManager,
  pool,
  ConcurrencyOption,
  notify,
  buffer,
  lock,
  unlock,
  spawn,
  /** spawn() under its seed library's name. */
  async: spawn,
  /** True when this runtime receives real SharedArrayBuffers from threads (else ArrayBuffers over the same memory). */
  realSharedArrayBuffers,
  /** Every error code the library raises. */
  codes: Object.keys(CODES),
}
