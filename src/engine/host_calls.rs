//! Host functions (RUNTIME.md §4): `parent.host.name(...args)` inside a
//! thread sends its encoded arguments to the host (`Event::HostCall`) and
//! returns a promise; the host runs the function and its answer
//! (`Job::HostReply`) settles the promise.
//!
//! Every host call has a number, unique in the process (a pool's thread
//! that ran out of memory gets a fresh isolate on the same queue: an
//! answer meant for the old one must not match a call of the new one). A
//! call that is stopped (timeout, abort) drops the pending host
//! calls of its realm, as it drops its timers: a late answer then finds no
//! number and is dropped, so it never reaches a dead or a later call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::codec;
use super::event_loop::Loop;
use super::globals::{type_error, ThreadState};
use crate::engine::Payload;
use crate::runtime::Event;

/// How long a thread waiting for a host call's answer polls for it before
/// it parks: the host usually answers within microseconds, and a parked
/// thread takes ~25 µs to wake.
pub(super) const ANSWER_SPIN: Duration = Duration::from_micros(100);

/// The next host call's number (process-wide).
static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

/// The call in flight on a thread: its id and the id it is reported
/// under (its pool's, else the thread's own).
#[derive(Clone, Copy)]
pub(crate) struct CallRef {
    /// The call's id.
    pub id: u64,
    /// The thread its events are reported as.
    pub owner: u32,
}

/// A host call waiting for its answer.
struct Pending {
    resolver: v8::Global<v8::PromiseResolver>,
    realm: u32,
}

/// The host calls of one thread, and the host functions each realm may call.
pub(crate) struct HostCalls {
    /// Names by realm: 0 is the thread's own (or its service's); a task's
    /// realm has its define() API's.
    names: HashMap<u32, Arc<[String]>>,
    pending: HashMap<u64, Pending>,
    /// When the last host call was sent.
    last_sent: Option<Instant>,
}

impl HostCalls {
    /// The host functions of the main realm are `main`.
    pub fn new(main: Arc<[String]>) -> Self {
        Self { names: HashMap::from([(0, main)]), pending: HashMap::new(), last_sent: None }
    }

    /// Realm `realm` may call the host functions `names`.
    pub fn set_names(&mut self, realm: u32, names: Arc<[String]>) {
        self.names.insert(realm, names);
    }

    /// Drop the host calls realm `realm` waits for (their answers will be
    /// dropped); a realm other than the main one also loses its names.
    pub fn drop_realm(&mut self, realm: u32) {
        self.pending.retain(|_, p| p.realm != realm);
        if realm != 0 {
            self.names.remove(&realm);
        }
    }

    /// Until when the loop should poll for an answer rather than park:
    /// shortly after a host call was sent, while one is awaited.
    pub fn spin_until(&self) -> Option<Instant> {
        let until = self.last_sent? + ANSWER_SPIN;
        (!self.pending.is_empty() && until > Instant::now()).then_some(until)
    }
}

fn state<'a>(scope: &'a mut v8::HandleScope) -> &'a mut ThreadState {
    scope.get_slot_mut::<ThreadState>().expect("thread state is installed before any JS runs")
}

/// `host.readFile(args[0]) is …` from `args[0] is …`: clone errors name the
/// host function. (A path ends at its last " is ": what follows names a
/// kind of value, which never contains one.)
fn in_host_call(name: &str, message: &str) -> String {
    match message.strip_prefix("args").and_then(|rest| rest.rfind(" is ").map(|i| rest.split_at(i))) {
        Some((path, tail)) => format!("host.{name}(args{path}){tail}"),
        None => format!("host.{name}(args): {message}"),
    }
}

/// `native.hostNames(realm)`: the names of the host functions realm
/// `realm` may call.
pub(super) fn host_names(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let realm = args.get(0).uint32_value(scope).unwrap_or(0);
    let names = state(scope).host.names.get(&realm).cloned().unwrap_or_else(|| Arc::from([]));
    let list: Vec<v8::Local<v8::Value>> = names.iter().filter_map(|n| v8::String::new(scope, n)).map(Into::into).collect();
    rv.set(v8::Array::new_with_elements(scope, &list).into());
}

/// `native.hostCall(realm, name, args)`: send the call to the host and
/// return a promise of its answer. Arguments that cannot be cloned reject
/// it with ERR_CLONE naming the path (`host.readFile(args[0])`).
pub(super) fn host_call(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let realm = args.get(0).uint32_value(scope).unwrap_or(0);
    let name = args.get(1).to_rust_string_lossy(scope);
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let tc = &mut v8::TryCatch::new(scope);
    let payload = match codec::encode(tc, args.get(2), "args", &[]) {
        Ok(p) => p,
        Err(codec::EncodeError::Clone(message)) => {
            let error = type_error(tc, &in_host_call(&name, &message), Some("ERR_CLONE"));
            resolver.reject(tc, error);
            return;
        }
        Err(codec::EncodeError::Exception) => {
            // A getter threw (rejects with its error), or the call is being
            // stopped (the TryCatch hands the termination on).
            if let Some(error) = tc.exception().filter(|_| !tc.has_terminated()) {
                tc.reset();
                resolver.reject(tc, error);
            }
            return;
        }
    };
    let resolver = v8::Global::new(tc, resolver);
    let st = state(tc);
    let seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed);
    st.host.pending.insert(seq, Pending { resolver, realm });
    st.host.last_sent = Some(Instant::now());
    let call_id = st.call.map_or(crate::runtime::NO_CALL, |c| c.id);
    st.sink.send(Event::HostCall { thread: st.thread_id, call_id, seq, name, args: payload });
}

impl Loop {
    /// The host answered host call `seq`: settle its promise in its realm,
    /// unless the call that made it was stopped meanwhile.
    pub(super) fn host_reply(&mut self, scope: &mut v8::HandleScope, seq: u64, thrown: bool, payload: Payload) {
        let Some(pending) = scope.get_slot_mut::<ThreadState>().and_then(|st| st.host.pending.remove(&seq)) else {
            return; // dropped: its call was stopped, or its realm is gone
        };
        let Some(realm) = self.realms.get(pending.realm) else { return };
        let scope = &mut v8::HandleScope::new(scope);
        let context = v8::Local::new(scope, &realm.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        let tc = &mut v8::TryCatch::new(scope);
        let resolver = v8::Local::new(tc, pending.resolver);
        let _ = match codec::decode(tc, payload) {
            Ok(value) if thrown => resolver.reject(tc, value),
            Ok(value) => resolver.resolve(tc, value),
            Err(codec::DecodeError(message)) => {
                let error = type_error(tc, &format!("a host function's answer could not be decoded: {message}"), Some("ERR_CLONE"));
                resolver.reject(tc, error)
            }
        };
    }
}
