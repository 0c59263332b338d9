//! Named locks shared by every thread of the process (API.md §4). Threads
//! wait blocking but stoppable (their timeout, abort or dispose ends the
//! wait at once); a host environment waits asynchronously (an event grants
//! it the lock). Waiters are served first come, first served.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use super::messages::{Event, EventSink};

/// Who holds (or waits for) a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// An isolate thread.
    Thread(u32),
    /// A host environment (its key).
    Host(usize),
}

enum Waiter {
    /// A thread blocked in `lock()`, woken by its own condvar (no herd).
    Thread(u32, Arc<Condvar>),
    Host { key: usize, token: f64, sink: Arc<dyn EventSink> },
}

impl Waiter {
    fn holder(&self) -> Holder {
        match self {
            Waiter::Thread(t, _) => Holder::Thread(*t),
            Waiter::Host { key, .. } => Holder::Host(*key),
        }
    }
}

#[derive(Default)]
struct Lock {
    holder: Option<Holder>,
    waiters: VecDeque<Waiter>,
}

struct Table {
    locks: Mutex<HashMap<String, Lock>>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table { locks: Mutex::new(HashMap::new()) })
}

fn locks() -> MutexGuard<'static, HashMap<String, Lock>> {
    table().locks.lock().unwrap_or_else(|p| p.into_inner())
}

/// `unlock` of a lock the caller does not hold.
#[derive(Debug, PartialEq, Eq)]
pub struct NotLocked;

/// The wait was stopped (the thread is being terminated).
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped;

/// A free lock goes straight to the first waiter: a thread is woken as its
/// holder; a host is granted it by an event.
fn hand_over(name: &str, lock: &mut Lock) {
    if lock.holder.is_some() {
        return;
    }
    match lock.waiters.pop_front() {
        Some(Waiter::Thread(id, wake)) => {
            lock.holder = Some(Holder::Thread(id));
            wake.notify_one();
        }
        Some(Waiter::Host { key, token, sink }) => {
            lock.holder = Some(Holder::Host(key));
            sink.send(Event::LockGranted { token, name: name.to_owned() });
        }
        None => {}
    }
}

/// Thread `thread` takes lock `name`, waiting while another holds it;
/// `stop()` is polled while waiting and ends the wait.
pub fn lock_blocking(name: &str, thread: u32, stop: impl Fn() -> bool) -> Result<(), Stopped> {
    let me = Holder::Thread(thread);
    let mut g = locks();
    let wake = Arc::new(Condvar::new());
    let mut queued = false;
    loop {
        let lock = g.entry(name.to_owned()).or_default();
        if lock.holder == Some(me) {
            return Ok(()); // ours: free, already held, or handed over to us
        }
        if lock.holder.is_none() && lock.waiters.is_empty() {
            lock.holder = Some(me);
            return Ok(());
        }
        if !queued {
            lock.waiters.push_back(Waiter::Thread(thread, wake.clone()));
            queued = true;
        }
        if stop() {
            lock.waiters.retain(|w| w.holder() != me);
            hand_over(name, lock);
            return Err(Stopped);
        }
        g = wake.wait_timeout(g, Duration::from_millis(2)).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// A host environment asks for lock `name`: true when it got it now; else
/// `Event::LockGranted { token }` reaches `sink` when it is its turn.
pub fn lock_host(name: &str, key: usize, token: f64, sink: Arc<dyn EventSink>) -> bool {
    let me = Holder::Host(key);
    let mut g = locks();
    let lock = g.entry(name.to_owned()).or_default();
    if lock.holder.is_none() && lock.waiters.is_empty() {
        lock.holder = Some(me);
        return true;
    }
    lock.waiters.push_back(Waiter::Host { key, token, sink });
    false
}

/// Release lock `name` held by `who`.
pub fn unlock(name: &str, who: Holder) -> Result<(), NotLocked> {
    let mut g = locks();
    let Some(lock) = g.get_mut(name) else { return Err(NotLocked) };
    if lock.holder != Some(who) {
        return Err(NotLocked);
    }
    lock.holder = None;
    hand_over(name, lock);
    if lock.holder.is_none() && lock.waiters.is_empty() {
        g.remove(name);
    }
    Ok(())
}

/// Release every lock `who` holds and drop its waits (it ended, or its call
/// was terminated).
pub fn release_all(who: Holder) {
    let mut g = locks();
    let names: Vec<String> = g.keys().cloned().collect();
    for name in names {
        let Some(lock) = g.get_mut(&name) else { continue };
        lock.waiters.retain(|w| w.holder() != who);
        if lock.holder == Some(who) {
            lock.holder = None;
            hand_over(&name, lock);
        }
        if lock.holder.is_none() && lock.waiters.is_empty() {
            g.remove(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_thread_waits_until_the_holder_unlocks() {
        // Ids of their own: tests share the process-wide table.
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
    fn a_released_lock_goes_to_the_first_waiter() {
        lock_blocking("t3", 301, || false).unwrap();
        let first = std::thread::spawn(|| { lock_blocking("t3", 302, || false).unwrap(); std::time::Instant::now() });
        std::thread::sleep(Duration::from_millis(10));
        let second = std::thread::spawn(|| { lock_blocking("t3", 303, || false).unwrap(); std::time::Instant::now() });
        std::thread::sleep(Duration::from_millis(10));
        unlock("t3", Holder::Thread(301)).unwrap();
        let t_first = first.join().unwrap();
        std::thread::sleep(Duration::from_millis(10));
        unlock("t3", Holder::Thread(302)).unwrap();
        let t_second = second.join().unwrap();
        assert!(t_first < t_second, "first come, first served");
        unlock("t3", Holder::Thread(303)).unwrap();
    }
}
