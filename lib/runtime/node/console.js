'use strict'
// node:console: the thread's global console (forwarded to the host's).
module.exports = globalThis.console
