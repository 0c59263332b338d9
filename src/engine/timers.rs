//! The timer queue of one thread's event loop. Pure bookkeeping: the JS
//! callbacks live in the prelude, keyed by the same ids.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Pending timers ordered by deadline (ties in creation order).
#[derive(Default)]
pub struct Timers {
    by_deadline: BTreeMap<(Instant, u64), u64>,
    by_id: HashMap<u64, (Instant, u64)>,
    seq: u64,
}

impl Timers {
    /// Arm (or re-arm) timer `id` to fire `delay` from `now`.
    pub fn start(&mut self, id: u64, now: Instant, delay: Duration) {
        self.clear(id);
        self.seq += 1;
        let key = (now + delay, self.seq);
        self.by_deadline.insert(key, id);
        self.by_id.insert(id, key);
    }

    /// Disarm timer `id`; unknown ids are ignored.
    pub fn clear(&mut self, id: u64) {
        if let Some(key) = self.by_id.remove(&id) {
            self.by_deadline.remove(&key);
        }
    }

    /// Drop every timer.
    #[cfg(test)]
    pub fn clear_all(&mut self) {
        self.by_deadline.clear();
        self.by_id.clear();
    }

    /// Drop every timer whose id satisfies `pred` (e.g. one realm's).
    pub fn clear_where(&mut self, pred: impl Fn(u64) -> bool) {
        let ids: Vec<u64> = self.by_id.keys().copied().filter(|id| pred(*id)).collect();
        for id in ids {
            self.clear(id);
        }
    }

    /// The earliest deadline, if any timer is armed.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.by_deadline.keys().next().map(|(at, _)| *at)
    }

    /// Remove and return the earliest timer due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<u64> {
        let (&key, &id) = self.by_deadline.iter().next()?;
        if key.0 > now {
            return None;
        }
        self.by_deadline.remove(&key);
        self.by_id.remove(&id);
        Some(id)
    }

    /// Number of armed timers.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no timer is armed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_deadline_order_then_creation_order() {
        let mut t = Timers::default();
        let now = Instant::now();
        t.start(1, now, Duration::from_millis(20));
        t.start(2, now, Duration::from_millis(10));
        t.start(3, now, Duration::from_millis(10));
        assert_eq!(t.next_deadline(), Some(now + Duration::from_millis(10)));
        let later = now + Duration::from_millis(30);
        assert_eq!(t.pop_due(later), Some(2));
        assert_eq!(t.pop_due(later), Some(3));
        assert_eq!(t.pop_due(later), Some(1));
        assert_eq!(t.pop_due(later), None);
        assert!(t.is_empty());
    }

    #[test]
    fn nothing_is_due_before_its_deadline() {
        let mut t = Timers::default();
        let now = Instant::now();
        t.start(7, now, Duration::from_millis(5));
        assert_eq!(t.pop_due(now), None);
        assert_eq!(t.pop_due(now + Duration::from_millis(5)), Some(7));
    }

    #[test]
    fn clear_and_rearm() {
        let mut t = Timers::default();
        let now = Instant::now();
        t.start(1, now, Duration::from_millis(5));
        t.start(2, now, Duration::from_millis(6));
        t.clear(1);
        t.clear(99);
        assert_eq!(t.len(), 1);
        t.start(2, now, Duration::from_millis(50));
        assert_eq!(t.len(), 1);
        assert_eq!(t.pop_due(now + Duration::from_millis(10)), None);
        t.clear_all();
        assert!(t.next_deadline().is_none());
    }

    #[test]
    fn clear_where_drops_one_realms_timers() {
        let mut t = Timers::default();
        let now = Instant::now();
        let realm = |r: u64, n: u64| (r << 32) + n;
        t.start(realm(0, 1), now, Duration::from_millis(1));
        t.start(realm(1, 1), now, Duration::from_millis(1));
        t.start(realm(1, 2), now, Duration::from_millis(1));
        t.clear_where(|id| id >> 32 == 1);
        assert_eq!(t.len(), 1);
        assert_eq!(t.pop_due(now + Duration::from_millis(2)), Some(realm(0, 1)));
    }
}
