//! Long strings of a payload made by the runtime itself: the host decoder
//! (lib/codec/decode.js) hands over where their code units sit in the
//! payload bytes, and gets the string with at most one copy and no
//! per-character work in JS (napi_raw/strings.rs makes it).
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
    // SAFETY: env is this call's, on its JS thread; `bytes` is an argument.
    let made = unsafe { napi_raw::decode_string(env.raw(), bytes.raw(), start, units, two_byte) };
    made.map(Raw).map_err(|message| error(Code::InvalidArg, message))
}
