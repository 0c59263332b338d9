//! The call in flight and its bookkeeping: started once, settled once
//! (a late result after a timeout or abort finds no call), its awaited
//! promise, before-hook and after-hook, and how an interrupt that raced
//! with its end changes its outcome. What a call runs is in `calls.rs`.

use std::time::{Duration, Instant};

use crate::engine::Payload;
use crate::runtime::{Control, Interrupt, Outcome};

/// Calls that ran this long in all since the heap was last checked may have
/// allocated a lot: the end of the call that reaches it checks the heap
/// against the limit (a call this long is checked on its own). Allocating
/// enough to matter takes time (V8 initializes what it allocates: 16 MB,
/// the least limit, takes milliseconds). The walk over every space costs
/// ~0.3 µs: taken after every call of 20 µs or more, it was 17 % of what a
/// pool thread spent outside the user's code in a burst of fib(20) calls.
const HEAP_CHECK_AFTER: Duration = Duration::from_millis(1);
/// Otherwise the heap is checked after this many calls.
const HEAP_CHECK_EVERY: u32 = 64;

/// A task whose before-hook returned a promise: called once it settles
/// (the call's awaited promise is the hook's meanwhile).
pub(super) struct PendingTask {
    task: v8::Global<v8::Function>,
    recv: v8::Global<v8::Value>,
    args: Payload,
}

impl PendingTask {
    /// Task `task`, to be called on `recv` with `args`.
    pub(super) fn new(task: v8::Global<v8::Function>, recv: v8::Global<v8::Value>, args: Payload) -> Self {
        Self { task, recv, args }
    }

    /// The task, its receiver and its arguments.
    pub(super) fn into_parts(self) -> (v8::Global<v8::Function>, v8::Global<v8::Value>, Payload) {
        (self.task, self.recv, self.args)
    }
}

/// The call in flight.
struct Current {
    call_id: u64,
    started: Instant,
    wait_us: f64,
    /// The promise the call's function (or its before-hook) returned,
    /// while it is pending.
    promise: Option<v8::Global<v8::Promise>>,
    /// The realm it runs in.
    realm: u32,
    /// Hook to run once the caller has its result (`__afterTask`, …).
    after: Option<v8::Global<v8::Function>>,
    /// The id its events are reported under: the pool's, else the thread's.
    owner: u32,
    /// A task's fresh realm, dropped once the call is over.
    fresh_realm: bool,
    /// The task to call once its async before-hook settled (`promise`).
    before: Option<Box<PendingTask>>,
}

/// A call just settled: what its end has still to do.
pub(super) struct Settled {
    /// The call's id.
    pub call_id: u64,
    /// The id its `Done` event goes under.
    pub owner: u32,
    /// How long it waited in a queue (µs).
    pub wait_us: f64,
    /// How long it ran (µs).
    pub run_us: f64,
    /// Whether the heap is to be checked now.
    pub check_heap: bool,
    /// Its after-hook, run once the caller has the result.
    pub after: Option<v8::Global<v8::Function>>,
    /// Its realm, and whether that realm is to be dropped (a task's).
    pub realm: u32,
    /// See `realm`.
    pub fresh_realm: bool,
    /// When it ended (the one clock read of its end: its answer's batch
    /// and the next flush check use it too).
    pub ended: Instant,
}

/// The call state of one thread.
pub(super) struct CallState {
    current: Option<Current>,
    /// A call has settled on this thread (spawn() ends after one).
    settled_once: bool,
    /// Calls left before the heap is checked anyway.
    heap_check_in: u32,
    /// How long calls ran since the heap was last checked.
    run_since_check: Duration,
    /// How long the last call ran: the guess for the next one, so a result
    /// is not held back through a long call.
    last_run: Duration,
    /// When the last call ended.
    last_end: Instant,
}

impl CallState {
    /// No call yet.
    pub(super) fn new() -> Self {
        Self {
            current: None,
            settled_once: false,
            heap_check_in: 1,
            run_since_check: Duration::ZERO,
            last_run: Duration::ZERO,
            last_end: Instant::now(),
        }
    }

    /// Make `call_id` the call in flight from `started`, in `realm`,
    /// answered under `owner`; false (nothing changes) if `control` had it
    /// cancelled while queued.
    pub(super) fn begin(&mut self, control: &Control, call_id: u64, owner: u32, realm: u32, wait_us: f64, started: Instant) -> bool {
        if !control.begin_call(call_id) {
            return false;
        }
        self.current =
            Some(Current { call_id, started, wait_us, promise: None, realm, after: None, owner, fresh_realm: false, before: None });
        true
    }

    /// A call is in flight.
    pub(super) fn in_flight(&self) -> bool {
        self.current.is_some()
    }

    /// The realm of the call in flight (the main realm, 0, when none).
    pub(super) fn realm(&self) -> u32 {
        self.current.as_ref().map_or(0, |c| c.realm)
    }

    /// A call has settled on this thread.
    pub(super) fn settled_once(&self) -> bool {
        self.settled_once
    }

    /// How long the last call ran.
    pub(super) fn last_run(&self) -> Duration {
        self.last_run
    }

    /// When the last call ended.
    pub(super) fn last_end(&self) -> Instant {
        self.last_end
    }

    /// The call in flight runs in a realm of its own, dropped at its end.
    pub(super) fn mark_fresh_realm(&mut self) {
        if let Some(cur) = self.current.as_mut() {
            cur.fresh_realm = true;
        }
    }

    /// The call's after-hook.
    pub(super) fn set_after(&mut self, after: v8::Global<v8::Function>) {
        if let Some(cur) = self.current.as_mut() {
            cur.after = Some(after);
        }
    }

    /// The call settles when `promise` does.
    pub(super) fn await_promise(&mut self, promise: v8::Global<v8::Promise>) {
        if let Some(cur) = self.current.as_mut() {
            cur.promise = Some(promise);
        }
    }

    /// `task` runs once the before-hook's `promise` settled; false (task
    /// dropped) when no call is in flight.
    pub(super) fn await_before_hook(&mut self, promise: v8::Global<v8::Promise>, task: PendingTask) -> bool {
        let Some(cur) = self.current.as_mut() else { return false };
        cur.promise = Some(promise);
        cur.before = Some(Box::new(task));
        true
    }

    /// The promise the call in flight waits on.
    pub(super) fn promise(&self) -> Option<&v8::Global<v8::Promise>> {
        self.current.as_ref().and_then(|c| c.promise.as_ref())
    }

    /// The before-hook's promise settled: its task, the promise forgotten.
    pub(super) fn take_before_hook(&mut self) -> Option<Box<PendingTask>> {
        let cur = self.current.as_mut()?;
        let task = cur.before.take()?;
        cur.promise = None;
        Some(task)
    }

    /// End the call in flight (once: None when there is none).
    pub(super) fn settle(&mut self) -> Option<Settled> {
        let cur = self.current.take()?;
        self.settled_once = true;
        let ended = Instant::now();
        self.last_end = ended;
        self.last_run = ended.saturating_duration_since(cur.started);
        let run_us = self.last_run.as_secs_f64() * 1e6;
        // Heap figures cost a walk over every space: taken once calls ran
        // long enough to have allocated much, else every HEAP_CHECK_EVERY
        // calls (stats() shows the last ones).
        self.heap_check_in = self.heap_check_in.saturating_sub(1);
        self.run_since_check += self.last_run;
        let check_heap = self.run_since_check >= HEAP_CHECK_AFTER || self.heap_check_in == 0;
        if check_heap {
            self.heap_check_in = HEAP_CHECK_EVERY;
            self.run_since_check = Duration::ZERO;
        }
        Some(Settled {
            call_id: cur.call_id,
            owner: cur.owner,
            wait_us: cur.wait_us,
            run_us,
            check_heap,
            after: cur.after,
            realm: cur.realm,
            fresh_realm: cur.fresh_realm,
            ended,
        })
    }
}

/// How a call ends on thread `control` when `why` stopped it.
pub(super) fn interrupt_outcome(control: &Control, why: Interrupt) -> Outcome {
    let label = &control.label;
    let (code, message) = match why {
        Interrupt::Timeout(ms) => ("ERR_TIMEOUT", format!("{label} timed out after {ms} ms")),
        Interrupt::MemoryLimit => return out_of_memory_outcome(control),
        _ => ("ERR_ABORTED", format!("the call on {label} was aborted")),
    };
    Outcome::Failed { code, message, cause: None }
}

/// How a call ends when thread `control` ran out of memory.
pub(super) fn out_of_memory_outcome(control: &Control) -> Outcome {
    let message = format!("{} ran out of memory (its memoryLimit) and was disposed", control.label);
    Outcome::Failed { code: "ERR_MEMORY_LIMIT", message, cause: None }
}

/// The call on `control` is over with `outcome`: the outcome the caller
/// gets, given an interrupt that arrived meanwhile, and whether a
/// termination is to be cancelled (a timeout or abort that raced with the
/// end must not hit the next call).
pub(super) fn end_call(control: &Control, outcome: Outcome) -> (Outcome, bool) {
    match control.end_call() {
        None | Some(Interrupt::Disposed) => (outcome, false),
        Some(Interrupt::MemoryLimit) => {
            // The heap crossed the limit inside a builtin that never
            // checked for interrupts: the call still failed, and the
            // thread goes (handled at the loop's top).
            match outcome {
                Outcome::Failed { code: "ERR_MEMORY_LIMIT", .. } => (outcome, false),
                _ => (out_of_memory_outcome(control), false),
            }
        }
        // A call that failed meanwhile failed because of the interrupt.
        Some(why) => match outcome {
            Outcome::Value(_) => (outcome, true),
            _ => (interrupt_outcome(control, why), true),
        },
    }
}

#[cfg(test)]
#[path = "call_state_tests.rs"]
mod tests;
