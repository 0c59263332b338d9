//! The one 4 GB pointer-compression cage every isolate of this V8 build
//! shares, and the process-wide ceiling on what all of them take of it
//! (API.md §7): each isolate is charged its heap as of its last GC plus
//! what V8 takes for it in the cage without showing it in its heap
//! statistics. A new isolate (a warm spare included) is admitted only if
//! its start-up charge fits, so the cage never fills and V8 never aborts
//! the process ("MemoryChunk allocation failed", "Committing semi space
//! failed").

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::runtime::Control;

/// Past this total the thread that grows gets ERR_MEMORY_LIMIT and no new
/// isolate is admitted. A GB below the cage: a heap may grow past its count
/// between two GCs.
pub const CEILING: usize = 3 << 30;
/// Cage space an isolate holds that `HeapStatistics::total_heap_size` does
/// not show. Measured: isolates that ran one call show 1.27 MB there, yet
/// the cage fills at about 2,350 of them (1.83 MB each).
const UNSEEN: usize = 640 << 10;
/// What a new isolate is charged until its first GC counts it: 1.27 MB of
/// heap once its context and prelude exist, plus `UNSEEN`, rounded up.
pub const START: usize = 2 << 20;
/// New isolates are admitted only while this much of the ceiling stays
/// free, so the threads already open keep room to grow.
const HEADROOM: usize = 128 << 20;

/// Bytes charged to all live isolates.
static TOTAL: AtomicUsize = AtomicUsize::new(0);
/// Live charged isolates (threads, and the warm spare).
static HELD: AtomicUsize = AtomicUsize::new(0);

/// Take `START` for one more isolate; the refusal message when it does not fit.
pub fn reserve() -> Result<(), String> {
    let fits = |total: usize| (total + START + HEADROOM <= CEILING).then_some(total + START);
    match TOTAL.fetch_update(Ordering::AcqRel, Ordering::Acquire, fits) {
        Ok(_) => {
            HELD.fetch_add(1, Ordering::AcqRel);
            Ok(())
        }
        Err(total) => Err(refusal(total)),
    }
}

/// Give back a `reserve()` no isolate was made for.
pub fn unreserve() {
    TOTAL.fetch_sub(START, Ordering::AcqRel);
    HELD.fetch_sub(1, Ordering::AcqRel);
}

fn refusal(total: usize) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    format!(
        "no room for another thread: the process holds {} threads using {:.0} MB of its {:.0} MB ceiling for JS heaps \
         (all threads share one 4 GB pointer-compression cage, each about {:.1} MB at start); close threads to make room",
        HELD.load(Ordering::Acquire),
        total as f64 / MB,
        CEILING as f64 / MB,
        START as f64 / MB,
    )
}

/// Admit a thread's next isolate: its charge is `START` until counted.
pub fn admit(control: &Control) -> Result<(), String> {
    reserve()?;
    control.heap_counted.store(START, Ordering::Release);
    Ok(())
}

/// A `reserve()` made earlier (a warm spare's) now belongs to `control`.
pub fn hand_over(control: &Control) {
    control.heap_counted.store(START, Ordering::Release);
}

/// Bring the total up to date with this isolate's heap (`heap` bytes, as
/// `total_heap_size`); true when the total crossed the ceiling while this
/// isolate grew. No isolate counts less than `START`, so closing N threads
/// always makes room for N new ones.
pub fn count(control: &Control, heap: usize) -> bool {
    let now = (heap + UNSEEN).max(START);
    let before = control.heap_counted.swap(now, Ordering::AcqRel);
    if now >= before {
        let total = TOTAL.fetch_add(now - before, Ordering::AcqRel) + (now - before);
        now > before && total > CEILING
    } else {
        TOTAL.fetch_sub(before - now, Ordering::AcqRel);
        false
    }
}

/// The isolate of `control` is gone: its charge is given back.
pub fn release(control: &Control) {
    let before = control.heap_counted.swap(0, Ordering::AcqRel);
    if before > 0 {
        TOTAL.fetch_sub(before, Ordering::AcqRel);
        HELD.fetch_sub(1, Ordering::AcqRel);
    }
}
