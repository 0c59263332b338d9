'use strict'
// node:path/posix: the same object as node:path (path.js).
module.exports = require('path').posix
