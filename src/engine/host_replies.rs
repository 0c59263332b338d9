//! The loop's side of host calls (`host_calls`): the host's answer
//! (`Job::HostReply`) settles the promise of the call that asked, in its
//! realm. A part of `Loop` like `calls.rs`, apart from the native functions
//! that send host calls so those name nothing of the loop.

use super::codec;
use super::event_loop::Loop;
use super::thread_state::ThreadState;
use super::throw::type_error;
use crate::engine::Payload;

impl Loop {
    /// The host answered host call `seq`: settle its promise in its realm,
    /// unless the call that made it was stopped meanwhile.
    pub(super) fn host_reply(&mut self, scope: &mut v8::HandleScope, seq: u64, thrown: bool, payload: Payload) {
        let Some((resolver, realm)) = scope.get_slot_mut::<ThreadState>().and_then(|st| st.host.answered(seq)) else {
            return; // dropped: its call was stopped, or its realm is gone
        };
        let Some(realm) = self.realms.get(realm) else { return };
        let scope = &mut v8::HandleScope::new(scope);
        let context = v8::Local::new(scope, &realm.context);
        let scope = &mut v8::ContextScope::new(scope, context);
        let tc = &mut v8::TryCatch::new(scope);
        let resolver = v8::Local::new(tc, resolver);
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
