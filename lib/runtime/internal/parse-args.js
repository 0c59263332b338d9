'use strict'
// util.parseArgs inside a thread, following Node's lib/internal/util/parse_args:
// long and short options, short groups (-abc), inline values (--a=b, -fVALUE),
// `--`, multiple, defaults, strict checks with Node's error codes, tokens.

function coded(code, message, Base = TypeError) {
  const e = /** @type {Error & { code?: string }} */ (new Base(message))
  e.code = code
  return e
}
const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an instance of Array' : `type ${typeof v} (${typeof v === 'string' ? `'${v}'` : String(v)})`)
const invalidType = (name, expected, value) => coded('ERR_INVALID_ARG_TYPE', `The "${name}" property must be ${expected}. Received ${typeName(value)}`)

const own = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key)
const optionOf = (options, name, key) => (own(options, name) ? options[name][key] : undefined)
const isOptionLike = (v) => v != null && v.length > 1 && v[0] === '-'
const isLoneShort = (a) => a.length === 2 && a[0] === '-' && a[1] !== '-'
const isLoneLong = (a) => a.length > 2 && a.startsWith('--') && !a.includes('=', 3)
const isLongAndValue = (a) => a.length > 2 && a.startsWith('--') && a.includes('=', 3)

function findLongByShort(short, options) {
  for (const name of Object.keys(options)) if (options[name].short === short) return name
  return short
}

function isShortGroup(arg, options) {
  if (arg.length <= 2 || arg[0] !== '-' || arg[1] === '-') return false
  return optionOf(options, findLongByShort(arg[1], options), 'type') !== 'string'
}
function isShortAndValue(arg, options) {
  if (arg.length <= 2 || arg[0] !== '-' || arg[1] === '-') return false
  return optionOf(options, findLongByShort(arg[1], options), 'type') === 'string'
}

function validateConfig(config) {
  if (config === null || typeof config !== 'object') throw coded('ERR_INVALID_ARG_TYPE', `The "config" argument must be of type object. Received ${typeName(config)}`)
  const options = config.options === undefined ? {} : config.options
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidType('options', 'of type object', options)
  for (const name of Object.keys(options)) {
    const o = options[name]
    if (o === null || typeof o !== 'object') throw invalidType(`options.${name}`, 'of type object', o)
    if (o.type !== 'string' && o.type !== 'boolean') {
      throw coded('ERR_INVALID_ARG_TYPE', `The "options.${name}.type" property must be ('string|boolean'). Received ${typeName(o.type)}`)
    }
    if (o.short !== undefined) {
      if (typeof o.short !== 'string') throw invalidType(`options.${name}.short`, 'of type string', o.short)
      if (o.short.length !== 1) throw coded('ERR_INVALID_ARG_VALUE', `The property 'options.${name}.short' must be a single character. Received '${o.short}'`)
    }
    if (o.multiple !== undefined && typeof o.multiple !== 'boolean') throw invalidType(`options.${name}.multiple`, 'of type boolean', o.multiple)
    if (o.default !== undefined) {
      const expected = o.type === 'string' ? (o.multiple ? 'an instance of Array' : 'of type string') : (o.multiple ? 'an instance of Array' : 'of type boolean')
      const ok = o.multiple ? Array.isArray(o.default) && o.default.every((v) => typeof v === o.type) : typeof o.default === o.type
      if (!ok) throw invalidType(`options.${name}.default`, expected, o.default)
    }
  }
  return options
}

function tokenize(args, options) {
  const tokens = []
  let index = -1
  let groupCount = 0
  const rest = [...args]
  while (rest.length > 0) {
    const arg = rest.shift()
    const next = rest[0]
    if (groupCount > 0) groupCount--
    else index++
    if (arg === '--') {
      tokens.push({ kind: 'option-terminator', index })
      for (const value of rest) tokens.push({ kind: 'positional', index: ++index, value })
      break
    }
    // `-x` or `--name` alone: a string option takes the next argument.
    const lone = (name) => {
      let value
      let inlineValue
      if (optionOf(options, name, 'type') === 'string' && next != null) {
        value = rest.shift()
        inlineValue = false
      }
      tokens.push({ kind: 'option', name, rawName: arg, index, value, inlineValue })
      if (value != null) ++index
    }
    if (isLoneShort(arg)) {
      lone(findLongByShort(arg[1], options))
      continue
    }
    if (isShortGroup(arg, options)) {
      const expanded = []
      for (let i = 1; i < arg.length; i++) {
        const short = arg[i]
        const name = findLongByShort(short, options)
        if (optionOf(options, name, 'type') !== 'string' || i === arg.length - 1) expanded.push(`-${short}`)
        else { expanded.push(`-${arg.slice(i)}`); break }
      }
      rest.unshift(...expanded)
      groupCount = expanded.length
      continue
    }
    if (isShortAndValue(arg, options)) {
      const name = findLongByShort(arg[1], options)
      tokens.push({ kind: 'option', name, rawName: `-${arg[1]}`, index, value: arg.slice(2), inlineValue: true })
      continue
    }
    if (isLoneLong(arg)) {
      lone(arg.slice(2))
      continue
    }
    if (isLongAndValue(arg)) {
      const eq = arg.indexOf('=')
      tokens.push({ kind: 'option', name: arg.slice(2, eq), rawName: arg.slice(0, eq), index, value: arg.slice(eq + 1), inlineValue: true })
      continue
    }
    tokens.push({ kind: 'positional', index, value: arg })
  }
  return tokens
}

function checkStrict(token, options, allowPositionals) {
  const { name, rawName, value, inlineValue } = token
  if (!own(options, name)) {
    const hint = allowPositionals ? `. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- ${JSON.stringify(rawName)}` : ''
    throw coded('ERR_PARSE_ARGS_UNKNOWN_OPTION', `Unknown option '${rawName}'${hint}`)
  }
  const short = options[name].short
  const shown = short ? `-${short}, --${name}` : `--${name}`
  if (options[name].type === 'string' && typeof value !== 'string') {
    throw coded('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${shown} <value>' argument missing`)
  }
  if (options[name].type === 'boolean' && value != null) {
    throw coded('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${shown}' does not take an argument`)
  }
  if (options[name].type === 'string' && inlineValue === false && isOptionLike(value)) {
    throw coded('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${rawName}' argument is ambiguous.\nDid you forget to specify the option argument for '${rawName}'?\nTo specify an option argument starting with a dash use '${rawName.startsWith('--') ? `--${name}=-XYZ` : `--${name}=-XYZ' or '-${short}-XYZ`}'.`)
  }
}

/** Node's util.parseArgs(config): { values, positionals[, tokens] }. */
function parseArgs(config = {}) {
  const options = validateConfig(config)
  const args = config.args !== undefined ? config.args : globalThis.process.argv.slice(globalThis.process.execArgv.some((a) => a === '-e' || a === '--eval' || a === '-p' || a === '--print') ? 1 : 2)
  if (!Array.isArray(args)) throw invalidType('args', 'an instance of Array', args)
  const strict = config.strict !== undefined ? config.strict : true
  const allowPositionals = config.allowPositionals !== undefined ? config.allowPositionals : !strict
  const returnTokens = config.tokens !== undefined ? config.tokens : false
  const tokens = tokenize(args, options)
  const result = { values: { __proto__: null }, positionals: [] }
  if (returnTokens) result.tokens = tokens
  for (const token of tokens) {
    if (token.kind === 'option') {
      if (strict) checkStrict(token, options, allowPositionals)
      const name = token.name
      const value = token.value === undefined ? (optionOf(options, name, 'type') === 'string' && !strict ? '' : true) : token.value
      const stored = optionOf(options, name, 'type') === 'boolean' || (!own(options, name) && token.value === undefined) ? (token.value === undefined ? true : token.value) : value
      if (optionOf(options, name, 'multiple')) {
        if (result.values[name] === undefined) result.values[name] = []
        result.values[name].push(stored)
      } else {
        result.values[name] = stored
      }
    } else if (token.kind === 'positional') {
      if (!allowPositionals) {
        throw coded('ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL', `Unexpected argument '${token.value}'. This command does not take positional arguments`)
      }
      result.positionals.push(token.value)
    }
  }
  for (const name of Object.keys(options)) {
    const d = options[name].default
    if (d !== undefined && result.values[name] === undefined) result.values[name] = Array.isArray(d) ? [...d] : d
  }
  return result
}

module.exports = { parseArgs }
