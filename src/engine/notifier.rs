//! Waking threads blocked in `Atomics.wait` on host memory. Each V8 keeps
//! its own waiter list, so the host's `Atomics.notify` cannot reach them:
//! a small isolate of ours, on its own thread, runs `Atomics.notify` over
//! the same memory on the host's behalf.

use std::ffi::c_void;
use std::sync::{Mutex, OnceLock};

use crossbeam_channel::{bounded, unbounded, Sender};

use super::platform;

struct Request {
    addr: usize,
    len: usize,
    index: usize,
    count: f64,
    reply: Sender<u32>,
}

extern "C" fn no_delete(_data: *mut c_void, _len: usize, _deleter_data: *mut c_void) {}

fn sender() -> &'static Mutex<Sender<Request>> {
    static TX: OnceLock<Mutex<Sender<Request>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = unbounded::<Request>();
        std::thread::Builder::new()
            .name("isothread-notifier".into())
            .stack_size(platform::THREAD_STACK_BYTES)
            .spawn(move || {
                platform::init();
                let isolate = &mut v8::Isolate::new(v8::CreateParams::default().heap_limits(0, 16 << 20));
                let scope = &mut v8::HandleScope::new(isolate);
                let context = v8::Context::new(scope);
                let scope = &mut v8::ContextScope::new(scope, context);
                let src = v8::String::new(scope, "(sab, i, c) => Atomics.notify(new Int32Array(sab), i, c)").unwrap();
                let f = v8::Script::compile(scope, src, None).and_then(|s| s.run(scope)).unwrap();
                let f = v8::Local::<v8::Function>::try_from(f).unwrap();
                for req in rx {
                    let scope = &mut v8::HandleScope::new(scope);
                    // SAFETY: the host keeps the memory alive for the whole
                    // (synchronous) notify; the store never frees it.
                    let store = unsafe {
                        v8::SharedArrayBuffer::new_backing_store_from_ptr(req.addr as *mut c_void, req.len, no_delete, std::ptr::null_mut())
                    };
                    let sab = v8::SharedArrayBuffer::with_backing_store(scope, &store.make_shared());
                    let i = v8::Number::new(scope, (req.index / 4) as f64).into();
                    let c = v8::Number::new(scope, req.count).into();
                    let recv = v8::undefined(scope).into();
                    let woken = f.call(scope, recv, &[sab.into(), i, c]).and_then(|v| v.uint32_value(scope)).unwrap_or(0);
                    let _ = req.reply.send(woken);
                }
            })
            .expect("spawn the notifier thread");
        Mutex::new(tx)
    })
}

/// Wake up to `count` (∞ for all) threads waiting at byte `index` of the
/// shared memory `[addr, addr + len)`; returns how many woke.
pub fn notify(addr: usize, len: usize, index: usize, count: f64) -> u32 {
    let (reply, answer) = bounded(1);
    let tx = sender().lock().unwrap_or_else(|p| p.into_inner()).clone();
    if tx.send(Request { addr, len, index, count, reply }).is_err() {
        return 0;
    }
    answer.recv().unwrap_or(0)
}
