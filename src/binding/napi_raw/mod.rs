//! The one module that makes raw Node-API calls: the threadsafe function
//! that carries thread events to JS (here and in `events`), plain functions
//! for the per-call hot path (`fast`), and memory
//! shared with the host without a copy (`memory`: SharedArrayBuffers and
//! moved ArrayBuffers, both directions), and long strings made from payload
//! bytes (`strings`). Every call is checked (`check`).

mod check;
mod events;
mod fast;
mod lent;
mod memory;
mod strings;

pub use check::typed_array_bytes;
use check::{napi_call, report_uncaught};
use events::{deliver, Batch, BatchViews};
pub use fast::{await_function, reply_function, submit_function, Reply, Submit, Submitted};
pub use lent::{adopt_shared, become_keeper, reserve_keeper};
pub use memory::{address_of, has_external_sab, lane_buffer, payload};
pub use strings::decode_string;

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use napi::sys;

use crate::runtime::lane::HostLane;
use crate::runtime::{Event, EventSink};

/// How often the host's short wait gives its core away when threads
/// may need it (see `HostSink::spin_for_events`).
const YIELD_EVERY: std::time::Duration = std::time::Duration::from_micros(1);

/// A napi reference held on behalf of an isolate; deleted on the host thread.
pub(super) struct HostRef(pub(super) usize);

/// Delivers events from isolate threads to one JS callback of one env.
pub struct HostSink {
    tsfn: RwLock<Option<usize>>,
    /// napi_ref of the JS callback (used on the JS thread only).
    callback: OnceLock<usize>,
    /// Host buffers already made over thread memory: address → (length,
    /// weak napi_ref). Returning the same SharedArrayBuffer again gives the
    /// same host object, at no cost (JS thread only).
    pub(super) shared_views: Mutex<std::collections::HashMap<usize, (usize, usize)>>,
    queue: Mutex<Vec<Event>>,
    /// The list the last delivery took from `queue`, emptied, given back
    /// at the next one (JS thread only): the two lists pass between the
    /// threads and are never freed, so the host frees no memory an isolate
    /// thread allocated (glibc makes such frees contend for its lock).
    spare: Mutex<Vec<Event>>,
    /// The arrays batches of results are delivered in, reused (JS thread
    /// only); None while a delivery in them is in progress.
    batch_views: Mutex<Option<BatchViews>>,
    releases: Mutex<Vec<HostRef>>,
    /// Set while a wake-up of the event loop is pending (or while events
    /// are held): isolate threads then only queue their events.
    scheduled: AtomicBool,
    /// Set while the host holds deliveries until its event loop's next
    /// turn (`hold`); `scheduled` stays set meanwhile.
    held: AtomicBool,
    /// Set once events were queued, cleared when they are taken: what the
    /// host's short wait polls, so it never contends for `queue`'s lock
    /// with the thread that is answering.
    ready: AtomicBool,
    /// The env may end before the process (a `worker_threads` Worker):
    /// memory it moves to threads is copied (see `memory::host_moved`).
    pub(super) ends_early: AtomicBool,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl HostSink {
    fn schedule(&self) {
        if self.scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let guard = self.tsfn.read().unwrap_or_else(|p| p.into_inner());
        if let Some(tsfn) = *guard {
            // SAFETY: the read lock keeps the tsfn alive: its finalizer takes
            // the write lock and clears it before Node frees it.
            let queued = unsafe {
                napi_call!(napi_call_threadsafe_function(
                    tsfn as sys::napi_threadsafe_function,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking
                ))
            };
            // The queue is unbounded, so the one failure is napi_closing: the
            // env is ending and will never drain. Nothing to report to (this
            // may be an isolate thread); clear the flag so nothing waits on it.
            if queued.is_err() {
                self.scheduled.store(false, Ordering::SeqCst);
            }
        }
    }

    /// Host thread: wait up to `max` for an event, without letting isolate
    /// threads wake the event loop meanwhile (the host is awake anyway).
    /// `yielding`: give the core away between polls even when cores are
    /// not crowded. `lane`: also wait for the answer of the call posted
    /// there (it comes there instead of as an event while the host waits).
    pub fn spin_for_events(&self, max: std::time::Duration, yielding: bool, lane: Option<&HostLane>) -> Spun {
        let was_scheduled = self.scheduled.swap(true, Ordering::AcqRel);
        crate::runtime::inbox::note_host_core();
        if let Some(l) = lane {
            l.begin_wait();
        }
        let start = std::time::Instant::now();
        let until = start + max;
        let mut next_yield = start;
        let mut spun = loop {
            if lane.is_some_and(HostLane::collect) {
                break Spun::Lane;
            }
            if self.ready.load(Ordering::Acquire) && !lock(&self.queue).is_empty() {
                break Spun::Events;
            }
            let now = std::time::Instant::now();
            if now >= until {
                break Spun::Nothing;
            }
            for _ in 0..4 {
                std::hint::spin_loop();
            }
            if now >= next_yield && (yielding || crate::runtime::inbox::cores_crowded()) {
                // Let an isolate thread that may share this core answer
                // (at most once per YIELD_EVERY: each yield is a syscall).
                std::thread::yield_now();
                next_yield = std::time::Instant::now() + YIELD_EVERY;
            }
        };
        // No longer waiting in the lane; an answer put there meanwhile is ours.
        if lane.is_some_and(HostLane::end_wait) {
            spun = Spun::Lane;
        }
        crate::runtime::inbox::note_host_core();
        if spun == Spun::Events {
            // drain_now() runs next and clears the flag the same way.
            return spun;
        }
        if !was_scheduled {
            self.scheduled.store(false, Ordering::SeqCst);
            if !lock(&self.queue).is_empty() {
                self.schedule();
            }
        }
        spun
    }

    /// JS thread: deliver no more events until `release`. Node delivers
    /// the threadsafe function's calls in a loop for as long as new ones
    /// come while it runs them (up to 1,000), so with results coming as
    /// fast as the host settles them its event loop never turned: timers
    /// and I/O waited 20-80 ms. The host holds deliveries once a turn has
    /// delivered for long enough, and releases them at the loop's next
    /// turn (lib/host-events.js).
    pub fn hold(&self) {
        self.held.store(true, Ordering::SeqCst);
        self.scheduled.store(true, Ordering::SeqCst);
    }

    /// JS thread: deliver events again (see `hold`), waking the event loop
    /// for those that came meanwhile.
    pub fn release(&self) {
        if !self.held.swap(false, Ordering::SeqCst) {
            return;
        }
        self.scheduled.store(false, Ordering::SeqCst);
        if self.ready.load(Ordering::Acquire) || !lock(&self.queue).is_empty() || !lock(&self.releases).is_empty() {
            self.schedule();
        }
    }

    /// This env may end before the process (a `worker_threads` Worker).
    pub fn set_ends_early(&self) {
        self.ends_early.store(true, Ordering::Relaxed);
    }

    pub(super) fn release_later(&self, r: HostRef) {
        lock(&self.releases).push(r);
        self.schedule();
    }
}

impl EventSink for HostSink {
    fn send(&self, event: Event) {
        lock(&self.queue).push(event);
        self.ready.store(true, Ordering::Release);
        self.schedule();
    }

    fn send_all(&self, events: Vec<Event>) {
        lock(&self.queue).extend(events);
        self.ready.store(true, Ordering::Release);
        self.schedule();
    }
}

unsafe extern "C" fn tsfn_finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Arc<HostSink> leaked in `create_sink`; Node calls
    // the finalizer once.
    let sink = unsafe { Arc::from_raw(data as *const HostSink) };
    *sink.tsfn.write().unwrap_or_else(|p| p.into_inner()) = None;
}

unsafe extern "C" fn call_js(env: sys::napi_env, js_cb: sys::napi_value, context: *mut c_void, _data: *mut c_void) {
    if env.is_null() || context.is_null() {
        return; // the env is being torn down
    }
    // SAFETY: `context` is the HostSink kept alive by the tsfn (see create_sink).
    let sink = unsafe { &*(context as *const HostSink) };
    if sink.held.load(Ordering::SeqCst) {
        return; // a wake-up that came before `hold`: `release` makes another
    }
    // SAFETY: forwarded: a live env and callback on the JS thread.
    unsafe { drain_now(env, js_cb, sink) };
}

/// What a host's wait found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Spun {
    /// Nothing in time.
    Nothing,
    /// Events are ready: call `drain_now` at once.
    Events,
    /// The answer of the call posted to the lane is there, the host's.
    Lane,
}

/// What `await_soon` did.
enum Awaited {
    /// No event came in time.
    Nothing,
    /// The answer of the call posted to the lane waited in is there (the
    /// caller reads it from the lane); other events stay queued.
    Lane,
    /// Every event went to the sink's callback.
    Delivered,
    /// The events before the last batch of results went to the callback;
    /// that batch is in the reused arrays (`Kept`) for the caller.
    Kept(events::Kept),
}

/// Host thread, right after a call was queued: wait up to `max` for events
/// and deliver them at once, so a fast call settles without a wake-up of
/// the event loop (`yielding`: see `spin_for_events`). The last batch of
/// call results is left in the reused arrays for the caller to hand to JS.
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
unsafe fn await_soon(
    env: sys::napi_env,
    sink: &HostSink,
    max: std::time::Duration,
    yielding: bool,
    lane: Option<&HostLane>,
) -> napi::Result<Awaited> {
    match sink.spin_for_events(max, yielding, lane) {
        Spun::Nothing => return Ok(Awaited::Nothing),
        Spun::Lane => return Ok(Awaited::Lane),
        Spun::Events => {}
    }
    let Some(&cb_ref) = sink.callback.get() else { return Ok(Awaited::Nothing) };
    let mut cb = ptr::null_mut();
    // SAFETY: cb_ref is a live strong reference of this env (see
    // create_sink); `cb` is used only once the call filled it.
    unsafe {
        napi_call!(napi_get_reference_value(env, cb_ref as sys::napi_ref, &mut cb))?;
        Ok(match drain(env, cb, sink, true) {
            Some(kept) => Awaited::Kept(kept),
            None => Awaited::Delivered,
        })
    }
}

/// Deliver every queued event to `js_cb` now (JS thread only). An event
/// that cannot be delivered (a failed Node-API call) becomes an uncaught
/// exception of the env (`check::report_uncaught`: there is no JS caller
/// to throw to) and the events after it are still delivered.
///
/// # Safety
/// `env` and `js_cb` must be live values of the sink's JS thread.
pub unsafe fn drain_now(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink) {
    // SAFETY: forwarded contract.
    let kept = unsafe { drain(env, js_cb, sink, false) };
    debug_assert!(kept.is_none());
}

/// `drain_now`; with `keep_batch`, the last batch of results is left in
/// the reused arrays and described in the return value instead of going
/// to `js_cb` (when those arrays are free and big enough).
///
/// # Safety
/// As `drain_now`.
unsafe fn drain(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink, keep_batch: bool) -> Option<events::Kept> {
    if !sink.held.load(Ordering::SeqCst) {
        sink.scheduled.store(false, Ordering::SeqCst);
    }
    // SAFETY: forwarded contract (live env on its JS thread).
    unsafe { strings::report_released(env) };
    let report = |done: napi::Result<()>| {
        if let Err(e) = done {
            // SAFETY: forwarded contract (live env on its JS thread).
            unsafe { report_uncaught(env, &e) };
        }
    };
    for r in std::mem::take(&mut *lock(&sink.releases)) {
        // SAFETY: r.0 is a napi_ref created on this env's thread, deleted once.
        report(unsafe { napi_call!(napi_delete_reference(env, r.0 as sys::napi_ref)) });
    }
    // Cleared before the take: an event queued meanwhile sets it again.
    sink.ready.store(false, Ordering::Release);
    let mut events = std::mem::take(&mut *lock(&sink.spare));
    std::mem::swap(&mut events, &mut *lock(&sink.queue));
    // Taken while delivering: a delivery nested in this one (JS waiting for
    // events inside a callback) uses new arrays, not the ones JS still reads.
    let mut views = lock(&sink.batch_views).take();
    let mut batch = Batch::default();
    for event in events.drain(..) {
        match event {
            // The common case, a call's value or error with no shared memory,
            // goes in one batch: one JS call for many results.
            Event::Done { thread, call_id, outcome, wait_us, run_us } if batch.fits(&outcome) => {
                batch.push(thread, call_id, outcome, wait_us, run_us);
            }
            other => {
                // SAFETY: forwarded: live env and callback on the JS thread.
                unsafe {
                    report(batch.flush(env, js_cb, views.as_mut()));
                    report(deliver(env, js_cb, sink, other, views.as_mut()));
                }
            }
        }
    }
    let mut kept = None;
    if let (true, Some(v)) = (keep_batch, views.as_mut()) {
        // SAFETY: as above.
        match unsafe { batch.keep(env, v) } {
            Ok(k) => kept = k,
            Err(e) => report(Err(e)),
        }
    }
    // SAFETY: as above.
    report(unsafe { batch.flush(env, js_cb, views.as_mut()) });
    if views.is_some() {
        *lock(&sink.batch_views) = views;
    }
    // (a delivery nested in this one left its own emptied list there; a
    // list grown by a burst is let go)
    if events.capacity() <= SPARE_MAX_EVENTS {
        *lock(&sink.spare) = events;
    }
    kept
}

/// The reused result arrays as `[meta, bytes]` (see `Awaited::Kept`), or
/// undefined when there are none (or a delivery holds them).
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
pub unsafe fn batch_arrays(env: sys::napi_env, sink: &HostSink) -> napi::Result<sys::napi_value> {
    let mut views = lock(&sink.batch_views);
    match views.as_mut() {
        // SAFETY: forwarded contract.
        Some(v) => unsafe { v.arrays(env) },
        // SAFETY: forwarded contract.
        None => unsafe { check::undefined(env) },
    }
}

/// The most events an emptied list may have room for to be kept.
const SPARE_MAX_EVENTS: usize = 1024;

/// Create the event sink of `env`, calling `func` for every event.
///
/// # Safety
/// `env` and `func` must be live values of the calling JS thread.
pub unsafe fn create_sink(env: sys::napi_env, func: sys::napi_value) -> napi::Result<Arc<HostSink>> {
    let failed = |e: napi::Error| napi::Error::new(e.status, format!("could not create the event channel: {}", e.reason));
    let sink = Arc::new(HostSink {
        tsfn: RwLock::new(None),
        callback: OnceLock::new(),
        shared_views: Mutex::default(),
        queue: Mutex::new(Vec::new()),
        spare: Mutex::new(Vec::new()),
        batch_views: Mutex::new(Some(BatchViews::default())),
        releases: Mutex::new(Vec::new()),
        scheduled: AtomicBool::new(false),
        held: AtomicBool::new(false),
        ready: AtomicBool::new(false),
        ends_early: AtomicBool::new(false),
    });
    let mut cb_ref = ptr::null_mut();
    // SAFETY: `func` is a live function of this env; the reference lives as
    // long as the env (the sink is per env); `cb_ref` is kept only once the
    // call filled it.
    unsafe { napi_call!(napi_create_reference(env, func, 1, &mut cb_ref)).map_err(failed)? };
    let _ = sink.callback.set(cb_ref as usize);
    let context = Arc::into_raw(sink.clone()) as *mut c_void;
    let mut tsfn = ptr::null_mut();
    // SAFETY: plain Node-API calls with live arguments (the caller's
    // contract), each made only once the one before succeeded; on success
    // the tsfn owns one Arc<HostSink> (released by tsfn_finalize). Created
    // unreffed: idle hosts never keep the process alive; `set_ref` turns it
    // on while calls are in flight.
    let made = unsafe {
        check::string(env, "isothread")
            .and_then(|name| {
                napi_call!(napi_create_threadsafe_function(
                    env,
                    func,
                    ptr::null_mut(),
                    name,
                    0,
                    1,
                    context,
                    Some(tsfn_finalize),
                    context,
                    Some(call_js),
                    &mut tsfn
                ))
            })
            .and_then(|()| {
                *sink.tsfn.write().unwrap_or_else(|p| p.into_inner()) = Some(tsfn as usize);
                napi_call!(napi_unref_threadsafe_function(env, tsfn)).inspect_err(|_| {
                    // Release it: its finalizer then drops the Arc it owns.
                    let _ = napi_call!(napi_release_threadsafe_function(tsfn, sys::ThreadsafeFunctionReleaseMode::abort));
                })
            })
    };
    if let Err(e) = made {
        if sink.tsfn.read().unwrap_or_else(|p| p.into_inner()).is_none() {
            // SAFETY: no tsfn was made, so the Arc leaked above is still ours.
            drop(unsafe { Arc::from_raw(context as *const HostSink) });
        }
        // SAFETY: the reference made above, deleted once. Should this fail,
        // the reference only lives on until the env ends; the error that
        // matters is `e`, returned below.
        let _ = unsafe { napi_call!(napi_delete_reference(env, cb_ref)) };
        return Err(failed(e));
    }
    Ok(sink)
}

/// Keep (or stop keeping) the event loop alive for this host.
///
/// # Safety
/// `env` must be the env the sink was created on, on its JS thread.
pub unsafe fn set_ref(env: sys::napi_env, sink: &HostSink, on: bool) -> napi::Result<()> {
    if let Some(tsfn) = *sink.tsfn.read().unwrap_or_else(|p| p.into_inner()) {
        let tsfn = tsfn as sys::napi_threadsafe_function;
        // SAFETY: a live tsfn of this env, called on its JS thread.
        unsafe {
            if on {
                napi_call!(napi_ref_threadsafe_function(env, tsfn))?;
            } else {
                napi_call!(napi_unref_threadsafe_function(env, tsfn))?;
            }
        }
    }
    Ok(())
}
