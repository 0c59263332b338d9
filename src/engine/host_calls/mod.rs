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

mod state;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub(crate) use state::{CallRef, HostCalls};

use super::codec;
use super::thread_state::state;
use super::throw::type_error;
use crate::runtime::payload::Payload;
use crate::runtime::Event;

/// The next host call's number (process-wide).
static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

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
    let names = state(scope).host.names(realm).unwrap_or_else(|| Arc::from([]));
    let list: Vec<v8::Local<v8::Value>> = names.iter().filter_map(|n| v8::String::new(scope, n)).map(Into::into).collect();
    rv.set(v8::Array::new_with_elements(scope, &list).into());
}

/// `native.hostCall(realm, index, args)`: send the call of the realm's
/// host function `index` (its place in `hostNames(realm)`) to the host and
/// return a promise of its answer. Arguments that cannot be cloned reject
/// it with ERR_CLONE naming the path (`host.readFile(args[0])`).
pub(super) fn host_call(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let realm = args.get(0).uint32_value(scope).unwrap_or(0);
    let index = args.get(1).uint32_value(scope).unwrap_or(u32::MAX);
    let Some(resolver) = v8::PromiseResolver::new(scope) else { return };
    rv.set(resolver.get_promise(scope).into());
    let tc = &mut v8::TryCatch::new(scope);
    let payload = match codec::encode_rest_args(tc, args.get(2))
        .map_or_else(|| codec::encode(tc, args.get(2), "args", &[]), |bytes| Ok(Payload { bytes: bytes.into(), ..Default::default() }))
    {
        Ok(p) => p,
        Err(codec::EncodeError::Clone(message)) => {
            let names = state(tc).host.names(realm);
            let name = names.as_deref().and_then(|n| n.get(index as usize)).map_or("?", String::as_str);
            let error = type_error(tc, &in_host_call(name, &message), Some("ERR_CLONE"));
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
    st.host.sent(seq, resolver, realm);
    let call_id = st.call.map_or(crate::runtime::NO_CALL, |c| c.id);
    st.sink.send(Event::HostCall { thread: st.thread_id, call_id, seq, index, args: payload });
    st.sink.send_held();
}
