//! The V8-serializer path of large results: byte for byte what our walker
//! writes, and a fallback to the walker, before any user code ran, for
//! whatever it does not take.

use super::encode::shared_value_key;
use super::tests::{encode_js, eval, with_isolate};
use super::{v8_wire, EncodeError};

/// The expression through V8's serializer (which must take it) and through
/// our walker ("value" never takes the V8 path): the same bytes.
fn same_bytes(s: &mut v8::HandleScope, expr: &str) {
    let value = eval(s, &format!("({expr})"));

    let key = shared_value_key(s).unwrap();
    let (bytes, _) = v8_wire::encode(s, value, key).unwrap().unwrap_or_else(|| panic!("{expr}: V8 path gave up"));
    let ours = encode_js(s, &format!("({expr})"), "value").unwrap();
    assert_eq!(bytes, ours.bytes, "{expr}");
}

#[test]
fn translation_matches_our_walker() {
    with_isolate(|s| {
        let big = "Array.from({ length: 20 }, (_, i) => i)";
        for expr in [
            "Array.from({ length: 100 }, (_, i) => ({ id: i, name: 'user' + i, tags: ['a' + (i % 7), 'b'], score: i * 0.5 }))",
            "{ page: 1, items: [1, 2.5, -0, NaN, Infinity, -1, 2147483647, 2147483648, -2147483649], s: 'é€', t: 'x'.repeat(300) }",
            "{ 1: 'a', 0: 'b', x: 1, 4294967294: 2, '-1': 3 }",
            "(() => { const t = ['t']; return Array.from({ length: 20 }, (_, i) => ({ i, t })) })()",
            "(() => { const a = Array(20); a.fill(1); a.extra = 'named'; return a })()",
            "(() => { const a = Array(40); for (let i = 0; i < 40; i += 2) a[i] = i; return a })()",
            "(() => { const a = Array(100); a[3] = 1; a[50] = { x: 1 }; a.name = 'n'; return a })()",
            "(() => { const a = Array.from({ length: 20 }, (_, i) => i); a.tag = 'x'; return a })()",
            "new Map(Array.from({ length: 20 }, (_, i) => ['k' + i, { i }]))",
            "new Set(Array.from({ length: 20 }, (_, i) => i % 2 ? 'v' + i : [i]))",
            "[new Date(5), /a+b/gimsuyd, Object(1.5), Object('str'), Object(true), Object(false), Object(12n), 5n, -(2n ** 70n), 0n]",
            "(() => { const ab = new ArrayBuffer(16); return [new Uint8Array(ab, 1, 3), new Float64Array(ab, 8, 1), new DataView(ab, 2, 4), ab, new Int16Array(4), new BigInt64Array(2)] })()",
            "(() => { const sab = new SharedArrayBuffer(8); return [new Int32Array(sab), sab, new Uint8Array(sab, 4)] })()",
            "(() => { const o = { list: [] }; o.self = o; o.list.push(o, o.list); return o })()",
            "['\\ud800', 'a\\udc00b'.repeat(40), 'plain', 'é'.repeat(20) + '€'.slice(0, 0)]",
            "(() => { const s = '€é'.repeat(10).replace(/€/g, ''); return { s, k: { [s]: 1 } } })()",
            "Object.assign(Object.create(null), { a: 1, b: [undefined, null, true, false] })",
            "new (class Point { constructor() { this.x = 1; this.y = [2] } })()",
            big,
        ] {
            same_bytes(s, expr);
        }
    });
}

#[test]
fn gives_up_before_user_code_runs() {
    with_isolate(|s| {
        for expr in [
            "(() => { globalThis.ran = 0; const a = Array.from({ length: 20 }, () => ({})); Object.defineProperty(a[5], 'x', { get() { ran++; return 1 }, enumerable: true }); return a })()",
            "Array.from({ length: 20 }, (_, i) => i === 7 ? Object.assign(new RangeError('r'), { code: 'E' }) : i)",
            "Array.from({ length: 20 }, (_, i) => i === 7 ? new Proxy({}, { ownKeys() { ran++; return [] } }) : i)",
            "Array.from({ length: 20 }, (_, i) => i === 7 ? () => 1 : i)",
            "Array.from({ length: 20 }, (_, i) => i === 7 ? Symbol('s') : i)",
        ] {
            eval(s, "globalThis.ran = 0");
            let value = eval(s, &format!("({expr})"));
            let key = shared_value_key(s).unwrap();
            let tc = &mut v8::TryCatch::new(s);
            assert!(matches!(v8_wire::encode(tc, value, key), Ok(None)), "{expr}");
            assert!(!tc.has_caught(), "{expr}: an exception was left behind");
            assert!(eval(tc, "ran === 0").is_true(), "{expr}: user code ran");
        }
        // Through encode(): the walker runs the getter once and names paths.
        let payload = encode_js(s, "(() => { globalThis.ran = 0; const a = Array.from({ length: 20 }, () => ({})); Object.defineProperty(a[5], 'x', { get() { ran++; return 1 }, enumerable: true }); return a })()", "result");
        assert!(payload.is_ok());
        assert!(eval(s, "ran === 1").is_true());
        let err = encode_js(s, "Array.from({ length: 20 }, (_, i) => i === 7 ? { f: () => 1 } : i)", "result").err().unwrap();
        assert!(matches!(&err, EncodeError::Clone(m) if m == "result[7].f is a function and cannot be cloned"), "{err:?}");
    });
}
