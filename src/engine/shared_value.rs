//! The thread-side handle of a shared value (`buffer()`): an object whose
//! `get`, `set`, `mod` and `clean` are synchronous here. The codec writes a
//! handle as a reference (SHARED_VALUE), so passing it passes the value.

use super::codec;
use super::thread_state::ThreadState;
use super::throw::throw_type_error;
use crate::runtime::locks;
use crate::runtime::shared_value::{self, ValueRef};

fn key<'s>(scope: &mut v8::HandleScope<'s>) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, "isothread.sharedValue").expect("a short string");
    v8::Private::for_api(scope, Some(name))
}

/// The codec's view of shared-value handles: it writes them by id
/// (SHARED_VALUE) and makes them back with [`handle`]. Given to each
/// isolate with [`install`].
///
/// A handle is made from a template with one internal field: V8's own
/// serializer then treats it as a host object by itself (and gives up, so
/// the codec's walker writes it by reference), without asking us about
/// every plain object of a result.
struct SharedValues {
    /// The private key marking a handle, made once per isolate.
    key: v8::Global<v8::Private>,
    /// The template of the handles (one internal field), made once per isolate.
    template: v8::Global<v8::ObjectTemplate>,
}

impl codec::HostObjects for SharedValues {
    fn id_of(&self, scope: &mut v8::HandleScope, object: v8::Local<v8::Object>) -> Option<u32> {
        if object.internal_field_count() != HANDLE_FIELDS {
            return None; // not made from the template (checked before the lookup)
        }
        let k = v8::Local::new(scope, &self.key);
        if !object.has_private(scope, k).unwrap_or(false) {
            return None;
        }
        object.get_private(scope, k)?.uint32_value(scope)
    }

    fn handle<'s>(&self, scope: &mut v8::HandleScope<'s>, id: u32) -> Option<v8::Local<'s, v8::Value>> {
        let template = v8::Local::new(scope, &self.template);
        handle(scope, template, id)
    }
}

/// Internal fields of a handle (none is read: the field only makes V8's
/// serializer see a host object).
const HANDLE_FIELDS: usize = 1;

/// Let the codec of this isolate pass shared-value handles by reference.
pub(crate) fn install(scope: &mut v8::HandleScope) {
    let k = key(scope);
    let template = v8::ObjectTemplate::new(scope);
    template.set_internal_field_count(HANDLE_FIELDS);
    let hosts = SharedValues { key: v8::Global::new(scope, k), template: v8::Global::new(scope, template) };
    codec::set_host_objects(scope, std::rc::Rc::new(hosts));
}

fn id_of(scope: &mut v8::HandleScope, args: &v8::FunctionCallbackArguments) -> u32 {
    args.data().uint32_value(scope).unwrap_or(0)
}

fn closed(scope: &mut v8::HandleScope, id: u32) {
    throw_type_error(scope, &format!("buffer {id} was cleaned"), Some("ERR_CLOSED"));
}

fn read<'s>(scope: &mut v8::HandleScope<'s>, id: u32, cell: &ValueRef) -> Option<v8::Local<'s, v8::Value>> {
    let payload = match cell.number() {
        Ok(Some(n)) => return Some(v8::Number::new(scope, n).into()),
        Ok(None) => cell.get(),
        Err(e) => Err(e),
    };
    let Ok(payload) = payload else {
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

fn write(scope: &mut v8::HandleScope, id: u32, cell: &ValueRef, value: v8::Local<v8::Value>) {
    let stored = if value.is_number() {
        cell.set_number(value.number_value(scope).unwrap_or(f64::NAN))
    } else {
        match codec::encode(scope, value, "value", &[]) {
            Ok(p) => cell.set(p),
            Err(codec::EncodeError::Clone(m)) => return throw_type_error(scope, &m, Some("ERR_CLONE")),
            Err(codec::EncodeError::Exception) => return,
        }
    };
    if stored.is_err() {
        closed(scope, id);
    }
}

/// Entries of a thread's cache past which cleaned values are swept.
const CACHE_SWEEP_AT: usize = 256;

/// Ids are small distinct integers: hash them as they are.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

type Cells = std::collections::HashMap<u32, std::rc::Rc<ValueRef>, std::hash::BuildHasherDefault<IdHasher>>;

thread_local! {
    /// The shared values this thread used, by id: a `mod()` finds its value
    /// here without the process-wide table's mutex or an atomic reference
    /// count, both of which bounce a cache line between the cores of threads
    /// taking turns on one value. A cleaned value leaves at its next use
    /// here (or the next sweep).
    static CELLS: std::cell::RefCell<Cells> = std::cell::RefCell::new(Cells::default());
}

/// Shared value `id` through this thread's cache, or a thrown ERR_CLOSED.
fn cell_of(scope: &mut v8::HandleScope, id: u32) -> Option<std::rc::Rc<ValueRef>> {
    let cell = match CELLS.with_borrow(|c| c.get(&id).cloned()) {
        Some(cell) if !cell.is_cleaned() => Some(cell),
        Some(_) => {
            CELLS.with_borrow_mut(|c| c.remove(&id));
            None
        }
        None => shared_value::lookup(id).ok().map(|v| {
            let v = std::rc::Rc::new(v);
            CELLS.with_borrow_mut(|c| {
                if c.len() >= CACHE_SWEEP_AT {
                    c.retain(|_, v| !v.is_cleaned());
                    if c.len() >= CACHE_SWEEP_AT {
                        c.clear();
                    }
                }
                c.insert(id, v.clone());
            });
            v
        }),
    };
    if cell.is_none() {
        closed(scope, id);
    }
    cell
}

fn get(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    let Some(cell) = cell_of(scope, id) else { return };
    if let Some(v) = read(scope, id, &cell) {
        rv.set(v);
    }
}

fn set(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    let Some(cell) = cell_of(scope, id) else { return };
    write(scope, id, &cell, args.get(0));
}

/// `mod(fn)`: under the value's lock, run `fn` on a copy and store what it
/// returns (or the mutated copy when it returns undefined). Atomic across
/// threads; a wait for the lock stays stoppable. A number goes in and out
/// as a number (no decoding, no encoding).
fn modify(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    let Ok(f) = v8::Local::<v8::Function>::try_from(args.get(0)) else {
        return throw_type_error(scope, "mod() takes a function", Some("ERR_INVALID_ARG"));
    };
    let Some(cell) = cell_of(scope, id) else { return };
    let thread = scope.get_slot::<ThreadState>().expect("thread state").control.id;
    if !cell.lock().try_lock(thread) {
        let control = scope.get_slot::<ThreadState>().expect("thread state").control.clone();
        if cell.lock().lock_blocking(thread, || control.has_interrupt() || control.is_disposed()).is_err() {
            return throw_type_error(scope, &format!("the wait for buffer {id} was stopped"), None);
        }
    }
    let result = (|| {
        let copy = read(scope, id, &cell)?;
        let recv = v8::undefined(scope).into();
        let out = f.call(scope, recv, &[copy])?;
        let stored = if out.is_undefined() { copy } else { out };
        write(scope, id, &cell, stored);
        Some(stored)
    })();
    let _ = cell.lock().unlock(locks::Holder::Thread(thread));
    if let Some(v) = result {
        rv.set(v);
    }
}

fn clean(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let id = id_of(scope, &args);
    shared_value::clean(id);
}

/// A handle for shared value `id`, made from `template`.
fn handle<'s>(scope: &mut v8::HandleScope<'s>, template: v8::Local<v8::ObjectTemplate>, id: u32) -> Option<v8::Local<'s, v8::Value>> {
    let obj = template.new_instance(scope)?;
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
