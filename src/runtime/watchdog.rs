//! One process-wide thread that fires call timeouts.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};

use super::control::{Control, Interrupt};

struct Entry {
    at: Instant,
    control: Weak<Control>,
    call_id: u64,
    ms: f64,
    /// When the timeout was due at first, and the thread's paused time
    /// then: time paused in a debugger since is added to the deadline.
    due: Instant,
    paused_before: Duration,
}

/// While a debugger holds the thread paused, look again this often.
const PAUSED_RECHECK: Duration = Duration::from_millis(50);

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

fn sender() -> &'static Sender<Entry> {
    static TX: OnceLock<Sender<Entry>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = crossbeam_channel::unbounded::<Entry>();
        std::thread::Builder::new()
            .name("isothread-watchdog".into())
            .spawn(move || {
                let mut heap: BinaryHeap<Reverse<Entry>> = BinaryHeap::new();
                loop {
                    let next = heap.peek().map(|Reverse(e)| e.at);
                    let got = match next {
                        Some(at) => rx.recv_deadline(at),
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    };
                    match got {
                        Ok(entry) => heap.push(Reverse(entry)),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let now = Instant::now();
                    while heap.peek().is_some_and(|Reverse(e)| e.at <= now) {
                        let Some(Reverse(mut e)) = heap.pop() else { break };
                        if let Some(control) = e.control.upgrade() {
                            // A thread paused in a debugger does not time out:
                            // the deadline moves by the time spent paused.
                            let (paused, total) = control.paused_time();
                            let later = if paused { now + PAUSED_RECHECK } else { e.due + total.saturating_sub(e.paused_before) };
                            if later > now {
                                e.at = later;
                                heap.push(Reverse(e));
                                continue;
                            }
                            // A call that already ended is left alone by `interrupt_call`.
                            if control.current() == Some(e.call_id) {
                                control.interrupt_call(e.call_id, Interrupt::Timeout(e.ms));
                            }
                        }
                    }
                }
            })
            .expect("spawn the watchdog thread");
        tx
    })
}

/// Interrupt call `call_id` of `control` with `ERR_TIMEOUT` after `ms`.
pub fn arm(control: &Arc<Control>, call_id: u64, ms: f64) {
    let at = Instant::now() + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    let paused_before = control.paused_time().1;
    let _ = sender().send(Entry { at, control: Arc::downgrade(control), call_id, ms, due: at, paused_before });
}
