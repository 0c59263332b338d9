'use strict'
// node:stream/promises inside a thread: pipeline and finished returning
// promises (the same object as require('stream').promises).
module.exports = require('readable-stream/lib/stream/promises.js')
