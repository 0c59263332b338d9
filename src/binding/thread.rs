//! `NativeThread`: the host's handle of one isolate thread.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use napi::bindgen_prelude::{Env, Float64ArraySlice, JsValue, Uint8ArraySlice, Unknown};
use napi_derive::napi;

use super::errors::{error, invalid, Code, Result};
use super::napi_raw::{self, HostSink};
use super::protocol::{RunBatchField, ThreadCounters, RUN_BATCH_STRIDE};
use crate::engine::Payload;
use crate::engine::ThreadHandle;
use crate::runtime::payload::Bytes;
use crate::runtime::{Interrupt, Job, ServiceTask};

/// One isolate thread, seen from the host.
#[napi]
pub struct NativeThread {
    handle: ThreadHandle,
    sink: Arc<HostSink>,
}

impl NativeThread {
    pub(crate) fn new(handle: ThreadHandle, sink: Arc<HostSink>) -> Self {
        Self { handle, sink }
    }

    pub(crate) fn handle(&self) -> &ThreadHandle {
        &self.handle
    }

    /// An encoded value from JS: its bytes, the SharedArrayBuffers it
    /// references (Uint8Arrays over each) and the ArrayBuffers it moves.
    fn payload(&self, env: &Env, bytes: Unknown, shared: Option<Vec<Unknown>>, transferred: Option<Vec<Unknown>>) -> Result<Payload> {
        encoded(env, &self.sink, bytes, shared, transferred)
    }
}

/// A `define()` definitions object, as source, shared by every task and
/// service of it without copying, with the names of its host functions.
#[napi]
pub struct Definitions {
    source: Arc<str>,
    host: Arc<[String]>,
}

#[napi]
impl Definitions {
    /// `source` evaluates to the definitions object (`({ name: fn, … })`);
    /// `host` names the host functions its tasks and services may call.
    #[napi(constructor)]
    pub fn new(source: String, host: Option<Vec<String>>) -> Self {
        Self { source: Arc::from(source), host: host.unwrap_or_default().into() }
    }
}

impl Drop for NativeThread {
    fn drop(&mut self) {
        // The JS object was collected: finish what is queued, then end.
        self.handle.close();
    }
}

#[napi]
impl NativeThread {
    /// The id its events are reported under (never changes).
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.handle.control.id
    }

    /// `threadId` inside: `id`, or a new one once a pool replaced the
    /// isolate after ERR_MEMORY_LIMIT.
    #[napi(getter)]
    pub fn thread_id(&self) -> u32 {
        self.handle.control.thread_id()
    }

    /// Queue call `callId` with its encoded arguments, the SharedArrayBuffers
    /// they reference (as Uint8Arrays over each), the ArrayBuffers they move
    /// and an optional timeout in ms. False when the thread has ended.
    #[napi]
    pub fn run(
        &self,
        env: Env,
        call_id: f64,
        bytes: Unknown,
        shared: Option<Vec<Unknown>>,
        transferred: Option<Vec<Unknown>>,
        timeout_ms: Option<f64>,
    ) -> Result<bool> {
        let args = self.payload(&env, bytes, shared, transferred)?;
        let job = Job::Run { call_id: call_id as u64, args, timeout_ms, queued_at: Instant::now() };
        Ok(self.handle.send(job))
    }

    /// The thread's lane: an ArrayBuffer the host writes a lone call into
    /// while the thread spins for work (lib/lane.js; layout in
    /// src/runtime/lane.rs).
    #[napi(ts_return_type = "ArrayBuffer")]
    pub fn lane<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        // SAFETY: called on this env's JS thread; the value is this env's.
        unsafe {
            let buffer = napi_raw::lane_buffer(env.raw(), self.handle.control.lane.clone()).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), buffer))
        }
    }

    /// A plain function `(callId, bytes, timeoutMs?, task?, name?) => boolean`
    /// queuing a call as `run` does (with `task`: as `serviceCall` does) for
    /// arguments with no shared or moved memory: the per-call path, made
    /// once per thread, cheaper to call than a method.
    #[napi(ts_return_type = "(callId: number, bytes: Uint8Array, timeoutMs?: number, task?: number, name?: string) => boolean")]
    pub fn submit_function<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        let jobs = self.handle.control.sender();
        let submit: napi_raw::Submit = Box::new(move |s: napi_raw::Submitted| {
            let napi_raw::Submitted { call_id, args, timeout_ms, task } = s;
            let queued_at = Instant::now();
            let job = match task {
                Some(task) => Job::ServiceCall { call_id, task, args, timeout_ms, queued_at },
                None => Job::Run { call_id, args, timeout_ms, queued_at },
            };
            jobs.send(job).is_ok()
        });
        // SAFETY: called on this env's JS thread; the value is this env's.
        unsafe {
            let f = napi_raw::submit_function(env.raw(), self.sink.clone(), submit).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), f))
        }
    }

    /// A plain function `(seq, thrown, bytes) => boolean` answering host
    /// call `seq` as `hostReply` does, for answers with no shared or moved
    /// memory: made once per thread, cheaper to call than a method.
    #[napi(ts_return_type = "(seq: number, thrown: boolean, bytes: Uint8Array) => boolean")]
    pub fn reply_function<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        let jobs = self.handle.control.sender();
        let reply: napi_raw::Reply = Box::new(move |seq, thrown, payload| jobs.send(Job::HostReply { seq, thrown, payload }).is_ok());
        // SAFETY: called on this env's JS thread; the value is this env's.
        unsafe {
            let f = napi_raw::reply_function(env.raw(), self.sink.clone(), reply).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), f))
        }
    }

    /// Queue many calls with one wake-up of the thread. Per call, `meta`
    /// holds `RUN_BATCH_STRIDE` numbers laid out as `RunBatchField`.
    /// Arguments that reference shared or moved memory go through `run`.
    /// False when the thread has ended (nothing was queued).
    #[napi]
    pub fn run_batch(&self, meta: Float64ArraySlice, bytes: Uint8ArraySlice) -> Result<bool> {
        let meta: &[f64] = &meta;
        let calls = batch_calls(meta)?;
        let payloads = unpack(&bytes, calls.clone().map(|m| m.length()))
            .ok_or_else(|| error(Code::InvalidArg, "runBatch: meta lengths exceed the bytes"))?;
        let queued_at = Instant::now();
        for (m, args) in calls.zip(payloads) {
            if !self.handle.send(Job::Run { call_id: m.call_id(), args, timeout_ms: m.timeout_ms(), queued_at }) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Queue task `name` of `definitions`, run in a fresh context.
    #[napi]
    pub fn task(
        &self,
        env: Env,
        call_id: f64,
        definitions: &Definitions,
        name: String,
        bytes: Unknown,
        shared: Option<Vec<Unknown>>,
        transferred: Option<Vec<Unknown>>,
        timeout_ms: Option<f64>,
    ) -> Result<bool> {
        let args = self.payload(&env, bytes, shared, transferred)?;
        let (source, host) = (definitions.source.clone(), definitions.host.clone());
        let job = Job::Task { call_id: call_id as u64, source, host, name, args, timeout_ms, queued_at: Instant::now() };
        Ok(self.handle.send(job))
    }

    /// Make this thread a service of `definitions`; call `callId` settles
    /// once `__initializeService` finished.
    #[napi]
    pub fn service_start(&self, call_id: f64, definitions: &Definitions) -> bool {
        let (source, host) = (definitions.source.clone(), definitions.host.clone());
        self.handle.send(Job::ServiceStart { call_id: call_id as u64, source, host })
    }

    /// Queue a call of the service's task `name`; `task` is the id the
    /// host gave that name (the thread keeps the pair for calls by id).
    #[napi]
    pub fn service_call(
        &self,
        env: Env,
        call_id: f64,
        name: String,
        bytes: Unknown,
        shared: Option<Vec<Unknown>>,
        transferred: Option<Vec<Unknown>>,
        timeout_ms: Option<f64>,
        task: Option<u32>,
    ) -> Result<bool> {
        let args = self.payload(&env, bytes, shared, transferred)?;
        let task = ServiceTask { id: task.unwrap_or(0), name: Some(name) };
        let job = Job::ServiceCall { call_id: call_id as u64, task, args, timeout_ms, queued_at: Instant::now() };
        Ok(self.handle.send(job))
    }

    /// Give the thread messenger `name` (`messengers.use(name)` resolves).
    #[napi]
    pub fn attach_messenger(&self, name: String) {
        self.handle.attach_messenger(&name);
    }

    /// Send a message to the thread's `parent.onMessage` listeners.
    #[napi]
    pub fn message(&self, env: Env, bytes: Unknown, shared: Option<Vec<Unknown>>, transferred: Option<Vec<Unknown>>) -> Result<bool> {
        let payload = self.payload(&env, bytes, shared, transferred)?;
        Ok(self.handle.send(Job::Message { payload }))
    }

    /// Answer host call `seq` with an encoded value (`thrown`: the host
    /// function threw it). False when the thread has ended.
    #[napi]
    pub fn host_reply(
        &self,
        env: Env,
        seq: f64,
        thrown: bool,
        bytes: Unknown,
        shared: Option<Vec<Unknown>>,
        transferred: Option<Vec<Unknown>>,
    ) -> Result<bool> {
        let payload = self.payload(&env, bytes, shared, transferred)?;
        Ok(self.handle.send(Job::HostReply { seq: seq as u64, thrown, payload }))
    }

    /// Why no isolate was made for this thread: the process-wide ceiling
    /// on JS heaps (API.md §7) had no room for it. The thread is finished.
    #[napi(getter)]
    pub fn refused(&self) -> Option<String> {
        self.handle.refused.clone()
    }

    /// True once the isolate is gone (no Exit event is still to come).
    #[napi(getter)]
    pub fn finished(&self) -> bool {
        self.handle.finished()
    }

    /// Stop call `callId` (abort, or timeout when `timedOutMs` is given).
    #[napi]
    pub fn cancel(&self, call_id: f64, timed_out_ms: Option<f64>) {
        let why = timed_out_ms.map_or(Interrupt::Aborted, Interrupt::Timeout);
        self.handle.cancel(call_id as u64, why);
    }

    /// Finish every queued call, then dispose the isolate.
    #[napi]
    pub fn close(&self) {
        self.handle.close();
    }

    /// Dispose the isolate now; with `afterSpare`, its end (the Exit event)
    /// waits up to 3 ms for a spare isolate being made, as a close's does
    /// (a service's close: its pool starts a thread in its place at once).
    #[napi]
    pub fn dispose(&self, after_spare: Option<bool>) {
        if after_spare == Some(true) {
            self.handle.dispose_after_spare();
        } else {
            self.handle.dispose();
        }
    }

    /// Its counters now.
    #[napi]
    pub fn stats(&self) -> ThreadCounters {
        let c = &self.handle.control.counters;
        ThreadCounters {
            runs: c.runs.load(Ordering::Acquire) as f64,
            failures: c.failures.load(Ordering::Relaxed) as f64,
            heap_used: c.heap_used.load(Ordering::Relaxed) as f64,
            heap_limit: c.heap_limit.load(Ordering::Relaxed) as f64,
            cpu_time_ms: c.cpu.read_us() as f64 / 1000.0,
            running: self.handle.control.current().is_some(),
        }
    }
}

/// One call of `runBatch`'s `meta`: `RUN_BATCH_STRIDE` numbers laid out as `RunBatchField`.
#[derive(Clone, Copy)]
pub(crate) struct BatchedCall<'a>(&'a [f64]);

impl BatchedCall<'_> {
    pub(crate) fn call_id(self) -> u64 {
        self.0[RunBatchField::CallId as usize] as u64
    }

    pub(crate) fn length(self) -> f64 {
        self.0[RunBatchField::Length as usize]
    }

    pub(crate) fn timeout_ms(self) -> Option<f64> {
        let t = self.0[RunBatchField::TimeoutMs as usize];
        (!t.is_nan()).then_some(t)
    }
}

/// The calls of `runBatch`'s `meta`; an error unless it holds whole calls.
pub(crate) fn batch_calls(meta: &[f64]) -> Result<impl Iterator<Item = BatchedCall<'_>> + Clone> {
    let stride = RUN_BATCH_STRIDE as usize;
    if !meta.len().is_multiple_of(stride) {
        return Err(error(Code::InvalidArg, format!("runBatch: meta must hold {stride} numbers per call")));
    }
    Ok(meta.chunks_exact(stride).map(BatchedCall))
}

/// Encoded values packed back to back in `bytes` (lib/packed.js), split by
/// their byte `lengths`; None when the lengths run past the bytes. Short
/// values are held inline, the others share one copy of `bytes` (one
/// allocation a batch).
pub(crate) fn unpack<L>(bytes: &[u8], lengths: L) -> Option<impl Iterator<Item = Payload>>
where
    L: Iterator<Item = f64> + Clone,
{
    let parts = Bytes::split(bytes, lengths.map(|len| len as usize))?;
    Some(parts.into_iter().map(|bytes| Payload { bytes, ..Default::default() }))
}

/// An encoded value from JS (see `napi_raw::payload`).
pub(crate) fn encoded(
    env: &Env,
    sink: &Arc<HostSink>,
    bytes: Unknown,
    shared: Option<Vec<Unknown>>,
    transferred: Option<Vec<Unknown>>,
) -> Result<Payload> {
    let raws = |list: Option<Vec<Unknown>>| list.unwrap_or_default().iter().map(|v| v.raw()).collect::<Vec<_>>();
    // SAFETY: every value came in as an argument of the current native call.
    unsafe { napi_raw::payload(env.raw(), bytes.raw(), &raws(shared), &raws(transferred), sink) }.map_err(invalid)
}

/// Where the thread runtime's JS files are (`lib/runtime`): built-ins and
/// host-only stubs load from there; `info` is the host's `process` facts
/// as JSON (version, versions, argv, execPath, pid) that a thread's
/// `process` reports. Called once when the package loads.
#[napi]
#[cfg_attr(test, allow(dead_code))] // napi-derive registers it only outside `cargo test`
pub fn set_runtime_dir(dir: String, info: String) {
    crate::engine::set_runtime_dir(std::path::PathBuf::from(dir), info);
}
