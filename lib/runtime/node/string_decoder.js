'use strict'
// node:string_decoder inside a thread: the string_decoder npm port (Node's
// own algorithm) over this runtime's Buffer, with Node's ERR_UNKNOWN_ENCODING
// and end() leaving the decoder ready for new input, as Node's does.

const { StringDecoder: PortDecoder } = require('string_decoder/')
const { Buffer } = require('buffer')
const { codedError } = require('../internal/host.js')

/**
 * Decodes Buffers to strings without splitting multi-byte characters across writes.
 * @this {any} (the port's decoder state)
 * @param {string} [encoding]
 */
function StringDecoder(encoding) {
  if (encoding !== undefined && encoding !== null && encoding !== '' && !Buffer.isEncoding(encoding)) {
    throw codedError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`, TypeError)
  }
  PortDecoder.call(this, encoding)
  const end = this.end
  /** The rest of the input (U+FFFD for an incomplete character); the decoder starts afresh. */
  this.end = function (buf) {
    const out = end.call(this, buf)
    if (this.lastNeed !== undefined) {
      this.lastNeed = 0
      this.lastTotal = 0
    }
    return out
  }
}
StringDecoder.prototype = PortDecoder.prototype

module.exports = { StringDecoder }
