//! Long strings of a payload, made by the runtime from the payload's bytes
//! (lib/codec/decode.js hands over where their code units sit): one copy
//! with `napi_create_string_latin1/utf16`, or none at all for a long string
//! of a payload that came from a thread as an external ArrayBuffer: then an
//! external string (`node_api_create_external_string_latin1/utf16`, looked
//! up at run time) is made over the payload's own memory, which lives as
//! long as the string or the ArrayBuffer does.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use napi::sys;

use super::check::{latin1_string, utf16_string};
use super::check::{napi_call, typed_array_bytes};
use super::lock;
use crate::runtime::payload::Bytes;

/// Strings from this many bytes up are made over the payload's memory.
/// Smaller ones are copied: a string made over the payload keeps all of it
/// until the collector finds the string, so every such result takes fresh
/// pages (25 page faults per 100 KB result), which costs more than the copy
/// below 1 MB (README "Large payloads").
const EXTERNAL_MIN: usize = 1024 * 1024;

/// V8's longest string (`String::kMaxLength` on 64-bit), in code units: an
/// external string is asked for only below it, so the runtime never fails
/// after taking the finalizer.
const MAX_UNITS: usize = (1 << 29) - 24;

/// Payload bytes handed to the host as an external ArrayBuffer. While it
/// lives, its memory is listed, so that strings over that memory can share
/// it (they hold the `Arc`); dropped by the ArrayBuffer's finalizer.
pub(super) struct HostBytes(Arc<Bytes>);

/// Listed payload memory: start address → (length, owner).
type Live = BTreeMap<usize, (usize, Weak<Bytes>)>;

fn live() -> &'static Mutex<Live> {
    static LIVE: OnceLock<Mutex<Live>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(BTreeMap::new()))
}

impl HostBytes {
    /// Take `bytes` and list their memory.
    pub(super) fn new(bytes: Bytes) -> Self {
        let bytes = Arc::new(bytes);
        if !bytes.is_empty() {
            lock(live()).insert(bytes.as_ptr() as usize, (bytes.len(), Arc::downgrade(&bytes)));
        }
        HostBytes(bytes)
    }

    /// The bytes (their address does not change while `self` lives).
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for HostBytes {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            lock(live()).remove(&(self.0.as_ptr() as usize));
        }
    }
}

/// The owner of listed memory holding `len` bytes at `addr`.
fn owner_of(addr: usize, len: usize) -> Option<Arc<Bytes>> {
    let live = lock(live());
    let (&start, (size, owner)) = live.range(..=addr).next_back()?;
    (addr + len <= start + size).then(|| owner.upgrade()).flatten()
}

type CreateExternal<T> = unsafe extern "C" fn(
    sys::napi_env,
    *mut T,
    usize,
    sys::napi_finalize,
    *mut c_void,
    *mut sys::napi_value,
    *mut bool,
) -> sys::napi_status;

/// `name` from the running process (the runtime's Node-API), or 0.
#[cfg(unix)]
fn symbol(name: &std::ffi::CStr) -> usize {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

#[cfg(not(unix))]
fn symbol(_name: &std::ffi::CStr) -> usize {
    0 // not looked up here: strings are copied
}

fn external_latin1() -> Option<CreateExternal<std::ffi::c_char>> {
    static F: OnceLock<usize> = OnceLock::new();
    let addr = *F.get_or_init(|| symbol(c"node_api_create_external_string_latin1"));
    // SAFETY: a non-null symbol of that name has the documented signature.
    (addr != 0).then(|| unsafe { std::mem::transmute::<usize, CreateExternal<std::ffi::c_char>>(addr) })
}

fn external_utf16() -> Option<CreateExternal<u16>> {
    static F: OnceLock<usize> = OnceLock::new();
    let addr = *F.get_or_init(|| symbol(c"node_api_create_external_string_utf16"));
    // SAFETY: a non-null symbol of that name has the documented signature.
    (addr != 0).then(|| unsafe { std::mem::transmute::<usize, CreateExternal<u16>>(addr) })
}

/// What an external string holds: the payload its text is in, and how many
/// bytes of text it counts for in its env's external memory (set once the
/// string was made over it, not copied).
type Held = (Arc<Bytes>, AtomicUsize);

/// Bytes of external strings released, by env, not yet told to that env's
/// engine. A finalizer cannot tell it (it may run inside a collection or
/// after the env is gone), so the env's next `decode_string` or event
/// delivery does (`report_released`).
fn released() -> &'static Mutex<BTreeMap<usize, usize>> {
    static RELEASED: OnceLock<Mutex<BTreeMap<usize, usize>>> = OnceLock::new();
    RELEASED.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// Tell `env`'s engine that the text of its external strings released since
/// the last report is gone (their bytes were counted as external memory
/// when made, so that the collector of a host holding many big results
/// runs, and their memory comes back for the next ones).
///
/// # Safety
/// `env` is live, on its JS thread.
pub(super) unsafe fn report_released(env: sys::napi_env) {
    let Some(bytes) = lock(released()).remove(&(env as usize)).filter(|&b| b > 0) else { return };
    let mut total = 0i64;
    // SAFETY: the caller's contract. A failure leaves the count as it was
    // (the engine then collects a little sooner).
    let _ = unsafe { napi_call!(napi_adjust_external_memory(env, -(bytes as i64), &mut total)) };
}

unsafe extern "C" fn drop_owner(env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box<Held> leaked in `external`; the runtime
    // calls the finalizer once. Only Rust memory is touched (it may run
    // inside a garbage collection or after the env is gone): the env is a
    // key here, never called.
    let (owner, counted) = *unsafe { Box::from_raw(hint as *mut Held) };
    drop(owner);
    let counted = counted.into_inner();
    if counted > 0 {
        *lock(released()).entry(env as usize).or_default() += counted;
    }
}

/// An external string over `units` code units at `text` (inside `owner`),
/// or None when the runtime has no external strings (then the caller copies).
///
/// # Safety
/// `env` is live on its JS thread; `text` points into `owner`'s bytes,
/// `units` code units long (two bytes each, 2-aligned, with `two_byte`).
unsafe fn external(env: sys::napi_env, owner: Arc<Bytes>, text: *const u8, units: usize, two_byte: bool) -> Option<sys::napi_value> {
    if units > MAX_UNITS {
        return None;
    }
    let (latin1, utf16) = (external_latin1(), external_utf16());
    if (two_byte && utf16.is_none()) || (!two_byte && latin1.is_none()) {
        return None;
    }
    let hint = Box::into_raw(Box::new((owner, AtomicUsize::new(0)))) as *mut Held;
    let (mut out, mut copied) = (ptr::null_mut(), false);
    // SAFETY: the memory stays valid and unchanged while `hint` (an owner)
    // lives, and the runtime frees `hint` through `drop_owner` (at once
    // when it copied instead: `copied`).
    let status = unsafe {
        match (two_byte, latin1, utf16) {
            (true, _, Some(f)) => f(env, text as *mut u16, units, Some(drop_owner), hint as *mut c_void, &mut out, &mut copied),
            (false, Some(f), _) => {
                f(env, text as *mut std::ffi::c_char, units, Some(drop_owner), hint as *mut c_void, &mut out, &mut copied)
            }
            _ => unreachable!("checked above"),
        }
    };
    if status != sys::Status::napi_ok || out.is_null() {
        // It failed before taking the finalizer (lengths are checked above):
        // the owner is still ours.
        // SAFETY: `hint` came from Box::into_raw above and was not freed.
        drop(unsafe { Box::from_raw(hint) });
        return None;
    }
    if !copied {
        let counted = if two_byte { 2 * units } else { units };
        // SAFETY: the string owns `hint` now and frees it only in its
        // finalizer, which cannot run before this returns to JS (no
        // collection runs in between on this thread).
        unsafe { (*hint).1.store(counted, Ordering::Relaxed) };
        let mut total = 0i64;
        // SAFETY: live env on its JS thread (the caller's contract). Counted
        // back by `report_released` once the string is collected; a failure
        // only leaves the engine unaware of these bytes, as before.
        let _ = unsafe { napi_call!(napi_adjust_external_memory(env, counted as i64, &mut total)) };
    }
    Some(out)
}

/// The string whose `units` code units start at byte `start` of the
/// Uint8Array `bytes`: one byte each (Latin-1) or, with `two_byte`, two
/// (UTF-16LE, lone surrogates kept). Err: the message of a bad argument.
///
/// # Safety
/// `env` is live on its JS thread and `bytes` a value of this call.
pub unsafe fn decode_string(
    env: sys::napi_env,
    bytes: sys::napi_value,
    start: f64,
    units: f64,
    two_byte: bool,
) -> Result<sys::napi_value, &'static str> {
    const BAD_ARGS: &str = "decodeString: expected a Uint8Array and a range";
    const NOT_MADE: &str = "decodeString: the runtime could not make the string";
    // SAFETY: `bytes` is a value of this call (the caller's contract).
    let (data, len) = unsafe { typed_array_bytes(env, bytes) }.map_err(|_| BAD_ARGS)?;
    if !(start >= 0.0 && units >= 0.0) {
        return Err(BAD_ARGS);
    }
    // SAFETY: the caller's contract (live env, its JS thread).
    unsafe { report_released(env) };
    let (start, units) = (start as usize, units as usize);
    let width = if two_byte { 2 } else { 1 };
    let end = units.checked_mul(width).and_then(|n| n.checked_add(start)).filter(|&end| end <= len);
    let end = end.ok_or("decodeString: the range is outside the bytes")?;
    if units == 0 || data.is_null() {
        // SAFETY: live env on its JS thread (the caller's contract).
        return unsafe { latin1_string(env, &[]) }.map_err(|_| NOT_MADE);
    }
    // SAFETY: Node-API reported `len` readable bytes at `data`, and
    // start..end lies within them; JS does not run during this call.
    let text = unsafe { std::slice::from_raw_parts(data.add(start) as *const u8, end - start) };
    let aligned = (text.as_ptr() as usize).is_multiple_of(2) && cfg!(target_endian = "little");
    if text.len() >= EXTERNAL_MIN && (!two_byte || aligned) {
        if let Some(owner) = owner_of(text.as_ptr() as usize, text.len()).filter(|o| 2 * text.len() >= o.len()) {
            // SAFETY: `text` lies in `owner`'s bytes (owner_of); aligned when two-byte.
            if let Some(s) = unsafe { external(env, owner, text.as_ptr(), units, two_byte) } {
                return Ok(s);
            }
        }
    }
    let made = if !two_byte {
        // SAFETY: live env on its JS thread; `text` is readable (above).
        unsafe { latin1_string(env, text) }
    } else if aligned {
        // SAFETY: aligned and readable (above), and any bytes are valid u16
        // code units: `units` of them lie in `text`.
        let units16 = unsafe { std::slice::from_raw_parts(text.as_ptr() as *const u16, units) };
        // SAFETY: live env on its JS thread.
        unsafe { utf16_string(env, units16) }
    } else {
        let units16: Vec<u16> = text.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
        // SAFETY: live env on its JS thread.
        unsafe { utf16_string(env, &units16) }
    };
    made.map_err(|_| NOT_MADE)
}
