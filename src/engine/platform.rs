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

/// Initialise V8 once for the whole process. Safe to call from any thread,
/// any number of times.
pub fn init() {
    INIT.call_once(|| {
        v8::V8::set_flags_from_string(FLAGS);
        // ICU data is not built into the archive: Intl and toLocale* need it.
        v8::icu::set_common_data_73(deno_core_icudata::ICU_DATA)
            .expect("ICU data matches this V8's ICU 73");
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
