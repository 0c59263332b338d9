//! The host event protocol, defined once: the numbers the event callback of
//! `Host` receives (napi_raw/events.rs sends them, lib/host-events.js and
//! lib/liveness.js read these exports instead of restating them).
// Under `cargo test` napi-derive leaves out the registration: no reader then.
#![cfg_attr(test, allow(dead_code))]

use napi_derive::napi;

use crate::runtime::ConsoleLevel;

/// What an event is: the first argument of `onEvent(kind, thread, a…h)`.
#[napi]
pub enum EventKind {
    /// A call settled: `(thread, callId, status: CallStatus, bytes, shared,
    /// transferred, "code\0message" when failed, waitUs, runUs)`.
    Done = 0,
    /// `console.*` in a thread: `(thread, level: ConsoleMethod, _, bytes, shared, transferred, _, length)`
    /// (`length`: as for `HostCall`).
    Console = 1,
    /// `Atomics.notify` on host memory: `(0, address, byteIndex, count)`.
    Notify = 2,
    /// A thread ended: `(thread, cause: ExitCause)`.
    Exit = 3,
    /// `parent.sendMessage`: `(thread, callId, reportedThread, bytes, shared, transferred, _, length)`
    /// (`length`: as for `HostCall`).
    Message = 4,
    /// An error nobody caught in a thread: `(thread, _, _, bytes, shared, transferred)`.
    Uncaught = 5,
    /// A Messenger message for this env: `(0, name, close, bytes, shared, transferred)`.
    Messenger = 6,
    /// Many call results: `(meta: Float64Array, bytes: Uint8Array, metaLength)`,
    /// `BATCH_STRIDE` numbers per result laid out as `BatchField` in the first
    /// `metaLength` of `meta` (both arrays are reused: read them at once).
    Batch = 7,
    /// A lock this env waited for is its: `(0, token, name)`.
    LockGranted = 8,
    /// `parent.host.name(...)`: `(thread, callId, seq, bytes, shared, transferred, index, length)`,
    /// `index`: the function's place in its host functions' names (`Object.keys` order);
    /// with `length`, the arguments are the first `length` bytes of `bytes`
    /// (a reused array: decode them before anything else runs), else all of it.
    HostCall = 9,
}

/// How a call ended (`Done` events and `BatchField::Status`).
#[napi]
pub enum CallStatus {
    /// It returned a value.
    Value = 0,
    /// It threw a value.
    Thrown = 1,
    /// The library failed it (a coded error, maybe with an encoded cause).
    Failed = 2,
}

/// Why a thread ended (`Exit` events).
#[napi]
pub enum ExitCause {
    /// Closed, disposed or finished.
    Ended = 0,
    /// Its isolate ran out of memory.
    MemoryLimit = 1,
}

/// Which `console` method prints a `Console` event (its `level`): the
/// key, lower-cased, names the method.
#[napi]
pub enum ConsoleMethod {
    /// `console.log`
    Log = 0,
    /// `console.info`
    Info = 1,
    /// `console.warn`
    Warn = 2,
    /// `console.error`
    Error = 3,
    /// `console.debug`
    Debug = 4,
}

impl From<ConsoleLevel> for ConsoleMethod {
    fn from(level: ConsoleLevel) -> Self {
        match level {
            ConsoleLevel::Log => ConsoleMethod::Log,
            ConsoleLevel::Info => ConsoleMethod::Info,
            ConsoleLevel::Warn => ConsoleMethod::Warn,
            ConsoleLevel::Error => ConsoleMethod::Error,
            ConsoleLevel::Debug => ConsoleMethod::Debug,
        }
    }
}

/// Numbers per call result in a `Batch` event's `meta`.
#[napi]
pub const BATCH_STRIDE: u32 = 7;

/// Where each number of a batched call result sits, from its first.
#[napi]
pub enum BatchField {
    /// The thread's id.
    Thread = 0,
    /// The call's id.
    CallId = 1,
    /// `CallStatus::Value` or `CallStatus::Thrown`.
    Status = 2,
    /// Offset of its encoded value in `bytes`.
    Start = 3,
    /// Length of its encoded value.
    Length = 4,
    /// µs it waited in the queue.
    WaitUs = 5,
    /// µs it ran.
    RunUs = 6,
}

/// Numbers per call in the `meta` of `runBatch` (lib/outbox.js).
#[napi]
pub const RUN_BATCH_STRIDE: u32 = 3;

/// Where each number of a call sits in the `meta` of `runBatch`, from its first.
#[napi]
pub enum RunBatchField {
    /// The call's id.
    CallId = 0,
    /// Byte length of its encoded arguments (back to back in `bytes`).
    Length = 1,
    /// Its timeout in ms (NaN: none).
    TimeoutMs = 2,
}

/// The `callId` of a `Message` or `HostCall` event sent outside any call
/// (lib's call ids count from 1).
#[napi]
pub const NO_CALL: u32 = crate::runtime::NO_CALL as u32;

/// Task names of a service that get an id (lib/slot.js; runtime::MAX_TASK_IDS).
#[napi]
pub const MAX_TASK_IDS: u32 = crate::runtime::MAX_TASK_IDS;

/// Ids of the host's own units of work in its liveness table, beside the
/// threads' ids (which count from 1). `Host` is also the thread of the
/// events that concern no thread (`Notify`, `Messenger`, `LockGranted`).
#[napi]
pub enum Owner {
    /// The host itself: events of no thread, the global pool's queue.
    Host = 0,
    /// Reffed Messengers (lib/messenger.js).
    Messengers = -1,
    /// Pending `locks.request()` calls (lib/locks.js).
    Locks = -2,
}

/// A thread's counters, as `NativeThread.stats()` returns them.
#[napi(object)]
pub struct ThreadCounters {
    /// Calls it ran.
    pub runs: f64,
    /// Calls that failed or threw.
    pub failures: f64,
    /// Bytes of its heap in use.
    pub heap_used: f64,
    /// Its heap limit in bytes.
    pub heap_limit: f64,
    /// CPU time it used, in ms.
    pub cpu_time_ms: f64,
    /// A call runs on it now.
    pub running: bool,
}

impl EventKind {
    /// As the callback receives it.
    pub(crate) fn js(self) -> f64 {
        self as u32 as f64
    }
}

impl CallStatus {
    /// As the callback receives it.
    pub(crate) fn js(self) -> f64 {
        self as u32 as f64
    }
}

impl ConsoleMethod {
    /// As the callback receives it.
    pub(crate) fn js(self) -> f64 {
        self as u32 as f64
    }
}

impl Owner {
    /// As the callback receives it (the thread of an event).
    pub(crate) fn js(self) -> f64 {
        self as i32 as f64
    }
}

impl ExitCause {
    /// As the callback receives it.
    pub(crate) fn js(self) -> f64 {
        self as u32 as f64
    }
}

/// A thread's lane as lib/lane.js reads and writes it: byte offsets of the
/// fields JS uses and the lane's size (`runtime::lane`, checked equal by a
/// test; the host's waiting and answer-ready words are Rust's on both sides).
#[napi]
pub enum LaneField {
    /// The state word (i32, `LaneState`).
    State = 0,
    /// The call's id (f64).
    CallId = 8,
    /// The call's timeout in ms (f64, NaN for none).
    Timeout = 16,
    /// The arguments' length in bytes (u32).
    Length = 24,
    /// A service call's task id (u32), 0 for a plain call.
    Task = 28,
    /// How the call ended (u32: 0 returned, 1 threw).
    ResultStatus = 36,
    /// The answer's length in bytes (u32), from `Data`.
    ResultLength = 40,
    /// How long the call waited before it ran, µs (f64).
    ResultWait = 48,
    /// How long the call ran, µs (f64).
    ResultRun = 56,
    /// Where the encoded arguments begin.
    Data = 64,
    /// The lane's size in bytes.
    Size = 4096,
}

/// The states of a lane's state word (`runtime::lane`).
#[napi]
pub enum LaneState {
    /// The thread is not looking at its lane.
    Off = 0,
    /// The thread spins and looks: the host may post.
    Listening = 1,
    /// The host posted a call.
    Posted = 2,
    /// The thread took the call and has not finished it.
    Busy = 3,
    /// The thread ended.
    Closed = 4,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::lane;

    #[test]
    fn the_lane_layout_is_the_runtime_s() {
        let fields = [
            (LaneField::State as usize, lane::STATE),
            (LaneField::ResultStatus as usize, lane::R_STATUS),
            (LaneField::ResultLength as usize, lane::R_LENGTH),
            (LaneField::ResultWait as usize, lane::R_WAIT),
            (LaneField::ResultRun as usize, lane::R_RUN),
            (LaneField::CallId as usize, lane::CALL_ID),
            (LaneField::Timeout as usize, lane::TIMEOUT),
            (LaneField::Length as usize, lane::LENGTH),
            (LaneField::Task as usize, lane::TASK),
            (LaneField::Data as usize, lane::DATA),
            (LaneField::Size as usize, lane::LANE_BYTES),
        ];
        for (js, rust) in fields {
            assert_eq!(js, rust);
        }
        let states = [
            (LaneState::Off as i32, lane::OFF),
            (LaneState::Listening as i32, lane::LISTENING),
            (LaneState::Posted as i32, lane::POSTED),
            (LaneState::Busy as i32, lane::BUSY),
            (LaneState::Closed as i32, lane::CLOSED),
        ];
        for (js, rust) in states {
            assert_eq!(js, rust);
        }
    }
}
