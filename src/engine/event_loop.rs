//! The per-thread event loop: jobs, timers, platform tasks, microtasks,
//! messages, and interrupts. What a call does is in `calls.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::call_state::{self, CallState};
use super::codec;
use super::config::IsolateConfig;
use super::intake::Intake;
use super::outcome::exception_with_location;
use super::platform;
use super::realm::{self, Realm};
use super::realms::{self, Realms};
use super::thread_state::ThreadState;
use crate::runtime::batch::BatchingSink;
use crate::runtime::{Control, Event, EventSink, ExitReason, Interrupt, Job, Outcome};

/// What the thread's main realm holds.
pub(super) enum Main {
    /// A Thread's context returned a promise that has not settled yet.
    Pending(v8::Global<v8::Promise>),
    /// A Thread's function, ready to run.
    Ready(v8::Global<v8::Function>),
    /// A Thread's context failed: every call rejects with ERR_INVALID_ARG.
    Failed { message: String, cause: Option<v8::Global<v8::Value>> },
    /// A service's definitions object, and the function that reads a
    /// task and its hooks from it in one call (`Loop::service_lookup`).
    Defs { defs: v8::Global<v8::Object>, lookup: Option<v8::Global<v8::Function>> },
}

/// Messenger messages handed to a realm's listeners in one JS call.
const MESSAGES_PER_CALL: usize = 1024;

const POLL_MIN: Duration = Duration::from_micros(100);
const POLL_MAX: Duration = Duration::from_millis(10);

/// While jobs wait for this thread, it runs V8's platform tasks (GC steps,
/// FinalizationRegistry cleanups, `Atomics.waitAsync` wake-ups) at most
/// this often; before it may wait, at every turn. Pumping takes the
/// platform's process-wide lock: at every call, the two threads of a pool
/// running a burst of fib(20) calls spent ~0.13 µs a call in it (perf).
const PUMP_EVERY: Duration = Duration::from_micros(500);

/// State of one thread's loop; V8 handles are only ever `Global`s here.
pub(crate) struct Loop {
    pub(super) control: Arc<Control>,
    /// Where jobs come from.
    pub(super) intake: Intake,
    pub(super) sink: Arc<BatchingSink>,
    pub(super) script_name: String,
    /// Where the context's source stands in the user's file.
    origin: Option<crate::runtime::debug::SourceOrigin>,
    /// Messages for the inspector (checked each turn; see `inspector`).
    inspector: Receiver<crate::runtime::debug::InspectorMsg>,
    inspect_brk: bool,
    failure: Option<String>,
    pub(super) realms: Realms,
    /// Property keys of task and hook names, made once (`Loop::hook`).
    pub(super) keys: std::collections::HashMap<Box<str>, v8::Global<v8::String>>,
    /// A service's task names and their keys, at index `id - 1` of the
    /// host's id of each (`Loop::service_task`).
    pub(super) tasks: Vec<Option<(std::rc::Rc<str>, v8::Global<v8::String>)>>,
    pub(super) main: Option<Main>,
    /// The call in flight and its bookkeeping.
    pub(super) calls: CallState,
    /// A service: uncaught errors go to its exceptionHandler, never to a call.
    pub(super) service: bool,
    /// spawn(): an empty event loop settles the call (with undefined), and
    /// the thread ends once a call settled and the loop is empty.
    one_shot: bool,
    poll: Duration,
    /// When the platform's tasks were last run (see PUMP_EVERY).
    pumped_at: Instant,
    /// The process-wide platform, held rather than fetched every turn.
    platform: v8::SharedRef<v8::Platform>,
    /// The `data` option, decoded once before the context runs.
    data: Option<crate::engine::Payload>,
    /// Makers of the main realm's shaped call arguments.
    pub(super) makers: codec::Makers,
    /// `sink.sent()` when the call in flight began: its answer may go by
    /// the lane only if no event went out since.
    pub(super) sent_at_begin: u64,
}

impl Loop {
    pub(crate) fn new(
        scope: &mut v8::HandleScope,
        control: Arc<Control>,
        jobs: Receiver<Job>,
        sink: Arc<BatchingSink>,
        main: Realm,
        cfg: &IsolateConfig,
    ) -> Self {
        let makers = codec::Makers::new(main.context.clone());
        let realms = Realms::new(scope, main);
        Self {
            intake: Intake::new(control.clone(), jobs, cfg.pool.clone()),
            control,
            sink,
            script_name: cfg.script_name.clone(),
            origin: cfg.origin.clone(),
            inspector: cfg.inspector.clone(),
            inspect_brk: cfg.inspect_brk,
            failure: cfg.failure.clone(),
            realms,
            keys: Default::default(),
            tasks: Default::default(),
            main: None,
            calls: CallState::new(),
            service: false,
            one_shot: cfg.one_shot,
            poll: POLL_MIN,
            pumped_at: Instant::now(),
            platform: platform::platform(),
            data: cfg.data.as_ref().map(crate::engine::Payload::share),
            makers,
            sent_at_begin: 0,
        }
    }

    /// Evaluate the context (if any), then serve jobs until the thread ends.
    /// What is still batched is sent by the caller once the isolate is gone
    /// (a host that sees ERR_MEMORY_LIMIT finds the room given back).
    pub(crate) fn run(self, outer: &mut v8::HandleScope, source: &str, module: Option<&(String, String)>) -> ExitReason {
        self.serve(outer, source, module)
    }

    fn serve(mut self, outer: &mut v8::HandleScope, source: &str, module: Option<&(String, String)>) -> ExitReason {
        if let Some(message) = self.failure.take() {
            self.main = Some(Main::Failed { message, cause: None });
        } else if self.inspect_brk {
            super::inspector::wait_for_debugger(outer);
        }
        if self.main.is_some() {
        } else if let Some((path, export)) = module {
            let scope = &mut v8::HandleScope::new(outer);
            if self.install_data(scope).is_some() {
                self.evaluate_module(scope, path, export);
            }
        } else if !source.is_empty() {
            let scope = &mut v8::HandleScope::new(outer);
            if let Some(data) = self.install_data(scope) {
                self.evaluate_context(scope, source, data);
            }
        }
        loop {
            // Every handle a turn creates dies with its turn.
            let scope = &mut v8::HandleScope::new(outer);
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
            if self.one_shot && !progressed && self.loop_is_empty(scope) {
                if self.calls.in_flight() {
                    let undefined = v8::undefined(scope).into();
                    let outcome = self.encode_value(scope, undefined);
                    self.finish(scope, outcome);
                    continue;
                }
                if self.calls.settled_once() && !matches!(self.main, Some(Main::Pending(_))) {
                    return ExitReason::Closed;
                }
            }
            // The host hears of results once per batch: right away when this
            // thread is about to wait, else when enough piled up.
            let waiting = self.waiting();
            if self.busy() || waiting == 0 {
                self.sink.flush();
                self.control.counters.cpu.sample(false);
            } else {
                self.sink.flush_if_due(waiting, self.calls.last_run(), self.calls.last_end());
            }
            if self.busy() {
                self.wait_busy(scope, progressed);
            } else if let Some(job) = self.next_job(scope) {
                match job {
                    Job::Close if !self.intake.close_after_queue() => return ExitReason::Closed,
                    Job::Close => {}
                    job => self.start(scope, job),
                }
            } else if self.intake.closing() {
                return ExitReason::Closed;
            }
        }
    }

    fn out_of_memory_outcome(&self) -> Outcome {
        call_state::out_of_memory_outcome(&self.control)
    }

    /// Jobs this thread has still to take.
    pub(super) fn waiting(&self) -> usize {
        self.intake.waiting()
    }

    /// The next job when idle, waiting until the next timer at most (the
    /// batched results are sent before it waits).
    fn next_job(&mut self, scope: &mut v8::HandleScope) -> Option<Job> {
        let timer = scope.get_slot::<ThreadState>().and_then(|st| st.timers.next_deadline());
        let sink = &self.sink;
        self.intake.next_job(timer, || sink.flush())
    }

    /// Nothing can run any more: no timer, no platform task, no job.
    fn loop_is_empty(&self, scope: &mut v8::HandleScope) -> bool {
        let no_timers = scope.get_slot::<ThreadState>().is_some_and(|st| st.timers.is_empty());
        no_timers && !scope.has_pending_background_tasks() && self.intake.is_empty()
    }

    pub(super) fn busy(&self) -> bool {
        self.calls.in_flight() || matches!(self.main, Some(Main::Pending(_)))
    }

    /// One turn: due timers, platform tasks, microtasks, unhandled
    /// rejections, then settle what can be settled. True if anything ran.
    fn turn(&mut self, scope: &mut v8::HandleScope) -> bool {
        let mut progressed = false;
        if !self.inspector.is_empty() {
            super::inspector::pump(scope);
        }
        // Microtasks queued by what ran last (a call's synchronous part) run
        // before any timer, as in Node.
        scope.perform_microtask_checkpoint();
        if scope.is_execution_terminating() {
            return true;
        }
        let now = Instant::now();
        loop {
            let due = scope.get_slot_mut::<ThreadState>().and_then(|st| st.timers.pop_due(now));
            let Some(id) = due else { break };
            progressed = true;
            let Some(realm) = self.realms.get((id >> 32) as u32) else { continue };
            let tc = &mut v8::TryCatch::new(scope);
            let fire = v8::Local::new(tc, &realm.hooks.fire);
            let arg = v8::Number::new(tc, id as f64).into();
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
        let mut pumped = false;
        if self.intake.is_empty() || now.saturating_duration_since(self.pumped_at) >= PUMP_EVERY {
            self.pumped_at = now;
            while v8::Platform::pump_message_loop(&self.platform, scope, false) {
                pumped = true;
            }
        }
        if pumped {
            // What the platform's tasks queued (timers checkpoint each).
            progressed = true;
            scope.perform_microtask_checkpoint();
            if scope.is_execution_terminating() {
                return true;
            }
        }
        self.check_rejections(scope);
        self.check_main_settled(scope);
        self.check_settled(scope);
        progressed
    }

    /// The context's promise settled: the thread's function, or its failure.
    fn check_main_settled(&mut self, scope: &mut v8::HandleScope) {
        let Some(Main::Pending(p)) = &self.main else { return };
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

    /// An error nobody caught: it rejects the call in flight (Threads), fails
    /// a pending context, or is reported to the host.
    pub(super) fn uncaught(&mut self, scope: &mut v8::HandleScope, error: v8::Local<v8::Value>) {
        if !self.service && self.calls.in_flight() {
            let outcome = super::outcome::encode_thrown(scope, error);
            self.finish(scope, outcome);
        } else if matches!(self.main, Some(Main::Pending(_))) {
            self.context_failed(scope, error, None);
        } else {
            let tc = &mut v8::TryCatch::new(scope);
            let payload = codec::encode(tc, error, "error", &[]).ok().or_else(|| {
                tc.reset();
                let text = super::outcome::display_string(tc, error);
                let s = v8::String::new(tc, &text)?;
                codec::encode(tc, s.into(), "error", &[]).ok()
            });
            if let Some(error) = payload {
                self.sink.send(Event::Uncaught { thread: self.control.id, error });
            }
        }
    }

    /// A call whose function returned a value (not a promise): its
    /// microtasks run first, and a rejection still unhandled at their end
    /// rejects the call instead (API.md §7; finish then does nothing).
    /// A service's go to its exceptionHandler: its calls settle at once.
    pub(super) fn settle_returned(&mut self, scope: &mut v8::HandleScope, outcome: Outcome) {
        if !self.service {
            scope.perform_microtask_checkpoint();
            if scope.is_execution_terminating() {
                return; // a timeout or abort: handled at the loop's top
            }
            self.check_rejections(scope);
        }
        self.finish(scope, outcome);
    }

    fn check_rejections(&mut self, scope: &mut v8::HandleScope) {
        let list = match scope.get_slot_mut::<ThreadState>() {
            Some(st) if !st.rejections.is_empty() => std::mem::take(&mut st.rejections),
            _ => return,
        };
        for (promise, value) in list {
            let own = self.calls.promise().is_some_and(|p| *p == promise) || matches!(&self.main, Some(Main::Pending(p)) if *p == promise);
            if own {
                continue; // settled through the call itself
            }
            let value = v8::Local::new(scope, value);
            self.uncaught(scope, value);
        }
    }

    /// Wait while a call (or the context) is in flight: for a job to queue
    /// up, a timer, or a platform task to poll for. Messages are handled at
    /// once; other jobs wait in the backlog.
    fn wait_busy(&mut self, scope: &mut v8::HandleScope, progressed: bool) {
        self.poll = if progressed { POLL_MIN } else { (self.poll * 2).min(POLL_MAX) };
        let mut until = Instant::now() + self.poll;
        if let Some(d) = scope.get_slot::<ThreadState>().and_then(|st| st.timers.next_deadline()) {
            until = until.min(d);
        }
        // A host call's answer usually comes within microseconds: poll for
        // it a little before parking.
        let spin = scope.get_slot::<ThreadState>().and_then(|st| st.host.spin_until());
        match self.intake.recv_busy(spin, until) {
            Ok(Job::Wake) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
            Ok(
                job @ (Job::Message { .. }
                | Job::HostReply { .. }
                | Job::MessengerAttach { .. }
                | Job::MessengerMessage { .. }
                | Job::MessengerBatch { .. }),
            ) => {
                self.poll = POLL_MIN;
                self.start(scope, job);
            }
            Ok(job) => {
                self.poll = POLL_MIN;
                self.intake.defer(job);
            }
        }
    }

    /// A host message for the main realm's `parent.onMessage` listeners.
    pub(super) fn dispatch(&mut self, scope: &mut v8::HandleScope, payload: crate::engine::Payload) {
        let Some(realm) = self.realms.get(realms::MAIN) else { return };
        let dispatch = v8::Local::new(scope, &realm.hooks.dispatch);
        let tc = &mut v8::TryCatch::new(scope);
        let value = match codec::decode(tc, payload) {
            Ok(v) => v,
            Err(codec::DecodeError(message)) => {
                let text = v8::String::new(tc, &format!("a message could not be decoded: {message}")).unwrap();
                let err = v8::Exception::error(tc, text);
                return self.uncaught(tc, err);
            }
        };
        let recv = v8::undefined(tc).into();
        let _ = dispatch.call(tc, recv, &[value]);
    }

    /// This thread was given messenger `name`: every realm learns of it.
    pub(super) fn messenger_attach(&mut self, scope: &mut v8::HandleScope, name: String) {
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            if !st.messengers.contains(&name) {
                st.messengers.push(name.clone());
            }
        }
        let hooks: Vec<v8::Global<v8::Function>> = self.realms.all().map(|r| r.hooks.messenger_attach.clone()).collect();
        let tc = &mut v8::TryCatch::new(scope);
        let Some(n) = v8::String::new(tc, &name) else { return };
        for h in hooks {
            let h = v8::Local::new(tc, h);
            let recv = v8::undefined(tc).into();
            let _ = h.call(tc, recv, &[n.into()]);
        }
    }

    /// Messages on messenger `name` for every realm's listeners, in order,
    /// one JS call per realm for up to MESSAGES_PER_CALL of them (`close`:
    /// the channel closed, there are no payloads).
    pub(super) fn messenger_messages(
        &mut self,
        scope: &mut v8::HandleScope,
        name: &str,
        count: usize,
        payload: impl Fn(usize) -> crate::engine::Payload,
        close: bool,
    ) {
        let count = if close { 0 } else { count };
        if close {
            if let Some(st) = scope.get_slot_mut::<ThreadState>() {
                st.messengers.retain(|n| n != name);
            }
        }
        let realms = self.realms.ids();
        for realm in realms {
            let mut start = 0;
            loop {
                let end = (start + MESSAGES_PER_CALL).min(count);
                let Some(r) = self.realms.get(realm) else { break };
                let scope = &mut v8::HandleScope::new(scope);
                let context = v8::Local::new(scope, &r.context);
                let hook = v8::Local::new(scope, &r.hooks.messenger_dispatch);
                let scope = &mut v8::ContextScope::new(scope, context);
                let tc = &mut v8::TryCatch::new(scope);
                // A message that cannot be decoded is dropped (our own
                // encoder made it: only a hostile payload fails).
                let values: Vec<v8::Local<v8::Value>> = (start..end).filter_map(|i| codec::decode(tc, payload(i)).ok()).collect();
                let values = v8::Array::new_with_elements(tc, &values).into();
                let Some(n) = v8::String::new(tc, name) else { return };
                let recv = v8::undefined(tc).into();
                let c = v8::Boolean::new(tc, close).into();
                let _ = hook.call(tc, recv, &[n.into(), values, c]);
                if tc.is_execution_terminating() {
                    return;
                }
                start = end;
                if start >= count {
                    break; // (a close runs once, with no payloads)
                }
            }
        }
    }

    /// A module context: its export (awaited, like a context's promise).
    fn evaluate_module(&mut self, scope: &mut v8::HandleScope, path: &str, export: &str) {
        let tc = &mut v8::TryCatch::new(scope);
        match super::modules::evaluate_main(tc, std::path::Path::new(path), export) {
            Some(v) => match v8::Local::<v8::Promise>::try_from(v) {
                Ok(p) => self.main = Some(Main::Pending(v8::Global::new(tc, p))),
                Err(_) => self.set_func(tc, v),
            },
            None if tc.has_terminated() => {}
            None => {
                let exc = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
                let message = exception_with_location(tc, exc);
                self.context_failed(tc, exc, Some(message));
            }
        }
    }

    /// The `data` option (if any), decoded for the context; None when it
    /// cannot be (every call then fails, as for a bad context).
    fn install_data<'s>(&mut self, scope: &mut v8::HandleScope<'s>) -> Option<Option<v8::Local<'s, v8::Value>>> {
        let Some(payload) = self.data.take() else { return Some(None) };
        match realm::install_data(scope, payload) {
            Ok(value) => Some(Some(value)),
            Err(e) => {
                self.main = Some(Main::Failed { message: format!("the thread's data could not be decoded: {e}"), cause: None });
                None
            }
        }
    }

    /// Evaluate a function context and call it (with `data`, if any).
    fn evaluate_context(&mut self, scope: &mut v8::HandleScope, source: &str, data: Option<v8::Local<v8::Value>>) {
        let tc = &mut v8::TryCatch::new(scope);
        let evaluated = match &self.origin {
            Some(o) => realm::evaluate_at(tc, source, &o.file, Some((o.line, o.column))),
            None => realm::evaluate(tc, source, &self.script_name),
        };
        let result = match evaluated {
            Ok(ctx) => match v8::Local::<v8::Function>::try_from(ctx) {
                Ok(f) => {
                    let recv = v8::undefined(tc).into();
                    f.call(tc, recv, data.as_slice())
                }
                Err(_) => None,
            },
            Err(_) => None,
        };
        match result {
            Some(v) if v.is_promise() => {
                let p = v8::Local::<v8::Promise>::try_from(v).expect("checked is_promise");
                self.main = Some(Main::Pending(v8::Global::new(tc, p)));
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
                    self.main = Some(Main::Failed { message, cause: None });
                }
            },
        }
    }

    fn set_func(&mut self, scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) {
        self.main = Some(match v8::Local::<v8::Function>::try_from(value) {
            Ok(f) => Main::Ready(v8::Global::new(scope, f)),
            Err(_) => {
                let got = value.type_of(scope).to_rust_string_lossy(scope);
                Main::Failed { message: format!("the context must return a function to run, got {got}"), cause: None }
            }
        });
    }

    fn context_failed(&mut self, scope: &mut v8::HandleScope, error: v8::Local<v8::Value>, message: Option<String>) {
        let message = message.unwrap_or_else(|| exception_with_location(scope, error));
        let cause = Some(v8::Global::new(scope, error));
        self.main = Some(Main::Failed { message: format!("the thread's context failed: {message}"), cause });
    }

    /// Timeout or abort: end the running call and drop everything it left
    /// behind (timers, microtasks, unhandled rejections); globals stay.
    fn stop_call(&mut self, scope: &mut v8::HandleScope, why: Interrupt) {
        scope.cancel_terminate_execution();
        // A terminated call releases the named locks its thread held.
        crate::runtime::locks::release_all(crate::runtime::locks::Holder::Thread(self.control.id));
        let realm = self.calls.realm();
        self.drop_pending(scope, realm);
        if let Some(r) = self.realms.get(realm) {
            let context = v8::Local::new(scope, &r.context);
            super::modules::forget_unfinished(scope, context);
        }
        if self.calls.in_flight() {
            let outcome = call_state::interrupt_outcome(&self.control, why);
            self.finish(scope, outcome);
        }
    }

    /// Drop the timers and host calls of `realm` and every pending microtask.
    pub(super) fn drop_pending(&mut self, scope: &mut v8::HandleScope, realm: u32) {
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            st.timers.clear_where(|id| (id >> 32) as u32 == realm);
            st.host.drop_realm(realm);
            st.rejections.clear();
        }
        if let Some(r) = self.realms.get(realm) {
            let tc = &mut v8::TryCatch::new(scope);
            let clear = v8::Local::new(tc, &r.hooks.clear_all);
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
