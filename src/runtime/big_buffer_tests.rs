use std::sync::{Arc, Mutex};

use super::*;

/// The cache is one per process: these tests take turns, each starting
/// with it empty.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    let t = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let kept = {
        let mut c = cache();
        c.bytes = 0;
        std::mem::take(&mut c.regions)
    };
    drop(kept);
    t
}

#[test]
fn has_its_length_and_new_memory_is_zeroed() {
    let _t = turn();
    for len in [0, 1, BIG_MIN, 3 * HUGE + 5] {
        let b = BigBuffer::try_zeroed(len).unwrap();
        assert_eq!(b.len(), len);
        assert!(b.iter().all(|&x| x == 0), "{len} bytes zeroed");
    }
}

#[test]
fn copies_and_reused_memory_is_zeroed_when_asked() {
    let _t = turn();
    let data: Vec<u8> = (0..5 * HUGE + 3).map(|i| (i % 251) as u8 + 1).collect();
    let b = BigBuffer::copy_of(&data);
    assert_eq!(&b[..], &data[..]);
    let at = b.as_ptr();
    drop(b);
    let z = BigBuffer::try_zeroed(data.len()).unwrap();
    assert_eq!(z.as_ptr(), at, "the freed memory is reused");
    assert!(z.iter().all(|&x| x == 0), "reused memory is zeroed for try_zeroed");
}

#[test]
fn freed_once_into_the_cache_and_bounded() {
    let _t = turn();
    let len = 9 * HUGE + 1;
    let size = 9 * HUGE + PAGE;
    let before = mapped_bytes();
    let mut b = BigBuffer::try_for_overwrite(len).unwrap();
    b[len - 1] = 7;
    let at = b.as_ptr();
    drop(b);
    assert_eq!(cached_bytes(), size, "kept once, whole (a page's multiple)");
    let again = BigBuffer::try_for_overwrite(len).unwrap();
    assert_eq!((again.as_ptr(), again[len - 1]), (at, 7), "the same memory, contents left as they were");
    assert_eq!(cached_bytes(), 0, "taken out of the cache");
    drop(again);
    // Many more big buffers than the cache holds, alive at once, then freed:
    // what stays mapped is bounded by the cache.
    let many: Vec<BigBuffer> = (0..12).map(|_| BigBuffer::try_for_overwrite(len).unwrap()).collect();
    assert!(mapped_bytes() >= before + 12 * size);
    drop(many);
    assert_eq!(cached_bytes(), CACHE_BYTES / size * size, "the newest kept, up to the bound");
    assert!(mapped_bytes() <= before + CACHE_BYTES, "{} bytes still mapped", mapped_bytes());
}

#[test]
fn many_small_regions_are_bounded_by_count() {
    let _t = turn();
    let many: Vec<BigBuffer> = (0..CACHE_REGIONS + 50).map(|_| BigBuffer::try_for_overwrite(64 << 10).unwrap()).collect();
    drop(many);
    assert_eq!(cache().regions.len(), CACHE_REGIONS);
    assert_eq!(cached_bytes(), CACHE_REGIONS * (64 << 10));
}

#[test]
fn too_big_for_the_cache_is_unmapped() {
    let _t = turn();
    drop(BigBuffer::try_for_overwrite(CACHE_BYTES + 1).unwrap());
    assert_eq!(cached_bytes(), 0);
}

#[test]
fn shares_across_threads() {
    let _t = turn();
    let b = Arc::new(BigBuffer::copy_of(&vec![3u8; BIG_MIN + 1]));
    let sums: Vec<usize> = (0..3)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || b.iter().map(|&x| x as usize).sum::<usize>())
        })
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(sums, vec![3 * (BIG_MIN + 1); 3]);
    // Freed on another thread than the one that made it.
    let mut owned = BigBuffer::try_for_overwrite(BIG_MIN).unwrap();
    owned[0] = 1;
    std::thread::spawn(move || drop(owned)).join().unwrap();
}

#[test]
fn a_buffer_taken_and_freed_again_and_again_does_not_wake_the_trimmer_each_time() {
    let _t = turn();
    // The trimmer is started and has a deadline 5 s away.
    drop(BigBuffer::try_for_overwrite(BIG_MIN).unwrap());
    std::thread::sleep(Duration::from_millis(20));
    let before = TRIMMER_WAKES.load(Ordering::Relaxed);
    // As a call per 100 KB argument does: the cache goes from empty to one
    // region every time.
    for _ in 0..2_000 {
        drop(BigBuffer::try_for_overwrite(BIG_MIN).unwrap());
    }
    let woke = TRIMMER_WAKES.load(Ordering::Relaxed) - before;
    assert!(woke <= 2, "the trimmer woke {woke} times for 2,000 buffers");
}

#[test]
fn kept_memory_is_unmapped_once_big_buffers_stop() {
    let _t = turn();
    TRIM_AFTER_MS.store(100, Ordering::Relaxed);
    // A trimmer waiting out an earlier test's 5 s deadline looks again now
    // (a region kept no longer wakes it).
    KEPT.notify_all();
    let len = 3 * HUGE;
    drop(BigBuffer::try_for_overwrite(len).unwrap());
    assert_eq!(cached_bytes(), len, "kept at first");
    // Used again before the time is up: still kept.
    std::thread::sleep(Duration::from_millis(40));
    drop(BigBuffer::try_for_overwrite(len).unwrap());
    assert_eq!(cached_bytes(), len);
    let freed = Instant::now();
    while cached_bytes() != 0 && freed.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let after = freed.elapsed();
    TRIM_AFTER_MS.store(5_000, Ordering::Relaxed);
    assert_eq!(cached_bytes(), 0, "unmapped after the idle time");
    assert!(after >= Duration::from_millis(90), "not before its time: {after:?}");
}
