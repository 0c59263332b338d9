//! Objects the decoder builds with a few V8 calls: typed arrays of each
//! kind, an AggregateError of the context, property names; and the error
//! for a V8 call that returned nothing.

use super::tags::*;
use super::DecodeError;

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
