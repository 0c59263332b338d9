//! Long strings of a payload made by the runtime itself: the host decoder
//! (lib/codec/decode.js) hands over where their code units sit in the
//! payload bytes, and gets the string with one copy and no per-character
//! work in JS.
// Under `cargo test` napi-derive leaves out the registration: no caller then.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::{Env, JsValue, ToNapiValue, Unknown};
use napi::sys;
use napi_derive::napi;

use super::errors::{error, Code, Result};
use super::napi_raw;

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
    // SAFETY: `bytes` is an argument of this call, on this JS thread.
    let found = unsafe { napi_raw::typed_array_bytes(env.raw(), bytes.raw()) };
    let Ok((data, len)) = found else {
        return Err(error(Code::InvalidArg, "decodeString: expected a Uint8Array and a range"));
    };
    if !(start >= 0.0 && units >= 0.0) {
        return Err(error(Code::InvalidArg, "decodeString: expected a Uint8Array and a range"));
    }
    let (start, units) = (start as usize, units as usize);
    let width = if two_byte { 2 } else { 1 };
    let end = units.checked_mul(width).and_then(|n| n.checked_add(start)).filter(|&end| end <= len).ok_or_else(bad)?;
    let made = if units == 0 || data.is_null() {
        // SAFETY: this env, on its JS thread.
        unsafe { napi_raw::latin1_string(env.raw(), &[]) }
    } else {
        // SAFETY: Node-API reported `len` readable bytes at `data`, and
        // start..end lies within them; JS does not run during this call.
        let text = unsafe { std::slice::from_raw_parts(data.add(start) as *const u8, end - start) };
        if !two_byte {
            // SAFETY: this env, on its JS thread.
            unsafe { napi_raw::latin1_string(env.raw(), text) }
        } else if (text.as_ptr() as usize).is_multiple_of(2) && cfg!(target_endian = "little") {
            // SAFETY: aligned and readable (above), and any bytes are valid
            // u16 code units: `units` of them lie in `text`.
            let aligned = unsafe { std::slice::from_raw_parts(text.as_ptr() as *const u16, units) };
            // SAFETY: this env, on its JS thread.
            unsafe { napi_raw::utf16_string(env.raw(), aligned) }
        } else {
            let aligned: Vec<u16> = text.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
            // SAFETY: this env, on its JS thread.
            unsafe { napi_raw::utf16_string(env.raw(), &aligned) }
        }
    };
    made.map(Raw).map_err(|_| error(Code::InvalidArg, "decodeString: the runtime could not make the string"))
}
