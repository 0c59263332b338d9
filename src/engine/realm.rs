//! Realms: V8 contexts of one isolate, each with its own globals (the
//! prelude). A Thread has one; a task runs in a fresh one; a service keeps
//! one for its life.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::globals;

/// The JS functions the loop calls in a realm.
pub(crate) struct Hooks {
    /// `fire(id)`: run timer `id`.
    pub fire: v8::Global<v8::Function>,
    /// `clearAll()`: forget every timer callback.
    pub clear_all: v8::Global<v8::Function>,
    /// `dispatch(value)`: hand a host message to `parent.onMessage` listeners.
    pub dispatch: v8::Global<v8::Function>,
    /// `messengerAttach(name)`: this thread now has messenger `name`.
    pub messenger_attach: v8::Global<v8::Function>,
    /// `messengerDispatch(name, values, close)`: messages on a messenger, in order.
    pub messenger_dispatch: v8::Global<v8::Function>,
    /// `start(threadId)`: bind the realm to its thread (its id, clock and
    /// messengers), once, before user code runs.
    pub start: v8::Global<v8::Function>,
}

/// One context and its hooks (its id, in the loop's table, is carried by
/// its timer ids in their high 32 bits).
pub(crate) struct Realm {
    /// The context.
    pub context: v8::Global<v8::Context>,
    /// Its prelude's hooks.
    pub hooks: Hooks,
}

const PRELUDE: &str = include_str!("prelude.js");
// The prelude reaches V8 as an external one-byte string: no copy and no
// UTF-8 decoding per isolate (~75 us of a spare's ~1.3 ms). It must stay
// ASCII, or V8 would read its bytes as Latin-1.
const _: () = assert!(PRELUDE.is_ascii(), "src/engine/prelude.js must be ASCII");

/// V8's code cache of the prelude, made by the second isolate of the
/// process and consumed by every later one: a new thread skips parsing and
/// compiling it. It is compiled eagerly, so the cache holds every function:
/// none is compiled lazily on a thread's start (`start`) or first use
/// (`console.log`). The first isolate, on whose start a user waits (the
/// second is usually a warm spare, made after it), compiles lazily and makes
/// no cache: an eager compile would add about a millisecond to its start.
static PRELUDE_CACHE: OnceLock<Vec<u8>> = OnceLock::new();
/// The first isolate has compiled the prelude (lazily, without a cache).
static FIRST_COMPILED: AtomicBool = AtomicBool::new(false);

fn compile_prelude<'s>(
    scope: &mut v8::HandleScope<'s>,
    source: v8::Local<'s, v8::String>,
    origin: &v8::ScriptOrigin<'s>,
) -> Option<v8::Local<'s, v8::Script>> {
    use v8::script_compiler::{self, CompileOptions, NoCacheReason, Source};
    if let Some(bytes) = PRELUDE_CACHE.get() {
        let mut src = Source::new_with_cached_data(source, Some(origin), v8::CachedData::new(bytes));
        return script_compiler::compile(scope, &mut src, CompileOptions::ConsumeCodeCache, NoCacheReason::NoReason);
    }
    if !FIRST_COMPILED.swap(true, Ordering::AcqRel) {
        let mut src = Source::new(source, Some(origin));
        return script_compiler::compile(scope, &mut src, CompileOptions::NoCompileOptions, NoCacheReason::NoReason);
    }
    let src = Source::new(source, Some(origin));
    let unbound = script_compiler::compile_unbound_script(scope, src, CompileOptions::EagerCompile, NoCacheReason::NoReason)?;
    if let Some(cache) = unbound.create_code_cache() {
        let _ = PRELUDE_CACHE.set(cache.to_vec());
    }
    Some(unbound.bind_to_current_context(scope))
}

/// Install the globals of a thread in the current context, all but what
/// depends on the thread: `start_realm` adds that. A warm spare does this
/// before it is given a thread.
pub(crate) fn install_prelude(scope: &mut v8::HandleScope, realm_id: u32) -> Option<Hooks> {
    let source = v8::String::new_external_onebyte_static(scope, PRELUDE.as_bytes())?;
    let name = v8::String::new(scope, "isothread:prelude")?;
    let undefined = v8::undefined(scope).into();
    let origin = v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, 0, undefined, false, false, false);
    let script = compile_prelude(scope, source, &origin)?;
    let factory = v8::Local::<v8::Function>::try_from(script.run(scope)?).ok()?;
    super::shared_value::install(scope); // the codec's HostObjects
    let native = globals::native_object(scope);
    let realm = v8::Integer::new_from_unsigned(scope, realm_id).into();
    let recv = v8::undefined(scope).into();
    let hooks = v8::Local::<v8::Object>::try_from(factory.call(scope, recv, &[native.into(), realm])?).ok()?;
    let internals_key = v8::String::new(scope, "internals")?;
    if let Some(internals) = hooks.get(scope, internals_key.into()) {
        super::modules::set_internals(scope, internals);
    }
    let get = |scope: &mut v8::HandleScope, key: &str| -> Option<v8::Global<v8::Function>> {
        let k = v8::String::new(scope, key)?;
        let f = v8::Local::<v8::Function>::try_from(hooks.get(scope, k.into())?).ok()?;
        Some(v8::Global::new(scope, f))
    };
    Some(Hooks {
        fire: get(scope, "fire")?,
        clear_all: get(scope, "clearAll")?,
        dispatch: get(scope, "dispatch")?,
        messenger_attach: get(scope, "messengerAttach")?,
        messenger_dispatch: get(scope, "messengerDispatch")?,
        start: get(scope, "start")?,
    })
}

/// Bind the realm of `hooks` (the current context's) to thread `thread_id`:
/// `threadId`, `performance` (its clock starts now) and the messengers the
/// thread already has. None when that threw.
pub(crate) fn start_realm(scope: &mut v8::HandleScope, hooks: &Hooks, thread_id: u32) -> Option<()> {
    let start = v8::Local::new(scope, &hooks.start);
    let id = v8::Integer::new_from_unsigned(scope, thread_id).into();
    let recv = v8::undefined(scope).into();
    start.call(scope, recv, &[id]).map(|_| ())
}

/// A fresh realm sharing `token` (the main context's security token), so
/// the loop can move values between realms of this isolate.
pub(crate) fn new_realm(scope: &mut v8::HandleScope, id: u32, thread_id: u32, token: v8::Local<v8::Value>) -> Option<Realm> {
    let context = v8::Context::new(scope);
    context.set_security_token(token);
    let scope = &mut v8::ContextScope::new(scope, context);
    let hooks = install_prelude(scope, id)?;
    start_realm(scope, &hooks, thread_id)?;
    Some(Realm { context: v8::Global::new(scope, context), hooks })
}

/// Decode the `data` option in the current (main) context and keep it for
/// that context's modules (`import.meta.data`); returns the value.
pub(crate) fn install_data<'s>(
    scope: &mut v8::HandleScope<'s>,
    payload: crate::engine::Payload,
) -> Result<v8::Local<'s, v8::Value>, String> {
    let tc = &mut v8::TryCatch::new(scope);
    let value = super::codec::decode(tc, payload).map_err(|super::codec::DecodeError(message)| message)?;
    let context = tc.get_current_context();
    let kept = (v8::Global::new(tc, context), v8::Global::new(tc, value));
    if let Some(st) = tc.get_slot_mut::<super::thread_state::ThreadState>() {
        st.data = Some(kept);
    }
    Ok(value)
}

/// Compile and run `(source)` as a script named `name` in the current
/// context. `Err(None)` when execution was terminated.
pub(crate) fn evaluate<'s>(
    scope: &mut v8::TryCatch<v8::HandleScope<'s>>,
    source: &str,
    name: &str,
) -> Result<v8::Local<'s, v8::Value>, Option<v8::Local<'s, v8::Value>>> {
    evaluate_at(scope, source, name, None)
}

/// `evaluate`, with `source` standing at (0-based) `line`, `column` of the
/// file `name`: the wrapper's `(` goes just before it (or alone on the line
/// above when the text starts a line), so every frame names the user's line
/// and column.
pub(crate) fn evaluate_at<'s>(
    scope: &mut v8::TryCatch<v8::HandleScope<'s>>,
    source: &str,
    name: &str,
    at: Option<(i32, i32)>,
) -> Result<v8::Local<'s, v8::Value>, Option<v8::Local<'s, v8::Value>>> {
    let (wrapped, line, column) = match at {
        Some((line, column)) if column >= 1 => (format!("({source}\n)"), line, column - 1),
        Some((line, _)) if line >= 1 => (format!("(\n{source}\n)"), line - 1, 0),
        _ => (format!("({source}\n)"), 0, 0),
    };
    let result = (|| {
        let code = v8::String::new(scope, &wrapped)?;
        let name = v8::String::new(scope, name)?;
        let undefined = v8::undefined(scope).into();
        let origin = v8::ScriptOrigin::new(scope, name.into(), line, column, false, 0, undefined, false, false, false);
        let script = v8::Script::compile(scope, code, Some(&origin))?;
        script.run(scope)
    })();
    match result {
        Some(v) => Ok(v),
        None if scope.has_terminated() => Err(None),
        None => Err(scope.exception()),
    }
}
