'use strict'
// Layers hold (README "Architecture"): in src/, binding → engine → runtime
// and never upward; in lib/, the facade reaches native code only through
// native/, and lib/runtime (the JS that runs inside a thread) and the host
// facade never require each other; no circle of modules anywhere in src/
// or lib/. Edges are read from `use` lines and from inline `crate::…`,
// `super::…`, `self::…` and child-module paths anywhere in the code
// (re-exports followed to the defining file), and from every relative
// `require()` (a lazy require inside a function counts: it only hides the
// circle). Raw Node-API calls are made only in src/binding/napi_raw.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { filesUnder, stripComments, stripRust, expandUseNamed, RustTree, requireGraph, collapse, findCircle, allCircles } = require('./module-graph')

const ROOT = path.join(__dirname, '..')
const SRC = path.join(ROOT, 'src')
const LIB = path.join(ROOT, 'lib')

// Circles known and being fixed elsewhere, each counted as one node so a
// circle inside it is not reported (one through it still is). Remove an
// entry once its circle is gone.
// None today; an entry maps a label to a test of a file's absolute path.
/** @type {Record<string, (file: string) => boolean>} */
const ALLOWED_GROUPS = {}

/** The files of a circle, relative to the repository, joined by arrows. */
function showCircle(circle) {
  return circle.map((f) => (path.isAbsolute(f) ? path.relative(ROOT, f) : f)).join(' → ')
}

/** A throwaway source tree: `files` maps a relative path to its text. */
function withTree(files, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-layers-'))
  try {
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
      fs.writeFileSync(path.join(dir, rel), text)
    }
    return fn(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

test('the lib graph finds a circle hidden by a lazy require, and none where there is none', () => {
  withTree({ 'a.js': "const b = require('./b')\n", 'b.js': "// require('./a') in a comment is no edge\nmodule.exports = 1\n" }, (dir) => {
    assert.equal(findCircle(requireGraph(dir)), null)
    fs.writeFileSync(path.join(dir, 'b.js'), "function later() { return require('./a') }\n")
    assert.deepEqual(findCircle(requireGraph(dir)).map((f) => path.basename(f)), ['a.js', 'b.js', 'a.js'])
  })
})

test('the Rust graph reads use trees, inline paths, child modules and re-exports', () => {
  assert.deepEqual(expandUseNamed('super::{a, b::{c, d as e}}'), [['super::a', 'a'], ['super::b::c', 'c'], ['super::b::d', 'e']])
  const stripped = stripRust('let s = "crate::x::y"; // crate::z\n/* a /* nested */ crate::w */ let c = \'{\'; let r = r#"crate::q"#;')
  assert.doesNotMatch(stripped, /crate|\{/, 'comments, strings and char literals are no code')
  withTree({
    'lib.rs': 'mod a;\nmod b;\n',
    'a/mod.rs': 'mod leaf;\nmod inner;\npub use leaf::Thing;\npub(crate) fn f() {}\n',
    'a/leaf.rs': 'pub struct Thing;\n',
    'a/inner.rs': 'fn g() { super::f() }\n#[cfg(test)]\nmod tests {\n    use super::g;\n}\n',
    'b.rs': 'fn h() -> crate::a::Thing { crate::a::Thing }\n',
  }, (dir) => {
    const tree = new RustTree(dir)
    const g = tree.graph([dir])
    const rel = (f) => path.relative(dir, f)
    // A re-export is followed to the file that defines the item; an inline
    // module's `super` is its own file (no edge); a module's own children
    // are its parts (no edge from a/mod.rs).
    assert.deepEqual(g.get(path.join(dir, 'b.rs')).map(rel), ['a/leaf.rs'])
    assert.deepEqual(g.get(path.join(dir, 'a', 'inner.rs')).map(rel), ['a/mod.rs'])
    assert.deepEqual(g.get(path.join(dir, 'a', 'mod.rs')), [])
    assert.equal(findCircle(g), null)
    // An inline path is an edge like a `use` line: a circle through one is found.
    fs.writeFileSync(path.join(dir, 'a', 'leaf.rs'), 'pub struct Thing;\nfn back() { crate::b::h(); }\n')
    const circle = findCircle(new RustTree(dir).graph([dir]))
    assert.deepEqual(circle.map(rel), ['b.rs', 'a/leaf.rs', 'b.rs'])
  })
})

test('the graph of this repository was read (inline paths included)', () => {
  const g = new RustTree(SRC).graph([SRC])
  const engine = (f) => path.join(SRC, 'engine', f)
  assert.ok(g.get(engine('isolate.rs')).includes(engine('platform.rs')), 'isolate.rs uses platform.rs')
  assert.ok(g.get(engine('isolate.rs')).includes(engine(path.join('inspector', 'mod.rs'))), 'isolate.rs names super::inspector::install inline')
  assert.ok(requireGraph(LIB).get(path.join(LIB, 'host.js')).length > 0, 'the lib graph was read')
})

test('raw Node-API calls are made only in src/binding/napi_raw', () => {
  const raw = path.join(ROOT, 'src', 'binding', 'napi_raw')
  const offenders = filesUnder(path.join(ROOT, 'src'), '.rs')
    .filter((f) => !f.startsWith(raw + path.sep))
    .filter((f) => /\bsys::napi_[a-z_]+\s*\(|\bnapi_call!/.test(stripComments(fs.readFileSync(f, 'utf8'))))
    .map((f) => path.relative(ROOT, f))
  assert.deepEqual(offenders, [])
})

test('#[napi] appears only in src/binding', () => {
  const binding = path.join(SRC, 'binding')
  const offenders = filesUnder(SRC, '.rs')
    .filter((f) => !f.startsWith(binding + path.sep))
    .filter((f) => /#\[napi\b/.test(stripRust(fs.readFileSync(f, 'utf8'))))
    .map((f) => path.relative(ROOT, f))
  assert.deepEqual(offenders, [])
})


/** The layer of a file of src/: higher layers may name lower ones only. */
function layerOf(file) {
  const top = path.relative(SRC, file).split(path.sep)[0]
  return { 'lib.rs': 3, binding: 2, engine: 1, runtime: 0 }[top]
}

test('src/ imports only downward: binding → engine → runtime', () => {
  const g = new RustTree(SRC).graph([SRC])
  const upward = []
  for (const [file, deps] of g) {
    for (const d of deps) if (layerOf(d) > layerOf(file)) upward.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, d)}`)
  }
  assert.deepEqual(upward, [])
  // A lower layer does not even mention v8 (runtime) or napi (engine, runtime).
  const mentioning = (dir, re) => filesUnder(path.join(SRC, dir), '.rs').filter((f) => re.test(stripRust(fs.readFileSync(f, 'utf8'))))
  assert.deepEqual(mentioning('runtime', /\bv8::/).map((f) => path.relative(ROOT, f)), [])
  assert.deepEqual([...mentioning('runtime', /\bnapi::/), ...mentioning('engine', /\bnapi::/)].map((f) => path.relative(ROOT, f)), [])
})

test('the engine exposes only what the binding and the fuzz targets use', () => {
  const code = stripRust(fs.readFileSync(path.join(SRC, 'engine', 'mod.rs'), 'utf8'))
  // Public modules: only the codec, which fuzz/ drives alone; the rest is
  // private or pub(crate) and reached through the `pub use` items.
  assert.deepEqual([...code.matchAll(/^pub\s+mod\s+(\w+)/gm)].map((m) => m[1]), ['codec'])
  const exported = [...code.matchAll(/^pub\s+use\s+([^;]*);/gm)].flatMap((m) => expandUseNamed(m[1]).map(([, name]) => name)).sort()
  assert.deepEqual(exported, ['Keepalive', 'Payload', 'SharedMemory', 'ThreadConfig', 'ThreadHandle', 'init_platform', 'shutdown_all'])
})

test('no circle of modules in src/', () => {
  const graph = new RustTree(SRC).graph([SRC])
  const circles = allCircles(collapse(graph, ALLOWED_GROUPS))
  assert.deepEqual(circles.map(showCircle), [])
  // An allowed group whose circle is gone is an entry to remove.
  const stale = Object.entries(ALLOWED_GROUPS).filter(([, member]) => {
    const inside = new Map([...graph].filter(([f]) => member(f)).map(([f, deps]) => [f, deps.filter(member)]))
    return findCircle(inside) === null
  })
  assert.deepEqual(stale.map(([key]) => `${key} has no circle any more: remove it from ALLOWED_GROUPS`), [])
})

test('lib/ has no require circle, and leaves lib/ only for native/binding.js', () => {
  const graph = requireGraph(LIB)
  assert.deepEqual(allCircles(graph).map(showCircle), [])
  const binding = path.join(ROOT, 'native', 'binding.js')
  const outside = []
  for (const [file, deps] of graph) {
    for (const d of deps) if (!d.startsWith(LIB + path.sep) && d !== binding) outside.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, d)}`)
    if (/require\(\s*['"][^'"]*\.node['"]\s*\)/.test(stripComments(fs.readFileSync(file, 'utf8')))) outside.push(`${path.relative(ROOT, file)} → a .node file`)
  }
  assert.deepEqual(outside, [])
})

test('lib/runtime (thread side) and the host facade never require each other', () => {
  const runtime = path.join(LIB, 'runtime') + path.sep
  const crossing = []
  for (const [file, deps] of requireGraph(LIB)) {
    for (const d of deps) {
      if (d.startsWith(LIB + path.sep) && file.startsWith(runtime) !== d.startsWith(runtime)) crossing.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, d)}`)
    }
  }
  assert.deepEqual(crossing, [])
})
