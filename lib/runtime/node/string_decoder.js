'use strict'
// node:string_decoder inside a thread: the string_decoder npm port (Node's
// own implementation), over this runtime's Buffer.
module.exports = require('string_decoder/')
