//! Encoded values and the memory they refer to, as they cross threads.
//! The memory is opaque here: the engine makes it (over V8 backing stores,
//! `engine::memory`) and reads it back; this layer holds, shares and drops it.

use std::any::Any;

/// Memory any thread may hold: the contents of a SharedArrayBuffer (shared)
/// or of a transferred ArrayBuffer (moved). Dropping the last holder frees it.
pub trait MemoryStore: Send + Sync + 'static {
    /// Start of the memory (null for an empty store).
    fn as_ptr(&self) -> *mut u8;
    /// Length in bytes.
    fn byte_length(&self) -> usize;
    /// True when the memory belongs to a SharedArrayBuffer.
    fn is_shared(&self) -> bool;
    /// One more holder of the same memory.
    fn share(&self) -> Box<dyn MemoryStore>;
    /// The store as its own type (for the engine that made it).
    fn as_any(&self) -> &dyn Any;
}

/// A holder of memory that crosses threads without a copy.
pub struct SharedMemory(Box<dyn MemoryStore>);

impl SharedMemory {
    /// Hold `store`.
    pub fn new(store: Box<dyn MemoryStore>) -> Self {
        Self(store)
    }

    /// The store, for the engine to read its own type back.
    pub fn store(&self) -> &dyn MemoryStore {
        &*self.0
    }

    /// Start of the memory (null for an empty store).
    pub fn as_ptr(&self) -> *mut u8 {
        self.0.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.byte_length()
    }

    /// True for an empty store.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the memory belongs to a SharedArrayBuffer.
    pub fn is_shared(&self) -> bool {
        self.0.is_shared()
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
        let shared = self.shared.iter().map(|m| SharedMemory(m.0.share())).collect();
        Payload { bytes: self.bytes.clone(), shared, transferred: Vec::new() }
    }
}
