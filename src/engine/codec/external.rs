//! Big strings reaching a thread are not copied into V8's heap: they become
//! external strings that read the payload's own bytes in place (the copy
//! went into fresh heap pages, ~3 µs of page faults per 4 KB).
//!
//! The `v8` crate has only static external strings, so the resource is ours:
//! a `#[repr(C)]` object laid out as V8 12.6's
//! `v8::String::ExternalOneByteStringResource` / `ExternalStringResource`
//! (include/v8-primitive.h): a vtable pointer, then V8's own `cached_data_`
//! (at offset 8, a member of those classes that V8 reads and writes for
//! cacheable resources), then our fields. The vtable is built here in
//! Itanium layout (the crate does the same for its `OneByteConst`), and its
//! `Dispose` drops the payload: V8 calls it exactly once, when the last
//! string using the resource is collected (internalization moves the
//! resource to the new string, it does not copy or dispose it) or when the
//! isolate is torn down. The isolate is told of the bytes
//! (`AdjustAmountOfExternalAllocatedMemory`), as Node does for its external
//! strings, so a thread receiving many big strings collects them as it goes.

use std::ffi::c_void;
use std::sync::Arc;

use crate::runtime::payload::{Bytes, Payload, SharedMemory};

/// Strings shorter than this (in bytes) are copied into V8's heap (measured: README "Large payloads").
pub const MIN_BYTES: usize = 256 << 10;

/// A payload being decoded, its bytes behind an Arc so that external strings
/// can keep them (the Vec moves in, its bytes are not copied).
pub struct Input {
    /// The encoded value.
    pub bytes: Arc<Bytes>,
    /// SharedArrayBuffers, referenced by `SHARED_BUFFER` index.
    pub shared: Vec<SharedMemory>,
    /// Moved ArrayBuffers, referenced by `TRANSFERRED_BUFFER` index.
    pub transferred: Vec<SharedMemory>,
}

impl From<Payload> for Input {
    fn from(p: Payload) -> Self {
        Input { bytes: Arc::new(p.bytes), shared: p.shared, transferred: p.transferred }
    }
}

extern "C" {
    fn v8__String__NewExternalOneByte(isolate: *mut v8::Isolate, resource: *mut c_void) -> *const v8::String;
    fn v8__Isolate__AdjustAmountOfExternalAllocatedMemory(isolate: *mut v8::Isolate, change_in_bytes: i64) -> i64;
}

// `v8::String::NewExternalTwoByte(Isolate*, ExternalStringResource*)` has no
// C wrapper in the crate; the archive exports the C++ function itself. It
// returns a `MaybeLocal<String>`: one pointer (a handle's slot, null when
// empty) with trivial copy and destructor (`= default` all the way down,
// V8_ENABLE_LOCAL_OFF_STACK_CHECK is off in release builds), which the
// Itanium C++ ABI returns in a register exactly like a pointer. MSVC returns
// such a class (it has constructors) through a hidden pointer and mangles
// the name differently: on Windows two-byte strings are copied.
#[cfg(not(target_os = "windows"))]
extern "C" {
    #[link_name = "_ZN2v86String18NewExternalTwoByteEPNS_7IsolateEPNS0_22ExternalStringResourceE"]
    fn v8__String__NewExternalTwoByte(isolate: *mut v8::Isolate, resource: *mut c_void) -> *const v8::String;
}

/// A code unit of an external string: u8 (Latin-1) or u16 (UTF-16).
trait Unit: Sized + 'static {
    /// The vtable's first virtual function slot (where an object's vtable
    /// pointer points).
    fn vtable() -> *const c_void;
}

impl Unit for u8 {
    fn vtable() -> *const c_void {
        &ONE_BYTE.drop_complete as *const _ as *const c_void
    }
}

impl Unit for u16 {
    fn vtable() -> *const c_void {
        &TWO_BYTE.drop_complete as *const _ as *const c_void
    }
}

/// V8's resource object, then ours. V8 sees the first two fields only.
#[repr(C)]
struct Resource<C: Unit> {
    /// Points into a `Vtable<C>`.
    vtable: *const c_void,
    /// V8's `cached_data_`: the data pointer (V8 may rewrite it, with the same value).
    cached_data: *const C,
    /// Code units at `cached_data`.
    length: usize,
    /// The isolate whose external memory counts these bytes.
    isolate: *mut v8::Isolate,
    /// The payload the string's bytes are part of.
    owner: Arc<Bytes>,
}

/// The virtual functions of `ExternalOneByteStringResource` (and of the
/// two-byte `ExternalStringResource`) in declaration order, after the
/// Itanium ABI's two metadata words; MSVC has one destructor slot and the
/// offset word above the type info.
#[repr(C)]
struct Vtable<C: Unit> {
    #[cfg(target_os = "windows")]
    _offset_to_top: usize,
    /// RTTI: V8 is built without it.
    _typeinfo: *const c_void,
    drop_complete: extern "C" fn(*mut Resource<C>),
    #[cfg(not(target_os = "windows"))]
    drop_deleting: extern "C" fn(*mut Resource<C>),
    is_cacheable: extern "C" fn(*const Resource<C>) -> bool,
    dispose: unsafe extern "C" fn(*mut Resource<C>),
    lock: extern "C" fn(*const Resource<C>),
    unlock: extern "C" fn(*const Resource<C>),
    data: unsafe extern "C" fn(*const Resource<C>) -> *const C,
    length: unsafe extern "C" fn(*const Resource<C>) -> usize,
}

// SAFETY: the vtables are immutable statics of plain function pointers and
// a null type-info pointer; nothing is reached through `_typeinfo`.
unsafe impl<C: Unit> Sync for Vtable<C> {}

/// V8 only destroys a resource through `Dispose` (ours frees it); the
/// destructor slots are never called by V8 12.6 and do nothing.
extern "C" fn no_drop<C: Unit>(_this: *mut Resource<C>) {}
extern "C" fn is_cacheable<C: Unit>(_this: *const Resource<C>) -> bool {
    true
}
extern "C" fn no_lock<C: Unit>(_this: *const Resource<C>) {}

/// SAFETY (callers: V8, from any thread): `this` is a live resource made
/// by `make`; `data` and `length` only read fields fixed when it was made.
unsafe extern "C" fn data<C: Unit>(this: *const Resource<C>) -> *const C {
    // SAFETY: see the function's contract; `cached_data` is never changed
    // to another value.
    unsafe { (*this).cached_data }
}

/// SAFETY (callers: V8): `this` is a live resource made by `make`.
unsafe extern "C" fn length<C: Unit>(this: *const Resource<C>) -> usize {
    // SAFETY: see the function's contract.
    unsafe { (*this).length }
}

/// SAFETY (callers: V8, once per resource): `this` is the `Box` leaked by
/// `make`, and no string reads it any more.
unsafe extern "C" fn dispose<C: Unit>(this: *mut Resource<C>) {
    // SAFETY: see the function's contract: this is the last use of the
    // leaked Box. Whatever thread V8 calls this on, it is sound there:
    // dropping the Box drops an `Arc<Bytes>` (Send + Sync), and the
    // isolate is alive (V8 disposes resources during its collections, at
    // the latest in the isolate's teardown, before the isolate is freed),
    // where adjusting its external memory down is an atomic update.
    unsafe {
        let resource = Box::from_raw(this);
        let bytes = (resource.length * std::mem::size_of::<C>()) as i64;
        v8__Isolate__AdjustAmountOfExternalAllocatedMemory(resource.isolate, -bytes);
    }
}

const fn vtable<C: Unit>() -> Vtable<C> {
    Vtable {
        #[cfg(target_os = "windows")]
        _offset_to_top: 0,
        _typeinfo: std::ptr::null(),
        drop_complete: no_drop,
        #[cfg(not(target_os = "windows"))]
        drop_deleting: no_drop,
        is_cacheable,
        dispose,
        lock: no_lock,
        unlock: no_lock,
        data,
        length,
    }
}

static ONE_BYTE: Vtable<u8> = vtable();
static TWO_BYTE: Vtable<u16> = vtable();

/// True when a string of `len` bytes in a payload holding `held` bytes is
/// worth keeping the payload for: [`MIN_BYTES`] or more, and at least half
/// of it (as for results the other way, README "Large payloads").
fn wanted(len: usize, held: usize) -> bool {
    len >= MIN_BYTES && len >= held / 2
}

/// The memory an external string over `bytes` keeps alive.
fn held(bytes: &Bytes) -> usize {
    match bytes {
        Bytes::Owned(v) => v.capacity(),
        Bytes::Inline(_, data) => data.len(),
        Bytes::Part(buffer, _) => buffer.len(),
        Bytes::Big(buffer) => buffer.len(),
    }
}

/// True when `text`, a slice of `owner`'s bytes, is made an external
/// string: [`MIN_BYTES`] or more and at least half the memory it would keep, inside
/// `owner`, within V8's maximum length, and for two-byte text at an even
/// address (not on Windows). Anything else is copied into V8's heap.
pub fn takes(owner: &Bytes, text: &[u8], two_byte: bool) -> bool {
    let (start, at) = (owner.as_ptr() as usize, text.as_ptr() as usize);
    let units = if two_byte { text.len() / 2 } else { text.len() };
    wanted(text.len(), held(owner))
        && at >= start
        && at + text.len() <= start + owner.len()
        && units <= v8::String::max_length()
        && !(two_byte && (at % 2 != 0 || cfg!(target_os = "windows")))
}

/// A string over `text`, a slice of `owner`'s bytes, read in place; None
/// when [`takes`] says no (the caller copies it then).
pub fn string<'s>(s: &mut v8::HandleScope<'s>, owner: &Arc<Bytes>, text: &[u8], two_byte: bool) -> Option<v8::Local<'s, v8::String>> {
    if !takes(owner, text, two_byte) {
        return None;
    }
    if two_byte {
        return make::<u16>(s, owner, text.as_ptr() as *const u16, text.len() / 2);
    }
    make::<u8>(s, owner, text.as_ptr(), text.len())
}

fn make<'s, C: Unit>(s: &mut v8::HandleScope<'s>, owner: &Arc<Bytes>, data: *const C, units: usize) -> Option<v8::Local<'s, v8::String>> {
    let isolate: &mut v8::Isolate = s;
    let isolate: *mut v8::Isolate = isolate;
    let resource =
        Box::into_raw(Box::new(Resource::<C> { vtable: C::vtable(), cached_data: data, length: units, isolate, owner: owner.clone() }));
    // SAFETY: `resource` is a live resource laid out as V8 expects (tested in
    // tests_external.rs), its data `units` code units inside the payload it
    // holds (checked by `string`), 1 ≤ units ≤ String::kMaxLength, so V8
    // takes it (the only refusal is a longer length) and disposes it once.
    // The isolate is the scope's, current on this thread, and the handle
    // V8 returns lives in the scope's current HandleScope.
    let made = unsafe {
        if std::mem::size_of::<C>() == 1 {
            v8__String__NewExternalOneByte(isolate, resource as *mut c_void)
        } else {
            new_two_byte(isolate, resource as *mut c_void)
        }
    };
    let Some(made) = std::ptr::NonNull::new(made as *mut v8::String) else {
        // SAFETY: V8 refused the resource without keeping it: it is still ours.
        drop(unsafe { Box::from_raw(resource) });
        return None;
    };
    s.adjust_amount_of_external_allocated_memory((units * std::mem::size_of::<C>()) as i64);
    // SAFETY: `v8::Local` is a `#[repr(C)]` NonNull plus a zero-sized marker,
    // and `made` is a handle slot of the current scope, as the crate's own
    // `Local::from_raw` takes it.
    Some(unsafe { std::mem::transmute::<std::ptr::NonNull<v8::String>, v8::Local<'s, v8::String>>(made) })
}

/// # Safety
/// As `v8::String::NewExternalTwoByte`.
#[cfg(not(target_os = "windows"))]
unsafe fn new_two_byte(isolate: *mut v8::Isolate, resource: *mut c_void) -> *const v8::String {
    // SAFETY: the caller's contract.
    unsafe { v8__String__NewExternalTwoByte(isolate, resource) }
}

#[cfg(target_os = "windows")]
unsafe fn new_two_byte(_isolate: *mut v8::Isolate, _resource: *mut c_void) -> *const v8::String {
    std::ptr::null()
}

#[cfg(test)]
#[path = "tests_external.rs"]
mod tests;
