//! The life of a call: start (a Thread's function, a task in a fresh realm,
//! a service's start or task), settle, and finish with its after-hook.

use std::rc::Rc;
use std::time::Instant;

use super::call_state::{self, PendingTask};
use super::codec;
use super::event_loop::{Loop, Main};
use super::host_calls::CallRef;
use super::outcome::{encode_thrown, exception_with_location};
use super::realm;
use super::realms::MAIN;
use super::thread_state::ThreadState;
use crate::engine::Payload;
use crate::runtime::lane::{self, Lane};
use crate::runtime::{watchdog, Event, Job, Outcome, ServiceTask, MAX_TASK_IDS};

/// Names whose property keys a thread keeps (`Loop::hook`); more are made per call.
const MAX_KEYS: usize = 256;

/// The task of a service call as the thread runs it: its name (for errors
/// and the slow reads) and its key (None when none could be made).
struct Task<'s> {
    name: Rc<str>,
    key: Option<v8::Local<'s, v8::String>>,
}

/// Reads a service's task `k` from its definitions `d`: undefined if it
/// is no function; the task if neither hook is one; else `[task, before,
/// after]`, a hook that is no function as undefined. Same reads, in the same
/// order, as `Loop::hook` for each (prototype chain and getters included);
/// a read that throws counts as no function, as there, so each getter runs
/// once a call (the slow reads are only for a lookup that could not run).
const SERVICE_LOOKUP: &str = "function (d, k) {
  let t, b, a
  try { t = d[k] } catch { return undefined }
  if (typeof t !== 'function') return undefined
  try { b = d.__beforeServiceTask } catch {}
  try { a = d.__afterServiceTask } catch {}
  const fb = typeof b === 'function'
  const fa = typeof a === 'function'
  return fb || fa ? [t, fb ? b : undefined, fa ? a : undefined] : t
}";

/// A task and its hooks, each None unless a function.
struct Found<'s> {
    task: Option<v8::Local<'s, v8::Function>>,
    before: Option<v8::Local<'s, v8::Function>>,
    after: Option<v8::Local<'s, v8::Function>>,
}

/// A failure with a stable code and no cause.
fn failed(code: &'static str, message: String) -> Outcome {
    Outcome::Failed { code, message, cause: None }
}

impl Loop {
    /// Start the job (anything but Close).
    pub(super) fn start(&mut self, scope: &mut v8::HandleScope, job: Job) {
        // One clock read per call start (each is ~25 ns of a µs or two here).
        let now = Instant::now();
        let waited = |at: Instant| now.saturating_duration_since(at).as_secs_f64() * 1e6;
        match job {
            Job::Run { call_id, args, timeout_ms, queued_at } => {
                if self.begin(scope, call_id, timeout_ms, waited(queued_at), MAIN, now) {
                    self.start_run(scope, args);
                }
            }
            Job::Task { call_id, source, host, name, args, timeout_ms, queued_at } => {
                let id = self.realms.next_id();
                if self.begin(scope, call_id, timeout_ms, waited(queued_at), id, now) {
                    host_names(scope, id, host);
                    self.start_task(scope, id, &source, &name, args);
                }
            }
            Job::ServiceStart { call_id, source, host } => {
                if self.begin(scope, call_id, None, 0.0, MAIN, now) {
                    host_names(scope, MAIN, host);
                    self.start_service(scope, &source);
                }
            }
            Job::ServiceCall { call_id, task, args, timeout_ms, queued_at } => {
                // (before begin: a name sent with its id is kept even if this call was cancelled)
                let task = self.service_task(scope, task);
                if self.begin(scope, call_id, timeout_ms, waited(queued_at), MAIN, now) {
                    self.start_service_call(scope, task, args);
                }
            }
            Job::Message { payload } => self.dispatch(scope, payload),
            Job::MessengerAttach { name } => self.messenger_attach(scope, name),
            Job::MessengerMessage { name, payload, close } => self.messenger_messages(scope, &name, 1, |_| payload.share(), close),
            Job::MessengerBatch { name, batch } => self.messenger_messages(
                scope,
                &name,
                batch.len(),
                |i| Payload { bytes: batch.get(i).to_vec().into(), ..Default::default() },
                false,
            ),
            Job::HostReply { seq, thrown, payload } => self.host_reply(scope, seq, thrown, payload),
            Job::Close | Job::Wake => {}
        }
    }

    /// `defs[name]` if it is a function. The key is made once per name (a
    /// call looks up its task and two hooks: three internalized strings a
    /// call otherwise); read anew every time, as defs may change.
    fn hook<'s>(
        &mut self,
        scope: &mut v8::HandleScope<'s>,
        defs: v8::Local<v8::Object>,
        name: &str,
    ) -> Option<v8::Local<'s, v8::Function>> {
        let key = self.key(scope, name)?;
        v8::Local::<v8::Function>::try_from(defs.get(scope, key.into())?).ok()
    }

    /// The property key `name`, kept for the next call (up to `MAX_KEYS`).
    fn key<'s>(&mut self, scope: &mut v8::HandleScope<'s>, name: &str) -> Option<v8::Local<'s, v8::String>> {
        if let Some(k) = self.keys.get(name) {
            return Some(v8::Local::new(scope, k));
        }
        let k = v8::String::new_from_utf8(scope, name.as_bytes(), v8::NewStringType::Internalized)?;
        if self.keys.len() < MAX_KEYS {
            self.keys.insert(name.into(), v8::Global::new(scope, k));
        }
        Some(k)
    }

    /// The name and key of a service call's task: an id's first use keeps
    /// the pair (ids are per service: `start_service` forgets them), later
    /// uses find it by index. None for an id the thread never saw.
    fn service_task<'s>(&mut self, scope: &mut v8::HandleScope<'s>, task: ServiceTask) -> Option<Task<'s>> {
        let ServiceTask { id, name } = task;
        let at = if (1..=MAX_TASK_IDS).contains(&id) { Some(id as usize - 1) } else { None };
        if let (Some(at), None) = (at, &name) {
            let (name, key) = self.tasks.get(at)?.as_ref()?;
            return Some(Task { name: name.clone(), key: Some(v8::Local::new(scope, key)) });
        }
        let name: Rc<str> = name?.into();
        let Some(at) = at else {
            let key = self.key(scope, &name);
            return Some(Task { name, key });
        };
        let key = self.key(scope, &name);
        if let Some(k) = key {
            let table = &mut self.tasks;
            if table.len() <= at {
                table.resize_with(at + 1, || None);
            }
            table[at] = Some((name.clone(), v8::Global::new(scope, k)));
        }
        Some(Task { name, key })
    }

    /// Mark `call_id` as the call in flight from `now`; false if it was cancelled.
    fn begin(
        &mut self,
        scope: &mut v8::HandleScope,
        call_id: u64,
        timeout_ms: Option<f64>,
        wait_us: f64,
        realm: u32,
        now: Instant,
    ) -> bool {
        // A pool's calls are the pool's: answered under its id.
        let owner = self.intake.owner();
        if !self.calls.begin(&self.control, call_id, owner, realm, wait_us, now) {
            self.intake.done(call_id);
            return false; // cancelled while queued; the caller already has its answer
        }
        self.intake.began();
        self.sent_at_begin = self.sink.sent();
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            st.call = Some(CallRef { id: call_id, owner });
        }
        if let Some(ms) = timeout_ms {
            watchdog::arm(&self.control, call_id, ms);
        }
        true
    }

    fn start_run(&mut self, scope: &mut v8::HandleScope, args: Payload) {
        let func = match &self.main {
            Some(Main::Ready(f)) => v8::Local::new(scope, f),
            Some(Main::Failed { message, cause }) => {
                let message = message.clone();
                let cause = cause.as_ref().map(|c| v8::Local::new(scope, c));
                let cause = cause.and_then(|c| codec::encode(scope, c, "cause", &[]).ok());
                return self.finish(scope, Outcome::Failed { code: "ERR_INVALID_ARG", message, cause });
            }
            _ => return self.finish(scope, failed("ERR_INVALID_ARG", "this thread has no function to run".into())),
        };
        self.call(scope, func, None, args);
    }

    fn start_task(&mut self, scope: &mut v8::HandleScope, id: u32, source: &str, name: &str, args: Payload) {
        let Some(context) = self.realms.create(scope, id, self.control.thread_id()) else {
            return self.finish(scope, failed("ERR_INVALID_ARG", "could not create a context for the task".into()));
        };
        self.calls.mark_fresh_realm();
        let scope = &mut v8::ContextScope::new(scope, context);
        let Some(defs) = self.definitions(scope, source) else { return };
        let found = self.found(scope, defs, name, "__beforeTask", "__afterTask");
        self.run_task(scope, defs, name, found, args);
    }

    fn start_service(&mut self, scope: &mut v8::HandleScope, source: &str) {
        self.service = true;
        self.tasks.clear();
        let Some(defs) = self.definitions(scope, source) else { return };
        let tc = &mut v8::TryCatch::new(scope);
        let lookup = match realm::evaluate(tc, SERVICE_LOOKUP, "isothread:service") {
            Ok(f) => v8::Local::<v8::Function>::try_from(f).ok().map(|f| v8::Global::new(tc, f)),
            Err(_) => None, // calls read the definitions one property at a time
        };
        tc.reset();
        self.main = Some(Main::Defs { defs: v8::Global::new(tc, defs), lookup });
        match self.hook(tc, defs, "__initializeService") {
            Some(init) => {
                let id = v8::Integer::new_from_unsigned(tc, self.control.thread_id()).into();
                self.invoke(tc, init, defs.into(), &[id]);
            }
            None => {
                let undefined = v8::undefined(tc).into();
                let outcome = self.encode_value(tc, undefined);
                self.finish(tc, outcome);
            }
        }
    }

    fn start_service_call(&mut self, scope: &mut v8::HandleScope, task: Option<Task>, args: Payload) {
        let (defs, lookup) = match &self.main {
            Some(Main::Defs { defs, lookup }) => (v8::Local::new(scope, defs), lookup.as_ref().map(|f| v8::Local::new(scope, f))),
            _ => return self.finish(scope, failed("ERR_CLOSED", "this thread is not a running service".into())),
        };
        let Some(Task { name, key }) = task else {
            return self.finish(scope, failed("ERR_UNKNOWN_TASK", "there is no task of this id".into()));
        };
        let tc = &mut v8::TryCatch::new(scope);
        let found = match (lookup, key) {
            (Some(f), Some(key)) if !name.starts_with("__") => self.service_lookup(tc, defs, f, key),
            _ => None,
        };
        let found = match found {
            Some(found) => found,
            None => self.found(tc, defs, &name, "__beforeServiceTask", "__afterServiceTask"),
        };
        self.run_task(tc, defs, &name, found, args);
    }

    /// A service's task `name` and its hooks, read by one call of the
    /// thread's `SERVICE_LOOKUP` function (V8's inline caches make its reads
    /// cheap, each `Object::Get` from here costs ~0.1 µs); read live, as
    /// the definitions may change. None if the lookup itself failed (the
    /// getters' errors are caught inside it): the caller reads them one at
    /// a time instead.
    fn service_lookup<'s>(
        &mut self,
        tc: &mut v8::TryCatch<'s, v8::HandleScope>,
        defs: v8::Local<v8::Object>,
        lookup: v8::Local<v8::Function>,
        key: v8::Local<v8::String>,
    ) -> Option<Found<'s>> {
        let Some(v) = lookup.call(tc, defs.into(), &[defs.into(), key.into()]) else {
            if !tc.has_terminated() {
                tc.reset();
            }
            return None;
        };
        if let Ok(task) = v8::Local::<v8::Function>::try_from(v) {
            return Some(Found { task: Some(task), before: None, after: None });
        }
        let Ok(all) = v8::Local::<v8::Array>::try_from(v) else {
            return Some(Found { task: None, before: None, after: None });
        };
        let mut at = |i: u32| all.get_index(tc, i).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok());
        Some(Found { task: at(0), before: at(1), after: at(2) })
    }

    /// Evaluate a definitions object; on failure the call fails.
    fn definitions<'s>(&mut self, scope: &mut v8::HandleScope<'s>, source: &str) -> Option<v8::Local<'s, v8::Object>> {
        let tc = &mut v8::TryCatch::new(scope);
        let name = self.script_name.clone();
        let evaluated = match source.strip_prefix(super::modules::MODULE_DEFINITIONS) {
            Some(path) => super::modules::namespace(tc, std::path::Path::new(path)).ok_or_else(|| tc.exception()),
            None => realm::evaluate(tc, source, &name),
        };
        match evaluated {
            Ok(v) => match v8::Local::<v8::Object>::try_from(v) {
                Ok(o) => Some(o),
                Err(_) => {
                    self.finish(tc, failed("ERR_INVALID_ARG", "the definitions are not an object".into()));
                    None
                }
            },
            Err(None) => None, // terminated: handled at the loop's top
            Err(Some(exc)) => {
                let message = format!("the definitions failed: {}", exception_with_location(tc, exc));
                let cause = codec::encode(tc, exc, "cause", &[]).ok();
                self.finish(tc, Outcome::Failed { code: "ERR_INVALID_ARG", message, cause });
                None
            }
        }
    }

    /// Task `name` of `defs` and its hooks `before` and `after`, each read
    /// with `Loop::hook`.
    fn found<'s>(
        &mut self,
        scope: &mut v8::HandleScope<'s>,
        defs: v8::Local<v8::Object>,
        name: &str,
        before: &str,
        after: &str,
    ) -> Found<'s> {
        let task = if name.starts_with("__") { None } else { self.hook(scope, defs, name) };
        if task.is_none() {
            return Found { task, before: None, after: None };
        }
        Found { task, before: self.hook(scope, defs, before), after: self.hook(scope, defs, after) }
    }

    /// Run task `name` of `defs` between its before- and after-hooks.
    fn run_task(&mut self, scope: &mut v8::HandleScope, defs: v8::Local<v8::Object>, name: &str, found: Found, args: Payload) {
        let tc = &mut v8::TryCatch::new(scope);
        let Some(task) = found.task else {
            return self.finish(tc, failed("ERR_UNKNOWN_TASK", format!("there is no task named {name:?}")));
        };
        let mut awaited = None;
        if let Some(h) = found.before {
            let id = v8::Integer::new_from_unsigned(tc, self.control.thread_id()).into();
            match h.call(tc, defs.into(), &[id]) {
                // An async before-hook (`await messengers.use(name)`) is awaited, as in nanolith.
                Some(v) if v.is_promise() => awaited = v8::Local::<v8::Promise>::try_from(v).ok(),
                Some(_) => {}
                None if tc.has_terminated() => return,
                None => {
                    if let Some(exc) = tc.exception() {
                        self.report_hook_error(tc, exc);
                    }
                    tc.reset();
                }
            }
        }
        if let Some(h) = found.after {
            let h = v8::Global::new(tc, h);
            self.calls.set_after(h);
        }
        match awaited {
            Some(p) if self.calls.in_flight() => {
                let recv: v8::Local<v8::Value> = defs.into();
                let next = PendingTask::new(v8::Global::new(tc, task), v8::Global::new(tc, recv), args);
                let p = v8::Global::new(tc, p);
                self.calls.await_before_hook(p, next);
            }
            _ => self.call(tc, task, Some(defs.into()), args),
        }
    }

    /// The before-hook's promise settled: call the task (a rejection is the
    /// hook's error, reported, never the call's), in the call's realm.
    fn after_before_hook(&mut self, scope: &mut v8::HandleScope, hook: v8::Local<v8::Promise>, next: PendingTask) {
        if hook.state() == v8::PromiseState::Rejected {
            let e = hook.result(scope);
            self.report_hook_error(scope, e);
        }
        let realm = self.calls.realm();
        let Some(context) = self.realms.get(realm).map(|r| v8::Local::new(scope, &r.context)) else {
            return self.finish(scope, failed("ERR_CLOSED", "the task's context is gone".into()));
        };
        let scope = &mut v8::ContextScope::new(scope, context);
        let (task, recv, args) = next.into_parts();
        let task = v8::Local::new(scope, task);
        let recv = v8::Local::new(scope, recv);
        self.call(scope, task, Some(recv), args);
    }

    /// Decode `args` and call `func` with them.
    fn call(&mut self, scope: &mut v8::HandleScope, func: v8::Local<v8::Function>, this: Option<v8::Local<v8::Value>>, args: Payload) {
        let tc = &mut v8::TryCatch::new(scope);
        let argv = match codec::decode_args(tc, args, Some(&mut self.makers)) {
            Ok(v) => v,
            Err(codec::DecodeError(message)) => return self.finish(tc, failed("ERR_CLONE", message)),
        };
        let recv = this.unwrap_or_else(|| v8::undefined(tc).into());
        self.invoke(tc, func, recv, &argv);
    }

    /// Call `func`; a returned promise is awaited by the loop.
    fn invoke(
        &mut self,
        tc: &mut v8::TryCatch<v8::HandleScope>,
        func: v8::Local<v8::Function>,
        recv: v8::Local<v8::Value>,
        argv: &[v8::Local<v8::Value>],
    ) {
        match func.call(tc, recv, argv) {
            Some(v) if v.is_promise() => {
                let p = v8::Local::<v8::Promise>::try_from(v).expect("checked is_promise");
                let p = v8::Global::new(tc, p);
                self.calls.await_promise(p);
            }
            Some(v) => {
                let outcome = self.encode_value(tc, v);
                self.settle_returned(tc, outcome);
            }
            None if tc.has_terminated() => {} // the interrupt is handled at the loop's top
            None => {
                let exc = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
                let outcome = encode_thrown(tc, exc);
                self.finish(tc, outcome);
            }
        }
    }

    /// Settle the call whose promise settled (or start the task whose
    /// before-hook's did).
    pub(super) fn check_settled(&mut self, scope: &mut v8::HandleScope) {
        let Some(p) = self.calls.promise() else { return };
        let p = v8::Local::new(scope, p);
        if p.state() != v8::PromiseState::Pending {
            if let Some(next) = self.calls.take_before_hook() {
                return self.after_before_hook(scope, p, *next);
            }
        }
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

    pub(super) fn encode_value(&mut self, scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Outcome {
        let tc = &mut v8::TryCatch::new(scope);
        match codec::encode(tc, value, "result", &[]) {
            Ok(payload) => Outcome::Value(payload),
            Err(codec::EncodeError::Clone(message)) => failed("ERR_CLONE", message),
            Err(codec::EncodeError::Exception) => match tc.exception() {
                Some(exc) if !tc.has_terminated() => encode_thrown(tc, exc),
                _ => failed("ERR_CLONE", "result could not be read".into()),
            },
        }
    }

    /// Settle the call in flight (if any) with `outcome`, then run its
    /// after-hook and drop a task's realm.
    pub(super) fn finish(&mut self, scope: &mut v8::HandleScope, outcome: Outcome) {
        let Some(cur) = self.calls.settle() else { return };
        if let Some(st) = scope.get_slot_mut::<ThreadState>() {
            st.call = None;
        }
        if cur.check_heap {
            let mut stats = v8::HeapStatistics::default();
            scope.get_heap_statistics(&mut stats);
            if stats.used_heap_size() > stats.heap_size_limit() {
                // One large allocation can pass the limit without a GC to
                // notice (the heap-limit callback runs on GC): the call
                // still failed.
                self.control.out_of_memory();
            }
            self.control.record_heap(stats.used_heap_size(), stats.heap_size_limit());
        }
        let (outcome, raced) = call_state::end_call(&self.control, outcome);
        if raced {
            // A timeout or abort raced with the end of the call: the call
            // is over, so the termination must not hit the next one.
            scope.cancel_terminate_execution();
        }
        let failed = !matches!(outcome, Outcome::Value(_));
        // A thread out of memory answers once its isolate is gone (run_prepared).
        let ending = matches!(outcome, Outcome::Failed { code: "ERR_MEMORY_LIMIT", .. });
        self.control.record_run(failed);
        // A call posted to the lane is answered there while the host waits
        // for it, unless events went out during the call (they come first).
        let quiet_call = self.sink.sent() == self.sent_at_begin;
        if !(quiet_call && answer_in_lane(&self.control.lane, &outcome, cur.wait_us, cur.run_us)) {
            let done = Event::Done { thread: cur.owner, call_id: cur.call_id, outcome, wait_us: cur.wait_us, run_us: cur.run_us };
            self.sink.send_at(done, cur.ended);
        }
        let quiet = !ending && self.waiting() == 0;
        // With none of its own jobs waiting, a free thread takes its pool's
        // next call (or lists itself idle) under the same lock that marks
        // this one done: one lock a call, not two, while calls queue.
        if !ending && !self.busy() && self.intake.is_empty() {
            self.intake.done_then_idle(cur.call_id);
        } else {
            self.intake.done(cur.call_id);
        }
        if quiet {
            self.sink.flush(); // nothing else to do soon: answer now
        }
        self.control.started(); // (after a first call, a spare may be made)
        if scope.is_execution_terminating() || self.control.has_interrupt() {
            return; // the thread is ending or stopping: no more JS here
        }
        if let Some(after) = cur.after {
            let after = v8::Local::new(scope, after);
            let tc = &mut v8::TryCatch::new(scope);
            let id = v8::Integer::new_from_unsigned(tc, self.control.thread_id()).into();
            let recv = v8::undefined(tc).into();
            if after.call(tc, recv, &[id]).is_none() && !tc.has_terminated() {
                if let Some(exc) = tc.exception() {
                    self.report_hook_error(tc, exc);
                }
            }
        }
        if cur.fresh_realm {
            // No state survives a task: its timers, microtasks and context go.
            self.drop_pending(scope, cur.realm);
            self.realms.remove(cur.realm);
        }
    }

    /// A hook threw: the host console (or a service's exceptionHandler)
    /// hears of it; the call's result never changes.
    fn report_hook_error(&mut self, scope: &mut v8::HandleScope, error: v8::Local<v8::Value>) {
        let service = self.service;
        self.service = true; // route to the host, never to the call
        self.uncaught(scope, error);
        self.service = service;
    }
}

/// Realm `realm` may call the host functions `names` (its define()'s).
fn host_names(scope: &mut v8::HandleScope, realm: u32, names: std::sync::Arc<[String]>) {
    if let Some(st) = scope.get_slot_mut::<ThreadState>() {
        st.host.set_names(realm, names);
    }
}

/// Hand `outcome` of the call `lane` brought to the host waiting for it
/// there (a value or thrown value with no shared or moved memory); false
/// when it goes as an event instead.
fn answer_in_lane(lane: &Lane, outcome: &Outcome, wait_us: f64, run_us: f64) -> bool {
    if lane.load() != lane::BUSY {
        return false;
    }
    match outcome {
        Outcome::Value(p) | Outcome::Thrown(p) if p.shared.is_empty() && p.transferred.is_empty() => {
            lane.answer(matches!(outcome, Outcome::Thrown(_)), &p.bytes, wait_us, run_us)
        }
        _ => false,
    }
}
