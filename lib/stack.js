'use strict'
// Source maps for a thread's stack traces (RUNTIME.md §5): when the host
// runs with source maps enabled (`--enable-source-maps`,
// `process.setSourceMapsEnabled(true)`), the frames of an error that comes
// from a thread are mapped through their file's `//# sourceMappingURL`,
// with Node's own `SourceMap` (node:module).

const fs = require('node:fs')
const path = require('node:path')
const { fileURLToPath, pathToFileURL } = require('node:url')

const FRAME = /^(\s+at (?:.*? \()?)((?:file:\/\/|\/|[A-Za-z]:\\).+?):(\d+):(\d+)(\)?)$/
/** generated file → SourceMap | null */
const maps = new Map()

function enabled() {
  if (typeof process.sourceMapsEnabled === 'boolean') return process.sourceMapsEnabled
  return process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS || '')
}

function loadMap(file) {
  let m = maps.get(file)
  if (m !== undefined) return m
  m = null
  try {
    const { SourceMap } = require('node:module')
    const p = file.startsWith('file:') ? fileURLToPath(file) : file
    const text = fs.readFileSync(p, 'utf8')
    const found = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-4096))
    if (SourceMap !== undefined && found !== null) {
      const url = found[1]
      let json
      if (url.startsWith('data:')) {
        const comma = url.indexOf(',')
        const data = url.slice(comma + 1)
        json = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)
      } else {
        json = fs.readFileSync(url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(p), url), 'utf8')
      }
      const payload = JSON.parse(json)
      // Sources resolve against the map's own place.
      const root = pathToFileURL(p)
      payload.sources = (payload.sources || []).map((s) => new URL((payload.sourceRoot || '') + s, root).href)
      payload.sourceRoot = ''
      m = new SourceMap(payload)
    }
  } catch {}
  if (maps.size > 256) maps.clear()
  maps.set(file, m)
  return m
}

function mapFrame(line) {
  const f = FRAME.exec(line)
  if (f === null) return line
  const [, head, file, l, c, tail] = f
  const map = loadMap(file)
  if (map === null) return line
  const e = map.findEntry(Number(l) - 1, Number(c) - 1)
  if (!e || typeof e.originalSource !== 'string') return line
  const source = file.startsWith('file:') ? e.originalSource : fileURLToPath(e.originalSource)
  return `${head}${source}:${e.originalLine + 1}:${e.originalColumn + 1}${tail}`
}

/**
 * `err` with its `stack` mapped through source maps, when the host has
 * them enabled; anything else is returned as it is.
 */
function mapError(err) {
  if (!enabled() || err === null || typeof err !== 'object' || typeof err.stack !== 'string') return err
  try {
    const stack = err.stack.split('\n').map(mapFrame).join('\n')
    Object.defineProperty(err, 'stack', { value: stack, writable: true, enumerable: false, configurable: true })
    if (err.cause !== undefined) mapError(err.cause)
  } catch {}
  return err
}

module.exports = { mapError }
