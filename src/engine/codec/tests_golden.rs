//! The golden vectors shared with the host half's tests
//! (`__test__/fixtures/codec-golden.json`), and the tag table both halves
//! read (`lib/codec/tags.json`).

use super::tags::*;
use super::tests::{encode_js, with_isolate};
use super::{decode, encode};
use crate::runtime::payload::Payload;

const GOLDEN: &str = include_str!("../../../__test__/fixtures/codec-golden.json");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn golden_vectors_encode_and_decode_as_on_the_host() {
    let golden: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
    let vectors = golden["vectors"].as_array().unwrap();
    assert!(vectors.len() > 40);
    with_isolate(|s| {
        for v in vectors {
            let (name, source, want) = (v["name"].as_str().unwrap(), v["source"].as_str().unwrap(), v["hex"].as_str().unwrap());
            let expr = format!("({source})");
            // Our walker ("value") and V8's serializer translated ("result").
            for root in ["value", "result"] {
                let got = encode_js(s, &expr, root).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(hex(&got.bytes), want, "{name}: encoded as {root}");
            }
            let context = v8::Context::new(s);
            let s = &mut v8::ContextScope::new(s, context);
            let tc = &mut v8::TryCatch::new(s);
            let payload = Payload { bytes: unhex(want).into(), ..Default::default() };
            let decoded = decode(tc, payload).unwrap_or_else(|e| panic!("{name}: {e}"));
            let again = encode(tc, decoded, "value", &[]).unwrap_or_else(|e| panic!("{name} again: {e}"));
            assert_eq!(hex(&again.bytes), want, "{name}: re-encoded");
            assert!(!tc.has_caught(), "{name}");
        }
    });
}

#[test]
fn the_one_pass_decoder_builds_what_the_general_one_builds_or_declines() {
    let golden: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
    let mut built = 0;
    with_isolate(|s| {
        let context = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, context);
        let tc = &mut v8::TryCatch::new(s);
        for v in golden["vectors"].as_array().unwrap() {
            let (name, want) = (v["name"].as_str().unwrap(), v["hex"].as_str().unwrap());
            let bytes = unhex(want);
            let Some(value) = super::small::decode(tc, &bytes) else { continue };
            built += 1;
            let again = encode(tc, value, "value", &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(hex(&again.bytes), want, "{name}: built in one pass, re-encoded");
            assert!(!tc.has_caught(), "{name}");
        }
        // Truncated or trailing input is declined (the general decoder reports it).
        let object = unhex(golden["vectors"][0]["hex"].as_str().unwrap());
        let mut long = object.clone();
        long.push(NULL);
        assert!(super::small::decode(tc, &long).is_none());
        assert!(super::small::decode(tc, &object[..object.len() - 1]).is_none());
    });
    assert!(built >= 10, "the one-pass decoder built only {built} of the golden vectors");
}

#[test]
fn every_tag_of_the_table_is_named_here() {
    let table: serde_json::Value = serde_json::from_str(TABLE).unwrap();
    let named = [
        ("UNDEFINED", UNDEFINED),
        ("NULL", NULL),
        ("TRUE", TRUE),
        ("FALSE", FALSE),
        ("INT32", INT32),
        ("DOUBLE", DOUBLE),
        ("BIGINT", BIGINT),
        ("STRING_LATIN1", STRING_LATIN1),
        ("STRING_UTF16", STRING_UTF16),
        ("STRING_UTF16_PADDED", STRING_UTF16_PADDED),
        ("OBJECT", OBJECT),
        ("ARRAY", ARRAY),
        ("SPARSE_ARRAY", SPARSE_ARRAY),
        ("HOLE", HOLE),
        ("DATE", DATE),
        ("REGEXP", REGEXP),
        ("MAP", MAP),
        ("SET", SET),
        ("ERROR", ERROR),
        ("ARRAY_BUFFER", ARRAY_BUFFER),
        ("SHARED_BUFFER", SHARED_BUFFER),
        ("TRANSFERRED_BUFFER", TRANSFERRED_BUFFER),
        ("TYPED_ARRAY", TYPED_ARRAY),
        ("DATA_VIEW", DATA_VIEW),
        ("BACKREF", BACKREF),
        ("NUMBER_OBJECT", NUMBER_OBJECT),
        ("STRING_OBJECT", STRING_OBJECT),
        ("BOOLEAN_OBJECT", BOOLEAN_OBJECT),
        ("BIGINT_OBJECT", BIGINT_OBJECT),
        ("SHARED_VALUE", SHARED_VALUE),
        ("SHAPE", SHAPE),
        ("SHAPED", SHAPED),
        ("END", END),
    ];
    let tags = table["tags"].as_object().unwrap();
    assert_eq!(tags.len(), named.len(), "a tag of tags.json has no name in tags.rs");
    for (name, value) in named {
        assert_eq!(tags[name].as_u64(), Some(u64::from(value)), "{name}");
    }
    assert_eq!(table["VERSION"].as_u64(), Some(u64::from(VERSION)));
    assert_eq!(table["MAX_DEPTH"].as_u64(), Some(MAX_DEPTH as u64));
    let kinds = table["typedArrayKinds"].as_object().unwrap();
    assert_eq!(kinds.len(), 11);
    assert_eq!(kinds["BigUint64Array"].as_u64(), Some(u64::from(KIND_BIGUINT64)));
}
