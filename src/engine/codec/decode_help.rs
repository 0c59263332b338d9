//! Objects the decoder builds with a few V8 calls: typed arrays of each
//! kind, an AggregateError of the context, property names; and the error
//! for a V8 call that returned nothing; UTF-16 code units and RegExp flags
//! read from the wire.

use super::errors::DecodeError;
use super::native::Str;
use super::reader::bad;
use super::tags::*;

type Result<T> = std::result::Result<T, DecodeError>;

/// V8 returned nothing: an exception (left pending) or termination.
pub(super) fn v8_failed(what: &str) -> DecodeError {
    DecodeError(format!("V8 could not create {what}"))
}

pub(super) fn name<'s>(s: &mut v8::HandleScope<'s>, text: &str) -> Result<v8::Local<'s, v8::Name>> {
    Ok(v8::String::new(s, text).ok_or_else(|| v8_failed("a string"))?.into())
}

/// Make `error` an AggregateError of this context, if the context has one.
pub(super) fn aggregate(s: &mut v8::HandleScope, error: v8::Local<v8::Object>) -> Result<bool> {
    let global = s.get_current_context().global(s);
    let key = name(s, "AggregateError")?;
    let constructor = global.get(s, key.into()).ok_or_else(|| v8_failed("an AggregateError"))?;
    let Ok(constructor) = v8::Local::<v8::Function>::try_from(constructor) else {
        return Ok(false);
    };
    let key = name(s, "prototype")?;
    let prototype = constructor.get(s, key.into()).ok_or_else(|| v8_failed("an AggregateError"))?;
    if !prototype.is_object() {
        return Ok(false);
    }
    Ok(error.set_prototype(s, prototype) == Some(true))
}

pub(super) fn typed_array<'s>(
    s: &mut v8::HandleScope<'s>,
    kind: u8,
    ab: v8::Local<v8::ArrayBuffer>,
    offset: usize,
    length: usize,
) -> Option<v8::Local<'s, v8::Value>> {
    Some(match kind {
        KIND_INT8 => v8::Int8Array::new(s, ab, offset, length)?.into(),
        KIND_UINT8 => v8::Uint8Array::new(s, ab, offset, length)?.into(),
        KIND_UINT8_CLAMPED => v8::Uint8ClampedArray::new(s, ab, offset, length)?.into(),
        KIND_INT16 => v8::Int16Array::new(s, ab, offset, length)?.into(),
        KIND_UINT16 => v8::Uint16Array::new(s, ab, offset, length)?.into(),
        KIND_INT32 => v8::Int32Array::new(s, ab, offset, length)?.into(),
        KIND_UINT32 => v8::Uint32Array::new(s, ab, offset, length)?.into(),
        KIND_FLOAT32 => v8::Float32Array::new(s, ab, offset, length)?.into(),
        KIND_FLOAT64 => v8::Float64Array::new(s, ab, offset, length)?.into(),
        KIND_BIGINT64 => v8::BigInt64Array::new(s, ab, offset, length)?.into(),
        KIND_BIGUINT64 => v8::BigUint64Array::new(s, ab, offset, length)?.into(),
        _ => return None,
    })
}

/// Little-endian UTF-16 bytes as code units: borrowed when they are
/// aligned (no copy), else copied.
pub(super) fn units(bytes: &[u8]) -> std::borrow::Cow<'_, [u16]> {
    if cfg!(target_endian = "little") {
        // SAFETY: any two bytes are a valid u16; align_to only yields a
        // middle part that is aligned and within `bytes`.
        let (head, mid, _) = unsafe { bytes.align_to::<u16>() };
        if head.is_empty() && mid.len() == bytes.len() / 2 {
            return mid.into();
        }
    }
    copy_units(bytes).into()
}

/// Little-endian UTF-16 bytes (not necessarily aligned) as code units.
pub(super) fn copy_units(bytes: &[u8]) -> Vec<u16> {
    let n = bytes.len() / 2;
    if cfg!(target_endian = "little") {
        let mut units = vec![0u16; n];
        // SAFETY: `units` holds 2n writable bytes, `bytes` at least 2n
        // readable ones; distinct allocations; any bytes are valid u16s.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), units.as_mut_ptr() as *mut u8, 2 * n) };
        return units;
    }
    bytes.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect()
}

/// RegExp flags text -> V8 flag bits (unknown or repeated flags refused).
pub(super) fn regexp_flags(flags: &Str) -> Result<u32> {
    let units: Vec<u16> = match flags {
        Str::Latin1(b) => b.iter().map(|&c| u16::from(c)).collect(),
        Str::Utf16(b) => copy_units(b),
    };
    let mut bits = 0;
    for unit in units {
        match REGEXP_FLAGS.iter().find(|&&(c, _)| u16::from(c) == unit) {
            Some(&(_, bit)) if bits & bit == 0 => bits |= bit,
            _ => return bad("invalid RegExp flags"),
        }
    }
    Ok(bits)
}

/// A V8 string of the wire text `text` (`Internalized` for property keys).
pub(super) fn new_string<'s>(s: &mut v8::HandleScope<'s>, text: &Str, kind: v8::NewStringType) -> Result<v8::Local<'s, v8::String>> {
    let made = match text {
        Str::Latin1(bytes) => v8::String::new_from_one_byte(s, bytes, kind),
        Str::Utf16(bytes) => v8::String::new_from_two_byte(s, &units(bytes), kind),
    };
    made.ok_or_else(|| DecodeError("string too long".into()))
}
