'use strict'
// node:path/win32 inside a thread. NOTE: not a port of Node's win32 path:
// this is the posix implementation (path.js) under the win32 name, so
// backslashes and drive letters are not understood. Code that only names
// path.win32 loads; code that relies on its semantics gets posix results.
module.exports = require('path')
