'use strict'
// Host half of the isothread value wire format, version 1 (docs/wire-format.md):
// lib/codec/encode.js, lib/codec/decode.js and their shared lib/codec/common.js.

const { encode, encodeArgs } = require('./codec/encode')
const { decode } = require('./codec/decode')
const { setSharedValues, VERSION } = require('./codec/common')

module.exports = { encode, decode, encodeArgs, setSharedValues, VERSION }
