//! Round trips, identity, clone errors and exceptions. Each test makes its
//! own isolate (isolates are not Send) and decodes into a fresh context.

use super::{decode, encode, EncodeError};
use crate::runtime::payload::Payload;

pub(super) fn with_isolate(f: impl FnOnce(&mut v8::HandleScope)) {
    crate::engine::platform::init();
    let isolate = &mut v8::Isolate::new(Default::default());
    let scope = &mut v8::HandleScope::new(isolate);
    let context = v8::Context::new(scope);
    let scope = &mut v8::ContextScope::new(scope, context);
    f(scope);
}

pub(super) fn eval<'s>(s: &mut v8::HandleScope<'s>, code: &str) -> v8::Local<'s, v8::Value> {
    let source = v8::String::new(s, code).unwrap();
    let script = v8::Script::compile(s, source, None).unwrap_or_else(|| panic!("compile: {code}"));
    script.run(s).unwrap_or_else(|| panic!("run: {code}"))
}

fn call<'s>(s: &mut v8::HandleScope<'s>, function: &str, arg: v8::Local<v8::Value>) -> v8::Local<'s, v8::Value> {
    let f = v8::Local::<v8::Function>::try_from(eval(s, &format!("({function})"))).unwrap();
    let this = v8::undefined(s).into();
    f.call(s, this, &[arg]).unwrap_or_else(|| panic!("call: {function}"))
}

pub(super) fn encode_js(s: &mut v8::HandleScope, code: &str, root: &str) -> Result<Payload, EncodeError> {
    let value = eval(s, code);
    let tc = &mut v8::TryCatch::new(s);
    encode(tc, value, root, &[])
}

/// Encode `expr`, decode it in a fresh context, check it there with the JS
/// function `check`, and re-encode it to the same bytes.
fn round_trip(s: &mut v8::HandleScope, expr: &str, check: &str) {
    let payload = encode_js(s, &format!("({expr})"), "value").unwrap_or_else(|e| panic!("{expr}: {e}"));
    let bytes = payload.bytes.clone();
    let context = v8::Context::new(s);
    let s = &mut v8::ContextScope::new(s, context);
    let tc = &mut v8::TryCatch::new(s);
    let decoded = decode(tc, payload).unwrap_or_else(|e| panic!("{expr}: {e}"));
    assert!(call(tc, check, decoded).is_true(), "{expr}: check {check} failed");
    let again = encode(tc, decoded, "value", &[]).unwrap_or_else(|e| panic!("{expr} again: {e}"));
    assert_eq!(again.bytes, bytes, "{expr}: re-encoded differently");
    assert!(!tc.has_caught());
}

#[test]
fn primitives_round_trip() {
    with_isolate(|s| {
        for (expr, check) in [
            ("undefined", "v => v === undefined"),
            ("null", "v => v === null"),
            ("true", "v => v === true"),
            ("false", "v => v === false"),
            ("21", "v => v === 21"),
            ("-2147483648", "v => v === -2147483648"),
            ("2147483648", "v => v === 2147483648"),
            ("-0", "v => Object.is(v, -0)"),
            ("1.5", "v => v === 1.5"),
            ("NaN", "v => Number.isNaN(v)"),
            ("-Infinity", "v => v === -Infinity"),
            ("0n", "v => v === 0n"),
            ("-(2n ** 200n) + 7n", "v => v === -(2n ** 200n) + 7n"),
            ("2n ** 64n", "v => v === 2n ** 64n"),
            ("''", "v => v === ''"),
            ("'héllo\\u00ff'", "v => v === 'héllo\\u00ff'"),
            ("'日本 ✓'", "v => v === '日本 ✓'"),
            ("'a\\ud800b'", "v => v.length === 3 && v.charCodeAt(1) === 0xd800"),
        ] {
            round_trip(s, expr, check);
        }
    });
}

#[test]
fn objects_and_arrays_round_trip() {
    with_isolate(|s| {
        for (expr, check) in [
            (
                "{a: 1, b: 'x', c: {d: [1, 2]}, 7: 'seven'}",
                "v => JSON.stringify(v) === '{\"7\":\"seven\",\"a\":1,\"b\":\"x\",\"c\":{\"d\":[1,2]}}'",
            ),
            ("Object.create(null)", "v => Object.getPrototypeOf(v) === Object.prototype"),
            (
                "{['__proto__']: 1}",
                "v => Object.getOwnPropertyNames(v)[0] === '__proto__' && Object.getPrototypeOf(v) === Object.prototype",
            ),
            (
                "new (class A { constructor() { this.x = 1 } get y() { return 2 } })()",
                "v => v.constructor === Object && v.x === 1 && !('y' in v)",
            ),
            ("{[Symbol('s')]: 1, k: 2}", "v => Object.getOwnPropertySymbols(v).length === 0 && v.k === 2"),
            ("Object.defineProperty({a: 1}, 'hidden', {value: 2})", "v => v.a === 1 && !('hidden' in v)"),
            ("[]", "v => Array.isArray(v) && v.length === 0"),
            ("[1, , 3]", "v => v.length === 3 && !(1 in v) && v[2] === 3"),
            ("[, , ,]", "v => v.length === 3 && Object.keys(v).length === 0"),
            ("Object.assign([1, 2], {foo: 'bar'})", "v => v.length === 2 && v[1] === 2 && v.foo === 'bar'"),
            (
                "(() => { const a = []; a[4294967294] = 1; a.x = 2; return a })()",
                "v => Array.isArray(v) && v.length === 4294967295 && v[4294967294] === 1 && v.x === 2 && Object.keys(v).length === 2",
            ),
            ("(() => { const a = [1]; a.length = 10; return a })()", "v => v.length === 10 && v[0] === 1 && Object.keys(v).length === 1"),
            ("new Date(123)", "v => v instanceof Date && v.getTime() === 123"),
            ("new Date(NaN)", "v => v instanceof Date && Number.isNaN(v.getTime())"),
            ("/a\\/b[c]/gimsy", "v => v instanceof RegExp && v.source === 'a\\\\/b[c]' && v.flags === 'gimsy'"),
            ("new RegExp('a/b', 'dgv')", "v => v.source === 'a\\\\/b' && v.flags === 'dgv' && v.test('a/b')"),
            ("/é日/u", "v => v.source === 'é日' && v.unicode"),
            ("new Map([[1, 'a'], [{k: 1}, [2]]])", "v => v instanceof Map && v.size === 2 && v.get(1) === 'a' && [...v.keys()][1].k === 1"),
            ("new Set([1, 'a', {}])", "v => v instanceof Set && v.size === 3 && v.has('a')"),
            ("new Number(3.5)", "v => v instanceof Number && v.valueOf() === 3.5"),
            ("new String('sé日')", "v => v instanceof String && v.valueOf() === 'sé日'"),
            ("new Boolean(false)", "v => v instanceof Boolean && v.valueOf() === false"),
            ("Object(-(2n ** 70n))", "v => typeof v === 'object' && v.valueOf() === -(2n ** 70n)"),
        ] {
            round_trip(s, expr, check);
        }
    });
}

#[test]
fn errors_round_trip() {
    with_isolate(|s| {
        for (expr, check) in [
            ("new Error('m')", "v => v instanceof Error && v.constructor === Error && v.message === 'm' && v.stack.startsWith('Error: m')"),
            (
                "new RangeError('bad', {cause: {n: 42}})",
                "v => v instanceof RangeError && v.cause.n === 42 && !Object.getOwnPropertyDescriptor(v, 'cause').enumerable",
            ),
            (
                "Object.assign(new TypeError('t'), {code: 'E_X', extra: [1]})",
                "v => v instanceof TypeError && v.code === 'E_X' && v.extra[0] === 1 && Object.keys(v).join() === 'code,extra'",
            ),
            ("new EvalError('e')", "v => v instanceof EvalError && v.message === 'e'"),
            ("new URIError('u')", "v => v instanceof URIError && v.name === 'URIError'"),
            ("new ReferenceError('r')", "v => v instanceof ReferenceError"),
            ("new SyntaxError('s')", "v => v instanceof SyntaxError"),
            ("new AggregateError([1], 'agg')", "v => v instanceof AggregateError && v.message === 'agg'"),
            (
                "(() => { class MyErr extends Error { constructor(m) { super(m); this.name = 'MyErr' } } return new MyErr('m') })()",
                "v => v.constructor === Error && v.name === 'MyErr' && v.message === 'm' && Object.keys(v).length === 0",
            ),
            ("(() => { const e = new Error('x'); Object.defineProperty(e, 'code', {value: 7}); return e })()", "v => v.code === 7"),
            ("(() => { const e = new Error('x'); e.stack = 'custom'; return e })()", "v => v.stack === 'custom'"),
            ("(() => { const e = new Error('x'); e.cause = e; return e })()", "v => v.cause === v"),
        ] {
            round_trip(s, expr, check);
        }
    });
}

#[test]
fn buffers_and_views_round_trip() {
    with_isolate(|s| {
        for (expr, check) in [
            ("new Uint8Array([1, 2, 3]).buffer", "v => v instanceof ArrayBuffer && new Uint8Array(v).join() === '1,2,3'"),
            ("new ArrayBuffer(0)", "v => v instanceof ArrayBuffer && v.byteLength === 0"),
            ("(() => { const b = new ArrayBuffer(4, {maxByteLength: 16}); new Uint8Array(b)[3] = 9; return b })()",
             "v => v.byteLength === 4 && !v.resizable && new Uint8Array(v)[3] === 9"),
            ("new Int16Array(new ArrayBuffer(16), 4, 3)", "v => v instanceof Int16Array && v.byteOffset === 4 && v.length === 3 && v.buffer.byteLength === 16"),
            ("new DataView(new ArrayBuffer(8), 2, 4)", "v => v instanceof DataView && v.byteOffset === 2 && v.byteLength === 4"),
            ("(() => { const b = new ArrayBuffer(16); return [new Uint8Array(b), new DataView(b), b] })()",
             "v => v[0].buffer === v[1].buffer && v[2] === v[0].buffer"),
            ("new BigInt64Array([-1n, 2n])", "v => v instanceof BigInt64Array && v[0] === -1n"),
            ("new BigUint64Array([2n ** 64n - 1n])", "v => v[0] === 2n ** 64n - 1n"),
            ("[Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array].map(C => new C([1, 2]))",
             "v => v.map(a => a.constructor.name + a.join()).join() === 'Int8Array1,2,Uint8Array1,2,Uint8ClampedArray1,2,Int16Array1,2,Uint16Array1,2,Int32Array1,2,Uint32Array1,2,Float32Array1,2,Float64Array1,2'"),
        ] {
            round_trip(s, expr, check);
        }
    });
}

#[test]
fn cycles_and_shared_identity() {
    with_isolate(|s| {
        for (expr, check) in [
            ("(() => { const o = {}; o.self = o; return o })()", "v => v.self === v"),
            ("(() => { const x = {}; return [x, x, {x}] })()", "v => v[0] === v[1] && v[2].x === v[0]"),
            ("(() => { const m = new Map(); m.set(m, m); return m })()", "v => v.get(v) === v"),
            ("(() => { const s = new Set(); s.add(s); return s })()", "v => v.has(v)"),
            ("(() => { const a = [1]; a.push(a); return a })()", "v => v[1] === v"),
            ("(() => { const a = []; a[100] = a; return a })()", "v => v[100] === v && v.length === 101"),
            ("(() => { const d = new Date(5); return {a: d, b: d} })()", "v => v.a === v.b"),
        ] {
            round_trip(s, expr, check);
        }
    });
}

#[test]
fn shared_array_buffers_share_memory() {
    with_isolate(|s| {
        let code = "(() => { const b = new SharedArrayBuffer(16); globalThis.sab = b; return [b, new Int32Array(b, 4, 2), new DataView(b, 8), b] })()";
        let payload = encode_js(s, code, "value").unwrap();
        assert_eq!(payload.shared.len(), 1);
        assert!(payload.transferred.is_empty());
        let context = v8::Context::new(s);
        {
            let s = &mut v8::ContextScope::new(s, context);
            let v = decode(s, payload).unwrap();
            let check = "v => v[0] instanceof SharedArrayBuffer && v[1].buffer === v[0] && v[2].buffer === v[0] && v[3] === v[0] && v[1].byteOffset === 4 && v[2].byteOffset === 8";
            assert!(call(s, check, v).is_true());
            call(s, "v => { v[1][0] = 77; v[2].setUint8(0, 5) }", v);
        }
        assert!(eval(s, "new Int32Array(sab)[1] === 77 && new Uint8Array(sab)[8] === 5").is_true());
    });
}

#[test]
fn transfer_moves_memory_and_detaches() {
    with_isolate(|s| {
        let value = eval(s, "globalThis.ab = new Uint8Array([1, 2, 3]).buffer; ({ a: ab, view: new Uint8Array(ab, 1) })");
        let ab = v8::Local::<v8::ArrayBuffer>::try_from(eval(s, "ab")).unwrap();
        let data = ab.data();
        let payload = encode(s, value, "value", &[ab, ab]).unwrap();
        assert_eq!(payload.transferred.len(), 1);
        assert_eq!(payload.transferred[0].as_ptr() as *mut std::ffi::c_void, data.unwrap().as_ptr());
        assert!(eval(s, "ab.detached && ab.byteLength === 0").is_true());
        let context = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, context);
        let v = decode(s, payload).unwrap();
        assert!(call(s, "v => v.a.byteLength === 3 && v.view.buffer === v.a && v.view.join() === '2,3'", v).is_true());
    });
}

#[test]
fn failed_encode_does_not_detach() {
    with_isolate(|s| {
        let value = eval(s, "globalThis.ab = new ArrayBuffer(8); ({ ab, f() {} })");
        let ab = v8::Local::<v8::ArrayBuffer>::try_from(eval(s, "ab")).unwrap();
        let err = encode(s, value, "args", &[ab]).err().unwrap();
        assert_eq!(err.to_string(), "args.f is a function and cannot be cloned");
        assert!(eval(s, "!ab.detached && ab.byteLength === 8").is_true());
        let detached = v8::Local::<v8::ArrayBuffer>::try_from(eval(s, "const d = new ArrayBuffer(1); d.transfer(); d")).unwrap();
        let none = v8::undefined(s).into();
        let err = encode(s, none, "args", &[detached]).err().unwrap();
        assert_eq!(err.to_string(), "transfer list item 0 is a detached ArrayBuffer and cannot be transferred");
    });
}

#[test]
fn clone_errors_name_the_path() {
    with_isolate(|s| {
        for (root, code, message) in [
            ("args", "[1, {handler: () => 1}]", "args[1].handler is a function and cannot be cloned"),
            ("result", "({map: new Map([[1, Symbol('x')]])})", "result.map[0] is a symbol and cannot be cloned"),
            ("result", "({handler() {}})", "result.handler is a function and cannot be cloned"),
            ("value", "({'a-b': new WeakMap()})", "value[\"a-b\"] is a WeakMap and cannot be cloned"),
            ("value", "({s: new Set([1, new WeakSet()])})", "value.s[1] is a WeakSet and cannot be cloned"),
            ("value", "({w: new WeakRef({})})", "value.w is a WeakRef and cannot be cloned"),
            ("value", "[Promise.resolve()]", "value[0] is a Promise and cannot be cloned"),
            ("value", "Symbol('root')", "value is a symbol and cannot be cloned"),
            ("value", "({e: Object.assign(new Error('x'), {cause: () => 1})})", "value.e.cause is a function and cannot be cloned"),
            (
                "value",
                "(() => { const a = []; a[5000000] = {q: Symbol()}; return a })()",
                "value[5000000].q is a symbol and cannot be cloned",
            ),
            ("message", "({'0': Object(Symbol())})", "message[\"0\"] is a Symbol object and cannot be cloned"),
            (
                "value",
                "(() => { const b = new ArrayBuffer(8); const t = new Uint8Array(b); b.transfer(); return {t} })()",
                "value.t.buffer is a detached ArrayBuffer and cannot be cloned",
            ),
            ("value", "(function* () {})()", "value is a generator and cannot be cloned"),
        ] {
            match encode_js(s, code, root) {
                Err(EncodeError::Clone(m)) => assert_eq!(m, message, "{code}"),
                Err(e) => panic!("{code}: {e:?}"),
                Ok(_) => panic!("{code}: encoded"),
            }
        }
    });
}

#[test]
fn proxies_are_refused_before_any_trap() {
    with_isolate(|s| {
        let code = "globalThis.traps = 0; const h = new Proxy({}, { ownKeys() { traps++; return [] }, get() { traps++ }, getPrototypeOf() { traps++; return null } }); ({p: h})";
        match encode_js(s, code, "value") {
            Err(EncodeError::Clone(m)) => assert_eq!(m, "value.p is a Proxy and cannot be cloned"),
            _ => panic!("proxy encoded"),
        }
        assert!(eval(s, "traps === 0").is_true());
    });
}

#[test]
fn a_proxy_prototype_runs_no_trap() {
    with_isolate(|s| {
        let setup = "globalThis.traps = []; globalThis.p = new Proxy({}, new Proxy({}, { get: (_, t) => (...a) => { traps.push(t); return Reflect[t](...a) } }))";
        eval(s, setup);
        for (expr, check) in [
            ("Object.setPrototypeOf({ a: 1 }, p)", "v => v.a === 1 && Object.keys(v).length === 1"),
            ("Object.setPrototypeOf({ a: 1 }, Object.create(p))", "v => v.a === 1"),
            ("Object.setPrototypeOf([1, , 3], p)", "v => v.length === 3 && !(1 in v)"),
            (
                "(() => { const e = new RangeError('m'); e.code = 'E'; return Object.setPrototypeOf(e, p) })()",
                "v => v instanceof Error && v.name === 'Error' && v.message === 'm' && v.code === 'E'",
            ),
        ] {
            for root in ["value", "result"] {
                eval(s, "traps.length = 0");
                round_trip_as(s, expr, check, root);
                assert!(eval(s, "traps.length === 0").is_true(), "{expr} as {root}: a trap ran");
            }
        }
    });
}

/// [`round_trip`] with the value encoded as `root` ("result" tries V8's serializer first).
fn round_trip_as(s: &mut v8::HandleScope, expr: &str, check: &str, root: &str) {
    let payload = encode_js(s, &format!("({expr})"), root).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let tc = &mut v8::TryCatch::new(s);
    let decoded = decode(tc, payload).unwrap_or_else(|e| panic!("{expr}: {e}"));
    assert!(call(tc, check, decoded).is_true(), "{expr}: check {check} failed");
    assert!(!tc.has_caught());
}

#[test]
fn getters_run_once_and_exceptions_stay_pending() {
    with_isolate(|s| {
        let value = eval(s, "globalThis.n = 0; const g = { get x() { return ++n } }; ({a: g, b: g})");
        encode(s, value, "value", &[]).unwrap();
        assert!(eval(s, "n === 1").is_true());

        for code in [
            "({ get x() { throw new Error('boom') } })",
            "(() => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('boom') } }); return e })()",
        ] {
            let value = eval(s, code);
            let tc = &mut v8::TryCatch::new(s);
            assert!(matches!(encode(tc, value, "value", &[]), Err(EncodeError::Exception)), "{code}");
            assert!(tc.has_caught());
            let message = tc.exception().unwrap().to_rust_string_lossy(tc);
            assert_eq!(message, "Error: boom");
        }
    });
}

#[test]
fn deleted_keys_are_skipped() {
    with_isolate(|s| {
        round_trip(s, "({ get a() { delete this.b; return 1 }, b: 2, c: 3 })", "v => Object.keys(v).join() === 'a,c'");
    });
}

#[test]
fn decoding_ignores_tampered_globals_and_prototypes() {
    with_isolate(|s| {
        let code = "[{a: 1, __proto__x: 2}, [1, 2], new DataView(new SharedArrayBuffer(4)), /r/g, new URIError('u'), new Number(1)]";
        let payload = encode_js(s, code, "value").unwrap();
        let context = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, context);
        eval(
            s,
            "for (const k of ['0', '1', 'a']) { Object.defineProperty(Object.prototype, k, { set() { throw new Error('setter ran') } }) }
             Object.defineProperty(Array.prototype, '0', { set() { throw new Error('setter ran') } });
             globalThis.DataView = globalThis.RegExp = globalThis.URIError = globalThis.Number = null;",
        );
        let tc = &mut v8::TryCatch::new(s);
        let v = decode(tc, payload).unwrap();
        let check = "v => v[0].a === 1 && v[1][0] === 1 && Object.prototype.toString.call(v[2]) === '[object DataView]' && v[3].flags === 'g' && v[4].name === 'URIError' && typeof v[5] === 'object'";
        assert!(call(tc, check, v).is_true());
        assert!(!tc.has_caught());
    });
}

#[test]
fn resizable_buffers_go_as_plain_ones() {
    with_isolate(|s| {
        round_trip(
            s,
            "(() => { const b = new ArrayBuffer(4, {maxByteLength: 8}); const t = new Uint8Array(b); t[1] = 5; return t })()",
            "v => v.length === 4 && v[1] === 5 && !v.buffer.resizable",
        );
        let value = eval(s, "globalThis.rb = new ArrayBuffer(3, {maxByteLength: 8}); new Uint8Array(rb)[2] = 9; [rb]");
        let ab = v8::Local::<v8::ArrayBuffer>::try_from(eval(s, "rb")).unwrap();
        let payload = encode(s, value, "value", &[ab]).unwrap();
        assert!(eval(s, "rb.detached").is_true());
        let context = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, context);
        let v = decode(s, payload).unwrap();
        assert!(call(s, "v => v[0].byteLength === 3 && !v[0].resizable && new Uint8Array(v[0])[2] === 9", v).is_true());
    });
}

#[test]
fn call_arguments_are_the_array_elements_fast_path_or_not() {
    with_isolate(|s| {
        for (expr, check) in [
            // a few primitives: read straight into the list
            (
                "[1, 'a', 'é€', null, undefined, true, 2.5, 10n]",
                "a => a.length === 8 && a[0] === 1 && a[2] === 'é€' && a[4] === undefined && a[7] === 10n",
            ),
            ("[]", "a => a.length === 0"),
            // anything else: the array is decoded whole, then read back
            ("[{a: 1}, [2]]", "a => a.length === 2 && a[0].a === 1 && a[1][0] === 2"),
            ("Object.assign([1, 2], {x: 3})", "a => a.length === 2 && a[1] === 2"),
            ("[1, , 3]", "a => a.length === 3 && a[1] === undefined && a[2] === 3"),
            ("(() => { const o = {}; return [o, o] })()", "a => a[0] === a[1]"),
            ("Array.from({length: 17}, (_, i) => i)", "a => a.length === 17 && a[16] === 16"),
            ("42", "a => a.length === 1 && a[0] === 42"),
        ] {
            let payload = encode_js(s, &format!("({expr})"), "args").unwrap_or_else(|e| panic!("{expr}: {e}"));
            let tc = &mut v8::TryCatch::new(s);
            let args = super::decode_args(tc, payload, None).unwrap_or_else(|e| panic!("{expr}: {e}"));
            let list = v8::Array::new_with_elements(tc, &args).into();
            assert!(call(tc, check, list).is_true(), "{expr}: check {check} failed");
        }
    });
}

#[test]
fn call_arguments_refuse_malformed_input_either_way() {
    with_isolate(|s| {
        let tc = &mut v8::TryCatch::new(s);
        // An array of one INT32 whose END is missing, and one with a truncated string.
        for bytes in [
            vec![super::tags::VERSION, super::tags::ARRAY, 1, 0, 0, 0, super::tags::INT32, 1, 0, 0, 0],
            vec![super::tags::VERSION, super::tags::ARRAY, 1, 0, 0, 0, super::tags::STRING_LATIN1, 9, 0, 0, 0, b'a'],
        ] {
            let payload = Payload { bytes: bytes.into(), ..Default::default() };
            assert!(super::decode_args(tc, payload, None).is_err());
            assert!(!tc.has_caught());
        }
    });
}

#[test]
fn big_result_buffers_go_as_a_moved_copy() {
    with_isolate(|s| {
        let value = eval(
            s,
            "globalThis.big = new Uint8Array(100000).map((_, i) => i & 255); \
             [big, new Uint16Array(big.buffer, 2, 3), new Uint8Array(10)]",
        );
        let tc = &mut v8::TryCatch::new(s);
        let payload = encode(tc, value, "result", &[]).unwrap();
        // The big buffer (once, for both views) is a copy; the small one inline.
        assert_eq!(payload.transferred.len(), 1);
        assert!(payload.bytes.len() < 1000);
        assert!(eval(tc, "!big.buffer.detached && big.byteLength === 100000").is_true());
        let context = v8::Context::new(tc);
        let s = &mut v8::ContextScope::new(tc, context);
        let v = decode(s, payload).unwrap();
        assert!(call(
            s,
            "v => v[0].length === 100000 && v[0][99999] === (99999 & 255) && v[1].buffer === v[0].buffer \
             && v[1].byteOffset === 2 && v[2].length === 10",
            v
        )
        .is_true());
    });
}

#[test]
fn long_two_byte_strings_round_trip_at_any_offset() {
    with_isolate(|s| {
        round_trip(
            s,
            "['x', 'é€\\ud800'.repeat(50000), 'ab', '\\udc00€'.repeat(3)]",
            "v => v[1] === 'é€\\ud800'.repeat(50000) && v[3] === '\\udc00€'.repeat(3) && v[2] === 'ab'",
        );
    });
}

fn latin1(text: &str) -> Vec<u8> {
    let mut b = vec![super::tags::STRING_LATIN1];
    b.extend((text.len() as u32).to_le_bytes());
    b.extend(text.as_bytes());
    b
}

fn tagged(tag: u8, n: u32) -> Vec<u8> {
    let mut b = vec![tag];
    b.extend(n.to_le_bytes());
    b
}

fn shape(keys: &[&str]) -> Vec<u8> {
    let mut b = tagged(super::tags::SHAPE, keys.len() as u32);
    keys.iter().for_each(|k| b.extend(latin1(k)));
    b
}

/// An encoded array of `items`, after a first element that sends the payload
/// down one decoder: an int (one pass), a long string (V8's deserializer), an
/// Error (the general builder).
fn shaped_array(lead: usize, items: &[Vec<u8>]) -> Vec<u8> {
    use super::tags::*;
    let first = match lead {
        0 => tagged(INT32, 0),
        1 => latin1(&"x".repeat(300)),
        _ => [vec![ERROR], latin1("Error"), latin1("m"), vec![UNDEFINED, END]].concat(),
    };
    let mut b = [vec![VERSION], tagged(ARRAY, items.len() as u32 + 1), first].concat();
    items.iter().for_each(|i| b.extend(i));
    b.push(END);
    b
}

#[test]
fn shaped_objects_decode_alike_in_every_decoder() {
    use super::tags::*;
    with_isolate(|s| {
        let context = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, context);
        let tc = &mut v8::TryCatch::new(s);
        for lead in 0..3 {
            let base = if lead == 2 { 2 } else { 1 }; // the array is id 0, an Error id 1
            let items = [
                [shape(&["a", "b"]), tagged(INT32, 1), shape(&["x"]), tagged(INT32, 7)].concat(),
                // Shape 0 again, its `b` the object of shape 1 (one graph).
                [tagged(SHAPED, 0), tagged(INT32, 2), tagged(BACKREF, base + 1)].concat(),
                // The same keys in another order: another shape.
                [shape(&["b", "a"]), tagged(INT32, 3), tagged(INT32, 4)].concat(),
                [tagged(SHAPED, 1), tagged(SHAPED, 2), tagged(INT32, 5), tagged(INT32, 6)].concat(),
            ];
            let bytes = shaped_array(lead, &items);
            assert_eq!(bytes.len() >= super::to_v8::MIN_BYTES, lead == 1);
            let v = decode(tc, Payload { bytes: bytes.into(), ..Default::default() }).unwrap_or_else(|e| panic!("lead {lead}: {e}"));
            let check = "v => v[1].a === 1 && v[1].b.x === 7 && v[2].a === 2 && v[2].b === v[1].b \
                         && Object.keys(v[2]).join() === 'a,b' && Object.keys(v[3]).join() === 'b,a' && v[3].a === 4 \
                         && v[4].x.b === 5 && v[4].x.a === 6 && Object.getPrototypeOf(v[4]) === Object.prototype";
            assert!(call(tc, check, v).is_true(), "lead {lead}");
        }
    });
}

#[test]
fn thousands_of_shapes_decode() {
    use super::tags::*;
    with_isolate(|s| {
        let tc = &mut v8::TryCatch::new(s);
        for lead in 1..3 {
            let mut items: Vec<Vec<u8>> = (0..3000).map(|i| [shape(&[&format!("k{i}")]), tagged(INT32, i)].concat()).collect();
            items.push([tagged(SHAPED, 2999), tagged(INT32, u32::MAX)].concat());
            let bytes = shaped_array(lead, &items);
            let v = decode(tc, Payload { bytes: bytes.into(), ..Default::default() }).unwrap_or_else(|e| panic!("lead {lead}: {e}"));
            assert!(call(tc, "v => v.length === 3002 && v[3000].k2999 === 2999 && v[3001].k2999 === -1", v).is_true());
        }
    });
}

#[test]
fn malformed_shapes_are_errors_in_every_decoder() {
    use super::tags::*;
    with_isolate(|s| {
        let tc = &mut v8::TryCatch::new(s);
        let many: Vec<String> = (0..257).map(|i| format!("k{i}")).collect();
        let many: Vec<&str> = many.iter().map(|k| k.as_str()).collect();
        let cases: [(&str, Vec<u8>); 9] = [
            ("unknown shape", [tagged(SHAPED, 0), tagged(INT32, 1)].concat()),
            ("shape named before it is read", [tagged(SHAPED, 1), shape(&["a"]), tagged(INT32, 1)].concat()),
            ("too few values", [shape(&["a", "b"]), tagged(INT32, 1)].concat()),
            ("too few values when shaped", [shape(&["a"]), tagged(INT32, 1), tagged(SHAPED, 0)].concat()),
            ("no keys", tagged(SHAPE, 0)),
            ("257 keys", [shape(&many), tagged(INT32, 1)].concat()),
            ("repeated key", [shape(&["a", "a"]), tagged(INT32, 1), tagged(INT32, 2)].concat()),
            ("index key", [shape(&["a", "7"]), tagged(INT32, 1), tagged(INT32, 2)].concat()),
            ("__proto__ key", [shape(&["__proto__"]), tagged(INT32, 1)].concat()),
        ];
        for (what, item) in cases {
            for lead in 0..3 {
                let bytes = shaped_array(lead, std::slice::from_ref(&item));
                let got = decode(tc, Payload { bytes: bytes.clone().into(), ..Default::default() });
                assert!(got.is_err(), "{what}, lead {lead}: decoded");
                assert!(
                    super::decode_args(tc, Payload { bytes: bytes.into(), ..Default::default() }, None).is_err(),
                    "{what}, lead {lead}: as arguments"
                );
                assert!(!tc.has_caught(), "{what}, lead {lead}: an exception was left");
            }
        }
    });
}
