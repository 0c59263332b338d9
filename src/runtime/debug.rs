//! What a thread is told for debugging: where its context's source stands
//! in the user's file, and whether it serves the DevTools protocol.

/// Where a function context's text starts in the user's file.
#[derive(Clone, Debug)]
pub struct SourceOrigin {
    /// The file as the host's stack traces name it (a path or a `file:` URL).
    pub file: String,
    /// 0-based line of the function's first character.
    pub line: i32,
    /// 0-based column of the function's first character.
    pub column: i32,
}

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};

use crossbeam_channel::{Receiver, Sender};

use super::control::Control;
use super::messages::Job;

/// What reaches a thread's inspector, in order.
pub enum InspectorMsg {
    /// A new protocol session; what V8 answers goes to `out`. When `out`'s
    /// receiver is dropped the far side is gone.
    Connect {
        /// The session's id (process-unique).
        session: u32,
        /// Where responses and notifications go.
        out: Sender<String>,
    },
    /// One protocol message (JSON) of session `session`.
    Message {
        /// The session it belongs to.
        session: u32,
        /// The JSON text.
        text: String,
    },
    /// The session is over (a socket closed, a profile finished).
    Disconnect {
        /// The session.
        session: u32,
    },
}

static NEXT_SESSION: AtomicU32 = AtomicU32::new(1);

/// The sending half of a thread's inspector: queues a message, then wakes
/// the thread (idle: its job channel; running JS: an interrupt).
#[derive(Clone)]
pub struct InspectorLink {
    tx: Sender<InspectorMsg>,
    control: Weak<Control>,
}

impl InspectorLink {
    /// A link and the receiver the thread's isolate reads.
    pub fn new(control: &Arc<Control>) -> (Self, Receiver<InspectorMsg>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        (Self { tx, control: Arc::downgrade(control) }, rx)
    }

    /// Open a session; returns its id and the receiver of what V8 says.
    pub fn connect(&self) -> (u32, Receiver<String>) {
        let session = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
        let (out, rx) = crossbeam_channel::unbounded();
        self.send(InspectorMsg::Connect { session, out });
        (session, rx)
    }

    /// Queue `msg` and wake the thread. False when the thread has ended.
    pub fn send(&self, msg: InspectorMsg) -> bool {
        if self.tx.send(msg).is_err() {
            return false;
        }
        if let Some(c) = self.control.upgrade() {
            c.poke_inspector();
            let _ = c.sender().send(Job::Wake);
        }
        true
    }
}

/// A thread's inspector settings.
#[derive(Clone, Debug)]
pub struct InspectConfig {
    /// Interface to listen on (127.0.0.1 unless given).
    pub host: String,
    /// Port; 0 picks a free one (shared by every thread asking for 0).
    pub port: u16,
    /// Pause before the context runs, until a debugger says go.
    pub brk: bool,
}
