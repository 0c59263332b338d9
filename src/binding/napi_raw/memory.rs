//! Memory shared with the host without a copy, both ways. Part of the raw
//! Node-API module.

use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use napi::sys;

use super::check::{napi_call, typed_array_bytes};
use super::lent::keepalive;
use super::{lock, HostSink};
use crate::engine::{Payload, SharedMemory};
use crate::runtime::lane::{Lane, LANE_BYTES};
use crate::runtime::payload::Bytes;

/// The bytes of a Uint8Array, borrowed for `f` (JS does not run meanwhile).
///
/// # Safety
/// As `typed_array_bytes`.
unsafe fn with_bytes<T>(env: sys::napi_env, value: sys::napi_value, f: impl FnOnce(&[u8]) -> T) -> napi::Result<T> {
    // SAFETY: forwarded contract.
    let (data, len) = unsafe { typed_array_bytes(env, value)? };
    if len == 0 {
        return Ok(f(&[]));
    }
    // SAFETY: Node-API reported `len` readable bytes at `data`, which stay
    // as they are while no JS runs (during this native call).
    Ok(f(unsafe { std::slice::from_raw_parts(data, len) }))
}

/// Host SharedArrayBuffer (given as a Uint8Array over all of it) → memory a
/// thread can map. The host object stays alive while any isolate uses it.
///
/// # Safety
/// `view` must be a live Uint8Array of `env`, on its JS thread.
pub unsafe fn host_shared(env: sys::napi_env, view: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<SharedMemory> {
    // SAFETY: forwarded contract.
    let (data, len) = unsafe { typed_array_bytes(env, view)? };
    // SAFETY: forwarded contract.
    let keep = unsafe { keepalive(env, view, sink, Some(data as usize))? };
    // SAFETY: the reference in `keep` keeps the SharedArrayBuffer, and so its
    // memory, alive until the isolate's backing store releases it, while the
    // lending env lives. Should it be a Worker that ends first, the keeper's
    // reference does (`lent`: the main env adopts it, lib/keeper.js). The one
    // gap: with isothread not loaded on the main thread there is no keeper,
    // and a Worker must outlive the threads that hold its memory (README
    // "Choices").
    Ok(unsafe { SharedMemory::from_host(data, len, true, keep) })
}

/// Host ArrayBuffer already detached from the user's hands (moved) →
/// memory a thread takes over. A Uint8Array instead (the codec's big
/// buffers, sent as a copy) is copied now into memory of its own, and so is
/// a moved buffer of an env that may end first (a Worker: its memory would
/// go with it; nobody else can see the bytes, so a copy is the same value).
///
/// # Safety
/// `ab` must be a live ArrayBuffer or Uint8Array of `env`, on its JS thread.
pub unsafe fn host_moved(env: sys::napi_env, ab: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<SharedMemory> {
    let mut is_view = false;
    // SAFETY: a live value of this env; the out-pointer is a local.
    if unsafe { napi_call!(napi_is_typedarray(env, ab, &mut is_view)) }.is_err() {
        return Err(napi::Error::from_reason("expected an ArrayBuffer"));
    }
    if is_view {
        // SAFETY: forwarded contract (a live typed array of this env).
        return unsafe { with_bytes(env, ab, SharedMemory::copy_of) };
    }
    let (mut data, mut len) = (ptr::null_mut(), 0usize);
    // SAFETY: out-pointers are valid locals, read only after success.
    if unsafe { napi_call!(napi_get_arraybuffer_info(env, ab, &mut data, &mut len)) }.is_err() {
        return Err(napi::Error::from_reason("expected an ArrayBuffer"));
    }
    if sink.ends_early.load(Ordering::Relaxed) {
        // SAFETY: Node-API reported `len` readable bytes at `data` (none
        // when empty); JS does not run during this call.
        let bytes = if len == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(data as *const u8, len) } };
        return Ok(SharedMemory::copy_of(bytes));
    }
    // SAFETY: forwarded contract.
    let keep = unsafe { keepalive(env, ab, sink, None)? };
    // SAFETY: as in host_shared, for a non-shared buffer nobody else holds.
    Ok(unsafe { SharedMemory::from_host(data as *mut u8, len, false, keep) })
}

type CreateExternalSab = unsafe extern "C" fn(
    sys::napi_env,
    *mut c_void,
    usize,
    Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    *mut c_void,
    *mut sys::napi_value,
) -> sys::napi_status;

/// `node_api_create_external_sharedarraybuffer`, where the runtime has it
/// (Node 22+, Bun); looked up at run time, never linked. Unix only (dlsym
/// over the process's symbols); elsewhere the host gets ArrayBuffers over
/// the same memory, as on a runtime without the function.
fn external_sab_fn() -> Option<CreateExternalSab> {
    static F: OnceLock<usize> = OnceLock::new();
    let addr = *F.get_or_init(lookup_external_sab);
    // SAFETY: a non-null symbol of that name has the documented signature.
    (addr != 0).then(|| unsafe { std::mem::transmute::<usize, CreateExternalSab>(addr) })
}

#[cfg(unix)]
fn lookup_external_sab() -> usize {
    let name: &CStr = c"node_api_create_external_sharedarraybuffer";
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

#[cfg(not(unix))]
fn lookup_external_sab() -> usize {
    0
}

/// True when the host receives real SharedArrayBuffers from threads.
pub fn has_external_sab() -> bool {
    external_sab_fn().is_some()
}

unsafe extern "C" fn drop_memory_noenv(data: *mut c_void, hint: *mut c_void) {
    let _ = data;
    // SAFETY: `hint` is the Box<SharedMemory> leaked in `new_external`; the
    // runtime calls the finalizer once.
    drop(unsafe { Box::from_raw(hint as *mut SharedMemory) });
}

unsafe extern "C" fn drop_memory(_env: sys::napi_env, data: *mut c_void, hint: *mut c_void) {
    // SAFETY: same contract as drop_memory_noenv.
    unsafe { drop_memory_noenv(data, hint) };
}

/// The value a weak reference of this env points at, None once collected.
///
/// # Safety
/// `r` must be a live reference of `env`, on its JS thread.
unsafe fn weak_target(env: sys::napi_env, r: usize) -> napi::Result<Option<sys::napi_value>> {
    let mut v = ptr::null_mut();
    // SAFETY: the caller's contract; `v` is read only after success.
    unsafe { napi_call!(napi_get_reference_value(env, r as sys::napi_ref, &mut v))? };
    Ok((!v.is_null()).then_some(v))
}

/// Thread memory → a host buffer over the same bytes (no copy): a real
/// SharedArrayBuffer where the runtime can make one, else an ArrayBuffer.
pub(super) unsafe fn memory_to_js(env: sys::napi_env, sink: &HostSink, mem: SharedMemory, shared: bool) -> napi::Result<sys::napi_value> {
    if !shared {
        // SAFETY: forwarded contract.
        return unsafe { new_external(env, mem, false) };
    }
    let key = mem.as_ptr() as usize;
    let mut views = lock(&sink.shared_views);
    if let Some(&(len, r)) = views.get(&key) {
        // SAFETY: r is a live (weak) reference of this env.
        if let Some(existing) = unsafe { weak_target(env, r)? } {
            if len == mem.len() {
                // The host object holds its own share of this memory.
                return Ok(existing);
            }
        }
        views.remove(&key);
        // SAFETY: a reference of this env, deleted once (replaced below).
        unsafe { napi_call!(napi_delete_reference(env, r as sys::napi_ref))? };
    }
    let len = mem.len();
    // SAFETY: forwarded contract.
    let value = unsafe { new_external(env, mem, true)? };
    let mut r = ptr::null_mut();
    // SAFETY: a live value of this env; refcount 0 makes the reference weak.
    // Without one (a failed call) the value is still right, only a later
    // return of the same memory makes a second host object.
    if unsafe { napi_call!(napi_create_reference(env, value, 0, &mut r)) }.is_ok() {
        if views.len() >= 64 && views.len().is_power_of_two() {
            // Drop entries whose host objects were collected (or whose
            // reference can no longer be read).
            views.retain(|_, (_, old)| {
                // SAFETY: live references of this env; dead ones deleted once.
                unsafe {
                    if let Ok(Some(_)) = weak_target(env, *old) {
                        return true;
                    }
                    // A failed delete leaves the reference to the env's teardown.
                    let _ = napi_call!(napi_delete_reference(env, *old as sys::napi_ref));
                }
                false
            });
        }
        views.insert(key, (len, r as usize));
    }
    Ok(value)
}

unsafe fn new_external(env: sys::napi_env, mem: SharedMemory, shared: bool) -> napi::Result<sys::napi_value> {
    let (data, len) = (mem.as_ptr(), mem.len());
    let mut out = ptr::null_mut();
    if len == 0 || data.is_null() {
        let mut nothing = ptr::null_mut();
        // SAFETY: plain creation of an empty buffer; nothing is written
        // through `nothing`, and `out` is read only after success.
        unsafe { napi_call!(napi_create_arraybuffer(env, 0, &mut nothing, &mut out))? };
        return Ok(out);
    }
    let hint = Box::into_raw(Box::new(mem)) as *mut c_void;
    // SAFETY: `data` stays valid while the boxed SharedMemory lives; the
    // finalizer drops it once the host buffer is collected.
    // `out` is read only after success.
    let status = unsafe {
        match external_sab_fn().filter(|_| shared) {
            Some(create) => super::check::status(
                create(env, data as *mut c_void, len, Some(drop_memory_noenv), hint, &mut out),
                "node_api_create_external_sharedarraybuffer",
            ),
            None => napi_call!(napi_create_external_arraybuffer(env, data as *mut c_void, len, Some(drop_memory), hint, &mut out)),
        }
    };
    if let Err(e) = status {
        // SAFETY: not handed to Node; still ours to drop.
        drop(unsafe { Box::from_raw(hint as *mut SharedMemory) });
        return Err(e);
    }
    Ok(out)
}

/// Start address of a Uint8Array's memory (for the shared-memory registry).
///
/// # Safety
/// As `typed_array_bytes`.
pub unsafe fn address_of(env: sys::napi_env, view: sys::napi_value) -> napi::Result<usize> {
    // SAFETY: forwarded contract.
    unsafe { typed_array_bytes(env, view) }.map(|(p, _)| p as usize)
}

/// An encoded value from JS: its bytes (a Uint8Array), the SharedArrayBuffers
/// it references (Uint8Arrays over each) and the ArrayBuffers it moves.
///
/// # Safety
/// Every value must be a live value of `env`, on its JS thread.
pub unsafe fn payload(
    env: sys::napi_env,
    bytes: sys::napi_value,
    shared: &[sys::napi_value],
    transferred: &[sys::napi_value],
    sink: &Arc<HostSink>,
) -> napi::Result<Payload> {
    // SAFETY: forwarded contract.
    unsafe {
        let mut p = Payload { bytes: with_bytes(env, bytes, Bytes::copy_of)?, ..Default::default() };
        for v in shared {
            p.shared.push(host_shared(env, *v, sink)?);
        }
        for v in transferred {
            p.transferred.push(host_moved(env, *v, sink)?);
        }
        Ok(p)
    }
}

/// An ArrayBuffer over a thread's lane (`runtime::lane`), which it keeps
/// alive until collected: lib/lane.js posts lone calls through it.
///
/// # Safety
/// `env` must be a live env, on its JS thread.
pub unsafe fn lane_buffer(env: sys::napi_env, lane: Arc<Lane>) -> napi::Result<sys::napi_value> {
    let data = lane.as_ptr() as *mut c_void;
    let hint = Arc::into_raw(lane) as *mut c_void;
    let mut out = ptr::null_mut();
    // SAFETY: `data` is LANE_BYTES bytes that live while the Arc leaked
    // into `hint` does; the finalizer releases it once the buffer is
    // collected. `out` is read only after success.
    let made = unsafe { napi_call!(napi_create_external_arraybuffer(env, data, LANE_BYTES, Some(drop_lane), hint, &mut out)) };
    if let Err(e) = made {
        // SAFETY: not handed to Node; still ours to release, once.
        drop(unsafe { Arc::from_raw(hint as *const Lane) });
        return Err(e);
    }
    Ok(out)
}

unsafe extern "C" fn drop_lane(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Arc leaked in `lane_buffer`, released once.
    drop(unsafe { Arc::from_raw(hint as *const Lane) });
}
