//! A list of arguments made by rest parameters (`(...args) => …`): packed,
//! no holes, no named properties, so its bytes are its elements', with no
//! key listing. Host function calls pass such a list.

use super::encode::write_primitive;
use super::tags::*;

/// Most argument lists are a few primitives: longer ones take the walker.
const MAX_FAST: u32 = 16;

/// The bytes of `args` (an array made by rest parameters, so packed with
/// no named properties) when its elements are all primitives: the bytes
/// the walker writes for it, without its set-up (no key listing, no
/// identity table). None for anything else (the caller uses `encode`).
pub fn encode_rest_args(s: &mut v8::HandleScope, args: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    let array = v8::Local::<v8::Array>::try_from(args).ok()?;
    let len = array.length();
    if len > MAX_FAST {
        return None;
    }
    let mut out = Vec::with_capacity(16 + 10 * len as usize);
    out.push(VERSION);
    out.push(ARRAY);
    out.extend_from_slice(&len.to_le_bytes());
    for i in 0..len {
        let v = array.get_index(s, i)?;
        if !write_primitive(&mut out, s, v) {
            return None;
        }
    }
    out.push(END);
    Some(out)
}

#[cfg(test)]
use super::{encode, tests::eval, tests::with_isolate};

#[cfg(test)]
mod tests {
    use super::{encode, encode_rest_args, eval, with_isolate};

    #[test]
    fn lists_of_primitives_get_the_walkers_bytes_anything_else_none() {
        with_isolate(|s| {
            let same = [
                "[]",
                "[undefined, null, true, false]",
                "[0, -0, 1, -1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -Infinity]",
                "[0n, -(2n ** 70n), 12345678901234567890n]",
                "['', 'héllo', '€uro', 'a\\ud800b', '\\udc00', 'x'.repeat(3000)]",
                "Array.from({ length: 16 }, (_, i) => i)",
            ];
            for code in same {
                let v = eval(s, &format!("({code})"));
                let fast = encode_rest_args(s, v).unwrap_or_else(|| panic!("{code}: not taken"));
                let tc = &mut v8::TryCatch::new(s);
                let walked = encode(tc, v, "args", &[]).unwrap();
                assert_eq!(fast, *walked.bytes, "{code}");
            }
            for code in ["[1, {}]", "[[1]]", "[Symbol()]", "Array.from({ length: 17 }, (_, i) => i)", "1", "({ length: 1, 0: 1 })"] {
                let v = eval(s, &format!("({code})"));
                assert!(encode_rest_args(s, v).is_none(), "{code}");
            }
        });
    }
}
