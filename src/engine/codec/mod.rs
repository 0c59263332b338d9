//! The value codec: JS values of our isolates <-> bytes in the isothread wire
//! format (docs/wire-format.md, version 1), the contract shared with the
//! host half in `lib/codec.js`.
//!
//! - [`encode`] walks a value graph and writes a [`Payload`]:
//!   SharedArrayBuffers go into `payload.shared` by reference, ArrayBuffers
//!   of the transfer list into `payload.transferred` (moved: the sender's
//!   buffers are detached once the whole encode has succeeded).
//! - [`decode`] builds the value in the scope's current context.
//!
//! Both walk the graph with an explicit stack (no recursion, so nesting is
//! bounded only by [`MAX_DEPTH`] and never by the thread's stack) and open a
//! fresh `HandleScope` every few properties, so objects with millions of keys do
//! not pile up handles.
//!
//! Scopes: both functions take `&mut v8::HandleScope`. Callers normally hold
//! a `v8::TryCatch<v8::HandleScope>`; pass `&mut try_catch` and it derefs.
//! Exceptions thrown by user code while encoding (getters) are left pending
//! in that TryCatch ([`EncodeError::Exception`]).
//!
//! A few objects have no constructor or accessor in the `v8` crate (RegExp,
//! primitive wrappers, DataView, typed arrays over a SharedArrayBuffer,
//! EvalError/URIError). For those we let V8's own ValueSerializer /
//! ValueDeserializer read or build them from a few bytes (`native.rs`), so
//! no user-visible global (`DataView`, `RegExp.prototype.flags`, ...) is
//! consulted and no user code runs.

mod args;
mod decode;
mod decode_help;
mod encode;
mod encode_step;
mod errors;
mod external;
mod host_objects;
mod makers;
mod native;
mod reader;
mod rest;
mod shape;
mod small;
mod tags;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_golden;
#[cfg(test)]
mod tests_golden_shapes;
#[cfg(test)]
mod tests_makers;
#[cfg(test)]
mod tests_v8_wire;
#[cfg(test)]
mod tests_wire;
mod to_v8;
mod v8_wire;
mod write;

pub use args::decode_args;
pub use decode::decode;
pub use encode::encode;
pub use errors::{DecodeError, EncodeError};
pub use host_objects::{set_host_objects, HostObjects};
pub use makers::Makers;
pub use rest::encode_rest_args;
pub use tags::MAX_DEPTH;
