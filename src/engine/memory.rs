//! Memory that crosses threads without a copy: the backing store of a
//! SharedArrayBuffer (shared) or of a transferred ArrayBuffer (moved).

use std::ffi::c_void;

/// A V8 backing store that any thread may hold. Dropping the last holder
/// runs the store's deleter (for host memory: releases the host's object).
pub struct SharedMemory {
    store: v8::SharedRef<v8::BackingStore>,
}

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
unsafe impl Send for SharedMemory {}
// SAFETY: `&SharedMemory` allows only those reads of immutable fields and
// cloning the SharedRef (an atomic increment), both safe from many threads.
unsafe impl Sync for SharedMemory {}

/// Anything a host keeps alive while our V8 uses its memory.
pub type Keepalive = Box<dyn Send + 'static>;

extern "C" fn drop_keepalive(_data: *mut c_void, _len: usize, deleter_data: *mut c_void) {
    // SAFETY: deleter_data is the Box<Keepalive> leaked in `from_host`, and V8
    // calls the deleter exactly once.
    drop(unsafe { Box::from_raw(deleter_data as *mut Keepalive) });
}

impl SharedMemory {
    /// Wrap a backing store of an isolate (thread side).
    pub fn from_backing_store(store: v8::SharedRef<v8::BackingStore>) -> Self {
        Self { store }
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
        Self { store: store.make_shared() }
    }

    /// The V8 backing store, to build an ArrayBuffer or SharedArrayBuffer over.
    pub fn backing_store(&self) -> &v8::SharedRef<v8::BackingStore> {
        &self.store
    }

    /// Start of the memory (null for an empty store).
    pub fn as_ptr(&self) -> *mut u8 {
        self.store.data().map_or(std::ptr::null_mut(), |p| p.as_ptr() as *mut u8)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.store.byte_length()
    }

    /// True for an empty store.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the memory belongs to a SharedArrayBuffer.
    pub fn is_shared(&self) -> bool {
        self.store.is_shared()
    }
}

/// Serialized value plus the memory it refers to by index.
#[derive(Default)]
pub struct Payload {
    /// The encoded value (docs/wire-format.md).
    pub bytes: Vec<u8>,
    /// SharedArrayBuffers, referenced by `SHARED_BUFFER` index.
    pub shared: Vec<SharedMemory>,
    /// Moved ArrayBuffers, referenced by `TRANSFERRED_BUFFER` index.
    pub transferred: Vec<SharedMemory>,
}

impl Payload {
    /// A copy for one more receiver: the same bytes and shared memory.
    /// Moved buffers cannot go to several receivers and are left out.
    pub fn share(&self) -> Payload {
        let shared = self.shared.iter().map(|m| SharedMemory { store: m.store.clone() }).collect();
        Payload { bytes: self.bytes.clone(), shared, transferred: Vec::new() }
    }
}
