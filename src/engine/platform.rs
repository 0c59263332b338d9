//! V8 start-up: flags, ICU data and the platform, once per process.

use std::sync::Once;

static INIT: Once = Once::new();

/// Flags our V8 needs (see ../shared/v8/README.md):
/// - `--no-turboshaft-loop-unrolling`: without it some optimized loops that
///   allocate skip their interrupt check, so termination (timeouts, aborts,
///   memory limits) never lands.
/// - `--stack-size`: V8's own stack limit, in KiB, matched to the OS stack
///   our isolate threads get (`THREAD_STACK_BYTES`), less a safety margin for
///   native frames below JS.
const FLAGS: &str = "--no-turboshaft-loop-unrolling --stack-size=7680";

/// Size of the OS stack of every isolate thread.
pub const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// V8's entropy source: the OS's random bytes (`getrandom`, no file).
fn fill_random(buf: &mut [u8]) -> bool {
    getrandom::fill(buf).is_ok()
}

/// Initialise V8 once for the whole process. Safe to call from any thread,
/// any number of times.
pub fn init() {
    INIT.call_once(|| {
        v8::V8::set_flags_from_string(FLAGS);
        // V8 seeds each isolate's random number generators (Math.random,
        // hash seeds, …) from here; without a source it opens and reads
        // /dev/urandom for each, five times an isolate (15 system calls).
        v8::V8::set_entropy_source(fill_random);
        // ICU data is not built into the archive: Intl and toLocale* need it.
        v8::icu::set_common_data_73(deno_core_icudata::ICU_DATA).expect("ICU data matches this V8's ICU 73");
        // Unprotected: the first thread to call this may be any Node thread
        // (main or a worker_threads Worker), not a parent of every isolate thread.
        let platform = v8::new_unprotected_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
    });
}

/// The process-wide platform (for pumping an isolate's foreground tasks).
pub fn platform() -> v8::SharedRef<v8::Platform> {
    v8::V8::get_current_platform()
}

extern "C" {
    /// `v8::platform::NotifyIsolateShutdown(v8::Platform*, v8::Isolate*)`
    /// of libplatform (C++; the crate does not bind it).
    #[link_name = "_ZN2v88platform21NotifyIsolateShutdownEPNS_8PlatformEPNS_7IsolateE"]
    fn v8_platform_notify_isolate_shutdown(platform: *const v8::Platform, isolate: *mut v8::Isolate);
}

/// Tell the platform an isolate is about to be disposed (call it right
/// before dropping the isolate, as d8 does). The default platform keeps a
/// foreground task runner per isolate address in a map that only this
/// empties: without it the runner of every disposed isolate stays (malloc
/// mostly reuses isolate addresses, so under churn this was not measurable
/// as RSS), and a later isolate made at the same address inherits the old
/// one's runner with whatever tasks were still queued on it.
pub fn forget_isolate(isolate: &mut v8::Isolate) {
    let platform = platform();
    // SAFETY: the platform is the DefaultPlatform subclass made by `init`
    // (`new_unprotected_default_platform`), as the function requires; the
    // isolate is alive, and has a runner in the map, since Heap::SetUp asks
    // for one for every isolate (the function dereferences it unchecked).
    // Both pointers are the C++ objects rusty_v8's types wrap.
    unsafe { v8_platform_notify_isolate_shutdown(&*platform as *const v8::Platform, isolate as *mut v8::Isolate) };
}
