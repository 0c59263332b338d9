//! Long strings of a payload made by the runtime itself: the host decoder
//! (lib/codec/decode.js) hands over where their code units sit in the
//! payload bytes, and gets the string with one copy and no per-character
//! work in JS.
// Under `cargo test` napi-derive leaves out the registration: no caller then.
#![cfg_attr(test, allow(dead_code))]

use std::ptr;

use napi::bindgen_prelude::{Env, JsValue, ToNapiValue, Unknown};
use napi::sys;
use napi_derive::napi;

use super::errors::{error, Code, Result};

/// A value made with raw Node-API calls, returned as is.
pub struct Raw(sys::napi_value);

impl ToNapiValue for Raw {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

/// The string whose `units` code units start at byte `start` of the
/// Uint8Array `bytes`: one byte each (Latin-1) or, with `twoByte`, two
/// (UTF-16LE, lone surrogates kept).
#[napi(js_name = "decodeString")]
pub fn decode_string(env: Env, bytes: Unknown, start: f64, units: f64, two_byte: bool) -> Result<Raw> {
    let bad = || error(Code::InvalidArg, "decodeString: the range is outside the bytes");
    let (mut ty, mut len, mut data, mut ab, mut offset) = (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
    // SAFETY: `bytes` is an argument of this call; out-pointers are locals.
    let status = unsafe { sys::napi_get_typedarray_info(env.raw(), bytes.raw(), &mut ty, &mut len, &mut data, &mut ab, &mut offset) };
    if status != sys::Status::napi_ok || ty != sys::TypedarrayType::uint8_array || !(start >= 0.0 && units >= 0.0) {
        return Err(error(Code::InvalidArg, "decodeString: expected a Uint8Array and a range"));
    }
    let (start, units) = (start as usize, units as usize);
    let width = if two_byte { 2 } else { 1 };
    let end = units.checked_mul(width).and_then(|n| n.checked_add(start)).filter(|&end| end <= len).ok_or_else(bad)?;
    if units == 0 || data.is_null() {
        // SAFETY: a static empty C string, length 0.
        return make(env, |env, out| unsafe { sys::napi_create_string_latin1(env, c"".as_ptr(), 0, out) });
    }
    // SAFETY: Node-API reported `len` readable bytes at `data`, and
    // start..end lies within them; JS does not run during this call.
    let text = unsafe { std::slice::from_raw_parts((data as *const u8).add(start), end - start) };
    if !two_byte {
        // SAFETY: pointer and length of readable bytes (above).
        return make(env, |env, out| unsafe { sys::napi_create_string_latin1(env, text.as_ptr() as *const _, units as isize, out) });
    }
    if (text.as_ptr() as usize) % 2 == 0 && cfg!(target_endian = "little") {
        // SAFETY: aligned, readable, and any bytes are valid u16 code units.
        return make(env, |env, out| unsafe { sys::napi_create_string_utf16(env, text.as_ptr() as *const u16, units as isize, out) });
    }
    let aligned: Vec<u16> = text.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
    // SAFETY: pointer and length of a live Vec<u16>.
    make(env, |env, out| unsafe { sys::napi_create_string_utf16(env, aligned.as_ptr(), units as isize, out) })
}

fn make(env: Env, create: impl FnOnce(sys::napi_env, *mut sys::napi_value) -> sys::napi_status) -> Result<Raw> {
    let mut out = ptr::null_mut();
    if create(env.raw(), &mut out) != sys::Status::napi_ok {
        return Err(error(Code::InvalidArg, "decodeString: the runtime could not make the string"));
    }
    Ok(Raw(out))
}
