'use strict'
// node:stream/promises inside a thread: pipeline and finished returning
// promises, the same object as require('stream').promises. (Loaded through
// node:stream: readable-stream's promises file requires its stream file
// back, and run first it would leave stream.promises an empty object.)
module.exports = require('stream').promises
