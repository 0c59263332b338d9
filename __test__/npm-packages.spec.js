'use strict'
// Real npm packages run unchanged inside threads (RUNTIME.md §2, §3): each
// case runs the same function on the host and inside a thread and compares
// what crosses back (results cross by structured clone, so the host's result
// is compared through structuredClone). CommonJS cases are function contexts
// calling `require` (resolved from the process cwd: /work/main under
// `npm test`); ES module cases are module contexts over the fixture files in
// fixtures/npm/, which the host imports too. Then the loader's edges: bad
// input, cycles, `exports`/`imports` maps and conditions, formats.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { Thread, ThreadPool } = require('..')
const { runChild, describe: described, noCrashOutput } = require('./helpers')

const FIX = path.join(__dirname, 'fixtures', 'npm')
const fixture = (name) => path.join(FIX, name)

/** A thread whose function is `fn` (sent as source, like any function context). */
const threadOf = (fn, options) => new Thread(new Function(`return ${fn}`), options)

/** Run thread `t` with `args`, assert its result equals `host`, close it; return both. */
async function against(t, host, args) {
  try {
    const inThread = await t.run(...args)
    assert.deepStrictEqual(inThread, host)
    return { host, inThread }
  } finally {
    await t.close()
  }
}

/** Run `fn(...args)` on the host and in a fresh thread; assert equal; return both. */
async function both(fn, ...args) {
  const host = structuredClone(await fn(...args))
  return against(threadOf(fn), host, args)
}

/** Import the fixture `file` on the host and as a thread's module context; compare `name(...args)`. */
async function bothModule(file, name, ...args) {
  const mod = await import(pathToFileURL(fixture(file)).href)
  const host = structuredClone(await mod[name](...args))
  return against(new Thread({ module: fixture(file), export: name }), host, args)
}

// --- packages through ES module contexts -------------------------------------------------------

test('lodash: the default import of a CommonJS package from an ES module', async () => {
  const input = { list: [1, 2, 3, 4, 5, 6, 7], words: ['foo bar', 'Hello-World', 'x_y'], people: [{ name: 'b', age: 3 }, { name: 'a', age: 3 }, { name: 'c', age: 1 }], name: 'Ann', deep: { nested: { x: 1, y: 2, z: 3 } } }
  const { host } = await bothModule('lodash.mjs', 'default', input)
  assert.equal(host.template, 'Hello Ann! <li>&lt;a&gt;</li><li>b&amp;c</li>')
})

test('semver: named imports from CommonJS in an ES module (import { satisfies } from "semver")', async () => {
  const { host } = await bothModule('semver.mjs', 'default', ['1.2.3', '1.3.0-beta.1', '2.5.0', '4.1.1', 'nope', '0.9.0', '1.10.2'])
  assert.equal(host.same, true)
  assert.equal(host.max, '1.10.2')
})

test('react + react-dom/server: renderToString of a component tree with props and a list', async () => {
  const props = { title: 'Fruits & <veg>', items: [{ id: 1, label: 'apple' }, { id: 2, label: 'pear' }, { id: 3, label: 'kale' }], selectedId: 2 }
  const { host } = await bothModule('react.mjs', 'default', props)
  assert.match(host.html, /<li class="item selected" data-id="2">pear/)
})

test('uuid: v4 has the v4 shape in a thread, v5 is the host\'s', async () => {
  const mod = await import(pathToFileURL(fixture('uuid.mjs')).href)
  const host = mod.default('hello')
  const t = new Thread({ module: fixture('uuid.mjs') })
  const r = await t.run('hello')
  await t.close()
  const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  assert.ok(r.random.every((u) => V4.test(u)), r.random.join())
  assert.equal(r.randomOk, true)
  assert.equal(r.distinct, 20)
  assert.ok(!r.random.some((u) => host.random.includes(u)))
  assert.deepStrictEqual(r.v5, host.v5)
  assert.equal(r.nil, host.nil)
})

test('nanoid: ids of the right length and alphabet; customRandom with a fixed source equals the host', async () => {
  const mod = await import(pathToFileURL(fixture('nanoid.mjs')).href)
  const host = mod.default(42)
  const t = new Thread({ module: fixture('nanoid.mjs') })
  const r = await t.run(42)
  await t.close()
  assert.ok(r.ids.every((id) => /^[A-Za-z0-9_-]{21}$/.test(id)), r.ids.join())
  assert.equal(new Set(r.ids).size, 10)
  assert.match(r.sized, /^[A-Za-z0-9_-]{8}$/)
  assert.ok(r.custom.every((id) => /^[abc123]{12}$/.test(id)), r.custom.join())
  assert.deepStrictEqual(r.deterministic, host.deterministic)
  assert.equal(r.urlAlphabet, host.urlAlphabet)
})

test('immer: produce, produceWithPatches, applyPatches', async () => {
  const state = { todos: [{ id: 1, text: 'a', done: false }, { id: 2, text: 'b', done: false }], meta: { count: 1, tmp: 'x' } }
  const { host } = await bothModule('immer.mjs', 'default', state)
  assert.equal(host.patches.length > 0 && host.frozen, true)
})

test('zod: a schema, good and bad data, the same issues', async () => {
  const { host } = await bothModule('zod.mjs', 'default', [
    { name: 'Ann', email: 'ann@example.com', age: 30, tags: ['a', 'c'], joined: '2024-01-02T03:04:05Z' },
    { name: 'A', email: 'nope', age: -1.5, tags: ['d'], joined: 'not a date', extra: 1 },
  ])
  assert.equal(host[0].ok, true)
  assert.equal(host[1].ok, false)
})

test('marked: Markdown to HTML, a custom renderer, the lexer', async () => {
  const md = '# Title\n\nSome *text* with [a link](http://x.y) & <b>html</b>\n\n- a\n- [ ] b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst x = 1 < 2\n```\n'
  const { host } = await bothModule('marked.mjs', 'default', md)
  assert.match(host.html, /<table>/)
})

test('date-fns: format, add, differences, intervals', async () => {
  await bothModule('date-fns.mjs', 'default', '2024-02-27T10:30:00')
  await bothModule('date-fns.mjs', 'default', '2023-10-29T01:30:00')
})

test('fast-xml-parser: parse with attributes, build, validate', async () => {
  await bothModule('fast-xml-parser.mjs', 'default', '<?xml version="1.0"?><root><item id="1" on="true">x</item><item id="2">y &amp; z</item><n>12</n><empty/></root>')
})

test('superjson (ES module only): Map, Set, Date, BigInt, RegExp, undefined', async () => {
  const { host } = await bothModule('superjson.mjs', 'default', 3)
  assert.equal(host.back.big, 10n ** 20n)
})

test('htmlparser2 (ES module only): parser callbacks, a DOM, entities', async () => {
  await bothModule('htmlparser2.mjs', 'default', '<div id="x"><a href="/a?x=1&amp;y=2">A &amp; B &eacute;</a><ul><li>1</li><li>2 &lt; 3</li></ul><a href=b>c</a><br><!-- c --></div>')
})

test('lru-cache: eviction order and sizes', async () => {
  await bothModule('lru-cache.mjs', 'default', ['a', 'bb', 'c', 'dd', 'e'])
})

test('diff: word and line diffs, a unified patch applied back', async () => {
  const { host } = await bothModule('diff.mjs', 'default', 'a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n')
  assert.equal(host.applied, true)
})

test('chalk (ES module; reads process, os and tty): explicit color levels', async () => {
  await bothModule('chalk.mjs', 'default', 'hi there')
})

// --- packages through require() in function contexts ------------------------------------------

test('lodash through require', async () => {
  await both((list) => {
    const _ = require('lodash')
    const memo = _.memoize((n) => n * 2)
    return {
      version: _.VERSION,
      shuffledSorted: _.sortBy(_.shuffle(list)),
      zipped: _.zipObject(['a', 'b', 'c'], list),
      partition: _.partition(list, (n) => n % 2),
      debounceType: typeof _.debounce(() => {}, 10),
      memo: [memo(2), memo(2), memo.cache.size],
      isEqual: _.isEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }),
      escaped: _.escape('<a href="x">&</a>'),
      template: _.template('<%= a %>-<%- b %>')({ a: '<i>', b: '<i>' }),
    }
  }, [5, 3, 9, 1, 7, 2])
})

test('semver through require, the package and a subpath', async () => {
  await both((ranges) => {
    const semver = require('semver')
    const satisfies = require('semver/functions/satisfies')
    return ranges.map((r) => [r, semver.validRange(r), satisfies('1.5.0', r), semver.minVersion(r)?.version ?? null, semver.intersects(r, '^1.0.0')])
  }, ['^1.2.0', '~1.5', '>=2', '1.x || 3.x', '*'])
})

test('react-dom/server through require', async () => {
  await both((n) => {
    const React = require('react')
    const { renderToString, renderToStaticMarkup } = require('react-dom/server')
    const h = React.createElement
    const Row = ({ i }) => h('tr', { className: i % 2 ? 'odd' : 'even' }, h('td', null, i), h('td', null, `<${i}>`))
    const Table = ({ rows }) => h('table', null, h('tbody', null, rows.map((i) => h(Row, { key: i, i }))))
    const rows = Array.from({ length: n }, (_, i) => i)
    return [renderToString(h(Table, { rows })), renderToStaticMarkup(h(Table, { rows }))]
  }, 12)
})

test('ajv: compile a schema, validate good and bad data, the same errors', async () => {
  const { host } = await both((data) => {
    const Ajv = require('ajv')
    const ajv = new Ajv({ allErrors: true })
    const validate = ajv.compile({
      type: 'object',
      properties: {
        id: { type: 'integer', minimum: 1 },
        name: { type: 'string', minLength: 2, pattern: '^[A-Z]' },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, maxItems: 3 },
        kind: { enum: ['a', 'b'] },
      },
      required: ['id', 'name'],
      additionalProperties: false,
    })
    return data.map((d) => { const ok = validate(d); return { ok, errors: validate.errors, text: ajv.errorsText(validate.errors) } })
  }, [{ id: 1, name: 'Ann', tags: ['x'], kind: 'a' }, { id: 0, name: 'b', tags: ['x', 'x', 'y', 'z'], kind: 'c', extra: true }, { name: 7 }])
  assert.equal(host[0].ok, true)
  assert.ok(host[1].errors.length >= 5)
})

test('js-yaml: load and dump', async () => {
  await both((text) => {
    const yaml = require('js-yaml')
    const doc = yaml.load(text)
    let error
    try { yaml.load('a: [1, 2\nb: }') } catch (e) { error = { name: e.name, reason: e.reason, line: e.mark.line } }
    return { doc, dumped: yaml.dump(doc, { sortKeys: true, lineWidth: 40 }), all: yaml.loadAll('---\na: 1\n---\nb: 2\n'), error }
  }, 'name: isothread\nlist:\n  - 1\n  - two\n  - 3.5\nnested:\n  ok: true\n  when: 2024-01-02\n  anchors: &x { a: 1 }\n  ref: *x\nblock: |\n  line 1\n  line 2\n')
})

test('dayjs: format, add, diff in UTC', async () => {
  await both((iso) => {
    const dayjs = require('dayjs')
    dayjs.extend(require('dayjs/plugin/utc'))
    dayjs.extend(require('dayjs/plugin/advancedFormat'))
    const d = dayjs.utc(iso)
    return {
      format: d.format('YYYY-MM-DD HH:mm:ss [Z] dddd Do MMMM'),
      added: d.add(45, 'day').add(3, 'hour').toISOString(),
      diff: [d.diff(dayjs.utc('2020-01-01'), 'day'), d.diff(dayjs.utc('2020-01-01'), 'month', true)],
      startOf: d.startOf('week').format(),
      valid: [d.isValid(), dayjs('nope').isValid()],
      unix: d.unix(),
    }
  }, '2024-02-27T10:30:00Z')
})

test('handlebars: compile, helpers, partials, escaping', async () => {
  await both((ctx) => {
    const Handlebars = require('handlebars').create()
    Handlebars.registerHelper('upper', (s) => String(s).toUpperCase())
    Handlebars.registerHelper('sum', (...args) => args.slice(0, -1).reduce((a, b) => a + b, 0))
    Handlebars.registerPartial('item', '<li class="{{#if done}}done{{/if}}">{{upper name}} ({{@index}})</li>')
    const template = Handlebars.compile('<h1>{{title}}</h1>{{{raw}}}<ul>{{#each items}}{{> item}}{{else}}empty{{/each}}</ul>{{sum 1 2 3}} {{#with owner}}{{first}} {{../title}}{{/with}}')
    return template(ctx)
  }, { title: 'A & <B>', raw: '<i>raw</i>', items: [{ name: 'x', done: true }, { name: 'y' }], owner: { first: 'Ann' } })
})

test('jsonwebtoken: HS256 signed on the host verifies in a thread and back; same token for a fixed iat', async () => {
  const jwtCase = ({ secret, payload, token }) => {
    const jwt = require('jsonwebtoken')
    const signed = jwt.sign(payload, secret, { algorithm: 'HS256', expiresIn: '1h', issuer: 'isothread' })
    const verify = (tok, key) => {
      try { return jwt.verify(tok, key, { algorithms: ['HS256'], issuer: 'isothread', clockTimestamp: payload.iat + 10 }) } catch (e) { return { name: e.name, message: e.message } }
    }
    return { signed, decoded: jwt.decode(signed, { complete: true }), verified: token && verify(token, secret), wrongKey: token && verify(token, secret + 'x') }
  }
  const payload = { sub: 'user-1', roles: ['a', 'b'], iat: 1700000000 }
  const fromHost = jwtCase({ secret: 's3cret', payload })
  const t = threadOf(jwtCase)
  const inThread = await t.run({ secret: 's3cret', payload, token: fromHost.signed })
  assert.equal(inThread.signed, fromHost.signed, 'the same token for a fixed iat')
  assert.deepStrictEqual(inThread.decoded, fromHost.decoded)
  assert.deepStrictEqual(inThread.verified, { ...payload, exp: payload.iat + 3600, iss: 'isothread' })
  assert.deepStrictEqual(inThread.wrongKey, { name: 'JsonWebTokenError', message: 'invalid signature' })
  const backOnHost = jwtCase({ secret: 's3cret', payload, token: inThread.signed })
  assert.deepStrictEqual(backOnHost.verified, inThread.verified)
  // and every part equal to what the host computes with the thread's token
  assert.deepStrictEqual(await t.run({ secret: 's3cret', payload, token: inThread.signed }), structuredClone(backOnHost))
  await t.close()
})

test('csv-parse/sync: columns, casting, quoting', async () => {
  await both((text) => {
    const { parse } = require('csv-parse/sync')
    return { objects: parse(text, { columns: true, cast: true, skip_empty_lines: true, trim: true }), rows: parse(text, { from_line: 2, relax_column_count: true }) }
  }, 'name,age,note\nAnn, 31 ,"hello, world"\nBob,7,"say ""hi"""\n\nCid,0,\n')
})

test('pako (3.x: bytes in, bytes out): deflate in a thread, inflate on the host, and back; same bytes', async () => {
  const pako = require('pako')
  const text = 'isothread '.repeat(200) + [...Array(300).keys()].join(',')
  const t = threadOf((op, data) => {
    const pako = require('pako')
    if (op === 'deflate') return { deflated: pako.deflate(data), gzipped: pako.gzip(data, { level: 9 }) }
    const text = (bytes) => new TextDecoder().decode(bytes)
    return { inflated: text(pako.inflate(data.deflated)), ungzipped: text(pako.ungzip(data.gzipped)) }
  })
  const { deflated, gzipped } = await t.run('deflate', text)
  assert.ok(deflated instanceof Uint8Array && deflated.length < text.length / 4)
  assert.equal(new TextDecoder().decode(pako.inflate(deflated)), text)
  assert.equal(new TextDecoder().decode(pako.ungzip(gzipped)), text)
  assert.deepStrictEqual(deflated, pako.deflate(text))
  const back = await t.run('inflate', { deflated: pako.deflate(text, { level: 1 }), gzipped: pako.gzip(text) })
  assert.deepStrictEqual(back, { inflated: text, ungzipped: text })
  await t.close()
})

test('crypto-js: SHA256, HmacSHA256, AES encrypted in a thread decrypts on the host and back', async () => {
  const CryptoJS = require('crypto-js')
  const cryptoCase = ({ message, key, hostCipher }) => {
    const CryptoJS = require('crypto-js')
    const k = CryptoJS.enc.Hex.parse('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
    const iv = CryptoJS.enc.Hex.parse('0f0e0d0c0b0a09080706050403020100')
    return {
      sha256: CryptoJS.SHA256(message).toString(),
      hmac: CryptoJS.HmacSHA256(message, key).toString(CryptoJS.enc.Base64),
      md5: CryptoJS.MD5(message).toString(),
      sha3: CryptoJS.SHA3(message, { outputLength: 256 }).toString(),
      fixedAes: CryptoJS.AES.encrypt(message, k, { iv }).toString(),
      passphraseAes: CryptoJS.AES.encrypt(message, key).toString(), // random salt
      decrypted: hostCipher ? CryptoJS.AES.decrypt(hostCipher, key).toString(CryptoJS.enc.Utf8) : null,
    }
  }
  const message = 'attack at dawn — ünïcode ✓'
  const hostCipher = CryptoJS.AES.encrypt(message, 'pass phrase').toString()
  const host = cryptoCase({ message, key: 'pass phrase', hostCipher })
  const t = threadOf(cryptoCase)
  const r = await t.run({ message, key: 'pass phrase', hostCipher })
  await t.close()
  assert.equal(r.decrypted, message, 'host ciphertext decrypted in the thread')
  assert.equal(CryptoJS.AES.decrypt(r.passphraseAes, 'pass phrase').toString(CryptoJS.enc.Utf8), message, 'thread ciphertext decrypted on the host')
  assert.notEqual(r.passphraseAes, host.passphraseAes, 'random salts differ')
  for (const k of ['sha256', 'hmac', 'md5', 'sha3', 'fixedAes']) assert.equal(r[k], host[k], k)
})

test('validator: checks and sanitizers', async () => {
  await both((inputs) => {
    const validator = require('validator')
    return inputs.map((s) => [s, validator.isEmail(s), validator.isURL(s, { require_protocol: true }), validator.isUUID(s), validator.isIP(s), validator.isISO8601(s), validator.isCreditCard(s), validator.escape(s), validator.isEmail(s) ? validator.normalizeEmail(s) : null, validator.isStrongPassword(s, { returnScore: true })])
  }, ['Foo.Bar+x@GMail.com', 'https://example.com/a?b=c#d', '123e4567-e89b-42d3-a456-426614174000', '192.168.0.1', '2024-02-29T12:00:00Z', '4111111111111111', '<script>"&\'</script>'])
})

test('qs: nested parse and stringify', async () => {
  await both((s) => {
    const qs = require('qs')
    const parsed = qs.parse(s, { allowDots: true, comma: true })
    return { parsed, back: qs.stringify(parsed, { encodeValuesOnly: true, arrayFormat: 'brackets' }), indices: qs.stringify({ a: [1, { b: 2 }], c: null, d: undefined, e: '&=' }), depth: qs.parse('a[b][c][d][e][f][g]=1', { depth: 2 }) }
  }, 'a[b][c]=1&a[b][d]=2&list[]=x&list[]=y&dot.path=z&csv=1,2,3&enc=%C3%BC%20%26')
})

test('mustache: sections, inverted sections, partials, escaping', async () => {
  await both((view) => {
    const Mustache = require('mustache')
    return Mustache.render('<h1>{{title}}</h1>{{{raw}}}{{#people}}<p>{{name}}{{#admin}} (admin){{/admin}}</p>{{/people}}{{^empty}}none{{/empty}}{{> footer}}', view, { footer: '<footer>{{year}}</footer>' })
  }, { title: 'A & B', raw: '<b>!</b>', people: [{ name: 'Ann', admin: true }, { name: '<Bob>' }], empty: [], year: 2024 })
})

test('yaml: parse, stringify, documents and errors', async () => {
  await both((text) => {
    const YAML = require('yaml')
    const doc = YAML.parseDocument(text)
    const bad = YAML.parseDocument('a: 1\n  b: 2\n')
    return { value: YAML.parse(text), string: YAML.stringify({ a: [1, { b: 'c d' }], e: 'multi\nline', f: null }), round: String(doc), errors: bad.errors.map((e) => [e.name, e.code]) }
  }, '# comment\nkey: value\nlist: [1, 2, {x: y}]\nmap:\n  deep: &a true\n  alias: *a\n')
})

test('decimal.js: arbitrary precision arithmetic', async () => {
  await both((digits) => {
    const Decimal = require('decimal.js')
    const D = Decimal.clone({ precision: digits })
    return [new D('0.1').plus('0.2').toString(), D.sqrt(2).toString(), new D(2).pow(200).toFixed(), D.exp(1).toSignificantDigits(30).toString(), new D('1').div(3).toFixed(20), D.acos(-1).toString()]
  }, 60)
})

test('he: HTML entities encode and decode', async () => {
  await both((s) => {
    const he = require('he')
    return [he.encode(s), he.encode(s, { useNamedReferences: true }), he.decode('&lt;&eacute;&#x1F600;&amp;&nbsp;&notin;'), he.escape(s), he.unescape('&lt;a&gt;')]
  }, '<a href="x">café & ☃ 😀</a>')
})

test('luxon: DateTime in UTC and in named zones, durations, intervals', async () => {
  await both((iso) => {
    const { DateTime, Duration, Interval } = require('luxon')
    const d = DateTime.fromISO(iso, { zone: 'utc' })
    return {
      plus: d.plus({ days: 3, hours: 5 }).toISO(),
      format: d.toFormat("cccc, LLLL d yyyy 'at' HH:mm ZZZZ"),
      ny: d.setZone('America/New_York').toISO(),
      tokyo: d.setZone('Asia/Tokyo').toLocaleString(DateTime.DATETIME_FULL),
      diff: d.diff(DateTime.fromISO('2020-01-01T00:00:00Z', { zone: 'utc' }), ['years', 'months', 'days']).toObject(),
      duration: Duration.fromObject({ hours: 50, minutes: 7 }).shiftTo('days', 'hours', 'minutes').toHuman(),
      interval: Interval.fromDateTimes(d, d.plus({ weeks: 2 })).count('days'),
    }
  }, '2024-02-27T10:30:00Z')
})

test('ms: durations to text and back', async () => {
  await both((inputs) => {
    const ms = require('ms')
    return inputs.map((x) => [x, ms(x), typeof x === 'number' ? ms(x, { long: true }) : null])
  }, ['2 days', '1.5h', '10s', 90061000, 3600000, 1500])
})

// --- a pool of threads --------------------------------------------------------------------------

test('a ThreadPool of 2 renders 100 React pages, each equal to the host render', async () => {
  const { page } = await import(pathToFileURL(fixture('react.mjs')).href)
  const pool = new ThreadPool({ module: fixture('react.mjs'), export: 'page' }, 2)
  const pages = await Promise.all(Array.from({ length: 100 }, (_, n) => pool.run(n)))
  await pool.close()
  for (let n = 0; n < 100; n++) assert.equal(pages[n], page(n), `page ${n}`)
  assert.equal(new Set(pages).size, 100)
})

// --- bad input -----------------------------------------------------------------------------------

test('a missing package: require() throws MODULE_NOT_FOUND naming it and the requiring file; the thread serves on', async () => {
  const t = threadOf((file) => {
    if (file === 'ok') return 'ok'
    try { return file ? require(file)() : require('nope-not-installed') } catch (e) { return { name: e.name, code: e.code, message: e.message } }
  })
  const fromFile = await t.run(fixture('requires-missing.cjs'))
  assert.equal(fromFile.code, 'MODULE_NOT_FOUND')
  assert.match(fromFile.message, /'nope-not-installed'/)
  assert.match(fromFile.message, /requires-missing\.cjs/)
  let host
  try { require(fixture('requires-missing.cjs'))() } catch (e) { host = e }
  assert.equal(fromFile.code, host.code)
  assert.equal(fromFile.message.split('\n')[0], host.message.split('\n')[0])
  const fromContext = await t.run(null)
  assert.equal(fromContext.code, 'MODULE_NOT_FOUND')
  assert.match(fromContext.message, /'nope-not-installed'/)
  // an uncaught one rejects the call with the same error
  const u = threadOf(() => require('nope-not-installed'))
  await assert.rejects(u.run(), (e) => e.code === 'MODULE_NOT_FOUND' && /nope-not-installed/.test(e.message))
  assert.equal(await t.run('ok'), 'ok')
  await Promise.all([t.close(), u.close()])
})

test('a missing package imported by a module context: run() rejects ERR_INVALID_ARG, the cause names it and the importer', async () => {
  const t = new Thread({ module: fixture('imports-missing.mjs') })
  await assert.rejects(t.run(), (e) => {
    assert.equal(e.code, 'ERR_INVALID_ARG')
    assert.match(e.message, /nope-not-installed/)
    assert.ok(e.cause, 'has a cause')
    assert.match(e.cause.message, /'nope-not-installed'/)
    assert.match(e.cause.message, /imports-missing\.mjs/)
    assert.equal(e.cause.code, 'ERR_MODULE_NOT_FOUND')
    return true
  })
  await t.close()
  await assert.rejects(import(pathToFileURL(fixture('imports-missing.mjs')).href), { code: 'ERR_MODULE_NOT_FOUND' })
})

test('a syntax error in a CommonJS file: SyntaxError naming the file and line; the thread serves on', async () => {
  const t = threadOf((file) => file ? require(file) : 'ok')
  await assert.rejects(t.run(fixture('bad-syntax.cjs')), (e) => {
    assert.equal(e.name, 'SyntaxError')
    assert.ok(e instanceof SyntaxError)
    // Node names the file and line at the top of the stack, ES module contexts in the message: either will do
    assert.match(`${e.message}\n${e.stack}`, /bad-syntax\.cjs:3/, e.stack)
    return true
  })
  assert.throws(() => require(fixture('bad-syntax.cjs')), SyntaxError)
  assert.equal(await t.run(null), 'ok')
  // a second require tries again (a failed module is not cached), and fails the same way
  await assert.rejects(t.run(fixture('bad-syntax.cjs')), (e) => e.name === 'SyntaxError' && /bad-syntax\.cjs:3/.test(`${e.message}\n${e.stack}`))
  await t.close()
})

test('require() of a native addon (.node) is ERR_INVALID_ARG naming the file and the requirer', async () => {
  const t = threadOf((file) => {
    if (!file) return 'ok'
    try { require(file)(); return 'loaded' } catch (e) { return { code: e.code, message: e.message } }
  })
  const r = await t.run(fixture('requires-addon.cjs'))
  assert.equal(r.code, 'ERR_INVALID_ARG')
  assert.match(r.message, /fake-addon\.node/)
  assert.match(r.message, /requires-addon\.cjs/)
  assert.match(r.message, /native addon/)
  const direct = threadOf((file) => require(file))
  await assert.rejects(direct.run(fixture('fake-addon.node')), (e) => e.code === 'ERR_INVALID_ARG' && /fake-addon\.node/.test(e.message))
  await direct.close()
  assert.equal(await t.run(null), 'ok')
  await t.close()
})

test('a host-only built-in: require("fs") loads, fs.readFileSync throws ERR_NOT_AVAILABLE naming it', async () => {
  const t = threadOf((mode) => {
    if (mode === 'ok') return 'ok'
    const fs = require('fs')
    const kind = [typeof fs, typeof fs.readFileSync, require('node:fs') === fs]
    try { fs.readFileSync('x'); return 'read' } catch (e) { return { kind, code: e.code, message: e.message } }
  })
  const r = await t.run()
  assert.deepStrictEqual(r.kind, ['object', 'function', true])
  assert.equal(r.code, 'ERR_NOT_AVAILABLE')
  assert.match(r.message, /fs\.readFileSync/)
  assert.equal(await t.run('ok'), 'ok')
  await t.close()
  // imported from an ES module: the import succeeds, the call rejects
  const m = new Thread({ module: fixture('host-only.mjs') })
  await assert.rejects(m.run('x'), (e) => e.code === 'ERR_NOT_AVAILABLE' && /fs\.readFileSync/.test(e.message))
  await m.close()
})

test('require() of an ES module that awaits at its top level: ERR_REQUIRE_ASYNC_MODULE, as on the host', async () => {
  const fn = (file) => { try { require(file); return 'loaded' } catch (e) { return { code: e.code, names: e.message.includes('tla.mjs') } } }
  const { inThread } = await both(fn, fixture('tla.mjs'))
  assert.deepStrictEqual(inThread, { code: 'ERR_REQUIRE_ASYNC_MODULE', names: true })
})

// --- CommonJS semantics --------------------------------------------------------------------------

test('CommonJS cycles: a requires b requires a, b sees a\'s partial exports (as Node)', async () => {
  const { inThread } = await both((file) => {
    const a = require(file)
    return { a, b: require(file.replace('cycle-a', 'cycle-b')) }
  }, fixture('cycle-a.cjs'))
  assert.deepStrictEqual(inThread.b.sawA, { done: false })
})

test('module.exports vs exports vs this', async () => {
  const { inThread } = await both((files) => files.map((f) => {
    const m = require(f)
    return typeof m === 'function' ? ['function', m.name, m(1), { ...m }] : m
  }), ['exports-this.cjs', 'exports-replaced.cjs', 'exports-reassigned.cjs', 'exports-function.cjs'].map(fixture))
  assert.deepStrictEqual(inThread[1], { b: 2 })
})

test('__filename, __dirname, module, require.resolve (packages, subpaths, built-ins) and JSON', async () => {
  const { inThread } = await both((file) => require(file), fixture('where.cjs'))
  assert.equal(inThread.filename, fixture('where.cjs'))
  assert.equal(inThread.resolved.pkg, require.resolve('lodash'))
})

test('require.cache: one instance per file, deleting the entry loads the file anew', async () => {
  await both((file) => {
    const a = require(file)
    const b = require(file)
    const key = require.resolve(file)
    const cached = require.cache[key]
    delete require.cache[key]
    const c = require(file)
    return { same: a === b, cachedExports: cached.exports === a, loaded: cached.loaded, fresh: a !== c, delta: c.loads - a.loads, again: require.cache[key].exports === c }
  }, fixture('counter.cjs'))
})

test('JSON require: parsed, cached, shared by both spellings', async () => {
  await both((file) => {
    const a = require(file)
    return { a, same: require(file) === a, noExt: require(file.replace(/\.json$/, '')) === a }
  }, fixture('data.json'))
})

test('"type": "module", .cjs and .mjs decide the format, for require() (ES modules give their namespace) and for import', async () => {
  const unmark = ({ __esModule, ...rest }) => rest // (checked in the next test)
  const host = require(fixture('formats.cjs'))()
  const t = threadOf((file) => require(file)())
  const inThread = await t.run(fixture('formats.cjs'))
  await t.close()
  assert.deepStrictEqual({ ...inThread, typedEsm: unmark(inThread.typedEsm) }, { ...host, typedEsm: unmark(host.typedEsm) })
  assert.equal(inThread.typedEsm.kind, 'esm')
  assert.equal(inThread.untypedMjs.kind, 'esm')
  await bothModule('formats.mjs', 'default')
})

test('require() of an ES module with a default export: its namespace has __esModule: true, as in Node (20.19+, 22.12+)', async () => {
  await both((file) => {
    const ns = require(file)
    return { esModule: ns.__esModule, keys: Object.keys(ns), default: ns.default }
  }, fixture('typed/esm.js'))
})

test('exports conditions: a thread picks what Node picks for node/import/require, and isothread when the package has it', async () => {
  const host = require(fixture('which.cjs'))()
  const t = threadOf((file) => require(file)())
  const required = await t.run(fixture('which.cjs'))
  await t.close()
  const m = new Thread({ module: fixture('which.mjs') })
  const imported = await m.run()
  await m.close()
  const hostImported = await (await import(pathToFileURL(fixture('which.mjs')).href)).default()
  const codes = (o) => ({ ...o, hidden: o.hidden === 'loaded' ? 'loaded' : 'refused', notExported: o.notExported === 'loaded' ? 'loaded' : 'refused' })
  // (Node's code for a subpath not exported is ERR_PACKAGE_PATH_NOT_EXPORTED; only the refusal is compared)
  assert.deepStrictEqual(codes(required), codes({ ...host, iso: 'isothread.cjs', isoFlat: 'isothread.cjs' }))
  assert.deepStrictEqual(codes(imported), codes({ ...hostImported, iso: 'isothread.mjs', isoFlat: 'isothread.cjs' }))
  assert.equal(host.main, 'node-require.cjs')
  assert.equal(hostImported.main, 'node-import.mjs')
})

test('imports maps (#internal, #util/*): the thread resolves them as Node, with isothread first', async () => {
  const host = require(fixture('internal/main.cjs'))()
  const t = threadOf((file) => require(file)())
  const required = await t.run(fixture('internal/main.cjs'))
  await t.close()
  assert.deepStrictEqual({ ...required, missing: required.missing === 'loaded' ? 'loaded' : 'refused' }, { ...host, internal: 'impl-isothread.cjs', missing: 'refused' })
  const hostImported = (await import(pathToFileURL(fixture('internal/main.mjs')).href)).default()
  const m = new Thread({ module: fixture('internal/main.mjs') })
  assert.deepStrictEqual(await m.run(), { ...hostImported, internal: 'impl-isothread.cjs' })
  await m.close()
})

test('an imports entry may name another package (#dep → cond-pkg/plain), as in Node', async () => {
  await both((file) => require(file)(), fixture('internal/dep.cjs'))
})

// --- ES module interop ---------------------------------------------------------------------------

test('import.meta: url, filename, dirname and resolve(), as Node gives them', async () => {
  await bothModule('meta.mjs', 'default')
})

test('import() from a CommonJS file resolves from that file: ES modules, CommonJS (default + named), packages', async () => {
  await both(async (file) => require(file)(), fixture('dynamic.cjs'))
})

test('import() from a function context resolves packages from the cwd', async () => {
  await both(async () => {
    const { default: _ } = await import('lodash')
    const { satisfies } = await import('semver')
    return [_.VERSION, satisfies('1.2.3', '^1'), typeof (await import('ms')).default]
  })
})

test('one instance per file across import and require; a Babel-style CommonJS default is module.exports, as in Node', async () => {
  const { host } = await bothModule('shared.mjs', 'default')
  assert.equal(host.same, true)
})

test('require() of ES-module-only packages gives their namespace (superjson, marked), as Node 20.19+ and 22.12+', async () => {
  await both((value) => {
    const superjson = require('superjson').default
    const { marked } = require('marked')
    return { json: superjson.stringify(value), md: marked.parse('*hi* `there`') }
  }, { d: new Date(0), s: new Set([1]) })
})

// --- CommonJS files as Node reads them ---------------------------------------------------------

test('stack frames of CommonJS files name the file, line and column as on the host', async () => {
  const frames = (e) => e.stack.split('\n').filter((l) => l.includes('thrower.cjs')).map((l) => l.trim())
  let host
  try { require(fixture('thrower.cjs'))('x') } catch (e) { host = e }
  const t = threadOf((file) => require(file)('x'))
  await assert.rejects(t.run(fixture('thrower.cjs')), (e) => {
    assert.ok(e instanceof RangeError)
    assert.equal(e.message, host.message)
    assert.deepStrictEqual(frames(e), frames(host))
    return true
  })
  await t.close()
})

test('a CommonJS file starting with a hashbang line loads, its lines counted as on the host', async () => {
  await both((file) => require(file), fixture('shebang.cjs'))
})

test('a byte order mark is stripped from CommonJS and JSON files, as Node does', async () => {
  await both((file) => require(file), fixture('bom.cjs'))
  await both((file) => require(file), fixture('bom.json'))
})

test('an ES module importing CommonJS that requires it back while it evaluates: ERR_REQUIRE_CYCLE_MODULE, as Node', async () => {
  await bothModule('esm-cycle.mjs', 'default')
})

test('function contexts resolve relative requires from the cwd', async () => {
  const t = threadOf(() => [require('./package.json').name, require.resolve('./package.json')])
  assert.deepStrictEqual(await t.run(), [require(path.join(process.cwd(), 'package.json')).name, path.join(process.cwd(), 'package.json')])
  await t.close()
})

test('require.resolve(request, { paths }) looks up from the given folders, as Node', async () => {
  await both((dir) => {
    try { return require.resolve('cond-pkg', { paths: [dir] }) } catch (e) { return e.code }
  }, FIX)
})

test('evaluation order: CommonJS imported by an ES module runs in import order among its ES siblings, as in Node', async () => {
  const { inThread } = await bothModule('order.mjs', 'default')
  assert.deepStrictEqual(inThread.order, ['first.mjs', 'second.cjs', 'third.mjs'])
})

test('the "module-sync" condition: Node (20.19+, 22.10+) picks it for require and import; so does a thread', async () => {
  await both(async (file) => require(file)(), fixture('which-sync.cjs'))
})

test('a .js file with no "type" around it: its syntax decides (ES module or CommonJS), for require and import, as Node', async () => {
  await both(async (file) => require(file)(), fixture('detect/main.cjs'))
})

test('package subpaths: through exports (date-fns/addDays, zod/v4, react/jsx-runtime, js-yaml/package.json) and plain files (lodash/fp)', async () => {
  await both(() => {
    const fp = require('lodash/fp')
    const { addDays } = require('date-fns/addDays')
    const { z } = require('zod/v4')
    const { jsx } = require('react/jsx-runtime')
    const { renderToStaticMarkup } = require('react-dom/server')
    return {
      fp: fp.flow(fp.map((x) => x * 2), fp.filter((x) => x > 2), fp.sortBy(fp.identity))([3, 1, 2]),
      addDays: addDays(new Date(Date.UTC(2024, 1, 28)), 2).toISOString(),
      zod: z.array(z.number()).safeParse([1, 'x']).success,
      jsx: renderToStaticMarkup(jsx('p', { children: ['a', jsx('b', { children: 'c' })] })),
      version: require('js-yaml/package.json').version,
      resolved: ['lodash/fp', 'date-fns/addDays', 'zod/v4', 'react/jsx-runtime'].map((s) => require.resolve(s)),
    }
  })
})

test('a named import CommonJS does not offer: ERR_INVALID_ARG, a SyntaxError naming the name, the package and the importer', async () => {
  await assert.rejects(import(pathToFileURL(fixture('bad-named.mjs')).href), SyntaxError)
  const t = new Thread({ module: fixture('bad-named.mjs') })
  await assert.rejects(t.run(), (e) => {
    assert.equal(e.code, 'ERR_INVALID_ARG')
    assert.equal(e.cause.name, 'SyntaxError')
    assert.match(e.message, /nopeNotThere/)
    assert.match(e.message, /'lodash'/)
    assert.match(e.message, /bad-named\.mjs:2/)
    return true
  })
  await t.close()
})

test('createRequire(import.meta.url) from node:module, which ES module bundles emit to reach CommonJS, works as on the host', async () => {
  await bothModule('create-require.mjs', 'default')
})

test('error codes of refused package subpaths and imports as Node gives them (ERR_PACKAGE_PATH_NOT_EXPORTED, ERR_PACKAGE_IMPORT_NOT_DEFINED)', async () => {
  const { inThread } = await both(async (files) => {
    const which = await require(files[0])()
    const internal = require(files[1])()
    return { hidden: which.hidden, notExported: which.notExported, missingImport: internal.missing }
  }, [fixture('which.cjs'), fixture('internal/main.cjs')])
  assert.deepStrictEqual(inThread, { hidden: 'ERR_PACKAGE_PATH_NOT_EXPORTED', notExported: 'ERR_PACKAGE_PATH_NOT_EXPORTED', missingImport: 'ERR_PACKAGE_IMPORT_NOT_DEFINED' })
})

test('8 fresh threads load the same packages at once (sources and code caches shared by the process): every result is the host\'s', async () => {
  const fn = (i) => {
    const _ = require('lodash')
    const semver = require('semver')
    const YAML = require('yaml')
    const Ajv = require('ajv')
    const { renderToStaticMarkup } = require('react-dom/server')
    const h = require('react').createElement
    const validate = new Ajv().compile({ type: 'object', properties: { i: { type: 'integer', maximum: 4 } } })
    return [_.kebabCase(`Thread Number ${i}`), semver.inc(`1.${i}.0`, 'minor'), YAML.stringify({ i, list: _.range(i) }), validate({ i }), renderToStaticMarkup(h('b', { title: i }, _.repeat('x', i)))]
  }
  const threads = Array.from({ length: 8 }, () => threadOf(fn))
  const results = await Promise.all(threads.map((t, i) => t.run(i)))
  await Promise.all(threads.map((t) => t.close()))
  results.forEach((r, i) => assert.deepStrictEqual(r, fn(i), `thread ${i}`))
})

test('a package whose "main" is "" (as @octokit/openapi-types) is not found, and "./" gives index.js, as Node; the process survives', () => {
  const host = require(fixture('odd-main.cjs'))()
  assert.deepStrictEqual(host, { empty: 'MODULE_NOT_FOUND', dot: { file: 'dot-main/index.js' } })
  // in a child process: a crash there must not take this spec down
  const r = runChild(`
    const t = new lib.Thread(() => (file) => require(file)())
    t.run(${JSON.stringify(fixture('odd-main.cjs'))}).then((v) => { console.log(JSON.stringify(v)); return t.close() }, (e) => { console.log('rejected', e.code, e.message); process.exitCode = 1 })
  `)
  assert.ok(noCrashOutput(r) && r.signal === null, described(r))
  assert.equal(r.status, 0, described(r))
  assert.deepStrictEqual(JSON.parse(r.stdout.trim().split('\n').pop()), host)
})

test('require() of an ES module that throws while it evaluates: the error is caught where it is required, as on the host (no unhandled rejection fails the call)', async () => {
  await both(async (file) => {
    const tries = []
    for (let i = 0; i < 2; i++) {
      try { require(file); tries.push('loaded') } catch (e) { tries.push(`caught: ${e.message}`) }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return tries
  }, fixture('esm-throws.mjs'))
})

// --- loads cut short by a timeout ----------------------------------------------------------------

test('a require() cut short by a timeout is not left in require.cache: the next require loads the file anew', async () => {
  const t = threadOf((file) => ({ ...require(file) }), { timeout: 300 })
  await assert.rejects(t.run(fixture('slow-once.cjs')), { code: 'ERR_TIMEOUT' })
  assert.deepStrictEqual(await t.run(fixture('slow-once.cjs')), { loads: 2 })
  await t.close()
})

test('an import() cut short by a timeout: the next import loads the module anew or rejects with an Error naming it (not null)', async () => {
  const t = threadOf(async (file) => {
    try { return { ...(await import(file)) } } catch (e) { return { thrown: e === null ? 'null' : typeof e, isError: e instanceof Error, message: String(e && e.message) } }
  }, { timeout: 300 })
  await assert.rejects(t.run(fixture('slow-once.mjs')), { code: 'ERR_TIMEOUT' })
  const again = await t.run(fixture('slow-once.mjs'))
  if (!('loads' in again)) {
    assert.equal(again.isError, true, JSON.stringify(again))
    assert.match(again.message, /slow-once\.mjs/)
  } else {
    assert.deepStrictEqual(again, { loads: 2 })
  }
  await t.close()
})

test('a pnpm layout (symlinked packages and dependencies) resolves as Node: real paths, dependencies beside the package', async () => {
  await both((file) => require(file)(), fixture('pnpm/main.cjs'))
  await bothModule('pnpm/main.mjs', 'default')
})
