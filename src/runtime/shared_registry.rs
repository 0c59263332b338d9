//! Which SharedArrayBuffer memory the host can see, so that a thread's
//! `Atomics.notify` on it is forwarded to the host's waiters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

static COUNT: AtomicUsize = AtomicUsize::new(0);

fn table() -> &'static Mutex<HashMap<usize, usize>> {
    static T: OnceLock<Mutex<HashMap<usize, usize>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// The host holds a SharedArrayBuffer whose memory starts at `addr`.
pub fn register(addr: usize) {
    let mut t = table().lock().unwrap_or_else(|p| p.into_inner());
    *t.entry(addr).or_insert(0) += 1;
    COUNT.store(t.len(), Ordering::Release);
}

/// The host let go of one such SharedArrayBuffer.
pub fn unregister(addr: usize) {
    let mut t = table().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = t.get_mut(&addr) {
        *n -= 1;
        if *n == 0 {
            t.remove(&addr);
        }
    }
    COUNT.store(t.len(), Ordering::Release);
}

/// True when the host may wait on memory starting at `addr`.
pub fn is_host_visible(addr: usize) -> bool {
    if COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    table().lock().unwrap_or_else(|p| p.into_inner()).contains_key(&addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_registrations() {
        register(0x1000);
        register(0x1000);
        assert!(is_host_visible(0x1000));
        unregister(0x1000);
        assert!(is_host_visible(0x1000));
        unregister(0x1000);
        assert!(!is_host_visible(0x1000));
    }
}
