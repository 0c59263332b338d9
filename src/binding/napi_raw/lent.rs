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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use napi::sys;

use super::check::{napi_call, typed_array_bytes};
use super::{lock, HostRef, HostSink};
use crate::engine::Keepalive;

/// One lent region: its live lends (plus one while a hand-over to the
/// keeper is in flight), whether a lend was made since the hand-over was
/// reserved, and the keeper's hold once adopted.
struct Lent<K> {
    count: usize,
    pending: bool,
    lent: bool,
    adopted: Option<K>,
}

impl<K> Lent<K> {
    const NONE_YET: Self = Lent { count: 0, pending: false, lent: false, adopted: None };
}

/// The bookkeeping of lent regions by start address, apart from Node-API
/// (`K`: what the keeper holds; tested below with plain numbers).
struct Registry<K>(HashMap<usize, Lent<K>>);

impl<K> Default for Registry<K> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K> Registry<K> {
    /// One more lend of `addr`.
    fn lend(&mut self, addr: usize) {
        let entry = self.0.entry(addr).or_insert(Lent::NONE_YET);
        entry.count += 1;
        entry.lent = true;
    }

    /// One lend of `addr` is over; the keeper's hold to let go when it was
    /// the last.
    fn release(&mut self, addr: usize) -> Option<K> {
        let entry = self.0.get_mut(&addr)?;
        entry.count -= 1;
        if entry.count > 0 {
            return None;
        }
        self.0.remove(&addr).and_then(|e| e.adopted)
    }

    /// A Worker is about to lend `addr`: true when it should hand it over
    /// (no hand-over in flight, no keeper yet). The hand-over counts as a
    /// lend until adopted.
    fn reserve(&mut self, addr: usize) -> bool {
        let entry = self.0.entry(addr).or_insert(Lent::NONE_YET);
        if entry.pending || entry.adopted.is_some() {
            return false;
        }
        entry.pending = true;
        entry.lent = false;
        entry.count += 1;
        true
    }

    /// The keeper got the hand-over of `addr`: `hold()` makes its hold when
    /// the memory still needs one (a lend lives, or the announced lend is
    /// still to come). True when kept.
    fn adopt<E>(&mut self, addr: usize, hold: impl FnOnce() -> Result<K, E>) -> Result<bool, E> {
        let Some(entry) = self.0.get_mut(&addr).filter(|e| e.pending) else { return Ok(false) };
        entry.pending = false;
        entry.count -= 1;
        if entry.count == 0 && entry.lent {
            self.0.remove(&addr);
            return Ok(false);
        }
        entry.adopted = Some(hold()?);
        Ok(true)
    }
}

/// What the keeper holds: its env's sink and its reference.
type KeeperHold = (Arc<HostSink>, usize);

/// Lent host memory.
static LENT: LazyLock<Mutex<Registry<KeeperHold>>> = LazyLock::new(Mutex::default);

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
        let adopted = lock(&LENT).release(addr);
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
pub(super) unsafe fn keepalive(
    env: sys::napi_env,
    value: sys::napi_value,
    sink: &Arc<HostSink>,
    addr: Option<usize>,
) -> napi::Result<Keepalive> {
    let mut r = ptr::null_mut();
    // SAFETY: a live value of this env, on its JS thread (the caller's
    // contract); `r` is kept only after success.
    if unsafe { napi_call!(napi_create_reference(env, value, 1, &mut r)) }.is_err() {
        return Err(napi::Error::from_reason("could not keep a buffer alive"));
    }
    if let Some(addr) = addr {
        lock(&LENT).lend(addr);
    }
    Ok(Box::new(Held { r: r as usize, sink: sink.clone(), addr }))
}

/// True once an env listens for hand-overs (lib/keeper.js on the main thread).
static KEEPER: AtomicBool = AtomicBool::new(false);

/// This env (the main thread's) adopts what Workers hand over.
pub fn become_keeper() {
    KEEPER.store(true, Ordering::Release);
}

/// A Worker is about to lend the shared memory at `addr`: true when it
/// should hand the memory to the keeper (there is one, and nobody holds the
/// memory for it yet). The region then counts as lent until the keeper
/// adopts it, so a lend released before the hand-over arrives cannot end
/// the record early. Without a keeper nothing is reserved (a reservation
/// nobody adopts would stay forever).
pub fn reserve_keeper(addr: usize) -> bool {
    KEEPER.load(Ordering::Acquire) && lock(&LENT).reserve(addr)
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
    lock(&LENT).adopt(data as usize, || {
        let mut r = ptr::null_mut();
        // SAFETY: as above; `r` is kept only after success.
        unsafe { napi_call!(napi_create_reference(env, view, 1, &mut r))? };
        Ok((sink.clone(), r as usize))
    })
}

#[cfg(test)]
mod tests {
    use super::Registry;

    fn adopt(reg: &mut Registry<u32>, addr: usize, hold: u32) -> bool {
        reg.adopt(addr, || Ok::<_, ()>(hold)).unwrap()
    }

    #[test]
    fn a_lend_without_a_keeper_leaves_no_record() {
        let mut reg = Registry::<u32>::default();
        reg.lend(1);
        reg.lend(1);
        assert_eq!(reg.release(1), None);
        assert_eq!(reg.release(1), None);
        assert!(reg.0.is_empty());
    }

    #[test]
    fn the_keeper_holds_until_the_last_lend_is_released() {
        let mut reg = Registry::<u32>::default();
        assert!(reg.reserve(1));
        reg.lend(1);
        assert!(!reg.reserve(1), "one hand-over at a time");
        assert!(adopt(&mut reg, 1, 7));
        assert!(!reg.reserve(1), "kept already");
        reg.lend(1);
        assert_eq!(reg.release(1), None);
        assert_eq!(reg.release(1), Some(7));
        assert!(reg.0.is_empty());
        assert!(reg.reserve(1), "a later lend hands over again");
    }

    #[test]
    fn a_hand_over_before_its_lend_still_holds_the_memory() {
        let mut reg = Registry::<u32>::default();
        assert!(reg.reserve(1));
        assert!(adopt(&mut reg, 1, 7), "the lend is still to come");
        reg.lend(1);
        assert_eq!(reg.release(1), Some(7));
        assert!(reg.0.is_empty());
    }

    #[test]
    fn a_hand_over_after_every_lend_ended_keeps_nothing() {
        let mut reg = Registry::<u32>::default();
        assert!(reg.reserve(1));
        reg.lend(1);
        assert_eq!(reg.release(1), None, "the hand-over still counts");
        assert!(!adopt(&mut reg, 1, 7));
        assert!(reg.0.is_empty());
        assert!(!adopt(&mut reg, 2, 8), "no hand-over was reserved");
    }
}
