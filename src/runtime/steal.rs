//! Work sharing in a least-busy pool: a thread that ran out of work takes a
//! call still queued on a sibling, so calls never wait behind a long one
//! while a thread idles, and a burst ends on every thread at once.
//!
//! A taken call runs as the sibling's: its result is reported under the
//! sibling's id (the host's bookkeeping never sees the move), and an abort
//! sent to the sibling is forwarded to the thread running it
//! (`Control::lend`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crossbeam_channel::{Receiver, Sender};

use super::control::Control;
use super::messages::Job;

struct Member {
    id: u32,
    /// The member's own job queue (a second receiver of it).
    jobs: Receiver<Job>,
    /// Hands back a job taken by mistake (anything but a call).
    back: Sender<Job>,
    control: Weak<Control>,
}

/// A call taken off a sibling's queue.
pub struct Lent {
    /// The `Job::Run` to run.
    pub job: Job,
    /// The sibling it was queued on: report as it, end the loan on it.
    pub owner: Arc<Control>,
}

/// The threads of one pool that share their queues.
#[derive(Default)]
pub struct StealGroup {
    members: Mutex<Vec<Member>>,
    /// Where the next search starts, so no sibling is always robbed first.
    next: AtomicUsize,
}

impl StealGroup {
    /// A thread joins with its job queue.
    pub fn join(&self, control: &Arc<Control>, jobs: Receiver<Job>, back: Sender<Job>) {
        let member = Member { id: control.id, jobs, back, control: Arc::downgrade(control) };
        self.lock().push(member);
    }

    /// A thread leaves (it is ending): its queue is no longer reachable from
    /// here, so sends to it fail once its own receiver is gone too.
    pub fn leave(&self, id: u32) {
        self.lock().retain(|m| m.id != id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A call queued on a sibling of `thief`, now lent to it; None when no
    /// sibling has one waiting.
    pub fn steal(&self, thief: &Arc<Control>) -> Option<Lent> {
        let members = self.lock();
        let n = members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let m = &members[(start + k) % n];
            if m.id == thief.id || m.jobs.is_empty() {
                continue;
            }
            let Some(owner) = m.control.upgrade() else { continue };
            match owner.lend(|| m.jobs.try_recv().ok(), thief) {
                Some(job @ Job::Run { .. }) => return Some(Lent { job, owner }),
                Some(other) => {
                    // Not a call (a close or a wake-up): it goes back, after
                    // whatever the sibling still has queued.
                    let _ = m.back.send(other);
                }
                None => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Payload;
    use crate::runtime::Interrupt;
    use std::time::Instant;

    fn run(call_id: u64) -> Job {
        Job::Run { call_id, args: Payload::default(), timeout_ms: None, queued_at: Instant::now() }
    }

    /// Threads a and b of one group, each with its own queue.
    struct Pair {
        group: StealGroup,
        a: Arc<Control>,
        a_tx: Sender<Job>,
        a_rx: Receiver<Job>,
        b: Arc<Control>,
        b_rx: Receiver<Job>,
    }

    fn pair() -> Pair {
        let group = StealGroup::default();
        let mut made = (1..=2).map(|id| {
            let (tx, rx) = crossbeam_channel::unbounded();
            let control = Arc::new(Control::new(id, format!("thread {id}"), tx.clone()));
            group.join(&control, rx.clone(), tx.clone());
            (control, tx, rx)
        });
        let (a, a_tx, a_rx) = made.next().unwrap();
        let (b, _, b_rx) = made.next().unwrap();
        drop(made);
        Pair { group, a, a_tx, a_rx, b, b_rx }
    }

    #[test]
    fn takes_a_call_queued_on_a_sibling_and_hands_back_anything_else() {
        let Pair { group, a, a_tx, a_rx, b, .. } = pair();
        a_tx.send(Job::Wake).unwrap();
        a_tx.send(run(7)).unwrap();
        // The wake-up goes back to a's queue; the call is lent to b.
        let lent = group.steal(&b).or_else(|| group.steal(&b)).expect("a call to take");
        assert!(matches!(lent.job, Job::Run { call_id: 7, .. }));
        assert_eq!(lent.owner.id, a.id);
        assert!(matches!(a_rx.try_recv(), Ok(Job::Wake)));
        assert!(group.steal(&b).is_none());
        assert!(group.steal(&a).is_none(), "nothing queued on b");
    }

    #[test]
    fn a_call_cancelled_while_queued_is_dropped_and_a_lent_one_is_forwarded() {
        let Pair { group, a, a_tx, b, b_rx, .. } = pair();
        a_tx.send(run(1)).unwrap();
        a_tx.send(run(2)).unwrap();
        a.interrupt_call(1, Interrupt::Aborted);
        assert!(group.steal(&b).is_none(), "call 1 was cancelled: dropped");
        let lent = group.steal(&b).expect("call 2");
        assert!(b.begin_call(2));
        // An abort sent to a, the call's owner, reaches b, which runs it.
        a.interrupt_call(2, Interrupt::Aborted);
        assert_eq!(b.pending_interrupt(), Some(Interrupt::Aborted));
        assert!(matches!(b_rx.try_recv(), Ok(Job::Wake)));
        lent.owner.end_loan(2);
        a.interrupt_call(2, Interrupt::Aborted); // over: remembered as cancelled, harmless
    }

    #[test]
    fn a_member_that_left_is_never_robbed() {
        let Pair { group, a, a_tx, b, .. } = pair();
        a_tx.send(run(1)).unwrap();
        group.leave(a.id);
        assert!(group.steal(&b).is_none());
    }
}
