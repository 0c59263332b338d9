'use strict'
// The host side of this JS environment, put together: event registration
// (host-events.js), liveness (liveness.js) and values to and from threads
// (host-codec.js) are the layers below; this module routes the events that
// belong to the modules above them (console, messages, uncaught errors,
// locks, Messengers, host functions). Nothing it requires requires it back
// (__test__/layers.spec.js checks lib/ has no require circle).

const { ConsoleMethod } = require('../native/binding.js')
const { host, on, EventKind } = require('./host-events')
const { register, ownerOf, hold, release } = require('./liveness')
const { encodeFor, decodeFrom, decodeEvent, failure, notify } = require('./host-codec')
const locks = require('./locks')
const messenger = require('./messenger')
const hostCalls = require('./host-calls')

/** `console` method by level (ConsoleMethod, src/binding/protocol.rs). */
const CONSOLE_METHODS = []
for (const [name, level] of Object.entries(ConsoleMethod)) CONSOLE_METHODS[level] = name.toLowerCase()

on(EventKind.Console, (_thread, level, _b, bytes, shared, transferred, _f, length) => {
  let args
  try {
    args = decodeEvent(bytes, shared, transferred, length)
  } catch (err) {
    args = ['[isothread: console arguments could not be decoded]', err]
  }
  const method = CONSOLE_METHODS[level] || 'log'
  console[method](...args)
})

// (a message names the call in flight and whom it is reported to: the
// thread, or the pool's queue for a call a pool thread took from it)
on(EventKind.Message, (thread, callId, reportedAs, bytes, shared, transferred, _f, length) => {
  const owner = ownerOf(reportedAs)
  let value
  try {
    value = decodeEvent(bytes, shared, transferred, length)
  } catch (err) {
    value = err
  }
  if (owner !== undefined) owner._message(value, callId, thread)
})

on(EventKind.Uncaught, (thread, _a, _b, bytes, shared, transferred) => {
  const owner = ownerOf(thread)
  let value
  try {
    value = decodeFrom(bytes, shared, transferred)
  } catch (err) {
    value = err
  }
  if (owner !== undefined) owner._uncaught(value)
  else console.error(`Uncaught exception in thread ${thread}:`, value)
})

on(EventKind.LockGranted, (_thread, token) => locks.granted(token))

on(EventKind.Messenger, (_thread, name, close, bytes, shared) => messenger.deliverMessenger(name, close === 1, bytes, shared))

on(EventKind.HostCall, (thread, callId, seq, bytes, shared, transferred, index, length) => hostCalls.serve(ownerOf(thread), callId, seq, index, bytes, shared, transferred, length))

module.exports = {
  host,
  register,
  hold,
  release,
  encodeFor,
  decodeFrom,
  failure,
  notify,
  realSharedArrayBuffers: host.realSharedArrayBuffers,
}
