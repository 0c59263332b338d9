fn main() {
    napi_build::setup();
    // Our V8 must stay private to this addon: bind every internal reference
    // to our own definitions (no interposition by a host that exports
    // same-named symbols, e.g. a runtime built on rusty_v8 itself).
    // `-Bsymbolic` is an ELF linker flag (GNU ld, lld): Linux only. A build
    // script runs on the build machine, so it asks Cargo for the target's
    // OS rather than using `cfg!`. Mach-O (macOS: two-level namespace) and
    // PE (Windows: imports name their DLL) already bind a library's own
    // references to itself, and their linkers reject the flag.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
    }
}
