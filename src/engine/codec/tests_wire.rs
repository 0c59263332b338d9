//! Exact byte layouts, malformed input, depth limits and large values.

use super::tags::*;
use super::tests::{encode_js, eval, with_isolate};
use super::{decode, encode, DecodeError, EncodeError};
use crate::runtime::payload::{Payload, SharedMemory};

fn payload(bytes: Vec<u8>) -> Payload {
    Payload { bytes: bytes.into(), ..Default::default() }
}

/// Decode in a TryCatch: malformed input must leave no exception behind.
fn try_decode(s: &mut v8::HandleScope, bytes: Vec<u8>) -> Result<(), DecodeError> {
    try_decode_payload(s, payload(bytes))
}

fn try_decode_payload(s: &mut v8::HandleScope, p: Payload) -> Result<(), DecodeError> {
    let tc = &mut v8::TryCatch::new(s);
    let r = decode(tc, p).map(|_| ());
    assert!(!tc.has_caught(), "exception left pending");
    r
}

fn u32le(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

fn u64le(v: u64) -> [u8; 8] {
    v.to_le_bytes()
}

#[test]
fn exact_byte_layouts() {
    with_isolate(|s| {
        assert_eq!(encode_js(s, "21", "value").unwrap().bytes, [1, 4, 21, 0, 0, 0]);
        assert_eq!(encode_js(s, "'hi'", "value").unwrap().bytes, [1, 7, 2, 0, 0, 0, 104, 105]);
        assert_eq!(encode_js(s, "({})", "value").unwrap().bytes, [1, 9, 255]);
        assert_eq!(encode_js(s, "-0", "value").unwrap().bytes, [&[1, 5][..], &(-0f64).to_le_bytes()].concat());
        assert_eq!(encode_js(s, "'\\u0100'", "value").unwrap().bytes, [1, 8, 1, 0, 0, 0, 0, 1]);
        assert_eq!(encode_js(s, "-1n", "value").unwrap().bytes, [&[1, 6, 1, 1, 0, 0, 0][..], &u64le(1)].concat());
        assert_eq!(encode_js(s, "[1, , 2]", "value").unwrap().bytes, [1, 10, 3, 0, 0, 0, 4, 1, 0, 0, 0, 12, 4, 2, 0, 0, 0, 255]);
        // Sparse: index keys as decimal strings; ids 0 (array) and 1 (inner object).
        let sparse = encode_js(s, "(() => { const a = []; a[9] = {}; return a })()", "value").unwrap().bytes;
        assert_eq!(sparse, [1, 11, 10, 0, 0, 0, 7, 1, 0, 0, 0, b'9', 9, 255, 255]);
        let cyclic = encode_js(s, "(() => { const o = {}; o.o = o; return o })()", "value").unwrap().bytes;
        assert_eq!(cyclic, [1, 9, 7, 1, 0, 0, 0, b'o', 23, 0, 0, 0, 0, 255]);
        let regexp = encode_js(s, "/a/gi", "value").unwrap().bytes;
        assert_eq!(regexp, [1, 14, 7, 1, 0, 0, 0, b'a', 7, 2, 0, 0, 0, b'g', b'i']);
        let view = encode_js(s, "new Uint16Array(new ArrayBuffer(4), 2, 1)", "value").unwrap().bytes;
        assert_eq!(view, [&[1, 21, 4, 18][..], &u64le(4), &[0; 4], &u64le(2), &u64le(1)].concat());
        let error =
            encode_js(s, "(() => { const e = new TypeError('m'); e.stack = undefined; e.code = 'C'; return e })()", "value").unwrap().bytes;
        let mut expected = vec![1, 17, 7, 9, 0, 0, 0];
        expected.extend(b"TypeError");
        expected.extend([7, 1, 0, 0, 0, b'm', 0, 7, 4, 0, 0, 0]);
        expected.extend(b"code");
        expected.extend([7, 1, 0, 0, 0, b'C', 255]);
        assert_eq!(error, expected);
    });
}

#[test]
fn decodes_hand_written_bytes() {
    with_isolate(|s| {
        // A Map whose key is the map itself, holding a Set.
        let bytes = vec![1, 15, 23, 0, 0, 0, 0, 16, 2, 255, 255];
        let v = decode(s, payload(bytes)).unwrap();
        let f = v8::Local::<v8::Function>::try_from(eval(s, "(m => m.get(m) instanceof Set && m.get(m).has(true))")).unwrap();
        let this = v8::undefined(s).into();
        assert!(f.call(s, this, &[v]).unwrap().is_true());
        // A long ARRAY of holes (no preallocation from the untrusted length).
        let n = 3_000_000u32;
        let mut bytes = [&[1, 10][..], &u32le(n)].concat();
        bytes.extend(std::iter::repeat_n(HOLE, n as usize - 1));
        bytes.extend([INT32, 7, 0, 0, 0, END]);
        let v = decode(s, payload(bytes)).unwrap();
        let f =
            v8::Local::<v8::Function>::try_from(eval(s, "(a => a.length === 3000000 && a[2999999] === 7 && Object.keys(a).length === 1)"))
                .unwrap();
        assert!(f.call(s, this, &[v]).unwrap().is_true());
    });
}

#[test]
fn malformed_inputs_are_errors() {
    with_isolate(|s| {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("bad version", vec![2, 0]),
            ("version 0", vec![0, 0]),
            ("no value", vec![1]),
            ("trailing", vec![1, 0, 0]),
            ("unknown tag", vec![1, 0x99]),
            ("END as value", vec![1, 0xFF]),
            ("HOLE at root", vec![1, 12]),
            ("HOLE in object", vec![1, 9, 7, 1, 0, 0, 0, b'a', 12, 255]),
            ("backref unread", vec![1, 23, 0, 0, 0, 0]),
            ("backref ahead", vec![1, 10, 1, 0, 0, 0, 23, 1, 0, 0, 0, 255]),
            ("missing END", vec![1, 9]),
            ("object key not a string", vec![1, 9, 4, 1, 0, 0, 0, 0, 255]),
            ("truncated int", vec![1, 4, 1, 0]),
            ("huge latin1", [&[1, 7][..], &u32le(u32::MAX)].concat()),
            ("huge utf16", [&[1, 8][..], &u32le(0x8000_0000), &[0; 8]].concat()),
            ("odd utf16", vec![1, 8, 1, 0, 0, 0, 65]),
            ("huge array", [&[1, 10][..], &u32le(0x7FFF_FFFF)].concat()),
            ("array longer than input", [&[1, 10][..], &u32le(3), &[0, 0]].concat()),
            ("huge buffer", [&[1, 18][..], &u64le(u64::MAX)].concat()),
            ("huge bigint", [&[1, 6, 0][..], &u32le(u32::MAX)].concat()),
            ("bad bigint sign", vec![1, 6, 2, 0, 0, 0, 0]),
            ("bad boolean object", vec![1, 26, 2]),
            ("bigint object without bigint", vec![1, 27, 4, 0, 0, 0, 0]),
            ("regexp bad flags", vec![1, 14, 7, 1, 0, 0, 0, b'a', 7, 1, 0, 0, 0, b'q']),
            ("regexp repeated flag", vec![1, 14, 7, 1, 0, 0, 0, b'a', 7, 2, 0, 0, 0, b'g', b'g']),
            ("regexp bad pattern", vec![1, 14, 7, 1, 0, 0, 0, b'(', 7, 0, 0, 0, 0]),
            ("regexp u and v", vec![1, 14, 7, 1, 0, 0, 0, b'a', 7, 2, 0, 0, 0, b'u', b'v']),
            ("error name not a string", vec![1, 17, 0, 7, 0, 0, 0, 0, 0, 255]),
            ("shared index", [&[1, 19][..], &u32le(0)].concat()),
            ("transferred index", [&[1, 20][..], &u32le(3)].concat()),
            ("typed array bad kind", [&[1, 21, 11, 18][..], &u64le(0), &u64le(0), &u64le(0)].concat()),
            ("typed array misaligned", [&[1, 21, 5, 18][..], &u64le(8), &[0; 8], &u64le(2), &u64le(1)].concat()),
            ("typed array out of bounds", [&[1, 21, 5, 18][..], &u64le(8), &[0; 8], &u64le(4), &u64le(2)].concat()),
            ("typed array length overflow", [&[1, 21, 8, 18][..], &u64le(8), &[0; 8], &u64le(0), &u64le(u64::MAX)].concat()),
            ("typed array offset overflow", [&[1, 21, 1, 18][..], &u64le(8), &[0; 8], &u64le(u64::MAX), &u64le(1)].concat()),
            ("view over an object", [&[1, 22, 9, 255][..], &u64le(0), &u64le(0)].concat()),
            ("view over backref to object", [&[1, 10, 1, 0, 0, 0, 22, 23, 0, 0, 0, 0][..], &u64le(0), &u64le(0), &[255]].concat()),
            ("view over itself", [&[1, 22, 23, 0, 0, 0, 0][..], &u64le(0), &u64le(0)].concat()),
            ("data view out of bounds", [&[1, 22, 18][..], &u64le(4), &[0; 4], &u64le(2), &u64le(3)].concat()),
            ("map value missing", vec![1, 15, 0, 255]),
            ("array key in holes", vec![1, 10, 1, 0, 0, 0, 0, 4, 0, 0, 0, 0, 255]),
            ("array length prop", vec![1, 10, 0, 0, 0, 0, 7, 6, 0, 0, 0, b'l', b'e', b'n', b'g', b't', b'h', 0, 255]),
        ];
        for (name, bytes) in cases {
            assert!(try_decode(s, bytes).is_err(), "{name}: decoded");
        }
    });
}

#[test]
fn buffer_lists_are_checked() {
    with_isolate(|s| {
        let shared = SharedMemory::from_backing_store(v8::SharedArrayBuffer::new(s, 8).unwrap().get_backing_store());
        let moved = SharedMemory::from_backing_store(v8::ArrayBuffer::new(s, 8).get_backing_store());
        // A transferred store used twice.
        let twice = Payload {
            bytes: [&[1, 10, 2, 0, 0, 0, 20][..], &u32le(0), &[20], &u32le(0), &[255]].concat().into(),
            shared: vec![],
            transferred: vec![moved],
        };
        assert!(try_decode_payload(s, twice).is_err());
        // Shared memory in the transferred list, and the other way round.
        let wrong = Payload { bytes: [&[1, 20][..], &u32le(0)].concat().into(), shared: vec![], transferred: vec![shared] };
        assert!(try_decode_payload(s, wrong).is_err());
        let moved = SharedMemory::from_backing_store(v8::ArrayBuffer::new(s, 8).get_backing_store());
        let wrong = Payload { bytes: [&[1, 19][..], &u32le(0)].concat().into(), shared: vec![moved], transferred: vec![] };
        assert!(try_decode_payload(s, wrong).is_err());
    });
}

/// Decoding every prefix and many mutations of real payloads never panics
/// and never leaves an exception behind.
#[test]
fn fuzzed_inputs_never_panic() {
    with_isolate(|s| {
        let seeds = [
            "({a: [1, , 'x', {b: new Map([[1, new Set([2n])]])}], d: new Date(0), r: /x/g, n: new Number(1)})",
            "(() => { const b = new ArrayBuffer(16); const o = {b, t: new Int32Array(b, 4, 2), v: new DataView(b, 1, 3)}; o.o = o; return o })()",
            "[new RangeError('m', {cause: 1}), Object.assign(new Error('e'), {code: 'X'}), new String('s'), Object(1n), true, -0, 'é日']",
            "(() => { const a = []; a[70000] = 1; a.k = [a]; return a })()",
        ];
        // CODEC_FUZZ_ITERS=200000 for a longer run.
        let iterations: usize = std::env::var("CODEC_FUZZ_ITERS").ok().and_then(|n| n.parse().ok()).unwrap_or(1500);
        let mut rng = std::env::var("CODEC_FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x2545_F491_4F6C_DD1Du64);
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for seed in seeds {
            let bytes = encode_js(s, seed, "value").unwrap().bytes;
            for len in 0..bytes.len() {
                assert!(try_decode(s, bytes[..len].to_vec()).is_err(), "{seed}: prefix {len} decoded");
            }
            for _ in 0..iterations {
                let s = &mut v8::HandleScope::new(s);
                let mut m = bytes.to_vec();
                for _ in 0..=(next() % 4) {
                    let at = (next() as usize) % m.len();
                    match next() % 4 {
                        0 => m[at] = next() as u8,
                        1 => m[at] ^= 1 << (next() % 8),
                        2 => m[at] = [0, 0xFF, 0x17, 0x7F][(next() % 4) as usize],
                        _ => {
                            m.remove(at);
                        }
                    }
                    if m.is_empty() {
                        break;
                    }
                }
                let _ = try_decode(s, m);
            }
        }
    });
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut bytes = vec![VERSION];
    for _ in 0..depth {
        bytes.extend([ARRAY, 1, 0, 0, 0]);
    }
    bytes.push(UNDEFINED);
    bytes.extend(std::iter::repeat_n(END, depth));
    bytes
}

#[test]
fn depth_limit() {
    with_isolate(|s| {
        assert!(try_decode(s, nested_arrays(MAX_DEPTH)).is_ok());
        let err = try_decode(s, nested_arrays(MAX_DEPTH + 1)).unwrap_err();
        assert!(err.0.contains("deeper than 10000"), "{}", err.0);

        let deep = |n: usize| format!("(() => {{ let o = {{}}; for (let i = 1; i < {n}; i++) o = {{o}}; return o }})()");
        let p = encode_js(s, &deep(MAX_DEPTH), "value").unwrap();
        let context = v8::Context::new(s);
        {
            let s = &mut v8::ContextScope::new(s, context);
            let v = decode(s, p).unwrap();
            let again = encode(s, v, "value", &[]).unwrap();
            assert_eq!(again.bytes.len(), 1 + MAX_DEPTH * 2 + (MAX_DEPTH - 1) * 6);
        }
        match encode_js(s, &deep(MAX_DEPTH + 1), "args") {
            Err(EncodeError::Clone(m)) => {
                let expected = format!("args{}…{} is nested deeper than 10000 levels", ".o".repeat(16), ".o".repeat(16));
                assert_eq!(m.chars().take(200).collect::<String>(), expected);
            }
            _ => panic!("deep value encoded"),
        }
        let arrays = "(() => { let a = []; for (let i = 0; i < 10000; i++) a = [a]; return a })()";
        assert!(matches!(encode_js(s, arrays, "value"), Err(EncodeError::Clone(_))));
    });
}

#[test]
fn large_values() {
    with_isolate(|s| {
        for (code, check) in [
            (
                "(() => { const o = {}; for (let i = 0; i < 1000000; i++) o['k' + i] = i; return o })()",
                "v => Object.keys(v).length === 1000000 && v.k999999 === 999999",
            ),
            (
                "Array.from({length: 1000000}, (_, i) => i % 2 ? i : {i})",
                "v => v.length === 1000000 && v[999999] === 999999 && v[4].i === 4",
            ),
            ("new Map(Array.from({length: 300000}, (_, i) => [i, 'v' + i]))", "v => v.size === 300000 && v.get(299999) === 'v299999'"),
        ] {
            let value = eval(s, code);
            let started = std::time::Instant::now();
            let p = encode(s, value, "value", &[]).unwrap();
            let encoded = started.elapsed();
            let context = v8::Context::new(s);
            let s = &mut v8::ContextScope::new(s, context);
            let started = std::time::Instant::now();
            let v = decode(s, p).unwrap();
            eprintln!("{code}: encode {encoded:?}, decode {:?}", started.elapsed());
            let f = v8::Local::<v8::Function>::try_from(eval(s, &format!("({check})"))).unwrap();
            let this = v8::undefined(s).into();
            assert!(f.call(s, this, &[v]).unwrap().is_true(), "{code}");
        }
    });
}

fn used_heap(s: &mut v8::HandleScope) -> usize {
    let mut stats = v8::HeapStatistics::default();
    s.get_heap_statistics(&mut stats);
    stats.used_heap_size()
}

/// Array lengths come from the input: they must not size allocations.
#[test]
fn array_lengths_do_not_allocate() {
    with_isolate(|s| {
        // 2000 sparse arrays of length 32M - 1 (7 bytes each).
        let n = 2000u32;
        let mut bytes = [&[1, 10][..], &u32le(n)].concat();
        for _ in 0..n {
            bytes.extend([SPARSE_ARRAY]);
            bytes.extend(u32le(32 * 1024 * 1024 - 1));
            bytes.push(END);
        }
        bytes.push(END);
        let before = used_heap(s);
        let v = decode(s, payload(bytes)).unwrap();
        assert!(used_heap(s) - before < 16 << 20, "heap grew by {} bytes", used_heap(s) - before);
        let f = v8::Local::<v8::Function>::try_from(eval(s, "(a => a.length === 2000 && a[1999].length === 33554431)")).unwrap();
        let this = v8::undefined(s).into();
        assert!(f.call(s, this, &[v]).unwrap().is_true());

        // 10,000 nested arrays each claiming the rest of the input, truncated.
        let mut bytes = vec![1];
        for i in 0..MAX_DEPTH {
            bytes.push(ARRAY);
            bytes.extend(u32le((MAX_DEPTH - i) as u32 * 5));
        }
        let before = used_heap(s);
        assert!(try_decode(s, bytes).is_err());
        assert!(used_heap(s) - before < 16 << 20, "heap grew by {} bytes", used_heap(s) - before);

        // An honest sparse array stays small on arrival.
        let p = encode_js(s, "(() => { const a = [1, 2]; a[30000000] = 3; return a })()", "value").unwrap();
        let before = used_heap(s);
        let v = decode(s, p).unwrap();
        assert!(used_heap(s) - before < 1 << 20, "heap grew by {} bytes", used_heap(s) - before);
        let f = v8::Local::<v8::Function>::try_from(eval(s, "(a => a.length === 30000001 && a[30000000] === 3 && a[1] === 2)")).unwrap();
        assert!(f.call(s, this, &[v]).unwrap().is_true());
    });
}
