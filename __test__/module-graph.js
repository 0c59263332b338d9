'use strict'
// The module graphs layers.spec.js checks: which file of src/ names which
// (through `use` lines and inline `crate::…`/`super::…`/`self::…` paths
// anywhere in the code, following `pub use` re-exports to the file that
// defines the item), which file of lib/ requires which (lazy requires
// inside functions too), and the circles in such a graph.
const fs = require('node:fs')
const path = require('node:path')

/** Every file under `dir` whose name ends with `ext`. */
function filesUnder(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => path.join(d.parentPath ?? d.path, d.name))
}

/** JS source without its comments (line comments only where they start a comment, not inside a URL). */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1')
}

/**
 * Rust source with comments (nested block comments too) removed and string,
 * raw-string and char literals emptied, so that a path in a doc comment or
 * a message is no edge and a brace in a literal does not count.
 */
function stripRust(src) {
  let out = ''
  let i = 0
  while (i < src.length) {
    const ch = src[i]
    const next = src[i + 1]
    if (ch === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++
    } else if (ch === '/' && next === '*') {
      let depth = 0
      do {
        if (src[i] === '/' && src[i + 1] === '*') (depth++, (i += 2))
        else if (src[i] === '*' && src[i + 1] === '/') (depth--, (i += 2))
        else i++
      } while (depth > 0 && i < src.length)
      out += ' '
    } else if ((ch === 'r' || (ch === 'b' && next === 'r')) && /^b?r#*"/.test(src.slice(i, i + 40)) && !/\w/.test(src[i - 1] || '')) {
      const m = /^b?r(#*)"/.exec(src.slice(i))
      const end = src.indexOf(`"${m[1]}`, i + m[0].length)
      out += '""'
      i = end < 0 ? src.length : end + 1 + m[1].length
    } else if (ch === '"') {
      i++
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1
      out += '""'
      i++
    } else if (ch === "'") {
      const m = /^'(?:\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])'/.exec(src.slice(i, i + 12))
      out += m ? "' '" : ch
      i += m ? m[0].length : 1
    } else {
      out += ch
      i++
    }
  }
  return out
}

/** `a::{b, c::{d, e as f}}` → [['a::b', 'b'], ['a::c::d', 'd'], ['a::c::e', 'f']]: each path and the name it binds. */
function expandUseNamed(tree) {
  tree = tree.replace(/\s+/g, ' ').replace(/\s*(::|\{|\}|,)\s*/g, '$1').trim()
  const open = tree.indexOf('{')
  if (open < 0) {
    const m = /^(.*?)(?: as (\w+))?$/.exec(tree)
    return [[m[1], m[2] || m[1].split('::').at(-1)]]
  }
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
      if (inner.slice(start, i).trim()) items.push(inner.slice(start, i).trim())
      start = i + 1
    }
  }
  return items.flatMap((item) => expandUseNamed(prefix + item))
}

/** `a::{b, c::{d, e as f}}` → ['a::b', 'a::c::d', 'a::c::e']. */
function expandUse(tree) {
  return expandUseNamed(tree).map(([p]) => p)
}

/** One Rust source tree (`src`): its files, module paths and the edges between files. */
class RustTree {
  /** @param {string} src the crate's src/ directory */
  constructor(src) {
    this.src = src
    this.code = new Map() // file → stripped source
  }

  /** The stripped source of `file` (read once). */
  codeOf(file) {
    if (!this.code.has(file)) this.code.set(file, stripRust(fs.readFileSync(file, 'utf8')))
    return this.code.get(file)
  }

  /** The module path of a Rust file: src/engine/codec/mod.rs → ['engine', 'codec']. */
  modulePath(file) {
    const parts = path.relative(this.src, file).replace(/\.rs$/, '').split(path.sep)
    if (parts.at(-1) === 'mod' || parts.at(-1) === 'lib') parts.pop()
    return parts
  }

  /** The file that defines module `parts` exactly, or null. */
  moduleFile(parts) {
    if (parts.length === 0) return path.join(this.src, 'lib.rs')
    const base = path.join(this.src, ...parts)
    if (fs.existsSync(`${base}.rs`)) return `${base}.rs`
    if (fs.existsSync(path.join(base, 'mod.rs'))) return path.join(base, 'mod.rs')
    return null
  }

  /** The `pub use` re-exports of `file`: the name it exports → the path it names. */
  reexports(file) {
    const out = new Map()
    for (const m of this.codeOf(file).matchAll(/\bpub(?:\s*\([^)]*\))?\s+use\s+([^;]*);/g)) {
      for (const [p, name] of expandUseNamed(m[1])) if (name !== '*') out.set(name, p)
    }
    return out
  }

  /** The child modules `file` declares at its top (`mod x;` or `mod x {`). */
  children(file) {
    return new Set([...this.codeOf(file).matchAll(/\bmod\s+(\w+)\s*[;{]/g)].map((m) => m[1]))
  }

  /**
   * The file defining what `rustPath` names when written in module `mod`
   * (the module of `file` plus any inline modules around the path), following
   * re-exports; null for a path outside the crate.
   */
  resolve(file, mod, rustPath, hops = 0) {
    const segs = rustPath.split('::').filter((s) => s && s !== '*')
    let parts
    let i = 0
    if (segs[0] === 'crate') (parts = []), (i = 1)
    else if (segs[0] === 'self' || segs[0] === 'super') parts = mod
    else if (this.children(file).has(segs[0])) parts = mod
    else return null
    for (; segs[i] === 'self' || segs[i] === 'super'; i++) if (segs[i] === 'super') parts = parts.slice(0, -1)
    // Walk down as far as files go; the next segment is an item of that file.
    let target = this.moduleFile(parts)
    for (; i < segs.length; i++) {
      const deeper = this.moduleFile([...parts, segs[i]])
      if (!deeper) break
      parts = [...parts, segs[i]]
      target = deeper
    }
    if (!target) return null
    if (i < segs.length && hops < 8) {
      const via = this.reexports(target).get(segs[i])
      if (via) return this.resolve(target, parts, [via, ...segs.slice(i + 1)].join('::'), hops + 1) || target
    }
    return target
  }

  /** [start, end, name] of each inline `mod name { … }` in the stripped source. */
  inlineModules(code) {
    const out = []
    for (const m of code.matchAll(/\bmod\s+(\w+)\s*\{/g)) {
      let depth = 0
      let j = m.index + m[0].length - 1
      for (; j < code.length; j++) {
        if (code[j] === '{') depth++
        else if (code[j] === '}' && --depth === 0) break
      }
      out.push([m.index, j, m[1]])
    }
    return out
  }

  /** The files `file` names, other than itself and other than re-exports of its own children. */
  edges(file) {
    let code = this.codeOf(file)
    const own = this.modulePath(file)
    const inline = this.inlineModules(code)
    const modAt = (at) => [...own, ...inline.filter(([s, e]) => s <= at && at <= e).map(([, , n]) => n)]
    const found = [] // [index, path]
    // `pub use child::X` in a module is its facade: followed by resolve(), no edge.
    const facade = (m) => /^\s*pub\b/.test(m) && /^pub(?:\s*\([^)]*\))?\s+use\s+(?!crate|super)/.test(m.trim())
    code = code.replace(/\b(?:pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]*);/g, (m, tree, at) => {
      if (!facade(m)) for (const p of expandUse(tree)) found.push([at, p])
      return ' '.repeat(m.length)
    })
    code = code.replace(/\bpub\s*\(\s*in\s+[^)]*\)/g, (m) => ' '.repeat(m.length))
    const children = [...this.children(file)]
    const roots = ['crate', 'super', 'self', ...children].join('|')
    for (const m of code.matchAll(new RegExp(`(?<![\\w:])(?:${roots})(?:\\s*::\\s*\\w+)+`, 'g'))) {
      found.push([m.index, m[0].replace(/\s+/g, '')])
    }
    const deps = new Set()
    // A module naming its own submodules is made of them, not depending on
    // them: no edge from a mod.rs (or lib.rs) to the files below its folder,
    // nor from x.rs to those under x/.
    const below = /^(mod|lib)\.rs$/.test(path.basename(file)) ? path.dirname(file) + path.sep : file.replace(/\.rs$/, path.sep)
    for (const [at, p] of found) {
      const target = this.resolve(file, modAt(at), p)
      if (target && target !== file && !target.startsWith(below)) deps.add(target)
    }
    return [...deps]
  }

  /** file → the files it names, for every .rs file under `dirs`. */
  graph(dirs) {
    const graph = new Map()
    for (const file of dirs.flatMap((d) => filesUnder(d, '.rs'))) graph.set(file, this.edges(file))
    return graph
  }
}

/** The target of a relative `require(spec)` written in `file` (a file path), as Node resolves it. */
function resolveRequire(file, spec) {
  const target = path.resolve(path.dirname(file), spec)
  for (const candidate of [target, `${target}.js`, `${target}.json`, path.join(target, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate
  }
  return target
}

/** file → every relative require in it (wherever it appears), resolved, for the .js files under `dir`. */
function requireGraph(dir) {
  const graph = new Map()
  for (const file of filesUnder(dir, '.js')) {
    const deps = []
    for (const m of stripComments(fs.readFileSync(file, 'utf8')).matchAll(/require\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g)) {
      deps.push(resolveRequire(file, m[2]))
    }
    graph.set(file, deps)
  }
  return graph
}

/**
 * `graph` with each group of files counted as one node (named by the
 * group's key): a circle wholly inside a group is not seen, one through it
 * still is.
 */
function collapse(graph, groups) {
  const nodeOf = (f) => {
    for (const [key, member] of Object.entries(groups)) if (member(f)) return key
    return f
  }
  const out = new Map()
  for (const [file, deps] of graph) {
    const node = nodeOf(file)
    const set = out.get(node) || new Set()
    for (const d of deps) if (nodeOf(d) !== node) set.add(nodeOf(d))
    out.set(node, set)
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]))
}

/** The first circle found in `graph` (a list of nodes, first = last), or null. */
function findCircle(graph) {
  const state = new Map() // node → 'open' | 'done'
  const stack = []
  function visit(node) {
    state.set(node, 'open')
    stack.push(node)
    for (const dep of graph.get(node) || []) {
      if (state.get(dep) === 'open') return [...stack.slice(stack.indexOf(dep)), dep]
      if (!state.has(dep)) {
        const found = visit(dep)
        if (found) return found
      }
    }
    stack.pop()
    state.set(node, 'done')
    return null
  }
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node)
      if (found) return found
    }
  }
  return null
}

/** Every circle-free report: one circle per strongly connected part of `graph`, so a test names them all at once. */
function allCircles(graph) {
  const circles = []
  const g = new Map(graph)
  for (;;) {
    const circle = findCircle(g)
    if (!circle) return circles
    circles.push(circle)
    // Drop the closing edge so the next search finds another circle.
    const [from, to] = circle.slice(-2)
    g.set(from, g.get(from).filter((d) => d !== to))
  }
}

module.exports = { filesUnder, stripComments, stripRust, expandUse, expandUseNamed, RustTree, requireGraph, resolveRequire, collapse, findCircle, allCircles }
