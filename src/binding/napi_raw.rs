//! The one file that makes raw Node-API calls: the threadsafe function that
//! carries thread events to JS, and memory shared with the host without a
//! copy (SharedArrayBuffers and moved ArrayBuffers, both directions).

use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use napi::sys;

use crate::engine::{Keepalive, Payload, SharedMemory};
use crate::runtime::{Event, EventSink, ExitReason, Outcome};

/// A napi reference held on behalf of an isolate; deleted on the host thread.
struct HostRef(usize);

/// Delivers events from isolate threads to one JS callback of one env.
pub struct HostSink {
    tsfn: RwLock<Option<usize>>,
    /// napi_ref of the JS callback (used on the JS thread only).
    callback: OnceLock<usize>,
    /// Host buffers already made over thread memory: address → (length,
    /// weak napi_ref). Returning the same SharedArrayBuffer again gives the
    /// same host object, at no cost (JS thread only).
    shared_views: Mutex<std::collections::HashMap<usize, (usize, usize)>>,
    queue: Mutex<Vec<Event>>,
    releases: Mutex<Vec<HostRef>>,
    scheduled: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
            unsafe {
                sys::napi_call_threadsafe_function(tsfn as sys::napi_threadsafe_function, ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking);
            }
        }
    }

    /// Host thread: wait up to `max` for an event, without letting isolate
    /// threads wake the event loop meanwhile (the host is awake anyway).
    /// True when events are ready; then call `drain_now` at once.
    pub fn spin_for_events(&self, max: std::time::Duration) -> bool {
        let was_scheduled = self.scheduled.swap(true, Ordering::AcqRel);
        let start = std::time::Instant::now();
        let until = start + max;
        let ready = loop {
            if !lock(&self.queue).is_empty() {
                break true;
            }
            let now = std::time::Instant::now();
            if now >= until {
                break false;
            }
            let _ = start;
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        };
        if ready {
            // drain_now() runs next and clears the flag the same way.
            return true;
        }
        if !was_scheduled {
            self.scheduled.store(false, Ordering::SeqCst);
            if !lock(&self.queue).is_empty() {
                self.schedule();
            }
        }
        false
    }

    fn release_later(&self, r: HostRef) {
        lock(&self.releases).push(r);
        self.schedule();
    }
}

impl EventSink for HostSink {
    fn send(&self, event: Event) {
        lock(&self.queue).push(event);
        self.schedule();
    }

    fn send_all(&self, events: Vec<Event>) {
        lock(&self.queue).extend(events);
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
    // SAFETY: forwarded: a live env and callback on the JS thread.
    unsafe { drain_now(env, js_cb, sink) };
}

/// Host thread, right after a call was queued: wait up to `max` for events
/// and deliver them at once, so a fast call settles without a wake-up of
/// the event loop. True when something was delivered.
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
pub unsafe fn deliver_soon(env: sys::napi_env, sink: &HostSink, max: std::time::Duration) -> bool {
    if !sink.spin_for_events(max) {
        return false;
    }
    let Some(&cb_ref) = sink.callback.get() else { return false };
    let mut cb = ptr::null_mut();
    // SAFETY: cb_ref is a live reference of this env (see create_sink).
    unsafe {
        sys::napi_get_reference_value(env, cb_ref as sys::napi_ref, &mut cb);
        drain_now(env, cb, sink);
    }
    true
}

/// Deliver every queued event to `js_cb` now (JS thread only).
///
/// # Safety
/// `env` and `js_cb` must be live values of the sink's JS thread.
pub unsafe fn drain_now(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink) {
    sink.scheduled.store(false, Ordering::SeqCst);
    for r in std::mem::take(&mut *lock(&sink.releases)) {
        // SAFETY: r.0 is a napi_ref created on this env's thread, deleted once.
        unsafe { sys::napi_delete_reference(env, r.0 as sys::napi_ref) };
    }
    let events = std::mem::take(&mut *lock(&sink.queue));
    let mut batch = Batch::default();
    for event in events {
        match event {
            // The common case, a call's value or error with no shared memory,
            // goes in one batch: one JS call for many results.
            Event::Done { thread, call_id, outcome, wait_us, run_us } if batch.fits(&outcome) => {
                batch.push(thread, call_id, outcome, wait_us, run_us);
            }
            other => {
                // SAFETY: forwarded: live env and callback on the JS thread.
                unsafe {
                    batch.flush(env, js_cb);
                    deliver(env, js_cb, sink, other);
                }
            }
        }
    }
    // SAFETY: as above.
    unsafe { batch.flush(env, js_cb) };
}

/// Call results packed for one JS call: per result 7 numbers in `meta`
/// (thread, call id, status, byte start, byte length, wait µs, run µs) and
/// the encoded values back to back in `bytes`.
#[derive(Default)]
struct Batch {
    meta: Vec<f64>,
    bytes: Vec<u8>,
}

const BATCH: f64 = 7.0;

impl Batch {
    fn fits(&self, outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Value(p) | Outcome::Thrown(p) => p.shared.is_empty() && p.transferred.is_empty(),
            Outcome::Failed { .. } => false,
        }
    }

    fn push(&mut self, thread: u32, call_id: u64, outcome: Outcome, wait_us: f64, run_us: f64) {
        let (status, p) = match outcome {
            Outcome::Value(p) => (0.0, p),
            Outcome::Thrown(p) => (1.0, p),
            Outcome::Failed { .. } => unreachable!("checked by fits()"),
        };
        let start = self.bytes.len() as f64;
        self.bytes.extend_from_slice(&p.bytes);
        self.meta.extend_from_slice(&[thread as f64, call_id as f64, status, start, p.bytes.len() as f64, wait_us, run_us]);
    }

    /// Deliver what is packed as `js_cb(7, meta: Float64Array, bytes: Buffer)`.
    unsafe fn flush(&mut self, env: sys::napi_env, js_cb: sys::napi_value) {
        if self.meta.is_empty() {
            return;
        }
        // SAFETY: JS thread, live env; a handle scope bounds the values.
        unsafe {
            let mut scope = ptr::null_mut();
            sys::napi_open_handle_scope(env, &mut scope);
            let byte_len = self.meta.len() * 8;
            let (mut data, mut ab, mut meta) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
            sys::napi_create_arraybuffer(env, byte_len, &mut data, &mut ab);
            ptr::copy_nonoverlapping(self.meta.as_ptr() as *const u8, data as *mut u8, byte_len);
            sys::napi_create_typedarray(env, sys::TypedarrayType::float64_array, self.meta.len(), ab, 0, &mut meta);
            let (mut out, mut buf) = (ptr::null_mut(), ptr::null_mut());
            sys::napi_create_buffer_copy(env, self.bytes.len(), self.bytes.as_ptr() as *const c_void, &mut out, &mut buf);
            let mut undef = ptr::null_mut();
            sys::napi_get_undefined(env, &mut undef);
            let argv = [number(env, BATCH), meta, buf];
            let mut result = ptr::null_mut();
            let status = sys::napi_call_function(env, undef, js_cb, argv.len(), argv.as_ptr(), &mut result);
            if status == sys::Status::napi_pending_exception {
                let mut exc = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut exc);
                sys::napi_fatal_exception(env, exc);
            }
            sys::napi_close_handle_scope(env, scope);
        }
        self.meta.clear();
        self.bytes.clear();
    }
}

/// Create the event sink of `env`, calling `func` for every event.
///
/// # Safety
/// `env` and `func` must be live values of the calling JS thread.
pub unsafe fn create_sink(env: sys::napi_env, func: sys::napi_value) -> napi::Result<Arc<HostSink>> {
    let sink = Arc::new(HostSink { tsfn: RwLock::new(None), callback: OnceLock::new(), shared_views: Mutex::default(), queue: Mutex::new(Vec::new()), releases: Mutex::new(Vec::new()), scheduled: AtomicBool::new(false) });
    let context = Arc::into_raw(sink.clone()) as *mut c_void;
    let mut name = ptr::null_mut();
    let mut tsfn = ptr::null_mut();
    // SAFETY: plain Node-API calls with live arguments; on success the tsfn
    // owns one Arc<HostSink> (released by tsfn_finalize).
    let status = unsafe {
        sys::napi_create_string_utf8(env, c"isothread".as_ptr(), 9, &mut name);
        sys::napi_create_threadsafe_function(env, func, ptr::null_mut(), name, 0, 1, context, Some(tsfn_finalize), context, Some(call_js), &mut tsfn)
    };
    if status != sys::Status::napi_ok {
        // SAFETY: creation failed, so the Arc leaked above is still ours.
        drop(unsafe { Arc::from_raw(context as *const HostSink) });
        return Err(napi::Error::from_reason("could not create the event channel"));
    }
    *sink.tsfn.write().unwrap_or_else(|p| p.into_inner()) = Some(tsfn as usize);
    let mut cb_ref = ptr::null_mut();
    // SAFETY: `func` is a live function of this env; the reference lives as
    // long as the env (the sink is per env).
    unsafe { sys::napi_create_reference(env, func, 1, &mut cb_ref) };
    let _ = sink.callback.set(cb_ref as usize);
    // SAFETY: the tsfn was just created on this env. Idle hosts never keep
    // the process alive; `set_ref` turns it on while calls are in flight.
    unsafe { sys::napi_unref_threadsafe_function(env, tsfn) };
    Ok(sink)
}

/// Keep (or stop keeping) the event loop alive for this host.
///
/// # Safety
/// `env` must be the env the sink was created on, on its JS thread.
pub unsafe fn set_ref(env: sys::napi_env, sink: &HostSink, on: bool) {
    if let Some(tsfn) = *sink.tsfn.read().unwrap_or_else(|p| p.into_inner()) {
        let tsfn = tsfn as sys::napi_threadsafe_function;
        // SAFETY: a live tsfn of this env, called on its JS thread.
        unsafe {
            if on {
                sys::napi_ref_threadsafe_function(env, tsfn);
            } else {
                sys::napi_unref_threadsafe_function(env, tsfn);
            }
        }
    }
}

/// The bytes of a typed array: start pointer and length.
///
/// # Safety
/// `value` must be a live value of `env`, on its JS thread.
pub unsafe fn typed_array_bytes(env: sys::napi_env, value: sys::napi_value) -> napi::Result<(*mut u8, usize)> {
    let (mut ty, mut len, mut data, mut ab, mut offset) = (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
    // SAFETY: out-pointers are valid locals.
    let status = unsafe { sys::napi_get_typedarray_info(env, value, &mut ty, &mut len, &mut data, &mut ab, &mut offset) };
    if status != sys::Status::napi_ok || ty != sys::TypedarrayType::uint8_array {
        return Err(napi::Error::from_reason("expected a Uint8Array"));
    }
    Ok((data as *mut u8, len))
}

/// Copy the bytes of a Uint8Array.
///
/// # Safety
/// As `typed_array_bytes`.
pub unsafe fn copy_bytes(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Vec<u8>> {
    // SAFETY: forwarded contract.
    let (data, len) = unsafe { typed_array_bytes(env, value)? };
    if len == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: Node-API reported `len` readable bytes at `data`.
    Ok(unsafe { std::slice::from_raw_parts(data, len) }.to_vec())
}

fn keepalive(env: sys::napi_env, value: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<Keepalive> {
    struct Held {
        r: usize,
        sink: Arc<HostSink>,
    }
    impl Drop for Held {
        fn drop(&mut self) {
            self.sink.release_later(HostRef(self.r));
        }
    }
    let mut r = ptr::null_mut();
    // SAFETY: a live value of this env, on its JS thread.
    let status = unsafe { sys::napi_create_reference(env, value, 1, &mut r) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("could not keep a buffer alive"));
    }
    Ok(Box::new(Held { r: r as usize, sink: sink.clone() }))
}

/// Host SharedArrayBuffer (given as a Uint8Array over all of it) → memory a
/// thread can map. The host object stays alive while any isolate uses it.
///
/// # Safety
/// `view` must be a live Uint8Array of `env`, on its JS thread.
pub unsafe fn host_shared(env: sys::napi_env, view: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<SharedMemory> {
    // SAFETY: forwarded contract.
    let (data, len) = unsafe { typed_array_bytes(env, view)? };
    let keep = keepalive(env, view, sink)?;
    // SAFETY: the reference in `keep` keeps the SharedArrayBuffer, and so its
    // memory, alive until the isolate's backing store releases it.
    Ok(unsafe { SharedMemory::from_host(data, len, true, keep) })
}

/// Host ArrayBuffer already detached from the user's hands (moved) →
/// memory a thread takes over.
///
/// # Safety
/// `ab` must be a live ArrayBuffer of `env`, on its JS thread.
pub unsafe fn host_moved(env: sys::napi_env, ab: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<SharedMemory> {
    let (mut data, mut len) = (ptr::null_mut(), 0usize);
    // SAFETY: out-pointers are valid locals.
    let status = unsafe { sys::napi_get_arraybuffer_info(env, ab, &mut data, &mut len) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("expected an ArrayBuffer"));
    }
    let keep = keepalive(env, ab, sink)?;
    // SAFETY: as in host_shared, for a non-shared buffer nobody else holds.
    Ok(unsafe { SharedMemory::from_host(data as *mut u8, len, false, keep) })
}

type CreateExternalSab = unsafe extern "C" fn(sys::napi_env, *mut c_void, usize, Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>, *mut c_void, *mut sys::napi_value) -> sys::napi_status;

/// `node_api_create_external_sharedarraybuffer`, where the runtime has it
/// (Node 22+, Bun); looked up at run time, never linked.
fn external_sab_fn() -> Option<CreateExternalSab> {
    static F: OnceLock<usize> = OnceLock::new();
    let addr = *F.get_or_init(|| {
        let name: &CStr = c"node_api_create_external_sharedarraybuffer";
        // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
        unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
    });
    // SAFETY: a non-null symbol of that name has the documented signature.
    (addr != 0).then(|| unsafe { std::mem::transmute::<usize, CreateExternalSab>(addr) })
}

/// True when the host receives real SharedArrayBuffers from threads.
pub fn has_external_sab() -> bool {
    external_sab_fn().is_some()
}

unsafe extern "C" fn drop_memory_noenv(data: *mut c_void, hint: *mut c_void) {
    let _ = data;
    // SAFETY: `hint` is the Box<SharedMemory> leaked in `memory_to_js`.
    drop(unsafe { Box::from_raw(hint as *mut SharedMemory) });
}

unsafe extern "C" fn drop_memory(_env: sys::napi_env, data: *mut c_void, hint: *mut c_void) {
    // SAFETY: same contract as drop_memory_noenv.
    unsafe { drop_memory_noenv(data, hint) };
}

/// Thread memory → a host buffer over the same bytes (no copy): a real
/// SharedArrayBuffer where the runtime can make one, else an ArrayBuffer.
unsafe fn memory_to_js(env: sys::napi_env, sink: &HostSink, mem: SharedMemory, shared: bool) -> sys::napi_value {
    if !shared {
        // SAFETY: forwarded contract.
        return unsafe { new_external(env, mem, false) };
    }
    let key = mem.as_ptr() as usize;
    let mut views = lock(&sink.shared_views);
    if let Some(&(len, r)) = views.get(&key) {
        let mut existing = ptr::null_mut();
        // SAFETY: r is a live (weak) reference of this env.
        unsafe { sys::napi_get_reference_value(env, r as sys::napi_ref, &mut existing) };
        if !existing.is_null() && len == mem.len() {
            // The host object holds its own share of this memory.
            return existing;
        }
        // SAFETY: a reference of this env, deleted once (replaced below).
        unsafe { sys::napi_delete_reference(env, r as sys::napi_ref) };
        views.remove(&key);
    }
    let len = mem.len();
    // SAFETY: forwarded contract.
    let value = unsafe { new_external(env, mem, true) };
    let mut r = ptr::null_mut();
    // SAFETY: a live value of this env; refcount 0 makes the reference weak.
    if unsafe { sys::napi_create_reference(env, value, 0, &mut r) } == sys::Status::napi_ok {
        if views.len() >= 64 && views.len().is_power_of_two() {
            // Drop entries whose host objects were collected.
            views.retain(|_, (_, old)| {
                let mut v = ptr::null_mut();
                // SAFETY: live references of this env; dead ones deleted once.
                unsafe {
                    sys::napi_get_reference_value(env, *old as sys::napi_ref, &mut v);
                    if v.is_null() {
                        sys::napi_delete_reference(env, *old as sys::napi_ref);
                    }
                }
                !v.is_null()
            });
        }
        views.insert(key, (len, r as usize));
    }
    value
}

unsafe fn new_external(env: sys::napi_env, mem: SharedMemory, shared: bool) -> sys::napi_value {
    let (data, len) = (mem.as_ptr(), mem.len());
    let mut out = ptr::null_mut();
    if len == 0 || data.is_null() {
        // SAFETY: plain creation of an empty buffer.
        unsafe { sys::napi_create_arraybuffer(env, 0, &mut ptr::null_mut(), &mut out) };
        return out;
    }
    let hint = Box::into_raw(Box::new(mem)) as *mut c_void;
    // SAFETY: `data` stays valid while the boxed SharedMemory lives; the
    // finalizer drops it once the host buffer is collected.
    let status = unsafe {
        match external_sab_fn().filter(|_| shared) {
            Some(create) => create(env, data as *mut c_void, len, Some(drop_memory_noenv), hint, &mut out),
            None => sys::napi_create_external_arraybuffer(env, data as *mut c_void, len, Some(drop_memory), hint, &mut out),
        }
    };
    if status != sys::Status::napi_ok {
        // SAFETY: not handed to Node; still ours to drop.
        drop(unsafe { Box::from_raw(hint as *mut SharedMemory) });
        // SAFETY: plain creation of an empty buffer.
        unsafe { sys::napi_get_undefined(env, &mut out) };
    }
    out
}

unsafe fn js_array(env: sys::napi_env, sink: &HostSink, items: Vec<SharedMemory>, shared: bool) -> sys::napi_value {
    let mut arr = ptr::null_mut();
    // SAFETY: live env on its thread; indices are in range.
    unsafe {
        if items.is_empty() {
            sys::napi_get_undefined(env, &mut arr);
            return arr;
        }
        sys::napi_create_array_with_length(env, items.len(), &mut arr);
        for (i, mem) in items.into_iter().enumerate() {
            let v = memory_to_js(env, sink, mem, shared);
            sys::napi_set_element(env, arr, i as u32, v);
        }
    }
    arr
}

unsafe fn number(env: sys::napi_env, n: f64) -> sys::napi_value {
    let mut v = ptr::null_mut();
    // SAFETY: live env on its thread.
    unsafe { sys::napi_create_double(env, n, &mut v) };
    v
}

unsafe fn string(env: sys::napi_env, s: &str) -> sys::napi_value {
    let mut v = ptr::null_mut();
    // SAFETY: pointer and length of a valid UTF-8 str.
    unsafe { sys::napi_create_string_utf8(env, s.as_ptr() as *const _, s.len() as isize, &mut v) };
    v
}

unsafe fn payload_args(env: sys::napi_env, sink: &HostSink, p: Payload) -> [sys::napi_value; 3] {
    let mut buf = ptr::null_mut();
    let mut out = ptr::null_mut();
    // SAFETY: copies `p.bytes` into a new Buffer of this env.
    unsafe {
        sys::napi_create_buffer_copy(env, p.bytes.len(), p.bytes.as_ptr() as *const c_void, &mut out, &mut buf);
        [buf, js_array(env, sink, p.shared, true), js_array(env, sink, p.transferred, false)]
    }
}

/// Event kinds as the JS callback sees them: `(kind, thread, a, b, c, d, e, f, g, h)`.
const DONE: f64 = 0.0;
const CONSOLE: f64 = 1.0;
const NOTIFY: f64 = 2.0;
const EXIT: f64 = 3.0;
const MESSAGE: f64 = 4.0;
const UNCAUGHT: f64 = 5.0;
const MESSENGER: f64 = 6.0;
const LOCK_GRANTED: f64 = 8.0;

unsafe fn deliver(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink, event: Event) {
    // SAFETY: everything below runs on the env's JS thread inside a handle
    // scope that is closed before returning.
    unsafe {
        let mut scope = ptr::null_mut();
        sys::napi_open_handle_scope(env, &mut scope);
        let mut undef = ptr::null_mut();
        sys::napi_get_undefined(env, &mut undef);
        let mut argv = [undef; 10];
        match event {
            Event::Done { thread, call_id, outcome, wait_us, run_us } => {
                argv[8] = number(env, wait_us);
                argv[9] = number(env, run_us);
                argv[0] = number(env, DONE);
                argv[1] = number(env, thread as f64);
                argv[2] = number(env, call_id as f64);
                match outcome {
                    Outcome::Value(p) => {
                        argv[3] = number(env, 0.0);
                        argv[4..7].copy_from_slice(&payload_args(env, sink, p));
                    }
                    Outcome::Thrown(p) => {
                        argv[3] = number(env, 1.0);
                        argv[4..7].copy_from_slice(&payload_args(env, sink, p));
                    }
                    Outcome::Failed { code, message, cause } => {
                        argv[3] = number(env, 2.0);
                        if let Some(c) = cause {
                            argv[4..7].copy_from_slice(&payload_args(env, sink, c));
                        }
                        argv[7] = string(env, &format!("{code}\u{0}{message}"));
                    }
                }
            }
            Event::Console { thread, level, args } => {
                argv[0] = number(env, CONSOLE);
                argv[1] = number(env, thread as f64);
                argv[2] = number(env, level as u8 as f64);
                argv[4..7].copy_from_slice(&payload_args(env, sink, args));
            }
            Event::Notify { addr, byte_index, count } => {
                argv[0] = number(env, NOTIFY);
                argv[1] = number(env, 0.0);
                argv[2] = number(env, addr as f64);
                argv[3] = number(env, byte_index as f64);
                argv[4] = number(env, if count == u32::MAX { f64::INFINITY } else { count as f64 });
            }
            Event::Message { thread, payload } => {
                argv[0] = number(env, MESSAGE);
                argv[1] = number(env, thread as f64);
                argv[4..7].copy_from_slice(&payload_args(env, sink, payload));
            }
            Event::Uncaught { thread, error } => {
                argv[0] = number(env, UNCAUGHT);
                argv[1] = number(env, thread as f64);
                argv[4..7].copy_from_slice(&payload_args(env, sink, error));
            }
            Event::MessengerMessage { name, payload, close } => {
                argv[0] = number(env, MESSENGER);
                argv[1] = number(env, 0.0);
                argv[2] = string(env, &name);
                argv[3] = number(env, if close { 1.0 } else { 0.0 });
                argv[4..7].copy_from_slice(&payload_args(env, sink, payload));
            }
            Event::LockGranted { token, name } => {
                argv[0] = number(env, LOCK_GRANTED);
                argv[1] = number(env, 0.0);
                argv[2] = number(env, token);
                argv[3] = string(env, &name);
            }
            Event::Exit { thread, reason } => {
                argv[0] = number(env, EXIT);
                argv[1] = number(env, thread as f64);
                argv[2] = number(env, if reason == ExitReason::MemoryLimit { 1.0 } else { 0.0 });
            }
        }
        let mut result = ptr::null_mut();
        let status = sys::napi_call_function(env, undef, js_cb, argv.len(), argv.as_ptr(), &mut result);
        if status == sys::Status::napi_pending_exception {
            let mut exc = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exc);
            sys::napi_fatal_exception(env, exc);
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// Start address of a Uint8Array's memory (for the shared-memory registry).
///
/// # Safety
/// As `typed_array_bytes`.
pub unsafe fn address_of(env: sys::napi_env, view: sys::napi_value) -> napi::Result<usize> {
    // SAFETY: forwarded contract.
    unsafe { typed_array_bytes(env, view) }.map(|(p, _)| p as usize)
}
