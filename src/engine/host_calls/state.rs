//! The host calls a thread waits for, and the host functions each realm
//! may call: plain bookkeeping held in the thread's state, named by nothing
//! else of the engine.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a thread waiting for a host call's answer polls for it before
/// it parks: the host usually answers within microseconds, and a parked
/// thread takes ~25 µs to wake.
const ANSWER_SPIN: Duration = Duration::from_micros(100);

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

    /// The host functions realm `realm` may call.
    pub fn names(&self, realm: u32) -> Option<Arc<[String]>> {
        self.names.get(&realm).cloned()
    }

    /// Host call `seq` of realm `realm` was sent: `resolver` settles it.
    pub fn sent(&mut self, seq: u64, resolver: v8::Global<v8::PromiseResolver>, realm: u32) {
        self.pending.insert(seq, Pending { resolver, realm });
        self.last_sent = Some(Instant::now());
    }

    /// The answer to host call `seq` came: its resolver and realm, or None
    /// if it was dropped (its call was stopped, or its realm is gone).
    pub fn answered(&mut self, seq: u64) -> Option<(v8::Global<v8::PromiseResolver>, u32)> {
        self.pending.remove(&seq).map(|p| (p.resolver, p.realm))
    }
}
