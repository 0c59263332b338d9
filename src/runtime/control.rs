//! The part of a thread that other threads may touch: which call runs, the
//! pending interrupt, counters. The isolate itself never leaves its thread.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::cpu_clock::CpuClock;
use super::lane::Lane;
use super::messages::Job;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Threads started from a warm spare whose first call has not ended yet.
static STARTING: AtomicUsize = AtomicUsize::new(0);

/// How many threads are starting now (see [`Control::mark_starting`]):
/// making the next spare waits while any is, on a machine with few cores.
pub fn starts_in_flight() -> usize {
    STARTING.load(Ordering::Acquire)
}

/// A fresh process-unique id (threads and pools share the numbering).
pub fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// What stops an isolate's running JS from any thread. The engine gives
/// one per isolate (`set_terminator`), so this layer never names V8.
pub trait Terminator: Send {
    /// Terminate the running JS (or the next JS to run).
    fn terminate(&self);
    /// Have the running JS (or the next JS to run) stop briefly to let the
    /// inspector read its messages.
    fn poll_inspector(&self);
}

/// Why the running code was (or is to be) terminated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Interrupt {
    /// The call's timeout passed (ms).
    Timeout(f64),
    /// The caller's AbortSignal fired.
    Aborted,
    /// The heap crossed `memoryLimit` (or the process-wide ceiling).
    MemoryLimit,
    /// `dispose()`: stop now.
    Disposed,
}

#[derive(Default)]
struct State {
    current: Option<u64>,
    interrupt: Option<Interrupt>,
    cancelled: HashSet<u64>,
    disposed: bool,
    /// Disposed, but the end still waits for a spare being made, as a
    /// close does (`dispose_after_spare`).
    spare_wait: bool,
}

/// Counters behind `thread.stats()`, written by the isolate thread before the
/// caller's promise settles.
#[derive(Default)]
pub struct Counters {
    /// Finished calls, failed ones included.
    pub runs: AtomicU64,
    /// Failed calls.
    pub failures: AtomicU64,
    /// V8 heap in use at the end of the last call (bytes).
    pub heap_used: AtomicU64,
    /// V8 heap limit (bytes).
    pub heap_limit: AtomicU64,
    /// The CPU clock of the OS thread serving the isolate.
    pub cpu: CpuClock,
}

/// Shared state of one isolate thread.
pub struct Control {
    /// Process-unique id events, locks and messengers know the thread by;
    /// it never changes (see `thread_id` for the one JS sees).
    pub id: u32,
    /// The `threadId` of the current isolate: `id`, until a replacement
    /// isolate (`replace_isolate`) gets a new one.
    thread_id: AtomicU32,
    /// The isolate's heap as last counted in the process-wide total (bytes).
    pub heap_counted: std::sync::atomic::AtomicUsize,
    /// Name shown in errors: the user's `name`, else `thread <id>`.
    pub label: String,
    /// Counters for `stats()`.
    pub counters: Counters,
    state: Mutex<State>,
    terminator: Mutex<Option<Box<dyn Terminator>>>,
    wake: Sender<Job>,
    finished: Mutex<bool>,
    ended: Condvar,
    /// Time spent paused in a debugger: (since when, if paused now; total).
    paused: Mutex<(Option<Instant>, Duration)>,
    /// Where the host posts a lone call while the thread spins (`lane`).
    pub lane: Arc<Lane>,
    /// Counted in [`starts_in_flight`] until its first call ends.
    starting: AtomicBool,
}

impl Control {
    /// A control for thread `id`, waking it through `wake`.
    pub fn new(id: u32, label: String, wake: Sender<Job>) -> Self {
        Self {
            id,
            thread_id: AtomicU32::new(id),
            heap_counted: Default::default(),
            label,
            counters: Counters::default(),
            state: Mutex::new(State::default()),
            terminator: Mutex::new(None),
            wake,
            finished: Mutex::new(false),
            ended: Condvar::new(),
            paused: Mutex::new((None, Duration::ZERO)),
            lane: Arc::new(Lane::new()),
            starting: AtomicBool::new(false),
        }
    }

    /// Host: this thread starts from a warm spare; it counts as starting
    /// until its first call ends or it does (`started`). True when it was
    /// not counted yet.
    pub fn mark_starting(&self) -> bool {
        let first = !self.starting.swap(true, Ordering::AcqRel);
        if first {
            STARTING.fetch_add(1, Ordering::AcqRel);
        }
        first
    }

    /// A call of this thread ended, or it is ending (or not starting from a
    /// spare after all): no longer counted as starting. True when it was.
    pub fn started(&self) -> bool {
        let was = self.starting.load(Ordering::Relaxed) && self.starting.swap(false, Ordering::AcqRel);
        if was {
            STARTING.fetch_sub(1, Ordering::AcqRel);
        }
        was
    }

    /// Let the isolate's inspector read its messages, even while JS runs.
    pub fn poke_inspector(&self) {
        if let Some(t) = self.terminator.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            t.poll_inspector();
        }
    }

    /// Isolate thread: a debugger paused (true) or resumed (false) it.
    pub fn set_paused(&self, on: bool) {
        let mut p = self.paused.lock().unwrap_or_else(|p| p.into_inner());
        match (on, p.0) {
            (true, None) => p.0 = Some(Instant::now()),
            (false, Some(since)) => {
                p.1 += since.elapsed();
                p.0 = None;
            }
            _ => {}
        }
    }

    /// Whether a debugger holds the thread paused, and the time spent
    /// paused so far (a call's timeout does not count it).
    pub fn paused_time(&self) -> (bool, Duration) {
        let p = self.paused.lock().unwrap_or_else(|p| p.into_inner());
        (p.0.is_some(), p.1 + p.0.map_or(Duration::ZERO, |s| s.elapsed()))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called by the isolate thread when its isolate exists.
    pub fn set_terminator(&self, terminator: Box<dyn Terminator>) {
        *self.terminator.lock().unwrap_or_else(|p| p.into_inner()) = Some(terminator);
        // A dispose that came before the isolate existed still applies.
        if self.state().disposed {
            self.terminate();
        }
    }

    fn terminate(&self) {
        if let Some(t) = self.terminator.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            t.terminate();
        }
    }

    /// The `threadId` of the current isolate (the `threadId` global inside
    /// and the thread's id on the host): a replacement isolate has its own.
    pub fn thread_id(&self) -> u32 {
        self.thread_id.load(Ordering::Acquire)
    }

    /// Isolate thread: the isolate died of `ERR_MEMORY_LIMIT` and a fresh
    /// one takes its place on the same queue (round-robin pools), with a
    /// new `threadId` as a new thread would have (API.md §7). False when
    /// the thread was disposed meanwhile.
    pub fn replace_isolate(&self) -> bool {
        let mut st = self.state();
        if st.disposed {
            return false;
        }
        self.thread_id.store(next_id(), Ordering::Release);
        st.interrupt = None;
        st.current = None;
        *self.terminator.lock().unwrap_or_else(|p| p.into_inner()) = None;
        true
    }

    /// Isolate thread: mark `call_id` as running. False when it was
    /// cancelled while queued (skip it).
    pub fn begin_call(&self, call_id: u64) -> bool {
        let mut st = self.state();
        // Ids reach a thread in increasing order: older cancellations are
        // for calls that already ended. (Nearly always empty: no hashing then.)
        if !st.cancelled.is_empty() {
            if st.cancelled.remove(&call_id) {
                return false;
            }
            st.cancelled.retain(|&c| c > call_id);
        }
        st.current = Some(call_id);
        true
    }

    /// Isolate thread: the current call is over. Returns an interrupt that
    /// arrived meanwhile; the caller then cancels the termination.
    pub fn end_call(&self) -> Option<Interrupt> {
        let mut st = self.state();
        st.current = None;
        match st.interrupt {
            Some(Interrupt::Disposed) | Some(Interrupt::MemoryLimit) => st.interrupt,
            _ => st.interrupt.take(),
        }
    }

    /// Isolate thread: the interrupt to act on now, if any. `Disposed` and
    /// `MemoryLimit` stay set (the thread is ending).
    pub fn pending_interrupt(&self) -> Option<Interrupt> {
        let mut st = self.state();
        match st.interrupt {
            Some(Interrupt::Disposed) | Some(Interrupt::MemoryLimit) => st.interrupt,
            _ => st.interrupt.take(),
        }
    }

    /// True when an interrupt waits to be handled (nothing is taken).
    pub fn has_interrupt(&self) -> bool {
        self.state().interrupt.is_some()
    }

    /// The call that is running, if any.
    pub fn current(&self) -> Option<u64> {
        self.state().current
    }

    /// Stop call `call_id` for `why`: terminate it if it runs, drop it if it
    /// is still queued. A call that already finished is left alone.
    pub fn interrupt_call(&self, call_id: u64, why: Interrupt) {
        let mut st = self.state();
        if st.current == Some(call_id) {
            if st.interrupt.is_none() {
                st.interrupt = Some(why);
                self.terminate();
            }
            drop(st);
            let _ = self.wake.send(Job::Wake);
        } else {
            st.cancelled.insert(call_id);
        }
    }

    /// Isolate thread (heap-limit callback): the heap is full; terminate.
    pub fn out_of_memory(&self) {
        let mut st = self.state();
        st.interrupt = Some(Interrupt::MemoryLimit);
        self.terminate();
    }

    /// Stop the thread now, whatever it runs.
    pub fn dispose(&self) {
        self.end_now(false);
    }

    /// `dispose()`; `spare_wait`: see `dispose_after_spare`.
    fn end_now(&self, spare_wait: bool) {
        let mut st = self.state();
        st.disposed = true;
        st.spare_wait |= spare_wait;
        if st.interrupt != Some(Interrupt::MemoryLimit) {
            st.interrupt = Some(Interrupt::Disposed);
        }
        self.terminate();
        drop(st);
        let _ = self.wake.send(Job::Wake);
    }

    /// A sender of the thread's own job channel.
    pub fn sender(&self) -> Sender<Job> {
        self.wake.clone()
    }

    /// Isolate thread, last thing: the isolate is gone.
    pub fn mark_finished(&self) {
        *self.finished.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.ended.notify_all();
    }

    /// True once the isolate is gone.
    pub fn is_finished(&self) -> bool {
        *self.finished.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until the thread's isolate is gone, `timeout` at most.
    pub fn wait_finished(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut done = self.finished.lock().unwrap_or_else(|p| p.into_inner());
        while !*done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            done = self.ended.wait_timeout(done, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }

    /// `dispose()`, except that the thread's end waits for a spare being
    /// made, as a closed thread's does: for an owner that starts a thread
    /// in its place at once (a service's pool thread), whose next start
    /// then finds that spare ready.
    pub fn dispose_after_spare(&self) {
        self.end_now(true);
    }

    /// True once `dispose()` was called.
    pub fn is_disposed(&self) -> bool {
        self.state().disposed
    }

    /// Whether the thread's end waits for a spare being made: a close, or
    /// `dispose_after_spare`.
    pub fn waits_for_spare(&self) -> bool {
        let st = self.state();
        !st.disposed || st.spare_wait
    }

    /// Isolate thread: the V8 heap's size and limit now (bytes).
    pub fn record_heap(&self, heap_used: usize, heap_limit: usize) {
        let c = &self.counters;
        c.heap_used.store(heap_used as u64, Ordering::Relaxed);
        c.heap_limit.store(heap_limit as u64, Ordering::Relaxed);
    }

    /// Isolate thread, at the end of each call: bump the run counters.
    pub fn record_run(&self, failed: bool) {
        let c = &self.counters;
        if failed {
            c.failures.fetch_add(1, Ordering::Relaxed);
        }
        c.runs.fetch_add(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_counted_once_and_uncounted_once() {
        let (tx, _rx) = crossbeam_channel::unbounded();
        let c = Control::new(next_id(), "t".into(), tx);
        assert!(!c.started(), "not starting: nothing to uncount");
        assert!(c.mark_starting());
        assert!(!c.mark_starting(), "counted already");
        assert!(c.started());
        assert!(!c.started(), "uncounted already (a second call, the thread's end)");
    }

    #[test]
    fn a_close_and_a_disposal_after_the_spare_wait_for_it_a_plain_disposal_does_not() {
        let control = || Control::new(next_id(), "t".into(), crossbeam_channel::unbounded().0);
        assert!(control().waits_for_spare(), "not disposed: it ends by close(), which waits");
        let now = control();
        now.dispose();
        assert!(now.is_disposed() && !now.waits_for_spare(), "dispose() means now");
        let service = control();
        service.dispose_after_spare();
        assert!(service.is_disposed(), "disposed all the same: calls in flight stop");
        assert!(service.waits_for_spare());
    }
}
