//! `NativeThread`: the host's handle of one isolate thread.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use napi::bindgen_prelude::{Env, JsValue, Unknown};
use napi_derive::napi;

use super::errors::{invalid, Result};
use super::napi_raw::{self, HostSink};
use crate::engine::Payload;
use crate::runtime::{Interrupt, ThreadHandle};

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
}

impl Drop for NativeThread {
    fn drop(&mut self) {
        // The JS object was collected: finish what is queued, then end.
        self.handle.close();
    }
}

#[napi]
impl NativeThread {
    /// The thread's id (`threadId` inside).
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.handle.control.id
    }

    /// Queue call `callId` with its encoded arguments, the SharedArrayBuffers
    /// they reference (as Uint8Arrays over each), the ArrayBuffers they move,
    /// an optional timeout in ms, and how long (µs) to wait here for a fast
    /// answer before returning (its events are then delivered before this
    /// returns). False when the thread has ended.
    #[napi]
    pub fn run(
        &self,
        env: Env,
        call_id: f64,
        bytes: Unknown,
        shared: Option<Vec<Unknown>>,
        transferred: Option<Vec<Unknown>>,
        timeout_ms: Option<f64>,
        spin_us: Option<f64>,
    ) -> Result<bool> {
        let raw = env.raw();
        // SAFETY: every value is a live value of this JS thread.
        let payload = unsafe {
            let bytes = napi_raw::copy_bytes(raw, bytes.raw()).map_err(invalid)?;
            let mut p = Payload { bytes, ..Default::default() };
            for v in shared.unwrap_or_default() {
                p.shared.push(napi_raw::host_shared(raw, v.raw(), &self.sink).map_err(invalid)?);
            }
            for v in transferred.unwrap_or_default() {
                p.transferred.push(napi_raw::host_moved(raw, v.raw(), &self.sink).map_err(invalid)?);
            }
            p
        };
        if !self.handle.run(call_id as u64, payload, timeout_ms) {
            return Ok(false);
        }
        if let Some(us) = spin_us.filter(|us| *us > 0.0) {
            // SAFETY: on this env's JS thread.
            unsafe { napi_raw::deliver_soon(raw, &self.sink, std::time::Duration::from_secs_f64(us.min(1000.0) / 1e6)) };
        }
        Ok(true)
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

    /// Dispose the isolate now.
    #[napi]
    pub fn dispose(&self) {
        self.handle.dispose();
    }

    /// `[runs, failures, heapUsed, heapLimit, cpuTimeMs]`.
    #[napi]
    pub fn stats(&self) -> Vec<f64> {
        let c = &self.handle.control.counters;
        vec![
            c.runs.load(Ordering::Acquire) as f64,
            c.failures.load(Ordering::Relaxed) as f64,
            c.heap_used.load(Ordering::Relaxed) as f64,
            c.heap_limit.load(Ordering::Relaxed) as f64,
            c.cpu_time_us.load(Ordering::Relaxed) as f64 / 1000.0,
        ]
    }
}
