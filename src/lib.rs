//! isothread: real threads for JavaScript. Each thread is a V8 isolate on
//! its own Rust OS thread; Node-API (napi-rs) is the surface.
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod binding;
pub mod engine;
pub mod runtime;
