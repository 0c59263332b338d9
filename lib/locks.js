'use strict'
// Named locks on the host (API.md §4): lock() is a promise (the event loop
// never blocks); unlock() is synchronous. Inside threads the same names
// are blocking globals. Ids are strings or numbers (5 and '5' are one lock).

const { host } = require('./host-events')
const { Owner } = require('../native/binding.js')
const { hold, release } = require('./liveness')
const { makeError } = require('./errors')
const opts = require('./options')

const HOLD_ID = Owner.Locks // owner id under which pending lock() calls keep the process alive
const pending = new Map() // token → resolve
let nextToken = 1

function lockName(id) {
  if (typeof id !== 'string' && typeof id !== 'number') throw opts.invalid('a lock id is a string or a number')
  return String(id)
}

/** Take lock `id`; resolves once this environment holds it. */
function lock(id) {
  let name
  try {
    name = lockName(id)
  } catch (err) {
    return Promise.reject(err)
  }
  const token = nextToken++
  if (host.lock(name, token)) return Promise.resolve()
  return new Promise((resolve) => {
    pending.set(token, resolve)
    hold(HOLD_ID, lockOwner, true)
  })
}

/** Release lock `id`; throws ERR_NOT_LOCKED if this environment does not hold it. */
function unlock(id) {
  const name = lockName(id)
  try {
    host.unlock(name)
  } catch (err) {
    throw makeError('ERR_NOT_LOCKED', `lock ${JSON.stringify(name)} is not held here`)
  }
}

/** The lock with `token` is ours now (from host.js). */
function granted(token) {
  const resolve = pending.get(token)
  if (resolve === undefined) return
  pending.delete(token)
  release(HOLD_ID, true, pending.size === 0)
  resolve()
}

const lockOwner = { _exited() {} }

module.exports = { lock, unlock, granted }
