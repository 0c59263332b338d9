//! The call-state machine without a host: a control built here, no isolate.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::{end_call, CallState};
use crate::engine::Payload;
use crate::runtime::{Control, Interrupt, Job, Outcome};

fn control() -> (Control, Receiver<Job>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    (Control::new(3, "thread 3".into(), tx), rx)
}

fn value() -> Outcome {
    Outcome::Value(Payload::default())
}

fn code(o: &Outcome) -> &'static str {
    match o {
        Outcome::Value(_) => "value",
        Outcome::Thrown(_) => "thrown",
        Outcome::Failed { code, .. } => code,
    }
}

#[test]
fn a_call_starts_and_settles_once() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    assert!(!s.in_flight() && !s.settled_once());
    assert!(s.begin(&c, 1, 9, 4, 12.5, Instant::now()));
    assert!(s.in_flight());
    assert_eq!(s.realm(), 4);
    assert_eq!(c.current(), Some(1));
    s.mark_fresh_realm();
    let done = s.settle().expect("the call settles");
    assert_eq!((done.call_id, done.owner, done.realm, done.fresh_realm, done.wait_us), (1, 9, 4, true, 12.5));
    assert!(done.after.is_none());
    assert!(s.settle().is_none(), "a second result finds no call");
    assert!(!s.in_flight() && s.settled_once());
    assert_eq!(s.realm(), 0, "no call: the main realm");
}

#[test]
fn a_call_cancelled_while_queued_never_starts() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    c.interrupt_call(5, Interrupt::Aborted); // not running yet: cancelled
    assert!(!s.begin(&c, 5, 3, 0, 0.0, Instant::now()));
    assert!(!s.in_flight());
    assert!(s.settle().is_none());
    assert!(s.begin(&c, 6, 3, 0, 0.0, Instant::now()), "the next call runs");
}

#[test]
fn a_late_result_after_an_abort_is_dropped() {
    let (c, rx) = control();
    let mut s = CallState::new();
    assert!(s.begin(&c, 1, 3, 0, 0.0, Instant::now()));
    c.interrupt_call(1, Interrupt::Aborted);
    assert!(matches!(rx.try_recv(), Ok(Job::Wake)), "the thread is woken to stop the call");
    // The loop's top: the interrupt ends the call with ERR_ABORTED.
    let why = c.pending_interrupt().expect("an interrupt");
    assert!(s.settle().is_some());
    let (outcome, raced) = end_call(&c, super::interrupt_outcome(&c, why));
    assert_eq!(code(&outcome), "ERR_ABORTED");
    assert!(!raced, "the interrupt was taken: nothing left to cancel");
    // The call's promise settles later: no call, no promise, nothing sent.
    assert!(s.promise().is_none());
    assert!(s.settle().is_none());
}

#[test]
fn a_timeout_racing_with_the_end_keeps_a_value_and_fails_an_error() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    assert!(s.begin(&c, 1, 3, 0, 0.0, Instant::now()));
    c.interrupt_call(1, Interrupt::Timeout(50.0));
    s.settle();
    let (outcome, raced) = end_call(&c, value());
    assert_eq!(code(&outcome), "value", "a call that returned keeps its value");
    assert!(raced, "the termination is cancelled");
    assert!(c.pending_interrupt().is_none(), "the interrupt never reaches the next call");

    assert!(s.begin(&c, 2, 3, 0, 0.0, Instant::now()));
    c.interrupt_call(2, Interrupt::Timeout(50.0));
    s.settle();
    let (outcome, raced) = end_call(&c, Outcome::Thrown(Payload::default()));
    assert_eq!(code(&outcome), "ERR_TIMEOUT");
    assert!(raced);
    match outcome {
        Outcome::Failed { message, .. } => assert_eq!(message, "thread 3 timed out after 50 ms"),
        _ => unreachable!(),
    }
}

#[test]
fn an_interrupt_for_an_ended_call_is_ignored() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    assert!(s.begin(&c, 1, 3, 0, 0.0, Instant::now()));
    s.settle();
    assert_eq!(code(&end_call(&c, value()).0), "value");
    c.interrupt_call(1, Interrupt::Aborted); // too late: recorded as a cancellation of call 1
    assert!(s.begin(&c, 2, 3, 0, 0.0, Instant::now()), "a later call is not hit");
    let (outcome, raced) = end_call(&c, value());
    assert_eq!((code(&outcome), raced), ("value", false));
}

#[test]
fn out_of_memory_at_the_end_fails_the_call_and_stays_set() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    assert!(s.begin(&c, 1, 3, 0, 0.0, Instant::now()));
    c.out_of_memory();
    s.settle();
    let (outcome, raced) = end_call(&c, value());
    assert_eq!(code(&outcome), "ERR_MEMORY_LIMIT");
    assert!(!raced, "the thread ends: nothing to cancel");
    assert_eq!(c.pending_interrupt(), Some(Interrupt::MemoryLimit));
}

#[test]
fn the_heap_is_checked_after_the_first_call_then_at_least_every_64() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    let mut checked = Vec::new();
    for id in 1..=200u64 {
        assert!(s.begin(&c, id, 3, 0, 0.0, Instant::now()));
        if s.settle().unwrap().check_heap {
            checked.push(id);
        }
        let _ = end_call(&c, value());
    }
    assert_eq!(checked.first(), Some(&1));
    assert!(checked.windows(2).all(|w| w[1] - w[0] <= 64), "{checked:?}");
    // Calls this short (no JS ran) are checked by count, not each time.
    assert!(checked.len() < 50, "{checked:?}");
}

#[test]
fn calls_that_ran_a_millisecond_in_all_check_the_heap_and_one_that_long_on_its_own() {
    let (c, _rx) = control();
    let mut s = CallState::new();
    let run = |s: &mut CallState, id: u64, us: u64| {
        assert!(s.begin(&c, id, 3, 0, 0.0, Instant::now()));
        std::thread::sleep(Duration::from_micros(us));
        let checked = s.settle().unwrap().check_heap;
        let _ = end_call(&c, value());
        checked
    };
    assert!(run(&mut s, 1, 0), "the first call is checked");
    // Calls of 100 µs: checked once they ran 1 ms in all (sleep may take
    // longer than asked, never less), not after each.
    let checked: Vec<u64> = (2..=41).filter(|&id| run(&mut s, id, 100)).collect();
    assert!((3..=20).contains(&checked.len()), "{checked:?}");
    assert!(checked.windows(2).all(|w| w[1] - w[0] <= 10), "{checked:?}");
    // A call of 1 ms is checked on its own, even right after a check.
    assert!(run(&mut s, 42, 1000));
    assert!(run(&mut s, 43, 1000));
}

/// In an isolate of its own (as the codec's tests make them): the handles a
/// call keeps.
fn with_isolate(f: impl FnOnce(&mut v8::HandleScope)) {
    crate::engine::platform::init();
    let isolate = &mut v8::Isolate::new(Default::default());
    let scope = &mut v8::HandleScope::new(isolate);
    let context = v8::Context::new(scope);
    let scope = &mut v8::ContextScope::new(scope, context);
    f(scope);
}

fn eval<'s>(s: &mut v8::HandleScope<'s>, code: &str) -> v8::Local<'s, v8::Value> {
    let source = v8::String::new(s, code).unwrap();
    v8::Script::compile(s, source, None).unwrap().run(s).unwrap()
}

#[test]
fn a_before_hooks_promise_then_the_tasks_then_the_after_hook_once() {
    with_isolate(|s| {
        let (c, _rx) = control();
        let mut st = CallState::new();
        let promise = |s: &mut v8::HandleScope| {
            let p = v8::Local::<v8::Promise>::try_from(eval(s, "new Promise(() => {})")).unwrap();
            v8::Global::new(s, p)
        };
        let function = |s: &mut v8::HandleScope| {
            let f = v8::Local::<v8::Function>::try_from(eval(s, "(function task() {})")).unwrap();
            v8::Global::new(s, f)
        };
        // No call: nothing is kept.
        let hook = promise(s);
        let task = function(s);
        let undefined: v8::Local<v8::Value> = v8::undefined(s).into();
        let recv = v8::Global::new(s, undefined);
        assert!(!st.await_before_hook(hook, super::PendingTask::new(task, recv.clone(), Payload::default())));
        assert!(st.promise().is_none());

        assert!(st.begin(&c, 1, 3, 2, 0.0, Instant::now()));
        let after = function(s);
        st.set_after(after.clone());
        let hook = promise(s);
        let task = function(s);
        assert!(st.await_before_hook(hook.clone(), super::PendingTask::new(task.clone(), recv, Payload::default())));
        assert!(st.promise() == Some(&hook), "the call waits on the before-hook first");
        let (t, _, _) = st.take_before_hook().expect("the task to call").into_parts();
        assert!(t == task);
        assert!(st.promise().is_none() && st.take_before_hook().is_none());
        let own = promise(s);
        st.await_promise(own.clone());
        assert!(st.promise() == Some(&own), "then on the task's own promise");
        let done = st.settle().unwrap();
        assert!(done.after == Some(after), "the after-hook is handed back with the settled call");
        assert!(st.settle().is_none() && st.promise().is_none());
    });
}
