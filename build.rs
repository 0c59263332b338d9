fn main() {
    napi_build::setup();
    // Our V8 must stay private to this addon: bind every internal reference
    // to our own definitions (no interposition by a host that exports
    // same-named symbols, e.g. a runtime built on rusty_v8 itself).
    println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
}
