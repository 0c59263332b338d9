//! Events of one isolate thread, held back briefly so the host wakes once
//! for many of them: the thread's loop flushes when it is about to wait,
//! when enough piled up, or when the oldest waited long enough. Order is
//! kept (everything the thread sends goes through here).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::messages::{Event, EventSink};

/// Flush once this many events wait.
const MAX_EVENTS: usize = 32;
/// Flush once the oldest event waited this long.
const MAX_DELAY: Duration = Duration::from_micros(200);

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

    /// Flush if enough piled up or the oldest waited long enough.
    pub fn flush_if_due(&self) {
        let due = {
            let h = self.held.lock().unwrap_or_else(|p| p.into_inner());
            h.events.len() >= MAX_EVENTS || h.since.is_some_and(|t| t.elapsed() >= MAX_DELAY)
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
        b.flush_if_due();
        assert!(inner.0.lock().unwrap().is_empty());
        b.flush();
        assert_eq!(*inner.0.lock().unwrap(), vec![2]);
        for _ in 0..MAX_EVENTS {
            b.send(ev());
        }
        b.flush_if_due();
        assert_eq!(*inner.0.lock().unwrap(), vec![2, MAX_EVENTS]);
    }
}
