//! The V8-serializer path of large results: byte for byte what our walker
//! writes, and a fallback to the walker, before any user code ran, for
//! whatever it does not take.

use super::external::Input;
use super::tags::*;
use super::tests::{encode_js, eval, with_isolate};
use super::{decode, encode, to_v8, v8_wire, EncodeError};
use crate::runtime::payload::{Payload, SharedMemory};

/// Values of every kind the translations take (each to be wrapped in `(…)`).
const VALUES: [&str; 19] = [
    "Array.from({ length: 100 }, (_, i) => ({ id: i, name: 'user' + i, tags: ['a' + (i % 7), 'b'], score: i * 0.5 }))",
    "{ page: 1, items: [1, 2.5, -0, NaN, Infinity, -1, 2147483647, 2147483648, -2147483649], s: 'é€', t: 'x'.repeat(300) }",
    "{ 1: 'a', 0: 'b', x: 1, 4294967294: 2, '-1': 3, ['__proto__']: 5 }",
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
    "Array.from({ length: 20 }, (_, i) => i)",
];

/// The expression through V8's serializer (which must take it) and through
/// our walker ("value" never takes the V8 path): the same bytes.
fn same_bytes(s: &mut v8::HandleScope, expr: &str) {
    let value = eval(s, &format!("({expr})"));

    let (bytes, _, _) = v8_wire::encode(s, value, false).unwrap().unwrap_or_else(|| panic!("{expr}: V8 path gave up"));
    let ours = encode_js(s, &format!("({expr})"), "value").unwrap();
    assert_eq!(bytes, ours.bytes, "{expr}");
}

#[test]
fn translation_matches_our_walker() {
    with_isolate(|s| {
        for expr in VALUES {
            same_bytes(s, expr);
        }
    });
}

/// Our bytes built by V8 (which must take them), then walked again: the
/// same bytes.
fn builds_the_same(s: &mut v8::HandleScope, payload: Payload, expr: &str) {
    let bytes = payload.bytes.clone();
    let context = v8::Context::new(s);
    let s = &mut v8::ContextScope::new(s, context);
    let tc = &mut v8::TryCatch::new(s);
    let built = to_v8::decode(tc, &Input::from(payload)).unwrap_or_else(|| panic!("{expr}: V8 build gave up")).unwrap();
    let again = encode(tc, built, "value", &[]).unwrap();
    assert_eq!(again.bytes, bytes, "{expr}");
    assert!(!tc.has_caught());
}

#[test]
fn v8_builds_what_our_decoder_builds() {
    with_isolate(|s| {
        for expr in VALUES {
            let payload = encode_js(s, &format!("({expr})"), "value").unwrap();
            builds_the_same(s, payload, expr);
        }
        let value = eval(s, "globalThis.ab = new Uint8Array([1, 2, 3]).buffer; ({ a: ab, view: new Uint8Array(ab, 1) })");
        let ab = v8::Local::<v8::ArrayBuffer>::try_from(eval(s, "ab")).unwrap();
        let payload = encode(s, value, "value", &[ab]).unwrap();
        let tc = &mut v8::TryCatch::new(s);
        let built = to_v8::decode(tc, &Input::from(payload)).unwrap().unwrap();
        let global = tc.get_current_context().global(tc);
        let key = v8::String::new(tc, "v").unwrap();
        global.set(tc, key.into(), built).unwrap();
        assert!(eval(tc, "v.a.byteLength === 3 && v.view.buffer === v.a && v.view.join() === '2,3' && v.a !== ab").is_true());
    });
}

#[test]
fn v8_build_gives_up_on_what_it_cannot_carry() {
    with_isolate(|s| {
        for expr in ["[1, Object.assign(new TypeError('t'), { code: 'E' })]", "[new Error('x', { cause: 1 })]"] {
            let payload = encode_js(s, &format!("({expr})"), "value").unwrap();
            let tc = &mut v8::TryCatch::new(s);
            assert!(to_v8::decode(tc, &Input::from(payload)).is_none(), "{expr}");
            assert!(!tc.has_caught());
        }
        let mut length_key = vec![VERSION, ARRAY, 1, 0, 0, 0, INT32, 1, 0, 0, 0, STRING_LATIN1, 6, 0, 0, 0];
        length_key.extend(b"length");
        length_key.extend([INT32, 9, 0, 0, 0, END]);
        let truncated = encode_js(s, "({ a: [1, 2, 3] })", "value").unwrap().bytes[..8].to_vec();
        for bytes in [length_key, truncated] {
            let tc = &mut v8::TryCatch::new(s);
            assert!(to_v8::decode(tc, &Input::from(Payload { bytes: bytes.into(), ..Default::default() })).is_none());
            assert!(!tc.has_caught());
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
            let tc = &mut v8::TryCatch::new(s);
            assert!(matches!(v8_wire::encode(tc, value, false), Ok(None)), "{expr}");
            assert!(!tc.has_caught(), "{expr}: an exception was left behind");
            assert!(eval(tc, "ran === 0").is_true(), "{expr}: user code ran");
        }
        // An object with an internal field (a host object, as shared-value
        // handles are): V8 itself refuses it, deep inside a large value.
        let template = v8::ObjectTemplate::new(s);
        template.set_internal_field_count(1);
        let host = template.new_instance(s).unwrap();
        let rows = eval(s, "Array.from({ length: 100 }, (_, i) => ({ id: i, tags: ['a', 'b'] }))");
        let rows = v8::Local::<v8::Array>::try_from(rows).unwrap();
        let row = v8::Local::<v8::Object>::try_from(rows.get_index(s, 70).unwrap()).unwrap();
        let key = v8::String::new(s, "host").unwrap();
        row.set(s, key.into(), host.into()).unwrap();
        {
            let tc = &mut v8::TryCatch::new(s);
            assert!(matches!(v8_wire::encode(tc, rows.into(), true), Ok(None)), "a host object was serialized");
            assert!(!tc.has_caught(), "a host object: an exception was left behind");
        }
        // Through encode(): the walker runs the getter once and names paths.
        let payload = encode_js(s, "(() => { globalThis.ran = 0; const a = Array.from({ length: 20 }, () => ({})); Object.defineProperty(a[5], 'x', { get() { ran++; return 1 }, enumerable: true }); return a })()", "result");
        assert!(payload.is_ok());
        assert!(eval(s, "ran === 1").is_true());
        let err = encode_js(s, "Array.from({ length: 20 }, (_, i) => i === 7 ? { f: () => 1 } : i)", "result").err().unwrap();
        assert!(matches!(&err, EncodeError::Clone(m) if m == "result[7].f is a function and cannot be cloned"), "{err:?}");
    });
}

fn store(len: usize, shared: bool) -> SharedMemory {
    let s = if shared {
        v8::SharedArrayBuffer::new_backing_store_from_vec(vec![0; len]).make_shared()
    } else {
        v8::ArrayBuffer::new_backing_store_from_vec(vec![0; len]).make_shared()
    };
    SharedMemory::from_backing_store(s)
}

fn payload(data: &[u8]) -> Option<Payload> {
    let (&mode, bytes) = data.split_first()?;
    let mut p = Payload { bytes: bytes.to_vec().into(), ..Default::default() };
    if mode & 1 == 1 {
        p.shared = vec![store(64, true), store(16, true), store(0, true), store(64, false)];
        p.transferred = vec![store(64, false), store(16, false), store(0, false), store(64, true)];
    }
    Some(p)
}

/// Corpus inputs of the fuzz targets, mutated: whatever V8 builds, ours
/// builds too, and both walk back to the same bytes.
#[test]
fn v8_build_agrees_with_ours_on_mutated_inputs() {
    with_isolate(|s| {
        let mut seed = 12345u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut v8_ok, mut both, mut total) = (0, 0, 0);
        for entry in std::fs::read_dir("fuzz/corpus/decode").unwrap().chain(std::fs::read_dir("fuzz/corpus/roundtrip").unwrap()) {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            for round in 0..300 {
                let mut d = data.clone();
                if round > 0 && !d.is_empty() {
                    for _ in 0..(1 + rnd() % 3) {
                        let i = (rnd() as usize) % d.len();
                        d[i] = rnd() as u8;
                    }
                    if rnd() % 5 == 0 {
                        let i = (rnd() as usize) % d.len();
                        d.truncate(i.max(1));
                    }
                }
                let Some(p1) = payload(&d) else { continue };
                let Some(p2) = payload(&d) else { continue };
                total += 1;
                let s = &mut v8::HandleScope::new(s);
                let tc = &mut v8::TryCatch::new(s);
                let via_v8 = to_v8::decode(tc, &Input::from(p1));
                assert!(!tc.has_caught());
                let ours = decode(tc, p2);
                tc.reset();
                if let Some(r) = via_v8 {
                    let v = r.unwrap();
                    v8_ok += 1;
                    let a = encode(tc, v, "value", &[]);
                    if let Ok(o) = ours {
                        both += 1;
                        let b = encode(tc, o, "value", &[]);
                        match (a, b) {
                            (Ok(a), Ok(b)) => assert_eq!(a.bytes, b.bytes, "input {:?}", d),
                            (a, b) => panic!("encode differs {:?} {:?} for {:?}", a.err(), b.err(), d),
                        }
                    } else {
                        panic!("V8 built what ours refuses: {:?} ({:?})", d, ours.err());
                    }
                }
                tc.reset();
            }
        }
        assert!(v8_ok > total / 20 && both == v8_ok, "{v8_ok} of {total} built by V8");
    });
}

/// `s` as a STRING_LATIN1 value.
fn latin1(s: &str) -> Vec<u8> {
    let mut out = vec![STRING_LATIN1];
    out.extend((s.len() as u32).to_le_bytes());
    out.extend(s.bytes());
    out
}

/// An INT32 value.
fn int(n: i32) -> Vec<u8> {
    let mut out = vec![INT32];
    out.extend(n.to_le_bytes());
    out
}

/// Records whose key list repeats: the first OBJECT, the second SHAPE, the
/// rest SHAPED; an outer object gets its shape number after the inner
/// one's SHAPE (the order a decoder reads them), and objects with an index
/// key or `__proto__` stay OBJECT.
#[test]
fn repeated_key_lists_become_shapes_in_reading_order() {
    with_isolate(|s| {
        let expr = "Array.from({ length: 5 }, (_, i) => ({ id: i, meta: { rank: i + 1 } }))";
        let value = eval(s, &format!("({expr})"));
        let (bytes, _, _) = v8_wire::encode(s, value, true).unwrap().unwrap();
        let mut want = vec![VERSION, ARRAY, 5, 0, 0, 0];
        let pair = |k: &str, v: Vec<u8>| [latin1(k), v].concat();
        let meta = |i: i32| [vec![OBJECT], pair("rank", int(i + 1)), vec![END]].concat();
        want.extend([vec![OBJECT], pair("id", int(0)), pair("meta", meta(0)), vec![END]].concat());
        let meta_shape = [vec![SHAPE, 1, 0, 0, 0], latin1("rank"), int(2)].concat();
        want.extend([vec![OBJECT], pair("id", int(1)), pair("meta", meta_shape), vec![END]].concat());
        let meta_shaped = |i: i32| [vec![SHAPED, 0, 0, 0, 0], int(i + 1)].concat();
        want.extend([vec![SHAPE, 2, 0, 0, 0], latin1("id"), latin1("meta"), int(2), meta_shaped(2)].concat());
        for i in 3..5 {
            want.extend([vec![SHAPED, 1, 0, 0, 0], int(i), meta_shaped(i)].concat());
        }
        want.push(END);
        // V8's bytes of this value are under SHAPES_FROM: pad it past.
        let padded = eval(s, &format!("[{expr}, 'x'.repeat(300)]"));
        let (padded, _, _) = v8_wire::encode(s, padded, true).unwrap().unwrap();
        assert_eq!(&padded[6..6 + want.len() - 1], &want[1..], "{expr}");
        assert_eq!(bytes, encode_js(s, &format!("({expr})"), "value").unwrap().bytes, "small: no shapes");

        for expr in [
            "[Array.from({ length: 30 }, (_, i) => ({ [i % 2 ? 'a' : '7']: i })), 'x'.repeat(300)]",
            "[Array.from({ length: 30 }, () => JSON.parse('{\"__proto__\": 1}')), 'x'.repeat(300)]",
            "[Array.from({ length: 3 }, () => ({ a: { a: { a: 1 } } })), 'x'.repeat(300)]",
        ] {
            let value = eval(s, expr);
            let (bytes, _, _) = v8_wire::encode(s, value, true).unwrap().unwrap();
            let shapes = bytes.windows(5).filter(|w| w[0] == SHAPE && w[1..] == 1u32.to_le_bytes()).count();
            let walker = encode_js(s, expr, "value").unwrap().bytes;
            if expr.contains("__proto__") {
                assert_eq!(bytes, walker, "{expr}");
            } else if expr.contains("a: { a:") {
                // The first middle object is SHAPE 0, its outer one stays
                // OBJECT (SHAPED before SHAPE would name an unread shape),
                // then all six of the next two records are SHAPED 0.
                let tags: Vec<u8> = bytes.iter().copied().filter(|&b| b == SHAPE || b == SHAPED).collect();
                assert_eq!(tags, [SHAPE, SHAPED, SHAPED, SHAPED, SHAPED, SHAPED, SHAPED], "{expr}");
            } else {
                assert_eq!(shapes, 1, "{expr}: only the 'a' objects are a shape");
            }
        }
    });
}
