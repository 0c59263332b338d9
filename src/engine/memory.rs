//! Memory that crosses threads without a copy: the backing store of a
//! SharedArrayBuffer (shared) or of a transferred ArrayBuffer (moved).

use std::ffi::c_void;

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
// thread: for host memory it drops a `Keepalive`, which is `Send`, and an
// isolate's own stores hold a reference to their allocator (rusty_v8's
// default `array_buffer_allocator_shared`), so they outlive the isolate.
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
