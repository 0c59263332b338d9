//! The per-thread event loop: jobs, timers, platform tasks, microtasks,
//! and the life of each call (start, settle, terminate).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::codec;
use super::globals::ThreadState;
use super::isolate::Hooks;
use super::outcome::{encode_thrown, exception_with_location, uncaught_report};
use super::platform;
use crate::runtime::{inbox, watchdog, Control, Event, EventSink, ExitReason, Interrupt, Job, Outcome};

/// The thread's function, once its context has been evaluated.
enum Func {
    /// The context returned a promise that has not settled yet.
    Pending(v8::Global<v8::Promise>),
    /// Ready to run.
    Ready(v8::Global<v8::Function>),
    /// The context failed: every call rejects with ERR_INVALID_ARG.
    Failed { message: String, cause: Option<v8::Global<v8::Value>> },
}

/// The call in flight.
struct Current {
    call_id: u64,
    started: Instant,
    wait_us: f64,
    /// The promise the function returned, while it is pending.
    promise: Option<v8::Global<v8::Promise>>,
}

const POLL_MIN: Duration = Duration::from_micros(100);
const POLL_MAX: Duration = Duration::from_millis(10);

/// State of one thread's loop; V8 handles are only ever `Global`s here.
pub(crate) struct Loop {
    control: Arc<Control>,
    jobs: Receiver<Job>,
    backlog: VecDeque<Job>,
    sink: Arc<dyn EventSink>,
    hooks: Hooks,
    script_name: String,
    func: Option<Func>,
    current: Option<Current>,
    closing: bool,
    poll: Duration,
}

impl Loop {
    pub(crate) fn new(control: Arc<Control>, jobs: Receiver<Job>, sink: Arc<dyn EventSink>, hooks: Hooks, script_name: &str) -> Self {
        Self {
            control,
            jobs,
            backlog: VecDeque::new(),
            sink,
            hooks,
            script_name: script_name.to_owned(),
            func: None,
            current: None,
            closing: false,
            poll: POLL_MIN,
        }
    }

    /// Evaluate the context, then serve jobs until the thread ends.
    pub(crate) fn run(mut self, scope: &mut v8::HandleScope, source: &str) -> ExitReason {
        self.evaluate_context(scope, source);
        loop {
            if let Some(why) = self.control.pending_interrupt() {
                match why {
                    Interrupt::Disposed => return ExitReason::Closed,
                    Interrupt::MemoryLimit => {
                        let outcome = self.out_of_memory_outcome();
                        self.finish(scope, outcome);
                        return ExitReason::MemoryLimit;
                    }
                    Interrupt::Timeout(_) | Interrupt::Aborted => self.stop_call(scope, why),
                }
                continue;
            }
            if scope.is_execution_terminating() {
                // A termination with no interrupt behind it (cannot happen by
                // design): never let it leak into the next piece of JS.
                scope.cancel_terminate_execution();
            }
            let progressed = self.turn(scope);
            if scope.is_execution_terminating() || self.control.has_interrupt() {
                continue; // an interrupt landed: handle it at the top
            }
            if self.busy() {
                self.wait_busy(scope, progressed);
            } else if let Some(job) = self.next_job(scope) {
                match job {
                    Job::Run { call_id, args, timeout_ms, queued_at } => {
                        let wait_us = queued_at.elapsed().as_secs_f64() * 1e6;
                        self.start_call(scope, call_id, args, timeout_ms, wait_us)
                    }
                    Job::Close => return ExitReason::Closed,
                    Job::Wake => {}
                }
            } else if self.closing {
                return ExitReason::Closed;
            }
        }
    }

    fn out_of_memory_outcome(&self) -> Outcome {
        let message = format!("{} ran out of memory (its memoryLimit) and was disposed", self.control.label);
        Outcome::Failed { code: "ERR_MEMORY_LIMIT", message, cause: None }
    }

    fn busy(&self) -> bool {
        self.current.is_some() || matches!(self.func, Some(Func::Pending(_)))
    }

    /// One turn: due timers, platform tasks, microtasks, unhandled
    /// rejections, then settle what can be settled. True if anything ran.
    fn turn(&mut self, scope: &mut v8::HandleScope) -> bool {
        let mut progressed = false;
        let now = Instant::now();
        loop {
            let due = scope.get_slot_mut::<ThreadState>().and_then(|st| st.timers.pop_due(now));
            let Some(id) = due else { break };
            progressed = true;
            let tc = &mut v8::TryCatch::new(scope);
            let fire = v8::Local::new(tc, &self.hooks.fire);
            let arg = v8::Integer::new_from_unsigned(tc, id).into();
            let recv = v8::undefined(tc).into();
            if fire.call(tc, recv, &[arg]).is_none() {
                if tc.has_terminated() {
                    return true;
                }
                if let Some(exc) = tc.exception() {
                    self.uncaught(tc, exc);
                }
            }
            tc.perform_microtask_checkpoint();
            if tc.is_execution_terminating() {
                return true;
            }
        }
        let platform = platform::platform();
        while v8::Platform::pump_message_loop(&platform, scope, false) {
            progressed = true;
        }
        scope.perform_microtask_checkpoint();
        if scope.is_execution_terminating() {
            return true;
        }
        self.check_rejections(scope);
        self.check_settled(scope);
        progressed
    }

    fn uncaught(&mut self, scope: &mut v8::HandleScope, error: v8::Local<v8::Value>) {
        if self.current.is_some() {
            let outcome = encode_thrown(scope, error);
            self.finish(scope, outcome);
        } else if matches!(self.func, Some(Func::Pending(_))) {
            self.context_failed(scope, error, None);
        } else if let Some(args) = uncaught_report(scope, &self.control.label, error) {
            self.sink.send(Event::Console { thread: self.control.id, level: crate::runtime::ConsoleLevel::Error, args });
        }
    }

    fn check_rejections(&mut self, scope: &mut v8::HandleScope) {
        let list = match scope.get_slot_mut::<ThreadState>() {
            Some(st) if !st.rejections.is_empty() => std::mem::take(&mut st.rejections),
            _ => return,
        };
        for (promise, value) in list {
            let own = self.current.as_ref().and_then(|c| c.promise.as_ref()).is_some_and(|p| *p == promise)
                || matches!(&self.func, Some(Func::Pending(p)) if *p == promise);
            if own {
                continue; // settled through the call itself
            }
            let value = v8::Local::new(scope, value);
            self.uncaught(scope, value);
        }
    }

    fn check_settled(&mut self, scope: &mut v8::HandleScope) {
        if let Some(Func::Pending(p)) = &self.func {
            let p = v8::Local::new(scope, p);
            match p.state() {
                v8::PromiseState::Pending => {}
                v8::PromiseState::Fulfilled => {
                    let v = p.result(scope);
                    self.set_func(scope, v);
                }
                v8::PromiseState::Rejected => {
                    let e = p.result(scope);
                    self.context_failed(scope, e, None);
                }
            }
        }
        let Some(Current { promise: Some(p), .. }) = &self.current else { return };
        let p = v8::Local::new(scope, p);
        let outcome = match p.state() {
            v8::PromiseState::Pending => return,
            v8::PromiseState::Fulfilled => {
                let v = p.result(scope);
                self.encode_value(scope, v)
            }
            v8::PromiseState::Rejected => {
                let e = p.result(scope);
                encode_thrown(scope, e)
            }
        };
        self.finish(scope, outcome);
    }

    fn encode_value(&mut self, scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Outcome {
        let tc = &mut v8::TryCatch::new(scope);
        match codec::encode(tc, value, "result", &[]) {
            Ok(payload) => Outcome::Value(payload),
            Err(codec::EncodeError::Clone(message)) => Outcome::Failed { code: "ERR_CLONE", message, cause: None },
            Err(codec::EncodeError::Exception) => match tc.exception() {
                Some(exc) if !tc.has_terminated() => encode_thrown(tc, exc),
                _ => Outcome::Failed { code: "ERR_CLONE", message: "result could not be read".into(), cause: None },
            },
        }
    }

    /// Wait while a call (or the context) is in flight: for a job to queue
    /// up, a timer, or a platform task to poll for.
    fn wait_busy(&mut self, scope: &mut v8::HandleScope, progressed: bool) {
        self.poll = if progressed { POLL_MIN } else { (self.poll * 2).min(POLL_MAX) };
        let mut until = Instant::now() + self.poll;
        if let Some(d) = scope.get_slot::<ThreadState>().and_then(|st| st.timers.next_deadline()) {
            until = until.min(d);
        }
        match self.jobs.recv_deadline(until) {
            Ok(Job::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(job) => {
                self.poll = POLL_MIN;
                self.backlog.push_back(job);
            }
            Err(RecvTimeoutError::Disconnected) => {}
        }
    }

    /// The next job when idle: the backlog first, then the channel, waiting
    /// until the next timer at most.
    fn next_job(&mut self, scope: &mut v8::HandleScope) -> Option<Job> {
        if let Some(job) = self.backlog.pop_front() {
            return Some(job);
        }
        let deadline = scope.get_slot::<ThreadState>().and_then(|st| st.timers.next_deadline());
        match inbox::recv(&self.jobs, deadline) {
            Ok(job) => Some(job),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.closing = true;
                None
            }
        }
    }

    fn evaluate_context(&mut self, scope: &mut v8::HandleScope, source: &str) {
        let tc = &mut v8::TryCatch::new(scope);
        let wrapped = format!("({source}\n)");
        let result = (|| {
            let code = v8::String::new(tc, &wrapped)?;
            let name = v8::String::new(tc, &self.script_name)?;
            let undefined = v8::undefined(tc).into();
            let origin = v8::ScriptOrigin::new(tc, name.into(), 0, 0, false, 0, undefined, false, false, false);
            let script = v8::Script::compile(tc, code, Some(&origin))?;
            let ctx = script.run(tc)?;
            let ctx = v8::Local::<v8::Function>::try_from(ctx).ok()?;
            let recv = v8::undefined(tc).into();
            ctx.call(tc, recv, &[])
        })();
        match result {
            Some(v) if v.is_promise() => {
                let p = v8::Local::<v8::Promise>::try_from(v).expect("checked is_promise");
                self.func = Some(Func::Pending(v8::Global::new(tc, p)));
            }
            Some(v) => self.set_func(tc, v),
            None if tc.has_terminated() => {}
            None => match tc.exception() {
                Some(exc) => {
                    let message = exception_with_location(tc, exc);
                    self.context_failed(tc, exc, Some(message));
                }
                None => {
                    let message = "the context must be a function that returns the function to run".to_owned();
                    self.func = Some(Func::Failed { message, cause: None });
                }
            },
        }
    }

    fn set_func(&mut self, scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) {
        self.func = Some(match v8::Local::<v8::Function>::try_from(value) {
            Ok(f) => Func::Ready(v8::Global::new(scope, f)),
            Err(_) => {
                let got = value.type_of(scope).to_rust_string_lossy(scope);
                Func::Failed { message: format!("the context must return a function to run, got {got}"), cause: None }
            }
        });
    }

    fn context_failed(&mut self, scope: &mut v8::HandleScope, error: v8::Local<v8::Value>, message: Option<String>) {
        let message = message.unwrap_or_else(|| exception_with_location(scope, error));
        let cause = Some(v8::Global::new(scope, error));
        self.func = Some(Func::Failed { message: format!("the thread's context failed: {message}"), cause });
    }

    fn start_call(&mut self, scope: &mut v8::HandleScope, call_id: u64, args: crate::engine::Payload, timeout_ms: Option<f64>, wait_us: f64) {
        if !self.control.begin_call(call_id) {
            return; // cancelled while queued; the caller already has its answer
        }
        self.current = Some(Current { call_id, started: Instant::now(), wait_us, promise: None });
        if let Some(ms) = timeout_ms {
            watchdog::arm(&self.control, call_id, ms);
        }
        let func = match &self.func {
            Some(Func::Ready(f)) => v8::Local::new(scope, f),
            Some(Func::Failed { message, cause }) => {
                let message = message.clone();
                let cause = cause.as_ref().map(|c| v8::Local::new(scope, c));
                let cause = cause.and_then(|c| codec::encode(scope, c, "cause", &[]).ok());
                return self.finish(scope, Outcome::Failed { code: "ERR_INVALID_ARG", message, cause });
            }
            _ => unreachable!("calls start only once the context settled"),
        };
        let tc = &mut v8::TryCatch::new(scope);
        let args = match codec::decode(tc, args) {
            Ok(v) => v,
            Err(codec::DecodeError(message)) => {
                return self.finish(tc, Outcome::Failed { code: "ERR_CLONE", message, cause: None })
            }
        };
        let argv: Vec<v8::Local<v8::Value>> = match v8::Local::<v8::Array>::try_from(args) {
            Ok(arr) => (0..arr.length()).filter_map(|i| arr.get_index(tc, i)).collect(),
            Err(_) => vec![args],
        };
        let recv = v8::undefined(tc).into();
        match func.call(tc, recv, &argv) {
            Some(v) if v.is_promise() => {
                let p = v8::Local::<v8::Promise>::try_from(v).expect("checked is_promise");
                if let Some(cur) = self.current.as_mut() {
                    cur.promise = Some(v8::Global::new(tc, p));
                }
            }
            Some(v) => {
                let outcome = self.encode_value(tc, v);
                self.finish(tc, outcome);
            }
            None if tc.has_terminated() => {} // the interrupt is handled at the loop's top
            None => {
                let exc = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
                let outcome = encode_thrown(tc, exc);
                self.finish(tc, outcome);
            }
        }
    }

    /// Settle the call in flight (if any) with `outcome`.
    fn finish(&mut self, scope: &mut v8::HandleScope, outcome: Outcome) {
        let Some(cur) = self.current.take() else { return };
        let mut outcome = outcome;
        let mut stats = v8::HeapStatistics::default();
        scope.get_heap_statistics(&mut stats);
        if stats.used_heap_size() > stats.heap_size_limit() {
            // One large allocation can pass the limit without a GC to notice
            // (the heap-limit callback runs on GC): the call still failed.
            self.control.out_of_memory();
        }
        match self.control.end_call() {
            None => {}
            Some(Interrupt::MemoryLimit) => {
                // The heap crossed the limit inside a builtin that never
                // checked for interrupts: the call still failed, and the
                // thread goes (handled at the loop's top).
                if !matches!(outcome, Outcome::Failed { code: "ERR_MEMORY_LIMIT", .. }) {
                    outcome = self.out_of_memory_outcome();
                }
            }
            Some(_) => {
                // A timeout or abort raced with the end of the call: the call
                // is over, so the termination must not hit the next one.
                scope.cancel_terminate_execution();
            }
        }
        let failed = !matches!(outcome, Outcome::Value(_));
        self.control.record_run(failed, stats.used_heap_size(), stats.heap_size_limit());
        let run_us = cur.started.elapsed().as_secs_f64() * 1e6;
        self.sink.send(Event::Done { thread: self.control.id, call_id: cur.call_id, outcome, wait_us: cur.wait_us, run_us });
    }

    /// Timeout or abort: end the running call and drop everything it left
    /// behind (timers, microtasks, unhandled rejections); globals stay.
    fn stop_call(&mut self, scope: &mut v8::HandleScope, why: Interrupt) {
        scope.cancel_terminate_execution();
        self.drop_pending(scope);
        let label = &self.control.label;
        let (code, message) = match why {
            Interrupt::Timeout(ms) => ("ERR_TIMEOUT", format!("{label} timed out after {ms} ms")),
            _ => ("ERR_ABORTED", format!("the call on {label} was aborted")),
        };
        if self.current.is_some() {
            self.finish(scope, Outcome::Failed { code, message, cause: None });
        }
    }

    fn drop_pending(&mut self, scope: &mut v8::HandleScope) {
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            st.timers.clear_all();
            st.rejections.clear();
        }
        {
            let tc = &mut v8::TryCatch::new(scope);
            let clear = v8::Local::new(tc, &self.hooks.clear_all);
            let recv = v8::undefined(tc).into();
            let _ = clear.call(tc, recv, &[]);
        }
        // V8 empties the whole microtask queue when a checkpoint is terminated.
        scope.terminate_execution();
        scope.perform_microtask_checkpoint();
        scope.cancel_terminate_execution();
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            st.rejections.clear();
        }
    }
}
