//! The only code that names `v8::`: platform start-up, isolates with heap
//! limits, the per-thread event loop, the value codec and termination; and
//! the OS threads that serve isolates (`thread.rs`). Uses `runtime`, never
//! `binding`.

mod cage;
mod call_state;
mod calls;
pub mod codec; // public for the fuzz targets (fuzz/), which drive it alone
mod config;
mod event_loop;
mod globals;
mod host_calls;
mod host_replies;
mod inspector;
mod intake;
mod isolate;
mod memory;
mod modules;
mod natives;
pub(crate) mod notifier;
mod outcome;
mod platform;
mod realm;
mod realms;
mod shared_value;
mod thread;
mod thread_state;
mod throw;
mod timers;

pub use memory::{Keepalive, Payload, SharedMemory};
/// Start V8 once per process (the fuzz targets make their own isolate).
pub use platform::init as init_platform;
pub use thread::{shutdown_all, ThreadConfig, ThreadHandle};

/// Where the thread runtime's JS files are (built-ins load from there),
/// and the host's `process` facts as JSON.
pub fn set_runtime_dir(dir: std::path::PathBuf, info: String) {
    modules::set_runtime_dir(dir, info)
}
