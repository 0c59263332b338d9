//! The only code that names `v8::`: platform start-up, isolates with heap
//! limits, the per-thread event loop, the value codec and termination.

mod calls;
pub mod codec;
mod cpu_clock;
mod event_loop;
mod globals;
mod isolate;
mod modules;
mod natives;
pub mod notifier;
pub mod memory;
mod outcome;
mod realm;
mod shared_value;
pub mod platform;
mod timers;

pub use isolate::{prepare_isolate, run_isolate, run_prepared, IsolateConfig, Prepared, Terminator};
pub use cpu_clock::CpuClock;
pub use memory::{Keepalive, Payload, SharedMemory};
