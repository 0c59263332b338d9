//! A call's arguments: the elements of an encoded array, read straight into
//! a list when they are a few primitives (most calls), with no array made.

use super::decode::{decode_input, Decoder};
use super::errors::DecodeError;
use super::external::Input;
use super::makers::Makers;
use super::small::{self, Elements};
use super::tags::*;
use super::to_v8::MIN_BYTES;
use crate::runtime::payload::Payload;

type Result<T> = std::result::Result<T, DecodeError>;

/// Most calls pass a few primitives: at most this many are read straight
/// into the argument list, with no array made.
const FAST_ARGS: u32 = 16;

/// The arguments of a call: the elements of the encoded array (or the one
/// value, if it is not an array). A small payload of plain data, or an
/// array of a few primitives, is read straight into the list; anything else is decoded whole, then its
/// elements are read back.
pub fn decode_args<'s>(scope: &mut v8::HandleScope<'s>, payload: Payload, makers: Option<&mut Makers>) -> Result<Elements<'s>> {
    if payload.bytes.len() < MIN_BYTES {
        if let Some(args) = small::args(scope, &payload.bytes, makers) {
            return Ok(args);
        }
    }
    let input = Input::from(payload);
    if input.bytes.len() >= MIN_BYTES {
        if let Some(args) = primitive_args(scope, &input)? {
            return Ok(args.into());
        }
    }
    let value = decode_input(scope, input)?;
    array_elements(scope, value).map(Elements::from_vec)
}

/// The elements of `value` if it is an array, else the value alone.
fn array_elements<'s>(scope: &mut v8::HandleScope<'s>, value: v8::Local<'s, v8::Value>) -> Result<Vec<v8::Local<'s, v8::Value>>> {
    Ok(match v8::Local::<v8::Array>::try_from(value) {
        Ok(arr) => (0..arr.length()).filter_map(|i| arr.get_index(scope, i)).collect(),
        Err(_) => vec![value],
    })
}

/// `[primitive, …]` with nothing else in it, as a list; None otherwise.
fn primitive_args<'s>(s: &mut v8::HandleScope<'s>, input: &Input) -> Result<Option<Vec<v8::Local<'s, v8::Value>>>> {
    let mut d = Decoder::plain(input);
    if d.r.u8()? != VERSION || d.r.u8()? != ARRAY {
        return Ok(None);
    }
    let length = d.r.u32()?;
    if length > FAST_ARGS {
        return Ok(None);
    }
    let mut args = Vec::with_capacity(length as usize);
    for _ in 0..length {
        match d.r.peek()? {
            UNDEFINED | NULL | TRUE | FALSE | INT32 | DOUBLE | BIGINT | STRING_LATIN1 | STRING_UTF16 | STRING_UTF16_PADDED => {
                args.push(d.read_value(s)?.value()?);
            }
            _ => return Ok(None),
        }
    }
    // No named properties, then the end of the array and of the input.
    Ok((d.r.u8()? == END && d.r.pos == d.r.bytes.len()).then_some(args))
}
