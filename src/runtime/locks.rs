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
    Thread(u32),
    Host { key: usize, token: f64, sink: Arc<dyn EventSink> },
}

impl Waiter {
    fn holder(&self) -> Holder {
        match self {
            Waiter::Thread(t) => Holder::Thread(*t),
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
    changed: Condvar,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table { locks: Mutex::new(HashMap::new()), changed: Condvar::new() })
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

/// A free lock goes to the first waiter: a thread takes it when it wakes; a
/// host is granted it by an event.
fn hand_over(name: &str, lock: &mut Lock) {
    if lock.holder.is_some() {
        return;
    }
    if let Some(Waiter::Host { .. }) = lock.waiters.front() {
        if let Some(Waiter::Host { key, token, sink }) = lock.waiters.pop_front() {
            lock.holder = Some(Holder::Host(key));
            sink.send(Event::LockGranted { token, name: name.to_owned() });
        }
    }
    table().changed.notify_all();
}

/// Thread `thread` takes lock `name`, waiting while another holds it;
/// `stop()` is polled while waiting and ends the wait.
pub fn lock_blocking(name: &str, thread: u32, stop: impl Fn() -> bool) -> Result<(), Stopped> {
    let me = Holder::Thread(thread);
    let mut g = locks();
    let mut queued = false;
    loop {
        let lock = g.entry(name.to_owned()).or_default();
        if lock.holder == Some(me) {
            return Ok(()); // already ours
        }
        let first = lock.waiters.front().map(Waiter::holder);
        if lock.holder.is_none() && (first.is_none() || first == Some(me)) {
            if first == Some(me) {
                lock.waiters.pop_front();
            }
            lock.holder = Some(me);
            return Ok(());
        }
        if !queued {
            lock.waiters.push_back(Waiter::Thread(thread));
            queued = true;
        }
        if stop() {
            lock.waiters.retain(|w| w.holder() != me);
            hand_over(name, lock);
            return Err(Stopped);
        }
        g = table().changed.wait_timeout(g, Duration::from_millis(2)).unwrap_or_else(|p| p.into_inner()).0;
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
        lock_blocking("t1", 1, || false).unwrap();
        let h = std::thread::spawn(|| lock_blocking("t1", 2, || false));
        std::thread::sleep(Duration::from_millis(20));
        assert!(!h.is_finished());
        unlock("t1", Holder::Thread(1)).unwrap();
        assert_eq!(h.join().unwrap(), Ok(()));
        assert_eq!(unlock("t1", Holder::Thread(1)), Err(NotLocked));
        unlock("t1", Holder::Thread(2)).unwrap();
    }

    #[test]
    fn a_stopped_wait_returns_at_once_and_leaves_the_queue() {
        lock_blocking("t2", 1, || false).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let h = std::thread::spawn(move || lock_blocking("t2", 2, || s.load(Ordering::SeqCst)));
        std::thread::sleep(Duration::from_millis(10));
        stop.store(true, Ordering::SeqCst);
        assert_eq!(h.join().unwrap(), Err(Stopped));
        release_all(Holder::Thread(1));
        assert_eq!(lock_blocking("t2", 3, || false), Ok(()));
        release_all(Holder::Thread(3));
    }
}
