'use strict'
// node:punycode: the punycode.js package Node itself bundles (deprecated in Node).
module.exports = require('punycode/')
