//! The brotli modes of `binding('zlib')` on the `brotli` crate (Dropbox's
//! pure-Rust port of Google's brotli), with Node's errors. No V8 here.

use brotli::enc::encode::{BrotliEncoderOperation, BrotliEncoderParameter, BrotliEncoderStateStruct};
use brotli::enc::interface::{PredictionModeContextMap, StaticCommand};
use brotli::enc::StandardAlloc;
use brotli::{BrotliDecompressStream, BrotliResult, BrotliState};
use brotli::{InputPair, InputReferenceMut};

use super::deflate::Z_FINISH;
use super::zlib_types::ZError;

const CHUNK: usize = 16 * 1024;

/// A brotli encoder.
pub(super) struct Encoder {
    state: Box<BrotliEncoderStateStruct<StandardAlloc>>,
}

impl Encoder {
    /// An encoder with `quality` (0–11) and `lgwin` (10–24); -1 picks
    /// Node's defaults, 11 and 22.
    pub(super) fn new(quality: i32, lgwin: i32) -> Result<Self, ZError> {
        let quality = if quality == -1 { 11 } else { quality };
        let lgwin = if lgwin == -1 { 22 } else { lgwin };
        if !(0..=11).contains(&quality) || !(10..=24).contains(&lgwin) {
            return Err(ZError::new("Initialization failed", "ERR_ZLIB_INITIALIZATION_FAILED", -2));
        }
        let mut state = Box::new(BrotliEncoderStateStruct::new(StandardAlloc::default()));
        state.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_QUALITY, quality as u32);
        state.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_LGWIN, lgwin as u32);
        Ok(Encoder { state })
    }

    /// Encode `input`; Node's zlib flush values: 0 process, 4 finish, any
    /// other flush (1, 2, 3).
    pub(super) fn write(&mut self, input: &[u8], flush: i32) -> Result<Vec<u8>, ZError> {
        let op = match flush {
            0 => BrotliEncoderOperation::BROTLI_OPERATION_PROCESS,
            Z_FINISH => BrotliEncoderOperation::BROTLI_OPERATION_FINISH,
            _ => BrotliEncoderOperation::BROTLI_OPERATION_FLUSH,
        };
        let mut out = Vec::new();
        let mut avail_in = input.len();
        let mut in_offset = 0;
        let mut nop =
            |_: &mut PredictionModeContextMap<InputReferenceMut>, _: &mut [StaticCommand], _: InputPair, _: &mut StandardAlloc| ();
        loop {
            if self.state.is_finished() {
                break;
            }
            let start = out.len();
            out.resize(start + CHUNK, 0);
            let mut avail_out = CHUNK;
            let mut out_offset = start;
            let ok = self.state.compress_stream(
                op,
                &mut avail_in,
                input,
                &mut in_offset,
                &mut avail_out,
                &mut out,
                &mut out_offset,
                &mut None,
                &mut nop,
            );
            out.truncate(out_offset);
            if !ok {
                return Err(ZError::new("Compression failed", "ERR_BROTLI_COMPRESSION_FAILED", -1));
            }
            let done = match op {
                BrotliEncoderOperation::BROTLI_OPERATION_FINISH => self.state.is_finished(),
                _ => avail_in == 0 && !self.state.has_more_output(),
            };
            if done {
                break;
            }
        }
        Ok(out)
    }
}

type DecoderState = BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>;

/// A brotli decoder.
pub(super) struct Decoder {
    state: Box<DecoderState>,
    ended: bool,
}

impl Decoder {
    /// A decoder for one brotli stream.
    pub(super) fn new() -> Self {
        let state = BrotliState::new(StandardAlloc::default(), StandardAlloc::default(), StandardAlloc::default());
        Decoder { state: Box::new(state), ended: false }
    }

    /// Decode `input`; with `flush == Z_FINISH` a stream that has not ended
    /// is an `unexpected end of file`, as in Node. Input after the end is ignored.
    pub(super) fn write(&mut self, input: &[u8], flush: i32) -> Result<Vec<u8>, ZError> {
        let mut out = Vec::new();
        let mut avail_in = input.len();
        let mut in_offset = 0;
        let mut total = 0;
        while !self.ended {
            let start = out.len();
            out.resize(start + CHUNK.max(2 * avail_in), 0);
            let mut avail_out = out.len() - start;
            let mut out_offset = start;
            let result = BrotliDecompressStream(
                &mut avail_in,
                &mut in_offset,
                input,
                &mut avail_out,
                &mut out_offset,
                &mut out,
                &mut total,
                &mut self.state,
            );
            let full = out_offset == out.len();
            out.truncate(out_offset);
            match result {
                BrotliResult::ResultSuccess => self.ended = true,
                // The decoder may say it needs input when it has filled the
                // output and holds more: go on while the output comes back full.
                BrotliResult::NeedsMoreOutput => {}
                BrotliResult::NeedsMoreInput if full => {}
                BrotliResult::NeedsMoreInput => break,
                BrotliResult::ResultFailure => return Err(decode_error(&self.state)),
            }
        }
        if flush == Z_FINISH && !self.ended {
            return Err(ZError::new("unexpected end of file", "Z_BUF_ERROR", -5));
        }
        Ok(out)
    }
}

/// Node's error for a failed decode: message `Decompression failed`, code
/// `ERR_` + the name of brotli's error after `BROTLI_DECODER` (e.g.
/// `ERR__ERROR_FORMAT_CL_SPACE`), errno brotli's (negative) error code.
fn decode_error(state: &DecoderState) -> ZError {
    let name = format!("{:?}", state.error_code);
    let code = format!("ERR_{}", name.strip_prefix("BROTLI_DECODER").unwrap_or(&name));
    ZError::new("Decompression failed", &code, state.error_code as i32)
}
