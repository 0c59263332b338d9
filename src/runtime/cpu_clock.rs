//! CPU time of one OS thread, readable from any other thread.
//!
//! Reading a thread's CPU clock is a system call that locks the scheduler's
//! run queue (~1 µs here), too dear to pay after every call. On Linux the
//! host reads the isolate thread's clock when `stats()` asks; elsewhere the
//! isolate thread samples its own clock whenever it goes idle.

use std::sync::Mutex;

#[derive(Default)]
struct State {
    /// The live thread's clock (Linux), cleared before the thread ends.
    #[cfg(target_os = "linux")]
    clock: Option<libc::clockid_t>,
    /// The last reading, in µs (the final one once the thread ended).
    last_us: u64,
}

/// The CPU clock of the OS thread that serves one isolate.
#[derive(Default)]
pub struct CpuClock {
    state: Mutex<State>,
}

impl CpuClock {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calling thread: from now on this clock is the calling thread's.
    pub fn attach(&self) {
        #[cfg(target_os = "linux")]
        {
            let mut id: libc::clockid_t = 0;
            // SAFETY: pthread_self() is the live calling thread; `id` is a valid out-pointer.
            if unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) } == 0 {
                self.state().clock = Some(id);
            }
        }
    }

    /// The attached thread, going idle (a no-op on Linux, where readers read
    /// the live clock) or ending: keep its current reading.
    pub fn sample(&self, ending: bool) {
        if cfg!(target_os = "linux") && !ending {
            return;
        }
        let mut st = self.state();
        // Cleared while the thread still lives: its clock id is never read
        // after the thread (and its id) is gone.
        #[cfg(target_os = "linux")]
        {
            st.clock = None;
        }
        if let Some(us) = read(own_clock()) {
            st.last_us = us;
        }
    }

    /// CPU time the thread used so far, in µs.
    pub fn read_us(&self) -> u64 {
        let mut st = self.state();
        #[cfg(target_os = "linux")]
        if let Some(us) = st.clock.and_then(|c| read(Some(c))) {
            st.last_us = us;
        }
        st.last_us
    }
}

#[cfg(unix)]
fn own_clock() -> Option<libc::clockid_t> {
    Some(libc::CLOCK_THREAD_CPUTIME_ID)
}

#[cfg(not(unix))]
fn own_clock() -> Option<i32> {
    None // no per-thread CPU clock read here: cpuTimeMs stays 0
}

#[cfg(unix)]
fn read(clock: Option<libc::clockid_t>) -> Option<u64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; a
    // clock id of a live thread or of the caller.
    let rc = unsafe { libc::clock_gettime(clock?, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000)
}

#[cfg(not(unix))]
fn read(_clock: Option<i32>) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_thread_reads_a_busy_threads_time_and_keeps_the_last() {
        let clock = std::sync::Arc::new(CpuClock::default());
        let c = clock.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            c.attach();
            // Spin for 30 ms of this thread's own CPU time (wall time is
            // not CPU time on a loaded machine).
            let own_cpu_us = || {
                let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                // SAFETY: clock_gettime writes one timespec through a valid pointer.
                unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
                ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
            };
            while own_cpu_us() < 30_000 {
                std::hint::spin_loop();
            }
            c.sample(false);
            tx.send(()).unwrap();
            stop_rx.recv().unwrap();
            c.sample(true);
        });
        rx.recv().unwrap();
        let live = clock.read_us();
        assert!(live >= 25_000, "read {live} µs of a 30 ms spin");
        stop_tx.send(()).unwrap();
        t.join().unwrap();
        assert!(clock.read_us() >= live);
    }
}
