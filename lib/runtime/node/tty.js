'use strict'
// node:tty inside a thread: no terminal is reachable, so isatty() is false
// and ReadStream/WriteStream exist (for instanceof checks and subclassing)
// but constructing one throws ERR_NOT_AVAILABLE.

const { notAvailable } = require('../internal/host.js')

/** false: a thread has no terminal file descriptors. */
function isatty(fd) { return false }

/** Node's tty.ReadStream; constructing one throws ERR_NOT_AVAILABLE. */
function ReadStream(fd) { throw notAvailable('new tty.ReadStream()', 'terminals are host-only') }
/** Node's tty.WriteStream; constructing one throws ERR_NOT_AVAILABLE. */
function WriteStream(fd) { throw notAvailable('new tty.WriteStream()', 'terminals are host-only') }
ReadStream.prototype.isTTY = true
WriteStream.prototype.isTTY = true

module.exports = { isatty, ReadStream, WriteStream }
