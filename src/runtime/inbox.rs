//! Receiving the next job: spin briefly, then park.
//!
//! A parked thread takes ~25 µs to wake on this kind of machine, more than a
//! whole call. So after each job a thread spins on its channel for a bounded
//! window before it parks, but never more spinning threads than cores.
//!
//! A spinner polls with pauses and gives its core away (`sched_yield`, a
//! syscall of ~0.3–1 µs here) only when another thread may need that core:
//! when our running and spinning threads and the host are more than the
//! cores, when it sits on the host's core, or when it was just held off its
//! core (the machine is loaded); otherwise once per `QUIET_YIELD`, so a
//! thread woken on its core never waits out the whole window.
//!
//! A spinner that finds itself on the host's core while another core has
//! room moves off it (`move_off`). Sharing a core, every round trip costs
//! the two a pair of context switches (~2 µs), and Linux's balancer is slow
//! to part them: both look cache-hot, so it can leave them together for
//! tens of thousands of calls (measured: 8,000 round trips with 2,100
//! involuntary switches on each side, p50 3.9-5.4 µs; parted, 2.6).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::lane::Lane;
use super::messages::Job;

/// How long a thread spins for its next job before it parks.
const SPIN_WINDOW: Duration = Duration::from_micros(200);
/// A spinner on a core nobody else seems to need still yields this often.
const QUIET_YIELD: Duration = Duration::from_micros(5);
/// A look or a yield that took longer than this means another process had
/// the spinner's core meanwhile (the guest's own short stalls, 10–30 µs
/// on this KVM guest, stay below it).
const HELD_OFF: Duration = Duration::from_micros(50);
/// After that, spinners yield at every look for this long.
const CROWDED_FOR: Duration = Duration::from_millis(10);

/// Threads spinning for a job.
static SPINNING: AtomicUsize = AtomicUsize::new(0);
/// Threads that left `recv` with a job and have not come back (running it).
static RUNNING: AtomicUsize = AtomicUsize::new(0);
/// The core the host last waited on (`usize::MAX`: not known), on cache
/// lines of its own: spinners read it at every look, and the counters
/// beside it change at every call.
static HOST_CORE: Alone = Alone(AtomicUsize::new(usize::MAX));

/// An atomic alone on its cache line (and the neighbour the hardware
/// fetches with it).
#[repr(align(128))]
struct Alone(AtomicUsize);
/// Until when (µs since `epoch()`) spinners yield at every look.
static CROWDED_UNTIL: AtomicU64 = AtomicU64::new(0);
/// A thread moves off the host's core at most once per this long (the
/// host may follow it; each move is two syscalls and a cold cache).
const MOVE_EVERY: Duration = Duration::from_millis(2);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros(t: Instant) -> u64 {
    t.saturating_duration_since(epoch()).as_micros() as u64
}

/// The core this thread runs on, `usize::MAX` when it cannot be told.
fn current_core() -> usize {
    // SAFETY: sched_getcpu takes nothing and only reads the calling
    // thread's CPU number (from rseq on current glibc).
    let core = unsafe { libc::sched_getcpu() };
    usize::try_from(core).unwrap_or(usize::MAX)
}

/// Whether this thread is counted in `count` (for `RUNNING`: it is
/// outside `recv`); a thread that ends while counted leaves the count.
struct Running {
    count: &'static AtomicUsize,
    on: Cell<bool>,
}

impl Running {
    fn set(&self, on: bool) {
        if self.on.replace(on) != on {
            if on {
                self.count.fetch_add(1, Ordering::AcqRel);
            } else {
                self.count.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.set(false);
    }
}

thread_local! {
    static RUNS: Running = const { Running { count: &RUNNING, on: Cell::new(false) } };
    /// When (µs since `epoch()`) this thread may next move off the host's core.
    static NEXT_MOVE: Cell<u64> = const { Cell::new(0) };
}

/// Count this thread in `RUNNING` or not.
fn set_running(on: bool) {
    // try_with: a thread whose locals are being destroyed is not counted.
    let _ = RUNS.try_with(|r| r.set(on));
}

fn max_spinners() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        cores.max(1)
    })
}

/// True when the host, the thread answering it and the threads spinning
/// for work are more than the cores: a host waiting for an answer then
/// yields its core rather than spin on it.
pub fn cores_crowded() -> bool {
    SPINNING.load(Ordering::Relaxed) + 2 > max_spinners()
}

/// Host thread: note the core it waits on, so a thread spinning on the
/// same core gives way to it.
pub fn note_host_core() {
    // Written only when it changed: each write takes the line from every
    // spinner's cache, and the host notes its core twice per wait.
    let core = current_core();
    if HOST_CORE.0.load(Ordering::Relaxed) != core {
        HOST_CORE.0.store(core, Ordering::Relaxed);
    }
}

/// Spinners yield at every look until `CROWDED_FOR` after `now`.
fn mark_crowded(now: Instant) {
    CROWDED_UNTIL.store(micros(now + CROWDED_FOR), Ordering::Relaxed);
}

/// Our running and spinning threads and the host are more than the cores.
fn cores_filled() -> bool {
    SPINNING.load(Ordering::Relaxed) + RUNNING.load(Ordering::Relaxed) + 1 > max_spinners()
}

/// Whether a spinner looking at `now` should give its core away now:
/// our threads (host, running, spinning) are more than the cores, it
/// shares the host's core, or a spinner was held off its core lately.
fn must_yield(now: Instant, core: usize) -> bool {
    cores_filled() || core == HOST_CORE.0.load(Ordering::Relaxed) || micros(now) < CROWDED_UNTIL.load(Ordering::Relaxed)
}

/// Spinner at `now`, on `core`: if that is the host's core, our other
/// threads leave a core free and no move was tried lately, move off it.
/// True when it moved.
fn part_from_host(core: usize, now: Instant) -> bool {
    if core == usize::MAX || core != HOST_CORE.0.load(Ordering::Relaxed) {
        return false;
    }
    if cores_filled() {
        return false; // no core to spare: yielding is all that helps
    }
    let at = micros(now);
    let due = NEXT_MOVE
        .try_with(|next| {
            let due = at >= next.get();
            if due {
                next.set(at + MOVE_EVERY.as_micros() as u64);
            }
            due
        })
        .unwrap_or(false);
    due && move_off(core)
}

/// The cores the calling thread may run on; None when they cannot be read.
fn allowed_cores() -> Option<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is a plain bit array; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: pid 0 is the calling thread; `set` is as many writable bytes as said.
    let read = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    (read == 0).then_some(set)
}

/// Move this thread off `core` to another core it may run on: its allowed
/// set without `core`, then the whole set again (Linux moves a running
/// thread at once when its core leaves the set, and leaves it where it is
/// when the set grows back). False when it cannot (one core allowed, or
/// the calls failed); the thread's allowed set is the same afterwards
/// (giving back the set just read cannot fail).
fn move_off(core: usize) -> bool {
    let size = std::mem::size_of::<libc::cpu_set_t>();
    let Some(allowed) = allowed_cores() else { return false };
    if core >= 8 * size {
        return false;
    }
    // SAFETY: `core` is below the set's bit count (checked above).
    if !unsafe { libc::CPU_ISSET(core, &allowed) } || unsafe { libc::CPU_COUNT(&allowed) } < 2 {
        return false;
    }
    let mut others = allowed;
    // SAFETY: as above, `core` is within the set.
    unsafe { libc::CPU_CLR(core, &mut others) };
    // SAFETY: pid 0 is the calling thread; both sets are `size` readable
    // bytes, `others` non-empty (the set had two cores or more), and
    // `allowed` is what the thread had, so it may have it back.
    unsafe {
        if libc::sched_setaffinity(0, size, &others) != 0 {
            return false;
        }
        libc::sched_setaffinity(0, size, &allowed) == 0
    }
}

/// Take a spinning slot if fewer threads than allowed are spinning.
fn try_start_spinning() -> bool {
    let max = max_spinners();
    SPINNING.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).is_ok()
}

/// The next job, waiting until `deadline` at most (forever when `None`).
pub fn recv(jobs: &Receiver<Job>, deadline: Option<Instant>) -> Result<Job, RecvTimeoutError> {
    recv_idle(jobs, None, deadline).map(|got| got.job)
}

/// What an idle thread received: a job, and one that came by its channel
/// after a call posted to its lane (taken next).
pub struct Received {
    /// The job to take now.
    pub job: Job,
    /// A job its channel brought meanwhile, to take after `job`.
    pub then: Option<Job>,
}

impl Received {
    fn one(job: Job) -> Self {
        Self { job, then: None }
    }
}

/// `recv` for a thread with no call in flight: while it spins, the host
/// may also post a call to its `lane`, looked at before the channel (a
/// call posted there was made before any call the channel holds).
pub fn recv_idle(jobs: &Receiver<Job>, lane: Option<&Lane>, deadline: Option<Instant>) -> Result<Received, RecvTimeoutError> {
    match jobs.try_recv() {
        Ok(job) => return Ok(Received::one(job)),
        Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
        Err(TryRecvError::Empty) => {}
    }
    set_running(false);
    let got = wait(jobs, lane, deadline);
    set_running(true);
    got
}

/// `recv` once the channel was found empty: spin if a slot is free, then park.
fn wait(jobs: &Receiver<Job>, lane: Option<&Lane>, deadline: Option<Instant>) -> Result<Received, RecvTimeoutError> {
    if try_start_spinning() {
        let listening = lane.filter(|l| l.listen());
        let got = spin(jobs, listening, deadline);
        SPINNING.fetch_sub(1, Ordering::AcqRel);
        // The host may have posted just before the lane was closed to it.
        let posted = listening.and_then(Lane::unlisten);
        if let Some(received) = in_order(got, posted) {
            return received;
        }
    }
    match deadline {
        Some(d) => jobs.recv_deadline(d),
        None => jobs.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
    .map(Received::one)
}

/// What a spin received (`got`), and the call the host `posted` to the
/// lane meanwhile, in the order they were made: the lane's first (the host
/// posts a call only while none of its calls is in flight or queued).
fn in_order(got: Option<Result<Job, RecvTimeoutError>>, posted: Option<Job>) -> Option<Result<Received, RecvTimeoutError>> {
    match (got, posted) {
        (Some(Ok(job)), Some(call)) => Some(Ok(Received { job: call, then: Some(job) })),
        (_, Some(call)) => Some(Ok(Received::one(call))),
        (got, None) => got.map(|r| r.map(Received::one)),
    }
}

/// Poll the lane and the channel for up to `SPIN_WINDOW` (or `deadline`);
/// None when nothing came.
fn spin(jobs: &Receiver<Job>, lane: Option<&Lane>, deadline: Option<Instant>) -> Option<Result<Job, RecvTimeoutError>> {
    let start = Instant::now();
    let until = deadline.map_or(start + SPIN_WINDOW, |d| d.min(start + SPIN_WINDOW));
    let mut last = start;
    let mut next_yield = start + QUIET_YIELD;
    loop {
        if let Some(job) = lane.and_then(Lane::take) {
            return Some(Ok(job));
        }
        match jobs.try_recv() {
            Ok(job) => return Some(Ok(job)),
            Err(TryRecvError::Disconnected) => return Some(Err(RecvTimeoutError::Disconnected)),
            Err(TryRecvError::Empty) => {}
        }
        let now = Instant::now();
        if now >= until {
            return None;
        }
        if now.saturating_duration_since(last) > HELD_OFF {
            mark_crowded(now);
        }
        let mut core = current_core();
        if part_from_host(core, now) {
            core = current_core();
        }
        if now >= next_yield || must_yield(now, core) {
            std::thread::yield_now();
            last = Instant::now();
            if last.saturating_duration_since(now) > HELD_OFF {
                mark_crowded(last);
            }
            next_yield = last + QUIET_YIELD;
        } else {
            last = now;
            for _ in 0..4 {
                std::hint::spin_loop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_a_queued_job_at_once() {
        let (tx, rx) = crossbeam_channel::unbounded();
        tx.send(Job::Close).unwrap();
        assert!(matches!(recv(&rx, None), Ok(Job::Close)));
    }

    #[test]
    fn a_call_posted_to_the_lane_comes_before_a_job_sent_after_it() {
        use crate::runtime::lane::{testing::post, Lane};
        use std::sync::Arc;
        let mut posts = 0;
        for _ in 0..200 {
            let (tx, rx) = crossbeam_channel::unbounded();
            let lane = Arc::new(Lane::new());
            let thread = {
                let lane = lane.clone();
                std::thread::spawn(move || recv_idle(&rx, Some(&lane), Some(Instant::now() + Duration::from_secs(5))).map(|got| (got, rx)))
            };
            // Posted once the thread listens (while it spins; other tests
            // may hold every spinning slot, then it parks at once and
            // nothing is posted), then a job by the channel.
            let give_up = Instant::now() + Duration::from_millis(50);
            let mut posted = false;
            while !posted && Instant::now() < give_up {
                posted = post(&lane, 1.0, f64::NAN, 0, b"");
            }
            tx.send(Job::Close).unwrap();
            let (got, rx) = thread.join().unwrap().expect("a job");
            if !posted {
                assert!(matches!(got.job, Job::Close));
                continue;
            }
            posts += 1;
            assert!(matches!(got.job, Job::Run { call_id: 1, .. }), "the lane's call first");
            let close = got.then.or_else(|| rx.try_recv().ok());
            assert!(matches!(close, Some(Job::Close)), "then the channel's job");
        }
        assert!(posts > 0, "the thread listened at least once");
    }

    #[test]
    fn a_posted_call_goes_before_what_the_spin_found() {
        let run = || Job::Run { call_id: 7, args: Default::default(), timeout_ms: None, queued_at: Instant::now() };
        let got = in_order(Some(Ok(Job::Close)), Some(run())).unwrap().unwrap();
        assert!(matches!((got.job, got.then), (Job::Run { call_id: 7, .. }, Some(Job::Close))));
        let got = in_order(Some(Err(RecvTimeoutError::Disconnected)), Some(run())).unwrap().unwrap();
        assert!(matches!((got.job, got.then), (Job::Run { .. }, None)), "the call first; the end next time");
        assert!(matches!(in_order(None, Some(run())), Some(Ok(Received { job: Job::Run { .. }, then: None }))));
        assert!(matches!(in_order(Some(Ok(Job::Close)), None), Some(Ok(Received { job: Job::Close, then: None }))));
        assert!(in_order(None, None).is_none());
    }

    #[test]
    fn times_out_at_the_deadline() {
        let (_tx, rx) = crossbeam_channel::unbounded::<Job>();
        let start = Instant::now();
        let r = recv(&rx, Some(start + Duration::from_millis(5)));
        assert!(matches!(r, Err(RecvTimeoutError::Timeout)));
        assert!(start.elapsed() >= Duration::from_millis(5));
    }

    #[test]
    fn reports_a_closed_channel() {
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        drop(tx);
        assert!(matches!(recv(&rx, None), Err(RecvTimeoutError::Disconnected)));
    }

    #[test]
    fn a_thread_is_counted_once_and_uncounted_when_it_ends() {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static R: Running = const { Running { count: &COUNT, on: Cell::new(false) } };
        }
        std::thread::spawn(|| {
            R.with(|r| {
                r.set(true);
                r.set(true);
            });
            assert_eq!(COUNT.load(Ordering::Acquire), 1);
        })
        .join()
        .unwrap();
        assert_eq!(COUNT.load(Ordering::Acquire), 0);
        R.with(|r| {
            r.set(true);
            r.set(false);
            r.set(false);
        });
        assert_eq!(COUNT.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_thread_moved_off_its_core_runs_on_another_and_keeps_its_cores() {
        std::thread::spawn(|| {
            let before = allowed_cores().expect("the thread's cores");
            // SAFETY: `before` is an initialized set.
            let cores = unsafe { libc::CPU_COUNT(&before) };
            // (Linux's balancer may move the thread back in between: three tries.)
            let moved = (0..3).any(|_| {
                let core = current_core();
                move_off(core) && current_core() != core
            });
            assert_eq!(moved, cores >= 2, "moved off its core with {cores} cores allowed");
            // SAFETY: both sets are initialized.
            assert!(unsafe { libc::CPU_EQUAL(&before, &allowed_cores().expect("the thread's cores")) }, "the allowed cores changed");
        })
        .join()
        .unwrap();
    }

    /// The scheduler state of thread `tid` of this process ('R', 'S', …).
    fn task_state(tid: i32) -> char {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
        // The state follows the command name, which is in parentheses.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.chars().next().unwrap()
    }

    #[test]
    fn an_idle_thread_stops_spinning_and_sleeps() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let (tid_tx, tid_rx) = crossbeam_channel::bounded(1);
        let h = std::thread::spawn(move || {
            // SAFETY: gettid takes nothing and cannot fail.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            recv(&rx, None)
        });
        let tid = tid_rx.recv().unwrap();
        // Polled: on a loaded machine the spin window may take long to end.
        let mut state = task_state(tid);
        for _ in 0..2000 {
            if state == 'S' {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
            state = task_state(tid);
        }
        assert_eq!(state, 'S', "a thread with nothing to do is asleep, not spinning");
        tx.send(Job::Wake).unwrap();
        assert!(matches!(h.join().unwrap(), Ok(Job::Wake)));
    }

    #[test]
    fn wakes_for_a_job_sent_later() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2));
            tx.send(Job::Wake).unwrap();
        });
        assert!(matches!(recv(&rx, None), Ok(Job::Wake)));
        h.join().unwrap();
        assert_eq!(SPINNING.load(Ordering::Acquire), 0);
    }
}
