//! Events of one isolate thread, held back briefly so the host wakes once
//! for many of them: the thread's loop flushes when it is about to wait,
//! when enough piled up, or when the oldest waited long enough. Order is
//! kept (everything the thread sends goes through here).
//!
//! Holding back only happens while calls are queued behind the running
//! one: a caller with a backlog wants throughput, and every wake-up of the
//! host takes CPU from the threads on a machine with few cores.
//!
//! The loop's guess of how long the next call takes can be wrong (a call
//! that blocks until the host saw an earlier result would wait forever), so
//! a sink that keeps events while a call starts is also handed to one
//! process-wide sweeper thread, which sends them once the oldest has waited
//! MAX_DELAY. A sink whose thread flushed since the sweeper's last look
//! stays with it for another MAX_DELAY: while calls queue, its thread
//! holds events again right away, and handing it over at every batch woke
//! the sweeper twice a batch (~1.3 ms of CPU in a burst of 20,000 fib(20)
//! calls on a pool of 2, with the spinning of the channel it used).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use super::messages::{Event, EventSink, Outcome};
use super::payload::{Bytes, Payload};

/// Flush once this many events wait.
const MAX_EVENTS: usize = 256;
/// Flush before the oldest event would wait longer than this.
const MAX_DELAY: Duration = Duration::from_millis(4);

/// A result value at most this long is packed with the others of its batch.
const PACK_MAX_BYTES: usize = 4 * 1024;

#[derive(Default)]
struct Held {
    events: Vec<Event>,
    since: Option<Instant>,
}

impl Held {
    /// The events held, for sending: the values of call results copied
    /// into one buffer they share, when there are several. The values'
    /// own buffers are freed here, on the thread that made them; the host
    /// then frees one buffer a batch, not one a result (a free on another
    /// thread than the allocation is the costly kind).
    fn take(&mut self) -> Vec<Event> {
        // The next batch starts with room for as many (one allocation, not
        // a regrowth every few events).
        let room = self.events.len();
        let mut events = std::mem::replace(&mut self.events, Vec::with_capacity(room));
        let (count, total) = events.iter().filter_map(packable).fold((0, 0), |(n, sum), b| (n + 1, sum + b.len()));
        if count < 2 {
            return events;
        }
        // SAFETY: the slice is zeroed, and all-zero bytes are valid `u8`s.
        let mut buffer: Arc<[u8]> = unsafe { Arc::<[u8]>::new_zeroed_slice(total).assume_init() };
        let room = Arc::get_mut(&mut buffer).expect("a new Arc has one holder");
        let mut at = 0;
        for bytes in events.iter().filter_map(packable) {
            room[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        }
        let mut at = 0;
        for e in &mut events {
            let Some(len) = packable(e).map(<[u8]>::len) else { continue };
            if let Some(p) = value_mut(e) {
                p.bytes = Bytes::Part(buffer.clone(), at..at + len);
            }
            at += len;
        }
        events
    }
}

/// The bytes of a call result's value worth packing: a small value with
/// bytes of its own (an inline one has nothing to free) and no shared or
/// moved memory.
fn packable(event: &Event) -> Option<&[u8]> {
    match event {
        Event::Done { outcome: Outcome::Value(p) | Outcome::Thrown(p), .. }
            if p.shared.is_empty() && p.transferred.is_empty() && p.bytes.len() <= PACK_MAX_BYTES && matches!(p.bytes, Bytes::Owned(_)) =>
        {
            Some(&p.bytes)
        }
        _ => None,
    }
}

/// The value of a call result.
fn value_mut(event: &mut Event) -> Option<&mut Payload> {
    match event {
        Event::Done { outcome: Outcome::Value(p) | Outcome::Thrown(p), .. } => Some(p),
        _ => None,
    }
}

/// An EventSink that batches for another.
pub struct BatchingSink {
    inner: Arc<dyn EventSink>,
    held: Mutex<Held>,
    /// This sink, for the sweeper.
    me: Weak<BatchingSink>,
    /// True while the sweeper has it.
    swept: AtomicBool,
    /// Flushed since the sweeper last looked at it (it stays with the
    /// sweeper while this keeps happening).
    flushed: AtomicBool,
    /// Events sent through it so far (a call's answer may skip the events
    /// only when none came during the call: they would be overtaken).
    sent: AtomicU64,
}

impl BatchingSink {
    /// Batch for `inner`.
    pub fn new(inner: Arc<dyn EventSink>) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            inner,
            held: Mutex::new(Held::default()),
            me: me.clone(),
            swept: AtomicBool::new(false),
            flushed: AtomicBool::new(false),
            sent: AtomicU64::new(0),
        })
    }

    /// How many events were sent through this sink so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Send everything held now. The lock is kept while sending, so a
    /// flush by the sweeper and one by the thread never swap batches.
    pub fn flush(&self) {
        let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
        h.since = None;
        if !h.events.is_empty() {
            self.flushed.store(true, Ordering::Relaxed);
            self.inner.send_all(h.take());
        }
    }

    /// The sweeper's look at `now`: send what is held if the oldest event
    /// is due. Returns when to look next, or None to leave the sweeper (it
    /// sent, or its thread did not flush since the last look: it is idle or
    /// in a long call). Leaving happens under the lock, as joining does.
    fn sweep(&self, now: Instant) -> Option<Instant> {
        let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let active = self.flushed.swap(false, Ordering::Relaxed);
        match h.since {
            Some(t) if now.saturating_duration_since(t) < MAX_DELAY => return Some(t + MAX_DELAY),
            Some(_) => {
                h.since = None;
                self.inner.send_all(h.take());
            }
            None if active => return Some(now + MAX_DELAY),
            None => {}
        }
        self.swept.store(false, Ordering::Release);
        None
    }

    /// Called before the next of `queued` calls starts, which is expected
    /// to take about `next`: flush if enough piled up, if the oldest event
    /// would otherwise wait past MAX_DELAY, or if as many events wait as
    /// calls are still queued (the host then queues more while the thread
    /// works through the rest: it never runs dry).
    /// `now`: the time, as last read (the end of the call just over).
    pub fn flush_if_due(&self, queued: usize, next: Duration, now: Instant) {
        {
            // One look under the lock (joining the sweeper happens under
            // it, as leaving it does).
            let h = self.held.lock().unwrap_or_else(|p| p.into_inner());
            let n = h.events.len();
            let due = n >= MAX_EVENTS.min(queued.max(1)) || h.since.is_some_and(|t| now.saturating_duration_since(t) + next >= MAX_DELAY);
            if !due {
                // Events stay held while a call runs: they leave by MAX_DELAY.
                if let Some(t) = h.since {
                    if !self.swept.swap(true, Ordering::AcqRel) {
                        // (Without a sweeper thread nothing changes but that.)
                        if let Some(sweeper) = sweeper() {
                            sweeper.add(Due(Reverse(t + MAX_DELAY), self.me.clone()));
                        }
                    }
                }
                return;
            }
        }
        self.flush();
    }
}

/// A sink the sweeper looks at when the instant has come.
struct Due(Reverse<Instant>, Weak<BatchingSink>);

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// The sinks the sweeper looks at, soonest first, and its wake-up.
struct Sweeper {
    due: Mutex<BinaryHeap<Due>>,
    wake: Condvar,
}

impl Sweeper {
    /// Look at a sink when `due` says (woken only if that is sooner than
    /// its next look).
    fn add(&self, due: Due) {
        let mut heap = self.due.lock().unwrap_or_else(|p| p.into_inner());
        let sooner = heap.peek().is_none_or(|first| due.0 > first.0);
        heap.push(due);
        drop(heap);
        if sooner {
            self.wake.notify_one();
        }
    }

    /// The sweeper thread: look at each sink when due, forever. The sinks
    /// are looked at outside the heap's lock (a look may send).
    fn run(&self) {
        let mut heap = self.due.lock().unwrap_or_else(|p| p.into_inner());
        let mut ripe = Vec::new();
        loop {
            let now = Instant::now();
            while heap.peek().is_some_and(|Due(Reverse(at), _)| *at <= now) {
                ripe.extend(heap.pop());
            }
            if !ripe.is_empty() {
                drop(heap);
                let again: Vec<Due> = ripe
                    .drain(..)
                    .filter_map(|Due(_, weak)| {
                        let sink = weak.upgrade()?;
                        sink.sweep(now).map(|at| Due(Reverse(at), weak))
                    })
                    .collect();
                heap = self.due.lock().unwrap_or_else(|p| p.into_inner());
                heap.extend(again);
                continue;
            }
            heap = match heap.peek() {
                Some(Due(Reverse(at), _)) => {
                    let wait = at.saturating_duration_since(now);
                    self.wake.wait_timeout(heap, wait).unwrap_or_else(|p| p.into_inner()).0
                }
                None => self.wake.wait(heap).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

/// The process-wide sweeper, its thread started on first use; None if the
/// thread could not start (results then wait for their thread's own flush).
fn sweeper() -> Option<&'static Sweeper> {
    static SWEEPER: OnceLock<Option<&'static Sweeper>> = OnceLock::new();
    *SWEEPER.get_or_init(|| {
        let sweeper: &'static Sweeper = Box::leak(Box::new(Sweeper { due: Mutex::new(BinaryHeap::new()), wake: Condvar::new() }));
        std::thread::Builder::new().name("isothread-sweeper".into()).spawn(move || sweeper.run()).ok().map(|_| sweeper)
    })
}

impl BatchingSink {
    /// `send`, the time being `now` (as the caller last read it).
    pub fn send_at(&self, event: Event, now: Instant) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if h.events.is_empty() {
            h.since = Some(now);
        }
        h.events.push(event);
    }
}

impl EventSink for BatchingSink {
    fn send(&self, event: Event) {
        self.send_at(event, Instant::now());
    }

    fn send_held(&self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::payload::INLINE_MAX;

    #[derive(Default)]
    struct Count(Mutex<Vec<usize>>);
    impl EventSink for Count {
        fn send(&self, _event: Event) {
            self.0.lock().unwrap().push(1);
        }
        fn send_all(&self, events: Vec<Event>) {
            self.0.lock().unwrap().push(events.len());
        }
    }

    #[derive(Default)]
    struct Keep(Mutex<Vec<Event>>);
    impl EventSink for Keep {
        fn send(&self, event: Event) {
            self.0.lock().unwrap().push(event);
        }
    }

    fn done(call_id: u64, bytes: Vec<u8>) -> Event {
        let outcome = Outcome::Value(Payload { bytes: bytes.into(), ..Default::default() });
        Event::Done { thread: 1, call_id, outcome, wait_us: 0.0, run_us: 0.0 }
    }

    #[test]
    fn results_sent_together_share_one_buffer_and_keep_their_values() {
        let inner = Arc::new(Keep::default());
        let b = BatchingSink::new(inner.clone());
        let (one, three) = (vec![1; INLINE_MAX + 1], vec![3; INLINE_MAX + 2]);
        b.send(done(1, one.clone()));
        b.send(ev());
        b.send(done(2, vec![2]));
        b.send(done(3, three.clone()));
        b.send(done(4, vec![9; PACK_MAX_BYTES + 1]));
        b.flush();
        let sent = std::mem::take(&mut *inner.0.lock().unwrap());
        let values: Vec<(u64, &Bytes)> = sent
            .iter()
            .filter_map(|e| match e {
                Event::Done { call_id, outcome: Outcome::Value(p), .. } => Some((*call_id, &p.bytes)),
                _ => None,
            })
            .collect();
        assert_eq!(values.len(), 4);
        assert_eq!((values[0].0, values[0].1), (1, &Bytes::from(one.clone())));
        assert_eq!((values[1].0, values[1].1), (2, &Bytes::from(vec![2])));
        assert_eq!((values[2].0, values[2].1), (3, &Bytes::from(three.clone())));
        assert!(matches!(sent[1], Event::Exit { .. }), "order is kept");
        let Bytes::Part(buffer, _) = values[0].1 else { panic!("small values are packed") };
        assert_eq!(&buffer[..], &[one, three].concat()[..]);
        assert!(matches!(values[1].1, Bytes::Inline(..)), "a short one stays inline: nothing to free");
        assert!(matches!(values[2].1, Bytes::Part(b, _) if Arc::ptr_eq(b, buffer)), "one buffer for the batch");
        assert!(matches!(values[3].1, Bytes::Owned(v) if v.len() == PACK_MAX_BYTES + 1), "a large value keeps its own");
        // A lone result is sent as it is (nothing to share).
        b.send(done(5, vec![7; INLINE_MAX + 1]));
        b.flush();
        let sent = inner.0.lock().unwrap();
        assert!(
            matches!(&sent[0], Event::Done { outcome: Outcome::Value(p), .. } if matches!(&p.bytes, Bytes::Owned(v) if *v == vec![7; INLINE_MAX + 1]))
        );
    }

    fn ev() -> Event {
        Event::Exit { thread: 1, reason: crate::runtime::ExitReason::Closed }
    }

    #[test]
    fn holds_until_flushed_then_sends_in_one_batch() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        b.send(ev());
        b.send(ev());
        b.flush_if_due(10, Duration::ZERO, Instant::now());
        assert!(inner.0.lock().unwrap().is_empty());
        b.flush();
        assert_eq!(*inner.0.lock().unwrap(), vec![2]);
        for _ in 0..MAX_EVENTS {
            b.send(ev());
        }
        b.flush_if_due(1000, Duration::ZERO, Instant::now());
        assert_eq!(*inner.0.lock().unwrap(), vec![2, MAX_EVENTS]);
    }

    #[test]
    fn flushes_once_as_many_wait_as_calls_are_queued() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        for _ in 0..3 {
            b.send(ev());
        }
        b.flush_if_due(4, Duration::ZERO, Instant::now());
        assert!(inner.0.lock().unwrap().is_empty());
        b.send(ev());
        b.flush_if_due(4, Duration::ZERO, Instant::now());
        assert_eq!(*inner.0.lock().unwrap(), vec![4]);
    }

    #[test]
    fn flushes_before_a_call_that_would_hold_events_too_long() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        b.send(ev());
        b.flush_if_due(100, Duration::from_micros(50), Instant::now());
        assert!(inner.0.lock().unwrap().is_empty(), "a short call next: keep holding");
        b.flush_if_due(100, MAX_DELAY, Instant::now());
        assert_eq!(*inner.0.lock().unwrap(), vec![1], "a long call next: the held result goes first");
    }

    #[test]
    fn a_sink_whose_thread_keeps_flushing_stays_with_the_sweeper() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        let t = Instant::now();
        b.send_at(ev(), t);
        assert_eq!(b.sweep(t + MAX_DELAY / 2), Some(t + MAX_DELAY), "not due yet: look again when it is");
        b.flush();
        let now = t + MAX_DELAY;
        assert_eq!(b.sweep(now), Some(now + MAX_DELAY), "its thread flushed since the last look: it stays");
        assert_eq!(b.sweep(now + MAX_DELAY), None, "no flush since: it leaves");
        assert_eq!(*inner.0.lock().unwrap(), vec![1], "the sweeper sent nothing of its own");
        b.send_at(ev(), now);
        assert_eq!(b.sweep(now + MAX_DELAY), None, "due: sent, and it leaves");
        assert_eq!(*inner.0.lock().unwrap(), vec![1, 1]);
    }

    #[test]
    fn the_sweeper_sends_what_a_long_call_held() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        b.send(ev());
        // The loop guessed a short call next and kept the event...
        b.flush_if_due(100, Duration::ZERO, Instant::now());
        assert!(inner.0.lock().unwrap().is_empty());
        // ...but the call never ends: the sweeper sends it after MAX_DELAY.
        let until = Instant::now() + Duration::from_secs(5);
        while inner.0.lock().unwrap().is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(*inner.0.lock().unwrap(), vec![1]);
        assert!(!b.swept.load(Ordering::Acquire), "it leaves the sweeper once sent");
    }
}
