//! The shaped golden vectors (`__test__/fixtures/codec-golden-shapes.json`,
//! the host's bytes for a call's objects): every decoder on the thread
//! builds from them the value their `source` makes (the same graph).

use super::tests::{encode_js, with_isolate};
use super::tests_golden::unhex;
use super::{decode, encode};
use crate::runtime::payload::Payload;

const GOLDEN: &str = include_str!("../../../__test__/fixtures/codec-golden-shapes.json");

#[test]
fn every_decoder_builds_the_source_from_the_shaped_golden_bytes() {
    let golden: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
    let vectors = golden["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 10);
    let (mut one_pass, mut via_v8) = (0, 0);
    with_isolate(|s| {
        for v in vectors {
            let (name, source, hex) = (v["name"].as_str().unwrap(), v["source"].as_str().unwrap(), v["hex"].as_str().unwrap());
            // Our walker writes no shapes: the same value gives the same
            // bytes, back-references (shared objects, cycles) included.
            let want = encode_js(s, &format!("({source})"), "value").unwrap_or_else(|e| panic!("{name}: {e}")).bytes;
            let context = v8::Context::new(s);
            let s = &mut v8::ContextScope::new(s, context);
            let tc = &mut v8::TryCatch::new(s);
            let bytes = unhex(hex);
            let payload = || Payload { bytes: bytes.clone().into(), ..Default::default() };
            let check = |how: &str, value: v8::Local<v8::Value>, tc: &mut v8::TryCatch<v8::HandleScope>| {
                let again = encode(tc, value, "value", &[]).unwrap_or_else(|e| panic!("{name} ({how}): {e}"));
                assert_eq!(again.bytes, want, "{name}: built by {how}");
            };
            let value = decode(tc, payload()).unwrap_or_else(|e| panic!("{name}: {e}"));
            check("decode", value, tc);
            if let Some(value) = super::small::decode(tc, &bytes) {
                one_pass += 1;
                check("the one-pass decoder", value, tc);
            }
            if let Some(built) = super::to_v8::decode(tc, &super::external::Input::from(payload())) {
                via_v8 += 1;
                check("V8's deserializer", built.unwrap_or_else(|e| panic!("{name}: {e}")), tc);
            }
            assert!(!tc.has_caught(), "{name}");
        }
    });
    assert!(one_pass >= 5, "the one-pass decoder built {one_pass} of the shaped vectors");
    assert!(via_v8 >= 5, "V8's deserializer built {via_v8} of the shaped vectors");
}
