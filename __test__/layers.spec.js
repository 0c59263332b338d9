'use strict'
// Layers hold: lib/ has no require circle (a lazy require inside a
// function counts: it only hides the circle), and raw Node-API calls are
// made only in src/binding/napi_raw (README "Architecture").
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')

/** Every file under `dir` whose name ends with `ext`. */
function filesUnder(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => path.join(d.parentPath ?? d.path, d.name))
}

/** Source without its comments (line comments only where they start a comment, not inside a URL). */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1')
}

/** file → the lib files it requires (relative requires, wherever they appear). */
function requireGraph(dir) {
  const graph = new Map()
  for (const file of filesUnder(dir, '.js')) {
    const deps = []
    for (const m of stripComments(fs.readFileSync(file, 'utf8')).matchAll(/require\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g)) {
      let target = path.resolve(path.dirname(file), m[2])
      if (!fs.existsSync(target) || fs.statSync(target).isDirectory()) {
        target = fs.existsSync(`${target}.js`) ? `${target}.js` : path.join(target, 'index.js')
      }
      if (target.startsWith(dir + path.sep)) deps.push(target)
    }
    graph.set(file, deps)
  }
  return graph
}

/** The first circle found in `graph` (a list of files, first = last), or null. */
function findCircle(graph) {
  const state = new Map() // file → 'open' | 'done'
  const stack = []
  function visit(file) {
    state.set(file, 'open')
    stack.push(file)
    for (const dep of graph.get(file) || []) {
      if (state.get(dep) === 'open') return [...stack.slice(stack.indexOf(dep)), dep]
      if (!state.has(dep)) {
        const found = visit(dep)
        if (found) return found
      }
    }
    stack.pop()
    state.set(file, 'done')
    return null
  }
  for (const file of graph.keys()) {
    if (!state.has(file)) {
      const found = visit(file)
      if (found) return found
    }
  }
  return null
}

test('the circle finder finds a circle hidden by a lazy require, and none where there is none', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-layers-'))
  try {
    fs.writeFileSync(path.join(dir, 'a.js'), "const b = require('./b')\n")
    fs.writeFileSync(path.join(dir, 'b.js'), "// require('./a') in a comment is no edge\nmodule.exports = 1\n")
    assert.equal(findCircle(requireGraph(dir)), null)
    fs.writeFileSync(path.join(dir, 'b.js'), "function later() { return require('./a') }\n")
    assert.deepEqual(findCircle(requireGraph(dir)).map((f) => path.basename(f)), ['a.js', 'b.js', 'a.js'])
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('lib/ has no require circle', () => {
  const lib = path.join(ROOT, 'lib')
  const graph = requireGraph(lib)
  assert.ok(graph.get(path.join(lib, 'host.js')).length > 0, 'the graph was read')
  const circle = findCircle(graph)
  assert.equal(circle && circle.map((f) => path.relative(ROOT, f)).join(' → '), null)
})

test('raw Node-API calls are made only in src/binding/napi_raw', () => {
  const raw = path.join(ROOT, 'src', 'binding', 'napi_raw')
  const offenders = filesUnder(path.join(ROOT, 'src'), '.rs')
    .filter((f) => !f.startsWith(raw + path.sep))
    .filter((f) => /\bsys::napi_[a-z_]+\s*\(|\bnapi_call!/.test(stripComments(fs.readFileSync(f, 'utf8'))))
    .map((f) => path.relative(ROOT, f))
  assert.deepEqual(offenders, [])
})
