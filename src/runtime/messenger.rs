//! Messengers: process-wide broadcast channels by name. Every endpoint of a
//! name (host environments and threads) receives what any other endpoint
//! sends, never the sender, in send order per sender. Messages between
//! threads go straight from one thread's channel to another's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crossbeam_channel::Sender;

pub use super::messages::Packed;
use super::messages::{Event, EventSink, Job};
use super::payload::Payload;

/// Who is on a channel.
#[derive(Clone)]
pub enum Endpoint {
    /// A host environment (all its Messenger objects of the name).
    Host {
        /// Key of the environment (unique per Host).
        key: usize,
        /// Where its events go.
        sink: Arc<dyn EventSink>,
    },
    /// An isolate thread.
    Thread {
        /// The thread's id.
        id: u32,
        /// Its job channel.
        jobs: Sender<Job>,
    },
}

impl Endpoint {
    fn same(&self, other: &Endpoint) -> bool {
        match (self, other) {
            (Endpoint::Host { key: a, .. }, Endpoint::Host { key: b, .. }) => a == b,
            (Endpoint::Thread { id: a, .. }, Endpoint::Thread { id: b, .. }) => a == b,
            _ => false,
        }
    }
}

type Channels = Mutex<HashMap<String, Vec<Endpoint>>>;

fn channels() -> &'static Channels {
    static C: OnceLock<Channels> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// Put `endpoint` on channel `name` (once).
pub fn join(name: &str, endpoint: Endpoint) {
    let mut c = channels().lock().unwrap_or_else(|p| p.into_inner());
    let list = c.entry(name.to_owned()).or_default();
    if !list.iter().any(|e| e.same(&endpoint)) {
        list.push(endpoint);
    }
}

/// Take `endpoint` off channel `name`.
pub fn leave(name: &str, endpoint: &Endpoint) {
    let mut c = channels().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(list) = c.get_mut(name) {
        list.retain(|e| !e.same(endpoint));
        if list.is_empty() {
            c.remove(name);
        }
    }
}

/// Take a thread off every channel (it ended).
pub fn leave_all_threads(id: u32) {
    let mut c = channels().lock().unwrap_or_else(|p| p.into_inner());
    c.retain(|_, list| {
        list.retain(|e| !matches!(e, Endpoint::Thread { id: t, .. } if *t == id));
        !list.is_empty()
    });
}

/// Send several messages to every endpoint of `name` but `from`, in order,
/// as one job per thread (one wake-up for the lot).
pub fn broadcast_many(name: &str, from: &Endpoint, batch: Packed) {
    let targets: Vec<Endpoint> = {
        let c = channels().lock().unwrap_or_else(|p| p.into_inner());
        c.get(name).map(|list| list.iter().filter(|e| !e.same(from)).cloned().collect()).unwrap_or_default()
    };
    let batch = Arc::new(batch);
    for target in targets {
        match target {
            Endpoint::Host { sink, .. } => {
                let events = (0..batch.len())
                    .map(|i| {
                        let payload = Payload { bytes: batch.get(i).to_vec().into(), ..Default::default() };
                        Event::MessengerMessage { name: name.to_owned(), payload, close: false }
                    })
                    .collect();
                sink.send_all(events);
            }
            Endpoint::Thread { jobs, .. } => {
                let _ = jobs.send(Job::MessengerBatch { name: name.to_owned(), batch: batch.clone() });
            }
        }
    }
}

/// Send `payload` to every endpoint of `name` but `from`. With `close`,
/// the message closes every endpoint (closeAll) and the channel is removed.
pub fn broadcast(name: &str, from: &Endpoint, payload: &Payload, close: bool) {
    let targets: Vec<Endpoint> = {
        let mut c = channels().lock().unwrap_or_else(|p| p.into_inner());
        let list = if close { c.remove(name).unwrap_or_default() } else { c.get(name).cloned().unwrap_or_default() };
        list.into_iter().filter(|e| !e.same(from)).collect()
    };
    for target in targets {
        let payload = payload.share();
        match target {
            Endpoint::Host { sink, .. } => sink.send(Event::MessengerMessage { name: name.to_owned(), payload, close }),
            Endpoint::Thread { jobs, .. } => {
                let _ = jobs.send(Job::MessengerMessage { name: name.to_owned(), payload, close });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Mutex<Vec<String>>);
    impl EventSink for Collect {
        fn send(&self, event: Event) {
            if let Event::MessengerMessage { name, payload, .. } = event {
                self.0.lock().unwrap().push(format!("{name}:{:?}", payload.bytes));
            }
        }
    }

    #[test]
    fn every_endpoint_but_the_sender_receives_in_order() {
        let a = Arc::new(Collect(Mutex::default()));
        let b = Arc::new(Collect(Mutex::default()));
        let (tx, rx) = crossbeam_channel::unbounded();
        let ea = Endpoint::Host { key: 1, sink: a.clone() };
        let eb = Endpoint::Host { key: 2, sink: b.clone() };
        let et = Endpoint::Thread { id: 7, jobs: tx };
        join("test-chan", ea.clone());
        join("test-chan", eb.clone());
        join("test-chan", et.clone());
        join("test-chan", ea.clone()); // once only
        for i in 0..3u8 {
            broadcast("test-chan", &ea, &Payload { bytes: vec![i].into(), ..Default::default() }, false);
        }
        assert!(a.0.lock().unwrap().is_empty(), "never the sender");
        assert_eq!(*b.0.lock().unwrap(), vec!["test-chan:[0]", "test-chan:[1]", "test-chan:[2]"]);
        let got: Vec<u8> = rx
            .try_iter()
            .filter_map(|j| match j {
                Job::MessengerMessage { payload, .. } => Some(payload.bytes[0]),
                _ => None,
            })
            .collect();
        assert_eq!(got, vec![0, 1, 2]);
        leave("test-chan", &eb);
        leave_all_threads(7);
        broadcast("test-chan", &ea, &Payload::default(), false);
        assert_eq!(b.0.lock().unwrap().len(), 3);
        leave("test-chan", &ea);
    }
}
