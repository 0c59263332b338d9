//! Thread events as JS sees them: one call per event, or one call for a
//! batch of call results. Part of the raw Node-API module.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

use super::check::{napi_call, number, string, undefined, Scope};
use super::memory::memory_to_js;
use super::strings::HostBytes;
use super::HostSink;
use crate::binding::protocol::{BatchField, CallStatus, ConsoleMethod, EventKind, ExitCause, Owner, BATCH_STRIDE};
use crate::engine::{Payload, SharedMemory};
use crate::runtime::{Event, ExitReason, Outcome};

/// Call results packed for one JS call: per result `BATCH_STRIDE` numbers
/// in `meta` (laid out as `BatchField`) and the encoded values back to
/// back in `bytes`.
#[derive(Default)]
pub(super) struct Batch {
    meta: Vec<f64>,
    bytes: Vec<u8>,
}

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
            Outcome::Value(p) => (CallStatus::Value, p),
            Outcome::Thrown(p) => (CallStatus::Thrown, p),
            Outcome::Failed { .. } => unreachable!("checked by fits()"),
        };
        let start = self.bytes.len() as f64;
        self.bytes.extend_from_slice(&p.bytes);
        let mut fields = [0.0; BATCH_STRIDE as usize];
        fields[BatchField::Thread as usize] = thread as f64;
        fields[BatchField::CallId as usize] = call_id as f64;
        fields[BatchField::Status as usize] = status.js();
        fields[BatchField::Start as usize] = start;
        fields[BatchField::Length as usize] = p.bytes.len() as f64;
        fields[BatchField::WaitUs as usize] = wait_us;
        fields[BatchField::RunUs as usize] = run_us;
        self.meta.extend_from_slice(&fields);
    }

    /// Deliver what is packed as `js_cb(Batch, meta: Float64Array, bytes: Buffer)`.
    /// The batch is empty afterwards, delivered or not.
    pub(super) unsafe fn flush(&mut self, env: sys::napi_env, js_cb: sys::napi_value) -> napi::Result<()> {
        if self.meta.is_empty() {
            return Ok(());
        }
        // SAFETY: forwarded contract (JS thread, live env and callback).
        let done = unsafe { self.flush_now(env, js_cb) };
        self.meta.clear();
        self.bytes.clear();
        done
    }

    unsafe fn flush_now(&self, env: sys::napi_env, js_cb: sys::napi_value) -> napi::Result<()> {
        // SAFETY: JS thread, live env (the caller's contract); the scope
        // bounds the values made here; every out-pointer is a local, read
        // only after its call succeeded; `data` is written only once
        // napi_create_arraybuffer reported `byte_len` writable bytes there.
        unsafe {
            let _scope = Scope::open(env)?;
            let byte_len = self.meta.len() * 8;
            let (mut data, mut ab, mut meta) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
            napi_call!(napi_create_arraybuffer(env, byte_len, &mut data, &mut ab))?;
            ptr::copy_nonoverlapping(self.meta.as_ptr() as *const u8, data as *mut u8, byte_len);
            napi_call!(napi_create_typedarray(env, sys::TypedarrayType::float64_array, self.meta.len(), ab, 0, &mut meta))?;
            let (mut out, mut buf) = (ptr::null_mut(), ptr::null_mut());
            napi_call!(napi_create_buffer_copy(env, self.bytes.len(), self.bytes.as_ptr() as *const c_void, &mut out, &mut buf))?;
            call(env, js_cb, &[number(env, EventKind::Batch.js())?, meta, buf])
        }
    }
}

unsafe fn js_array(env: sys::napi_env, sink: &HostSink, items: Vec<SharedMemory>, shared: bool) -> napi::Result<sys::napi_value> {
    // SAFETY: live env on its thread (the caller's contract); indices are in
    // range; out-pointers are locals read only after success.
    unsafe {
        if items.is_empty() {
            return undefined(env);
        }
        let mut arr = ptr::null_mut();
        napi_call!(napi_create_array_with_length(env, items.len(), &mut arr))?;
        for (i, mem) in items.into_iter().enumerate() {
            let v = memory_to_js(env, sink, mem, shared)?;
            napi_call!(napi_set_element(env, arr, i as u32, v))?;
        }
        Ok(arr)
    }
}

unsafe fn payload_args(env: sys::napi_env, sink: &HostSink, p: Payload) -> napi::Result<[sys::napi_value; 3]> {
    // SAFETY: forwarded: live env on its JS thread.
    unsafe {
        let buf = bytes_to_js(env, p.bytes)?;
        Ok([buf, js_array(env, sink, p.shared, true)?, js_array(env, sink, p.transferred, false)?])
    }
}

unsafe extern "C" fn drop_bytes(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box<HostBytes> leaked in `bytes_to_js`; Node
    // calls the finalizer once.
    drop(unsafe { Box::from_raw(hint as *mut HostBytes) });
}

/// Encoded bytes as a JS value: a Buffer copy when small, else an
/// ArrayBuffer over the bytes themselves (no copy; freed with it).
unsafe fn bytes_to_js(env: sys::napi_env, bytes: Vec<u8>) -> napi::Result<sys::napi_value> {
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
        let made = unsafe { napi_call!(napi_create_external_arraybuffer(env, data, len, Some(drop_bytes), hint as *mut c_void, &mut out)) };
        if made.is_ok() {
            return Ok(out);
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

unsafe fn copy_to_js(env: sys::napi_env, bytes: &[u8]) -> napi::Result<sys::napi_value> {
    let (mut data, mut out) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: copies `bytes` into a new Buffer of this env; `out` is read
    // only after the call succeeded.
    unsafe { napi_call!(napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr() as *const c_void, &mut data, &mut out))? };
    Ok(out)
}

/// Deliver one event as `js_cb(kind, thread, a, b, c, d, e, f, g, h)`
/// (`EventKind` documents each shape). Positional on purpose: this is the
/// path of every call result that does not fit a batch, and ten plain
/// arguments cost the callback no object to build or read.
pub(super) unsafe fn deliver(env: sys::napi_env, js_cb: sys::napi_value, sink: &HostSink, event: Event) -> napi::Result<()> {
    // SAFETY: everything below runs on the env's JS thread (the caller's
    // contract) inside a handle scope that is closed before returning.
    unsafe {
        let _scope = Scope::open(env)?;
        let mut argv = [undefined(env)?; 10];
        let n = |v: f64| number(env, v);
        match event {
            Event::Done { thread, call_id, outcome, wait_us, run_us } => {
                argv[8] = n(wait_us)?;
                argv[9] = n(run_us)?;
                argv[0] = n(EventKind::Done.js())?;
                argv[1] = n(thread as f64)?;
                argv[2] = n(call_id as f64)?;
                match outcome {
                    Outcome::Value(p) => {
                        argv[3] = n(CallStatus::Value.js())?;
                        argv[4..7].copy_from_slice(&payload_args(env, sink, p)?);
                    }
                    Outcome::Thrown(p) => {
                        argv[3] = n(CallStatus::Thrown.js())?;
                        argv[4..7].copy_from_slice(&payload_args(env, sink, p)?);
                    }
                    Outcome::Failed { code, message, cause } => {
                        argv[3] = n(CallStatus::Failed.js())?;
                        if let Some(c) = cause {
                            argv[4..7].copy_from_slice(&payload_args(env, sink, c)?);
                        }
                        argv[7] = string(env, &format!("{code}\u{0}{message}"))?;
                    }
                }
            }
            Event::Console { thread, level, args } => {
                argv[0] = n(EventKind::Console.js())?;
                argv[1] = n(thread as f64)?;
                argv[2] = n(ConsoleMethod::from(level).js())?;
                argv[4..7].copy_from_slice(&payload_args(env, sink, args)?);
            }
            Event::Notify { addr, byte_index, count } => {
                argv[0] = n(EventKind::Notify.js())?;
                argv[1] = n(Owner::Host.js())?;
                argv[2] = n(addr as f64)?;
                argv[3] = n(byte_index as f64)?;
                argv[4] = n(if count == u32::MAX { f64::INFINITY } else { count as f64 })?;
            }
            Event::Message { thread, owner, call_id, payload } => {
                argv[0] = n(EventKind::Message.js())?;
                argv[1] = n(thread as f64)?;
                argv[2] = n(call_id as f64)?;
                argv[3] = n(owner as f64)?;
                argv[4..7].copy_from_slice(&payload_args(env, sink, payload)?);
            }
            Event::HostCall { thread, call_id, seq, name, args } => {
                argv[0] = n(EventKind::HostCall.js())?;
                argv[1] = n(thread as f64)?;
                argv[2] = n(call_id as f64)?;
                argv[3] = n(seq as f64)?;
                argv[4..7].copy_from_slice(&payload_args(env, sink, args)?);
                argv[7] = string(env, &name)?;
            }
            Event::Uncaught { thread, error } => {
                argv[0] = n(EventKind::Uncaught.js())?;
                argv[1] = n(thread as f64)?;
                argv[4..7].copy_from_slice(&payload_args(env, sink, error)?);
            }
            Event::MessengerMessage { name, payload, close } => {
                argv[0] = n(EventKind::Messenger.js())?;
                argv[1] = n(Owner::Host.js())?;
                argv[2] = string(env, &name)?;
                argv[3] = n(if close { 1.0 } else { 0.0 })?;
                argv[4..7].copy_from_slice(&payload_args(env, sink, payload)?);
            }
            Event::LockGranted { token, name } => {
                argv[0] = n(EventKind::LockGranted.js())?;
                argv[1] = n(Owner::Host.js())?;
                argv[2] = n(token)?;
                argv[3] = string(env, &name)?;
            }
            Event::Exit { thread, reason } => {
                argv[0] = n(EventKind::Exit.js())?;
                argv[1] = n(thread as f64)?;
                let cause = if reason == ExitReason::MemoryLimit { ExitCause::MemoryLimit } else { ExitCause::Ended };
                argv[2] = n(cause.js())?;
            }
        }
        call(env, js_cb, &argv)
    }
}

/// Call the JS callback. An exception it throws is reported as uncaught
/// (the callback catches its own errors, so this is a bug surfacing) and
/// is not an error of the delivery; any other failed status is.
unsafe fn call(env: sys::napi_env, js_cb: sys::napi_value, argv: &[sys::napi_value]) -> napi::Result<()> {
    // SAFETY: JS thread, live env and values (callers' contract);
    // out-pointers are locals read only after success.
    unsafe {
        let undef = undefined(env)?;
        let mut result = ptr::null_mut();
        let status = sys::napi_call_function(env, undef, js_cb, argv.len(), argv.as_ptr(), &mut result);
        if status == sys::Status::napi_pending_exception {
            let mut exc = ptr::null_mut();
            napi_call!(napi_get_and_clear_last_exception(env, &mut exc))?;
            return napi_call!(napi_fatal_exception(env, exc));
        }
        super::check::status(status, "napi_call_function")
    }
}
