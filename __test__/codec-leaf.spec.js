'use strict'
// The engine codec (src/engine/codec) is a leaf: it names no engine module
// above it (only the runtime's `Payload`), and its files depend on each
// other one way — inline `super::x::` paths included, which the layer
// check in layers.spec.js does not read.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const DIR = path.join(__dirname, '..', 'src', 'engine', 'codec')
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.rs') && !f.startsWith('tests'))

/** Rust source without comments and string literals. */
const code = (f) => fs.readFileSync(path.join(DIR, f), 'utf8')
  .replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\\n]|\\.)*"/g, '""')

/** file → the sibling files it names through `super::name` (use lines and inline paths alike). */
function graph() {
  const g = new Map()
  for (const f of files) {
    const src = code(f)
    const deps = new Set()
    for (const m of src.matchAll(/\bsuper::(\w+)/g)) if (files.includes(`${m[1]}.rs`) && `${m[1]}.rs` !== f) deps.add(`${m[1]}.rs`)
    for (const m of src.matchAll(/\bsuper::\{([^}]*)\}/g)) {
      for (const name of m[1].split(',').map((s) => s.trim().split('::')[0])) if (files.includes(`${name}.rs`)) deps.add(`${name}.rs`)
    }
    // mod.rs is the facade: its own `mod`/`pub use` lines are no dependency;
    // a child naming an item of mod.rs itself (`super::Item`) is one.
    if (f !== 'mod.rs' && /\bsuper::[A-Z_][A-Za-z_]*\b/.test(src.replace(/\bsuper::\w+::/g, ''))) deps.add('mod.rs')
    g.set(f, [...deps])
  }
  return g
}

function circle(g) {
  const state = new Map()
  const stack = []
  const visit = (f) => {
    state.set(f, 'open'); stack.push(f)
    for (const d of g.get(f) || []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d]
      if (!state.has(d)) { const c = visit(d); if (c) return c }
    }
    stack.pop(); state.set(f, 'done')
    return null
  }
  for (const f of g.keys()) if (!state.has(f)) { const c = visit(f); if (c) return c }
  return null
}

test('the circle check sees an inline path', () => {
  const g = new Map([['a.rs', ['b.rs']], ['b.rs', []]])
  assert.equal(circle(g), null)
  g.set('b.rs', ['a.rs'])
  assert.deepEqual(circle(g), ['a.rs', 'b.rs', 'a.rs'])
})

test('src/engine/codec names no engine module outside itself', () => {
  const upward = files.filter((f) => /\bcrate::engine\b|\bsuper::super\b/.test(code(f)))
  assert.deepEqual(upward, [])
})

test('the files of src/engine/codec depend on each other one way', () => {
  const g = graph()
  assert.ok(g.get('decode.rs').includes('to_v8.rs'), 'the graph was read')
  const c = circle(g)
  assert.equal(c && c.join(' → '), null)
})
