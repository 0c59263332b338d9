//! Job intake: what an idle thread takes next — its own channel first
//! (control messages, and calls its pool handed it), then its pool's queue —
//! and how long it waits for it (the next timer, its pool's idleTimeout).

use std::time::Instant;

use crossbeam_channel::{RecvTimeoutError, TryRecvError};

use super::event_loop::Loop;
use super::globals::ThreadState;
use crate::runtime::{inbox, Job};

impl Loop {
    /// Jobs this thread has still to take: its own, and its pool's calls.
    pub(super) fn waiting(&self) -> usize {
        self.backlog.len() + self.jobs.len() + self.pool.as_ref().map_or(0, |p| p.queued())
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

    /// The next job when idle: the backlog first, then the channel, waiting
    /// until the next timer at most.
    pub(super) fn next_job(&mut self, scope: &mut v8::HandleScope) -> Option<Job> {
        if let Some(job) = self.backlog.pop_front() {
            return Some(job);
        }
        match self.jobs.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => {
                self.closing = true;
                return None;
            }
            Err(TryRecvError::Empty) => {}
        }
        let mut retire_at = None;
        if let Some(pool) = &self.pool {
            if let Some(job) = pool.take(&self.control, &self.own, self.closing) {
                return Some(job);
            }
            if self.closing {
                return None; // serve what waited, then end
            }
            let since = *self.idle_since.get_or_insert_with(Instant::now);
            retire_at = pool.idle_timeout().map(|t| since + t);
        }
        // About to wait: nothing may stay held.
        self.sink.flush();
        let timer = scope.get_slot::<ThreadState>().and_then(|st| st.timers.next_deadline());
        let deadline = match (timer, retire_at) {
            (Some(t), Some(r)) => Some(t.min(r)),
            (t, r) => t.or(r),
        };
        match inbox::recv(&self.jobs, deadline) {
            Ok(job) => Some(job),
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
