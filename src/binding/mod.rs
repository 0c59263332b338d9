//! The only `#[napi]` code: thin wrappers over the runtime.

pub mod errors;
mod host;
mod inspect;
mod napi_raw;
mod protocol;
mod strings;
mod thread;

pub use host::Host;
pub use thread::{Definitions, NativeThread};
