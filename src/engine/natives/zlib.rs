//! `binding('zlib')`: compression streams for `node:zlib` (the zlib modes
//! in `deflate.rs`, brotli in `brotli.rs`) kept in the isolate's table, and
//! `crc32`.

use super::brotli::{Decoder, Encoder};
use super::deflate::{Compressor, Decompressor, Params};
use super::zlib_types::{Mode, ZError};
use super::{id_arg, number_arg, return_bytes, set_fn, throw, type_error, with_bytes, Kind, Table};

/// One compression or decompression stream.
pub(super) enum Stream {
    Compress(Compressor),
    Decompress(Decompressor),
    BrotliEncode(Encoder),
    BrotliDecode(Decoder),
}

impl Stream {
    /// A stream for `mode`; `p.window_bits` is brotli's lgwin and `p.level`
    /// its quality for the brotli modes; -1 picks Node's defaults.
    pub(super) fn new(mode: Mode, p: &Params, dictionary: Option<&[u8]>) -> Result<Stream, ZError> {
        let zlib_bits = if p.window_bits == -1 { 15 } else { p.window_bits };
        Ok(match mode {
            Mode::Deflate | Mode::Gzip | Mode::DeflateRaw => {
                Stream::Compress(Compressor::new(mode, &Params { window_bits: zlib_bits, ..*p }, dictionary)?)
            }
            Mode::Inflate | Mode::Gunzip | Mode::InflateRaw | Mode::Unzip => {
                Stream::Decompress(Decompressor::new(mode, zlib_bits, dictionary)?)
            }
            Mode::BrotliEncode => Stream::BrotliEncode(Encoder::new(p.level, p.window_bits)?),
            Mode::BrotliDecode => Stream::BrotliDecode(Decoder::new()),
        })
    }

    /// Feed `input` with Node's zlib `flush` value; return the output made.
    pub(super) fn write(&mut self, input: &[u8], flush: i32) -> Result<Vec<u8>, ZError> {
        match self {
            Stream::Compress(s) => s.write(input, flush),
            Stream::Decompress(s) => s.write(input, flush),
            Stream::BrotliEncode(s) => s.write(input, flush),
            Stream::BrotliDecode(s) => s.write(input, flush),
        }
    }
}

/// A stream in the isolate's table with the native memory it was reported to
/// hold, so that V8 schedules garbage collection (and with it the
/// FinalizationRegistry that frees forgotten streams) with that memory counted.
struct Held {
    stream: Stream,
    bytes: i64,
}

/// Roughly what a stream for `mode` with `p` allocates: zlib's own formula
/// for deflate, the window for inflate, the ring buffers for brotli.
fn native_bytes(mode: Mode, p: &Params) -> i64 {
    let bits = |default: i32| i64::from(if p.window_bits <= 0 { default } else { p.window_bits.clamp(8, 24) });
    match mode {
        Mode::Deflate | Mode::Gzip | Mode::DeflateRaw => (1 << (bits(15) + 2)) + (1 << (i64::from(p.mem_level.clamp(1, 9)) + 9)),
        Mode::Inflate | Mode::Gunzip | Mode::InflateRaw | Mode::Unzip => (1 << bits(15)) + 8 * 1024,
        Mode::BrotliEncode => 2 << bits(22),
        Mode::BrotliDecode => 1 << 22,
    }
}

/// Install the zlib functions on `obj`.
pub(super) fn install(scope: &mut v8::HandleScope, obj: v8::Local<v8::Object>) -> Option<()> {
    set_fn(scope, obj, "create", create)?;
    set_fn(scope, obj, "write", write)?;
    set_fn(scope, obj, "free", free)?;
    set_fn(scope, obj, "crc32", crc32)
}

fn throw_z(scope: &mut v8::HandleScope, e: &ZError) {
    throw(scope, Kind::Error, &e.message, Some(&e.code), Some(e.errno));
}

/// An integer argument; `undefined` or `null` give `default` (-1, "Node's
/// default", for level and windowBits).
fn param(value: v8::Local<v8::Value>, default: i32) -> Option<i32> {
    if value.is_undefined() || value.is_null() {
        return Some(default);
    }
    let n = number_arg(value)?;
    (n.fract() == 0.0 && n >= i32::MIN as f64 && n <= i32::MAX as f64).then_some(n as i32)
}

fn create(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(mode) = number_arg(args.get(0)).and_then(Mode::from_number) else {
        return type_error(scope, "invalid zlib mode");
    };
    let params = (param(args.get(1), -1), param(args.get(2), -1), param(args.get(3), 8), param(args.get(4), 0));
    let (Some(level), Some(window_bits), Some(mem_level), Some(strategy)) = params else {
        return type_error(scope, "zlib parameters must be integers");
    };
    let p = Params { level, window_bits, mem_level, strategy };
    let dict = args.get(5);
    let made = if dict.is_undefined() || dict.is_null() {
        Some(Stream::new(mode, &p, None))
    } else {
        with_bytes(dict, |d| Stream::new(mode, &p, Some(d)))
    };
    match made {
        Some(Ok(stream)) => {
            let bytes = native_bytes(mode, &p);
            let id = Table::<Held>::of(scope).insert(Held { stream, bytes });
            scope.adjust_amount_of_external_allocated_memory(bytes);
            rv.set_uint32(id);
        }
        Some(Err(e)) => throw_z(scope, &e),
        None => type_error(scope, "The \"dictionary\" option must be an ArrayBufferView"),
    }
}

fn write(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let flush = param(args.get(2), 0).unwrap_or(0);
    let table = Table::<Held>::of(scope);
    let Some(Held { stream, .. }) = id_arg(args.get(0)).and_then(|id| table.get(id)) else {
        return throw(scope, Kind::Error, "zlib binding closed", Some("ERR_ZLIB_BINDING_CLOSED"), None);
    };
    let chunk = args.get(1);
    let result = if chunk.is_undefined() || chunk.is_null() {
        Some(stream.write(&[], flush))
    } else {
        with_bytes(chunk, |input| stream.write(input, flush))
    };
    match result {
        Some(Ok(out)) => return_bytes(scope, rv, out),
        Some(Err(e)) => throw_z(scope, &e),
        None => type_error(scope, "The \"chunk\" argument must be an ArrayBufferView"),
    }
}

fn free(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    if let Some(id) = id_arg(args.get(0)) {
        if let Some(held) = Table::<Held>::of(scope).remove(id) {
            scope.adjust_amount_of_external_allocated_memory(-held.bytes);
        }
    }
}

fn crc32(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let initial = number_arg(args.get(1)).map_or(0, |n| n as u32);
    match with_bytes(args.get(0), |data| zlib_rs::crc32::crc32(initial, data)) {
        Some(crc) => rv.set_uint32(crc),
        None => type_error(scope, "The \"data\" argument must be an ArrayBufferView"),
    }
}
