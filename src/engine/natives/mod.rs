//! The native half of the Node built-ins a thread offers for computation
//! (`node:crypto`, `node:zlib`, `URL`): `binding(name)` builds an object of
//! native functions that the thread-side JavaScript of those built-ins wraps.
//!
//! Conventions every binding follows: byte inputs are any ArrayBufferView and
//! are read in place; byte outputs are new `Uint8Array`s over the `Vec` that
//! produced them; stateful objects (hashes, zlib streams) live in a
//! per-isolate [`Table`] under a small integer id that the JS side frees;
//! bad input throws a JS error, never a Rust panic.
//!
//! The JS-facing API (ids are numbers; `bytes` any ArrayBufferView):
//!
//! - `crypto`: `hashNew(alg) → id`, `hmacNew(alg, key) → id`, `update(id, bytes)`,
//!   `digest(id) → Uint8Array` (frees id), `copy(id) → id` (hash and HMAC),
//!   `free(id)`, `hashOnce(alg, bytes) → Uint8Array`,
//!   `pbkdf2(password, salt, iterations, keylen, alg) → Uint8Array`,
//!   `randomFill(view)`, `hashes() → string[]`.
//! - `zlib`: `create(mode, level?, windowBits?, memLevel?, strategy?, dictionary?) → id`,
//!   `write(id, chunk|undefined, flush) → Uint8Array`, `free(id)`,
//!   `crc32(bytes, initial?) → number`.
//! - `url`: `parse(input, base?) → parts | null`, `set(href, component, value) → parts | null`,
//!   `canParse(input, base?) → boolean`, `domainToASCII(s)`, `domainToUnicode(s)`;
//!   parts = `[href, origin, protocol, username, password, host, hostname, port, pathname, search, hash]`.

mod brotli;
mod crypto;
mod deflate;
mod url;
mod zlib;
mod zlib_types;

use std::collections::HashMap;

/// Build the object of native functions for the built-in `name`
/// (`"crypto"`, `"zlib"` or `"url"`), or `None` for any other name.
pub(crate) fn binding<'s>(scope: &mut v8::HandleScope<'s>, name: &str) -> Option<v8::Local<'s, v8::Object>> {
    let obj = v8::Object::new(scope);
    match name {
        "crypto" => crypto::install(scope, obj)?,
        "zlib" => zlib::install(scope, obj)?,
        "url" => url::install(scope, obj)?,
        _ => return None,
    }
    Some(obj)
}

/// Set `obj[name]` to a new native function running `callback`.
pub(super) fn set_fn(
    scope: &mut v8::HandleScope,
    obj: v8::Local<v8::Object>,
    name: &str,
    callback: impl v8::MapFnTo<v8::FunctionCallback>,
) -> Option<()> {
    let key = v8::String::new(scope, name)?;
    let f = v8::Function::new(scope, callback)?;
    obj.set(scope, key.into(), f.into()).map(|_| ())
}

/// A per-isolate table of native state of one kind, kept in an isolate slot
/// (created on first use, dropped with the isolate) under small integer ids.
pub(super) struct Table<T> {
    next: u32,
    items: HashMap<u32, T>,
}

impl<T: 'static> Table<T> {
    /// This isolate's table of `T`, created on first use.
    pub(super) fn of<'a>(scope: &'a mut v8::HandleScope) -> &'a mut Table<T> {
        if scope.get_slot::<Table<T>>().is_none() {
            scope.set_slot(Table::<T> { next: 0, items: HashMap::new() });
        }
        scope.get_slot_mut::<Table<T>>().expect("the table was just installed")
    }

    /// Store `item` and return its new id.
    pub(super) fn insert(&mut self, item: T) -> u32 {
        // Ids stay small positive integers (JS numbers); skip any still in use
        // after a wrap-around.
        loop {
            self.next = self.next.wrapping_add(1).max(1);
            if !self.items.contains_key(&self.next) {
                break;
            }
        }
        self.items.insert(self.next, item);
        self.next
    }

    /// The item under `id`, if it is still alive.
    pub(super) fn get(&mut self, id: u32) -> Option<&mut T> {
        self.items.get_mut(&id)
    }

    /// Take the item under `id` out of the table.
    pub(super) fn remove(&mut self, id: u32) -> Option<T> {
        self.items.remove(&id)
    }
}

/// Read argument `value` as a table id (`None` for anything but a
/// non-negative integer that fits in u32).
pub(super) fn id_arg(value: v8::Local<v8::Value>) -> Option<u32> {
    let n = number_arg(value)?;
    (n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0).then_some(n as u32)
}

/// Read a number argument (`None` when it is not a JS number).
pub(super) fn number_arg(value: v8::Local<v8::Value>) -> Option<f64> {
    v8::Local::<v8::Number>::try_from(value).ok().map(|n| n.value())
}

/// Views up to this many bytes are copied rather than read in place: V8's
/// on-heap typed array limit (`V8_TYPED_ARRAY_MAX_SIZE_IN_HEAP`).
const SMALL: usize = 64;

/// Run `f` over the bytes of the ArrayBufferView `value`, read in place when
/// the buffer is not shared (a SharedArrayBuffer is copied first, since other
/// threads may write it meanwhile). `None` when `value` is not a view.
pub(super) fn with_bytes<R>(value: v8::Local<v8::Value>, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let view = v8::Local::<v8::ArrayBufferView>::try_from(value).ok()?;
    let len = view.byte_length();
    if len <= SMALL {
        // V8 keeps typed arrays this small on its heap; asking for their
        // backing store would move them out of it, so copy instead.
        let mut buf = [0u8; SMALL];
        let n = view.copy_contents(&mut buf[..len]);
        return Some(f(&buf[..n]));
    }
    let store = view.get_backing_store()?;
    let offset = view.byte_offset();
    let fits = offset.checked_add(len).is_some_and(|end| end <= store.byte_length());
    match store.data() {
        Some(data) if !store.is_shared() && fits => {
            // SAFETY: `store` keeps the memory alive for the whole call and
            // `offset + len` lies within it (checked above); the buffer is not
            // shared, so only this thread touches it, and `f` runs no JS, so
            // nothing can detach, resize or write the buffer while the slice lives.
            let bytes = unsafe { std::slice::from_raw_parts((data.as_ptr() as *const u8).add(offset), len) };
            Some(f(bytes))
        }
        _ => {
            let mut copy = vec![0u8; len];
            let n = view.copy_contents(&mut copy);
            copy.truncate(n);
            Some(f(&copy))
        }
    }
}

/// Set `rv` to a new `Uint8Array` over `bytes` (no copy: the Vec becomes
/// the backing store).
pub(super) fn return_bytes(scope: &mut v8::HandleScope, mut rv: v8::ReturnValue, bytes: Vec<u8>) {
    let len = bytes.len();
    let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
    let ab = v8::ArrayBuffer::with_backing_store(scope, &store);
    if let Some(u8a) = v8::Uint8Array::new(scope, ab, 0, len) {
        rv.set(u8a.into());
    }
}

/// What kind of JS error to throw.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Error,
    TypeError,
    RangeError,
}

/// Throw `new <kind>(message)` carrying `.code` and `.errno` when given.
pub(super) fn throw(scope: &mut v8::HandleScope, kind: Kind, message: &str, code: Option<&str>, errno: Option<i32>) {
    let Some(msg) = v8::String::new(scope, message) else { return };
    let exc = match kind {
        Kind::Error => v8::Exception::error(scope, msg),
        Kind::TypeError => v8::Exception::type_error(scope, msg),
        Kind::RangeError => v8::Exception::range_error(scope, msg),
    };
    if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
        if let (Some(code), Some(key)) = (code, v8::String::new(scope, "code")) {
            if let Some(val) = v8::String::new(scope, code) {
                obj.set(scope, key.into(), val.into());
            }
        }
        if let (Some(errno), Some(key)) = (errno, v8::String::new(scope, "errno")) {
            let val = v8::Integer::new(scope, errno);
            obj.set(scope, key.into(), val.into());
        }
    }
    scope.throw_exception(exc);
}

/// Throw a `TypeError` with `message` (no code).
pub(super) fn type_error(scope: &mut v8::HandleScope, message: &str) {
    super::throw::throw_type_error(scope, message, None);
}

/// A JS string from `s` (the empty string if V8 cannot make it).
pub(super) fn js_string<'s>(scope: &mut v8::HandleScope<'s>, s: &str) -> v8::Local<'s, v8::Value> {
    match v8::String::new(scope, s) {
        Some(v) => v.into(),
        None => v8::String::empty(scope).into(),
    }
}

/// Read a string argument; `None` when `value` is not a JS string.
pub(super) fn string_arg(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Option<String> {
    value.is_string().then(|| value.to_rust_string_lossy(scope))
}

#[cfg(test)]
mod tests;
