//! Thread events as JS sees them: one call per event, or one call for a
//! batch of call results. Part of the raw Node-API module.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

use super::memory::memory_to_js;
use super::strings::HostBytes;
use super::HostSink;
use crate::engine::{Payload, SharedMemory};
use crate::runtime::{Event, ExitReason, Outcome};

/// Call results packed for one JS call: per result 7 numbers in `meta`
/// (thread, call id, status, byte start, byte length, wait µs, run µs) and
/// the encoded values back to back in `bytes`.
#[derive(Default)]
pub(super) struct Batch {
    meta: Vec<f64>,
    bytes: Vec<u8>,
}

const BATCH: f64 = 7.0;

/// A value larger than this goes alone, its bytes handed over without a copy.
const BATCH_MAX_BYTES: usize = 64 * 1024;

impl Batch {
    pub(super) fn fits(&self, outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Value(p) | Outcome::Thrown(p) => p.shared.is_empty() && p.transferred.is_empty() && p.bytes.len() <= BATCH_MAX_BYTES,
            Outcome::Failed { .. } => false,
        }
    }

    pub(super) fn push(&mut self, thread: u32, call_id: u64, outcome: Outcome, wait_us: f64, run_us: f64) {
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
    pub(super) unsafe fn flush(&mut self, env: sys::napi_env, js_cb: sys::napi_value) {
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
            call(env, js_cb, &[number(env, BATCH), meta, buf]);
            sys::napi_close_handle_scope(env, scope);
        }
        self.meta.clear();
        self.bytes.clear();
    }
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
    // SAFETY: forwarded: live env on its JS thread.
    unsafe {
        let buf = bytes_to_js(env, p.bytes);
        [buf, js_array(env, sink, p.shared, true), js_array(env, sink, p.transferred, false)]
    }
}

unsafe extern "C" fn drop_bytes(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box<HostBytes> leaked in `bytes_to_js`; Node
    // calls the finalizer once.
    drop(unsafe { Box::from_raw(hint as *mut HostBytes) });
}

/// Encoded bytes as a JS value: a Buffer copy when small, else an
/// ArrayBuffer over the bytes themselves (no copy; freed with it).
unsafe fn bytes_to_js(env: sys::napi_env, bytes: Vec<u8>) -> sys::napi_value {
    let mut out = ptr::null_mut();
    if bytes.len() > BATCH_MAX_BYTES {
        // HostBytes: long strings of the payload can be made over it (strings.rs).
        let bytes = HostBytes::new(bytes);
        let (data, len) = (bytes.bytes().as_ptr() as *mut c_void, bytes.bytes().len());
        let hint = Box::into_raw(Box::new(bytes));
        // SAFETY: the Vec's heap memory does not move (it is in an Arc and
        // never grown) and lives until the finalizer and every string made
        // over it (strings.rs) let go; nothing writes into payload bytes
        // (the decoder only reads them).
        let status = unsafe { sys::napi_create_external_arraybuffer(env, data, len, Some(drop_bytes), hint as *mut c_void, &mut out) };
        if status == sys::Status::napi_ok {
            return out;
        }
        // Not handed over (a runtime without external buffers): copy below.
        // SAFETY: Node refused the buffer, so the box is still ours.
        let bytes = unsafe { Box::from_raw(hint) };
        // SAFETY: forwarded contract (live env on its JS thread).
        return unsafe { copy_to_js(env, bytes.bytes()) };
    }
    // SAFETY: forwarded contract.
    unsafe { copy_to_js(env, &bytes) }
}

unsafe fn copy_to_js(env: sys::napi_env, bytes: &[u8]) -> sys::napi_value {
    let (mut data, mut out) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: copies `bytes` into a new Buffer of this env.
    let status = unsafe { sys::napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr() as *const c_void, &mut data, &mut out) };
    if status != sys::Status::napi_ok {
        // SAFETY: plain value creation; the decoder then reports bad input.
        unsafe { sys::napi_get_undefined(env, &mut out) };
    }
    out
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
const HOST_CALL: f64 = 9.0;

pub(super) unsafe fn deliver(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink, event: Event) {
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
            Event::Message { thread, owner, call_id, payload } => {
                argv[0] = number(env, MESSAGE);
                argv[1] = number(env, thread as f64);
                argv[2] = number(env, call_id as f64);
                argv[3] = number(env, owner as f64);
                argv[4..7].copy_from_slice(&payload_args(env, sink, payload));
            }
            Event::HostCall { thread, call_id, seq, name, args } => {
                argv[0] = number(env, HOST_CALL);
                argv[1] = number(env, thread as f64);
                argv[2] = number(env, call_id as f64);
                argv[3] = number(env, seq as f64);
                argv[4..7].copy_from_slice(&payload_args(env, sink, args));
                argv[7] = string(env, &name);
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
        call(env, js_cb, &argv);
        sys::napi_close_handle_scope(env, scope);
    }
}

/// Call the JS callback; an exception it throws is reported as uncaught
/// (the callback catches its own errors, so this is a bug surfacing).
unsafe fn call(env: sys::napi_env, js_cb: sys::napi_value, argv: &[sys::napi_value]) {
    // SAFETY: JS thread, live env and values (callers' contract).
    unsafe {
        let mut undef = ptr::null_mut();
        sys::napi_get_undefined(env, &mut undef);
        let mut result = ptr::null_mut();
        let status = sys::napi_call_function(env, undef, js_cb, argv.len(), argv.as_ptr(), &mut result);
        if status == sys::Status::napi_pending_exception {
            let mut exc = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exc);
            sys::napi_fatal_exception(env, exc);
        }
    }
}

