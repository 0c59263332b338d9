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

// Rust layers: binding → engine → runtime (README "Development"). A lower
// layer never names a higher one, and no `use` circle joins the files of
// src/engine or of src/runtime.
const SRC = path.join(ROOT, 'src')

/** Rust source without comments and string literals (a path in a doc comment or a message is no edge). */
function stripRust(src) {
  return stripComments(src).replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
}

/** Rust files under `dir` whose code (comments aside) matches `re`. */
function rustMatching(dir, re) {
  return filesUnder(dir, '.rs')
    .filter((f) => re.test(stripRust(fs.readFileSync(f, 'utf8'))))
    .map((f) => path.relative(ROOT, f))
}

/** The module path of a Rust file: src/engine/codec/mod.rs → ['engine', 'codec']. */
function modulePath(file) {
  const parts = path.relative(SRC, file).replace(/\.rs$/, '').split(path.sep)
  if (parts.at(-1) === 'mod' || parts.at(-1) === 'lib') parts.pop()
  return parts
}

/** The file that defines module `parts` or, failing that, its nearest ancestor module. */
function fileOf(parts) {
  for (let n = parts.length; n > 0; n--) {
    const base = path.join(SRC, ...parts.slice(0, n))
    if (fs.existsSync(`${base}.rs`)) return `${base}.rs`
    if (fs.existsSync(path.join(base, 'mod.rs'))) return path.join(base, 'mod.rs')
  }
  return null
}

/** `a::{b, c::{d, e}}` → ['a::b', 'a::c::d', 'a::c::e']. */
function expandUse(tree) {
  tree = tree.replace(/\s+as\s+\w+/g, '').replace(/\s+/g, '')
  const open = tree.indexOf('{')
  if (open < 0) return [tree]
  const prefix = tree.slice(0, open)
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'))
  const items = []
  let depth = 0
  let start = 0
  for (let i = 0; i <= inner.length; i++) {
    const ch = inner[i]
    if (ch === '{') depth++
    else if (ch === '}') depth--
    else if ((ch === ',' || ch === undefined) && depth === 0) {
      if (inner.slice(start, i)) items.push(inner.slice(start, i))
      start = i + 1
    }
  }
  return items.flatMap((item) => expandUse(prefix + item))
}

/** The module a `crate::`/`super::`/`self::` path names from the file `from`, as module parts. */
function resolvePath(from, rustPath) {
  const segs = rustPath.split('::').filter((s) => s && s !== '*')
  let mod
  if (segs[0] === 'crate') mod = []
  else if (segs[0] === 'self' || segs[0] === 'super') mod = modulePath(from)
  else return null
  let i = segs[0] === 'crate' ? 1 : 0
  for (; segs[i] === 'self' || segs[i] === 'super'; i++) if (segs[i] === 'super') mod = mod.slice(0, -1)
  return [...mod, ...segs.slice(i)]
}

/** file → the files of src/ its `use crate::…`/`use super::…`/`use self::…` lines name (inline paths are not read). */
function rustGraph(dirs) {
  const graph = new Map()
  for (const file of dirs.flatMap((d) => filesUnder(d, '.rs'))) {
    let src = stripRust(fs.readFileSync(file, 'utf8'))
    const paths = []
    src = src.replace(/\buse\s+((?:crate|super|self)\b[^;]*);/g, (_, tree) => {
      paths.push(...expandUse(tree))
      return ''
    })
    const deps = new Set()
    const own = path.dirname(file) + path.sep
    for (const p of paths) {
      const parts = resolvePath(file, p)
      const target = parts && fileOf(parts)
      if (!target || target === file) continue
      // A mod.rs naming its own submodules (its `mod` lines and `pub use`
      // re-exports) is the module's facade, not a dependency: skipped.
      if (path.basename(file) === 'mod.rs' && target.startsWith(own)) continue
      deps.add(target)
    }
    graph.set(file, [...deps])
  }
  return graph
}

test('the Rust graph reads use trees and finds a circle between two files', () => {
  assert.deepEqual(expandUse('super::{a, b::{c, d as e}}'), ['super::a', 'super::b::c', 'super::b::d'])
  assert.deepEqual(resolvePath(path.join(SRC, 'engine', 'codec', 'encode.rs'), 'super::super::memory::Payload'), ['engine', 'memory', 'Payload'])
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', []]])
  assert.equal(findCircle(g), null)
  g.set('c', ['a'])
  assert.deepEqual(findCircle(g), ['a', 'b', 'c', 'a'])
  const engine = path.join(SRC, 'engine')
  const graph = rustGraph([engine])
  assert.ok(graph.get(path.join(engine, 'isolate.rs')).includes(path.join(engine, 'platform.rs')), 'isolate.rs uses platform.rs')
})

test('src/runtime names neither the engine nor v8; engine and runtime never name the binding', () => {
  const runtime = path.join(SRC, 'runtime')
  assert.deepEqual(rustMatching(runtime, /\bcrate::engine\b|\bsuper::super::engine\b|\bv8::/), [])
  assert.deepEqual([...rustMatching(path.join(SRC, 'engine'), /\bcrate::binding\b/), ...rustMatching(runtime, /\bcrate::binding\b/)], [])
})

test('#[napi] appears only in src/binding', () => {
  const binding = path.join(SRC, 'binding')
  const offenders = filesUnder(SRC, '.rs')
    .filter((f) => !f.startsWith(binding + path.sep))
    .filter((f) => /#\[napi\b/.test(stripRust(fs.readFileSync(f, 'utf8'))))
    .map((f) => path.relative(ROOT, f))
  assert.deepEqual(offenders, [])
})

test('no use circle between the files of src/engine or of src/runtime', () => {
  for (const layer of ['engine', 'runtime']) {
    const circle = findCircle(rustGraph([path.join(SRC, layer)]))
    assert.equal(circle && circle.map((f) => path.relative(ROOT, f)).join(' → '), null, layer)
  }
})
