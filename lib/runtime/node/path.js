'use strict'
// node:path inside a thread: path/posix (path_posix.js), or path/win32
// (path_win32.js) when the host runs on Windows, as in Node.

const { hostInfo } = require('../internal/host.js')

module.exports = hostInfo().platform === 'win32' ? require('path/win32') : require('path/posix')
