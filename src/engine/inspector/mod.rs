//! V8's inspector on one isolate: the Chrome DevTools protocol behind
//! `inspect`, `thread.profile()` and `thread.heapSnapshot()` (RUNTIME.md §5).
//!
//! Made on the isolate's thread when the first message for it arrives (so a
//! thread nobody inspects never has one). Messages come through the
//! thread's `InspectorLink` and are dispatched on the isolate's thread: by
//! the event loop each turn, by an interrupt while JS runs, and by the
//! pause loop while a debugger holds the thread at a breakpoint.
//!
//! Re-entrancy: dispatching a message may run JS, which may pause, which
//! runs the pause loop, which dispatches more messages. Every state change
//! goes through the raw pointer of the boxed `Inspector`, never through a
//! reference held across a dispatch, and sessions are dropped only once no
//! dispatch is on the stack.

use std::collections::HashMap;
use std::ptr::{addr_of, NonNull};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use v8::inspector::{
    ChannelBase, ChannelImpl, StringBuffer, StringView, V8Inspector, V8InspectorClientBase, V8InspectorClientImpl,
    V8InspectorClientTrustLevel, V8InspectorSession,
};
use v8::UniquePtr;

use crate::runtime::debug::InspectorMsg;
use crate::runtime::Control;

/// The only context group of a thread.
const GROUP: i32 = 1;
/// How often a paused (or waiting) thread looks at its Control.
const PAUSE_POLL: Duration = Duration::from_millis(50);

/// What the isolate keeps for its inspector (an isolate slot).
pub(crate) struct InspectorSlot {
    rx: Receiver<InspectorMsg>,
    control: Arc<Control>,
    /// The main context, announced to the inspector when it is made.
    context: v8::Global<v8::Context>,
    title: String,
    inspector: Option<Box<Inspector>>,
}

/// Give the isolate its inspector's receiving end. The inspector itself is
/// made now for an inspected thread (V8 reports to a debugger only the
/// scripts compiled after their context was announced), else on the first
/// message (a profile, a heap snapshot).
pub(crate) fn install(scope: &mut v8::HandleScope, rx: Receiver<InspectorMsg>, control: Arc<Control>, title: String, eager: bool) {
    let context = scope.get_current_context();
    let context = v8::Global::new(scope, context);
    scope.set_slot(InspectorSlot { rx, control, context, title, inspector: None });
    if eager {
        inspector(scope);
    }
}

/// Drop the inspector (before its isolate goes).
pub(crate) fn uninstall(isolate: &mut v8::Isolate) {
    if let Some(mut slot) = isolate.remove_slot::<InspectorSlot>() {
        slot.inspector.take();
    }
}

/// The inspector, made on first use; None when the slot is missing.
fn inspector(scope: &mut v8::HandleScope<()>) -> Option<NonNull<Inspector>> {
    let slot = scope.get_slot::<InspectorSlot>()?;
    if slot.inspector.is_none() {
        let (rx, control, title, context) = (slot.rx.clone(), slot.control.clone(), slot.title.clone(), slot.context.clone());
        let made = Inspector::new(scope, rx, control, &title, context);
        scope.get_slot_mut::<InspectorSlot>()?.inspector = Some(made);
    }
    let slot = scope.get_slot_mut::<InspectorSlot>()?;
    slot.inspector.as_mut().map(|b| NonNull::from(&mut **b))
}

/// Dispatch every message waiting (event loop turns and interrupts).
pub(crate) fn pump(scope: &mut v8::HandleScope<()>) {
    match scope.get_slot::<InspectorSlot>() {
        Some(slot) if !slot.rx.is_empty() => {}
        _ => return,
    }
    if let Some(p) = inspector(scope) {
        // SAFETY: the box lives in the isolate slot until `uninstall`, which
        // runs after the event loop returned; only this thread touches it.
        unsafe { Inspector::drain(p.as_ptr()) };
    }
}

/// `inspectBrk`: wait until a debugger connected and said go
/// (`Runtime.runIfWaitingForDebugger`), then pause on the next statement.
/// Returns early when the thread is disposed.
pub(crate) fn wait_for_debugger(scope: &mut v8::HandleScope<()>) {
    let Some(slot) = scope.get_slot::<InspectorSlot>() else { return };
    let (rx, control) = (slot.rx.clone(), slot.control.clone());
    let Some(p) = inspector(scope) else { return };
    let p = p.as_ptr();
    // SAFETY: as in `pump`; nothing else runs on this thread meanwhile.
    unsafe {
        (*p).waiting = true;
        while (*p).waiting && !control.has_interrupt() {
            match rx.recv_timeout(PAUSE_POLL) {
                Ok(msg) => Inspector::handle(p, msg),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        (*p).waiting = false;
        for s in (*p).sessions.values_mut() {
            if let Some(v8s) = s.v8.as_mut() {
                let reason = StringView::from(&b"Break on start"[..]);
                v8s.schedule_pause_on_next_statement(reason, StringView::empty());
            }
        }
    }
}

/// An interrupt asked for while JS runs (`Terminator::poll_inspector`).
pub(crate) extern "C" fn on_interrupt(isolate: &mut v8::Isolate, _data: *mut std::ffi::c_void) {
    if isolate.get_slot::<InspectorSlot>().is_none_or(|s| s.rx.is_empty()) {
        return;
    }
    // SAFETY: V8 runs interrupts on the isolate's thread, between JS
    // operations, where a callback may use the isolate.
    let scope = &mut unsafe { v8::CallbackScope::new(isolate) };
    let scope = &mut v8::HandleScope::new(scope);
    pump(scope);
}

/// One protocol session: V8 writes its answers into `out`.
struct Session {
    // Declared first: the V8 session goes before the channel it writes to.
    v8: Option<v8::UniqueRef<V8InspectorSession>>,
    base: ChannelBase,
    out: Sender<String>,
    closed: bool,
}

impl Session {
    fn new(out: Sender<String>) -> Box<Self> {
        Box::new(Self { v8: None, base: ChannelBase::new::<Self>(), out, closed: false })
    }

    fn send(&mut self, message: UniquePtr<StringBuffer>) {
        if let Some(buf) = message.as_ref() {
            let _ = self.out.send(buf.string().to_string());
        }
    }
}

impl ChannelImpl for Session {
    fn base(&self) -> &ChannelBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut ChannelBase {
        &mut self.base
    }
    unsafe fn base_ptr(this: *const Self) -> *const ChannelBase {
        // SAFETY: only the field's address is taken, no reference is made.
        unsafe { addr_of!((*this).base) }
    }
    fn send_response(&mut self, _call_id: i32, message: UniquePtr<StringBuffer>) {
        self.send(message);
    }
    fn send_notification(&mut self, message: UniquePtr<StringBuffer>) {
        self.send(message);
    }
    fn flush_protocol_notifications(&mut self) {}
}

/// The inspector client of one isolate, with its sessions.
pub(crate) struct Inspector {
    base: V8InspectorClientBase,
    // `Drop` drops the sessions first, then the V8 inspector.
    v8: Option<v8::UniqueRef<V8Inspector>>,
    sessions: HashMap<u32, Box<Session>>,
    rx: Receiver<InspectorMsg>,
    control: Arc<Control>,
    /// Dispatches on the stack; sessions are dropped only at depth 0.
    depth: u32,
    /// The pause loop runs until V8 asks it to quit.
    quit: bool,
    /// `inspectBrk`: waiting for `Runtime.runIfWaitingForDebugger`.
    waiting: bool,
}

impl Drop for Inspector {
    fn drop(&mut self) {
        self.sessions.clear();
        self.v8.take();
    }
}

impl Inspector {
    fn new(
        scope: &mut v8::HandleScope<()>,
        rx: Receiver<InspectorMsg>,
        control: Arc<Control>,
        title: &str,
        context: v8::Global<v8::Context>,
    ) -> Box<Self> {
        let mut me = Box::new(Self {
            base: V8InspectorClientBase::new::<Self>(),
            v8: None,
            sessions: HashMap::new(),
            rx,
            control,
            depth: 0,
            quit: false,
            waiting: false,
        });
        let mut v8i = V8Inspector::create(scope, &mut *me);
        let scope = &mut v8::HandleScope::new(scope);
        let context = v8::Local::new(scope, context);
        let name = title.encode_utf16().collect::<Vec<u16>>();
        let aux = StringView::from(&br#"{"isDefault":true}"#[..]);
        v8i.context_created(context, GROUP, StringView::from(&name[..]), aux);
        me.v8 = Some(v8i);
        me
    }

    /// Handle every queued message.
    ///
    /// # Safety
    /// `this` is a live boxed Inspector on its isolate's thread.
    unsafe fn drain(this: *mut Self) {
        // SAFETY: see the function's contract.
        unsafe {
            while let Ok(msg) = (*this).rx.try_recv() {
                Self::handle(this, msg);
            }
        }
    }

    /// # Safety
    /// `this` is a live boxed Inspector on its isolate's thread.
    unsafe fn handle(this: *mut Self, msg: InspectorMsg) {
        // SAFETY: see the function's contract; references made here end
        // before any dispatch, which may re-enter through V8.
        unsafe {
            match msg {
                InspectorMsg::Connect { session, out } => {
                    let mut s = Session::new(out);
                    if let Some(v8i) = (*this).v8.as_mut() {
                        let v8s = v8i.connect(GROUP, &mut *s, StringView::empty(), V8InspectorClientTrustLevel::FullyTrusted);
                        s.v8 = Some(v8s);
                        (*this).sessions.insert(session, s);
                    }
                }
                InspectorMsg::Message { session, text } => {
                    let Some(s) = (*this).sessions.get_mut(&session) else { return };
                    if s.closed {
                        return;
                    }
                    let Some(v8s) = s.v8.as_mut() else { return };
                    let v8s: *mut V8InspectorSession = &mut **v8s;
                    let text = with_default_context(text);
                    (*this).depth += 1;
                    dispatch(&mut *v8s, &text);
                    (*this).depth -= 1;
                }
                InspectorMsg::Disconnect { session } => {
                    if let Some(s) = (*this).sessions.get_mut(&session) {
                        s.closed = true;
                        // A debugger that leaves lets the thread go on.
                        if let Some(v8s) = s.v8.as_mut() {
                            let v8s: *mut V8InspectorSession = &mut **v8s;
                            (*this).depth += 1;
                            dispatch(&mut *v8s, r#"{"id":-1,"method":"Debugger.resume"}"#);
                            (*this).depth -= 1;
                        }
                    }
                }
            }
            if (*this).depth == 0 {
                (*this).sessions.retain(|_, s| !s.closed);
            }
        }
    }

    fn live_sessions(&self) -> usize {
        self.sessions.values().filter(|s| !s.closed).count()
    }
}

/// Methods whose `contextId` defaults to the "default context", which
/// V8 asks the embedder for (`ensureDefaultContextInGroup`, which the `v8`
/// crate does not bind): without one they fail with "Cannot find default
/// execution context".
const DEFAULT_CONTEXT_METHODS: [&str; 3] = ["\"Runtime.evaluate\"", "\"Runtime.compileScript\"", "\"Runtime.globalLexicalScopeNames\""];
/// The main context's id: V8 numbers contexts per inspector from 1, and
/// the main context is the first one announced.
const MAIN_CONTEXT_ID: i32 = 1;

/// `text` with the main context as `contextId` when a method that takes
/// the default context names none.
fn with_default_context(text: String) -> String {
    if !DEFAULT_CONTEXT_METHODS.iter().any(|m| text.contains(m)) {
        return text;
    }
    let Ok(serde_json::Value::Object(mut msg)) = serde_json::from_str::<serde_json::Value>(&text) else { return text };
    let params = msg.entry("params").or_insert_with(|| serde_json::json!({}));
    match params.as_object_mut() {
        Some(p) if !p.contains_key("contextId") && !p.contains_key("uniqueContextId") => {
            p.insert("contextId".into(), MAIN_CONTEXT_ID.into());
            serde_json::Value::Object(msg).to_string()
        }
        _ => text,
    }
}

/// Hand one JSON message to a V8 session (UTF-16 unless it is ASCII).
fn dispatch(session: &mut V8InspectorSession, text: &str) {
    if text.is_ascii() {
        session.dispatch_protocol_message(StringView::from(text.as_bytes()));
    } else {
        let wide: Vec<u16> = text.encode_utf16().collect();
        session.dispatch_protocol_message(StringView::from(&wide[..]));
    }
}

impl V8InspectorClientImpl for Inspector {
    fn base(&self) -> &V8InspectorClientBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut V8InspectorClientBase {
        &mut self.base
    }
    unsafe fn base_ptr(this: *const Self) -> *const V8InspectorClientBase {
        // SAFETY: only the field's address is taken, no reference is made.
        unsafe { addr_of!((*this).base) }
    }

    /// A breakpoint, a step or `debugger`: serve the debugger's messages
    /// on this thread until it resumes (calls wait; the call's timeout
    /// stops counting), the debugger leaves, or the thread is disposed.
    fn run_message_loop_on_pause(&mut self, _group: i32) {
        let this: *mut Self = self;
        // SAFETY: V8 calls this on the isolate's thread with the boxed
        // client; state is reached through `this` only, never held across
        // a dispatch (which can call `quit_message_loop_on_pause`).
        unsafe {
            (*this).quit = false;
            let control = (*this).control.clone();
            let rx = (*this).rx.clone();
            control.set_paused(true);
            while !(*this).quit && (*this).live_sessions() > 0 && !control.is_disposed() {
                match rx.recv_timeout(PAUSE_POLL) {
                    Ok(msg) => Self::handle(this, msg),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            control.set_paused(false);
            (*this).quit = false;
        }
    }

    fn quit_message_loop_on_pause(&mut self) {
        self.quit = true;
    }

    fn run_if_waiting_for_debugger(&mut self, _group: i32) {
        self.waiting = false;
    }
}
