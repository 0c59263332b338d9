//! What an isolate thread is built from (made by `thread.rs`, read by the
//! isolate and its event loop).

use std::sync::Arc;

use crate::runtime::Payload;

/// What an isolate thread is built from.
pub struct IsolateConfig {
    /// Script name in stack traces.
    pub script_name: String,
    /// Source of the context function (`Function.prototype.toString()`).
    pub source: String,
    /// V8 heap limit in bytes.
    pub heap_limit: usize,
    /// spawn(): settle on an empty event loop, end after the first call.
    pub one_shot: bool,
    /// An ES module context: the file and the export to run (instead of `source`).
    pub module: Option<(String, String)>,
    /// The queue of the pool the thread serves (least-busy pools).
    pub pool: Option<Arc<crate::runtime::pool::PoolQueue>>,
    /// Names of the host functions the main realm may call (`parent.host`).
    pub host: Arc<[String]>,
    /// Where a function context stands in the user's file: its script is
    /// named after that file, with line and column offsets.
    pub origin: Option<crate::runtime::debug::SourceOrigin>,
    /// What reaches the thread's inspector (made on its first message).
    pub inspector: crossbeam_channel::Receiver<crate::runtime::debug::InspectorMsg>,
    /// The thread's title in DevTools.
    pub title: String,
    /// Served to DevTools (`inspect`): the inspector is made at once.
    pub inspected: bool,
    /// `inspectBrk`: wait for a debugger, then pause before the context runs.
    pub inspect_brk: bool,
    /// Every call fails with this (ERR_INVALID_ARG): the inspector could not listen.
    pub failure: Option<String>,
    /// The `data` option, encoded: the context function's first argument
    /// and a module context's `import.meta.data`.
    pub data: Option<Payload>,
}
