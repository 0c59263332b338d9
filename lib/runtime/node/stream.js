'use strict'
// node:stream inside a thread: Node's streams as the readable-stream port
// (v4) has them. As in Node, module.exports is the legacy `Stream` class and
// carries Readable, Writable, Duplex, Transform, PassThrough, pipeline,
// finished, compose, addAbortSignal, destroy, promises, … as properties,
// plus what Node 20 adds: duplexPair (lib/duplex-pair.js, on first use) and
// _isArrayBufferView. (readable-stream's own entry requires 'stream', i.e.
// this file: its lib/stream.js is loaded instead.)
const Stream = require('readable-stream/lib/stream.js')

module.exports = Stream
Stream._isArrayBufferView = ArrayBuffer.isView
/** Two connected Duplex streams: what one side writes, the other reads. */
Stream.duplexPair = function duplexPair(options) {
  return require('../lib/duplex-pair.js').duplexPair(options)
}
