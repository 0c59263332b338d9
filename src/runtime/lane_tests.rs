use super::testing::post;
use super::*;
use std::sync::Arc;

fn run_of(job: Option<Job>) -> (u64, Option<f64>, Vec<u8>) {
    match job {
        Some(Job::Run { call_id, timeout_ms, args, .. }) => (call_id, timeout_ms, args.bytes.to_vec()),
        _ => panic!("expected a Run job"),
    }
}

#[test]
fn a_call_is_posted_only_while_the_thread_listens() {
    let lane = Lane::new();
    assert!(!post(&lane, 1.0, f64::NAN, 0, b"x"), "OFF: no post");
    assert!(lane.listen());
    assert!(post(&lane, 7.0, 250.0, 0, b"args"));
    assert!(!post(&lane, 8.0, f64::NAN, 0, b"y"), "one call at a time");
    assert_eq!(run_of(lane.take()), (7, Some(250.0), b"args".to_vec()));
    assert_eq!(lane.load(), BUSY);
    assert!(!lane.listen(), "busy until finished");
    lane.finish();
    assert!(lane.listen());
    assert!(lane.unlisten().is_none());
    assert!(!post(&lane, 9.0, f64::NAN, 0, b"z"), "no longer listening");
}

#[test]
fn a_call_posted_as_the_thread_stops_listening_is_not_lost() {
    let lane = Lane::new();
    assert!(lane.listen());
    assert!(post(&lane, 3.0, f64::NAN, 5, b"p"));
    match lane.unlisten() {
        Some(Job::ServiceCall { call_id: 3, task, timeout_ms: None, .. }) => assert_eq!((task.id, task.name), (5, None)),
        _ => panic!("the posted service call comes back"),
    }
}

#[test]
fn a_pool_withholds_only_a_thread_without_a_lane_call() {
    let lane = Lane::new();
    assert!(lane.withhold(), "OFF");
    assert!(lane.listen());
    assert!(lane.withhold(), "LISTENING: taken back to OFF");
    assert!(!post(&lane, 1.0, f64::NAN, 0, b""), "the host no longer posts");
    assert!(lane.listen());
    assert!(post(&lane, 1.0, f64::NAN, 0, b""));
    assert!(!lane.withhold(), "POSTED");
    lane.take();
    assert!(!lane.withhold(), "BUSY");
    lane.finish();
    assert!(lane.withhold());
}

#[test]
fn closing_returns_a_call_no_one_took_and_reopening_keeps_it() {
    let lane = Lane::new();
    assert!(lane.listen());
    assert!(post(&lane, 4.0, f64::NAN, 0, b"q"));
    lane.reopen();
    assert_eq!(lane.load(), POSTED, "a replacement serves it");
    assert_eq!(run_of(lane.close()).0, 4);
    assert!(!lane.listen(), "closed");
    lane.reopen();
    assert!(lane.listen());
}

#[test]
fn every_call_posted_from_another_thread_is_taken_once() {
    let lane = Arc::new(Lane::new());
    let thread = {
        let lane = lane.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            while got.len() < 10_000 {
                assert!(lane.listen());
                let mut job = None;
                for _ in 0..64 {
                    job = lane.take();
                    if job.is_some() {
                        break;
                    }
                    std::hint::spin_loop();
                }
                let job = job.or_else(|| lane.unlisten());
                if let Some(job) = job {
                    got.push(run_of(Some(job)).0);
                    lane.finish();
                }
            }
            got
        })
    };
    let mut sent = 0u64;
    while sent < 10_000 {
        if post(&lane, sent as f64, f64::NAN, 0, &sent.to_le_bytes()) {
            sent += 1;
        }
    }
    let got = thread.join().unwrap();
    assert_eq!(got, (0..10_000).collect::<Vec<u64>>());
}

/// The host's view of `lane` (its memory, as the ArrayBuffer gives it).
fn host(lane: &Lane) -> HostLane<'_> {
    // SAFETY: a lane's own memory, alive while `lane` is borrowed.
    unsafe { HostLane::at(lane.as_ptr(), LANE_BYTES) }.expect("a lane's memory")
}

fn answer_of(lane: &Lane) -> (u32, Vec<u8>, f64, f64) {
    let at = lane.as_ptr();
    // SAFETY: in-bounds, aligned reads of an answer the host collected.
    unsafe {
        let len = (at.add(R_LENGTH) as *const u32).read() as usize;
        (
            (at.add(R_STATUS) as *const u32).read(),
            std::slice::from_raw_parts(at.add(DATA), len).to_vec(),
            (at.add(R_WAIT) as *const f64).read(),
            (at.add(R_RUN) as *const f64).read(),
        )
    }
}

#[test]
fn an_answer_goes_in_the_lane_only_while_the_host_waits_there() {
    let lane = Lane::new();
    let h = host(&lane);
    assert!(!lane.answer(false, b"v", 1.0, 2.0), "the host is not waiting");
    h.begin_wait();
    assert!(!h.collect(), "nothing yet");
    assert!(lane.answer(true, b"thrown", 3.0, 4.0));
    assert!(h.collect());
    assert_eq!(answer_of(&lane), (1, b"thrown".to_vec(), 3.0, 4.0));
    assert!(!h.collect(), "collected once");
    assert!(!h.end_wait());
    assert!(!lane.answer(false, &[0; LANE_BYTES], 0.0, 0.0), "too big for the lane");
}

#[test]
fn an_answer_put_as_the_host_stops_waiting_is_collected_or_taken_back_never_both() {
    for _ in 0..2_000 {
        let lane = Arc::new(Lane::new());
        host(&lane).begin_wait();
        let thread = {
            let lane = lane.clone();
            std::thread::spawn(move || lane.answer(false, b"x", 0.0, 0.0))
        };
        let collected = host(&lane).end_wait();
        let in_lane = thread.join().unwrap();
        // The thread left it in the lane only if the host has it (else it
        // sends it as an event): exactly one of them delivers it.
        assert_eq!(in_lane, collected);
        assert!(!host(&lane).collect(), "nothing is left behind");
    }
}

#[test]
fn host_views_accept_only_a_lane_s_size_and_alignment() {
    let lane = Lane::new();
    // SAFETY: pointers into the lane's own memory; nothing is accessed.
    unsafe {
        assert!(HostLane::at(lane.as_ptr(), LANE_BYTES - 1).is_none());
        assert!(HostLane::at(lane.as_ptr().add(8), LANE_BYTES).is_none());
        assert!(HostLane::at(std::ptr::null_mut(), LANE_BYTES).is_none());
    }
}

#[test]
fn a_lane_made_from_a_dropped_one_starts_clean() {
    let mut reused = 0;
    for _ in 0..100 {
        let dirty = Lane::new();
        assert!(dirty.listen());
        assert!(post(&dirty, 1.0, f64::NAN, 0, b"left"));
        host(&dirty).begin_wait();
        dirty.take();
        assert!(dirty.answer(false, b"left", 0.0, 0.0));
        let at = dirty.as_ptr() as usize;
        drop(dirty);
        // (Other tests make lanes meanwhile and may take that memory.)
        let lane = Lane::new();
        reused += usize::from(lane.as_ptr() as usize == at);
        assert_eq!(lane.load(), OFF);
        assert!(!host(&lane).collect(), "no answer");
        assert!(!lane.answer(false, b"x", 0.0, 0.0), "the host is not waiting");
    }
    assert!(reused > 0, "a dropped lane's memory is used again");
}
