'use strict'
// stream.duplexPair() inside a thread (Node 20.17+/22): two Duplex streams
// where what one side writes the other reads, with backpressure.
const { Duplex } = require('stream')

const kOther = Symbol('other side')
const kResume = Symbol('resume writer')

class DuplexSide extends Duplex {
  constructor(options) {
    super(options)
    this[kOther] = null
    this[kResume] = null
  }

  /** The other side read: let a write waiting on it go on. */
  _read() {
    const resume = this[kResume]
    if (resume !== null) {
      this[kResume] = null
      resume()
    }
  }

  /** Hands the chunk to the other side; waits for it to read when it is full. */
  _write(chunk, encoding, callback) {
    const other = this[kOther]
    if (chunk.length === 0) process.nextTick(callback)
    else if (other.push(chunk)) callback()
    else other[kResume] = callback
  }

  /** Ends the other side's readable half. */
  _final(callback) {
    this[kOther].push(null)
    callback()
  }
}

/** Two connected Duplex streams: `[sideA, sideB]`. */
function duplexPair(options) {
  const a = new DuplexSide(options)
  const b = new DuplexSide(options)
  a[kOther] = b
  b[kOther] = a
  return [a, b]
}

module.exports = { duplexPair }
