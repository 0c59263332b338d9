//! The codec's two errors: a value that cannot be encoded, bytes that
//! cannot be decoded.

/// A value that could not be encoded.
pub enum EncodeError {
    /// Cannot be cloned: the message names the path, e.g.
    /// "result.handler is a function and cannot be cloned".
    Clone(String),
    /// A JS exception was thrown while reading the value (a getter, a
    /// throwing `message` getter), or execution is being terminated; it is
    /// left pending in the caller's TryCatch scope.
    Exception,
}

impl std::fmt::Debug for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::Clone(m) => write!(f, "Clone({m:?})"),
            EncodeError::Exception => f.write_str("Exception"),
        }
    }
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::Clone(m) => f.write_str(m),
            EncodeError::Exception => f.write_str("an exception was thrown while encoding"),
        }
    }
}

/// Malformed input (or, rarely, an exception or termination while building
/// the value, which is then left pending in the caller's TryCatch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot decode value: {}", self.0)
    }
}
