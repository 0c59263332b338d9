//! Job intake: what an idle thread takes next — its own channel first
//! (control messages, and calls its pool handed it), then its pool's queue —
//! and how long it waits for it (the next timer, its pool's idleTimeout).
//! No V8 here: the loop passes in its next timer's deadline.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::runtime::pool::PoolQueue;
use crate::runtime::{inbox, Control, Job};

/// Where one thread's jobs come from: its channel, jobs set aside while a
/// call was in flight, and its pool's queue.
pub(super) struct Intake {
    control: Arc<Control>,
    jobs: Receiver<Job>,
    /// A sender of `jobs`: how the pool hands this idle thread a call.
    own: Sender<Job>,
    /// Jobs that came while a call was in flight, taken first.
    backlog: VecDeque<Job>,
    /// The queue of the pool this thread serves: taken from when idle.
    pool: Option<Arc<PoolQueue>>,
    /// Since when this pool thread has had no call (its idleTimeout counts
    /// from there, whatever timers wake it meanwhile).
    idle_since: Option<Instant>,
    /// No more jobs will be taken once those waiting are served.
    closing: bool,
    /// This pool thread is on its pool's idle list (it asked and found
    /// nothing; any job since then reached it through its channel).
    listed: bool,
}

impl Intake {
    /// The intake of the thread `control`, fed by `jobs` (and `pool`).
    pub(super) fn new(control: Arc<Control>, jobs: Receiver<Job>, pool: Option<Arc<PoolQueue>>) -> Self {
        let own = control.sender();
        control.lane.reopen(); // (a replacement isolate serves a call posted to the last)
        Self { control, jobs, own, backlog: VecDeque::new(), pool, idle_since: None, closing: false, listed: false }
    }

    /// Jobs this thread has still to take: its own, and its pool's calls.
    pub(super) fn waiting(&self) -> usize {
        self.backlog.len() + self.jobs.len() + self.pool.as_ref().map_or(0, |p| p.queued())
    }

    /// No job of this thread's own waits (its pool's queue aside).
    pub(super) fn is_empty(&self) -> bool {
        self.backlog.is_empty() && self.jobs.is_empty()
    }

    /// The thread is to end once what waits is served.
    pub(super) fn closing(&self) -> bool {
        self.closing
    }

    /// The id a call's events are reported under: the pool's, else the
    /// thread's own.
    pub(super) fn owner(&self) -> u32 {
        self.pool.as_ref().map_or(self.control.id, |p| p.id)
    }

    /// A call began: the thread is no longer idle.
    pub(super) fn began(&mut self) {
        self.idle_since = None;
    }

    /// Call `call_id` is over (or was skipped): its pool forgets it, and
    /// the lane it came by (if so) is free again.
    pub(super) fn done(&self, call_id: u64) {
        match &self.pool {
            Some(p) => p.done(self.control.id, call_id),
            None => self.control.lane.finish(),
        }
    }

    /// Call `call_id` is over and none of this thread's own jobs wait:
    /// `done`, and, under the same lock, take its pool's next queued call
    /// (kept for `next_job`) or list the thread as idle. Listed before its
    /// answer goes out, the host's next call comes back to this thread
    /// (still spinning) rather than to a sibling that went idle earlier.
    pub(super) fn done_then_idle(&mut self, call_id: u64) {
        let Some(pool) = &self.pool else { return self.control.lane.finish() };
        if self.closing {
            return pool.done(self.control.id, call_id);
        }
        match pool.done_then_take(&self.control, &self.own, call_id) {
            Some(job) => {
                self.listed = false;
                self.backlog.push_back(job);
            }
            None => self.listed = true,
        }
    }

    /// A job that came while a call was in flight: taken once idle.
    pub(super) fn defer(&mut self, job: Job) {
        self.backlog.push_back(job);
    }

    /// Wait, while a call is in flight, for a job until `until`, polling
    /// first until `spin` (a host call's answer usually comes within
    /// microseconds).
    pub(super) fn recv_busy(&self, spin: Option<Instant>, until: Instant) -> Result<Job, RecvTimeoutError> {
        match spin {
            Some(s) => match inbox::recv(&self.jobs, Some(s.min(until))) {
                Err(RecvTimeoutError::Timeout) if s < until => self.jobs.recv_deadline(until),
                got => got,
            },
            None => self.jobs.recv_deadline(until),
        }
    }

    /// A pool thread asked to close takes no more calls, but serves those
    /// still waiting first (true: some wait; `closing` is then set).
    pub(super) fn close_after_queue(&mut self) -> bool {
        let Some(pool) = &self.pool else { return false };
        let queued = pool.stop_taking(self.control.id);
        // Calls the pool handed over before it heard of the close.
        self.backlog.extend(self.jobs.try_iter());
        self.closing = queued || !self.backlog.is_empty();
        self.closing
    }

    /// The next job when idle: the backlog first, then the channel, then
    /// the pool's queue, waiting until `timer` (the next timer's deadline)
    /// at most; `before_wait` runs before it waits (nothing may stay held).
    pub(super) fn next_job(&mut self, timer: Option<Instant>, before_wait: impl FnOnce()) -> Option<Job> {
        if let Some(job) = self.backlog.pop_front() {
            return Some(job);
        }
        match self.jobs.try_recv() {
            Ok(job) => {
                self.listed = false; // (a call its pool handed it)
                return Some(job);
            }
            Err(TryRecvError::Disconnected) => {
                self.closing = true;
                return None;
            }
            Err(TryRecvError::Empty) => {}
        }
        let mut retire_at = None;
        if let Some(pool) = &self.pool {
            // Listed as idle with nothing queued: a call made since comes
            // through the channel (the pool queues calls only while no
            // thread is listed), so the pool's lock is not taken again.
            let listed = self.listed && !self.closing && pool.queued() == 0;
            if !listed {
                match pool.take(&self.control, &self.own, self.closing) {
                    Some(job) => {
                        self.listed = false;
                        return Some(job);
                    }
                    None => self.listed = !self.closing,
                }
            }
            if self.closing {
                return None; // serve what waited, then end
            }
            let since = *self.idle_since.get_or_insert_with(Instant::now);
            retire_at = pool.idle_timeout().map(|t| since + t);
        }
        before_wait();
        let deadline = match (timer, retire_at) {
            (Some(t), Some(r)) => Some(t.min(r)),
            (t, r) => t.or(r),
        };
        match inbox::recv_idle(&self.jobs, Some(&self.control.lane), deadline) {
            Ok(got) => {
                self.listed = false;
                if let Some(then) = got.then {
                    self.backlog.push_front(then);
                }
                Some(got.job)
            }
            Err(RecvTimeoutError::Timeout) => {
                // Idle for the pool's idleTimeout: leave if the pool may shrink.
                let due = retire_at.is_some_and(|r| Instant::now() >= r);
                if due && self.pool.as_ref().is_some_and(|p| p.retire(self.control.id)) {
                    self.closing = true;
                }
                None
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.closing = true;
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "intake_tests.rs"]
mod tests;
