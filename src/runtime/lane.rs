//! A thread's lane: one block of memory the host writes a lone call into
//! directly (from JS, through an ArrayBuffer over it) while the thread
//! spins for work, so the call reaches the thread with no Node-API call,
//! no lock and no channel: the host's stores, then one compare-and-swap of
//! the state word, and the thread's next look finds the whole call on the
//! line it was polling (measured per lone call before the lane: the
//! submit function took 420-450 ns of the host's time, ~200 ns of it
//! Node-API and copies, the rest cache lines the thread last wrote).
//!
//! Layout (little-endian, offsets in bytes; lib/lane.js writes the host's
//! half): `STATE` i32, `WAITING` i32, `CALL_ID` f64, `TIMEOUT` f64 (NaN:
//! none), `LENGTH` u32, `TASK` u32 (0: a plain call, else a service task's
//! id), then the answer's `RESULT` i32, `R_STATUS` u32 (1: thrown),
//! `R_LENGTH` u32, `R_WAIT` and `R_RUN` f64 (µs), all on one cache line;
//! from `DATA` the encoded arguments, and then the answer's value.
//!
//! The answer comes back the same way while the host waits for it
//! (`awaitEvents` with the lane, `WAITING` set): the thread writes it and
//! sets `RESULT` to `READY`, the host swaps it back to `EMPTY` and reads
//! it. A host that stops waiting clears `WAITING` and looks once more; a
//! thread that then finds `WAITING` clear takes its answer back and sends
//! it as an event (both sides store, then load the other's word, with
//! sequential consistency: at least one sees the other, and the swap from
//! `READY` decides who has it).
//!
//! States: `OFF` (the thread is not looking: busy, parked or starting),
//! `LISTENING` (it spins and looks), `POSTED` (the host wrote a call),
//! `BUSY` (the thread took it and has not finished it), `CLOSED` (the
//! thread ended). Only the host moves LISTENING to POSTED; only the
//! thread leaves POSTED; a pool may take LISTENING back to OFF under its
//! lock when it hands the thread a call by its channel (`withhold`).

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Instant;

use super::messages::{Job, ServiceTask};
use super::payload::{Bytes, Payload};

/// Bytes of a lane: the header line, then the arguments.
pub const LANE_BYTES: usize = 4096;
/// Offset of the state word (i32).
pub const STATE: usize = 0;
/// Offset of the host's "waiting for the answer" word (i32, 1: waiting).
pub const WAITING: usize = 4;
/// Offset of the call's id (f64).
pub const CALL_ID: usize = 8;
/// Offset of the call's timeout in ms (f64, NaN for none).
pub const TIMEOUT: usize = 16;
/// Offset of the arguments' length (u32).
pub const LENGTH: usize = 24;
/// Offset of the service task's id (u32, 0 for a plain call).
pub const TASK: usize = 28;
/// Offset of the answer's word (i32, `EMPTY` or `READY`).
pub const RESULT: usize = 32;
/// Offset of the answer's status (u32: 0 returned, 1 thrown).
pub const R_STATUS: usize = 36;
/// Offset of the answer's length (u32).
pub const R_LENGTH: usize = 40;
/// Offset of the call's wait before it ran, µs (f64).
pub const R_WAIT: usize = 48;
/// Offset of the call's run time, µs (f64).
pub const R_RUN: usize = 56;
/// Offset of the encoded arguments, then of the answer's value.
pub const DATA: usize = 64;

/// No answer in the lane.
pub const EMPTY: i32 = 0;
/// An answer in the lane, for the host.
pub const READY: i32 = 1;

/// The thread does not look at its lane.
pub const OFF: i32 = 0;
/// The thread spins and looks at its lane.
pub const LISTENING: i32 = 1;
/// The host wrote a call into the lane.
pub const POSTED: i32 = 2;
/// The thread took the lane's call and has not finished it.
pub const BUSY: i32 = 3;
/// The thread ended: nothing is posted again.
pub const CLOSED: i32 = 4;

/// One thread's lane (see the module's docs). Shared by the thread, the
/// host's ArrayBuffer over it and its pool: freed with the last holder.
pub struct Lane {
    mem: NonNull<u8>,
}

// SAFETY: the memory is a plain heap block owned by the Lane; the state
// word is only touched atomically, and the rest only by the side the
// state gives it to (the host while LISTENING, the thread once POSTED).
unsafe impl Send for Lane {}
// SAFETY: as above; `&Lane` gives no unsynchronized access.
unsafe impl Sync for Lane {}

/// The i32 word at `offset` of the lane at `mem`, accessed atomically only.
fn word<'a>(mem: NonNull<u8>, offset: usize) -> &'a AtomicI32 {
    debug_assert!(offset.is_multiple_of(4) && offset < DATA);
    // SAFETY: `offset` is one of the 4-aligned header offsets, inside the
    // block (128-aligned, LANE_BYTES long), which outlives the borrow the
    // caller ties to its own; these words are only accessed atomically.
    unsafe { &*(mem.as_ptr().add(offset) as *const AtomicI32) }
}

fn layout() -> Layout {
    // 128-byte alignment: the header sits alone on its cache lines.
    Layout::from_size_align(LANE_BYTES, 128).expect("a valid lane layout")
}

impl Default for Lane {
    fn default() -> Self {
        Self::new()
    }
}

impl Lane {
    /// A lane in state `OFF`, its header zeroed: the memory of a lane
    /// dropped earlier when there is one (threads come and go by the
    /// thousand; their 128-aligned blocks are kept rather than handed back
    /// to the allocator between them).
    pub fn new() -> Self {
        if let Some(at) = free_lanes().pop() {
            // SAFETY: a block of a dropped lane (allocated with `layout()`,
            // no longer shared); its header is zeroed for the new one.
            let mem = unsafe { NonNull::new_unchecked(at as *mut u8) };
            // SAFETY: the header's DATA bytes are inside the block.
            unsafe { std::ptr::write_bytes(mem.as_ptr(), 0, DATA) };
            return Self { mem };
        }
        // SAFETY: the layout has a non-zero size.
        let mem = unsafe { alloc_zeroed(layout()) };
        let mem = NonNull::new(mem).unwrap_or_else(|| std::alloc::handle_alloc_error(layout()));
        Self { mem }
    }

    /// Where the lane's `LANE_BYTES` bytes are (for the host's ArrayBuffer).
    pub fn as_ptr(&self) -> *mut u8 {
        self.mem.as_ptr()
    }

    fn state(&self) -> &AtomicI32 {
        word(self.mem, STATE)
    }

    /// The state now.
    pub fn load(&self) -> i32 {
        self.state().load(Ordering::Acquire)
    }

    fn swap_if(&self, from: i32, to: i32) -> Result<i32, i32> {
        self.state().compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
    }

    /// Thread, about to spin for work: the host may post from now on.
    /// False when it may not (the lane is closed, or still busy).
    pub fn listen(&self) -> bool {
        matches!(self.swap_if(OFF, LISTENING), Ok(_) | Err(LISTENING))
    }

    /// Thread, spinning: the call the host posted, if any (the lane is
    /// then `BUSY` until `finish`).
    pub fn take(&self) -> Option<Job> {
        if self.load() != POSTED {
            return None;
        }
        let job = self.read();
        self.state().store(BUSY, Ordering::Release);
        Some(job)
    }

    /// Thread, done spinning (a job came by its channel, or it parks):
    /// the host may not post any more; a call it posted first is returned.
    pub fn unlisten(&self) -> Option<Job> {
        match self.swap_if(LISTENING, OFF) {
            Err(POSTED) => self.take(),
            _ => None,
        }
    }

    /// Thread: the lane's call is over (its pool has listed it idle again
    /// if it has one): back to `OFF`.
    pub fn finish(&self) {
        let _ = self.swap_if(BUSY, OFF);
    }

    /// Pool, under its lock, handing this thread a call by its channel:
    /// true when the host can no longer post to it (it was not listening,
    /// or is no longer); false when it has a lane call posted or running
    /// (then it is not idle: the pool gives the call to another thread).
    pub fn withhold(&self) -> bool {
        match self.swap_if(LISTENING, OFF) {
            Ok(_) => true,
            Err(state) => !matches!(state, POSTED | BUSY),
        }
    }

    /// Thread, starting (a replacement too): a lane left busy or closed by
    /// the isolate before it is `OFF` again; a call still posted stays.
    pub fn reopen(&self) {
        let _ = self.state().fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| (s != POSTED && s != OFF).then_some(OFF));
    }

    /// Thread, ending for good: nothing is posted again; the call the
    /// host posted and no one took is returned (a pool queues it again).
    pub fn close(&self) -> Option<Job> {
        match self.state().swap(CLOSED, Ordering::AcqRel) {
            POSTED => Some(self.read()),
            _ => None,
        }
    }

    /// Thread, the lane's call over with a value (`thrown`: it threw it):
    /// hand the answer over in the lane if the host waits for it there.
    /// False when it did not take it (not waiting, or the value too big):
    /// the caller sends it as an event.
    pub fn answer(&self, thrown: bool, value: &[u8], wait_us: f64, run_us: f64) -> bool {
        let (waiting, result) = (word(self.mem, WAITING), word(self.mem, RESULT));
        if value.len() > LANE_BYTES - DATA || waiting.load(Ordering::SeqCst) == 0 {
            return false;
        }
        let at = self.mem.as_ptr();
        // SAFETY: in-bounds, aligned writes; the answer's fields and the
        // data are the thread's until it sets READY (the host reads them
        // only after it swapped READY away, and writes the data again only
        // once the lane listens, after this call is finished).
        unsafe {
            (at.add(R_STATUS) as *mut u32).write(thrown as u32);
            (at.add(R_LENGTH) as *mut u32).write(value.len() as u32);
            (at.add(R_WAIT) as *mut f64).write(wait_us);
            (at.add(R_RUN) as *mut f64).write(run_us);
            std::ptr::copy_nonoverlapping(value.as_ptr(), at.add(DATA), value.len());
        }
        result.store(READY, Ordering::SeqCst);
        if waiting.load(Ordering::SeqCst) != 0 {
            return true; // the host sees READY: in its loop, or its last look
        }
        // The host stopped waiting: whoever swaps READY away has the answer.
        result.compare_exchange(READY, EMPTY, Ordering::SeqCst, Ordering::SeqCst).is_err()
    }

    /// The posted call as a job (the state was seen `POSTED`: the host
    /// wrote every field before it, and writes none until `LISTENING`).
    fn read(&self) -> Job {
        let at = self.mem.as_ptr();
        // SAFETY: every offset read is inside the block and aligned for
        // its type; the host finished writing before its compare-and-swap
        // to POSTED, which the caller's acquire load saw.
        let (call_id, timeout, length, task) = unsafe {
            (
                (at.add(CALL_ID) as *const f64).read(),
                (at.add(TIMEOUT) as *const f64).read(),
                (at.add(LENGTH) as *const u32).read() as usize,
                (at.add(TASK) as *const u32).read(),
            )
        };
        let length = length.min(LANE_BYTES - DATA);
        // SAFETY: DATA..DATA+length lies inside the block (clamped above).
        let data = unsafe { std::slice::from_raw_parts(at.add(DATA), length) };
        let args = Payload { bytes: Bytes::copy_of(data), ..Payload::default() };
        let (call_id, timeout_ms, queued_at) = (call_id as u64, (!timeout.is_nan()).then_some(timeout), Instant::now());
        match task {
            0 => Job::Run { call_id, args, timeout_ms, queued_at },
            id => Job::ServiceCall { call_id, task: ServiceTask { id, name: None }, args, timeout_ms, queued_at },
        }
    }
}

/// The host's view of a lane, over the memory of its ArrayBuffer, while
/// it waits for the answer of the call it posted there.
pub struct HostLane<'a> {
    mem: NonNull<u8>,
    _buffer: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> HostLane<'a> {
    /// The lane at `data` (`len` bytes); None when it cannot be one.
    ///
    /// # Safety
    /// `data` must be the memory of a lane's ArrayBuffer (`Lane::as_ptr`),
    /// alive for `'a` (the caller holds the buffer).
    pub unsafe fn at(data: *mut u8, len: usize) -> Option<Self> {
        let mem = NonNull::new(data).filter(|m| len == LANE_BYTES && (m.as_ptr() as usize).is_multiple_of(128))?;
        Some(Self { mem, _buffer: std::marker::PhantomData })
    }

    /// The host starts waiting for the answer in the lane.
    pub fn begin_wait(&self) {
        word(self.mem, WAITING).store(1, Ordering::SeqCst);
    }

    /// True when the answer is there and now the host's (its fields and
    /// value are then read from the lane).
    pub fn collect(&self) -> bool {
        let result = word(self.mem, RESULT);
        result.load(Ordering::SeqCst) == READY && result.compare_exchange(READY, EMPTY, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// The host stops waiting; true when the answer came just before.
    pub fn end_wait(&self) -> bool {
        word(self.mem, WAITING).store(0, Ordering::SeqCst);
        self.collect()
    }
}

/// Blocks of dropped lanes kept for new ones: at most this many.
const FREE_KEPT: usize = 256;

/// Blocks of dropped lanes (their addresses), for `Lane::new`.
fn free_lanes() -> std::sync::MutexGuard<'static, Vec<usize>> {
    static FREE: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
    FREE.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for Lane {
    fn drop(&mut self) {
        let mut free = free_lanes();
        if free.len() < FREE_KEPT {
            return free.push(self.mem.as_ptr() as usize);
        }
        drop(free);
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { dealloc(self.mem.as_ptr(), layout()) };
    }
}

/// What tests need of the host's half.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// What the host's half (lib/lane.js) does: the fields, then the swap.
    pub(crate) fn post(lane: &Lane, call_id: f64, timeout: f64, task: u32, args: &[u8]) -> bool {
        if lane.load() != LISTENING {
            return false;
        }
        let at = lane.as_ptr();
        // SAFETY: in-bounds, aligned writes while the lane is LISTENING (the
        // host's turn), as lib/lane.js makes them.
        unsafe {
            (at.add(CALL_ID) as *mut f64).write(call_id);
            (at.add(TIMEOUT) as *mut f64).write(timeout);
            (at.add(LENGTH) as *mut u32).write(args.len() as u32);
            (at.add(TASK) as *mut u32).write(task);
            std::ptr::copy_nonoverlapping(args.as_ptr(), at.add(DATA), args.len());
        }
        lane.swap_if(LISTENING, POSTED).is_ok()
    }
}

#[cfg(test)]
#[path = "lane_tests.rs"]
mod tests;
