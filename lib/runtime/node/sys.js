'use strict'
// node:sys: Node's deprecated alias of node:util.
module.exports = require('util')
