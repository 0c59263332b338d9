//! Checked Node-API calls: every raw call of this module goes through
//! `napi_call!`, which turns its status into a `napi::Result` naming the call.
//! Out-pointers are read only after the call reported success, so nothing
//! is ever written through a pointer Node-API did not fill. Part of the raw
//! Node-API module.

use std::ptr;

use napi::sys;

/// Run one raw Node-API call (`napi_call!(napi_create_double(env, n, &mut v))`)
/// and check its status: `Err` (the call named) unless it returned
/// `napi_ok`. The call is `unsafe`: use it inside an `unsafe` block whose
/// `SAFETY:` line covers the call's arguments.
macro_rules! napi_call {
    ($f:ident($($arg:expr),* $(,)?)) => {
        $crate::binding::napi_raw::check::status(::napi::sys::$f($($arg),*), stringify!($f))
    };
}
pub(super) use napi_call;

/// `Ok` for `napi_ok`, else an error naming the call and its status.
pub(super) fn status(status: sys::napi_status, call: &'static str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        return Ok(());
    }
    let status = napi::Status::from(status);
    Err(napi::Error::new(status, format!("Node-API call {call} failed ({status})")))
}

/// A handle scope, closed when dropped (also on an early `?` return).
pub(super) struct Scope {
    env: sys::napi_env,
    scope: sys::napi_handle_scope,
}

impl Scope {
    /// Open a handle scope.
    ///
    /// # Safety
    /// `env` must be live, on its JS thread; the scope must be dropped
    /// before any scope opened earlier on this thread.
    pub(super) unsafe fn open(env: sys::napi_env) -> napi::Result<Self> {
        let mut scope = ptr::null_mut();
        // SAFETY: the caller's contract; the out-pointer is a local.
        unsafe { napi_call!(napi_open_handle_scope(env, &mut scope))? };
        Ok(Self { env, scope })
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        // SAFETY: the scope was opened on this env's thread and is the
        // innermost one (`open`'s contract). A close that fails (the env is
        // being torn down) leaves the scope to the env's teardown: there is
        // nobody to report to from a destructor.
        let _ = unsafe { napi_call!(napi_close_handle_scope(self.env, self.scope)) };
    }
}

/// `undefined`.
///
/// # Safety
/// `env` must be live, on its JS thread.
pub(super) unsafe fn undefined(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: the caller's contract; the out-pointer is a local.
    unsafe { napi_call!(napi_get_undefined(env, &mut v))? };
    Ok(v)
}

/// A JS number.
///
/// # Safety
/// `env` must be live, on its JS thread.
pub(super) unsafe fn number(env: sys::napi_env, n: f64) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: the caller's contract; the out-pointer is a local.
    unsafe { napi_call!(napi_create_double(env, n, &mut v))? };
    Ok(v)
}

/// A JS string from UTF-8.
///
/// # Safety
/// `env` must be live, on its JS thread.
pub(super) unsafe fn string(env: sys::napi_env, s: &str) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: pointer and length of a valid UTF-8 str; the out-pointer is a local.
    unsafe { napi_call!(napi_create_string_utf8(env, s.as_ptr() as *const _, s.len() as isize, &mut v))? };
    Ok(v)
}

/// A JS string from Latin-1 bytes (one code unit each).
///
/// # Safety
/// `env` must be live, on its JS thread.
pub unsafe fn latin1_string(env: sys::napi_env, bytes: &[u8]) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: pointer and length of readable bytes; the out-pointer is a local.
    unsafe { napi_call!(napi_create_string_latin1(env, bytes.as_ptr() as *const _, bytes.len() as isize, &mut v))? };
    Ok(v)
}

/// A JS string from UTF-16 code units (lone surrogates kept).
///
/// # Safety
/// `env` must be live, on its JS thread.
pub unsafe fn utf16_string(env: sys::napi_env, units: &[u16]) -> napi::Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: pointer and length of readable, aligned u16s; the out-pointer is a local.
    unsafe { napi_call!(napi_create_string_utf16(env, units.as_ptr(), units.len() as isize, &mut v))? };
    Ok(v)
}

/// The documented fallback where no JS caller can receive an exception
/// (a threadsafe-function callback, a drain on the host thread): `err`
/// becomes an uncaught exception of the env (`process.on('uncaughtException')`),
/// never a silent loss. When the env can no longer run JS (it is being torn
/// down) nobody is left to tell, and nothing is reported.
///
/// # Safety
/// `env` must be live, on its JS thread.
pub(super) unsafe fn report_uncaught(env: sys::napi_env, err: &napi::Error) {
    // SAFETY: the caller's contract; out-pointers are locals, and each value
    // is used only after the call that made it succeeded.
    unsafe {
        let mut pending = false;
        if napi_call!(napi_is_exception_pending(env, &mut pending)).is_err() {
            return;
        }
        let mut exc = ptr::null_mut();
        if pending {
            // The failure came from an exception already thrown: report that one.
            if napi_call!(napi_get_and_clear_last_exception(env, &mut exc)).is_err() {
                return;
            }
        } else if matches!(err.status, napi::Status::PendingException | napi::Status::Unknown) {
            // napi_pending_exception with none pending (or napi_cannot_run_js,
            // unknown to this napi version): the env can no longer run JS,
            // it is being torn down.
            return;
        } else {
            let Ok(msg) = string(env, &err.reason) else { return };
            if napi_call!(napi_create_error(env, ptr::null_mut(), msg, &mut exc)).is_err() {
                return;
            }
        }
        let _ = napi_call!(napi_fatal_exception(env, exc));
    }
}

/// The bytes of a typed array: start pointer and length.
///
/// # Safety
/// `value` must be a live value of `env`, on its JS thread.
pub unsafe fn typed_array_bytes(env: sys::napi_env, value: sys::napi_value) -> napi::Result<(*mut u8, usize)> {
    let (mut ty, mut len, mut data, mut ab, mut offset) = (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
    // SAFETY: the caller's contract; out-pointers are valid locals, read
    // only after success.
    let status = unsafe { napi_call!(napi_get_typedarray_info(env, value, &mut ty, &mut len, &mut data, &mut ab, &mut offset)) };
    if status.is_err() || ty != sys::TypedarrayType::uint8_array {
        return Err(napi::Error::from_reason("expected a Uint8Array"));
    }
    Ok((data as *mut u8, len))
}

#[cfg(test)]
mod tests {
    use super::status;
    use napi::sys;

    #[test]
    fn a_status_other_than_ok_is_an_error_naming_the_call() {
        assert!(status(sys::Status::napi_ok, "napi_create_double").is_ok());
        let err = status(sys::Status::napi_pending_exception, "napi_create_arraybuffer").unwrap_err();
        assert_eq!(err.status, napi::Status::PendingException);
        assert!(err.reason.contains("napi_create_arraybuffer"), "{}", err.reason);
    }
}
