//! Unit tests of `locks.rs` (ids of their own: tests share the process-wide table).

use super::*;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[test]
fn a_thread_waits_until_the_holder_unlocks() {
    lock_blocking("t1", 101, || false).unwrap();
    let h = std::thread::spawn(|| lock_blocking("t1", 102, || false));
    std::thread::sleep(Duration::from_millis(20));
    assert!(!h.is_finished());
    unlock("t1", Holder::Thread(101)).unwrap();
    assert_eq!(h.join().unwrap(), Ok(()));
    assert_eq!(unlock("t1", Holder::Thread(101)), Err(NotLocked));
    unlock("t1", Holder::Thread(102)).unwrap();
}

#[test]
fn a_stopped_wait_returns_at_once_and_leaves_the_queue() {
    lock_blocking("t2", 201, || false).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let h = std::thread::spawn(move || lock_blocking("t2", 202, || s.load(Ordering::SeqCst)));
    std::thread::sleep(Duration::from_millis(10));
    stop.store(true, Ordering::SeqCst);
    assert_eq!(h.join().unwrap(), Err(Stopped));
    release_all(Holder::Thread(201));
    assert_eq!(lock_blocking("t2", 203, || false), Ok(()));
    release_all(Holder::Thread(203));
}

#[test]
fn a_released_lock_goes_to_a_long_waiting_first_waiter() {
    lock_blocking("t3", 301, || false).unwrap();
    let first = std::thread::spawn(|| {
        lock_blocking("t3", 302, || false).unwrap();
        std::time::Instant::now()
    });
    std::thread::sleep(Duration::from_millis(10));
    let second = std::thread::spawn(|| {
        lock_blocking("t3", 303, || false).unwrap();
        std::time::Instant::now()
    });
    std::thread::sleep(Duration::from_millis(10));
    unlock("t3", Holder::Thread(301)).unwrap();
    let t_first = first.join().unwrap();
    std::thread::sleep(Duration::from_millis(10));
    unlock("t3", Holder::Thread(302)).unwrap();
    let t_second = second.join().unwrap();
    assert!(t_first < t_second, "first come, first served");
    unlock("t3", Holder::Thread(303)).unwrap();
}

struct Granted(Mutex<Vec<f64>>);
impl EventSink for Granted {
    fn send(&self, event: Event) {
        if let Event::LockGranted { token, .. } = event {
            self.0.lock().unwrap().push(token);
        }
    }
}

#[test]
fn sixteen_threads_and_a_host_lose_no_update_and_leave_no_waiter() {
    const THREADS: u32 = 16;
    const EACH: u32 = 2000;
    let counter = Arc::new(AtomicU32::new(0));
    let sink = Arc::new(Granted(Mutex::default()));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let counter = counter.clone();
            std::thread::spawn(move || {
                let id = 1600 + i;
                let mut stopped = 0;
                for n in 0..EACH {
                    // Every 97th wait of some threads is stopped at once (a timeout).
                    let stop_now = i % 4 == 0 && n % 97 == 0;
                    if lock_blocking("t16", id, || stop_now).is_err() {
                        stopped += 1;
                        continue;
                    }
                    // A non-atomic read-modify-write, safe only under the lock.
                    let v = counter.load(Ordering::Relaxed);
                    std::hint::spin_loop();
                    counter.store(v + 1, Ordering::Relaxed);
                    unlock("t16", Holder::Thread(id)).unwrap();
                }
                stopped
            })
        })
        .collect();
    // The host asks too; each grant (now or by event) is one update.
    let mut host_updates = 0;
    for token in 0..200 {
        let now = lock_host("t16", 7, f64::from(token), sink.clone());
        if !now {
            while !sink.0.lock().unwrap().contains(&f64::from(token)) {
                std::thread::yield_now();
            }
        }
        let v = counter.load(Ordering::Relaxed);
        counter.store(v + 1, Ordering::Relaxed);
        host_updates += 1;
        unlock("t16", Holder::Host(7)).unwrap();
    }
    let stopped: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(counter.load(Ordering::SeqCst), THREADS * EACH - stopped + host_updates);
    let lock = lookup("t16");
    assert_eq!(lock.0.owner.load(Ordering::SeqCst), FREE);
    assert_eq!(lock.0.queued.load(Ordering::SeqCst), 0, "no waiter left behind");
    assert!(lock.0.queue().waiters.is_empty());
}
