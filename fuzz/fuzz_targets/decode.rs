//! Fuzz the value codec's decoder (src/engine/codec/decode.rs): the wire
//! bytes of every host -> thread message (call arguments, `postMessage`
//! values) go through `codec::decode`. Malformed input must give a
//! `DecodeError`, never a panic or a crash. See common.rs for the input
//! layout (byte 0 = mode, then the payload bytes).
#![no_main]

use isothread::engine::codec;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(payload) = common::payload(data) else { return };
    common::with_scope(|scope| {
        let tc = &mut v8::TryCatch::new(scope);
        match codec::decode(tc, payload) {
            Ok(value) => {
                // Touch the result so the value is really built.
                let _ = value.type_of(tc);
            }
            Err(codec::DecodeError(_)) => {}
        }
    });
});
