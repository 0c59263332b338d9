// The CommonJS loader of one realm (RUNTIME.md §2), built on first use as
// `(function (native, internals, runtimeDir, cwdFile) { ... })`: `require`,
// `module`, `exports`, `__filename`, `__dirname`, `require.resolve`,
// `require.cache`, JSON files, cycles (a module required again while it
// runs gives its exports so far), `require()` of an ES module (its
// namespace), and Node's built-ins, whose sources are files of the runtime
// folder (`node/<name>.js`); a built-in without one is host-only: its
// functions throw ERR_NOT_AVAILABLE (`host-only.js`).
(function (native, internals, runtimeDir, cwdFile) {
  'use strict'
  const cache = Object.create(null)
  const builtins = new Map()
  const loading = new Set()
  const dirname = (p) => {
    const i = p.lastIndexOf('/')
    return i <= 0 ? '/' : p.slice(0, i)
  }

  function Module(id, parent) {
    this.id = id
    this.path = dirname(id)
    this.exports = {}
    this.filename = id
    this.loaded = false
    this.children = []
    this.paths = nodeModulePaths(this.path)
    Object.defineProperty(this, 'parent', { value: parent, writable: true, configurable: true, enumerable: false })
  }
  Module.prototype.require = function require(id) { return requireFrom(this.filename, id, this) }

  function nodeModulePaths(dir) {
    const out = []
    for (let d = dir; ; d = dirname(d)) {
      if (!d.endsWith('/node_modules')) out.push((d === '/' ? '' : d) + '/node_modules')
      if (d === '/') return out
    }
  }

  function argError(code, message) {
    const e = new TypeError(message)
    e.code = code
    return e
  }

  function makeRequire(filename, mod) {
    const require = function require(id) { return requireFrom(filename, id, mod) }
    require.resolve = function resolve(request, options) {
      check(request)
      const paths = options != null && options.paths !== undefined ? options.paths : undefined
      if (paths !== undefined && !Array.isArray(paths)) throw argError('ERR_INVALID_ARG_VALUE', "The property 'options.paths' must be an Array")
      const from = paths === undefined ? [filename] : paths.map((p) => `${p.endsWith('/') ? p.slice(0, -1) : p}/[paths]`)
      let first
      for (const f of from) {
        try {
          const [kind, file, name] = native.resolve(request, f, true)
          if (kind !== 'builtin') return file
          return request.startsWith('node:') ? request : name
        } catch (e) {
          if (first === undefined) first = e
        }
      }
      throw first !== undefined ? first : Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' })
    }
    require.resolve.paths = (request) => {
      check(request)
      try {
        if (native.resolve(request, filename, true)[0] === 'builtin') return null
      } catch {}
      return nodeModulePaths(dirname(filename))
    }
    require.cache = cache
    require.main = undefined
    require.extensions = Object.freeze({ '.js': null, '.json': null, '.node': null })
    return require
  }

  function check(id) {
    if (typeof id !== 'string') {
      throw argError('ERR_INVALID_ARG_TYPE', `The "id" argument must be of type string. Received ${id === null ? 'null' : typeof id}`)
    }
    if (id === '') throw argError('ERR_INVALID_ARG_VALUE', "The argument 'id' must be a non-empty string. Received ''")
  }

  function requireFrom(filename, id, parent) {
    check(id)
    const [kind, file, name] = native.resolve(id, filename, true)
    return load(kind, file, name, parent)
  }

  // Run the CommonJS file `file` as module `m`.
  function execute(m, file) {
    const wrapper = native.compileCjs(file)
    wrapper.call(m.exports, m.exports, makeRequire(file, m), m, file, dirname(file))
  }

  /** module.exports of what `native.resolve` found: kind, file, name. */
  function load(kind, file, name, parent) {
    if (kind === 'builtin') return builtin(name, file)
    const cached = cache[file]
    if (cached !== undefined) return cached.exports
    if (kind === 'esm') return native.requireEsm(file)
    const m = new Module(file, parent)
    cache[file] = m
    if (parent) parent.children.push(m)
    let ok = false
    try {
      if (kind === 'json') {
        try {
          m.exports = JSON.parse(native.readText(file))
        } catch (e) {
          if (e instanceof SyntaxError) e.message = `${file}: ${e.message}`
          throw e
        }
      } else {
        execute(m, file)
      }
      ok = true
    } finally {
      if (!ok) delete cache[file]
    }
    m.loaded = true
    return m.exports
  }

  function builtin(name, file) {
    const done = builtins.get(name)
    if (done !== undefined) return done
    if (name === 'isothread:internal') return internal
    if (file === '') {
      const exports = builtin('isothread:host-only', `${runtimeDir}/host-only.js`).stub(name)
      builtins.set(name, exports)
      return exports
    }
    const m = new Module(file, null)
    builtins.set(name, m.exports)
    loading.add(name)
    let ok = false
    try {
      execute(m, file)
      ok = true
    } finally {
      loading.delete(name)
      if (!ok) builtins.delete(name)
    }
    builtins.set(name, m.exports)
    return m.exports
  }

  // What `require('isothread:internal')` gives the runtime's own files.
  const internal = Object.freeze({ native: internals, host: native, runtimeDir, require: makeRequire(`${runtimeDir}/[runtime]`, undefined) })

  // Export names an ES module sees in a CommonJS file: what
  // cjs-module-lexer finds (as Node), reexports followed; kept per process.
  let lexer
  function names(file) {
    const known = native.lexed(file)
    if (known !== undefined) return known
    if (lexer === undefined) lexer = load('cjs', native.resolve('cjs-module-lexer', `${runtimeDir}/[lexer]`, true)[1], 'cjs-module-lexer', null)
    const out = new Set()
    const seen = new Set()
    const walk = (f) => {
      if (seen.has(f)) return
      seen.add(f)
      let found
      try { found = lexer.parse(native.readText(f)) } catch { return }
      for (const e of found.exports) out.add(e)
      for (const spec of found.reexports) {
        let kind, target, name
        try { [kind, target, name] = native.resolve(spec, f, true) } catch { continue }
        if (kind === 'cjs') walk(target)
        else if (kind === 'builtin') for (const k of Object.keys(builtin(name, target))) out.add(k)
      }
    }
    walk(file)
    out.delete('default')
    const list = [...out]
    native.lexed(file, list)
    return list
  }

  // After a terminated call: modules it left half run are loaded anew.
  function abandon() {
    for (const file of Object.keys(cache)) if (!cache[file].loaded) delete cache[file]
    for (const name of loading) builtins.delete(name)
    loading.clear()
  }

  return {
    names,
    abandon,
    /** A runtime file's exports (`web/url.js`: the prelude's lazy globals). */
    runtime(rel) { return load('cjs', `${runtimeDir}/${rel}`, rel, null) },
    /** For ES modules importing CommonJS, JSON or a built-in. */
    load(kind, file, name) { return load(kind, file, name, null) },
    /** A built-in's exports by name (the prelude's lazy globals). */
    builtin(name) { return requireFrom(cwdFile, `node:${name}`, null) },
    /** `require` of a function context: resolves from the process cwd. */
    require: makeRequire(cwdFile, undefined),
  }
})
