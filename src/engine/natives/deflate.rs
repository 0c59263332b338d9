//! The zlib modes of `binding('zlib')` (deflate, inflate, gzip, gunzip, raw,
//! unzip) on zlib-rs, with Node's parameter handling, error messages and
//! gzip member rules. Pure Rust: no V8 here.

use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Inflate, InflateError, InflateFlush, Status, Strategy};

use super::zlib_types::{Mode, ZError};

/// Output grows in steps of at least this many bytes.
const CHUNK: usize = 16 * 1024;

/// Node's flush values (`zlib.constants.Z_*`).
pub(super) const Z_FINISH: i32 = 4;

/// Compression with one of the deflate modes.
pub(super) struct Compressor {
    z: Deflate,
    /// Z_FINISH has completed the stream: later writes produce nothing.
    finished: bool,
}

/// Parameters of `create()` as Node's zlib takes them.
#[derive(Clone, Copy)]
pub(super) struct Params {
    pub level: i32,
    pub window_bits: i32,
    pub mem_level: i32,
    pub strategy: i32,
}

fn init_failed() -> ZError {
    ZError::new("Initialization failed", "ERR_ZLIB_INITIALIZATION_FAILED", -2)
}

impl Compressor {
    /// A deflate stream for `mode` (DEFLATE, GZIP or DEFLATERAW).
    pub(super) fn new(mode: Mode, p: &Params, dictionary: Option<&[u8]>) -> Result<Self, ZError> {
        let level = if p.level == -1 { 6 } else { p.level };
        // zlib turns windowBits 8 into 9 for zlib streams and refuses it
        // otherwise; Node turns it into 9 for every mode.
        let bits = if p.window_bits == 8 { 9 } else { p.window_bits };
        let strategy = match p.strategy {
            0 => Strategy::Default,
            1 => Strategy::Filtered,
            2 => Strategy::HuffmanOnly,
            3 => Strategy::Rle,
            4 => Strategy::Fixed,
            _ => return Err(init_failed()),
        };
        if !(0..=9).contains(&level) || !(9..=15).contains(&bits) || !(1..=9).contains(&p.mem_level) {
            return Err(init_failed());
        }
        let window_bits = match mode {
            Mode::Gzip => bits + 16,
            Mode::DeflateRaw => -bits,
            _ => bits,
        };
        let config = DeflateConfig { level, window_bits, mem_level: p.mem_level, strategy, ..DeflateConfig::default() };
        let mut z = Deflate::new_with_config(config);
        if let Some(dict) = dictionary {
            if mode == Mode::Gzip || z.set_dictionary(dict).is_err() {
                return Err(ZError::new("Failed to set dictionary", "ERR_ZLIB_INITIALIZATION_FAILED", -2));
            }
        }
        Ok(Compressor { z, finished: false })
    }

    /// Compress `input` with Node's `flush` value; return the output made.
    pub(super) fn write(&mut self, input: &[u8], flush: i32) -> Result<Vec<u8>, ZError> {
        let flush = match flush {
            1 => DeflateFlush::PartialFlush,
            2 => DeflateFlush::SyncFlush,
            3 => DeflateFlush::FullFlush,
            Z_FINISH => DeflateFlush::Finish,
            5 => DeflateFlush::Block,
            _ => DeflateFlush::NoFlush,
        };
        let mut out = Vec::new();
        let mut consumed = 0;
        while !self.finished {
            let start = out.len();
            out.resize(start + CHUNK.max(input.len() - consumed), 0);
            let (in0, out0) = (self.z.total_in(), self.z.total_out());
            let status = self.z.compress(&input[consumed..], &mut out[start..], flush);
            consumed += (self.z.total_in() - in0) as usize;
            let produced = (self.z.total_out() - out0) as usize;
            let full = start + produced == out.len();
            out.truncate(start + produced);
            match status {
                Ok(Status::StreamEnd) => self.finished = true,
                Ok(Status::Ok) if full || flush == DeflateFlush::Finish => {}
                Ok(_) => break,
                Err(_) => {
                    let msg = self.z.error_message().unwrap_or("stream error");
                    return Err(ZError::new(msg, "Z_STREAM_ERROR", -2));
                }
            }
        }
        Ok(out)
    }
}

/// Decompression with one of the inflate modes.
pub(super) struct Decompressor {
    z: Inflate,
    mode: Mode,
    window_bits: i32,
    dictionary: Option<Vec<u8>>,
    /// The first byte of the input (UNZIP takes gzip's member rules when it is 0x1f).
    first: Option<u8>,
    ended: bool,
}

fn z_data_error(message: &str) -> ZError {
    ZError::new(message, "Z_DATA_ERROR", -3)
}

impl Decompressor {
    /// An inflate stream for `mode` (INFLATE, GUNZIP, INFLATERAW or UNZIP).
    pub(super) fn new(mode: Mode, window_bits: i32, dictionary: Option<&[u8]>) -> Result<Self, ZError> {
        let ok = match mode {
            Mode::InflateRaw => (8..=15).contains(&window_bits),
            _ => window_bits == 0 || (8..=15).contains(&window_bits),
        };
        if !ok {
            return Err(init_failed());
        }
        let mut d = Decompressor {
            z: Self::make(mode, window_bits),
            mode,
            window_bits,
            dictionary: dictionary.map(<[u8]>::to_vec),
            first: None,
            ended: false,
        };
        if mode == Mode::InflateRaw {
            if let Some(dict) = dictionary {
                d.z.set_dictionary(dict).map_err(|_| init_failed())?;
            }
        }
        Ok(d)
    }

    fn make(mode: Mode, bits: i32) -> Inflate {
        // Range checked in `new`: 0 or 8..=15, so every value fits zlib-rs.
        match mode {
            Mode::InflateRaw => Inflate::new(false, bits as u8),
            Mode::Gunzip => Inflate::new(true, (bits + 16) as u8),
            Mode::Unzip => Inflate::new(true, (bits + 32) as u8),
            _ => Inflate::new(true, bits as u8),
        }
    }

    fn gzip_members(&self) -> bool {
        self.mode == Mode::Gunzip || (self.mode == Mode::Unzip && self.first == Some(0x1f))
    }

    /// Decompress `input`; with `flush == Z_FINISH` a stream that has not
    /// ended by the end of `input` is an `unexpected end of file`.
    pub(super) fn write(&mut self, input: &[u8], flush: i32) -> Result<Vec<u8>, ZError> {
        let mut out = Vec::new();
        let mut consumed = 0;
        if self.first.is_none() {
            self.first = input.first().copied();
        }
        loop {
            if self.ended {
                // Node's gunzip: another member may follow, even in a later
                // write; zero bytes (padding) after a member are ignored.
                if !(self.gzip_members() && input[consumed..].first().is_some_and(|&b| b != 0)) {
                    break;
                }
                self.z = Self::make(Mode::Gunzip, self.window_bits);
                self.ended = false;
            }
            let start = out.len();
            out.resize(start + CHUNK.max(2 * (input.len() - consumed)), 0);
            let (in0, out0) = (self.z.total_in(), self.z.total_out());
            let result = self.z.decompress(&input[consumed..], &mut out[start..], InflateFlush::NoFlush);
            consumed += (self.z.total_in() - in0) as usize;
            let produced = (self.z.total_out() - out0) as usize;
            let full = start + produced == out.len();
            out.truncate(start + produced);
            match result {
                Ok(Status::StreamEnd) => self.ended = true,
                Ok(Status::Ok) if full => {}
                Ok(_) => break,
                Err(InflateError::NeedDict { .. }) => {
                    let Some(dict) = self.dictionary.as_deref() else {
                        return Err(ZError::new("Missing dictionary", "Z_NEED_DICT", 2));
                    };
                    if self.z.set_dictionary(dict).is_err() {
                        return Err(ZError::new("Bad dictionary", "Z_NEED_DICT", 2));
                    }
                }
                Err(InflateError::DataError) => {
                    return Err(z_data_error(self.z.error_message().unwrap_or("invalid data")));
                }
                Err(InflateError::MemError) => return Err(ZError::new("insufficient memory", "Z_MEM_ERROR", -4)),
                Err(InflateError::StreamError) => return Err(ZError::new("stream error", "Z_STREAM_ERROR", -2)),
            }
        }
        if flush == Z_FINISH && !self.ended {
            return Err(ZError::new("unexpected end of file", "Z_BUF_ERROR", -5));
        }
        Ok(out)
    }
}
