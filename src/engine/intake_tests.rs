//! Intake without a host: channels, a control and a pool queue built here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::Intake;
use crate::engine::Payload;
use crate::runtime::pool::PoolQueue;
use crate::runtime::{Control, Job};

fn run(call_id: u64) -> Job {
    Job::Run { call_id, args: Payload::default(), timeout_ms: None, queued_at: Instant::now() }
}

/// The call id of a Run job (0 for any other job).
fn id(job: Option<Job>) -> u64 {
    match job {
        Some(Job::Run { call_id, .. }) => call_id,
        Some(_) => 0,
        None => u64::MAX,
    }
}

fn intake(pool: Option<Arc<PoolQueue>>) -> (Intake, Sender<Job>, Arc<Control>) {
    intake_of(7, pool)
}

/// The intake of thread `id`.
fn intake_of(id: u32, pool: Option<Arc<PoolQueue>>) -> (Intake, Sender<Job>, Arc<Control>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let control = Arc::new(Control::new(id, format!("thread {id}"), tx.clone()));
    (Intake::new(control.clone(), rx, pool), tx, control)
}

fn soon() -> Option<Instant> {
    Some(Instant::now() + Duration::from_millis(5))
}

#[test]
fn backlog_first_then_channel_in_order() {
    let (mut i, tx, _c) = intake(None);
    tx.send(run(3)).unwrap();
    tx.send(run(4)).unwrap();
    i.defer(run(1));
    i.defer(run(2));
    assert_eq!(i.waiting(), 4);
    assert!(!i.is_empty());
    let got: Vec<u64> = (0..4).map(|_| id(i.next_job(soon(), || {}))).collect();
    assert_eq!(got, [1, 2, 3, 4]);
    assert!(i.is_empty());
    assert_eq!(i.waiting(), 0);
}

#[test]
fn own_channel_before_pool_queue() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    pool.submit(run(10)); // no idle thread yet: queued
    let (mut i, tx, _c) = intake(Some(pool.clone()));
    tx.send(run(20)).unwrap();
    assert_eq!(i.waiting(), 2);
    assert_eq!(id(i.next_job(soon(), || {})), 20);
    assert_eq!(id(i.next_job(soon(), || {})), 10);
    assert_eq!(pool.queued(), 0);
}

#[test]
fn idle_wait_runs_before_wait_once_and_times_out_at_the_timer() {
    let (mut i, _tx, _c) = intake(None);
    let mut flushed = 0;
    let t0 = Instant::now();
    let got = i.next_job(Some(t0 + Duration::from_millis(20)), || flushed += 1);
    assert!(got.is_none());
    assert!(t0.elapsed() >= Duration::from_millis(20));
    assert_eq!(flushed, 1);
    assert!(!i.closing(), "a timer's deadline never closes the thread");
}

#[test]
fn a_ready_job_never_waits() {
    let (mut i, tx, _c) = intake(None);
    tx.send(run(1)).unwrap();
    let mut flushed = false;
    assert_eq!(id(i.next_job(None, || flushed = true)), 1);
    assert!(!flushed, "nothing to flush before a job that is there");
}

#[test]
fn an_idle_pool_thread_is_handed_the_next_call() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    let (mut i, _tx, _c) = intake(Some(pool.clone()));
    // Nothing queued: the thread is listed as idle while it waits.
    assert!(i.next_job(soon(), || {}).is_none());
    pool.submit(run(5));
    assert_eq!(pool.queued(), 0, "handed to the idle thread, not queued");
    assert_eq!(id(i.next_job(soon(), || {})), 5);
}

#[test]
fn owner_is_the_pool_else_the_thread() {
    let (i, _tx, c) = intake(None);
    assert_eq!(i.owner(), c.id);
    let pool = Arc::new(PoolQueue::new(1, None));
    let (i, _tx, _c) = intake(Some(pool.clone()));
    assert_eq!(i.owner(), pool.id);
}

#[test]
fn close_without_a_pool_ends_at_once() {
    let (mut i, tx, _c) = intake(None);
    tx.send(run(1)).unwrap();
    assert!(!i.close_after_queue());
    assert!(!i.closing());
}

#[test]
fn close_in_a_pool_drains_handed_and_queued_calls_then_ends() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    let (mut i, tx, _c) = intake(Some(pool.clone()));
    tx.send(run(1)).unwrap(); // handed before the pool heard of the close
    pool.submit(run(2));
    pool.submit(run(3));
    assert!(i.close_after_queue());
    assert!(i.closing());
    let mut waited = false;
    let got: Vec<u64> = (0..4).map(|_| id(i.next_job(None, || waited = true))).collect();
    assert_eq!(got, [1, 2, 3, u64::MAX]);
    assert!(!waited, "a closing thread never waits");
    // The thread was never listed idle: a new call stays queued.
    pool.submit(run(4));
    assert_eq!(pool.queued(), 1);
}

#[test]
fn close_with_nothing_waiting_ends_at_once() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    let (mut i, _tx, _c) = intake(Some(pool));
    assert!(!i.close_after_queue());
}

#[test]
fn an_idle_thread_above_min_threads_retires_after_idle_timeout() {
    let pool = Arc::new(PoolQueue::new(0, Some(Duration::from_millis(10))));
    pool.join();
    let (mut i, _tx, _c) = intake(Some(pool.clone()));
    let t0 = Instant::now();
    assert!(i.next_job(None, || {}).is_none());
    assert!(t0.elapsed() >= Duration::from_millis(10));
    assert!(i.closing());
    assert_eq!(pool.open(), 0);
}

#[test]
fn the_idle_timeout_counts_from_the_last_call_not_the_last_wake() {
    let idle = Duration::from_millis(100);
    let pool = Arc::new(PoolQueue::new(0, Some(idle)));
    pool.join();
    let (mut i, _tx, _c) = intake(Some(pool.clone()));
    let t0 = Instant::now();
    // Timers wake the thread every 5 ms; it still retires once idle for 100 ms.
    while !i.closing() {
        assert!(i.next_job(soon(), || {}).is_none());
        assert!(t0.elapsed() < Duration::from_secs(10));
    }
    assert!(t0.elapsed() >= idle);
    // A call resets the count: idle 80 ms, a call, then 60 ms more is not 100.
    let pool = Arc::new(PoolQueue::new(0, Some(idle)));
    pool.join();
    let (mut i, tx, _c) = intake(Some(pool));
    assert!(i.next_job(soon(), || {}).is_none());
    std::thread::sleep(Duration::from_millis(80));
    tx.send(run(1)).unwrap();
    assert_eq!(id(i.next_job(None, || {})), 1);
    i.began();
    let t1 = Instant::now();
    let _ = i.next_job(Some(t1 + Duration::from_millis(60)), || {});
    // (Only a stall of 100 ms since began() could make it retire.)
    assert!(!i.closing() || t1.elapsed() >= idle, "retired {} ms after the call", t1.elapsed().as_millis());
}

#[test]
fn recv_busy_returns_a_job_or_times_out_at_until() {
    let (i, tx, _c) = intake(None);
    tx.send(Job::Wake).unwrap();
    assert!(matches!(i.recv_busy(None, Instant::now() + Duration::from_millis(5)), Ok(Job::Wake)));
    let t0 = Instant::now();
    let spin = Some(t0 + Duration::from_millis(2));
    assert!(i.recv_busy(spin, t0 + Duration::from_millis(10)).is_err());
    assert!(t0.elapsed() >= Duration::from_millis(10));
}

#[test]
fn a_thread_idle_again_is_handed_the_next_call_before_an_older_idle_one() {
    let pool = Arc::new(PoolQueue::new(2, None));
    pool.join();
    pool.join();
    let (mut older, _otx, _oc) = intake_of(1, Some(pool.clone()));
    let (mut hot, _htx, _hc) = intake_of(2, Some(pool.clone()));
    // `older` has waited a while; `hot` just answered its call.
    assert!(older.next_job(Some(Instant::now()), || {}).is_none());
    hot.done_then_idle(0);
    pool.submit(run(5));
    assert_eq!(id(hot.next_job(soon(), || {})), 5, "the call goes to the thread that answered last");
    assert_eq!(older.waiting(), 0);
}

#[test]
fn a_call_queued_as_the_thread_goes_idle_is_kept_for_it() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    pool.submit(run(9)); // no idle thread: queued
    let (mut i, _tx, _c) = intake(Some(pool.clone()));
    i.done_then_idle(0);
    assert_eq!(pool.queued(), 0);
    assert_eq!(i.waiting(), 1);
    assert_eq!(id(i.next_job(soon(), || {})), 9);
}

#[test]
fn a_listed_thread_gets_handed_calls_through_its_channel_and_queued_ones_from_the_pool() {
    let pool = Arc::new(PoolQueue::new(1, None));
    pool.join();
    let (mut i, _tx, _c) = intake(Some(pool.clone()));
    assert!(i.next_job(Some(Instant::now()), || {}).is_none(), "nothing yet: listed as idle");
    pool.submit(run(1)); // handed to the listed thread
    pool.submit(run(2)); // no idle thread left: queued
    assert_eq!(pool.queued(), 1);
    assert_eq!(id(i.next_job(soon(), || {})), 1);
    i.done_then_idle(1);
    assert_eq!(id(i.next_job(soon(), || {})), 2, "the queued call, taken as the first ended");
    i.done_then_idle(2);
    assert!(i.next_job(Some(Instant::now()), || {}).is_none());
    pool.submit(run(3));
    assert_eq!(pool.queued(), 0, "handed, not queued: the thread is listed again");
    assert_eq!(id(i.next_job(soon(), || {})), 3);
}
