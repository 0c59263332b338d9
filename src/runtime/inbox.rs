//! Receiving the next job: spin briefly, then park.
//!
//! A parked thread takes ~25 µs to wake on this kind of machine, more than a
//! whole call. So after each job a thread spins on its channel for a bounded
//! window before it parks, but never more spinning threads than cores.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use super::messages::Job;

/// How long a thread spins for its next job before it parks.
const SPIN_WINDOW: Duration = Duration::from_micros(200);

static SPINNING: AtomicUsize = AtomicUsize::new(0);

fn max_spinners() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        cores.max(1)
    })
}

/// True when the host, the thread answering it and the threads spinning
/// for work are more than the cores: a host waiting for an answer then
/// yields its core rather than spin on it.
pub fn cores_crowded() -> bool {
    SPINNING.load(Ordering::Relaxed) + 2 > max_spinners()
}

/// Take a spinning slot if fewer threads than allowed are spinning.
fn try_start_spinning() -> bool {
    let max = max_spinners();
    SPINNING.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).is_ok()
}

/// The next job, waiting until `deadline` at most (forever when `None`).
pub fn recv(jobs: &Receiver<Job>, deadline: Option<Instant>) -> Result<Job, RecvTimeoutError> {
    match jobs.try_recv() {
        Ok(job) => return Ok(job),
        Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
        Err(TryRecvError::Empty) => {}
    }
    if try_start_spinning() {
        let until = Instant::now() + SPIN_WINDOW;
        let until = deadline.map_or(until, |d| d.min(until));
        let got = loop {
            match jobs.try_recv() {
                Ok(job) => break Some(Ok(job)),
                Err(TryRecvError::Disconnected) => break Some(Err(RecvTimeoutError::Disconnected)),
                Err(TryRecvError::Empty) => {}
            }
            if Instant::now() >= until {
                break None;
            }
            // Yield rather than burn the core: on a machine with few cores a
            // thread woken for another job must not wait out this window.
            std::thread::yield_now();
        };
        SPINNING.fetch_sub(1, Ordering::AcqRel);
        if let Some(result) = got {
            return result;
        }
    }
    match deadline {
        Some(d) => jobs.recv_deadline(d),
        None => jobs.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_a_queued_job_at_once() {
        let (tx, rx) = crossbeam_channel::unbounded();
        tx.send(Job::Close).unwrap();
        assert!(matches!(recv(&rx, None), Ok(Job::Close)));
    }

    #[test]
    fn times_out_at_the_deadline() {
        let (_tx, rx) = crossbeam_channel::unbounded::<Job>();
        let start = Instant::now();
        let r = recv(&rx, Some(start + Duration::from_millis(5)));
        assert!(matches!(r, Err(RecvTimeoutError::Timeout)));
        assert!(start.elapsed() >= Duration::from_millis(5));
    }

    #[test]
    fn reports_a_closed_channel() {
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        drop(tx);
        assert!(matches!(recv(&rx, None), Err(RecvTimeoutError::Disconnected)));
    }

    #[test]
    fn wakes_for_a_job_sent_later() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2));
            tx.send(Job::Wake).unwrap();
        });
        assert!(matches!(recv(&rx, None), Ok(Job::Wake)));
        h.join().unwrap();
        assert_eq!(SPINNING.load(Ordering::Acquire), 0);
    }
}
