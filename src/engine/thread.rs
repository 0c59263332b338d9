//! Starting an isolate thread and talking to it from other threads: the
//! OS thread that serves a Thread's isolates, and the warm spares.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::cage;
use super::config::IsolateConfig;
use super::isolate::{prepare_isolate, run_prepared, Prepared};
use super::platform::THREAD_STACK_BYTES;
use crate::runtime::debug::{self, InspectorLink};
use crate::runtime::pool::PoolQueue;
use crate::runtime::{inspector_server, locks, messenger, next_id, Control, Event, EventSink, ExitReason, Interrupt, Job, Payload};

/// What a new thread needs.
pub struct ThreadConfig {
    /// User-visible name, if any.
    pub name: Option<String>,
    /// Source of the context function.
    pub source: String,
    /// V8 heap limit in MB.
    pub memory_limit_mb: f64,
    /// After `ERR_MEMORY_LIMIT`, start a fresh isolate on the same queue
    /// (round-robin pools) instead of ending (a lone Thread; a pool
    /// thread, which the pool replaces with a new one).
    pub respawn: bool,
    /// spawn(): a call settles with `undefined` when the event loop runs
    /// empty, and the thread ends once it settled and its loop is empty.
    pub one_shot: bool,
    /// An ES module context: (absolute file path, export name).
    pub module: Option<(String, String)>,
    /// The queue of the pool this thread serves (least-busy pools).
    pub pool: Option<Arc<PoolQueue>>,
    /// Names of the host functions the thread may call (`parent.host`).
    pub host: Arc<[String]>,
    /// Where a function context stands in the user's file (stack traces).
    pub origin: Option<debug::SourceOrigin>,
    /// Serve the DevTools protocol (RUNTIME.md §5).
    pub inspect: Option<debug::InspectConfig>,
    /// The `data` option, encoded: each isolate (a replacement too) decodes it.
    pub data: Option<Payload>,
}

/// Host-side handle of one isolate thread.
pub struct ThreadHandle {
    /// Shared state (ids, counters, interrupts).
    pub control: Arc<Control>,
    jobs: Sender<Job>,
    /// Sessions of the thread's inspector (profiles, heap snapshots).
    pub inspector: InspectorLink,
    /// The DevTools WebSocket URL, when the thread is inspected.
    pub inspector_url: Option<String>,
    /// Why no isolate was made: the process-wide ceiling had no room for
    /// it (`cage`). The thread is finished from the start.
    pub refused: Option<String>,
}

/// Threads still running, so process exit can stop and join them.
struct Live {
    threads: Mutex<Vec<Weak<Control>>>,
    running: Mutex<usize>,
    ended: Condvar,
}

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| Live { threads: Mutex::new(Vec::new()), running: Mutex::new(0), ended: Condvar::new() })
}

struct RunningGuard;
impl Drop for RunningGuard {
    fn drop(&mut self) {
        let l = live();
        let mut n = l.running.lock().unwrap_or_else(|p| p.into_inner());
        *n -= 1;
        l.ended.notify_all();
    }
}

impl ThreadHandle {
    /// Start a thread; its isolate is created on it, never here.
    pub fn spawn(cfg: ThreadConfig, sink: Arc<dyn EventSink>) -> std::io::Result<Self> {
        let id = next_id();
        let label = match &cfg.name {
            Some(n) => format!("thread \"{n}\""),
            None => format!("thread {id}"),
        };
        let script_name = cfg.name.clone().unwrap_or_else(|| format!("isothread:thread-{id}"));
        let (tx, rx) = crossbeam_channel::unbounded();
        let control = Arc::new(Control::new(id, label, tx.clone()));
        let title = cfg.name.clone().unwrap_or_else(|| format!("thread {id}"));
        let (link, inspector_rx) = InspectorLink::new(&control);
        let (registration, failure) = match &cfg.inspect {
            Some(ic) => match inspector_server::register(ic, &title, link.clone()) {
                Ok(r) => (Some(r), None),
                Err(message) => (None, Some(message)),
            },
            None => (None, None),
        };
        let inspector_url = registration.as_ref().map(|r| r.url.clone());
        let spare_limit = (cfg.memory_limit_mb * 1024.0 * 1024.0) as usize == SPARE_HEAP_LIMIT;
        let iso = IsolateConfig {
            script_name,
            source: cfg.source,
            heap_limit: (cfg.memory_limit_mb * 1024.0 * 1024.0) as usize,
            one_shot: cfg.one_shot,
            module: cfg.module,
            pool: cfg.pool.clone(),
            host: cfg.host,
            origin: cfg.origin,
            inspector: inspector_rx,
            title,
            inspected: registration.is_some(),
            inspect_brk: cfg.inspect.as_ref().is_some_and(|i| i.brk) && failure.is_none(),
            failure,
            data: cfg.data,
        };
        // Admission (cage): a waiting spare's isolate was admitted
        // when it was made, and its charge passes to this thread.
        let spare = if spare_limit { take_spare() } else { None };
        let admitted = match spare {
            Some(_) => {
                if !cfg.respawn {
                    control.mark_starting(); // (until its first call ends: spares wait)
                }
                cage::hand_over(&control);
                Ok(())
            }
            None => cage::admit(&control),
        };
        if let Err(why) = admitted {
            control.mark_finished();
            return Ok(Self { control, jobs: tx, inspector: link, inspector_url, refused: Some(why) });
        }
        if let Some(p) = &cfg.pool {
            p.join();
        }
        track(&control);
        let had_spare = spare.is_some();
        let refill = spare_limit && spare.is_none();
        let work = Work { iso, jobs: rx, control: control.clone(), sink, respawn: cfg.respawn, registration, refill };
        let work = match spare {
            Some(s) => s.send(work).err().map(|crossbeam_channel::SendError(work)| work),
            None => Some(work),
        };
        let work_taken = work.is_none();
        if had_spare && !work_taken {
            control.started(); // that spare died: no start from a spare after all
        }
        let started = match work {
            None => Ok(()),
            // That spare died: this thread makes its own isolate.
            Some(mut work) if had_spare => match cage::admit(&control) {
                Ok(()) => {
                    work.refill = spare_limit;
                    spawn_thread(format!("isothread-{id}"), work)
                }
                Err(why) => {
                    if let Some(p) = &cfg.pool {
                        p.leave(id, Vec::new());
                    }
                    control.mark_finished();
                    return Ok(Self { control, jobs: tx, inspector: link, inspector_url, refused: Some(why) });
                }
            },
            Some(work) => spawn_thread(format!("isothread-{id}"), work),
        };
        if let Err(e) = started {
            cage::release(&control);
            if let Some(p) = &cfg.pool {
                p.leave(id, Vec::new());
            }
            return Err(e);
        }
        if spare_limit && work_taken {
            refill_spares(); // (a thread making its own isolate refills once it has it)
        }
        Ok(Self { control, jobs: tx, inspector: link, inspector_url, refused: None })
    }

    /// Queue a job. False when the thread has ended (nothing was queued).
    pub fn send(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }

    /// True once the isolate is gone.
    pub fn finished(&self) -> bool {
        self.control.is_finished()
    }

    /// Put this thread on messenger `name` and tell it so.
    pub fn attach_messenger(&self, name: &str) {
        messenger::join(name, messenger::Endpoint::Thread { id: self.control.id, jobs: self.jobs.clone() });
        let _ = self.jobs.send(Job::MessengerAttach { name: name.to_owned() });
    }

    /// Stop one call: terminate it if it runs, drop it if it is queued.
    pub fn cancel(&self, call_id: u64, why: Interrupt) {
        self.control.interrupt_call(call_id, why);
    }

    /// Finish what is queued, then end.
    pub fn close(&self) {
        let _ = self.jobs.send(Job::Close);
    }

    /// End now.
    pub fn dispose(&self) {
        self.control.dispose();
    }

    /// End now, the end waiting for a spare being made as a close's does
    /// (see `Control::dispose_after_spare`).
    pub fn dispose_after_spare(&self) {
        self.control.dispose_after_spare();
    }
}

/// Everything an isolate thread needs to serve a Thread.
struct Work {
    iso: IsolateConfig,
    jobs: crossbeam_channel::Receiver<Job>,
    control: Arc<Control>,
    sink: Arc<dyn EventSink>,
    respawn: bool,
    /// The thread's target on its inspector server, while it lives.
    registration: Option<inspector_server::Registration>,
    /// Start making spares once this thread's own isolate is made (it found
    /// none: making them at once would slow its start, and before the first
    /// isolate exists they would all compile the globals without a cache).
    refill: bool,
}

/// Warm spares: OS threads that already made an isolate with the default
/// heap limit, its context and the thread globals, and wait to be given a
/// Thread, so `new Thread()` skips all of that. Two are kept once threads
/// are in use: a spare takes about a millisecond of CPU to make, so with
/// one, back-to-back starts found it still being made (it was refilled by
/// the start before).
const SPARE_HEAP_LIMIT: usize = 128 << 20;
const SPARES_KEPT: usize = 2;
/// The longest a spare waits for Thread starts in flight
/// (`runtime::starts_in_flight`) before it is made.
const SPARE_WAIT_MAX: std::time::Duration = std::time::Duration::from_millis(3);

/// A spare: where to send its Work, and whether it finished preparing.
struct Spare {
    work: Sender<Work>,
    ready: Arc<AtomicBool>,
}

fn spares() -> &'static Mutex<Vec<Spare>> {
    static S: OnceLock<Mutex<Vec<Spare>>> = OnceLock::new();
    S.get_or_init(Default::default)
}

/// A waiting spare, if there is one: the first that is ready, else the
/// oldest (closest to ready).
fn take_spare() -> Option<Sender<Work>> {
    let mut spares = spares().lock().unwrap_or_else(|p| p.into_inner());
    let at = pick(spares.iter().map(|s| s.ready.load(Ordering::Acquire)))?;
    Some(spares.remove(at).work)
}

/// Which spare to take, given whether each (oldest first) is ready: the
/// first ready one, else the oldest; None when there is none.
fn pick(ready: impl ExactSizeIterator<Item = bool>) -> Option<usize> {
    let n = ready.len();
    let mut ready = ready;
    ready.position(|r| r).or((n > 0).then_some(0))
}

/// Remember a live thread so process exit can stop it.
fn track(control: &Arc<Control>) {
    let mut threads = live().threads.lock().unwrap_or_else(|p| p.into_inner());
    threads.retain(|w| w.strong_count() > 0);
    threads.push(Arc::downgrade(control));
}

/// A spare is being made (one at a time, so making them never takes both
/// cores from the threads that start meanwhile).
static MAKING: AtomicBool = AtomicBool::new(false);
/// The process is exiting: no more spares.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Spares made so far, and the wake-up of threads waiting for the one
/// being made (`await_spare_in_making`).
fn spares_made() -> &'static (Mutex<u64>, Condvar) {
    static MADE: OnceLock<(Mutex<u64>, Condvar)> = OnceLock::new();
    MADE.get_or_init(Default::default)
}

/// The spare being made is made (or will not be): say so to the threads
/// waiting for it.
fn making_over() {
    MAKING.store(false, Ordering::Release);
    let (count, wake) = spares_made();
    *count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    wake.notify_all();
}

/// A thread that was closed waits for the spare being made, if one is (at
/// most `most`: SPARE_WAIT_MAX), before it says it ended, so `close()`
/// resolves with the spare ready (`dispose()` does not wait: it means now;
/// a service's close disposes and waits, `Control::dispose_after_spare`).
///
/// Measured on 2 cores, a loop of `new Thread` → first result → `close()`
/// (`npm run bench`'s start row): a spare (~1.2 ms of CPU) made while the
/// next start ran took the core its host or thread woke on (Linux left them
/// queued behind it while the other core idled), and a start right after a
/// close found a spare still being made: 12 % of starts took over 1 ms.
/// Waiting here moves that time into `close()`, which took as long whenever
/// its isolate's teardown met the spare's making (both take V8's
/// page-allocator lock): start mean 0.47 → 0.28 ms, starts over 1 ms
/// 58 → 4 of 348.
fn await_spare_in_making(most: Duration) {
    let (count, wake) = spares_made();
    let mut n = count.lock().unwrap_or_else(|p| p.into_inner());
    if CLOSING.load(Ordering::Acquire) || !MAKING.load(Ordering::Acquire) {
        return;
    }
    let seen = *n;
    let deadline = Instant::now() + most;
    while *n == seen {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        n = wake.wait_timeout(n, left).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// Start making a spare if fewer than `SPARES_KEPT` wait and none is being
/// made; each spare, once made, starts the next until enough wait.
fn refill_spares() {
    if CLOSING.load(Ordering::Acquire) || spares().lock().unwrap_or_else(|p| p.into_inner()).len() >= SPARES_KEPT {
        return;
    }
    if MAKING.swap(true, Ordering::AcqRel) {
        return; // the spare being made starts the next
    }
    if cage::reserve().is_err() {
        making_over();
        return; // no spare past the ceiling
    }
    let (tx, rx) = crossbeam_channel::bounded::<Work>(1);
    let ready = Arc::new(AtomicBool::new(false));
    let made = ready.clone();
    *live().running.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let spawned = std::thread::Builder::new().name("isothread-spare".into()).stack_size(THREAD_STACK_BYTES).spawn(move || {
        let _running = RunningGuard;
        // On 2 cores, making a spare (~1.3 ms of CPU) beside a Thread's
        // start took the core its host or thread needed: wait until no
        // Thread is before the end of its first call. (Pool threads are not
        // counted: a launch takes the global pool's thread started at the
        // last service's close, and its spare must be ready by then.)
        let since = std::time::Instant::now();
        while crate::runtime::starts_in_flight() > 0 && since.elapsed() < SPARE_WAIT_MAX {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
        let prepared = prepare_isolate(SPARE_HEAP_LIMIT);
        made.store(true, Ordering::Release);
        making_over();
        refill_spares();
        // Until claimed; at exit the sender is dropped and the spare ends.
        match rx.recv() {
            Ok(work) => serve(Some(prepared), work),
            Err(_) => {
                drop(prepared);
                cage::unreserve();
            }
        }
    });
    match spawned {
        Ok(_) => {
            let mut spares = spares().lock().unwrap_or_else(|p| p.into_inner());
            // (At exit, shutdown_all empties the list after setting CLOSING:
            // a spare started meanwhile is dropped here, and ends once made.)
            if !CLOSING.load(Ordering::Acquire) {
                spares.push(Spare { work: tx, ready });
            }
        }
        Err(_) => {
            *live().running.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            cage::unreserve();
            making_over();
        }
    }
}

fn spawn_thread(name: String, work: Work) -> std::io::Result<()> {
    *live().running.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    std::thread::Builder::new()
        .name(name)
        .stack_size(THREAD_STACK_BYTES)
        .spawn(move || {
            let _running = RunningGuard;
            serve(None, work);
        })
        .map(|_| ())
        .inspect_err(|_| *live().running.lock().unwrap_or_else(|p| p.into_inner()) -= 1)
}

/// Serve a Thread on the current OS thread until it ends, then say so.
fn serve(mut prepared: Option<Prepared>, work: Work) {
    let Work { iso, jobs, control, sink, respawn, registration, mut refill } = work;
    control.counters.cpu.attach();
    let reason = loop {
        let p = prepared.take().unwrap_or_else(|| prepare_isolate(iso.heap_limit));
        if std::mem::take(&mut refill) {
            refill_spares();
        }
        let reason = run_prepared(p, &iso, &jobs, control.clone(), sink.clone());
        if !(respawn && iso.pool.is_none() && reason == ExitReason::MemoryLimit && control.replace_isolate()) {
            break reason;
        }
        // The fresh isolate must fit under the ceiling too (its calls then
        // end as the old isolate's did).
        if cage::admit(&control).is_err() {
            break reason;
        }
    };
    // (a thread that never ran a call no longer counts as starting)
    control.started();
    // Calls the pool handed over and this thread never began go back to
    // the pool's queue, for another thread (or a new one).
    // A call posted to the lane came before any the channel holds.
    let posted = control.lane.close();
    if let Some(p) = &iso.pool {
        let unrun = posted.into_iter().chain(jobs.try_iter()).filter(|j| matches!(j, Job::Run { .. })).collect();
        p.leave(control.id, unrun);
    }
    drop(jobs);
    drop(registration); // off the inspector's target list
    messenger::leave_all_threads(control.id);
    locks::release_all(locks::Holder::Thread(control.id));
    if reason == ExitReason::Closed && control.waits_for_spare() {
        // (`close()`, not `dispose()`: that is "now"; but a service's close
        // disposes and waits, see Control::dispose_after_spare)
        await_spare_in_making(SPARE_WAIT_MAX);
    }
    // Finished first: a host that sees `finished` knows no Exit event is
    // still to come for a close it has not asked for.
    control.counters.cpu.sample(true);
    control.mark_finished();
    sink.send(Event::Exit { thread: control.id, reason });
}

/// Process exit: dispose every live thread and wait (bounded) for them to
/// drop their isolates, so no V8 code runs while the process tears down.
pub fn shutdown_all(wait: Duration) {
    let l = live();
    let threads: Vec<Arc<Control>> = l.threads.lock().unwrap_or_else(|p| p.into_inner()).iter().filter_map(Weak::upgrade).collect();
    for t in &threads {
        t.dispose();
    }
    drop(threads);
    {
        let mut spares = spares().lock().unwrap_or_else(|p| p.into_inner());
        CLOSING.store(true, Ordering::Release);
        spares.clear();
    }
    let deadline = Instant::now() + wait;
    let mut n = l.running.lock().unwrap_or_else(|p| p.into_inner());
    while *n > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        n = l.ended.wait_timeout(n, left).unwrap_or_else(|p| p.into_inner()).0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_thread_waits_for_the_spare_being_made_and_at_most_as_long_as_told() {
        // (No other test makes spares: MAKING is this test's.)
        await_spare_in_making(Duration::from_secs(60)); // none is being made: at once
        MAKING.store(true, Ordering::Release);
        let made_it = Arc::new(AtomicBool::new(false));
        let flag = made_it.clone();
        let maker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            flag.store(true, Ordering::Release);
            making_over();
        });
        await_spare_in_making(Duration::from_secs(60));
        assert!(made_it.load(Ordering::Acquire), "it returned only once the spare was made");
        maker.join().unwrap();
        assert!(!MAKING.load(Ordering::Acquire));
        // A spare that is never made: it waits as long as told, then goes on.
        MAKING.store(true, Ordering::Release);
        let since = Instant::now();
        await_spare_in_making(Duration::from_millis(20));
        assert!(since.elapsed() >= Duration::from_millis(20));
        making_over();
    }

    #[test]
    fn a_start_takes_the_first_ready_spare_else_the_oldest() {
        assert_eq!(pick([false, true, true].into_iter()), Some(1));
        assert_eq!(pick([true, false].into_iter()), Some(0));
        assert_eq!(pick([false, false].into_iter()), Some(0), "none ready: the oldest is closest to ready");
        assert_eq!(pick(std::iter::empty::<bool>()), None);
    }
}
