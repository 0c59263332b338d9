//! Memory that crosses threads without a copy: the backing store of a
//! SharedArrayBuffer (shared) or of a transferred ArrayBuffer (moved).

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::{Mutex, PoisonError};

use crate::runtime::big_buffer::{BigBuffer, BIG_MIN};
use crate::runtime::payload::MemoryStore;
pub use crate::runtime::payload::{Payload, SharedMemory};

/// A V8 backing store that any thread may hold. Dropping the last holder
/// runs the store's deleter (for host memory: releases the host's object).
struct V8Memory(v8::SharedRef<v8::BackingStore>);

// SAFETY: rusty_v8 marks v8::BackingStore Send but not Sync, so its
// SharedRef (a std::shared_ptr) is neither, and this impl is what makes the
// wrapper Send. It holds because: the shared_ptr's count is atomic, so the
// ref may be cloned and dropped on any thread (V8 shares one backing store
// between isolates on different threads for every SharedArrayBuffer); the
// only methods called on the store (Data, ByteLength, IsShared) read fields
// fixed when it was made; and the deleter the last drop runs may run on any
// thread: for host memory it drops a `Keepalive`, which is `Send`, for
// owned bytes a `Vec` or `BigBuffer` (both `Send`), and an isolate's own
// stores hold a reference to their allocator (`array_buffer_allocator`
// below, over a static), so they outlive the isolate.
// Nothing here hands out isolate-bound handles.
unsafe impl Send for V8Memory {}
// SAFETY: `&V8Memory` allows only those reads of immutable fields and
// cloning the SharedRef (an atomic increment), both safe from many threads.
unsafe impl Sync for V8Memory {}

/// Anything a host keeps alive while our V8 uses its memory.
pub type Keepalive = Box<dyn Send + 'static>;

extern "C" fn drop_keepalive(_data: *mut c_void, _len: usize, deleter_data: *mut c_void) {
    // SAFETY: deleter_data is the Box<Keepalive> leaked in `from_host`, and V8
    // calls the deleter exactly once.
    drop(unsafe { Box::from_raw(deleter_data as *mut Keepalive) });
}

impl MemoryStore for V8Memory {
    fn as_ptr(&self) -> *mut u8 {
        self.0.data().map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8)
    }

    fn byte_length(&self) -> usize {
        self.0.byte_length()
    }

    fn is_shared(&self) -> bool {
        self.0.is_shared()
    }

    fn share(&self) -> Box<dyn MemoryStore> {
        Box::new(V8Memory(self.0.clone()))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// V8's side of the runtime's `SharedMemory`: made over backing stores.
impl SharedMemory {
    /// Wrap a backing store of an isolate (thread side).
    pub fn from_backing_store(store: v8::SharedRef<v8::BackingStore>) -> Self {
        Self::new(Box::new(V8Memory(store)))
    }

    /// Own `bytes` (freed with the last holder).
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self::from_backing_store(v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared())
    }

    /// Own `bytes` in memory of their own (huge pages, reused once freed).
    pub fn from_big(bytes: BigBuffer) -> Self {
        Self::from_backing_store(v8::ArrayBuffer::new_backing_store_from_bytes(Box::new(bytes)).make_shared())
    }

    /// A copy of `bytes`, in a [`BigBuffer`] from `BIG_MIN` bytes up.
    pub fn copy_of(bytes: &[u8]) -> Self {
        if bytes.len() >= BIG_MIN {
            Self::from_big(BigBuffer::copy_of(bytes))
        } else {
            Self::from_vec(bytes.to_vec())
        }
    }

    /// `len` bytes, all written by `fill`: in a [`BigBuffer`] from
    /// `BIG_MIN` bytes up (no zeroing pass first), else in a Vec.
    pub fn filled<E>(len: usize, fill: impl FnOnce(&mut [u8]) -> Result<(), E>) -> Result<Self, E> {
        if len >= BIG_MIN {
            if let Some(mut big) = BigBuffer::try_for_overwrite(len) {
                fill(&mut big)?;
                return Ok(Self::from_big(big));
            }
        }
        let mut bytes = vec![0u8; len];
        fill(&mut bytes)?;
        Ok(Self::from_vec(bytes))
    }

    /// Wrap memory owned by the host. `keepalive` is dropped (on any thread)
    /// once no isolate uses the memory any more.
    ///
    /// # Safety
    /// `ptr` must stay valid for `len` bytes for as long as `keepalive` lives.
    pub unsafe fn from_host(ptr: *mut u8, len: usize, shared: bool, keepalive: Keepalive) -> Self {
        let data = Box::into_raw(Box::new(keepalive)) as *mut c_void;
        // SAFETY: the caller guarantees the memory outlives `keepalive`,
        // which the deleter drops only when V8 releases the store.
        let store = unsafe {
            if shared {
                v8::SharedArrayBuffer::new_backing_store_from_ptr(ptr as *mut c_void, len, drop_keepalive, data)
            } else {
                v8::ArrayBuffer::new_backing_store_from_ptr(ptr as *mut c_void, len, drop_keepalive, data)
            }
        };
        Self::from_backing_store(store.make_shared())
    }

    /// The V8 backing store, to build an ArrayBuffer or SharedArrayBuffer over.
    pub fn backing_store(&self) -> &v8::SharedRef<v8::BackingStore> {
        // Every SharedMemory is made by the two constructors above.
        &self.store().as_any().downcast_ref::<V8Memory>().expect("memory made by the engine").0
    }
}

/// The big buffers the isolates' allocator handed out, by start address.
struct Allocations(Mutex<BTreeMap<usize, BigBuffer>>);

static ALLOCATIONS: Allocations = Allocations(Mutex::new(BTreeMap::new()));

impl Allocations {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, BigBuffer>> {
        // Nothing panics while it is held; a poisoned map is still whole.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hand out `b`'s memory (null when there was none to make it).
    fn hand_out(&self, b: Option<BigBuffer>) -> *mut c_void {
        let Some(b) = b else { return std::ptr::null_mut() };
        let p = b.as_ptr() as *mut c_void;
        self.lock().insert(p as usize, b);
        p
    }
}

unsafe extern "C" fn allocate(a: &Allocations, len: usize) -> *mut c_void {
    if len >= BIG_MIN {
        return a.hand_out(BigBuffer::try_zeroed(len));
    }
    // SAFETY: plain C allocation, freed by `free` below.
    unsafe { libc::calloc(len.max(1), 1) }
}

unsafe extern "C" fn allocate_uninitialized(a: &Allocations, len: usize) -> *mut c_void {
    if len >= BIG_MIN {
        return a.hand_out(BigBuffer::try_for_overwrite(len));
    }
    // SAFETY: plain C allocation, freed by `free` below.
    unsafe { libc::malloc(len.max(1)) }
}

unsafe extern "C" fn free(a: &Allocations, data: *mut c_void, len: usize) {
    if len >= BIG_MIN && a.lock().remove(&(data as usize)).is_some() {
        return; // the BigBuffer was dropped: its memory is kept for reuse
    }
    // SAFETY: V8 frees only what this allocator handed out, once; all
    // below BIG_MIN came from calloc/malloc.
    unsafe { libc::free(data) }
}

unsafe extern "C" fn reallocate(a: &Allocations, data: *mut c_void, old: usize, new: usize) -> *mut c_void {
    if old < BIG_MIN && new < BIG_MIN {
        // SAFETY: `data` came from calloc/malloc (below BIG_MIN).
        return unsafe { libc::realloc(data, new.max(1)) };
    }
    // SAFETY: forwarded: a new allocation, then the old one freed once.
    unsafe {
        let p = allocate_uninitialized(a, new);
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(data as *const u8, p as *mut u8, old.min(new));
            free(a, data, old);
        }
        p
    }
}

unsafe extern "C" fn drop_allocator(_: *const Allocations) {}

static VTABLE: v8::RustAllocatorVtable<Allocations> =
    v8::RustAllocatorVtable { allocate, allocate_uninitialized, free, reallocate, drop: drop_allocator };

/// The isolates' ArrayBuffer allocator: ArrayBuffers of `BIG_MIN` bytes and
/// up get a [`BigBuffer`] (huge pages, memory reused from freed ones,
/// zeroed unless V8 asks for uninitialized memory), smaller ones the C heap
/// as with V8's default allocator.
pub fn array_buffer_allocator() -> v8::UniqueRef<v8::Allocator> {
    // SAFETY: the handle is a static that lives as long as the process, and
    // the vtable's functions take it as `&Allocations`.
    unsafe { v8::new_rust_allocator(&ALLOCATIONS, &VTABLE) }
}
