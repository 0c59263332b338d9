//! What the zlib streams (`zlib.rs`) and their engines (`deflate.rs`,
//! `brotli.rs`) share: the stream modes and Node's zlib errors.

/// Node's `zlib.constants` mode numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Deflate = 1,
    Inflate = 2,
    Gzip = 3,
    Gunzip = 4,
    DeflateRaw = 5,
    InflateRaw = 6,
    Unzip = 7,
    BrotliDecode = 8,
    BrotliEncode = 9,
}

impl Mode {
    pub(super) fn from_number(n: f64) -> Option<Mode> {
        const ALL: [Mode; 9] = [
            Mode::Deflate,
            Mode::Inflate,
            Mode::Gzip,
            Mode::Gunzip,
            Mode::DeflateRaw,
            Mode::InflateRaw,
            Mode::Unzip,
            Mode::BrotliDecode,
            Mode::BrotliEncode,
        ];
        ALL.into_iter().find(|&m| m as i32 as f64 == n)
    }
}

/// An error as Node's zlib reports it: `message`, `.code`, `.errno`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ZError {
    pub message: String,
    pub code: String,
    pub errno: i32,
}

impl ZError {
    /// An error with Node's `message`, `code` and `errno`.
    pub(super) fn new(message: &str, code: &str, errno: i32) -> Self {
        ZError { message: message.to_owned(), code: code.to_owned(), errno }
    }
}
