//! Plain JS functions for the per-call hot path, bound to their target
//! through the function's data. A napi-rs method first unwraps `this` and
//! checks its class (two private-property lookups): measured at about 5× a
//! plain function's cost, ~0.4 µs of a few-µs round trip on a loaded
//! 2-core machine. Part of the raw Node-API module.

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use napi::sys;

use super::check::{napi_call, number};
use super::memory::payload;
use super::Awaited;
use super::HostSink;
use crate::engine::Payload;
use crate::runtime::lane::HostLane;
use crate::runtime::ServiceTask;

/// One call as a submit function receives it: call id, encoded arguments,
/// timeout in ms, and a service call's task.
pub struct Submitted {
    /// The host's id of the call.
    pub call_id: u64,
    /// The encoded arguments (no shared or moved memory on this path).
    pub args: Payload,
    /// The call's timeout, if any.
    pub timeout_ms: Option<f64>,
    /// The task of a service call (its id, with its name the first time).
    pub task: Option<ServiceTask>,
}

/// Queues a call where it belongs; false when its thread has ended.
pub type Submit = Box<dyn Fn(Submitted) -> bool>;

/// What a bound function holds: its env's sink and where it hands over.
struct Bound<F> {
    sink: Arc<HostSink>,
    to: F,
}

/// A function named `name` calling `cb` with a `Bound` of `sink` and `to`
/// as its data, freed with the function.
///
/// # Safety
/// `env` must be the sink's env, on its JS thread; `cb` must read its data
/// as a `Bound<F>`.
unsafe fn bind_boxed<F>(
    env: sys::napi_env,
    name: &str,
    cb: sys::napi_callback,
    sink: Arc<HostSink>,
    to: F,
) -> napi::Result<sys::napi_value> {
    let data = Box::into_raw(Box::new(Bound { sink, to })) as *mut c_void;
    // SAFETY: the caller's contract; `data` is a leaked box owned by the
    // function from here (freed by its finalizer, or by bind if none was set).
    unsafe { bind(env, name, cb, data, Some(drop_bound::<F>)) }
}

unsafe extern "C" fn drop_bound<F>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the box leaked in bind_boxed with this F; freed once.
    drop(unsafe { Box::from_raw(data as *mut Bound<F>) });
}

/// A JS function `(callId, bytes, timeoutMs?, task?, name?) => boolean`
/// that hands one call to `submit` (arguments as `NativeThread.run` takes
/// them, with no shared or moved memory; `task`, a number, makes it a
/// service call: the id of its task, 0 for none, and `name` its name).
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
pub unsafe fn submit_function(env: sys::napi_env, sink: Arc<HostSink>, submit: Submit) -> napi::Result<sys::napi_value> {
    // SAFETY: the caller's contract; submit_cb reads a Bound<Submit>.
    unsafe { bind_boxed(env, "submit", Some(submit_cb), sink, submit) }
}

/// Answers host call `seq` of a thread (`thrown`: the host function threw
/// the encoded value); false when the thread has ended.
pub type Reply = Box<dyn Fn(u64, bool, Payload) -> bool>;

/// A JS function `(seq, thrown, bytes) => boolean` that hands one host
/// call's answer to `reply` (as `NativeThread.hostReply` takes it, with no
/// shared or moved memory).
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
pub unsafe fn reply_function(env: sys::napi_env, sink: Arc<HostSink>, reply: Reply) -> napi::Result<sys::napi_value> {
    // SAFETY: the caller's contract; reply_cb reads a Bound<Reply>.
    unsafe { bind_boxed(env, "hostReply", Some(reply_cb), sink, reply) }
}

/// `awaitEvents`' answer when no event came in time.
const AWAIT_NOTHING: f64 = 0.0;
/// `awaitEvents`' answer when every event went to the event callback.
const AWAIT_DELIVERED: f64 = -1.0;
/// `awaitEvents`' answer when the answer of the call posted to the lane
/// came there (read it from the lane; `-n - 2` never is -2: `n` > 0).
const AWAIT_LANE: f64 = -2.0;

/// A JS function `(us, yielding?) => number`: `Host.awaitEvents`, except
/// that the last batch of call results it found is not delivered but left
/// in the reused result arrays for the caller: 0 when no event came,
/// -1 when all went to the event callback, `n` > 0 when a batch fills `n`
/// numbers of the arrays JS last got from `Host.batchArrays`, and
/// `-n - 2` when it is in new ones (ask `Host.batchArrays` again).
///
/// # Safety
/// `env` must be the sink's env, on its JS thread.
pub unsafe fn await_function(env: sys::napi_env, sink: Arc<HostSink>) -> napi::Result<sys::napi_value> {
    let data = Arc::into_raw(sink) as *mut c_void;
    // SAFETY: as in submit_function; `data` is one leaked Arc.
    unsafe { bind(env, "awaitEvents", Some(await_cb), data, Some(drop_sink)) }
}

/// A function named `name` calling `cb` with `data`, which `finalize` frees
/// with the function.
unsafe fn bind(
    env: sys::napi_env,
    name: &str,
    cb: sys::napi_callback,
    data: *mut c_void,
    finalize: sys::napi_finalize,
) -> napi::Result<sys::napi_value> {
    let mut f = ptr::null_mut();
    // SAFETY: live env on its JS thread (the caller's contract); the name
    // pointer and length are a valid str; `f` is read only after success.
    let made = unsafe {
        napi_call!(napi_create_function(env, name.as_ptr() as *const c_char, name.len() as isize, cb, data, &mut f))
            .and_then(|()| napi_call!(napi_add_finalizer(env, f, data, finalize, ptr::null_mut(), ptr::null_mut())))
    };
    if let Err(e) = made {
        // No finalizer was set (or no function made): `data` is still ours.
        // SAFETY: `finalize` is the matching drop of `data`, called once.
        if let Some(free) = finalize {
            unsafe { free(env, data, ptr::null_mut()) };
        }
        return Err(e);
    }
    Ok(f)
}

unsafe extern "C" fn drop_sink(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the Arc leaked in await_function; released once.
    drop(unsafe { Arc::from_raw(data as *const HostSink) });
}

/// The arguments and data of the current call (up to N arguments).
unsafe fn args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> napi::Result<([sys::napi_value; N], usize, *mut c_void)> {
    let (mut argv, mut argc, mut data) = ([ptr::null_mut(); N], N, ptr::null_mut());
    // SAFETY: a callback's own info on its JS thread; argv has room for argc.
    unsafe { napi_call!(napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data))? };
    Ok((argv, argc.min(N), data))
}

unsafe fn type_of(env: sys::napi_env, v: sys::napi_value) -> napi::Result<sys::napi_valuetype> {
    let mut t = 0;
    // SAFETY: a live value of the env (the caller's contract).
    unsafe { napi_call!(napi_typeof(env, v, &mut t))? };
    Ok(t)
}

/// A number argument; None when it is not a number.
unsafe fn number_arg(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Option<f64>> {
    // SAFETY: forwarded contract.
    if unsafe { type_of(env, v)? } != sys::ValueType::napi_number {
        return Ok(None);
    }
    let mut n = 0.0;
    // SAFETY: checked to be a number above.
    unsafe { napi_call!(napi_get_value_double(env, v, &mut n))? };
    Ok(Some(n))
}

/// A lane's ArrayBuffer argument (`NativeThread.lane()`); None when it is
/// undefined, not an ArrayBuffer or not a lane's size.
///
/// # Safety
/// `v` must be a live value of `env`, on its JS thread; the lane view may
/// be used only during the current call (the argument holds the buffer).
unsafe fn lane_arg<'a>(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Option<HostLane<'a>>> {
    let mut is_buffer = false;
    // SAFETY: forwarded contract; the out-pointers are locals.
    unsafe { napi_call!(napi_is_arraybuffer(env, v, &mut is_buffer))? };
    if !is_buffer {
        return Ok(None);
    }
    let (mut data, mut len) = (ptr::null_mut(), 0);
    // SAFETY: an ArrayBuffer (checked); out-pointers are locals.
    unsafe { napi_call!(napi_get_arraybuffer_info(env, v, &mut data, &mut len))? };
    // SAFETY: the memory of an ArrayBuffer argument, alive during the call;
    // `at` accepts only a lane's size and alignment.
    Ok(unsafe { HostLane::at(data as *mut u8, len) })
}

/// A boolean argument; false when it is not a boolean.
unsafe fn bool_arg(env: sys::napi_env, v: sys::napi_value) -> napi::Result<bool> {
    // SAFETY: forwarded contract.
    if unsafe { type_of(env, v)? } != sys::ValueType::napi_boolean {
        return Ok(false);
    }
    let mut b = false;
    // SAFETY: checked to be a boolean above; the out-pointer is a local.
    unsafe { napi_call!(napi_get_value_bool(env, v, &mut b))? };
    Ok(b)
}

/// A string argument as UTF-8; None when it is not a string.
unsafe fn string_arg(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Option<String>> {
    // SAFETY: forwarded contract.
    if unsafe { type_of(env, v)? } != sys::ValueType::napi_string {
        return Ok(None);
    }
    let mut len = 0;
    // SAFETY: a string (checked); the first call only measures it, the
    // second writes at most `len` bytes and a NUL into a buffer of len + 1.
    unsafe {
        napi_call!(napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len))?;
        let mut buf = vec![0u8; len + 1];
        let mut written = 0;
        napi_call!(napi_get_value_string_utf8(env, v, buf.as_mut_ptr() as *mut c_char, len + 1, &mut written))?;
        buf.truncate(written);
        Ok(Some(String::from_utf8(buf).unwrap_or_default()))
    }
}

/// A service task's id: an integer from 0 (no id) to u32::MAX.
fn task_id(n: f64) -> napi::Result<u32> {
    if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) {
        Ok(n as u32)
    } else {
        Err(napi::Error::from_reason(format!("submit: task must be an integer id, got {n}")))
    }
}

unsafe fn boolean(env: sys::napi_env, b: bool) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: live env (the caller's contract); the out-pointer is a local.
    unsafe { napi_call!(napi_get_boolean(env, b, &mut v))? };
    Ok(v)
}

/// Return `done`'s value, or throw its error (ERR_INVALID_ARG) and return null.
unsafe fn finish(env: sys::napi_env, done: napi::Result<sys::napi_value>) -> sys::napi_value {
    match done {
        Ok(v) => v,
        Err(e) => {
            let message = CString::new(e.reason.replace('\0', " ")).unwrap_or_default();
            // SAFETY: live env; both strings are NUL-terminated. A failure to
            // throw leaves nothing more to do (the call returns undefined).
            let _ = unsafe { sys::napi_throw_error(env, c"ERR_INVALID_ARG".as_ptr(), message.as_ptr()) };
            ptr::null_mut()
        }
    }
}

/// A bound function's callback: its arguments (at least `min` of `N`, else
/// an error naming `usage`) and data go to `body`, whose error is thrown
/// (ERR_INVALID_ARG) and whose value is returned.
///
/// # Safety
/// As a Node-API callback: `env` and `info` are the call's own, on its JS thread.
unsafe fn callback<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    min: usize,
    usage: &str,
    body: impl FnOnce(&[sys::napi_value; N], usize, *mut c_void) -> napi::Result<sys::napi_value>,
) -> sys::napi_value {
    // SAFETY: forwarded contract.
    unsafe {
        let done = args::<N>(env, info).and_then(|(argv, argc, data)| {
            if argc < min || data.is_null() {
                return Err(napi::Error::from_reason(usage));
            }
            body(&argv, argc, data)
        });
        finish(env, done)
    }
}

unsafe extern "C" fn submit_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: Node calls this on the env's JS thread with its own info;
    // `data` is the Bound<Submit> the function owns (alive while it is called).
    unsafe {
        callback::<5>(env, info, 2, "submit(callId, bytes, timeoutMs?, task?, name?)", |argv, argc, data| {
            let d = &*(data as *const Bound<Submit>);
            let call_id = number_arg(env, argv[0])?.ok_or_else(|| napi::Error::from_reason("submit: callId must be a number"))?;
            let args = payload(env, argv[1], &[], &[], &d.sink)?;
            let timeout_ms = if argc > 2 { number_arg(env, argv[2])? } else { None };
            let task = match if argc > 3 { number_arg(env, argv[3])? } else { None } {
                Some(id) => {
                    let name = if argc > 4 { string_arg(env, argv[4])? } else { None };
                    Some(ServiceTask { id: task_id(id)?, name })
                }
                None => None,
            };
            let sent = (d.to)(Submitted { call_id: call_id as u64, args, timeout_ms, task });
            boolean(env, sent)
        })
    }
}

unsafe extern "C" fn await_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: as in submit_cb; `data` is the HostSink the function holds.
    unsafe {
        callback::<3>(env, info, 1, "awaitEvents(us, yielding?, lane?)", |argv, argc, data| {
            let sink = &*(data as *const HostSink);
            let us = number_arg(env, argv[0])?.unwrap_or(0.0);
            let yielding = argc > 1 && bool_arg(env, argv[1])?;
            let lane = if argc > 2 { lane_arg(env, argv[2])? } else { None };
            let max = Duration::from_secs_f64(us.clamp(0.0, 1000.0) / 1e6);
            let code = match super::await_soon(env, sink, max, yielding, lane.as_ref())? {
                Awaited::Nothing => AWAIT_NOTHING,
                Awaited::Lane => AWAIT_LANE,
                Awaited::Delivered => AWAIT_DELIVERED,
                Awaited::Kept(k) if k.new_arrays => -(k.meta_len as f64) - 2.0,
                Awaited::Kept(k) => k.meta_len as f64,
            };
            number(env, code)
        })
    }
}

unsafe extern "C" fn reply_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: as in submit_cb; `data` is the Bound<Reply> the function owns.
    unsafe {
        callback::<3>(env, info, 3, "hostReply(seq, thrown, bytes)", |argv, _, data| {
            let d = &*(data as *const Bound<Reply>);
            let seq = number_arg(env, argv[0])?.ok_or_else(|| napi::Error::from_reason("hostReply: seq must be a number"))?;
            let thrown = bool_arg(env, argv[1])?;
            let answer = payload(env, argv[2], &[], &[], &d.sink)?;
            boolean(env, (d.to)(seq as u64, thrown, answer))
        })
    }
}
