//! The thread-side handle of a shared value (`buffer()`): an object whose
//! `get`, `set`, `mod` and `clean` are synchronous here. The codec writes a
//! handle as a reference (SHARED_VALUE), so passing it passes the value.

use super::codec;
use super::globals::{throw_type_error, ThreadState};
use crate::runtime::{locks, shared_value};

fn key<'s>(scope: &mut v8::HandleScope<'s>) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, "isothread.sharedValue").expect("a short string");
    v8::Private::for_api(scope, Some(name))
}

/// The shared-value id of `object`, when it is a handle.
pub(crate) fn handle_id(scope: &mut v8::HandleScope, object: v8::Local<v8::Object>) -> Option<u32> {
    let k = key(scope);
    if !object.has_private(scope, k).unwrap_or(false) {
        return None;
    }
    object.get_private(scope, k)?.uint32_value(scope)
}

fn id_of(scope: &mut v8::HandleScope, args: &v8::FunctionCallbackArguments) -> u32 {
    args.data().uint32_value(scope).unwrap_or(0)
}

fn closed(scope: &mut v8::HandleScope, id: u32) {
    throw_type_error(scope, &format!("buffer {id} was cleaned"), Some("ERR_CLOSED"));
}

fn read<'s>(scope: &mut v8::HandleScope<'s>, id: u32) -> Option<v8::Local<'s, v8::Value>> {
    match shared_value::get_number(id) {
        Ok(Some(n)) => return Some(v8::Number::new(scope, n).into()),
        Ok(None) => {}
        Err(_) => {
            closed(scope, id);
            return None;
        }
    }
    let Ok(payload) = shared_value::get(id) else {
        closed(scope, id);
        return None;
    };
    match codec::decode(scope, payload) {
        Ok(v) => Some(v),
        Err(codec::DecodeError(m)) => {
            throw_type_error(scope, &m, Some("ERR_CLONE"));
            None
        }
    }
}

fn write(scope: &mut v8::HandleScope, id: u32, value: v8::Local<v8::Value>) {
    if value.is_number() {
        let n = value.number_value(scope).unwrap_or(f64::NAN);
        if shared_value::set_number(id, n).is_err() {
            closed(scope, id);
        }
        return;
    }
    match codec::encode(scope, value, "value", &[]) {
        Ok(p) => {
            if shared_value::set(id, p).is_err() {
                closed(scope, id);
            }
        }
        Err(codec::EncodeError::Clone(m)) => throw_type_error(scope, &m, Some("ERR_CLONE")),
        Err(codec::EncodeError::Exception) => {}
    }
}

fn get(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    if let Some(v) = read(scope, id) {
        rv.set(v);
    }
}

fn set(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    write(scope, id, args.get(0));
}

/// `mod(fn)`: under the value's lock, run `fn` on a copy and store what it
/// returns (or the mutated copy when it returns undefined). Atomic across
/// threads; a wait for the lock stays stoppable.
fn modify(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    let Ok(f) = v8::Local::<v8::Function>::try_from(args.get(0)) else {
        return throw_type_error(scope, "mod() takes a function", Some("ERR_INVALID_ARG"));
    };
    let control = scope.get_slot::<ThreadState>().expect("thread state").control.clone();
    let name = shared_value::lock_name(id);
    if locks::lock_blocking(&name, control.id, || control.has_interrupt() || control.is_disposed()).is_err() {
        return throw_type_error(scope, &format!("the wait for buffer {id} was stopped"), None);
    }
    let result = (|| {
        let copy = read(scope, id)?;
        let recv = v8::undefined(scope).into();
        let out = f.call(scope, recv, &[copy])?;
        let stored = if out.is_undefined() { copy } else { out };
        write(scope, id, stored);
        Some(stored)
    })();
    let _ = locks::unlock(&name, locks::Holder::Thread(control.id));
    if let Some(v) = result {
        rv.set(v);
    }
}

fn clean(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    shared_value::clean(id);
}

/// A handle for shared value `id`.
pub(crate) fn handle<'s>(scope: &mut v8::HandleScope<'s>, id: u32) -> Option<v8::Local<'s, v8::Value>> {
    let obj = v8::Object::new(scope);
    let data: v8::Local<v8::Value> = v8::Integer::new_from_unsigned(scope, id).into();
    let k = key(scope);
    obj.set_private(scope, k, data)?;
    let methods: [(&str, v8::Local<v8::Function>); 4] = [
        ("get", v8::Function::builder(get).data(data).build(scope)?),
        ("set", v8::Function::builder(set).data(data).build(scope)?),
        ("mod", v8::Function::builder(modify).data(data).build(scope)?),
        ("clean", v8::Function::builder(clean).data(data).build(scope)?),
    ];
    for (name, f) in methods {
        let n = v8::String::new(scope, name)?;
        obj.define_own_property(scope, n.into(), f.into(), v8::PropertyAttribute::DONT_ENUM)?;
    }
    Some(obj.into())
}
