//! Starting an isolate thread and talking to it from other threads.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::control::{Control, Interrupt};
use super::messages::{Event, EventSink, ExitReason, Job};
use crate::engine::{self, IsolateConfig};

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// What a new thread needs.
pub struct ThreadConfig {
    /// User-visible name, if any.
    pub name: Option<String>,
    /// Source of the context function.
    pub source: String,
    /// V8 heap limit in MB.
    pub memory_limit_mb: f64,
    /// After `ERR_MEMORY_LIMIT`, start a fresh isolate on the same queue
    /// (pools) instead of ending (a lone Thread).
    pub respawn: bool,
    /// spawn(): a call settles with `undefined` when the event loop runs
    /// empty, and the thread ends once it settled and its loop is empty.
    pub one_shot: bool,
}

/// Host-side handle of one isolate thread.
pub struct ThreadHandle {
    /// Shared state (ids, counters, interrupts).
    pub control: Arc<Control>,
    jobs: Sender<Job>,
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
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let label = match &cfg.name {
            Some(n) => format!("thread \"{n}\""),
            None => format!("thread {id}"),
        };
        let script_name = cfg.name.clone().unwrap_or_else(|| format!("isothread:thread-{id}"));
        let (tx, rx) = crossbeam_channel::unbounded();
        let control = Arc::new(Control::new(id, label, tx.clone()));
        let iso = IsolateConfig {
            script_name,
            source: cfg.source,
            heap_limit: (cfg.memory_limit_mb * 1024.0 * 1024.0) as usize,
            one_shot: cfg.one_shot,
        };
        let respawn = cfg.respawn;
        let l = live();
        *l.running.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        {
            let mut threads = l.threads.lock().unwrap_or_else(|p| p.into_inner());
            threads.retain(|w| w.strong_count() > 0);
            threads.push(Arc::downgrade(&control));
        }
        let thread_control = control.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("isothread-{id}"))
            .stack_size(engine::platform::THREAD_STACK_BYTES)
            .spawn(move || {
                let _running = RunningGuard;
                let reason = loop {
                    let reason = engine::run_isolate(&iso, &rx, thread_control.clone(), sink.clone());
                    if !(respawn && reason == ExitReason::MemoryLimit && thread_control.replace_isolate()) {
                        break reason;
                    }
                };
                // No more jobs can be queued once the receiver is gone.
                drop(rx);
                super::messenger::leave_all_threads(thread_control.id);
                super::locks::release_all(super::locks::Holder::Thread(thread_control.id));
                // Finished first: a host that sees `finished` knows no Exit
                // event is still to come for a close it has not asked for.
                thread_control.mark_finished();
                sink.send(Event::Exit { thread: thread_control.id, reason });
            });
        if let Err(e) = spawned {
            *l.running.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            return Err(e);
        }
        Ok(Self { control, jobs: tx })
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
        super::messenger::join(name, super::messenger::Endpoint::Thread { id: self.control.id, jobs: self.jobs.clone() });
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
}

/// Process exit: dispose every live thread and wait (bounded) for them to
/// drop their isolates, so no V8 code runs while the process tears down.
pub fn shutdown_all(wait: Duration) {
    let l = live();
    let threads: Vec<Arc<Control>> = l
        .threads
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for t in &threads {
        t.dispose();
    }
    drop(threads);
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
