//! `Host`: one per JS environment (main thread or Worker). It owns the event
//! channel from isolate threads, starts threads, and stops them when the
//! environment ends.

use std::sync::{Arc, Mutex, Once, Weak};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{ClassInstance, Env, Float64ArraySlice, JsValue, Uint8ArraySlice, Unknown};
use napi_derive::napi;

use super::errors::{error, invalid, Code, Result};
use super::napi_raw::{self, HostSink};
use super::thread::NativeThread;
use crate::engine::notifier;
use crate::engine::Payload;
use crate::engine::{self, ThreadConfig, ThreadHandle};
use crate::runtime::debug::{InspectConfig, SourceOrigin};
use crate::runtime::pool::PoolQueue;
use crate::runtime::{locks, messenger, shared_registry, shared_value, Control, Interrupt, Job};

type ThreadList = Arc<Mutex<Vec<Weak<Control>>>>;

/// How long process exit waits for isolate threads to stop.
const EXIT_WAIT: Duration = Duration::from_secs(3);

extern "C" fn at_process_exit() {
    engine::shutdown_all(EXIT_WAIT);
}

/// The queue of one least-busy pool (`runtime::pool`): calls wait here and
/// idle threads take them. Made by `Host.poolGroup`.
#[napi]
pub struct PoolGroup {
    queue: Arc<PoolQueue>,
    sink: Arc<HostSink>,
}

#[napi]
impl PoolGroup {
    /// The id the pool's calls are answered under.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.queue.id
    }

    /// Queue call `callId` (see `NativeThread.run`); always true.
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
        let args = super::thread::encoded(&env, &self.sink, bytes, shared, transferred)?;
        self.queue.submit(Job::Run { call_id: call_id as u64, args, timeout_ms, queued_at: Instant::now() });
        Ok(true)
    }

    /// A plain function queuing one call as `run` does (see
    /// `NativeThread.submitFunction`; no `name`); it always returns true.
    #[napi(ts_return_type = "(callId: number, bytes: Uint8Array, timeoutMs?: number) => boolean")]
    pub fn submit_function<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        let queue = self.queue.clone();
        let submit: napi_raw::Submit = Box::new(move |s: napi_raw::Submitted| {
            let napi_raw::Submitted { call_id, args, timeout_ms, .. } = s;
            queue.submit(Job::Run { call_id, args, timeout_ms, queued_at: Instant::now() });
            true
        });
        // SAFETY: called on this env's JS thread; the value is this env's.
        unsafe {
            let f = napi_raw::submit_function(env.raw(), self.sink.clone(), submit).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), f))
        }
    }

    /// Queue many calls at once (see `NativeThread.runBatch`); always true.
    #[napi]
    pub fn run_batch(&self, meta: Float64ArraySlice, bytes: Uint8ArraySlice) -> Result<bool> {
        let meta: &[f64] = &meta;
        let calls = super::thread::batch_calls(meta)?;
        let payloads = super::thread::unpack(&bytes, calls.clone().map(|m| m.length()))
            .ok_or_else(|| error(Code::InvalidArg, "runBatch: meta lengths exceed the bytes"))?;
        let queued_at = Instant::now();
        let jobs = calls.zip(payloads).map(|(m, args)| Job::Run { call_id: m.call_id(), args, timeout_ms: m.timeout_ms(), queued_at });
        self.queue.submit_all(jobs);
        Ok(true)
    }

    /// Stop call `callId` (abort, or timeout when `timedOutMs` is given):
    /// dropped if still queued, else interrupted where it runs.
    #[napi]
    pub fn cancel(&self, call_id: f64, timed_out_ms: Option<f64>) {
        let why = timed_out_ms.map_or(Interrupt::Aborted, Interrupt::Timeout);
        self.queue.cancel(call_id as u64, why);
    }

    /// Drop every queued call (the pool is destroyed).
    #[napi]
    pub fn clear(&self) {
        self.queue.clear();
    }

    /// Calls no thread has taken yet.
    #[napi(getter)]
    pub fn queued(&self) -> u32 {
        self.queue.queued() as u32
    }

    /// The pool never ends by itself (its threads do): always false.
    #[napi(getter)]
    pub fn finished(&self) -> bool {
        false
    }
}

/// Debugging options of a new thread (all optional).
#[napi(object)]
#[derive(Default)]
pub struct SpawnExtras {
    /// The user's file the context function is written in.
    pub origin_file: Option<String>,
    /// 0-based line where the function starts in it.
    pub origin_line: Option<i32>,
    /// 0-based column where the function starts in it.
    pub origin_column: Option<i32>,
    /// Serve the DevTools protocol on this interface…
    pub inspect_host: Option<String>,
    /// …and port (0: a free one).
    pub inspect_port: Option<u32>,
    /// Wait for a debugger and pause before the context runs.
    pub inspect_brk: Option<bool>,
}

/// What `Host.spawn` starts: a thread running `source` (the context
/// function) or, with `modulePath`, an ES module context.
#[napi(object, object_to_js = false)]
pub struct SpawnOptions<'a> {
    /// The context function's source (none with `modulePath`).
    pub source: Option<String>,
    /// The isolate's heap limit.
    pub memory_limit_mb: f64,
    /// Shown in errors and the debugger.
    pub name: Option<String>,
    /// Replace the isolate after ERR_MEMORY_LIMIT (pools).
    pub respawn: Option<bool>,
    /// spawn() semantics: settle and end on an empty event loop.
    pub one_shot: Option<bool>,
    /// An ES module context instead of `source`…
    pub module_path: Option<String>,
    /// …and the export it runs (default: `default`).
    pub module_export: Option<String>,
    /// The queue of the pool it serves (least-busy pools).
    pub group: Option<ClassInstance<'a, PoolGroup>>,
    /// Names of the host functions it may call (`parent.host`).
    pub host: Option<Vec<String>>,
    /// Debugging: where the context stands, the inspector.
    pub extras: Option<SpawnExtras>,
    /// The `data` option, encoded…
    pub data: Option<Unknown<'a>>,
    /// …and the SharedArrayBuffers it references (Uint8Arrays over each).
    pub data_shared: Option<Vec<Unknown<'a>>>,
}

/// The native side of one JS environment.
#[napi]
pub struct Host {
    sink: Arc<HostSink>,
    threads: ThreadList,
}

#[napi]
impl Host {
    /// `onEvent(kind, ...)` receives every event of this environment's threads.
    #[napi(constructor)]
    pub fn new(env: Env, on_event: Unknown) -> Result<Self> {
        static AT_EXIT: Once = Once::new();
        // SAFETY: registering a plain extern "C" fn with the C runtime.
        AT_EXIT.call_once(|| unsafe {
            libc::atexit(at_process_exit);
        });
        // SAFETY: env and on_event are live values of this JS thread.
        let sink = unsafe { napi_raw::create_sink(env.raw(), on_event.raw()) }.map_err(invalid)?;
        let threads: ThreadList = Arc::default();
        let list = threads.clone();
        let key = Arc::as_ptr(&sink) as *const () as usize;
        env.add_env_cleanup_hook(list, move |list| {
            locks::release_all(locks::Holder::Host(key));
            let threads: Vec<Arc<Control>> = list.lock().unwrap_or_else(|p| p.into_inner()).iter().filter_map(Weak::upgrade).collect();
            for t in &threads {
                t.dispose();
            }
            for t in &threads {
                t.wait_finished(EXIT_WAIT);
            }
        })
        .map_err(invalid)?;
        Ok(Self { sink, threads })
    }

    /// Keep the process alive (calls in flight) or not (idle).
    #[napi]
    pub fn set_ref(&self, env: Env, on: bool) -> Result<()> {
        // SAFETY: called on this environment's JS thread.
        unsafe { napi_raw::set_ref(env.raw(), &self.sink, on) }.map_err(invalid)
    }

    /// Deliver no more events until `releaseDeliveries()` (this turn of the
    /// event loop delivered for long enough; see `HostSink::hold`).
    #[napi]
    pub fn hold_deliveries(&self) {
        self.sink.hold();
    }

    /// Deliver events again, those that came meanwhile at the event loop's
    /// next poll.
    #[napi]
    pub fn release_deliveries(&self) {
        self.sink.release();
    }

    /// `awaitEvents` as a plain function `(us, yielding?, lane?) => number`
    /// for the lone call's wait (cheaper to call than the method), which
    /// leaves the last batch of results it finds for the caller to settle:
    /// 0 when nothing came, -1 when everything was delivered, `n` > 0 when
    /// a batch fills `n` numbers of the arrays of `batchArrays()`, `-n - 2`
    /// when it is in new ones (call `batchArrays()` again). With `lane` (a
    /// thread's `lane()`, the call waited for posted there), its answer may
    /// come there instead: -2, read it from the lane (lib/lane.js).
    #[napi(ts_return_type = "(us: number, yielding?: boolean, lane?: ArrayBuffer) => number")]
    pub fn await_function<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        // SAFETY: called on this environment's JS thread; the value is its.
        unsafe {
            let f = napi_raw::await_function(env.raw(), self.sink.clone()).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), f))
        }
    }

    /// The reused arrays a batch of results left by `awaitFunction()`'s
    /// function is in: `[meta: Float64Array, bytes: Uint8Array]`, or
    /// undefined when none were made yet.
    #[napi(ts_return_type = "[Float64Array, Uint8Array] | undefined")]
    pub fn batch_arrays<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        // SAFETY: called on this environment's JS thread; the value is its.
        unsafe {
            let v = napi_raw::batch_arrays(env.raw(), &self.sink).map_err(invalid)?;
            Ok(Unknown::from_raw_unchecked(env.raw(), v))
        }
    }

    /// A new pool queue: `minThreads` stay however idle; the others leave
    /// after `idleTimeoutMs` idle (negative or NaN: never).
    #[napi]
    pub fn pool_group(&self, min_threads: u32, idle_timeout_ms: f64) -> PoolGroup {
        let idle = (idle_timeout_ms >= 0.0 && idle_timeout_ms.is_finite()).then(|| Duration::from_secs_f64(idle_timeout_ms / 1000.0));
        PoolGroup { queue: Arc::new(PoolQueue::new(min_threads as usize, idle)), sink: self.sink.clone() }
    }

    /// Start an isolate thread as `options` say (see `SpawnOptions`).
    #[napi]
    pub fn spawn(&self, env: Env, options: SpawnOptions) -> Result<NativeThread> {
        let SpawnOptions {
            source,
            memory_limit_mb,
            name,
            respawn,
            one_shot,
            module_path,
            module_export,
            group,
            host,
            extras,
            data,
            data_shared,
        } = options;
        let data = data.map(|bytes| super::thread::encoded(&env, &self.sink, bytes, data_shared, None)).transpose()?;
        let module = module_path.map(|p| (p, module_export.unwrap_or_else(|| "default".into())));
        let pool = group.map(|g| g.queue.clone());
        let extras = extras.unwrap_or_default();
        let origin = extras.origin_file.map(|file| SourceOrigin {
            file,
            line: extras.origin_line.unwrap_or(0),
            column: extras.origin_column.unwrap_or(0),
        });
        let inspect = extras.inspect_port.map(|port| InspectConfig {
            host: extras.inspect_host.unwrap_or_else(|| "127.0.0.1".into()),
            port: port.min(u16::MAX as u32) as u16,
            brk: extras.inspect_brk.unwrap_or(false),
        });
        let source = source.unwrap_or_default();
        let cfg = ThreadConfig {
            name,
            source,
            memory_limit_mb,
            respawn: respawn.unwrap_or(false),
            one_shot: one_shot.unwrap_or(false),
            module,
            pool,
            host: host.unwrap_or_default().into(),
            origin,
            inspect,
            data,
        };
        let handle =
            ThreadHandle::spawn(cfg, self.sink.clone()).map_err(|e| error(Code::InvalidArg, format!("could not start a thread: {e}")))?;
        {
            let mut list = self.threads.lock().unwrap_or_else(|p| p.into_inner());
            list.retain(|w| w.strong_count() > 0);
            list.push(Arc::downgrade(&handle.control));
        }
        Ok(NativeThread::new(handle, self.sink.clone()))
    }

    /// Wake threads blocked in `Atomics.wait` at `byteIndex` of the shared
    /// memory `view` spans; returns how many woke.
    #[napi]
    pub fn notify(&self, env: Env, view: Unknown, byte_index: f64, count: f64) -> Result<u32> {
        // SAFETY: a live value of this JS thread.
        let (ptr, len) = unsafe { napi_raw::typed_array_bytes(env.raw(), view.raw()) }.map_err(invalid)?;
        Ok(notifier::notify(ptr as usize, len, byte_index as usize, count))
    }

    /// Record that the host holds the SharedArrayBuffer `view` spans; returns
    /// its address (the key of notify events).
    #[napi]
    pub fn register_shared(&self, env: Env, view: Unknown) -> Result<f64> {
        // SAFETY: a live value of this JS thread.
        let addr = unsafe { napi_raw::address_of(env.raw(), view.raw()) }.map_err(invalid)?;
        shared_registry::register(addr);
        Ok(addr as f64)
    }

    /// This environment is a `worker_threads` Worker: it may end while
    /// threads, buffers or Messenger queues still hold memory it lent
    /// (moved buffers are then copied; shared ones go to the keeper).
    #[napi]
    pub fn set_worker(&self) {
        self.sink.set_ends_early();
    }

    /// This (main) environment adopts the SharedArrayBuffers Workers lend.
    #[napi]
    pub fn become_keeper(&self) {
        napi_raw::become_keeper();
    }

    /// The main environment keeps a SharedArrayBuffer a Worker lent (its
    /// own object over the same memory) while anything still holds it.
    /// False when nothing is kept (released already, or kept before).
    #[napi]
    pub fn adopt_shared(&self, env: Env, view: Unknown) -> Result<bool> {
        // SAFETY: a live value of this JS thread; the sink is this env's.
        unsafe { napi_raw::adopt_shared(env.raw(), view.raw(), &self.sink) }.map_err(invalid)
    }

    /// A Worker is about to lend the shared memory at `addr`: true when it
    /// should hand it to the keeper (see `adopt_shared`).
    #[napi]
    pub fn reserve_keeper(&self, addr: f64) -> bool {
        napi_raw::reserve_keeper(addr as usize)
    }

    /// The host let go of a SharedArrayBuffer registered before.
    #[napi]
    pub fn unregister_shared(&self, addr: f64) {
        shared_registry::unregister(addr as usize);
    }

    fn endpoint(&self) -> messenger::Endpoint {
        messenger::Endpoint::Host { key: self.key(), sink: self.sink.clone() }
    }

    /// This environment joins messenger `name` (its first Messenger of it).
    #[napi]
    pub fn messenger_join(&self, name: String) {
        messenger::join(&name, self.endpoint());
    }

    /// This environment leaves messenger `name` (its last Messenger closed).
    #[napi]
    pub fn messenger_leave(&self, name: String) {
        messenger::leave(&name, &self.endpoint());
    }

    /// Send an encoded value on messenger `name` to every other endpoint.
    #[napi]
    pub fn messenger_post(&self, env: Env, name: String, bytes: Unknown, shared: Option<Vec<Unknown>>) -> Result<()> {
        let payload = self.payload(&env, bytes, shared)?;
        messenger::broadcast(&name, &self.endpoint(), &payload, false);
        Ok(())
    }

    /// Send several encoded values on messenger `name`, in order, as one
    /// batch per receiving thread: `bytes` holds them back to back, `lengths`
    /// the byte length of each.
    #[napi]
    pub fn messenger_post_many(&self, name: String, lengths: Float64ArraySlice, bytes: Uint8ArraySlice) -> Result<()> {
        let batch = messenger::Packed::new(bytes.to_vec(), lengths.iter().map(|&l| l as usize))
            .ok_or_else(|| error(Code::InvalidArg, "messengerPostMany: lengths exceed the bytes"))?;
        messenger::broadcast_many(&name, &self.endpoint(), batch);
        Ok(())
    }

    /// closeAll(): every endpoint of messenger `name` closes.
    #[napi]
    pub fn messenger_close_all(&self, name: String) {
        messenger::broadcast(&name, &self.endpoint(), &Payload::default(), true);
    }

    fn payload(&self, env: &Env, bytes: Unknown, shared: Option<Vec<Unknown>>) -> Result<Payload> {
        super::thread::encoded(env, &self.sink, bytes, shared, None)
    }

    /// A new shared value (`buffer()`) holding an encoded value; returns its id.
    #[napi]
    pub fn buffer_create(&self, env: Env, bytes: Unknown, shared: Option<Vec<Unknown>>) -> Result<u32> {
        Ok(shared_value::create(self.payload(&env, bytes, shared)?))
    }

    /// The encoded current value of shared value `id` (throws ERR_CLOSED once cleaned).
    #[napi]
    pub fn buffer_get(&self, id: u32) -> Result<napi::bindgen_prelude::Buffer> {
        let p = shared_value::get(id).map_err(|_| error(Code::Closed, format!("buffer {id} was cleaned")))?;
        if !p.shared.is_empty() {
            return Err(error(Code::InvalidArg, "a buffer holding SharedArrayBuffers cannot be read on the host yet"));
        }
        Ok(p.bytes.into_vec().into())
    }

    /// Replace shared value `id` (throws ERR_CLOSED once cleaned).
    #[napi]
    pub fn buffer_set(&self, env: Env, id: u32, bytes: Unknown, shared: Option<Vec<Unknown>>) -> Result<()> {
        let p = self.payload(&env, bytes, shared)?;
        shared_value::set(id, p).map_err(|_| error(Code::Closed, format!("buffer {id} was cleaned")))
    }

    /// Free shared value `id`.
    #[napi]
    pub fn buffer_clean(&self, id: u32) {
        shared_value::clean(id);
    }

    /// True while shared value `id` exists.
    #[napi]
    pub fn buffer_exists(&self, id: u32) -> bool {
        shared_value::exists(id)
    }

    /// This environment takes lock `name`: true when it got it now, else
    /// a lock-granted event with `token` comes when it is its turn.
    #[napi]
    pub fn lock(&self, name: String, token: f64) -> bool {
        locks::lock_host(&name, self.key(), token, self.sink.clone())
    }

    /// Release lock `name`; throws ERR_NOT_LOCKED if this environment does not hold it.
    #[napi]
    pub fn unlock(&self, name: String) -> Result<()> {
        locks::unlock(&name, locks::Holder::Host(self.key()))
            .map_err(|_| error(Code::NotLocked, format!("lock {name:?} is not held by this thread")))
    }

    fn key(&self) -> usize {
        Arc::as_ptr(&self.sink) as *const () as usize
    }

    /// True when this runtime can receive real SharedArrayBuffers from threads.
    #[napi(getter)]
    pub fn real_shared_array_buffers(&self) -> bool {
        napi_raw::has_external_sab()
    }
}
