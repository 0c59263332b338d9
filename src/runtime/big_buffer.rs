//! Big buffers (copies of 1 MB and more, results of 64 KB and more) in
//! memory advised for transparent huge pages, and reused: a fresh 4 KB page costs ~3 µs to fault in on a virtual
//! machine, so 16 MB of fresh pages took 12 ms to write where warm memory
//! took 1.7 ms and huge pages 2.5 ms (README "Large payloads"). A freed
//! buffer's memory is kept (up to [`CACHE_BYTES`]) for the next big buffer,
//! and unmapped once no big buffer was taken or freed for
//! [`TRIM_AFTER_MS`] (a process-wide trimmer thread, started at the first
//! buffer kept), so RSS comes back down after big payloads stop.
//! No `v8::` here: the engine wraps a `BigBuffer` in a backing store.

use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

/// Buffers from this many bytes up are worth their own mapping; smaller
/// ones stay on the heap.
pub const BIG_MIN: usize = 1 << 20;

/// A huge page: mappings start at a multiple of it.
const HUGE: usize = 2 << 20;

/// A base page: mappings are sized in multiples of it. Not of HUGE: the
/// kernel backs the whole huge pages of a mapping with huge pages and its
/// tail with small ones, so a buffer of 2 MB and 6 bytes does not have a
/// second 2 MB page zeroed for its last 6 bytes.
const PAGE: usize = 4096;

/// Mappings from this size up are advised for huge pages. A fresh huge
/// page is cheap when the guest hands back one freed a moment ago, dear
/// when it comes from memory the hypervisor has not backed yet (16 MB: 1.5
/// against 23 ms); smaller buffers met that second case most (a 2 MB result
/// took 2.8 ms p50 in half the runs, 1.6 ms in 4 KB pages), so they keep
/// small pages and only the reuse.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const THP_MIN: usize = 4 << 20;

/// Freed memory kept for reuse, at most (the rest is unmapped). The host
/// frees big results in bursts (its collector finds several at once): with
/// 64 MB, four 16 MB results came back and the rest were unmapped, so every
/// fourth-to-fifth 16 MB result took fresh huge pages (23-25 ms against 2 ms).
pub const CACHE_BYTES: usize = 128 << 20;

/// Freed regions kept for reuse, at most (each take scans them).
const CACHE_REGIONS: usize = 256;

/// Kept memory is unmapped once no big buffer was taken or freed for this
/// many ms (tests shorten it).
static TRIM_AFTER_MS: AtomicU64 = AtomicU64::new(5_000);

/// One mapping: `size` bytes (a multiple of [`PAGE`]) at `ptr`, all of them
/// initialized (zero when new, earlier contents when reused).
struct Region {
    ptr: NonNull<u8>,
    size: usize,
}

// SAFETY: a Region is the only owner of its mapping (plain memory, no
// thread affinity); moving it to another thread moves that ownership.
unsafe impl Send for Region {}

impl Region {
    /// A new zeroed mapping of at least `len` bytes; None when the system
    /// has no memory for it.
    fn map(len: usize) -> Option<Region> {
        let size = len.checked_add(PAGE - 1)? & !(PAGE - 1);
        let ptr = NonNull::new(os::map(size)?)?;
        MAPPED.fetch_add(size, Ordering::Relaxed);
        Some(Region { ptr, size })
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`size` are a mapping `os::map` made, unmapped once.
        unsafe { os::unmap(self.ptr.as_ptr(), self.size) }
        MAPPED.fetch_sub(self.size, Ordering::Relaxed);
    }
}

/// Bytes of all regions, in use or kept.
static MAPPED: AtomicUsize = AtomicUsize::new(0);

#[cfg(target_os = "linux")]
mod os {
    use std::ptr;

    use super::HUGE;

    /// `size` zeroed bytes (a multiple of a page) aligned to HUGE, advised
    /// for transparent huge pages from THP_MIN bytes up.
    pub(super) fn map(size: usize) -> Option<*mut u8> {
        let span = size.checked_add(HUGE)?;
        // SAFETY: a new private anonymous mapping; nothing else is touched.
        let raw = unsafe {
            libc::mmap(ptr::null_mut(), span, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
        };
        if raw == libc::MAP_FAILED {
            return None;
        }
        let start = raw as usize;
        let aligned = (start + HUGE - 1) & !(HUGE - 1);
        let (head, tail) = (aligned - start, span - size - (aligned - start));
        // SAFETY: both ranges lie inside the mapping just made and outside
        // the aligned part kept; a failed unmap only leaves them mapped.
        // The advice is a hint: without it the memory is the same, in 4 KB
        // pages.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + size) as *mut libc::c_void, tail);
            }
            if size >= super::THP_MIN {
                libc::madvise(aligned as *mut libc::c_void, size, libc::MADV_HUGEPAGE);
            }
        }
        Some(aligned as *mut u8)
    }

    /// # Safety
    /// `ptr`/`size` must be a mapping `map` returned, not yet unmapped.
    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller's contract. A failure leaves it mapped (a leak).
        unsafe { libc::munmap(ptr as *mut libc::c_void, size) };
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use std::alloc::{alloc_zeroed, dealloc, Layout};

    use super::HUGE;

    /// `size` zeroed bytes from the heap (no huge-page advice here).
    pub(super) fn map(size: usize) -> Option<*mut u8> {
        let layout = Layout::from_size_align(size, HUGE).ok()?;
        // SAFETY: `layout` has a non-zero size (a multiple of a page, > 0).
        let p = unsafe { alloc_zeroed(layout) };
        (!p.is_null()).then_some(p)
    }

    /// # Safety
    /// `ptr`/`size` must be memory `map` returned, not yet freed.
    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller's contract; the same layout as in `map`.
        unsafe { dealloc(ptr, Layout::from_size_align_unchecked(size, HUGE)) }
    }
}

/// Freed regions, oldest first, and their total size.
struct Cache {
    regions: Vec<Region>,
    bytes: usize,
    /// When a big buffer was last taken or freed.
    used: Option<Instant>,
    /// The trimmer waits with no deadline (the cache was empty): the next
    /// region kept must wake it. Otherwise it wakes at its deadline anyway,
    /// and a region kept does not wake it: one buffer taken and freed per
    /// call would otherwise wake it at every call (a futex wake and a
    /// context switch on a 2-core machine, measured at 13 % of an isolate
    /// thread's samples with a 100 KB argument per call).
    trimmer_idle: bool,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache { regions: Vec::new(), bytes: 0, used: None, trimmer_idle: false });
/// Wakes the trimmer when the cache stops being empty while it is idle.
static KEPT: Condvar = Condvar::new();
/// Times the trimmer woke (tests count them).
static TRIMMER_WAKES: AtomicU64 = AtomicU64::new(0);
static TRIMMER: Once = Once::new();

fn cache() -> std::sync::MutexGuard<'static, Cache> {
    // A panic while holding the lock leaves a consistent list: keep going.
    CACHE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A kept region of at least `len` bytes and at most twice that (the
/// smallest such), or None.
fn take(len: usize) -> Option<Region> {
    let mut c = cache();
    c.used = Some(Instant::now());
    let i = (0..c.regions.len()).filter(|&i| (len..=2 * len).contains(&c.regions[i].size)).min_by_key(|&i| c.regions[i].size)?;
    let r = c.regions.remove(i);
    c.bytes -= r.size;
    Some(r)
}

/// Keep `r` for reuse, dropping the oldest kept ones past [`CACHE_BYTES`].
fn give_back(r: Region) {
    if r.size > CACHE_BYTES {
        return; // dropped: unmapped
    }
    TRIMMER.call_once(start_trimmer);
    let evicted = {
        let mut c = cache();
        if c.trimmer_idle {
            c.trimmer_idle = false;
            KEPT.notify_one();
        }
        c.used = Some(Instant::now());
        c.bytes += r.size;
        c.regions.push(r);
        let mut n = 0;
        let mut over = c.bytes;
        while over > CACHE_BYTES || c.regions.len() - n > CACHE_REGIONS {
            over -= c.regions[n].size;
            n += 1;
        }
        c.bytes = over;
        c.regions.drain(..n).collect::<Vec<_>>()
    };
    drop(evicted); // unmapped outside the lock
}

/// The trimmer thread: unmaps what the cache keeps once no big buffer was
/// taken or freed for `TRIM_AFTER_MS`; asleep while the cache is empty.
/// Without it (no thread could be started) memory stays kept, as bounded.
fn start_trimmer() {
    let trim = || {
        let mut c = cache();
        loop {
            if c.regions.is_empty() {
                c.trimmer_idle = true;
                c = KEPT.wait(c).unwrap_or_else(PoisonError::into_inner);
                c.trimmer_idle = false; // (also after a spurious wake-up: it looks again)
                TRIMMER_WAKES.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let due = c.used.unwrap_or_else(Instant::now) + Duration::from_millis(TRIM_AFTER_MS.load(Ordering::Relaxed));
            let now = Instant::now();
            if now < due {
                c = KEPT.wait_timeout(c, due - now).unwrap_or_else(PoisonError::into_inner).0;
                TRIMMER_WAKES.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let kept = std::mem::take(&mut c.regions);
            c.bytes = 0;
            drop(c);
            drop(kept); // unmapped outside the lock
            c = cache();
        }
    };
    let _ = std::thread::Builder::new().name("isothread-trim".into()).stack_size(64 << 10).spawn(trim);
}

/// Bytes kept for reuse now.
pub fn cached_bytes() -> usize {
    cache().bytes
}

/// Bytes mapped now for big buffers, in use or kept.
pub fn mapped_bytes() -> usize {
    MAPPED.load(Ordering::Relaxed)
}

/// `len` bytes of memory of their own, advised for huge pages and reused
/// after an earlier buffer was freed. Dereferences to its bytes; freeing it
/// (on any thread) keeps the memory for the next one.
pub struct BigBuffer {
    region: Option<Region>,
    len: usize,
}

// SAFETY: `&BigBuffer` only reads the bytes (`Deref`); writing needs
// `&mut`. The memory has no thread affinity.
unsafe impl Sync for BigBuffer {}

impl BigBuffer {
    /// `len` bytes whose contents are left as they are: zero in new memory,
    /// an earlier buffer's bytes in reused memory (every byte initialized
    /// either way). For callers that overwrite all of them. None when the
    /// system has no memory for it.
    pub fn try_for_overwrite(len: usize) -> Option<Self> {
        if len == 0 {
            return Some(BigBuffer { region: None, len: 0 });
        }
        let region = match take(len) {
            Some(r) => r,
            None => Region::map(len)?,
        };
        Some(BigBuffer { region: Some(region), len })
    }

    /// `len` zero bytes; None when the system has no memory for it.
    pub fn try_zeroed(len: usize) -> Option<Self> {
        if len == 0 {
            return Some(BigBuffer { region: None, len: 0 });
        }
        match take(len) {
            Some(region) => {
                let mut b = BigBuffer { region: Some(region), len };
                b.fill(0);
                Some(b)
            }
            None => Some(BigBuffer { region: Some(Region::map(len)?), len }),
        }
    }

    /// A copy of `bytes` (aborts like `Vec` when out of memory).
    pub fn copy_of(bytes: &[u8]) -> Self {
        let Some(mut b) = Self::try_for_overwrite(bytes.len()) else {
            std::alloc::handle_alloc_error(std::alloc::Layout::array::<u8>(bytes.len()).unwrap_or(std::alloc::Layout::new::<u8>()))
        };
        b.copy_from_slice(bytes);
        b
    }
}

impl Deref for BigBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.region {
            // SAFETY: the region holds `len` (<= size) initialized bytes,
            // borrowed with `self`.
            Some(r) => unsafe { std::slice::from_raw_parts(r.ptr.as_ptr(), self.len) },
            None => &[],
        }
    }
}

impl DerefMut for BigBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.region {
            // SAFETY: as in `deref`, borrowed mutably with `self`.
            Some(r) => unsafe { std::slice::from_raw_parts_mut(r.ptr.as_ptr(), self.len) },
            None => &mut [],
        }
    }
}

impl AsMut<[u8]> for BigBuffer {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl Drop for BigBuffer {
    fn drop(&mut self) {
        if let Some(r) = self.region.take() {
            give_back(r);
        }
    }
}

#[cfg(test)]
#[path = "big_buffer_tests.rs"]
mod tests;
