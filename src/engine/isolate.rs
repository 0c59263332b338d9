//! One isolate on the current OS thread: creation with heap limits, the
//! near-heap-limit guard, the context with its globals, then the event loop.

use std::ffi::c_void;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::Receiver;

use super::config::IsolateConfig;
use super::event_loop::Loop;
use super::platform;
use super::realm::{self, Hooks, Realm};
use super::realms;
use super::thread_state::ThreadState;
use super::timers::Timers;
use crate::runtime::batch::BatchingSink;
use crate::runtime::{messenger, Control, EventSink, ExitReason, Job, Terminator};

/// A thread-safe handle that stops whatever JS the isolate runs.
struct IsolateTerminator(v8::IsolateHandle);

impl Terminator for IsolateTerminator {
    fn terminate(&self) {
        self.0.terminate_execution();
    }

    fn poll_inspector(&self) {
        self.0.request_interrupt(super::inspector::on_interrupt, std::ptr::null_mut());
    }
}

/// Extra heap granted when the limit is hit, so termination can unwind
/// without V8 declaring a fatal out-of-memory.
const OOM_GRACE: usize = 64 << 20;
/// How far past its limit a terminating thread may grow (some builtins,
/// e.g. JSON.parse or String.prototype.repeat, allocate without an
/// interrupt check, so termination lands only when they return).
const OOM_HEADROOM: usize = 1 << 30;

extern "C" fn near_heap_limit(data: *mut c_void, current: usize, initial: usize) -> usize {
    // SAFETY: `data` is `Arc::as_ptr` of the thread's Control, and
    // `run_prepared` holds that Arc until after the isolate is dropped.
    let control = unsafe { &*(data as *const Control) };
    control.out_of_memory();
    // Double (the heap may already be well past `current` after a large
    // non-interruptible allocation), within a bounded headroom.
    (current * 2 + OOM_GRACE).min(initial + OOM_HEADROOM).max(current)
}

extern "C" fn on_gc(isolate: *mut v8::Isolate, _kind: v8::GCType, _flags: v8::GCCallbackFlags, data: *mut c_void) {
    // SAFETY: `data` is the thread's Control (kept alive by run_prepared
    // until the isolate is dropped); V8 calls this on the isolate's own
    // thread, with JS paused for the GC, and we only read statistics.
    let (control, isolate) = unsafe { (&*(data as *const Control), &mut *isolate) };
    let mut stats = v8::HeapStatistics::default();
    isolate.get_heap_statistics(&mut stats);
    let external_cap = (stats.heap_size_limit() * EXTERNAL_FACTOR).max(EXTERNAL_MIN);
    if super::cage::count(control, stats.total_heap_size()) || stats.external_memory() > external_cap {
        control.out_of_memory();
    }
}

/// ArrayBuffer contents live outside the V8 heap and outside `memoryLimit`
/// (as in Node), but a thread whose buffers hold more than
/// max(8 × its heap limit, 1 GiB) is stopped too: a runaway loop of typed
/// arrays must not take the whole machine down.
const EXTERNAL_FACTOR: usize = 8;
const EXTERNAL_MIN: usize = 1 << 30;

extern "C" fn on_promise_reject(msg: v8::PromiseRejectMessage) {
    // SAFETY: V8 calls this on the isolate's own thread with a live message.
    let scope = &mut unsafe { v8::CallbackScope::new(&msg) };
    let promise = msg.get_promise();
    match msg.get_event() {
        v8::PromiseRejectEvent::PromiseRejectWithNoHandler => {
            let value = msg.get_value().unwrap_or_else(|| v8::undefined(scope).into());
            let p = v8::Global::new(scope, promise);
            let v = v8::Global::new(scope, value);
            if let Some(st) = scope.get_slot_mut::<ThreadState>() {
                st.rejections.push((p, v));
            }
        }
        v8::PromiseRejectEvent::PromiseHandlerAddedAfterReject => {
            let found = scope.get_slot::<ThreadState>().and_then(|st| st.rejections.iter().position(|(p, _)| *p == promise));
            if let (Some(i), Some(st)) = (found, scope.get_slot_mut::<ThreadState>()) {
                st.rejections.remove(i);
            }
        }
        _ => {}
    }
}

/// An isolate made ahead of time on the current thread (a warm spare), not
/// yet bound to a thread's Control, with its main context and the thread
/// globals already made (together two thirds of a thread's start-up): only
/// what depends on the thread is left for `run_prepared`. It never leaves
/// the thread that made it.
pub struct Prepared {
    // Declared before the isolate: a handle must go before its isolate.
    /// The prelude's hooks in `context`; None if it could not be installed.
    hooks: Option<Hooks>,
    context: v8::Global<v8::Context>,
    isolate: v8::OwnedIsolate,
}

/// Make an isolate on this thread, with its main context and the thread
/// globals (all but what depends on the thread), ready for `run_prepared`.
pub fn prepare_isolate(heap_limit: usize) -> Prepared {
    platform::init();
    let params = v8::CreateParams::default().heap_limits(0, heap_limit).array_buffer_allocator(super::memory::array_buffer_allocator());
    let mut isolate = v8::Isolate::new(params);
    isolate.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
    isolate.set_promise_reject_callback(on_promise_reject);
    isolate.set_host_import_module_dynamically_callback(super::modules::dynamic_import);
    isolate.set_host_initialize_import_meta_object_callback(super::modules::import_meta);
    isolate.set_capture_stack_trace_for_uncaught_exceptions(false, 10);
    let (context, hooks) = {
        let scope = &mut v8::HandleScope::new(&mut isolate);
        let context = v8::Context::new(scope);
        let scope = &mut v8::ContextScope::new(scope, context);
        let hooks = realm::install_prelude(scope, realms::MAIN);
        (v8::Global::new(scope, context), hooks)
    };
    Prepared { hooks, context, isolate }
}

/// Serve `jobs` with an isolate `prepare_isolate` made on this thread
/// until closed, disposed or out of memory, and drop the isolate. Returns
/// why it ended.
pub fn run_prepared(
    prepared: Prepared,
    cfg: &IsolateConfig,
    jobs: &Receiver<Job>,
    control: Arc<Control>,
    host: Arc<dyn EventSink>,
) -> ExitReason {
    // Everything this thread sends is batched; the loop flushes it.
    let batching = BatchingSink::new(host);
    let sink: Arc<dyn EventSink> = batching.clone();
    let Prepared { hooks, context, mut isolate } = prepared;
    isolate.add_near_heap_limit_callback(near_heap_limit, Arc::as_ptr(&control) as *mut c_void);
    isolate.add_gc_prologue_callback(on_gc, Arc::as_ptr(&control) as *mut c_void, v8::GCType::ALL);
    control.set_terminator(Box::new(IsolateTerminator(isolate.thread_safe_handle())));
    let origin_unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    isolate.set_slot(ThreadState {
        timers: Timers::default(),
        sink: sink.clone(),
        thread_id: control.id,
        origin: Instant::now(),
        origin_unix_ms,
        rejections: Vec::new(),
        messengers: Vec::new(),
        endpoint: messenger::Endpoint::Thread { id: control.id, jobs: control.sender() },
        control: control.clone(),
        host: super::host_calls::HostCalls::new(cfg.host.clone()),
        call: None,
        data: None,
    });
    let reason = {
        let scope = &mut v8::HandleScope::new(&mut isolate);
        let context = v8::Local::new(scope, context);
        let scope = &mut v8::ContextScope::new(scope, context);
        let hooks = hooks.filter(|hooks| realm::start_realm(scope, hooks, control.thread_id()).is_some());
        super::inspector::install(scope, cfg.inspector.clone(), control.clone(), cfg.title.clone(), cfg.inspected);
        match hooks {
            Some(hooks) => {
                let main = Realm { context: v8::Global::new(scope, context), hooks };
                Loop::new(scope, control.clone(), jobs.clone(), batching.clone(), main, cfg).run(scope, &cfg.source, cfg.module.as_ref())
            }
            None => ExitReason::Closed,
        }
    };
    super::inspector::uninstall(&mut isolate);
    platform::forget_isolate(&mut isolate);
    drop(isolate);
    super::cage::release(&control); // this heap no longer counts
    batching.flush();
    reason
}
