'use strict'
// Host-only built-ins (RUNTIME.md §3): fs, net, http, child_process, …
// Importing one inside a thread succeeds and gives the names real Node
// exports (host-only-names.json, made by scripts/host-only-names.js); each
// function throws ERR_NOT_AVAILABLE when called (or constructed), naming
// itself and the way to reach the host. Plain data (fs.constants,
// http.STATUS_CODES, …) is copied as is.

let names

function notAvailable(mod, path) {
  const top = mod.split('/')[0]
  const verb = top === 'fs' ? 'read it' : 'do it'
  const e = /** @type {Error & { code?: string }} */ (new Error(`${path}() is not available inside a thread: it is host-only. ` +
    `Pass the host a function with the host option (parent.host), or ${verb} on the host and pass the data`))
  e.code = 'ERR_NOT_AVAILABLE'
  return e
}

// A function (usable with `new`, `extends` and `instanceof`) that throws when called.
function stubFunction(mod, path, name) {
  const f = {
    /** Throws ERR_NOT_AVAILABLE: host-only. */
    [name]: function () { throw notAvailable(mod, new.target ? `new ${path}` : path) },
  }[name]
  return f
}

function fill(target, mod, prefix, entry) {
  for (const name of entry.functions || []) {
    target[name] = stubFunction(mod, `${prefix}.${name}`, name)
  }
  const data = entry.data || {}
  for (const key of Object.keys(data)) target[key] = structuredCopy(data[key])
  const symbols = entry.symbols || {}
  for (const key of Object.keys(symbols)) target[key] = Symbol.for(symbols[key])
  const objects = entry.objects || {}
  for (const key of Object.keys(objects)) target[key] = fill({}, mod, `${prefix}.${key}`, objects[key])
  return target
}

// JSON data parsed once, copied per use so one module cannot change another's.
const structuredCopy = (v) => (v !== null && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v)

/**
 * The exports of host-only built-in `name` inside a thread: Node's export
 * names, every function throwing ERR_NOT_AVAILABLE, data copied. A name
 * missing from the list (a built-in newer than the Node the list came from)
 * gives an empty object.
 */
function stub(name) {
  if (names === undefined) names = require('./host-only-names.json').modules
  const entry = names[name]
  if (entry === undefined) return {}
  const prefix = name.replace(/\//g, '.')
  const target = entry.callable ? stubFunction(name, prefix, prefix.split('.').pop()) : {}
  fill(target, name, prefix, entry)
  return target
}

module.exports = { stub }
