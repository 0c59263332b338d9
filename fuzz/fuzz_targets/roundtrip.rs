//! Property test of encode/decode consistency over the host -> thread
//! message framing (the args payload): whatever `codec::decode` accepts,
//! `codec::encode` must encode, and the result must decode again. Also
//! checked: the encoding of a decoded value is canonical, i.e. decoding and
//! re-encoding it gives the same bytes and the same number of shared
//! buffers. See common.rs for the input layout.
#![no_main]

use isothread::engine::codec;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some(payload) = common::payload(data) else { return };
    common::with_scope(|scope| {
        let tc = &mut v8::TryCatch::new(scope);
        let Ok(first) = codec::decode(tc, payload) else { return };
        let encoded = match codec::encode(tc, first, "value", &[]) {
            Ok(p) => p,
            Err(e) => panic!("a decoded value could not be encoded: {e}"),
        };
        let bytes = encoded.bytes.clone();
        let shared = encoded.shared.len();
        let second = match codec::decode(tc, encoded) {
            Ok(v) => v,
            Err(e) => panic!("re-encoded value does not decode: {e}\nbytes: {}", hex(&bytes)),
        };
        let again = match codec::encode(tc, second, "value", &[]) {
            Ok(p) => p,
            Err(e) => panic!("second encode failed: {e}\nbytes: {}", hex(&bytes)),
        };
        assert_eq!(
            hex(&again.bytes),
            hex(&bytes),
            "encode(decode(b)) != b for b = encode(decode(input))"
        );
        assert_eq!(again.shared.len(), shared, "shared buffer count changed");
        assert!(again.transferred.is_empty());
    });
});
