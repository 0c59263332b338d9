//! Inspector sessions opened from the host (no socket): what
//! `thread.profile()` and `thread.heapSnapshot()` use (lib/inspect.js).

use std::sync::{Arc, Mutex};

use crossbeam_channel::Receiver;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use super::thread::NativeThread;
use crate::runtime::debug::{InspectorLink, InspectorMsg};

/// A DevTools protocol session with one thread, driven from the host.
#[napi]
pub struct InspectorSession {
    link: InspectorLink,
    id: u32,
    from_thread: Arc<Mutex<Receiver<String>>>,
}

#[napi]
impl NativeThread {
    /// The DevTools WebSocket URL, when the thread is inspected.
    #[napi(getter)]
    pub fn inspector_url(&self) -> Option<String> {
        self.handle().inspector_url.clone()
    }

    /// Open a protocol session with the thread's inspector.
    #[napi]
    pub fn inspector_session(&self) -> InspectorSession {
        let link = self.handle().inspector.clone();
        let (id, rx) = link.connect();
        InspectorSession { link, id, from_thread: Arc::new(Mutex::new(rx)) }
    }
}

#[napi]
impl InspectorSession {
    /// Send message `text` (JSON with numeric `id`); resolves with the
    /// response's JSON, or, for `HeapProfiler.takeHeapSnapshot`, with the
    /// snapshot's text. Null when the thread ended first. One command at
    /// a time per session.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn post(&self, id: u32, text: String, snapshot: Option<bool>) -> AsyncTask<Command> {
        AsyncTask::new(Command {
            link: self.link.clone(),
            session: self.id,
            from_thread: self.from_thread.clone(),
            id,
            text: Some(text),
            snapshot: snapshot.unwrap_or(false),
        })
    }

    /// End the session.
    #[napi]
    pub fn close(&self) {
        self.link.send(InspectorMsg::Disconnect { session: self.id });
    }
}

impl Drop for InspectorSession {
    fn drop(&mut self) {
        self.close();
    }
}

/// One command, waited for on a libuv worker thread.
pub struct Command {
    link: InspectorLink,
    session: u32,
    from_thread: Arc<Mutex<Receiver<String>>>,
    id: u32,
    text: Option<String>,
    snapshot: bool,
}

impl Task for Command {
    type Output = Option<String>;
    type JsValue = Option<String>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let Some(text) = self.text.take() else { return Ok(None) };
        if !self.link.send(InspectorMsg::Message { session: self.session, text }) {
            return Ok(None);
        }
        let rx = self.from_thread.lock().unwrap_or_else(|p| p.into_inner());
        let mut chunks = String::new();
        let prefix = format!("{{\"id\":{},", self.id);
        while let Ok(msg) = rx.recv() {
            if msg.starts_with(&prefix) {
                return Ok(Some(if self.snapshot && !msg.contains("\"error\":") { chunks } else { msg }));
            }
            if self.snapshot {
                if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&msg) {
                    if m.get("method").and_then(|v| v.as_str()) == Some("HeapProfiler.addHeapSnapshotChunk") {
                        if let Some(c) = m.get("params").and_then(|p| p.get("chunk")).and_then(|c| c.as_str()) {
                            chunks.push_str(c);
                        }
                    }
                }
            }
        }
        Ok(None) // the thread ended
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}
