//! The thread's state that native callbacks reach through an isolate slot:
//! who the thread is, where its events go, its clocks, timers, messengers,
//! the call in flight and its host calls. Subsystems with state of their own
//! keep it in their own slot (`modules`' module map, `natives`' tables, the
//! inspector's session), so this module names only leaf modules.

use std::sync::Arc;
use std::time::Instant;

use super::host_calls::{CallRef, HostCalls};
use super::timers::Timers;
use crate::runtime::{messenger, Control, EventSink};

/// Per-isolate state reachable from native callbacks (an isolate slot).
pub(crate) struct ThreadState {
    pub timers: Timers,
    pub sink: Arc<dyn EventSink>,
    pub thread_id: u32,
    pub origin: Instant,
    pub origin_unix_ms: f64,
    /// Promises rejected with no handler since the last check.
    pub rejections: Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>,
    /// Messengers this thread was given.
    pub messengers: Vec<String>,
    /// This thread as a messenger endpoint.
    pub endpoint: messenger::Endpoint,
    /// The thread's shared state (interrupts stop a lock wait).
    pub control: Arc<Control>,
    /// Host functions: names by realm, calls awaiting their answer.
    pub host: HostCalls,
    /// The call in flight, if any (messages and host calls name it).
    pub call: Option<CallRef>,
    /// The `data` option as decoded in the main realm (that realm's modules
    /// read it as `import.meta.data`).
    pub data: Option<(v8::Global<v8::Context>, v8::Global<v8::Value>)>,
}

/// The thread state of the isolate `scope` is in.
pub(crate) fn state<'a>(scope: &'a mut v8::HandleScope) -> &'a mut ThreadState {
    scope.get_slot_mut::<ThreadState>().expect("thread state is installed before any JS runs")
}
