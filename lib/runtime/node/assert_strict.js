'use strict'
// node:assert/strict: assert.strict of node:assert.
module.exports = require('assert').strict
