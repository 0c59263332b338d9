//! Message shapes between the host side and an isolate thread.

use super::payload::Payload;

/// Work sent to an isolate thread, in order.
pub enum Job {
    /// Run the thread's function with these arguments (an encoded array).
    Run {
        /// Host-chosen id, echoed in the `Done` event.
        call_id: u64,
        /// The encoded arguments array.
        args: Payload,
        /// Per-call limit in ms, counted from the moment the call starts running.
        timeout_ms: Option<f64>,
        /// When the host queued it (for wait-time statistics).
        queued_at: std::time::Instant,
    },
    /// Finish every job queued before this one, then dispose the isolate.
    Close,
    /// Run task `name` of the definitions `source` in a fresh context.
    Task {
        /// Host-chosen id, echoed in the `Done` event.
        call_id: u64,
        /// Source of the definitions object (`({ name: fn, … })`).
        source: std::sync::Arc<str>,
        /// Names of the define() API's host functions (`parent.host`).
        host: std::sync::Arc<[String]>,
        /// The task to run.
        name: String,
        /// The encoded arguments array.
        args: Payload,
        /// Per-call limit in ms.
        timeout_ms: Option<f64>,
        /// When the host queued it.
        queued_at: std::time::Instant,
    },
    /// Make this thread a service of the definitions `source`: evaluate them
    /// once and run `__initializeService`; `Done` answers when it finished.
    ServiceStart {
        /// Host-chosen id, echoed in the `Done` event.
        call_id: u64,
        /// Source of the definitions object.
        source: std::sync::Arc<str>,
        /// Names of the define() API's host functions (`parent.host`).
        host: std::sync::Arc<[String]>,
    },
    /// Call task `task` of the service's definitions.
    ServiceCall {
        /// Host-chosen id, echoed in the `Done` event.
        call_id: u64,
        /// The task to run: its name, or the id the host gave that name.
        task: ServiceTask,
        /// The encoded arguments array.
        args: Payload,
        /// Per-call limit in ms.
        timeout_ms: Option<f64>,
        /// When the host queued it.
        queued_at: std::time::Instant,
    },
    /// A message for the thread's `parent.onMessage` listeners; handled at
    /// once, even while a call is in flight.
    Message {
        /// The encoded value.
        payload: Payload,
    },
    /// The thread joined Messenger `name`: `messengers.use(name)` resolves.
    MessengerAttach {
        /// The messenger's name.
        name: String,
    },
    /// A message on Messenger `name` (or, with `close`, its closeAll).
    MessengerMessage {
        /// The messenger's name.
        name: String,
        /// The encoded value.
        payload: Payload,
        /// closeAll(): every endpoint closes.
        close: bool,
    },
    /// Several messages on Messenger `name`, in order.
    MessengerBatch {
        /// The messenger's name.
        name: String,
        /// The encoded values, shared by every receiving thread.
        batch: std::sync::Arc<Packed>,
    },
    /// The host's answer to `parent.host.name(...)` number `seq`; handled
    /// at once, even while a call is in flight (a call awaits it).
    HostReply {
        /// The host call's number (`Event::HostCall`).
        seq: u64,
        /// The host function threw (or its promise rejected) `payload`.
        thrown: bool,
        /// The encoded result or error.
        payload: Payload,
    },
    /// Nothing to do: look at the thread's `Control` (an interrupt may wait).
    Wake,
}

/// Task ids a service thread keeps: the host gives ids from 1 up to this
/// many names (then sends names alone); a higher id is read as none.
pub const MAX_TASK_IDS: u32 = 256;

/// The task of a service call. The host gives each task name of a service
/// a small id and sends the name with the id's first use only: the thread
/// keeps the pair, so later calls carry no string and the thread finds the
/// task's property key by index, not by hashing its name.
pub struct ServiceTask {
    /// The id of the name (from 1, per service), or 0: the name alone.
    pub id: u32,
    /// The name: sent alone, or with its id the first time (again is harmless).
    pub name: Option<String>,
}

/// How a call ended.
pub enum Outcome {
    /// The function returned (or its promise resolved) this value.
    Value(Payload),
    /// The function threw (or its promise rejected) this value.
    Thrown(Payload),
    /// The library failed the call: stable code, message, optional cause.
    Failed {
        /// `ERR_*` code of API.md §6.
        code: &'static str,
        /// Human-readable message.
        message: String,
        /// The thread-side error behind it, when there is one.
        cause: Option<Payload>,
    },
}

/// Why an isolate went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// `close()` or `dispose()` asked for it.
    Closed,
    /// The heap outgrew `memoryLimit`.
    MemoryLimit,
}

/// Console levels forwarded to the host console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConsoleLevel {
    /// console.log
    Log = 0,
    /// console.info
    Info = 1,
    /// console.warn
    Warn = 2,
    /// console.error
    Error = 3,
    /// console.debug
    Debug = 4,
}

/// The call id of an event that belongs to no call (ids count from 1).
pub const NO_CALL: u64 = 0;

/// What an isolate thread tells the host.
pub enum Event {
    /// A call settled.
    Done {
        /// The thread's id.
        thread: u32,
        /// The call's id.
        call_id: u64,
        /// How it ended.
        outcome: Outcome,
        /// Time it waited in the queue, in µs.
        wait_us: f64,
        /// Time it ran, in µs.
        run_us: f64,
    },
    /// `console.*` inside the thread: the arguments, encoded.
    Console {
        /// The thread's id.
        thread: u32,
        /// Which console method.
        level: ConsoleLevel,
        /// The arguments array.
        args: Payload,
    },
    /// `Atomics.notify` in a thread on memory the host may wait on.
    Notify {
        /// Start of the SharedArrayBuffer's memory.
        addr: usize,
        /// Byte index of the notified element.
        byte_index: usize,
        /// How many waiters to wake (u32::MAX: all).
        count: u32,
    },
    /// `parent.sendMessage(value)` inside the thread.
    Message {
        /// The thread's id.
        thread: u32,
        /// The id the call in flight is reported under (its pool's, else
        /// the thread's own); `thread` without a call.
        owner: u32,
        /// The call in flight when it was sent (0: none).
        call_id: u64,
        /// The encoded value.
        payload: Payload,
    },
    /// `parent.host.name(...args)` inside the thread: the host runs its
    /// function and answers with `Job::HostReply`.
    HostCall {
        /// The thread's id (the reply goes to it).
        thread: u32,
        /// The call in flight when it was made (0: none).
        call_id: u64,
        /// Its number on this thread.
        seq: u64,
        /// The host function's place in its realm's list of names (a
        /// number, not the name: nothing to allocate here and free on the
        /// host, and no string for the host to make).
        index: u32,
        /// The encoded arguments array.
        args: Payload,
    },
    /// An error nobody caught (a timer, a listener, a rejection) while no
    /// call could take it, or in a service (which keeps running).
    Uncaught {
        /// The thread's id.
        thread: u32,
        /// The encoded error.
        error: Payload,
    },
    /// A message on Messenger `name` for this environment's endpoints.
    MessengerMessage {
        /// The messenger's name.
        name: String,
        /// The encoded value.
        payload: Payload,
        /// closeAll(): every endpoint closes.
        close: bool,
    },
    /// It is this environment's turn to hold lock `name` (a pending host
    /// `lock()` resolves).
    LockGranted {
        /// The host's token for the pending `lock()`.
        token: f64,
        /// The lock's name.
        name: String,
    },
    /// The isolate is disposed and its thread is ending.
    Exit {
        /// The thread's id.
        thread: u32,
        /// Why.
        reason: ExitReason,
    },
}

/// Where isolate threads deliver events: the binding implements it with a
/// threadsafe function; tests with a channel.
pub trait EventSink: Send + Sync {
    /// Deliver one event; must not block for long.
    fn send(&self, event: Event);

    /// Deliver several events, in order.
    fn send_all(&self, events: Vec<Event>) {
        for e in events {
            self.send(e);
        }
    }

    /// Deliver at once what a sink that holds events back holds (a host
    /// call waits for its answer: the host may start on it while the thread
    /// finishes its turn). Nothing to do for a sink that holds nothing.
    fn send_held(&self) {}
}

/// Several encoded messages back to back, as the host sends them in one
/// batch: every receiving thread reads the same bytes (no copy per message
/// and receiver is made on the sending thread).
pub struct Packed {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Packed {
    /// `bytes` holding messages of `lengths` bytes each, in order; None when
    /// the lengths exceed the bytes.
    pub fn new(bytes: Vec<u8>, lengths: impl Iterator<Item = usize>) -> Option<Packed> {
        let mut end = 0usize;
        let ends = lengths
            .map(|len| {
                end = end.checked_add(len)?;
                (end <= bytes.len()).then_some(end)
            })
            .collect::<Option<Vec<usize>>>()?;
        Some(Packed { bytes, ends })
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no message.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Message `i` (i < len()).
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_batch_splits_by_length_and_rejects_lengths_past_its_end() {
        let p = Packed::new(vec![1, 2, 3, 4, 5, 6], [1, 0, 2, 3].into_iter()).unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!((p.get(0), p.get(1), p.get(2), p.get(3)), (&[1u8][..], &[][..], &[2u8, 3][..], &[4u8, 5, 6][..]));
        assert!(Packed::new(vec![1, 2], [1, 2].into_iter()).is_none());
        assert!(Packed::new(vec![], std::iter::empty()).unwrap().is_empty());
    }
}
