//! One queue per pool (API.md §1): calls wait here, never on a thread, and
//! a thread with no call in flight takes the next one. A call made while a
//! thread idles is handed straight to it (its own channel, which it spins
//! on), so the lone round trip pays no extra hop.
//!
//! The pool also sizes itself: threads above `min_threads` that stay idle
//! for `idle_timeout` leave (`retire`); the host starts new ones on demand.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::control::{Control, Interrupt};
use super::lane::Lane;
use super::messages::Job;

/// A thread of the pool that has asked for calls: how to hand it one and
/// what it runs. Listed once, at its first `take` (not at every idle
/// spell: cloning its sender and its control's weak handle per call were
/// two shared counters bounced between the host's core and the thread's).
struct Member {
    id: u32,
    jobs: Sender<Job>,
    control: Weak<Control>,
    /// Its lane: a lone call the host posted there makes it busy.
    lane: Arc<Lane>,
    /// The call it was handed or took and has not finished: where an abort goes.
    running: Option<u64>,
}

#[derive(Default)]
struct State {
    /// Calls no thread has taken yet, in submission order.
    queue: VecDeque<Job>,
    /// Threads that asked for calls and have not left.
    members: Vec<Member>,
    /// Ids of the members waiting for a call; the last to go idle is
    /// handed the next call first (it is the one most likely still spinning).
    idle: Vec<u32>,
    /// Threads of the pool that have not left.
    open: usize,
    /// Threads that retired and have not left yet (already off `open`).
    retired: Vec<u32>,
    /// Calls cancelled before they reached the queue (the host holds calls
    /// back to batch them): dropped when they come.
    cancelled: Vec<u64>,
}

/// The queue and idle threads of one pool.
pub struct PoolQueue {
    /// The id calls of the pool are reported under (from the threads' ids).
    pub id: u32,
    /// Threads kept however idle.
    min_threads: usize,
    /// How long a thread above `min_threads` idles before it leaves.
    idle_timeout: Option<Duration>,
    state: Mutex<State>,
    /// The queue's length as of the last unlock: read without the lock
    /// (a thread asks at every call whether calls wait).
    queued: AtomicUsize,
}

/// The pool's state, locked; the queue's length is published on unlock.
struct Locked<'a> {
    st: MutexGuard<'a, State>,
    queued: &'a AtomicUsize,
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.st
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.st
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.queued.store(self.st.queue.len(), Ordering::Release);
    }
}

fn call_id(job: &Job) -> Option<u64> {
    match job {
        Job::Run { call_id, .. } => Some(*call_id),
        _ => None,
    }
}

impl PoolQueue {
    /// A pool keeping `min_threads`, whose other threads leave after
    /// `idle_timeout` idle (None: never).
    pub fn new(min_threads: usize, idle_timeout: Option<Duration>) -> Self {
        Self { id: super::control::next_id(), min_threads, idle_timeout, state: Mutex::default(), queued: AtomicUsize::new(0) }
    }

    fn lock(&self) -> Locked<'_> {
        Locked { st: self.state.lock().unwrap_or_else(|p| p.into_inner()), queued: &self.queued }
    }

    /// A thread joins the pool.
    pub fn join(&self) {
        self.lock().open += 1;
    }

    /// Queue a call, or hand it to an idle thread at once.
    pub fn submit(&self, job: Job) {
        self.submit_all(std::iter::once(job));
    }

    /// Queue calls in order (one lock for a batch).
    pub fn submit_all(&self, jobs: impl IntoIterator<Item = Job>) {
        let mut st = self.lock();
        for job in jobs {
            if !st.cancelled.is_empty() {
                // A pool's calls come in increasing id order: older
                // cancellations are of calls already over.
                let id = call_id(&job).unwrap_or(0);
                let dropped = st.cancelled.contains(&id);
                st.cancelled.retain(|&c| c > id);
                if dropped {
                    continue;
                }
            }
            let job = match st.queue.is_empty() {
                true => hand(&mut st, job),
                false => Some(job),
            };
            if let Some(job) = job {
                st.queue.push_back(job);
            }
        }
    }

    /// Isolate thread with no call in flight: the next queued call (now
    /// counted as running on `control`), or None, the thread then being
    /// listed as idle unless `closing`.
    pub fn take(&self, control: &Arc<Control>, jobs: &Sender<Job>, closing: bool) -> Option<Job> {
        take_locked(&mut self.lock(), control, jobs, closing)
    }

    /// Isolate thread: call `call_id` is over.
    pub fn done(&self, thread: u32, call_id: u64) {
        finish(&mut self.lock(), thread, call_id);
    }

    /// Isolate thread: call `call_id` is over and nothing else waits for
    /// it: `done`, then `take` (not closing), under one lock.
    pub fn done_then_take(&self, control: &Arc<Control>, jobs: &Sender<Job>, call_id: u64) -> Option<Job> {
        let mut st = self.lock();
        finish(&mut st, control.id, call_id);
        take_locked(&mut st, control, jobs, false)
    }

    /// How long an idle thread waits before asking to `retire`, when it may.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout.filter(|_| self.lock().open > self.min_threads)
    }

    /// Isolate thread, idle for `idle_timeout`: true when it leaves the
    /// pool now (it is still idle, nothing waits, more than `min_threads`).
    pub fn retire(&self, id: u32) -> bool {
        let mut st = self.lock();
        let idle = st.idle.contains(&id);
        if !idle || !st.queue.is_empty() || st.open <= self.min_threads {
            return false;
        }
        st.idle.retain(|&i| i != id);
        st.open -= 1;
        st.retired.push(id);
        true
    }

    /// Isolate thread about to close: it takes no more calls. True when
    /// calls still wait (the thread serves them before it ends).
    pub fn stop_taking(&self, id: u32) -> bool {
        let mut st = self.lock();
        st.idle.retain(|&i| i != id);
        !st.queue.is_empty()
    }

    /// Isolate thread, ending (closed, out of memory, retired): off the
    /// idle list; `unrun` are calls handed to it that it never began,
    /// queued again first.
    pub fn leave(&self, id: u32, unrun: Vec<Job>) {
        let mut st = self.lock();
        st.idle.retain(|&i| i != id);
        st.members.retain(|m| m.id != id);
        match st.retired.iter().position(|&r| r == id) {
            Some(at) => {
                st.retired.swap_remove(at);
            }
            None => st.open = st.open.saturating_sub(1),
        }
        for job in unrun.into_iter().rev() {
            st.queue.push_front(job);
        }
    }

    /// Stop call `call_id`: drop it if still queued (true), else interrupt
    /// the thread running it.
    pub fn cancel(&self, call_id: u64, why: Interrupt) -> bool {
        let mut st = self.lock();
        if let Some(at) = st.queue.iter().position(|j| self::call_id(j) == Some(call_id)) {
            st.queue.remove(at);
            return true;
        }
        match st.members.iter().find(|m| m.running == Some(call_id)).map(|m| m.control.upgrade()) {
            Some(runner) => {
                drop(st);
                if let Some(r) = runner {
                    r.interrupt_call(call_id, why);
                }
            }
            None => st.cancelled.push(call_id),
        }
        false
    }

    /// Drop every queued call (the pool was destroyed).
    pub fn clear(&self) {
        self.lock().queue.clear();
    }

    /// Calls no thread has taken yet.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Threads in the pool now.
    pub fn open(&self) -> usize {
        self.lock().open
    }
}

/// `take` with the lock held.
fn take_locked(st: &mut State, control: &Arc<Control>, jobs: &Sender<Job>, closing: bool) -> Option<Job> {
    let id = control.id;
    let at = match st.members.iter().position(|m| m.id == id) {
        Some(at) => at,
        None => {
            st.members.push(Member { id, jobs: jobs.clone(), control: Arc::downgrade(control), lane: control.lane.clone(), running: None });
            st.members.len() - 1
        }
    };
    if let Some(job) = st.queue.pop_front() {
        st.members[at].running = call_id(&job);
        st.idle.retain(|&i| i != id);
        return Some(job);
    }
    if !closing && !st.idle.contains(&id) {
        st.idle.push(id);
    }
    None
}

/// Thread `thread`'s call `call_id` is over (a call from its lane too:
/// the lane is free again, under the lock `hand` reads it with).
fn finish(st: &mut State, thread: u32, call_id: u64) {
    if let Some(m) = st.members.iter_mut().find(|m| m.id == thread) {
        m.lane.finish();
        if m.running == Some(call_id) {
            m.running = None;
        }
    }
}

/// Hand `job` to the idle thread that went idle last; the job back when
/// none can take it. A listed thread the host posted a lone call to (its
/// lane) is busy: it leaves the list and lists itself again when done.
fn hand(st: &mut State, mut job: Job) -> Option<Job> {
    while let Some(id) = st.idle.pop() {
        let Some(m) = st.members.iter_mut().find(|m| m.id == id) else { continue };
        if !m.lane.withhold() {
            continue;
        }
        let running = call_id(&job);
        match m.jobs.send(job) {
            Ok(()) => {
                m.running = running;
                return None;
            }
            Err(crossbeam_channel::SendError(back)) => job = back,
        }
    }
    Some(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Payload;
    use std::time::Instant;

    fn run(call_id: u64) -> Job {
        Job::Run { call_id, args: Payload::default(), timeout_ms: None, queued_at: Instant::now() }
    }

    fn thread(id: u32) -> (Arc<Control>, Sender<Job>, crossbeam_channel::Receiver<Job>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        (Arc::new(Control::new(id, format!("thread {id}"), tx.clone())), tx, rx)
    }

    fn id_of(job: Option<Job>) -> Option<u64> {
        job.as_ref().and_then(call_id)
    }

    #[test]
    fn calls_queue_in_order_and_go_to_an_idle_thread_first() {
        let q = PoolQueue::new(1, None);
        let (a, a_tx, a_rx) = thread(1);
        q.join();
        q.submit(run(1));
        q.submit(run(2));
        assert_eq!(q.queued(), 2);
        assert_eq!(id_of(q.take(&a, &a_tx, false)), Some(1));
        assert_eq!(id_of(q.take(&a, &a_tx, false)), Some(2));
        assert!(q.take(&a, &a_tx, false).is_none(), "now idle");
        q.submit(run(3));
        assert_eq!(q.queued(), 0, "handed over, not queued");
        assert_eq!(id_of(a_rx.try_recv().ok()), Some(3));
        q.submit(run(4));
        assert_eq!(q.queued(), 1, "a is no longer idle");
    }

    #[test]
    fn a_queued_call_is_dropped_on_cancel_and_a_running_one_interrupted() {
        let q = PoolQueue::new(1, None);
        let (a, a_tx, _a_rx) = thread(1);
        q.submit(run(1));
        q.submit(run(2));
        assert!(q.cancel(2, Interrupt::Aborted));
        assert_eq!(q.queued(), 1);
        assert_eq!(id_of(q.take(&a, &a_tx, false)), Some(1));
        assert!(a.begin_call(1));
        assert!(!q.cancel(1, Interrupt::Aborted));
        assert_eq!(a.pending_interrupt(), Some(Interrupt::Aborted));
        q.done(a.id, 1);
        // Cancelled before it was queued (held back by the host): dropped.
        q.cancel(5, Interrupt::Aborted);
        q.submit_all([run(5), run(6)]);
        assert_eq!(q.queued(), 1);
    }

    #[test]
    fn only_threads_above_the_minimum_retire_and_only_when_idle() {
        let q = PoolQueue::new(1, Some(Duration::from_millis(5)));
        let (a, a_tx, _ra) = thread(1);
        let (b, b_tx, _rb) = thread(2);
        q.join();
        q.join();
        assert!(q.idle_timeout().is_some());
        assert!(!q.retire(a.id), "not idle yet");
        assert!(q.take(&a, &a_tx, false).is_none());
        assert!(q.take(&b, &b_tx, false).is_none());
        assert!(q.retire(a.id));
        assert!(!q.retire(b.id), "b is the last one kept");
        assert!(q.idle_timeout().is_none());
        assert_eq!(q.open(), 1);
    }

    #[test]
    fn a_thread_with_a_lane_call_is_not_handed_another_and_lists_itself_when_done() {
        let q = PoolQueue::new(2, None);
        let (a, a_tx, a_rx) = thread(1);
        let (b, b_tx, b_rx) = thread(2);
        q.join();
        q.join();
        assert!(q.take(&b, &b_tx, false).is_none());
        assert!(q.take(&a, &a_tx, false).is_none(), "a went idle last");
        // The host posts a lone call to a's lane (as lib/lane.js does).
        assert!(a.lane.listen());
        assert!(crate::runtime::lane::testing::post(&a.lane, 99.0, f64::NAN, 0, b""));
        q.submit(run(1));
        assert!(a_rx.try_recv().is_err(), "a has a lane call: not handed another");
        assert_eq!(id_of(b_rx.try_recv().ok()), Some(1));
        assert!(matches!(a.lane.take(), Some(Job::Run { .. })));
        q.submit(run(2));
        assert_eq!(q.queued(), 1, "a runs its lane call, b its call: queued");
        assert_eq!(id_of(q.done_then_take(&a, &a_tx, 99)), Some(2), "a, done, takes the queued call");
        assert_eq!(a.lane.load(), crate::runtime::lane::OFF);
        assert!(q.done_then_take(&a, &a_tx, 2).is_none());
        assert!(a.lane.listen());
        q.submit(run(3));
        assert_eq!(id_of(a_rx.try_recv().ok()), Some(3), "listed again, a is handed calls");
        assert_eq!(a.lane.load(), crate::runtime::lane::OFF, "and the host may no longer post to it");
    }

    #[test]
    fn calls_handed_to_a_thread_that_ends_are_queued_again_first() {
        let q = PoolQueue::new(0, None);
        let (a, a_tx, a_rx) = thread(1);
        q.join();
        assert!(q.take(&a, &a_tx, false).is_none());
        q.submit(run(1));
        q.submit(run(2));
        let unrun: Vec<Job> = a_rx.try_iter().collect();
        q.leave(a.id, unrun);
        assert_eq!(q.open(), 0);
        let (b, b_tx, _) = thread(2);
        assert_eq!(id_of(q.take(&b, &b_tx, false)), Some(1));
        assert_eq!(id_of(q.take(&b, &b_tx, false)), Some(2));
    }
}
