//! The external string resource: its layout as V8 reads it, when it is
//! made, and that its `Dispose` frees the payload once.

use std::mem::{offset_of, size_of};

use super::super::tags::*;
use super::*;

fn eval<'s>(s: &mut v8::HandleScope<'s>, code: &str) -> v8::Local<'s, v8::Value> {
    let source = v8::String::new(s, code).unwrap();
    v8::Script::compile(s, source, None).unwrap().run(s).unwrap()
}

#[test]
#[cfg(not(target_os = "windows"))]
fn resource_and_vtable_are_laid_out_as_v8_reads_them() {
    // The object: vtable pointer, V8's cached_data_, then ours.
    assert_eq!(offset_of!(Resource<u8>, vtable), 0);
    assert_eq!(offset_of!(Resource<u8>, cached_data), 8);
    assert_eq!(offset_of!(Resource<u16>, cached_data), 8);
    assert!(offset_of!(Resource<u8>, length) >= 16);
    // The vtable: type info at -8 of where objects point; then
    // ~dtor (complete), ~dtor (deleting), IsCacheable, Dispose, Lock,
    // Unlock, data, length.
    let slot = |offset: usize| offset - offset_of!(Vtable<u8>, drop_complete);
    assert_eq!(offset_of!(Vtable<u8>, drop_complete), 8);
    assert_eq!(slot(offset_of!(Vtable<u8>, drop_deleting)), 8);
    assert_eq!(slot(offset_of!(Vtable<u8>, is_cacheable)), 16);
    assert_eq!(slot(offset_of!(Vtable<u8>, dispose)), 24);
    assert_eq!(slot(offset_of!(Vtable<u8>, lock)), 32);
    assert_eq!(slot(offset_of!(Vtable<u8>, unlock)), 40);
    assert_eq!(slot(offset_of!(Vtable<u8>, data)), 48);
    assert_eq!(slot(offset_of!(Vtable<u8>, length)), 56);
    assert_eq!(size_of::<Vtable<u16>>(), 72);
    assert_eq!(u8::vtable(), &ONE_BYTE.drop_complete as *const _ as *const c_void);
}

#[test]
fn only_big_strings_that_are_most_of_the_payload_are_taken() {
    let owner = Bytes::Owned(vec![0; 3 << 20]);
    assert!(takes(&owner, &owner[1..], false));
    assert!(takes(&owner, &owner[..2 << 20], true), "two-byte at an even address");
    assert!(!takes(&owner, &owner[1..(2 << 20) + 1], true), "two-byte at an odd address");
    assert!(!takes(&owner, &owner[..1 << 20], false), "a third of the payload");
    assert!(!takes(&owner, &[0; 2 << 20], false), "not inside the payload");
    let small = Bytes::Owned(vec![0; MIN_BYTES - 1]);
    assert!(!takes(&small, &small, false), "short");
    let part = Bytes::Part(Arc::from(vec![0; 3 << 20]), 0..MIN_BYTES);
    assert!(!takes(&part, &part, false), "a small part of a shared buffer");
}

fn set_global(s: &mut v8::HandleScope, name: &str, value: v8::Local<v8::Value>) {
    let key = v8::String::new(s, name).unwrap();
    let global = s.get_current_context().global(s);
    global.set(s, key.into(), value).unwrap();
}

#[test]
fn dispose_frees_the_payload_once_when_the_last_string_dies_and_at_teardown() {
    crate::engine::platform::init();
    let one = Arc::new(Bytes::Owned((0..(2 << 20) + 1).map(|i| (i % 251) as u8).collect()));
    let two = Arc::new(Bytes::Owned(vec![0xd8; 2 << 20])); // U+D8D8, a lone surrogate, repeated
    let mut isolate = v8::Isolate::new(Default::default());
    {
        let scope = &mut v8::HandleScope::new(&mut isolate);
        let context = v8::Context::new(scope);
        let scope = &mut v8::ContextScope::new(scope, context);
        {
            let s = &mut v8::HandleScope::new(scope);
            let text = string(s, &one, &one[1..], false).expect("an external one-byte string");
            assert_eq!(Arc::strong_count(&one), 2, "the string keeps the payload");
            assert_eq!(text.length(), 2 << 20);
            assert!(text.is_external_onebyte());
            set_global(s, "s", text.into());
            let text = string(s, &two, &two, true).expect("an external two-byte string");
            assert!(text.is_external_twobyte());
            set_global(s, "t", text.into());
            // Used as keys (internalized: the resource moves), sliced, joined.
            let check = "const o = { [s]: 1 }; o[t] = 2; globalThis.k = o; \
                s.length === 2 ** 21 && s.charCodeAt(0) === 1 && s.charCodeAt(250) === 0 && t.charCodeAt(5) === 0xd8d8 && \
                Object.keys(o)[0] === s && o[s.slice(0, 10) + s.slice(10)] === 1 && o[t] === 2 && (s + t).length === 3 * 2 ** 20";
            assert!(eval(s, check).is_true());
            eval(s, "globalThis.s = globalThis.t = undefined");
        }
        scope.low_memory_notification();
        assert_eq!(Arc::strong_count(&one), 2, "the key still reads it");
        assert_eq!(Arc::strong_count(&two), 2);
        assert!(eval(scope, "Object.keys(k)[0].length === 2 ** 21 && Object.keys(k)[1].charCodeAt(99) === 0xd8d8").is_true());
        eval(scope, "delete k[Object.keys(k)[0]]");
        scope.low_memory_notification();
        assert_eq!(Arc::strong_count(&one), 1, "freed once collected");
        assert_eq!(Arc::strong_count(&two), 2, "the other key still holds its own");
    }
    drop(isolate);
    assert_eq!(Arc::strong_count(&two), 1, "freed at the isolate's teardown");
}

/// `[value]` as a call's arguments: the value's tag at offset 6.
fn args_of(value: &[u8]) -> Payload {
    let mut bytes = vec![VERSION, ARRAY, 1, 0, 0, 0];
    bytes.extend_from_slice(value);
    bytes.push(END);
    bytes.shrink_to_fit(); // the capacity counts as memory the string would keep
    Payload { bytes: bytes.into(), ..Default::default() }
}

fn utf16(tag: u8, pad: Option<u8>, units: usize) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(pad);
    v.extend((units as u32).to_le_bytes());
    v.extend((0..units).flat_map(|i| [(i % 251) as u8, 0xd8]));
    v
}

#[test]
fn a_padded_two_byte_argument_is_read_in_place_and_an_odd_one_is_copied() {
    let units = 200_000;
    super::super::tests::with_isolate(|s| {
        let padded = args_of(&utf16(STRING_UTF16_PADDED, Some(0), units)); // units at 12
        let odd = args_of(&utf16(STRING_UTF16, None, units)); // units at 11
        let mut made = Vec::new();
        for payload in [padded, odd] {
            let args = super::super::decode_args(s, payload, None).unwrap();
            let text = v8::Local::<v8::String>::try_from(args[0]).unwrap();
            assert_eq!(text.length(), units);
            let mut buf = vec![0u16; units];
            text.write(s, &mut buf, 0, v8::WriteOptions::NO_NULL_TERMINATION);
            assert!(buf.iter().enumerate().all(|(i, &u)| u == (i % 251) as u16 | 0xd800));
            made.push(text.is_external_twobyte());
        }
        assert_eq!(made, [true, false]);
        assert!(super::super::decode_args(s, args_of(&utf16(STRING_UTF16_PADDED, Some(1), 4)), None).is_err(), "padding not 0");
    });
}
