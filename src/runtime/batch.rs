//! Events of one isolate thread, held back briefly so the host wakes once
//! for many of them: the thread's loop flushes when it is about to wait,
//! when enough piled up, or when the oldest waited long enough. Order is
//! kept (everything the thread sends goes through here).
//!
//! Holding back only happens while calls are queued behind the running
//! one: a caller with a backlog wants throughput, and every wake-up of the
//! host takes CPU from the threads on a machine with few cores.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::messages::{Event, EventSink};

/// Flush once this many events wait.
const MAX_EVENTS: usize = 256;
/// Flush before the oldest event would wait longer than this.
const MAX_DELAY: Duration = Duration::from_millis(4);

#[derive(Default)]
struct Held {
    events: Vec<Event>,
    since: Option<Instant>,
}

/// An EventSink that batches for another.
pub struct BatchingSink {
    inner: Arc<dyn EventSink>,
    held: Mutex<Held>,
}

impl BatchingSink {
    /// Batch for `inner`.
    pub fn new(inner: Arc<dyn EventSink>) -> Self {
        Self { inner, held: Mutex::new(Held::default()) }
    }

    /// Send everything held now.
    pub fn flush(&self) {
        let events = {
            let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
            h.since = None;
            std::mem::take(&mut h.events)
        };
        if !events.is_empty() {
            self.inner.send_all(events);
        }
    }

    /// Called before the next of `queued` calls starts, which is expected
    /// to take about `next`: flush if enough piled up, if the oldest event
    /// would otherwise wait past MAX_DELAY, or if as many events wait as
    /// calls are still queued (the host then queues more while the thread
    /// works through the rest: it never runs dry).
    pub fn flush_if_due(&self, queued: usize, next: Duration) {
        let due = {
            let h = self.held.lock().unwrap_or_else(|p| p.into_inner());
            let n = h.events.len();
            n >= MAX_EVENTS.min(queued.max(1)) || h.since.is_some_and(|t| t.elapsed() + next >= MAX_DELAY)
        };
        if due {
            self.flush();
        }
    }
}

impl EventSink for BatchingSink {
    fn send(&self, event: Event) {
        let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if h.events.is_empty() {
            h.since = Some(Instant::now());
        }
        h.events.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn ev() -> Event {
        Event::Exit { thread: 1, reason: crate::runtime::ExitReason::Closed }
    }

    #[test]
    fn holds_until_flushed_then_sends_in_one_batch() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        b.send(ev());
        b.send(ev());
        b.flush_if_due(10, Duration::ZERO);
        assert!(inner.0.lock().unwrap().is_empty());
        b.flush();
        assert_eq!(*inner.0.lock().unwrap(), vec![2]);
        for _ in 0..MAX_EVENTS {
            b.send(ev());
        }
        b.flush_if_due(1000, Duration::ZERO);
        assert_eq!(*inner.0.lock().unwrap(), vec![2, MAX_EVENTS]);
    }

    #[test]
    fn flushes_once_as_many_wait_as_calls_are_queued() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        for _ in 0..3 {
            b.send(ev());
        }
        b.flush_if_due(4, Duration::ZERO);
        assert!(inner.0.lock().unwrap().is_empty());
        b.send(ev());
        b.flush_if_due(4, Duration::ZERO);
        assert_eq!(*inner.0.lock().unwrap(), vec![4]);
    }

    #[test]
    fn flushes_before_a_call_that_would_hold_events_too_long() {
        let inner = Arc::new(Count::default());
        let b = BatchingSink::new(inner.clone());
        b.send(ev());
        b.flush_if_due(100, Duration::from_micros(50));
        assert!(inner.0.lock().unwrap().is_empty(), "a short call next: keep holding");
        b.flush_if_due(100, MAX_DELAY);
        assert_eq!(*inner.0.lock().unwrap(), vec![1], "a long call next: the held result goes first");
    }
}
