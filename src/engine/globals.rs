//! The native half of a thread's globals: the functions `prelude.js` builds
//! `console`, timers, `structuredClone`, `performance` and the text codecs on.

use std::time::{Duration, Instant};

use super::codec;
use super::thread_state::state;
use super::throw::throw_type_error;
use crate::engine::Payload;
use crate::runtime::{locks, messenger, shared_registry, ConsoleLevel, Event};

fn print(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let level = match args.get(0).int32_value(scope).unwrap_or(0) {
        1 => ConsoleLevel::Info,
        2 => ConsoleLevel::Warn,
        3 => ConsoleLevel::Error,
        4 => ConsoleLevel::Debug,
        _ => ConsoleLevel::Log,
    };
    let values = args.get(1);
    let tc = &mut v8::TryCatch::new(scope);
    let payload = match codec::encode(tc, values, "args", &[]) {
        Ok(p) => p,
        Err(_) => {
            // Something cannot be cloned (a function, a symbol): print what
            // String() gives for each argument instead.
            tc.reset();
            let Ok(arr) = v8::Local::<v8::Array>::try_from(values) else { return };
            let strings = v8::Array::new(tc, arr.length() as i32);
            for i in 0..arr.length() {
                let Some(v) = arr.get_index(tc, i) else { return };
                let s = v.to_string(tc).unwrap_or_else(|| v8::String::new(tc, "[value]").unwrap());
                strings.set_index(tc, i, s.into());
            }
            tc.reset();
            match codec::encode(tc, strings.into(), "args", &[]) {
                Ok(p) => p,
                Err(_) => return,
            }
        }
    };
    let st = state(tc);
    let thread = st.thread_id;
    st.sink.send(Event::Console { thread, level, args: payload });
}

fn timer_id(scope: &mut v8::HandleScope, v: v8::Local<v8::Value>) -> u64 {
    v.integer_value(scope).unwrap_or(0).max(0) as u64
}

fn timer_start(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = timer_id(scope, args.get(0));
    let ms = args.get(1).number_value(scope).unwrap_or(0.0).max(0.0);
    let st = state(scope);
    st.timers.start(id, Instant::now(), Duration::from_secs_f64(ms / 1000.0));
}

fn timer_clear(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = timer_id(scope, args.get(0));
    state(scope).timers.clear(id);
}

fn now(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let origin = state(scope).origin;
    rv.set_double(origin.elapsed().as_secs_f64() * 1000.0);
}

fn time_origin(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    rv.set_double(state(scope).origin_unix_ms);
}

fn clone(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let mut transfer = Vec::new();
    if let Ok(list) = v8::Local::<v8::Array>::try_from(args.get(1)) {
        for i in 0..list.length() {
            let Some(item) = list.get_index(scope, i) else { return };
            if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(item) {
                transfer.push(ab);
            }
        }
    }
    let payload = match codec::encode(scope, args.get(0), "value", &transfer) {
        Ok(p) => p,
        Err(codec::EncodeError::Clone(msg)) => return throw_type_error(scope, &msg, Some("ERR_CLONE")),
        Err(codec::EncodeError::Exception) => return,
    };
    match codec::decode(scope, payload) {
        Ok(v) => rv.set(v),
        Err(codec::DecodeError(msg)) => throw_type_error(scope, &msg, Some("ERR_CLONE")),
    }
}

fn view_bytes(value: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    let view = v8::Local::<v8::ArrayBufferView>::try_from(value).ok()?;
    let mut buf = vec![0u8; view.byte_length()];
    view.copy_contents(&mut buf);
    Some(buf)
}

fn utf8_encode(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(s) = args.get(0).to_string(scope) else { return };
    // Lone surrogates become U+FFFD, as TextEncoder specifies.
    let bytes = s.to_rust_string_lossy(scope).into_bytes();
    let len = bytes.len();
    let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
    let ab = v8::ArrayBuffer::with_backing_store(scope, &store);
    if let Some(u8a) = v8::Uint8Array::new(scope, ab, 0, len) {
        rv.set(u8a.into());
    }
}

fn utf8_decode(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(bytes) = view_bytes(args.get(0)) else {
        return throw_type_error(scope, "expected an ArrayBufferView", None);
    };
    let fatal = args.get(1).boolean_value(scope);
    let text = match std::str::from_utf8(&bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) if fatal => return rv.set_null(),
        Err(_) => String::from_utf8_lossy(&bytes),
    };
    if let Some(s) = v8::String::new(scope, &text) {
        rv.set(s.into());
    }
}

fn post(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let payload = match codec::encode(scope, args.get(0), "message", &[]) {
        Ok(p) => p,
        Err(codec::EncodeError::Clone(msg)) => return throw_type_error(scope, &msg, Some("ERR_CLONE")),
        Err(codec::EncodeError::Exception) => return,
    };
    let st = state(scope);
    let thread = st.thread_id;
    let (owner, call_id) = st.call.map_or((thread, crate::runtime::NO_CALL), |c| (c.owner, c.id));
    st.sink.send(Event::Message { thread, owner, call_id, payload });
}

fn string_arg(scope: &mut v8::HandleScope, v: v8::Local<v8::Value>) -> String {
    v.to_rust_string_lossy(scope)
}

fn messenger_post(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    let payload = match codec::encode(scope, args.get(1), "message", &[]) {
        Ok(p) => p,
        Err(codec::EncodeError::Clone(msg)) => return throw_type_error(scope, &msg, Some("ERR_CLONE")),
        Err(codec::EncodeError::Exception) => return,
    };
    let from = state(scope).endpoint.clone();
    messenger::broadcast(&name, &from, &payload, false);
}

fn messenger_leave(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    let st = state(scope);
    st.messengers.retain(|n| *n != name);
    messenger::leave(&name, &st.endpoint);
}

fn messenger_close_all(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    let from = state(scope).endpoint.clone();
    messenger::broadcast(&name, &from, &Payload::default(), true);
}

fn messenger_names(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let names = state(scope).messengers.clone();
    let arr = v8::Array::new(scope, names.len() as i32);
    for (i, n) in names.iter().enumerate() {
        let Some(s) = v8::String::new(scope, n) else { return };
        arr.set_index(scope, i as u32, s.into());
    }
    rv.set(arr.into());
}

/// `lock(id)` inside a thread: blocks until the lock is ours; a timeout,
/// abort or dispose of the thread ends the wait at once (the pending
/// termination then stops the JS that called it).
fn lock(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    let control = state(scope).control.clone();
    if locks::lock_blocking(&name, control.id, || control.has_interrupt() || control.is_disposed()).is_err() {
        // Never let the caller go on as if it held the lock; the pending
        // termination decides how the call ends.
        throw_type_error(scope, &format!("the wait for lock {name:?} was stopped"), None);
    }
}

fn unlock(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    let id = state(scope).control.id;
    if locks::unlock(&name, locks::Holder::Thread(id)).is_err() {
        throw_type_error(scope, &format!("lock {name:?} is not held by this thread"), Some("ERR_NOT_LOCKED"));
    }
}

fn host_notify(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let Ok(ta) = v8::Local::<v8::TypedArray>::try_from(args.get(0)) else { return };
    let Some(buffer) = ta.buffer(scope) else { return };
    let store = buffer.get_backing_store();
    if !store.is_shared() {
        return;
    }
    let Some(data) = store.data() else { return };
    let addr = data.as_ptr() as usize;
    if !shared_registry::is_host_visible(addr) {
        return;
    }
    let elem = if ta.is_big_int64_array() { 8 } else { 4 };
    let index = args.get(1).integer_value(scope).unwrap_or(0).max(0) as usize;
    let count_arg = args.get(2);
    let count = if count_arg.is_undefined() {
        u32::MAX
    } else {
        let n = count_arg.number_value(scope).unwrap_or(f64::INFINITY);
        if n.is_nan() {
            0
        } else {
            n.clamp(0.0, u32::MAX as f64) as u32
        }
    };
    let byte_index = ta.byte_offset() + index * elem;
    state(scope).sink.send(Event::Notify { addr, byte_index, count });
}

/// `binding(name)`: the native functions of a Node built-in (`crypto`,
/// `zlib`, `url`) for its thread-side JavaScript; a TypeError for other names.
fn binding(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let name = string_arg(scope, args.get(0));
    match super::natives::binding(scope, &name) {
        Some(obj) => rv.set(obj.into()),
        None => throw_type_error(scope, &format!("no native binding {name:?}"), None),
    }
}

/// Build the object of native functions handed to `prelude.js`.
pub(crate) fn native_object<'s>(scope: &mut v8::HandleScope<'s>) -> v8::Local<'s, v8::Object> {
    let obj = v8::Object::new(scope);
    let entries: [(&str, v8::Local<v8::Function>); 20] = [
        ("loader", v8::Function::new(scope, super::modules::loader_native).unwrap()),
        ("lock", v8::Function::new(scope, lock).unwrap()),
        ("unlock", v8::Function::new(scope, unlock).unwrap()),
        ("messengerPost", v8::Function::new(scope, messenger_post).unwrap()),
        ("messengerLeave", v8::Function::new(scope, messenger_leave).unwrap()),
        ("messengerCloseAll", v8::Function::new(scope, messenger_close_all).unwrap()),
        ("messengerNames", v8::Function::new(scope, messenger_names).unwrap()),
        ("post", v8::Function::new(scope, post).unwrap()),
        ("print", v8::Function::new(scope, print).unwrap()),
        ("timerStart", v8::Function::new(scope, timer_start).unwrap()),
        ("timerClear", v8::Function::new(scope, timer_clear).unwrap()),
        ("now", v8::Function::new(scope, now).unwrap()),
        ("timeOrigin", v8::Function::new(scope, time_origin).unwrap()),
        ("clone", v8::Function::new(scope, clone).unwrap()),
        ("utf8Encode", v8::Function::new(scope, utf8_encode).unwrap()),
        ("utf8Decode", v8::Function::new(scope, utf8_decode).unwrap()),
        ("hostNotify", v8::Function::new(scope, host_notify).unwrap()),
        ("binding", v8::Function::new(scope, binding).unwrap()),
        ("hostCall", v8::Function::new(scope, super::host_calls::host_call).unwrap()),
        ("hostNames", v8::Function::new(scope, super::host_calls::host_names).unwrap()),
    ];
    for (name, f) in entries {
        let key = v8::String::new(scope, name).unwrap();
        obj.set(scope, key.into(), f.into());
    }
    obj
}
