//! Channels, queues, thread control and timeouts. No `v8::`, no Node-API,
//! and nothing from `engine` or `binding` here (the engine hands in what
//! this layer needs: a `Terminator`, the memory behind a `Payload`).

pub mod batch;
pub mod big_buffer;
mod control;
mod cpu_clock;
pub mod debug;
pub mod inbox;
pub mod inspector_server;
pub mod lane;
pub mod locks;
mod messages;
pub mod messenger;
pub mod payload;
pub mod pool;
pub mod shared_registry;
pub mod shared_value;
pub mod watchdog;

pub use control::{next_id, starts_in_flight, Control, Counters, Interrupt, Terminator};
pub use cpu_clock::CpuClock;
pub use messages::{ConsoleLevel, Event, EventSink, ExitReason, Job, Outcome, ServiceTask, MAX_TASK_IDS, NO_CALL};
pub use payload::{Payload, SharedMemory};
