//! zlib
