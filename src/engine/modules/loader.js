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
    require.resolve = function resolve(request) {
      check(request)
      const [kind, file, name] = native.resolve(request, filename, true)
      if (kind !== 'builtin') return file
      return request.startsWith('node:') ? request : name
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
    native.saveCache(file, wrapper)
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
    let ok = false
    try {
      execute(m, file)
      ok = true
    } finally {
      if (!ok) builtins.delete(name)
    }
    builtins.set(name, m.exports)
    return m.exports
  }

  // What `require('isothread:internal')` gives the runtime's own files.
  const internal = Object.freeze({ native: internals, host: native, runtimeDir, require: makeRequire(`${runtimeDir}/[runtime]`, undefined) })

  return {
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
