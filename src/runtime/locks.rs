//! Named locks shared by every thread of the process (API.md §4). Threads
//! wait blocking but stoppable (their timeout, abort or dispose ends the
//! wait at once); a host environment waits asynchronously (an event grants
//! it the lock).
//!
//! Each lock is one atomic word (its holder, 0 when free) beside a small
//! queue. Taking a free lock is one compare-and-swap. A thread that finds
//! it held spins up to `SPIN_FOR`, looking at the lock only every
//! `SPIN_GAP` (so it takes a released lock without a system call, but not
//! from between two turns of a thread that is taking it over and over),
//! then queues and parks; one thread per lock spins, the others park at
//! once. A release wakes at most one parked thread at a time, and none
//! while a thread spins, and lets a running thread take the lock meanwhile
//! ("barging": no hand-over through the OS while another thread is ready
//! to run); a waiter that waited
//! longer than `FAIR_AFTER`, and a host, get the lock handed to them instead,
//! so nobody waits forever.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::messages::{Event, EventSink};

/// Who holds (or waits for) a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// An isolate thread.
    Thread(u32),
    /// A host environment (its key).
    Host(usize),
}

const FREE: u64 = 0;
const HOST_BIT: u64 = 1 << 63;

impl Holder {
    /// The holder as a nonzero word.
    fn word(self) -> u64 {
        match self {
            Holder::Thread(id) => u64::from(id) + 1,
            Holder::Host(key) => HOST_BIT | (key as u64 & !HOST_BIT),
        }
    }
}

/// How long a thread spins for a held lock before it queues and parks.
const SPIN_FOR: Duration = Duration::from_millis(1);
/// A spinning thread looks at the lock this often (see `spin`).
const SPIN_GAP: Duration = Duration::from_micros(4);
/// A spinning thread yields its core this often.
const YIELD_EVERY: Duration = Duration::from_micros(100);
/// A waiter queued longer than this gets the lock handed to it on the next release.
const FAIR_AFTER: Duration = Duration::from_millis(1);
/// A parked thread re-checks its stop condition this often.
const POLL: Duration = Duration::from_millis(2);

/// A thread parked in `lock()`.
struct Parked {
    thread: u32,
    /// Set (under the queue's mutex) when the lock was handed to it.
    granted: AtomicBool,
    wake: Condvar,
    since: Instant,
}

enum Waiter {
    Thread(Arc<Parked>),
    Host { key: usize, token: f64, sink: Arc<dyn EventSink> },
}

impl Waiter {
    fn holder(&self) -> Holder {
        match self {
            Waiter::Thread(p) => Holder::Thread(p.thread),
            Waiter::Host { key, .. } => Holder::Host(*key),
        }
    }
}

#[derive(Default)]
struct Queue {
    waiters: VecDeque<Waiter>,
    /// A parked thread that was woken and has not yet tried the lock: a
    /// release then wakes nobody else (one wake-up in flight at a time).
    woken: Option<u32>,
    /// No hand-over to a thread before this (`None`: any time); at most one
    /// per `FAIR_AFTER`, so barging keeps the lock moving between hand-overs.
    next_fair: Option<Instant>,
}

impl Queue {
    /// Thread `thread` is done with its wake-up.
    fn awake(&mut self, thread: u32) {
        if self.woken == Some(thread) {
            self.woken = None;
        }
    }
}

/// On a cache line of its own (and its neighbour, which the hardware
/// fetches in pairs): a lock's word moves between cores with its holder,
/// never because of unrelated memory beside it.
#[repr(align(128))]
struct NamedLock {
    name: String,
    owner: AtomicU64,
    /// Number of queued waiters (read without the queue's mutex).
    queued: AtomicUsize,
    /// A thread is spinning for the lock: a release wakes nobody (the
    /// spinner takes the lock without a system call).
    spinning: AtomicBool,
    queue: Mutex<Queue>,
}

impl NamedLock {
    fn try_take(&self, me: u64) -> bool {
        self.owner.compare_exchange(FREE, me, Ordering::SeqCst, Ordering::Relaxed).is_ok()
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remove(&self, q: &mut Queue, who: Holder) {
        let before = q.waiters.len();
        q.waiters.retain(|w| w.holder() != who);
        self.queued.fetch_sub(before - q.waiters.len(), Ordering::SeqCst);
    }

    /// After a release (the lock may be free): hand it to a host or a
    /// long-waiting thread at the head, else wake the head thread (unless one
    /// is already woken) to compete for it.
    fn after_release(&self, q: &mut Queue) {
        let Some(head) = q.waiters.front() else { return };
        let fair = match head {
            Waiter::Host { .. } => true,
            Waiter::Thread(p) => p.since.elapsed() >= FAIR_AFTER && q.next_fair.is_none_or(|t| Instant::now() >= t),
        };
        if fair {
            if !self.try_take(head.holder().word()) {
                return; // taken meanwhile: its release comes back here
            }
            let head = q.waiters.pop_front().expect("a head");
            self.queued.fetch_sub(1, Ordering::SeqCst);
            match head {
                Waiter::Thread(p) => {
                    q.awake(p.thread);
                    q.next_fair = Some(Instant::now() + FAIR_AFTER);
                    p.granted.store(true, Ordering::SeqCst);
                    p.wake.notify_one();
                }
                Waiter::Host { token, sink, .. } => sink.send(Event::LockGranted { token, name: self.name.clone() }),
            }
        } else if q.woken.is_none() && !self.spinning.load(Ordering::SeqCst) {
            if let Waiter::Thread(p) = head {
                q.woken = Some(p.thread);
                p.wake.notify_one();
            }
        }
    }

    /// Spin for the lock unless another thread already does (then false
    /// at once): at most one thread per lock spins, the others park, so
    /// waiters do not take from the holder the cores it needs. After this,
    /// the caller tries the lock once more before it parks (a release
    /// while it spun woke nobody).
    fn spin_alone(&self, me: u64, granted: &AtomicBool, stop: &impl Fn() -> bool) -> bool {
        if self.spinning.compare_exchange(false, true, Ordering::SeqCst, Ordering::Relaxed).is_err() {
            return false;
        }
        let got = spin(self, me, granted, stop);
        self.spinning.store(false, Ordering::SeqCst);
        got
    }

    /// Release held by `who`; false if `who` does not hold it.
    fn release(&self, who: Holder) -> bool {
        if self.owner.compare_exchange(who.word(), FREE, Ordering::SeqCst, Ordering::Relaxed).is_err() {
            return false;
        }
        // (the store above comes before this read: a waiter that queued
        // after it sees the lock free when it re-checks)
        if self.queued.load(Ordering::SeqCst) > 0 {
            let mut q = self.queue();
            self.after_release(&mut q);
        }
        true
    }
}

struct Table {
    locks: HashMap<String, Arc<NamedLock>>,
    /// Idle entries are swept when the table grows to this many.
    sweep_at: usize,
}

fn table() -> MutexGuard<'static, Table> {
    static T: OnceLock<Mutex<Table>> = OnceLock::new();
    T.get_or_init(|| Mutex::new(Table { locks: HashMap::new(), sweep_at: 64 })).lock().unwrap_or_else(|p| p.into_inner())
}

fn idle(l: &Arc<NamedLock>) -> bool {
    // Only the table holds it (a clone needs the table's mutex): nobody
    // can take it while the table's mutex is held.
    Arc::strong_count(l) == 1 && l.owner.load(Ordering::SeqCst) == FREE && l.queued.load(Ordering::SeqCst) == 0
}

fn entry(name: &str) -> Arc<NamedLock> {
    let mut t = table();
    if let Some(l) = t.locks.get(name) {
        return l.clone();
    }
    if t.locks.len() >= t.sweep_at {
        t.locks.retain(|_, l| !idle(l));
        t.sweep_at = (2 * t.locks.len()).max(64);
    }
    let l = Arc::new(NamedLock {
        name: name.to_owned(),
        owner: AtomicU64::new(FREE),
        queued: AtomicUsize::new(0),
        spinning: AtomicBool::new(false),
        queue: Mutex::default(),
    });
    t.locks.insert(name.to_owned(), l.clone());
    l
}

/// A named lock looked up once, for a caller that takes it often (a
/// shared value's `mod()`): the same lock as `lock_blocking(name, …)`.
#[derive(Clone)]
pub struct LockRef(Arc<NamedLock>);

/// The lock named `name`.
pub fn lookup(name: &str) -> LockRef {
    LockRef(entry(name))
}

impl LockRef {
    /// Thread `thread` takes the lock if it is free (or already its own),
    /// without waiting: true when it holds it now.
    pub fn try_lock(&self, thread: u32) -> bool {
        let me = Holder::Thread(thread).word();
        self.0.try_take(me) || self.0.owner.load(Ordering::SeqCst) == me
    }

    /// As `lock_blocking`.
    pub fn lock_blocking(&self, thread: u32, stop: impl Fn() -> bool) -> Result<(), Stopped> {
        take_blocking(&self.0, thread, stop)
    }

    /// As `unlock`.
    pub fn unlock(&self, who: Holder) -> Result<(), NotLocked> {
        if self.0.release(who) {
            Ok(())
        } else {
            Err(NotLocked)
        }
    }
}

/// `unlock` of a lock the caller does not hold.
#[derive(Debug, PartialEq, Eq)]
pub struct NotLocked;

/// The wait was stopped (the thread is being terminated).
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped;

/// Thread `thread` takes lock `name`, waiting while another holds it;
/// `stop()` is polled while waiting and ends the wait.
pub fn lock_blocking(name: &str, thread: u32, stop: impl Fn() -> bool) -> Result<(), Stopped> {
    take_blocking(&entry(name), thread, stop)
}

/// Spin a while for the lock (or for `granted`): true once it is ours.
/// The lock word is looked at only every `SPIN_GAP`: a thread taking the
/// lock over and over leaves it free for a few nanoseconds between two
/// turns, and a waiter on another core that catches it there moves the lock
/// (and the value it guards) between cores at every turn, a cache miss each
/// way; looked at sparsely, the lock stays with the running thread and a
/// waiter still sees a real release within microseconds. Yields now and
/// then (on a busy machine the holder may be waiting for a core) and stops
/// early when `stop()` says so.
fn spin(lock: &NamedLock, me: u64, granted: &AtomicBool, stop: &impl Fn() -> bool) -> bool {
    let start = Instant::now();
    let until = start + SPIN_FOR;
    let mut next_yield = start + YIELD_EVERY;
    loop {
        let next = Instant::now() + SPIN_GAP;
        let mut now = Instant::now();
        while now < next {
            for _ in 0..8 {
                std::hint::spin_loop();
            }
            now = Instant::now();
        }
        if granted.load(Ordering::Acquire) || (lock.owner.load(Ordering::Relaxed) == FREE && lock.try_take(me)) {
            return true;
        }
        if now >= until || stop() {
            return false;
        }
        if now >= next_yield {
            std::thread::yield_now();
            next_yield = Instant::now() + YIELD_EVERY;
        }
    }
}

fn take_blocking(lock: &NamedLock, thread: u32, stop: impl Fn() -> bool) -> Result<(), Stopped> {
    let me = Holder::Thread(thread).word();
    if lock.try_take(me) || lock.owner.load(Ordering::SeqCst) == me {
        return Ok(()); // free, or already ours
    }
    let parked = Arc::new(Parked { thread, granted: AtomicBool::new(false), wake: Condvar::new(), since: Instant::now() });
    if lock.spin_alone(me, &parked.granted, &stop) {
        return Ok(());
    }
    let mut q = lock.queue();
    q.waiters.push_back(Waiter::Thread(parked.clone()));
    lock.queued.fetch_add(1, Ordering::SeqCst);
    let mut respun = false;
    loop {
        if parked.granted.load(Ordering::SeqCst) {
            return Ok(()); // handed over (and taken off the queue)
        }
        if lock.try_take(me) || lock.owner.load(Ordering::SeqCst) == me {
            lock.remove(&mut q, Holder::Thread(thread));
            q.awake(thread);
            return Ok(());
        }
        if stop() {
            lock.remove(&mut q, Holder::Thread(thread));
            q.awake(thread);
            if lock.owner.load(Ordering::SeqCst) == FREE {
                lock.after_release(&mut q); // do not leave the others asleep
            }
            return Err(Stopped);
        }
        if q.woken == Some(thread) && !respun && !lock.spinning.load(Ordering::SeqCst) {
            // Woken, and a running thread took the lock first: spin again
            // (releases meanwhile wake nobody and this thread takes the
            // lock without a system call).
            respun = true;
            drop(q);
            lock.spin_alone(me, &parked.granted, &stop);
            q = lock.queue();
            continue; // (took it, was handed it, or re-checks before parking)
        }
        // The holder's release wakes the next.
        q.awake(thread);
        respun = false;
        q = parked.wake.wait_timeout(q, POLL).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// A host environment asks for lock `name`: true when it got it now; else
/// `Event::LockGranted { token }` reaches `sink` when it is its turn.
pub fn lock_host(name: &str, key: usize, token: f64, sink: Arc<dyn EventSink>) -> bool {
    let me = Holder::Host(key).word();
    let lock = entry(name);
    if lock.try_take(me) {
        return true;
    }
    let mut q = lock.queue();
    q.waiters.push_back(Waiter::Host { key, token, sink });
    lock.queued.fetch_add(1, Ordering::SeqCst);
    if lock.owner.load(Ordering::SeqCst) == FREE {
        lock.after_release(&mut q); // released meanwhile
    }
    false
}

/// Release lock `name` held by `who`.
pub fn unlock(name: &str, who: Holder) -> Result<(), NotLocked> {
    let Some(lock) = table().locks.get(name).cloned() else { return Err(NotLocked) };
    if lock.release(who) {
        Ok(())
    } else {
        Err(NotLocked)
    }
}

/// Release every lock `who` holds and drop its waits (it ended, or its call
/// was terminated).
pub fn release_all(who: Holder) {
    let all: Vec<Arc<NamedLock>> = table().locks.values().cloned().collect();
    for lock in all {
        if lock.queued.load(Ordering::SeqCst) > 0 {
            let mut q = lock.queue();
            lock.remove(&mut q, who);
            if lock.owner.load(Ordering::SeqCst) == FREE {
                lock.after_release(&mut q);
            }
        }
        lock.release(who);
    }
}

#[cfg(test)]
#[path = "locks_tests.rs"]
mod tests;
