'use strict'
// node:console: the thread's global console (forwarded to the host's). Its
// methods are made enumerable, as Node's are, so that ES modules can import
// them by name (import { log } from 'node:console').

const c = globalThis.console
for (const key of Object.getOwnPropertyNames(c)) {
  const d = Object.getOwnPropertyDescriptor(c, key)
  if (!d.enumerable && d.configurable) Object.defineProperty(c, key, { ...d, enumerable: true })
}
module.exports = c
