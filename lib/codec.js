'use strict'
// Host half of the isothread value wire format, version 1 (docs/wire-format.md):
// lib/codec/encode.js, lib/codec/decode.js and their shared lib/codec/common.js.

const { encode, encodeArgs, encodeRestArgs } = require('./codec/encode')
const { decode, decodeRange } = require('./codec/decode')
const { setSharedValues, VERSION } = require('./codec/common')

module.exports = { encode, decode, decodeRange, encodeArgs, encodeRestArgs, setSharedValues, VERSION }
