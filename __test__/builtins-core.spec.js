'use strict'
// Node's computation built-ins inside a thread (RUNTIME.md §1, §3): each
// probe below runs the same code on the host (real Node) and inside a
// Thread, and the two results must be deep-equal. Probes return plain data
// (hex strings, arrays, inspect strings) so what crosses by structured clone
// is what is compared; a failure shows the differing values.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Thread } = require('../lib/index.js')
const { runChild, describe: describeChild } = require('./helpers')

// Every probe, by name. Sent to the thread as source: it uses only its
// `require` argument and globals (Buffer, process, setTimeout …).
async function probe(require, name) {
  const util = require('util')
  const { Buffer } = require('buffer')
  const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
  const errorOf = (fn) => {
    try { fn() } catch (e) { return { name: e.name, code: e.code, message: e.message } }
    return 'no error'
  }
  const asyncErrorOf = async (p) => {
    try { await p } catch (e) { return { name: e.name, code: e.code, message: e.message } }
    return 'no error'
  }
  const noStack = (s) => s.split('\n').filter((l) => !/^\s+at /.test(l) && !/^\s+\.\.\. \d+ lines? matching cause stack trace \.\.\.$/.test(l)).join('\n')
  const probes = {
    'buffer: from/toString in every encoding': () => {
      const strings = ['héllo wörld €', '', 'a\u0000b\u00ff', '\ud83d\ude00 emoji', 'lone \ud800 surrogate', 'aGk-_w', '6869zz', 'AAEC/w==']
      const encodings = ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'utf16le', 'ucs2', 'ascii', 'UTF8', 'Hex']
      const out = []
      for (const s of strings) {
        for (const e of encodings) {
          const b = Buffer.from(s, e)
          out.push([s, e, b.toString('hex'), b.toString(e), Buffer.byteLength(s, e)])
        }
      }
      return out
    },
    'buffer: decoding bad UTF-8 and base64': () => {
      const bytes = Buffer.from([0x61, 0xff, 0xfe, 0xe2, 0x82, 0x41, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0xe2, 0x82, 0xac])
      return [
        bytes.toString(), bytes.toString('utf8', 1, 5), bytes.toString('latin1'), bytes.toString('ascii'), bytes.toString('utf16le'),
        ...['aGk=\n', 'aGk', ' a G k = ', 'a-_b', 'YQ', 'YQ=', '!!aGk'].map((s) => Buffer.from(s, 'base64').toString('hex')),
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => {
          const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 250) & 255))
          return [b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString('base64', 1), b.toString('hex', 1, n - 1)]
        }),
      ]
    },
    'buffer: methods': () => {
      const a = Buffer.from('hello world')
      const s = a.subarray(0, 5)
      s[0] = 0x48
      const sl = a.slice(6)
      const n = Buffer.alloc(16)
      const wrote = [n.writeUInt32BE(0xdeadbeef, 0), n.writeDoubleLE(Math.PI, 4), n.writeInt16LE(-2, 12)]
      const f = Buffer.alloc(7).fill('ab')
      const sw = Buffer.from([1, 2, 3, 4])
      const copyTarget = Buffer.alloc(6, '.')
      return {
        concat: Buffer.concat([Buffer.from('ab'), new Uint8Array([99]), Buffer.from('d')]).toString(),
        concatLen: Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4).toString(),
        compare: [Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a')), Buffer.from('x').compare(Buffer.from('x'))],
        equals: [Buffer.from('x').equals(Buffer.from('x')), Buffer.from('x').equals(Buffer.from('y'))],
        indexOf: [a.indexOf('o'), a.indexOf('o', 5), a.indexOf(Buffer.from('wor')), a.indexOf(0x6c), a.lastIndexOf('o'), a.indexOf('zz'), a.includes('world'), a.includes('World')],
        shared: [a.toString(), sl.toString(), s.toString()],
        reads: [n.readUInt32BE(0), n.readUInt32LE(0), n.readDoubleLE(4), n.readInt16LE(12), n.readUInt8(0), n.readBigUInt64LE(0).toString(), hex(n)],
        wrote,
        fill: [f.toString(), Buffer.alloc(3, 'a').toString(), Buffer.alloc(4).fill(0x41, 1, 3).toString('hex'), Buffer.alloc(5, 'aGk=', 'base64').toString()],
        swap: [hex(Buffer.from(sw).swap16()), hex(Buffer.from(sw).swap32())],
        json: JSON.stringify(Buffer.from([1, 2, 3])),
        isBuffer: [Buffer.isBuffer(a), Buffer.isBuffer(new Uint8Array(1)), a instanceof Uint8Array],
        isEncoding: ['utf8', 'UTF-8', 'hex', 'base64url', 'latin1', 'ucs-2', 'nope', '', 1].map((e) => Buffer.isEncoding(e)),
        write: [copyTarget.write('xyz', 1), copyTarget.write('6869', 4, 'hex'), copyTarget.toString()],
        copy: [Buffer.from('abc').copy(copyTarget, 0, 1), copyTarget.toString()],
        partial: [a.toString('hex', 1, 3), a.toString('utf8', -5, 100), a.toString('utf8', 4, 2), a.toString('hex', 1, -1), a.toString('utf8', 1.7, 2.9),
          a.toString('hex', NaN, 2), a.toString('utf8', '1'), a.toString('base64', 50), a.toString('latin1', 2, undefined)],
        fromArrayBuffer: hex(Buffer.from(new Uint16Array([1, 0x203]).buffer)),
        fromArrayBufferOffset: hex(Buffer.from(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)),
        string: String(Buffer.from('hi')),
        of: hex(Buffer.of(1, 2, 255)),
        encodingMethods: (() => {
          const b = Buffer.alloc(12)
          const w = [b.utf8Write('hé', 0), b.hexWrite('abcd', 3), b.latin1Write('\u00ff', 5, 1), b.base64Write('aGk=', 6), b.ucs2Write('A', 8), b.asciiWrite('zz', 10, 5)]
          return [w, hex(b), b.utf8Slice(0, 3), b.hexSlice(3, 5), b.latin1Slice(5, 6), b.base64Slice(6, 8), b.base64urlSlice(0, 12), b.ucs2Slice(8, 10), b.asciiSlice(10)]
        })(),
      }
    },
    'buffer: module exports': () => {
      const buffer = require('buffer')
      return {
        SlowBuffer: typeof buffer.SlowBuffer,
        slow: hex(buffer.SlowBuffer(2).fill(7)),
        kMaxLength: buffer.kMaxLength,
        constants: buffer.constants,
        kStringMaxLength: buffer.kStringMaxLength,
        INSPECT_MAX_BYTES: buffer.INSPECT_MAX_BYTES,
        atob: buffer.atob('aGkh'),
        btoa: buffer.btoa('hi!\u00ff'),
        isUtf8: [buffer.isUtf8(Buffer.from('é')), buffer.isUtf8(Buffer.from([0xff]))],
        isAscii: [buffer.isAscii(Buffer.from('abc')), buffer.isAscii(Buffer.from('é'))],
        globalsAtob: [atob(' aGk= '), btoa('\u0000\u00ff'), errorOf(() => atob('a')).name, errorOf(() => btoa('€')).name],
      }
    },
    'buffer: inspect': () => [
      util.inspect(Buffer.from('hi')),
      util.inspect(Buffer.alloc(0)),
      util.inspect(Buffer.alloc(60, 1)),
      util.inspect(Buffer.alloc(51, 2)),
      util.inspect({ nested: Buffer.from([1, 2, 3]) }),
      Object.assign(Buffer.from('ab'), { extra: true }).inspect === undefined ? 'none' : util.inspect(Object.assign(Buffer.from('ab'), { extra: true })),
    ],
    'buffer: errors': () => [
      errorOf(() => Buffer.from('x', 'nope')).code,
      errorOf(() => Buffer.alloc(1).toString('nope')).code,
      errorOf(() => Buffer.alloc(2).readUInt32LE(0)).name,
      errorOf(() => Buffer.from(Symbol('s'))).name,
      errorOf(() => Buffer.alloc(5).write('x', 6)),
      errorOf(() => Buffer.alloc(5).write('x', -1)).code,
    ],
    'buffer: write never splits a character': () => {
      const b = Buffer.alloc(5)
      return [b.write('a€b', 1), hex(b), b.write('€€', 0, 4), hex(b), b.write('xyz', 5), b.write('hi', 'latin1'), b.write('6162', 3, 'hex'), b.write('YWJj', 2, 2, 'base64'), hex(b),
        Buffer.alloc(3).write('😀'), Buffer.alloc(4).write('😀'), b.utf8Write('zz', 4)]
    },
    'events: listener order and counts': () => {
      const EventEmitter = require('events')
      const e = new EventEmitter()
      const log = []
      const one = (x) => log.push(`one ${x}`)
      e.on('newListener', (n) => log.push(`new ${String(n)}`))
      e.on('x', one)
      e.once('x', (x) => log.push(`once ${x}`))
      e.prependListener('x', (x) => log.push(`first ${x}`))
      e.prependOnceListener('x', (x) => log.push(`firstOnce ${x}`))
      log.push(`count ${e.listenerCount('x')} ${e.listenerCount('x', one)}`)
      log.push(`emit ${e.emit('x', 1)}`)
      log.push(`emit ${e.emit('x', 2)}`)
      e.on('removeListener', (n) => log.push(`removed ${String(n)}`))
      e.removeListener('x', one)
      e.off('x', () => {})
      log.push(`count ${e.listenerCount('x')} ${EventEmitter.listenerCount(e, 'x')}`)
      log.push(`emit ${e.emit('x', 3)} ${e.emit('nothing')}`)
      log.push(`names ${e.eventNames().map(String).join(',')}`)
      e.on('error', (err) => log.push(`error ${err.message}`))
      e.emit('error', new Error('boom'))
      const plain = new EventEmitter()
      const thrown = errorOf(() => plain.emit('error', new TypeError('direct')))
      const wrapped = errorOf(() => plain.emit('error', 'text'))
      const badListener = errorOf(() => plain.on('x', 1))
      const monitored = []
      const m = new EventEmitter()
      m.on(EventEmitter.errorMonitor, (err) => monitored.push(`monitor ${err.message}`))
      m.on('error', (err) => monitored.push(`handler ${err.message}`))
      m.emit('error', new Error('seen'))
      m.setMaxListeners(1)
      const raw = new EventEmitter()
      raw.once('r', function named() {})
      return {
        log, thrown, wrapped, badListener, monitored,
        max: [m.getMaxListeners(), EventEmitter.defaultMaxListeners, errorOf(() => m.setMaxListeners(-1)).code],
        raw: [raw.rawListeners('r').length, typeof raw.rawListeners('r')[0].listener, raw.listeners('r')[0].name],
        inspectKeys: Object.keys(new EventEmitter()),
        statics: ['once', 'on', 'getEventListeners', 'setMaxListeners', 'errorMonitor', 'EventEmitter', 'defaultMaxListeners'].map((k) => typeof EventEmitter[k]),
        getEventListeners: EventEmitter.getEventListeners(m, 'error').length,
      }
    },
    'events: once, on and the leak warning': async () => {
      const EventEmitter = require('events')
      const e = new EventEmitter()
      const p = EventEmitter.once(e, 'ready')
      e.emit('ready', 1, 2)
      const args = await p
      const failing = EventEmitter.once(e, 'never')
      e.emit('error', new Error('failed'))
      const rejected = await asyncErrorOf(failing)
      const seen = []
      const it = EventEmitter.on(e, 'tick')
      setTimeout(() => { e.emit('tick', 'a'); e.emit('tick', 'b', 'c'); e.emit('tick', 'd') }, 1)
      for await (const v of it) { seen.push(v); if (seen.length === 3) break }
      const ac = new AbortController()
      const aborted = EventEmitter.once(e, 'late', { signal: ac.signal })
      ac.abort()
      const abortError = await asyncErrorOf(aborted)
      // The leak warning, caught as a 'warning' event (printing silenced on both sides).
      const saved = process.listeners('warning')
      process.removeAllListeners('warning')
      process.noProcessWarnings = true
      const warning = new Promise((resolve) => process.once('warning', resolve))
      const leaky = new EventEmitter()
      for (let i = 0; i < 11; i++) leaky.on('leak', () => {})
      const w = await warning
      process.noProcessWarnings = false
      for (const l of saved) process.on('warning', l)
      return { args, rejected, seen, abortError, listeners: e.listenerCount('tick'), warning: [w.name, w.message, w.count, w.type] }
    },
    'util: format': () => {
      const circular = { a: 1 }
      circular.self = circular
      const cases = [
        ['%s', 'a'], ['%s', 42], ['%s', 1n], ['%s', Symbol('x')], ['%s', null, undefined], ['%s', { a: 1 }], ['%s', [1, [2, [3]]]],
        ['%s', -0], ['%d', '42'], ['%d', '0x10'], ['%d', 1n], ['%i', 42.9], ['%f', '1.5'], ['%j', { a: [1] }], ['%j', circular],
        ['%o', { a: [1, 2] }], ['%O', { a: { b: { c: { d: 1 } } } }], ['%%', 1], ['%c%s', 'css', 'x'], ['%s %s', 'only'],
        ['no format', 1, 'x', { a: 1 }], [1, 2, 3], [], ['%s', 'a', 'extra', 2], ['%x', 1], ['%s', () => 1], ['%s', class Foo {}],
        ['%s', new Date(0)], ['%s', new Map([[1, 2]])],
      ]
      return [...cases.map((c) => util.format(...c)), util.formatWithOptions({ colors: true }, '%O', { a: 1 }), util.formatWithOptions({ compact: false }, { a: 1 })]
    },
    'util: inspect': () => {
      class Foo { constructor() { this.a = 1; this.nested = { b: [1, 2, { c: { d: 1 } }] } } }
      class Bar extends Foo { get g() { return 1 } }
      const nullProto = Object.assign(Object.create(null), { x: 1 })
      const circular = { name: 'c' }
      circular.self = circular
      const sym = Symbol('tag')
      const values = [
        { a: { b: { c: { d: { e: 1 } } } } }, [1, [2, [3, [4, [5]]]]], new Map([['k', { v: [1, 2] }], [{ o: 1 }, 'obj']]),
        new Set([1, 'two', [3]]), new Date(0), new Date(NaN), new Foo(), new Bar(), nullProto, circular, { s: Symbol.for('reg'), [sym.description]: sym },
        { get x() { return 1 }, set y(v) {} }, function named() {}, () => {}, class K {}, async function af() {}, function* gen() {},
        /re[g]ex/gi, Object(1), Object('str'), Object(true), Object(1n), new Uint8Array([1, 2]), new Float64Array(2), new Int16Array([1, -1]),
        [1, , 3], new Array(5), 'it\'s "q"', 'a\nb', -0, 123456789n, NaN, Infinity, undefined, null, Array.from({ length: 120 }, (_, i) => i),
        'x'.repeat(200), { 'key with space': 1, valid_id: 2, 3: 'n' }, [new Error('in array').message], new WeakMap(), Object.create(Foo.prototype),
        { toString() { return 'custom toString' } }, Symbol('desc'), [undefined, null], { a: [{ b: { c: {} } }] }, new Map(), new Set(),
      ]
      const options = [{ depth: 0 }, { depth: Infinity }, { colors: true }, { compact: false }, { sorted: true }, { breakLength: Infinity },
        { maxArrayLength: 2 }, { maxStringLength: 3 }, { showHidden: true }, { compact: 1, breakLength: 20 }, { getters: true }, { numericSeparator: true }]
      const out = values.map((v) => util.inspect(v))
      for (const o of options) out.push(...[values[0], values[2], values[7], values[19], values[37]].map((v) => util.inspect(v, o)))
      out.push(util.inspect({ a: 1 }, false, 0, true), util.inspect.custom === Symbol.for('nodejs.util.inspect.custom'))
      out.push(util.inspect({ [util.inspect.custom]: (depth, opts, insp) => `custom ${depth} ${typeof opts.stylize} ${insp === util.inspect}` }))
      out.push(util.inspect({ inner: { [util.inspect.custom]: () => ({ replaced: true }) } }))
      return out
    },
    'util: inspect of errors (stack lines aside)': () => {
      const e = new TypeError('bad thing')
      const coded = Object.assign(new Error('with props'), { code: 'E_X', extra: [1] })
      const caused = new Error('outer', { cause: new RangeError('inner') })
      class MyError extends Error { constructor(m) { super(m); this.name = 'MyError' } }
      return [e, coded, caused, new MyError('mine'), { err: e }].map((v) => noStack(util.inspect(v)))
    },
    'util: promisify and callbackify': async () => {
      const cbOk = (a, b, cb) => cb(null, a + b)
      const cbErr = (cb) => cb(new Error('cb failed'))
      function custom() {}
      custom[util.promisify.custom] = () => Promise.resolve('custom!')
      const out = [await util.promisify(cbOk)(1, 2), await asyncErrorOf(util.promisify(cbErr)()), await util.promisify(custom)()]
      out.push(util.promisify(custom) === custom[util.promisify.custom], typeof util.promisify.custom, util.promisify.custom === Symbol.for('nodejs.util.promisify.custom'))
      out.push(await util.promisify(setTimeout)(1, 'slept'), errorOf(() => util.promisify(1)).code)
      const call = (fn, ...args) => new Promise((resolve) => fn(...args, (err, v) => resolve(err ? { err: err.message || null, code: err.code, reason: err.reason } : { v })))
      const good = util.callbackify(async (x) => x * 2)
      out.push(await call(good, 21), await call(util.callbackify(async () => { throw new Error('nope') })), await call(util.callbackify(() => Promise.reject(null))))
      out.push(good.name, good.length, util.callbackify(async function named(a, b) {}).name)
      return out
    },
    'util: isDeepStrictEqual': () => {
      const pairs = [
        [{ a: 1 }, { a: 1 }], [{ a: 1 }, { a: '1' }], [[1, 2], [1, 2]], [NaN, NaN], [0, -0], [new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])],
        [new Set([1, 2]), new Set([2, 1])], [new Date(0), new Date(0)], [new Date(0), new Date(1)], [/a/g, /a/i], [/a/g, /a/g],
        [Buffer.from('a'), Buffer.from('a')], [Object.create(null), {}], [[1, , 3], [1, undefined, 3]], [new Uint8Array([1]), new Int8Array([1])],
        [{ a: undefined }, {}], [new Error('x'), new Error('x')], [new Error('x'), new TypeError('x')], [Object(1), Object(1)], [Object(1), 1],
        [{ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 1 }], [[{ a: [new Set([{}])] }], [{ a: [new Set([{}])] }]],
      ]
      return pairs.map(([a, b]) => util.isDeepStrictEqual(a, b))
    },
    'util: types, inherits, deprecate and the rest': async () => {
      const types = require('util/types')
      const values = [new Date(), /x/, new Map(), new Set(), new WeakMap(), new WeakSet(), Promise.resolve(), new Uint8Array(1), Buffer.alloc(1),
        new Float32Array(1), new BigInt64Array(1), new DataView(new ArrayBuffer(1)), new ArrayBuffer(1), new SharedArrayBuffer(1), new Error(),
        new (class extends TypeError {})(), Object.create(Error.prototype), Object(1), Object('s'), Object(true), Object(1n), Object(Symbol('s')),
        async () => {}, function* () {}, async function* () {}, (function* () {})(), new Map().entries(), new Set().values(), {}, [], null, 1, 'x',
        (function () { return arguments })(), { [Symbol.toStringTag]: 'Date' }]
      const names = Object.keys(types).filter((k) => !['isExternal', 'isProxy', 'isKeyObject', 'isCryptoKey'].includes(k)).sort()
      const matrix = names.map((n) => `${n}: ${values.map((v) => (types[n](v) ? 1 : 0)).join('')}`)
      function A() {}
      function B() {}
      util.inherits(A, B)
      const saved = process.listeners('warning')
      process.removeAllListeners('warning')
      process.noProcessWarnings = true
      const warned = []
      const onWarning = (w) => warned.push([w.name, w.message, w.code])
      process.on('warning', onWarning)
      const old = util.deprecate((x) => x + 1, 'old() is deprecated', 'DEP_TEST_1')
      const again = util.deprecate(() => 0, 'same code', 'DEP_TEST_1')
      const r = [old(1), old(2), again()]
      await new Promise((resolve) => setTimeout(resolve, 5))
      process.removeListener('warning', onWarning)
      process.noProcessWarnings = false
      for (const l of saved) process.on('warning', l)
      const debug = util.debuglog('isothread-test-section')
      return {
        names: names.length, matrix, sameModule: util.types === types,
        inherits: [A.super_ === B, Object.getPrototypeOf(A.prototype) === B.prototype, errorOf(() => util.inherits(A, null)).code],
        deprecate: [r, warned],
        debuglog: [debug.enabled, typeof debug],
        strip: util.stripVTControlCharacters('\u001b[31mred\u001b[39m plain'),
        usv: util.toUSVString('a\ud800b'),
        text: [typeof util.TextEncoder, typeof util.TextDecoder, new util.TextDecoder().decode(new util.TextEncoder().encode('hé'))],
        legacy: [util.isArray([]), util.isString('x'), util.isFunction(() => {}), util.isPrimitive(null)],
        sys: require('sys') === util,
        styleText: typeof util.styleText === 'function' ? util.styleText('red', 'x') : 'none',
      }
    },
    'util: parseArgs': () => {
      const opts = { verbose: { type: 'boolean', short: 'v' }, name: { type: 'string', short: 'n' }, tag: { type: 'string', multiple: true, short: 't' },
        level: { type: 'string', default: 'info' }, force: { type: 'boolean', short: 'f', default: false } }
      const runs = [
        { args: ['-v', '--name', 'x', 'pos'], options: opts, allowPositionals: true },
        { args: ['-vf', '-nfoo', '--tag=a', '-t', 'b', '--', '--not-an-option'], options: opts, allowPositionals: true, tokens: true },
        { args: ['--name=', '--level', 'debug'], options: opts }, { args: ['--unknown'], options: opts }, { args: ['--unknown'], options: opts, allowPositionals: true },
        { args: ['--unknown', '-x', '--str=v', 'p'], options: opts, strict: false }, { args: ['pos'], options: opts }, { args: ['--name'], options: opts },
        { args: ['--verbose=yes'], options: opts }, { args: ['--name', '--verbose'], options: opts }, { args: ['-n', '-v'], options: opts }, { args: ['-vn'], options: opts },
        { args: ['-vnx', 'rest'], options: opts, allowPositionals: true }, { args: [], options: { a: { type: 'nope' } } }, { args: [], options: { a: { type: 'string', short: 'ab' } } },
        { args: [], options: { a: { type: 'string', default: 1 } } }, { args: ['--name', 'a', '--name', 'b', '-vv'], options: opts, tokens: true },
        { args: ['-n', 'x'], options: opts, strict: false, tokens: true }, { args: ['--x'], strict: false },
      ]
      return runs.map((c) => {
        try {
          const r = util.parseArgs(c)
          return [Object.getPrototypeOf(r.values) === null, JSON.stringify({ ...r, values: { ...r.values } })]
        } catch (e) { return { name: e.name, code: e.code, message: e.message } }
      })
    },
    'assert: errors and AssertionError': async () => {
      const assert = require('assert')
      const shape = (fn) => {
        try { fn() } catch (e) { return { name: e.name, code: e.code, operator: e.operator, generated: e.generatedMessage, actual: e.actual, expected: e.expected, isAE: e instanceof assert.AssertionError } }
        return 'no error'
      }
      const shapeAsync = async (p) => {
        try { await p } catch (e) { return { name: e.name, code: e.code, operator: e.operator, message: e.message } }
        return 'no error'
      }
      return {
        deepStrictEqual: shape(() => assert.deepStrictEqual({ a: [1, 2] }, { a: [1, 3] })),
        strictEqual: shape(() => assert.strictEqual(1, 2)),
        equal: [shape(() => assert.equal(1, '1')), shape(() => assert.equal(1, 2))],
        notStrictEqual: shape(() => assert.notStrictEqual(1, 1)),
        ok: shape(() => assert.ok(0)).code,
        message: shape(() => assert.strictEqual(1, 2, 'custom message')),
        throws: [shape(() => assert.throws(() => { throw new Error('x') }, /x/)), shape(() => assert.throws(() => {})),
          shape(() => assert.throws(() => { throw new TypeError('t') }, { name: 'TypeError', message: 't' })),
          shape(() => assert.throws(() => { throw new Error('y') }, /x/)).name],
        doesNotThrow: shape(() => assert.doesNotThrow(() => { throw new Error('z') })).code,
        rejects: [await shapeAsync(assert.rejects(Promise.reject(new Error('r')), /r/)), await shapeAsync(assert.rejects(Promise.resolve(1))),
          await shapeAsync(assert.doesNotReject(Promise.resolve(1)))],
        match: [shape(() => assert.match('abc', /b/)), shape(() => assert.match('abc', /z/)).code, shape(() => assert.doesNotMatch('abc', /b/)).code],
        strict: [shape(() => assert.strict.equal(1, '1')).code, require('assert/strict') === assert.strict, shape(() => require('assert/strict').deepEqual([1], ['1'])).code],
        fail: shape(() => assert.fail('failed here')),
        custom: (() => { const e = new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }); return [e.name, e.code, e.actual, e.expected, e.operator] })(),
        callable: typeof assert, deepEqualLoose: shape(() => assert.deepEqual({ a: 1 }, { a: '1' })),
      }
    },
    'string_decoder: split multi-byte characters': () => {
      const { StringDecoder } = require('string_decoder')
      const out = []
      const text = 'a€😀é'
      for (const enc of ['utf8', 'utf16le', 'base64', 'hex', 'latin1']) {
        const bytes = Buffer.from(text, enc === 'hex' || enc === 'base64' || enc === 'latin1' ? 'utf8' : enc)
        for (let cut = 0; cut <= bytes.length; cut++) {
          const d = new StringDecoder(enc)
          out.push([enc, cut, d.write(bytes.subarray(0, cut)), d.write(bytes.subarray(cut)), d.end()])
        }
      }
      const d = new StringDecoder('utf8')
      out.push([d.write(Buffer.from([0xe2, 0x82])), d.end(), d.write(Buffer.from([0xf0])), d.end(Buffer.from([0x9f]))])
      out.push(new StringDecoder().encoding, new StringDecoder('UCS2').encoding, errorOf(() => new StringDecoder('nope')).code)
      return out
    },
    path: () => {
      const p = require('path')
      const inputs = ['/a/b/c.txt', 'a/b/../c/', './x', '../..', '/', '', '.', 'a//b///c', '/a/b/.hidden', 'file.tar.gz', 'noext', 'dir/', '/a/./b/../../..', '..a/b..', '.x.y.']
      const out = inputs.map((s) => [s, p.normalize(s || '.'), p.basename(s), p.basename(s, '.txt'), p.extname(s), p.dirname(s), p.isAbsolute(s), p.parse(s)])
      out.push(p.join('/a', 'b', '../c', './d'), p.join(), p.join('a', '', 'b'), p.join('/x/', '/y/'))
      out.push(p.resolve('/a/b', './c'), p.resolve('x', 'y'), p.resolve(), p.resolve('/a', '/b', 'c'))
      out.push(p.relative('/a/b/c', '/a/d'), p.relative('/a', '/a'), p.relative('/a/b', '/a/b/c/d'), p.relative('x', 'y'))
      out.push(p.format({ dir: '/home/u', base: 'f.txt' }), p.format({ root: '/', name: 'f', ext: '.js' }), p.format({ name: 'f', ext: 'js' }), p.format({ root: '/', dir: '/', base: 'b' }))
      out.push(p.sep, p.delimiter, p.posix === p, p.posix.sep, require('path/posix') === p.posix, p.toNamespacedPath('/a/b'), errorOf(() => p.join(1)).name)
      return out
    },
    'path/win32': () => {
      const p = require('path/win32')
      const inputs = ['C:\\a\\b\\c.txt', 'C:/a/b/../c/', 'c:', 'C:\\', 'C:foo', 'C:foo\\..\\..', '\\\\server\\share', '\\\\server\\share\\', '\\\\server\\share\\dir\\f.ext',
        '//server/share/x', '\\\\server', '\\\\?\\C:\\x', '\\\\.\\pipe\\x', '\\', '/', '', '.', '..', 'a\\b\\..\\..\\..', 'a/b//c\\\\d', 'file.tar.gz', '.hidden', '..x', 'dir\\',
        'C:\\a\\.', 'a:b', '\\a\\b\\', 'C:\\..\\..', 'x\\\\\\y']
      const out = inputs.map((s) => [s, p.normalize(s), p.basename(s), p.basename(s, '.txt'), p.extname(s), p.dirname(s), p.isAbsolute(s), p.parse(s), p.toNamespacedPath(s), p.resolve(s), p.resolve('C:\\base', s)])
      const pairs = [['C:\\a\\b', 'C:\\a\\c'], ['C:\\A\\B', 'c:\\a\\b\\d'], ['C:\\', 'D:\\x'], ['\\\\s\\sh\\a', '\\\\s\\sh\\b'], ['C:\\a', 'C:\\'], ['C:\\a\\b\\c', 'C:\\a'], ['x', 'y']]
      out.push(pairs.map(([a, b]) => p.relative(a, b)))
      out.push([p.join('C:', 'a'), p.join('\\\\', 'server', 'share'), p.join('//server', 'share'), p.join('a', '', '..', 'b'), p.join(), p.join('C:\\a', '..\\..\\..\\b')])
      out.push([p.format({ root: 'C:\\', name: 'f', ext: 'js' }), p.format({ dir: 'C:\\d', base: 'b' }), p.sep, p.delimiter, p.win32 === p, p.posix === require('path/posix'), require('path').win32 === p])
      return out
    },
    diagnostics_channel: async () => {
      const dc = require('diagnostics_channel')
      const got = []
      const c = dc.channel('isothread:test')
      const sub = (m, n) => got.push(['msg', m, n])
      got.push(c.hasSubscribers, dc.hasSubscribers('isothread:test'))
      c.subscribe(sub)
      c.publish({ a: 1 })
      got.push(c.hasSubscribers, c === dc.channel('isothread:test'), c.name, c.unsubscribe(sub), c.unsubscribe(sub), c.hasSubscribers)
      dc.subscribe('isothread:other', sub)
      dc.channel('isothread:other').publish(2)
      got.push(dc.unsubscribe('isothread:other', sub))
      const t = dc.tracingChannel('isothread:op')
      const handlers = { start: (ctx) => got.push(['start', ctx.n]), end: (ctx) => got.push(['end', ctx.result]), asyncStart: (ctx) => got.push(['asyncStart', ctx.result]), asyncEnd: (ctx) => got.push(['asyncEnd']), error: (ctx) => got.push(['error', ctx.error.message]) }
      t.subscribe(handlers)
      got.push(t.traceSync((x) => x * 2, { n: 1 }, null, 21))
      got.push(await t.tracePromise(async () => 'p', { n: 2 }))
      try { t.traceSync(() => { throw new Error('sync') }, { n: 3 }) } catch (e) { got.push(e.message) }
      got.push(t.unsubscribe(handlers), t.hasSubscribers, t.start.name)
      return got
    },
    querystring: () => {
      const qs = require('querystring')
      const parsed = ['a=1&a=2&b=%E0%A4%A&c+d=e+f&&=x', 'x', 'a=b=c', '%zz=%41', 'k=v;k2=v2', '', 'a[]=1&a[]=2', '&&', '=', 'ü=%C3%BC']
        .map((s) => { const o = qs.parse(s); return [Object.getPrototypeOf(o) === null, JSON.stringify(o)] })
      return {
        parsed,
        custom: [JSON.stringify(qs.parse('k=v;k2=v2', ';', '=')), JSON.stringify(qs.parse('a:1|b:2', '|', ':')), JSON.stringify(qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 })),
          JSON.stringify(qs.parse('a=%41', null, null, { decodeURIComponent: (s) => s.toLowerCase() }))],
        stringified: [qs.stringify({ a: [1, 2], b: 'x y', c: true, d: null, e: 1n, f: NaN, g: 'ü&=', h: [] }), qs.stringify({ a: 1 }, ';', ':'), qs.stringify('x'),
          qs.stringify({ a: 'b c' }, null, null, { encodeURIComponent: (s) => s.toUpperCase() }), qs.encode({ x: 1e21 })],
        escape: [qs.escape('a b&ü/~*\'()!'), qs.unescape('a%20b%zz'), qs.unescape('a+b', true), qs.unescapeBuffer('%41%zz+').toString('hex'), qs.unescapeBuffer('%41+', true).toString()],
        same: qs.decode === qs.parse && qs.encode === qs.stringify,
      }
    },
    'timers and timers/promises: ordering': async () => {
      const tp = require('timers/promises')
      const timers = require('timers')
      const order = []
      const done = [
        tp.setTimeout(30, 'timeout30').then((v) => order.push(v)),
        tp.setTimeout(10, 'timeout10').then((v) => order.push(v)),
        tp.setImmediate('immediate').then((v) => order.push(v)),
        tp.scheduler.wait(20).then(() => order.push('wait20')),
      ]
      await Promise.all(done)
      let n = 0
      for await (const v of tp.setInterval(2, 'tick')) { order.push(`${v}${n}`); if (++n === 3) break }
      const ac = new AbortController()
      const aborted = tp.setTimeout(1000, 'never', { signal: ac.signal })
      ac.abort(new Error('why'))
      let abortError
      try { await aborted } catch (e) { abortError = [e.name, e.code, e.message, e.cause && e.cause.message] }
      const pre = await asyncErrorOf(tp.setImmediate('x', { signal: AbortSignal.abort() }))
      const ac2 = new AbortController()
      const iterated = []
      setTimeout(() => ac2.abort(), 15)
      try { for await (const v of tp.setInterval(5, 'i', { signal: ac2.signal })) iterated.push(v) } catch (e) { iterated.push(e.name) }
      return {
        order, abortError, pre, iteratedEndsWithAbort: iterated[iterated.length - 1],
        globals: [timers.setTimeout === setTimeout, timers.clearInterval === clearInterval, timers.setImmediate === setImmediate, timers.promises === tp],
      }
    },
    os: () => {
      const o = require('os')
      return {
        EOL: o.EOL, platform: o.platform(), arch: o.arch(), type: o.type(), release: o.release(), version: o.version(), machine: o.machine(),
        endianness: o.endianness(), availableParallelism: o.availableParallelism(), homedir: o.homedir(), tmpdir: o.tmpdir(), hostname: o.hostname(),
        totalmem: o.totalmem(), devNull: o.devNull, signals: o.constants.signals.SIGTERM, errno: o.constants.errno.ENOENT,
        cpuModel: o.cpus()[0].model, cpuKeys: Object.keys(o.cpus()[0]).sort(), timesKeys: Object.keys(o.cpus()[0].times).sort(),
      }
    },
    'process: host facts': () => {
      const p = require('process')
      return {
        same: p === process, platform: p.platform, arch: p.arch, version: p.version, node: p.versions.node, v8: p.versions.v8, pid: p.pid, ppid: p.ppid,
        execPath: p.execPath, argv: p.argv, execArgv: p.execArgv, cwd: p.cwd(), env: p.env, release: p.release, features: p.features,
        types: [typeof p.hrtime()[0], typeof p.hrtime.bigint(), typeof p.uptime(), Object.keys(p.memoryUsage()).sort().join(), typeof p.memoryUsage.rss(), typeof p.umask()],
        ee: [typeof p.on, typeof p.emit, p instanceof require('events')], tag: Object.prototype.toString.call(p),
        streams: [p.stdout.isTTY === true, p.stderr.isTTY === true, typeof p.stdout.write, p.stdout.fd, p.stderr.fd],
        hrtimeDiff: (() => { const t = p.hrtime(); const d = p.hrtime(t); return d.length === 2 && d[0] >= 0 && d[1] >= 0 })(),
      }
    },
    'process: nextTick ordering among ticks': async () => {
      // (from a timer callback: a fresh macrotask on both sides)
      const order = []
      await new Promise((resolve) => setTimeout(() => {
        process.nextTick((a, b) => {
          order.push(`tick1 ${a} ${b}`)
          process.nextTick(() => order.push('tick1.inner'))
        }, 'x', 'y')
        process.nextTick(() => order.push('tick2'))
        setTimeout(() => order.push('timeout'), 0)
        setTimeout(resolve, 5)
      }, 1))
      return [order, errorOf(() => process.nextTick(1)).code]
    },
    'console, perf_hooks, tty, punycode, navigator': () => {
      const punycode = require('punycode')
      const perf = require('perf_hooks')
      return {
        console: require('console') === console,
        perf: [perf.performance === performance, typeof perf.performance.now()],
        tty: [typeof require('tty').isatty, typeof require('tty').WriteStream, typeof require('tty').ReadStream],
        punycode: [punycode.encode('mañana'), punycode.decode('maana-pta'), punycode.toASCII('mañana.com'), punycode.toUnicode('xn--maana-pta.com')],
      }
    },
  }
  return probes[name]()
}

// The thread runs `probe` from its source, with its own require.
const contextSource = `() => { const probe = ${probe.toString()}; return (name) => probe(require, name) }`
let thread
const inThread = (name) => {
  // eslint-disable-next-line no-eval
  thread = thread || new Thread((0, eval)(contextSource), { name: 'builtins-core', timeout: 20000 })
  return thread.run(name)
}
// The host's result made plain as a clone makes it (Buffers as Uint8Array, classes as objects).
const onHost = async (name) => structuredClone(await probe(require, name))

const names = [
  'buffer: from/toString in every encoding', 'buffer: decoding bad UTF-8 and base64', 'buffer: methods', 'buffer: module exports', 'buffer: inspect', 'buffer: errors', 'buffer: write never splits a character',
  'events: listener order and counts', 'events: once, on and the leak warning',
  'util: format', 'util: inspect', 'util: inspect of errors (stack lines aside)', 'util: promisify and callbackify', 'util: isDeepStrictEqual',
  'util: types, inherits, deprecate and the rest', 'util: parseArgs', 'assert: errors and AssertionError', 'string_decoder: split multi-byte characters', 'path', 'path/win32', 'diagnostics_channel', 'querystring',
  'timers and timers/promises: ordering', 'os', 'process: host facts', 'process: nextTick ordering among ticks', 'console, perf_hooks, tty, punycode, navigator',
]

test.after(() => thread && thread.close())

for (const name of names) {
  test(`${name}: same inside a thread as on the host`, async () => {
    const [host, inside] = [await onHost(name), await inThread(name)]
    assert.deepStrictEqual(inside, host)
  })
}

// Measured differences from Node 20, pinned so a change shows.
test('util.inspect differences from Node 20: promise state, symbol keys, ArrayBuffer byteLength (node-inspect-extracted follows newer Node)', async () => {
  const t = new Thread(() => () => {
    const { inspect } = require('util')
    const EventEmitter = require('events')
    return [inspect(Promise.resolve(1)), inspect({ [Symbol('tag')]: 1 }), inspect(new ArrayBuffer(1)), inspect(new EventEmitter()).split('\n').slice(-3).join('|')]
  })
  assert.deepEqual(await t.run(), [
    'Promise { <pending> }', // no engine hook for a promise's state; Node 20: Promise { 1 }
    '{ Symbol(tag): 1 }', // Node 20: { [Symbol(tag)]: 1 }
    'ArrayBuffer { [Uint8Contents]: <00>, [byteLength]: 1 }', // Node 20: ArrayBuffer { [Uint8Contents]: <00>, byteLength: 1 }
    '  Symbol(shapeMode): false,|  Symbol(kCapture): false|}', // Node 20: [Symbol(shapeMode)]: false, [Symbol(kCapture)]: false
  ])
  const { inspect } = require('node:util')
  assert.equal(inspect({ [Symbol('tag')]: 1 }), '{ [Symbol(tag)]: 1 }')
  assert.equal(inspect(new ArrayBuffer(1)), 'ArrayBuffer { [Uint8Contents]: <00>, byteLength: 1 }')
  await t.close()
})

test('process.nextTick runs after promise callbacks queued before it in the same job (Node runs ticks first)', async () => {
  const fromTimer = () => new Promise((resolve) => setTimeout(() => {
    const out = []
    Promise.resolve().then(() => out.push('promise'))
    process.nextTick(() => out.push('tick'))
    setTimeout(() => resolve(out), 2)
  }, 1))
  const t = new Thread(() => () => new Promise((resolve) => setTimeout(() => {
    const out = []
    Promise.resolve().then(() => out.push('promise'))
    process.nextTick(() => out.push('tick'))
    setTimeout(() => resolve(out), 2)
  }, 1)))
  assert.deepEqual(await fromTimer(), ['tick', 'promise'])
  assert.deepEqual(await t.run(), ['promise', 'tick'])
  await t.close()
})

test('navigator inside a thread is what Node 21+ has', async () => {
  const t = new Thread(() => () => [navigator.hardwareConcurrency, navigator.userAgent, navigator.language, navigator.platform, String(navigator)])
  const platform = process.platform === 'linux' ? `Linux ${process.arch === 'x64' ? 'x86_64' : process.arch}` : process.platform === 'darwin' ? 'MacIntel' : 'Win32'
  assert.deepEqual(await t.run(), [os.availableParallelism(), `Node.js/${process.versions.node.split('.')[0]}`, new Intl.Collator().resolvedOptions().locale, platform, '[object Navigator]'])
  await t.close()
})

test('process.versions.isothread is the package version; os.cpus() has one entry per available CPU', async () => {
  const t = new Thread(() => () => [process.versions.isothread, require('os').cpus().length])
  assert.deepEqual(await t.run(), [require('../package.json').version, os.availableParallelism()])
  await t.close()
})

test('process.env is a copy: writable inside the thread only', async () => {
  const key = 'ISOTHREAD_BUILTINS_TEST'
  const t = new Thread(() => (k) => { process.env[k] = 'inside'; return [process.env[k], typeof process.env.PATH, Object.getPrototypeOf(process.env) === Object.prototype] })
  assert.deepEqual(await t.run(key), ['inside', typeof process.env.PATH, true])
  assert.equal(process.env[key], undefined)
  const other = new Thread(() => (k) => process.env[k])
  assert.equal(await other.run(key), undefined)
  await Promise.all([t.close(), other.close()])
})

test('process.exit(), abort(), kill() and chdir() throw ERR_NOT_AVAILABLE and the thread serves the next call', async () => {
  const t = new Thread(() => (what) => {
    if (what === 'ok') return 'still here'
    return process[what](0)
  })
  for (const what of ['exit', 'abort', 'kill', 'chdir']) {
    await assert.rejects(t.run(what), (e) => e.code === 'ERR_NOT_AVAILABLE' && e.message.includes(`process.${what}()`))
  }
  assert.equal(await t.run('ok'), 'still here')
  await t.close()
})

test('process.stdout/stderr.write and emitWarning print what Node prints', () => {
  const r = runChild(`
    const t = new lib.Thread(() => async () => {
      process.stdout.write('a')
      process.stdout.write('b\\nc')
      process.stdout.write(Buffer.from('d\\n'))
      process.stderr.write('err line\\n')
      process.stdout.write('partial')
      process.emitWarning('be careful', 'DeprecationWarning', 'DEP0999')
      process.emitWarning('second')
      await new Promise((r) => setTimeout(r, 5))
    })
    t.run().then(() => t.close()).then(() => {
      process.emitWarning('be careful', 'DeprecationWarning', 'DEP0999')
      process.emitWarning('second')
    })
  `)
  assert.equal(r.status, 0, describeChild(r))
  // (the host's console ends each print with a newline: a line left open at the end of the job is printed with one)
  assert.equal(r.stdout, 'ab\ncd\npartial\n')
  const lines = r.stderr.split('\n').filter(Boolean)
  assert.equal(lines[0], 'err line')
  // The thread's warnings (lines 1..) read as the host's own (the rest), pid included.
  const thread = lines.slice(1, 4)
  const host = lines.slice(4)
  assert.deepEqual(thread, host, describeChild(r))
  assert.match(thread[0], /^\(node:\d+\) \[DEP0999\] DeprecationWarning: be careful$/)
})

test('host-only built-ins: importing succeeds, calling rejects with ERR_NOT_AVAILABLE naming the function, the thread serves on', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-builtins-'))
  const file = path.join(dir, 'reader.mjs')
  fs.writeFileSync(file, [
    "import { readFileSync } from 'node:fs'",
    "import fsp from 'node:fs/promises'",
    "import { Socket } from 'net'",
    "export default (op) => op === 'read' ? readFileSync('/etc/hostname') : op === 'promises' ? fsp.readFile('x') : op === 'socket' ? new Socket() : 'served'",
  ].join('\n'))
  const t = new Thread({ module: file })
  try {
    await assert.rejects(t.run('read'), (e) => {
      assert.equal(e.code, 'ERR_NOT_AVAILABLE')
      assert.match(e.message, /^fs\.readFileSync\(\) is not available inside a thread: it is host-only\. Pass the host a function with the host option \(parent\.host\)/)
      return true
    })
    await assert.rejects(t.run('promises'), (e) => e.code === 'ERR_NOT_AVAILABLE' && e.message.startsWith('fs.promises.readFile()'))
    await assert.rejects(t.run('socket'), (e) => e.code === 'ERR_NOT_AVAILABLE' && e.message.startsWith('new net.Socket()'))
    assert.equal(await t.run('ok'), 'served')
  } finally {
    await t.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('host-only built-ins offer the function names and the data real Node has', async () => {
  const modules = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'cluster', 'dgram', 'dns', 'dns/promises', 'tls', 'worker_threads',
    'vm', 'v8', 'inspector', 'module', 'repl', 'readline', 'readline/promises', 'async_hooks', 'diagnostics_channel', 'trace_events', 'wasi', 'domain',
    'constants', 'stream/web', 'test']
  const describeModule = (mod) => ({
    callable: typeof mod === 'function',
    functions: Object.keys(mod).filter((k) => typeof mod[k] === 'function' && !k.startsWith('_')).sort(),
  })
  const t = new Thread(() => (list) => list.map((name) => {
    const mod = require(`node:${name}`)
    return {
      callable: typeof mod === 'function',
      functions: Object.keys(mod).filter((k) => typeof mod[k] === 'function' && !k.startsWith('_')).sort(),
      fsConstants: name === 'fs' ? mod.constants : undefined,
      statusCodes: name === 'http' ? mod.STATUS_CODES : undefined,
    }
  }))
  const inside = await t.run(modules)
  await t.close()
  const warn = process.emitWarning
  process.emitWarning = () => {} // (wasi and test's mocks print experimental warnings on load)
  try {
    modules.forEach((name, i) => {
      const real = require(`node:${name}`)
      const expected = describeModule(real)
      const got = inside[i]
      assert.equal(got.callable, expected.callable, name)
      const missing = expected.functions.filter((f) => !got.functions.includes(f))
      assert.deepEqual(missing, [], `${name}: functions Node has that the thread lacks`)
      if (name === 'fs') assert.deepEqual(got.fsConstants, { ...real.constants })
      if (name === 'http') assert.deepEqual(got.statusCodes, real.STATUS_CODES)
    })
  } finally {
    process.emitWarning = warn
  }
})

test('node:module: createRequire resolves from the given file (path or file: URL), isBuiltin and builtinModules as on the host; the rest is host-only', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isothread-module-'))
  fs.writeFileSync(path.join(dir, 'a.cjs'), "module.exports = { from: 'a.cjs' }\n")
  const probeModule = (mod, dir, url) => {
    const r = mod.createRequire(`${dir}/entry.js`)
    const u = mod.createRequire(url)
    let bad
    try { mod.createRequire('relative/path.js') } catch (e) { bad = e.code }
    return [r('./a.cjs').from, r.resolve('./a.cjs'), u('./a.cjs').from, r.resolve('node:fs'), r.resolve('path'), bad,
      ['fs', 'node:fs', 'node:test', 'test', 'lodash', 'path/posix'].map((n) => mod.isBuiltin(n)), mod.builtinModules.includes('path'), typeof mod]
  }
  const url = require('node:url').pathToFileURL(path.join(dir, 'entry.mjs')).href
  const t = new Thread((0, eval)(`() => (dir, url) => (${probeModule.toString()})(require('node:module'), dir, url)`))
  try {
    assert.deepStrictEqual(await t.run(dir, url), probeModule(require('node:module'), dir, url))
    const t2 = new Thread(() => () => require('module').findSourceMap('x'))
    await assert.rejects(t2.run(), (e) => e.code === 'ERR_NOT_AVAILABLE' && e.message.startsWith('module.findSourceMap()'))
    await t2.close()
  } finally {
    await t.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('every export name Node 20 has is there inside a thread (ES modules import them by name), but for these measured gaps', async () => {
  const modules = ['buffer', 'events', 'util', 'util/types', 'assert', 'assert/strict', 'string_decoder', 'path', 'path/posix', 'path/win32', 'querystring', 'timers',
    'timers/promises', 'os', 'tty', 'process', 'console', 'perf_hooks', 'sys', 'punycode', 'diagnostics_channel', 'module']
  // What a thread does not offer: underscore internals, process facts and
  // controls of the host process, and console methods the thread's console lacks.
  const gaps = {
    process: ['moduleLoadList', 'domain', 'loadEnvFile', 'constrainedMemory', 'availableMemory', 'openStdin', 'getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'assert',
      'initgroups', 'setgroups', 'setegid', 'seteuid', 'setgid', 'setuid', 'debugPort', 'report'],
    console: ['dir', 'time', 'timeEnd', 'timeLog', 'clear', 'count', 'countReset', 'group', 'groupEnd', 'table', 'dirxml', 'groupCollapsed', 'Console', 'profile', 'profileEnd',
      'timeStamp', 'context', 'createTask'],
  }
  const t = new Thread(() => (list) => list.map((m) => Object.keys(require(m))))
  const inside = await t.run(modules)
  await t.close()
  const warn = process.emitWarning
  process.emitWarning = () => {} // (sys and punycode are deprecated)
  try {
    const missing = {}
    modules.forEach((m, i) => {
      const lacking = Object.keys(require(m)).filter((k) => !k.startsWith('_') && !inside[i].includes(k) && !(gaps[m] || []).includes(k))
      if (lacking.length) missing[m] = lacking
    })
    assert.deepStrictEqual(missing, {})
  } finally {
    process.emitWarning = warn
  }
})

test('host-only-names.json is the list scripts/host-only-names.js makes from Node 20', () => {
  const file = path.join(__dirname, '..', 'lib', 'runtime', 'host-only-names.json')
  const committed = JSON.parse(fs.readFileSync(file, 'utf8'))
  assert.equal(committed.generatedBy, 'scripts/host-only-names.js')
  assert.match(committed.node, /^v20\./)
  for (const name of ['fs', 'net', 'http', 'child_process', 'worker_threads', 'vm', 'module']) {
    assert.ok(committed.modules[name] && committed.modules[name].functions.length > 0, name)
  }
  assert.ok(committed.modules.fs.functions.includes('readFileSync'))
  assert.equal(committed.osConstants.signals.SIGINT, 2)
})
