'use strict'
// node:assert inside a thread: the `assert` npm port (Node's assert, with
// AssertionError code 'ERR_ASSERTION', assert.strict, rejects, match …).
// Its messages come from an older Node: the diff text may differ from Node 20.
module.exports = require('assert/')
