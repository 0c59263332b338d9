//! Shared by the fuzz targets: one V8 isolate and context per process, and
//! the mapping from a fuzz input to a codec `Payload`.
//!
//! Input layout: byte 0 selects the mode, the rest is `payload.bytes`.
//! - mode bit 0 clear: `shared` and `transferred` are empty (what a call
//!   without SharedArrayBuffers or a transfer list sends);
//! - mode bit 0 set: a few fake buffers are supplied, so SHARED_BUFFER and
//!   TRANSFERRED_BUFFER indexes (and views over them) resolve. Each list
//!   also holds one entry of the wrong kind (an ArrayBuffer among the shared,
//!   a SharedArrayBuffer among the transferred) and one empty buffer.
//! The other bits of byte 0 are ignored, so the fuzzer is free to flip them.

#![allow(dead_code)]

use std::cell::RefCell;
use std::mem::ManuallyDrop;

use isothread::engine::{init_platform, Payload, SharedMemory};

struct Vm {
    isolate: v8::OwnedIsolate,
    context: v8::Global<v8::Context>,
}

thread_local! {
    // Never dropped: disposing the isolate at process exit buys nothing and
    // would race libFuzzer's own exit handlers.
    static VM: RefCell<Option<ManuallyDrop<Vm>>> = const { RefCell::new(None) };
}

/// Run `f` in a fresh HandleScope inside the process's one context.
pub fn with_scope<R>(f: impl for<'s> FnOnce(&mut v8::HandleScope<'s>) -> R) -> R {
    VM.with(|cell| {
        let mut slot = cell.borrow_mut();
        let vm = slot.get_or_insert_with(|| {
            init_platform();
            let mut isolate = v8::Isolate::new(Default::default());
            let context = {
                let scope = &mut v8::HandleScope::new(&mut isolate);
                let context = v8::Context::new(scope);
                v8::Global::new(scope, context)
            };
            ManuallyDrop::new(Vm { isolate, context })
        });
        let Vm { isolate, context } = &mut **vm;
        let scope = &mut v8::HandleScope::with_context(isolate, &*context);
        f(scope)
    })
}

fn shared_store(len: usize) -> SharedMemory {
    SharedMemory::from_backing_store(v8::SharedArrayBuffer::new_backing_store_from_vec(vec![0; len]).make_shared())
}

fn moved_store(len: usize) -> SharedMemory {
    SharedMemory::from_backing_store(v8::ArrayBuffer::new_backing_store_from_vec(vec![0; len]).make_shared())
}

/// Whether the input asks for the fake buffers.
pub fn with_buffers(data: &[u8]) -> bool {
    data.first().is_some_and(|mode| mode & 1 == 1)
}

/// The payload an input describes (`None` for the empty input).
pub fn payload(data: &[u8]) -> Option<Payload> {
    let (&mode, bytes) = data.split_first()?;
    let mut payload = Payload {
        bytes: bytes.to_vec().into(),
        ..Payload::default()
    };
    if mode & 1 == 1 {
        // Indexes: shared 0 = 64-byte SAB, 1 = 16-byte SAB, 2 = empty SAB,
        // 3 = an ArrayBuffer (wrong kind); transferred 0 = 64-byte AB,
        // 1 = 16-byte AB, 2 = empty AB, 3 = a SAB (wrong kind).
        payload.shared = vec![shared_store(64), shared_store(16), shared_store(0), moved_store(64)];
        payload.transferred = vec![moved_store(64), moved_store(16), moved_store(0), shared_store(64)];
    }
    Some(payload)
}
