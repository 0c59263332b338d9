//! Constants of the wire format (docs/wire-format.md, version 1).

/// `bytes[0]` of every payload.
pub const VERSION: u8 = 0x01;

pub const UNDEFINED: u8 = 0x00;
pub const NULL: u8 = 0x01;
pub const TRUE: u8 = 0x02;
pub const FALSE: u8 = 0x03;
pub const INT32: u8 = 0x04;
pub const DOUBLE: u8 = 0x05;
pub const BIGINT: u8 = 0x06;
pub const STRING_LATIN1: u8 = 0x07;
pub const STRING_UTF16: u8 = 0x08;
pub const OBJECT: u8 = 0x09;
pub const ARRAY: u8 = 0x0A;
pub const SPARSE_ARRAY: u8 = 0x0B;
pub const HOLE: u8 = 0x0C;
pub const DATE: u8 = 0x0D;
pub const REGEXP: u8 = 0x0E;
pub const MAP: u8 = 0x0F;
pub const SET: u8 = 0x10;
pub const ERROR: u8 = 0x11;
pub const ARRAY_BUFFER: u8 = 0x12;
pub const SHARED_BUFFER: u8 = 0x13;
pub const TRANSFERRED_BUFFER: u8 = 0x14;
pub const TYPED_ARRAY: u8 = 0x15;
pub const DATA_VIEW: u8 = 0x16;
pub const BACKREF: u8 = 0x17;
pub const NUMBER_OBJECT: u8 = 0x18;
pub const STRING_OBJECT: u8 = 0x19;
pub const BOOLEAN_OBJECT: u8 = 0x1A;
pub const BIGINT_OBJECT: u8 = 0x1B;
pub const SHARED_VALUE: u8 = 0x1C;
pub const END: u8 = 0xFF;

/// Most containers open at once, on both sides.
pub const MAX_DEPTH: usize = 10_000;

/// Typed array kinds (the `kind` byte of TYPED_ARRAY).
pub const KIND_INT8: u8 = 0;
pub const KIND_UINT8: u8 = 1;
pub const KIND_UINT8_CLAMPED: u8 = 2;
pub const KIND_INT16: u8 = 3;
pub const KIND_UINT16: u8 = 4;
pub const KIND_INT32: u8 = 5;
pub const KIND_UINT32: u8 = 6;
pub const KIND_FLOAT32: u8 = 7;
pub const KIND_FLOAT64: u8 = 8;
pub const KIND_BIGINT64: u8 = 9;
pub const KIND_BIGUINT64: u8 = 10;

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
