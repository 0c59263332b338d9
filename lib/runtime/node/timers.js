'use strict'
// node:timers inside a thread: the thread's own timer globals (ids are
// numbers here, not Node's Timeout objects: no ref()/unref()/refresh()),
// and timers.promises.

module.exports = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
}
// Node's long-deprecated timer internals: not offered (they throw ERR_NOT_AVAILABLE).
const { unavailable } = require('../internal/host.js')
for (const name of ['active', 'unenroll', 'enroll', '_unrefActive']) module.exports[name] = unavailable(`timers.${name}`, 'deprecated timer internals are not offered inside a thread')
Object.defineProperty(module.exports, 'promises', {
  enumerable: true,
  configurable: true,
  get: () => require('timers/promises'),
})
