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
use crate::runtime::payload::Bytes;
use crate::runtime::{Event, ExitReason, Outcome};

/// Call results packed for one JS call: per result `BATCH_STRIDE` numbers
/// in `meta` (laid out as `BatchField`) and the encoded values back to
/// back in `bytes`.
#[derive(Default)]
pub(super) struct Batch {
    meta: Vec<f64>,
    bytes: Vec<u8>,
}

/// A batch left in the reused arrays (`Batch::keep`): how many numbers of
/// `meta` it fills, and whether the arrays are others than JS last got.
pub(super) struct Kept {
    pub(super) meta_len: usize,
    pub(super) new_arrays: bool,
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

    /// Deliver what is packed as `js_cb(Batch, meta: Float64Array, bytes:
    /// Uint8Array, metaLength)` in the arrays of `views` (reused while the
    /// batch fits them; new arrays when there are none: a delivery in
    /// progress holds them). The batch is empty afterwards, delivered or not.
    pub(super) unsafe fn flush(&mut self, env: sys::napi_env, js_cb: sys::napi_value, views: Option<&mut BatchViews>) -> napi::Result<()> {
        if self.meta.is_empty() {
            return Ok(());
        }
        // SAFETY: forwarded contract (JS thread, live env and callback).
        let done = unsafe { self.flush_now(env, js_cb, views) };
        self.meta.clear();
        self.bytes.clear();
        done
    }

    /// Leave the batch in the reused arrays for the caller to hand to JS
    /// as its return value instead of calling `js_cb` (one call from JS
    /// into the addon and back saved on a lone call's wait). `None` when
    /// it is empty or does not fit them (then flush it). The batch is
    /// empty afterwards when kept.
    pub(super) unsafe fn keep(&mut self, env: sys::napi_env, views: &mut BatchViews) -> napi::Result<Option<Kept>> {
        if self.meta.is_empty() || !BatchViews::hold(&self.meta, &self.bytes) {
            return Ok(None);
        }
        // SAFETY: forwarded contract (JS thread, live env); `fill` makes
        // its values in the caller's handle scope, unused here.
        unsafe { views.fill(env, &self.meta, &self.bytes)? };
        let kept = Kept { meta_len: self.meta.len(), new_arrays: views.generation != views.given };
        self.meta.clear();
        self.bytes.clear();
        Ok(Some(kept))
    }

    unsafe fn flush_now(&self, env: sys::napi_env, js_cb: sys::napi_value, views: Option<&mut BatchViews>) -> napi::Result<()> {
        // SAFETY: JS thread, live env (the caller's contract); the scope
        // bounds the values made here.
        unsafe {
            let _scope = Scope::open(env)?;
            let len = number(env, self.meta.len() as f64)?;
            let kind = number(env, EventKind::Batch.js())?;
            let (meta, buf) = match views {
                Some(v) => v.fill(env, &self.meta, &self.bytes)?,
                None => fresh_arrays(env, &self.meta, &self.bytes)?,
            };
            call(env, js_cb, &[kind, meta, buf, len])
        }
    }
}

/// Largest arrays kept for reuse: a batch above this goes in new ones.
const VIEWS_MAX_BYTES: usize = 1 << 20;

/// The Float64Array and Uint8Array that batches of results are delivered
/// in, made once and reused (JS thread only): a result then costs the host
/// no new ArrayBuffer, typed array and Buffer, nor the garbage they leave.
/// JS reads them only during the delivery (the decoder copies out).
#[derive(Default)]
pub(super) struct BatchViews {
    /// napi_refs of the arrays (0: none yet) and where their bytes are.
    meta_ref: usize,
    meta_data: usize,
    meta_cap: usize,
    bytes_ref: usize,
    bytes_data: usize,
    bytes_cap: usize,
    /// Bumped whenever either array is replaced by a bigger one.
    generation: u32,
    /// The generation `arrays` last handed to JS.
    given: u32,
}

impl BatchViews {
    /// Whether arrays of `meta` and `bytes` are kept for reuse (not above
    /// VIEWS_MAX_BYTES each).
    fn hold(meta: &[f64], bytes: &[u8]) -> bool {
        meta.len() * 8 <= VIEWS_MAX_BYTES && bytes.len() <= VIEWS_MAX_BYTES
    }

    /// The reused arrays holding `meta` and `bytes` (grown when too small;
    /// new ones, not kept, above VIEWS_MAX_BYTES).
    unsafe fn fill(&mut self, env: sys::napi_env, meta: &[f64], bytes: &[u8]) -> napi::Result<(sys::napi_value, sys::napi_value)> {
        // SAFETY: JS thread, live env (the caller's contract); the refs are
        // this env's and deleted once, when replaced.
        unsafe {
            if !Self::hold(meta, bytes) {
                return fresh_arrays(env, meta, bytes);
            }
            if meta.len() > self.meta_cap {
                let cap = meta.len().next_power_of_two().max(64 * BATCH_STRIDE as usize);
                let (v, data) = new_typed(env, sys::TypedarrayType::float64_array, cap)?;
                replace_ref(env, &mut self.meta_ref, v)?;
                (self.meta_data, self.meta_cap) = (data as usize, cap);
                self.generation = self.generation.wrapping_add(1);
            }
            // The arrays' memory: `*_cap` elements at `*_data`, never moved
            // or detached (only this module and lib/liveness.js see them).
            copy(meta, self.meta_data as *mut f64);
            let b = self.fill_bytes(env, bytes)?;
            let mut m = ptr::null_mut();
            napi_call!(napi_get_reference_value(env, self.meta_ref as sys::napi_ref, &mut m))?;
            Ok((m, b))
        }
    }

    /// The reused Uint8Array holding `bytes` from its start (grown when too
    /// small; the caller keeps `bytes` within VIEWS_MAX_BYTES).
    unsafe fn fill_bytes(&mut self, env: sys::napi_env, bytes: &[u8]) -> napi::Result<sys::napi_value> {
        // SAFETY: as in fill.
        unsafe {
            if bytes.len() > self.bytes_cap || self.bytes_ref == 0 {
                let cap = bytes.len().next_power_of_two().max(16 * 1024);
                let (v, data) = new_typed(env, sys::TypedarrayType::uint8_array, cap)?;
                replace_ref(env, &mut self.bytes_ref, v)?;
                (self.bytes_data, self.bytes_cap) = (data as usize, cap);
                self.generation = self.generation.wrapping_add(1);
            }
            copy(bytes, self.bytes_data as *mut u8);
            let mut b = ptr::null_mut();
            napi_call!(napi_get_reference_value(env, self.bytes_ref as sys::napi_ref, &mut b))?;
            Ok(b)
        }
    }

    /// A Uint8Array of exactly `bytes.len()` over the start of the reused
    /// array, holding a copy of `bytes` (the caller keeps them within
    /// VIEWS_MAX_BYTES and has JS decode them before the next event).
    unsafe fn view_of(&mut self, env: sys::napi_env, bytes: &[u8]) -> napi::Result<sys::napi_value> {
        // SAFETY: as in fill; out-pointers are locals read only after
        // their call succeeded.
        unsafe {
            let whole = self.fill_bytes(env, bytes)?;
            let (mut ab, mut out) = (ptr::null_mut(), ptr::null_mut());
            let (mut kind, mut len, mut data, mut offset) = (sys::TypedarrayType::uint8_array, 0, ptr::null_mut(), 0);
            napi_call!(napi_get_typedarray_info(env, whole, &mut kind, &mut len, &mut data, &mut ab, &mut offset))?;
            napi_call!(napi_create_typedarray(env, sys::TypedarrayType::uint8_array, bytes.len(), ab, 0, &mut out))?;
            Ok(out)
        }
    }

    /// The reused arrays as `[meta, bytes]` (undefined before the first
    /// batch made them), marking this generation as handed to JS.
    pub(super) unsafe fn arrays(&mut self, env: sys::napi_env) -> napi::Result<sys::napi_value> {
        // SAFETY: as in fill; the refs are live while held here.
        unsafe {
            if self.meta_ref == 0 || self.bytes_ref == 0 {
                return undefined(env);
            }
            let (mut m, mut b, mut arr) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
            napi_call!(napi_get_reference_value(env, self.meta_ref as sys::napi_ref, &mut m))?;
            napi_call!(napi_get_reference_value(env, self.bytes_ref as sys::napi_ref, &mut b))?;
            napi_call!(napi_create_array_with_length(env, 2, &mut arr))?;
            napi_call!(napi_set_element(env, arr, 0, m))?;
            napi_call!(napi_set_element(env, arr, 1, b))?;
            self.given = self.generation;
            Ok(arr)
        }
    }
}

/// A new typed array of `len` elements of `kind`, and where its memory is.
unsafe fn new_typed(env: sys::napi_env, kind: sys::napi_typedarray_type, len: usize) -> napi::Result<(sys::napi_value, *mut c_void)> {
    let size = if kind == sys::TypedarrayType::float64_array { 8 } else { 1 };
    let (mut data, mut ab, mut out) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: JS thread, live env (the caller's contract); out-pointers are
    // locals read only after their call succeeded.
    unsafe {
        napi_call!(napi_create_arraybuffer(env, len * size, &mut data, &mut ab))?;
        napi_call!(napi_create_typedarray(env, kind, len, ab, 0, &mut out))?;
    }
    Ok((out, data))
}

/// Hold `value` in `slot` (a strong napi_ref, 0 for none), deleting the old one.
unsafe fn replace_ref(env: sys::napi_env, slot: &mut usize, value: sys::napi_value) -> napi::Result<()> {
    let mut r = ptr::null_mut();
    // SAFETY: JS thread, live env and value (the caller's contract); the
    // old ref is this env's and is deleted once, here.
    unsafe {
        napi_call!(napi_create_reference(env, value, 1, &mut r))?;
        if *slot != 0 {
            napi_call!(napi_delete_reference(env, *slot as sys::napi_ref))?;
        }
    }
    *slot = r as usize;
    Ok(())
}

/// New arrays holding `meta` and `bytes` (a batch the reused ones cannot take).
unsafe fn fresh_arrays(env: sys::napi_env, meta: &[f64], bytes: &[u8]) -> napi::Result<(sys::napi_value, sys::napi_value)> {
    // SAFETY: JS thread, live env (the caller's contract); each array was
    // made with room for what is copied into it.
    unsafe {
        let (m, data) = new_typed(env, sys::TypedarrayType::float64_array, meta.len())?;
        copy(meta, data as *mut f64);
        let (b, data) = new_typed(env, sys::TypedarrayType::uint8_array, bytes.len())?;
        copy(bytes, data as *mut u8);
        Ok((m, b))
    }
}

/// Copy `from` to `to` (nothing for none: `to` may then be null).
///
/// # Safety
/// `to` must have room for `from.len()` aligned elements, apart from `from`.
unsafe fn copy<T: Copy>(from: &[T], to: *mut T) {
    if !from.is_empty() {
        // SAFETY: the caller's contract; `to` is non-null once room was made.
        unsafe { ptr::copy_nonoverlapping(from.as_ptr(), to, from.len()) };
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

/// A call's result or thrown value as `argv[4..7]`. One too big for a batch
/// but within VIEWS_MAX_BYTES, with no shared or moved memory, is copied
/// into the reused array (JS decodes it during the delivery) and its bytes
/// freed at once: held by an ArrayBuffer until the host's collector ran,
/// such bytes (a thread's 100 KB string result in a reused big buffer) left
/// the thread a fresh mapping to fault in for each result in between.
unsafe fn result_args(
    env: sys::napi_env,
    sink: &HostSink,
    p: Payload,
    views: Option<&mut BatchViews>,
) -> napi::Result<[sys::napi_value; 3]> {
    // SAFETY: forwarded: live env on its JS thread.
    unsafe {
        match views {
            Some(v) if p.shared.is_empty() && p.transferred.is_empty() && p.bytes.len() <= VIEWS_MAX_BYTES => {
                let bytes = v.view_of(env, &p.bytes)?;
                let none = undefined(env)?;
                Ok([bytes, none, none])
            }
            _ => payload_args(env, sink, p),
        }
    }
}

unsafe extern "C" fn drop_bytes(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box<HostBytes> leaked in `bytes_to_js`; Node
    // calls the finalizer once.
    drop(unsafe { Box::from_raw(hint as *mut HostBytes) });
}

/// Encoded bytes as a JS value: a Buffer copy when small, else an
/// ArrayBuffer over the bytes themselves (no copy; freed with it).
unsafe fn bytes_to_js(env: sys::napi_env, bytes: Bytes) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    if bytes.len() > BATCH_MAX_BYTES {
        // HostBytes: long strings of the payload can be made over it (strings.rs).
        let bytes = HostBytes::new(bytes);
        let (data, len) = (bytes.bytes().as_ptr() as *mut c_void, bytes.bytes().len());
        let hint = Box::into_raw(Box::new(bytes));
        // SAFETY: the bytes' memory (a Vec's heap buffer, a shared buffer
        // or a BigBuffer) does not move (it is in an Arc and never grown)
        // and lives until the finalizer and every string made
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

/// A payload as `argv[4..7]` (bytes, shared, transferred), or, when it has
/// no shared or moved memory and fits, its bytes at the start of the reused
/// array in `argv[4]` and their length in `argv[8]` (JS decodes the range at
/// once): no Buffer an event.
unsafe fn plain_args(
    env: sys::napi_env,
    sink: &HostSink,
    p: Payload,
    views: Option<&mut BatchViews>,
    argv: &mut [sys::napi_value; 10],
) -> napi::Result<()> {
    // SAFETY: forwarded: live env on its JS thread.
    unsafe {
        match views {
            Some(v) if p.shared.is_empty() && p.transferred.is_empty() && p.bytes.len() <= VIEWS_MAX_BYTES => {
                argv[4] = v.fill_bytes(env, &p.bytes)?;
                argv[8] = number(env, p.bytes.len() as f64)?;
            }
            _ => argv[4..7].copy_from_slice(&payload_args(env, sink, p)?),
        }
        Ok(())
    }
}

/// Deliver one event as `js_cb(kind, thread, a, b, c, d, e, f, g, h)`
/// (`EventKind` documents each shape). Positional on purpose: this is the
/// path of every call result that does not fit a batch, and ten plain
/// arguments cost the callback no object to build or read. `views`: the
/// reused arrays, where a host call's plain arguments go.
pub(super) unsafe fn deliver(
    env: sys::napi_env,
    js_cb: sys::napi_value,
    sink: &HostSink,
    event: Event,
    views: Option<&mut BatchViews>,
) -> napi::Result<()> {
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
                        argv[4..7].copy_from_slice(&result_args(env, sink, p, views)?);
                    }
                    Outcome::Thrown(p) => {
                        argv[3] = n(CallStatus::Thrown.js())?;
                        argv[4..7].copy_from_slice(&result_args(env, sink, p, views)?);
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
                plain_args(env, sink, args, views, &mut argv)?;
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
                plain_args(env, sink, payload, views, &mut argv)?;
            }
            Event::HostCall { thread, call_id, seq, index, args } => {
                argv[0] = n(EventKind::HostCall.js())?;
                argv[1] = n(thread as f64)?;
                argv[2] = n(call_id as f64)?;
                argv[3] = n(seq as f64)?;
                plain_args(env, sink, args, views, &mut argv)?;
                argv[7] = n(index as f64)?;
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
