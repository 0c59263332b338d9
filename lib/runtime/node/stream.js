'use strict'
// node:stream inside a thread: Node's streams as the readable-stream port
// (v4) has them. As in Node, module.exports is the legacy `Stream` class and
// carries Readable, Writable, Duplex, Transform, PassThrough, pipeline,
// finished, compose, addAbortSignal, destroy, promises, … as properties.
// (readable-stream's own entry requires 'stream', i.e. this file: its
// lib/stream.js is loaded instead.)
module.exports = require('readable-stream/lib/stream.js')
