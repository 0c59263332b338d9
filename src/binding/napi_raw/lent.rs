//! Host SharedArrayBuffers lent to isolates, and who keeps them alive.
//! Part of the raw Node-API module.
//!
//! A lend holds a strong reference of the lending env (`Held`). A
//! `worker_threads` Worker may end while the memory is still held by a
//! thread, a `buffer()` or a Messenger queue; its references then go and
//! Node frees the memory under them. So the main env's lib adopts every
//! SharedArrayBuffer a Worker lends (it receives the same memory over a
//! BroadcastChannel, lib/keeper.js): its reference keeps Node's backing
//! store alive until the last lend of that memory is released, whichever
//! env lent it.

use std::collections::HashMap;
use std::ptr;
use std::sync::{Arc, LazyLock, Mutex};

use napi::sys;

use super::check::napi_call;
use super::memory::typed_array_bytes;
use super::{lock, HostRef, HostSink};
use crate::engine::Keepalive;

/// One lent region: its live lends (plus one while a hand-over to the
/// keeper is in flight), whether a lend was made since the hand-over was
/// reserved, and the keeper's reference once adopted.
struct Lent {
    count: usize,
    pending: bool,
    lent: bool,
    adopted: Option<(Arc<HostSink>, usize)>,
}

const NONE_YET: Lent = Lent { count: 0, pending: false, lent: false, adopted: None };

/// Lent host memory by start address.
static LENT: LazyLock<Mutex<HashMap<usize, Lent>>> = LazyLock::new(Mutex::default);

/// One lend: the lending env's reference to its object, deleted on that
/// env's thread once the isolates let go; the last lend of a region also
/// lets the keeper's reference go.
struct Held {
    r: usize,
    sink: Arc<HostSink>,
    /// Start address of lent shared memory (None: a moved buffer).
    addr: Option<usize>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.sink.release_later(HostRef(self.r));
        let Some(addr) = self.addr else { return };
        let adopted = {
            let mut lent = lock(&LENT);
            let Some(entry) = lent.get_mut(&addr) else { return };
            entry.count -= 1;
            if entry.count > 0 {
                return;
            }
            lent.remove(&addr).and_then(|e| e.adopted)
        };
        if let Some((keeper, r)) = adopted {
            keeper.release_later(HostRef(r));
        }
    }
}

/// A strong reference to `value` until the returned box is dropped (on any
/// thread: the reference is then deleted on the env's JS thread). `addr`:
/// the start of shared memory, counted as lent while the box lives.
///
/// # Safety
/// `value` must be a live value of `env`, on its JS thread.
pub(super) unsafe fn keepalive(env: sys::napi_env, value: sys::napi_value, sink: &Arc<HostSink>, addr: Option<usize>) -> napi::Result<Keepalive> {
    let mut r = ptr::null_mut();
    // SAFETY: a live value of this env, on its JS thread (the caller's
    // contract); `r` is kept only after success.
    if unsafe { napi_call!(napi_create_reference(env, value, 1, &mut r)) }.is_err() {
        return Err(napi::Error::from_reason("could not keep a buffer alive"));
    }
    if let Some(addr) = addr {
        let mut lent = lock(&LENT);
        let entry = lent.entry(addr).or_insert(NONE_YET);
        entry.count += 1;
        entry.lent = true;
    }
    Ok(Box::new(Held { r: r as usize, sink: sink.clone(), addr }))
}

/// A Worker is about to lend the shared memory at `addr`: true when it
/// should hand the memory to the keeper (nobody holds it for the keeper
/// yet). The region then counts as lent until the keeper adopts it, so a
/// lend released before the hand-over arrives cannot end the record early.
pub fn reserve_keeper(addr: usize) -> bool {
    let mut lent = lock(&LENT);
    let entry = lent.entry(addr).or_insert(NONE_YET);
    if entry.pending || entry.adopted.is_some() {
        return false;
    }
    entry.pending = true;
    entry.lent = false;
    entry.count += 1;
    true
}

/// The keeper env adopts the SharedArrayBuffer `view` spans (its own object
/// over memory a Worker handed over after `reserve_keeper`): a strong
/// reference of the keeper's env keeps the memory alive until the last
/// lend of it is released. The hand-over may arrive before the Worker made
/// the lend it announced (the threads run in parallel): the keeper then
/// holds the memory until that lend is released. False (nothing kept) when
/// no hand-over was reserved or every lend is over already. (Should the
/// announced lend fail, the keeper holds the memory until a later lend of
/// it is released: a rare, bounded leak rather than a use after free.)
///
/// # Safety
/// `view` must be a live Uint8Array of `env`, on its JS thread; `sink` the
/// env's sink.
pub unsafe fn adopt_shared(env: sys::napi_env, view: sys::napi_value, sink: &Arc<HostSink>) -> napi::Result<bool> {
    // SAFETY: forwarded contract.
    let (data, _) = unsafe { typed_array_bytes(env, view)? };
    let addr = data as usize;
    let mut lent = lock(&LENT);
    let Some(entry) = lent.get_mut(&addr).filter(|e| e.pending) else { return Ok(false) };
    entry.pending = false;
    entry.count -= 1;
    if entry.count == 0 && entry.lent {
        lent.remove(&addr);
        return Ok(false);
    }
    let mut r = ptr::null_mut();
    // SAFETY: as above; `r` is kept only after success.
    unsafe { napi_call!(napi_create_reference(env, view, 1, &mut r))? };
    entry.adopted = Some((sink.clone(), r as usize));
    Ok(true)
}
