//! Constants of the wire format (docs/wire-format.md, version 1).
//!
//! Their values are defined once, in `lib/codec/tags.json` (which the host
//! half requires); this file names them and reads the numbers from that file
//! at compile time: a name missing from it, or a value out of range, fails
//! the build.

/// The table shared with lib/codec/common.js.
pub(super) const TABLE: &str = include_str!("../../../lib/codec/tags.json");

/// The number after `"name":` in [`TABLE`] (names are unique there).
const fn number(name: &str) -> u64 {
    let (t, n) = (TABLE.as_bytes(), name.as_bytes());
    let mut i = 0;
    while i + n.len() + 2 < t.len() {
        let mut j = 0;
        while j < n.len() && t[i + 1 + j] == n[j] {
            j += 1;
        }
        if t[i] == b'"' && j == n.len() && t[i + 1 + j] == b'"' {
            let mut k = i + n.len() + 2;
            while t[k] == b' ' {
                k += 1;
            }
            if t[k] == b':' {
                k += 1;
                while t[k] == b' ' {
                    k += 1;
                }
                let mut v: u64 = 0;
                let first = k;
                while k < t.len() && t[k].is_ascii_digit() {
                    v = v * 10 + (t[k] - b'0') as u64;
                    k += 1;
                }
                assert!(k > first, "tags.json: not a number");
                return v;
            }
        }
        i += 1;
    }
    panic!("tags.json: name not found")
}

/// A one-byte entry of [`TABLE`].
const fn byte(name: &str) -> u8 {
    let v = number(name);
    assert!(v <= 255, "tags.json: value out of range");
    v as u8
}

/// `bytes[0]` of every payload.
pub const VERSION: u8 = byte("VERSION");

pub const UNDEFINED: u8 = byte("UNDEFINED");
pub const NULL: u8 = byte("NULL");
pub const TRUE: u8 = byte("TRUE");
pub const FALSE: u8 = byte("FALSE");
pub const INT32: u8 = byte("INT32");
pub const DOUBLE: u8 = byte("DOUBLE");
pub const BIGINT: u8 = byte("BIGINT");
pub const STRING_LATIN1: u8 = byte("STRING_LATIN1");
pub const STRING_UTF16: u8 = byte("STRING_UTF16");
pub const OBJECT: u8 = byte("OBJECT");
pub const ARRAY: u8 = byte("ARRAY");
pub const SPARSE_ARRAY: u8 = byte("SPARSE_ARRAY");
pub const HOLE: u8 = byte("HOLE");
pub const DATE: u8 = byte("DATE");
pub const REGEXP: u8 = byte("REGEXP");
pub const MAP: u8 = byte("MAP");
pub const SET: u8 = byte("SET");
pub const ERROR: u8 = byte("ERROR");
pub const ARRAY_BUFFER: u8 = byte("ARRAY_BUFFER");
pub const SHARED_BUFFER: u8 = byte("SHARED_BUFFER");
pub const TRANSFERRED_BUFFER: u8 = byte("TRANSFERRED_BUFFER");
pub const TYPED_ARRAY: u8 = byte("TYPED_ARRAY");
pub const DATA_VIEW: u8 = byte("DATA_VIEW");
pub const BACKREF: u8 = byte("BACKREF");
pub const NUMBER_OBJECT: u8 = byte("NUMBER_OBJECT");
pub const STRING_OBJECT: u8 = byte("STRING_OBJECT");
pub const BOOLEAN_OBJECT: u8 = byte("BOOLEAN_OBJECT");
pub const BIGINT_OBJECT: u8 = byte("BIGINT_OBJECT");
pub const SHARED_VALUE: u8 = byte("SHARED_VALUE");
pub const SHAPE: u8 = byte("SHAPE");
pub const SHAPED: u8 = byte("SHAPED");
/// A zero byte, then as STRING_UTF16: the units at an even offset.
pub const STRING_UTF16_PADDED: u8 = byte("STRING_UTF16_PADDED");
/// Most keys a SHAPE may list.
pub const SHAPE_MAX_KEYS: u32 = 256;
pub const END: u8 = byte("END");

/// Most containers open at once, on both sides.
pub const MAX_DEPTH: usize = number("MAX_DEPTH") as usize;

/// Typed array kinds (the `kind` byte of TYPED_ARRAY).
pub const KIND_INT8: u8 = byte("Int8Array");
pub const KIND_UINT8: u8 = byte("Uint8Array");
pub const KIND_UINT8_CLAMPED: u8 = byte("Uint8ClampedArray");
pub const KIND_INT16: u8 = byte("Int16Array");
pub const KIND_UINT16: u8 = byte("Uint16Array");
pub const KIND_INT32: u8 = byte("Int32Array");
pub const KIND_UINT32: u8 = byte("Uint32Array");
pub const KIND_FLOAT32: u8 = byte("Float32Array");
pub const KIND_FLOAT64: u8 = byte("Float64Array");
pub const KIND_BIGINT64: u8 = byte("BigInt64Array");
pub const KIND_BIGUINT64: u8 = byte("BigUint64Array");

/// Bytes per element of a typed array kind; `None` for an unknown kind.
pub fn element_size(kind: u8) -> Option<u64> {
    Some(match kind {
        KIND_INT8 | KIND_UINT8 | KIND_UINT8_CLAMPED => 1,
        KIND_INT16 | KIND_UINT16 => 2,
        KIND_INT32 | KIND_UINT32 | KIND_FLOAT32 => 4,
        KIND_FLOAT64 | KIND_BIGINT64 | KIND_BIGUINT64 => 8,
        _ => return None,
    })
}

/// RegExp flag characters in the order of `RegExp.prototype.flags`, with
/// their bit in V8's `RegExp::Flags`.
pub const REGEXP_FLAGS: [(u8, u32); 8] = [
    (b'd', 1 << 7), // hasIndices
    (b'g', 1 << 0), // global
    (b'i', 1 << 1), // ignoreCase
    (b'm', 1 << 2), // multiline
    (b's', 1 << 5), // dotAll
    (b'u', 1 << 4), // unicode
    (b'v', 1 << 8), // unicodeSets
    (b'y', 1 << 3), // sticky
];

/// Properties read or written per HandleScope (each step makes a handful
/// of handles; a scope is closed after this many steps).
pub const STEPS_PER_SCOPE: usize = 64;

/// ArrayBuffers of a result at least this large cross as a moved copy (one
/// copy, handed to the host as is) rather than inside the bytes.
pub const MOVE_COPY_FROM: usize = 64 * 1024;
