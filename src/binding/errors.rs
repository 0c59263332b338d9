//! The one mapping from library failures to JS errors with a stable `code`.

/// Stable error codes of API.md §6 raised from native code.
#[derive(Clone, Copy, Debug)]
pub enum Code {
    /// Bad options or arguments.
    InvalidArg,
    /// The thread or pool is closed.
    Closed,
    /// `unlock` of a lock the caller does not hold.
    NotLocked,
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        match self {
            Code::InvalidArg => "ERR_INVALID_ARG",
            Code::Closed => "ERR_CLOSED",
            Code::NotLocked => "ERR_NOT_LOCKED",
        }
    }
}

impl From<napi::Status> for Code {
    fn from(_: napi::Status) -> Self {
        Code::InvalidArg
    }
}

/// A JS error with `code` set to `code`.
pub fn error(code: Code, message: impl Into<String>) -> napi::Error<Code> {
    napi::Error::new(code, message.into())
}

/// Result type of native methods that throw coded errors.
pub type Result<T> = std::result::Result<T, napi::Error<Code>>;

/// Re-code a plain napi error as ERR_INVALID_ARG.
pub fn invalid(e: napi::Error) -> napi::Error<Code> {
    error(Code::InvalidArg, e.reason.clone())
}
