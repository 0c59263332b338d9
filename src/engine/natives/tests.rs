//! Tests of the bindings through V8 (as the thread-side JS calls them) and
//! of the pure engines. Expected values were produced once with Node 20 on
//! the same inputs (`node -e`) and pasted here as data.

mod url_cases;
mod zlib_cases;

/// Run `f` in a fresh isolate whose global `b` maps each binding name to its object.
pub(super) fn with_bindings(f: impl FnOnce(&mut v8::HandleScope)) {
    crate::engine::platform::init();
    let isolate = &mut v8::Isolate::new(Default::default());
    let scope = &mut v8::HandleScope::new(isolate);
    let context = v8::Context::new(scope);
    let scope = &mut v8::ContextScope::new(scope, context);
    let b = v8::Object::new(scope);
    for name in ["crypto", "zlib", "url"] {
        let obj = super::binding(scope, name).expect("binding");
        let key = v8::String::new(scope, name).unwrap();
        b.set(scope, key.into(), obj.into());
    }
    assert!(super::binding(scope, "fs").is_none());
    let key = v8::String::new(scope, "b").unwrap();
    context.global(scope).set(scope, key.into(), b.into());
    eval(scope, "globalThis.hex = (u) => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('')");
    eval(scope, SHIM);
    f(scope);
}

/// Evaluate `code` and return its value as a Rust string (`throw: <message>
/// <code>` when it throws).
pub(super) fn eval(s: &mut v8::HandleScope, code: &str) -> String {
    let tc = &mut v8::TryCatch::new(s);
    let source = v8::String::new(tc, code).unwrap();
    let result = v8::Script::compile(tc, source, None).and_then(|script| script.run(tc));
    match result {
        Some(v) => v.to_rust_string_lossy(tc),
        None => {
            let exc = tc.exception().expect("an exception");
            let obj = v8::Local::<v8::Object>::try_from(exc).expect("an error object");
            let mut parts = vec![exc.to_rust_string_lossy(tc)];
            for key in ["code", "errno"] {
                let k = v8::String::new(tc, key).unwrap();
                let v = obj.get(tc, k.into()).unwrap();
                if !v.is_undefined() {
                    parts.push(v.to_rust_string_lossy(tc));
                }
            }
            format!("throw: {}", parts.join(" "))
        }
    }
}

/// `bytes(s)`: a latin1 stand-in for `TextEncoder` (a bare isolate has
/// none, and the inputs here are ASCII).
const SHIM: &str = "globalThis.bytes = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0))";

const FOX: &str = "The quick brown fox jumps over the lazy dog";

/// [alg, hash hex, hmac('key') hex] of FOX, from Node 20.
const DIGESTS: &[[&str; 3]] = &[
    ["md5", "9e107d9d372bb6826bd81d3542a419d6", "80070713463e7749b90c2dc24911e275"],
    ["sha1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"],
    ["sha224", "730e109bd7a8a32b1cb9d9a09aa2325d2430587ddbc0c38bad911525", "88ff8b54675d39b8f72322e65ff945c52d96379988ada25639747e69"],
    [
        "sha256",
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    ],
    [
        "sha384",
        "ca737f1014a48f4c0b6dd43cb177b0afd9e5169367544c494011e3317dbf9a509cb1e5dc1e85a941bbee3d7f2afbc9b1",
        "d7f4727e2c0b39ae0f1e40cc96f60242d5b7801841cea6fc592c5d3e1ae50700582a96cf35e1e554995fe4e03381c237",
    ],
    [
        "sha512",
        "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb642e93a252a954f23912547d1e8a3b5ed6e1bfd7097821233fa0538f3db854fee6",
        "b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a",
    ],
    ["sha512-224", "944cd2847fb54558d4775db0485a50003111c8e5daa63fe722c6aa37", "a1afb4f708cb63570639195121785ada3dc615989cc3c73f38e306a3"],
    [
        "sha512-256",
        "dd9d67b371519c339ed8dbd25af90e976a1eeefd4ad3d889005e532fc5bef04d",
        "7fb65e03577da9151a1016e9c2e514d4d48842857f13927f348588173dca6d89",
    ],
    ["sha3-224", "d15dadceaa4d5d7bb3b48f446421d542e08ad8887305e28d58335795", "ff6fa8447ce10fb1efdccfe62caf8b640fe46c4fb1007912bf85100f"],
    [
        "sha3-256",
        "69070dda01975c8c120c3aada1b282394e7f032fa9cf32f4cb2259a0897dfc04",
        "8c6e0683409427f8931711b10ca92a506eb1fafa48fadd66d76126f47ac2c333",
    ],
    [
        "sha3-384",
        "7063465e08a93bce31cd89d2e3ca8f602498696e253592ed26f07bf7e703cf328581e1471a7ba7ab119b1a9ebdf8be41",
        "aa739ad9fcdf9be4a04f06680ade7a1bd1e01a0af64accb04366234cf9f6934a0f8589772f857681fcde8acc256091a2",
    ],
    [
        "sha3-512",
        "01dedd5de4ef14642445ba5f5b97c15e47b9ad931326e4b0727cd94cefc44fff23f07bf543139939b49128caf436dc1bdee54fcb24023a08d9403f9b4bf0d450",
        "237a35049c40b3ef5ddd960b3dc893d8284953b9a4756611b1b61bffcf53edd979f93547db714b06ef0a692062c609b70208ab8d4a280ceee40ed8100f293063",
    ],
    ["ripemd160", "37f332f68db77bd9d7edd4969571ad671cf9dd3b", "50278a77d4d7670561ab72e867383aef6ce50b3e"],
];

fn setup(s: &mut v8::HandleScope) {
    eval(s, &format!("globalThis.FOX = bytes({FOX:?})"));
}

#[test]
fn hashes_and_hmacs_match_node() {
    with_bindings(|s| {
        setup(s);
        for [alg, hash, hmac] in DIGESTS {
            // Split updates over a DataView and an offset subarray: views are read in place.
            let streamed = format!(
                "{{ const c = b.crypto, id = c.hashNew({alg:?}); c.update(id, new DataView(FOX.buffer, 0, 10)); \
                 c.update(id, FOX.subarray(10)); hex(c.digest(id)) }}"
            );
            assert_eq!(eval(s, &streamed), *hash, "{alg}");
            assert_eq!(eval(s, &format!("hex(b.crypto.hashOnce({:?}, FOX))", alg.to_uppercase())), *hash, "{alg}");
            let mac = format!("{{ const c = b.crypto, id = c.hmacNew({alg:?}, bytes('key')); c.update(id, FOX); hex(c.digest(id)) }}");
            assert_eq!(eval(s, &mac), *hmac, "hmac {alg}");
        }
    });
}

#[test]
fn hash_copy_aliases_and_errors() {
    with_bindings(|s| {
        setup(s);
        let copy = "{ const c = b.crypto, a = c.hashNew('RSA-SHA256'); c.update(a, FOX.subarray(0, 4)); \
                    const d = c.copy(a); c.update(d, FOX.subarray(4)); \
                    [hex(c.digest(d)), hex(c.digest(a))].join(' ') }";
        let both = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592 \
                    103c5169871d49be7a2ebf9e6fe4720244cbf1fdbccdbfaca489898ea069504c";
        assert_eq!(eval(s, copy), both);
        assert_eq!(eval(s, "b.crypto.hashNew('nope')"), "throw: Error: Digest method not supported");
        assert_eq!(eval(s, "b.crypto.hmacNew('nope', bytes('k'))"), "throw: TypeError: Invalid digest: nope ERR_CRYPTO_INVALID_DIGEST");
        let after = "{ const c = b.crypto, id = c.hashNew('md5'); c.digest(id); c.update(id, FOX) }";
        assert_eq!(eval(s, after), "throw: Error: Digest already called ERR_CRYPTO_HASH_FINALIZED");
        assert!(eval(s, "b.crypto.update(1, 'a string')").starts_with("throw: "));
        assert!(eval(s, "b.crypto.hashOnce('md5', 'x')").starts_with("throw: TypeError"));
        assert_eq!(eval(s, "b.crypto.hashes().includes('sha512-256WithRSAEncryption')"), "true");
        // Views past V8's on-heap size are read in place (at their offset),
        // shared ones through a copy: 1000 × 'a' each time.
        let a1000 = "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3";
        let big = "{ const big = new Uint8Array(1200).fill(97); big.fill(0, 1100); \
                   hex(b.crypto.hashOnce('sha256', big.subarray(100, 1100))) }";
        assert_eq!(eval(s, big), a1000);
        let shared = "{ const v = new Uint8Array(new SharedArrayBuffer(1000)).fill(97); hex(b.crypto.hashOnce('sha256', v)) }";
        assert_eq!(eval(s, shared), a1000);
        assert_eq!(eval(s, "{ const id = b.crypto.hashNew('sha-1'); b.crypto.free(id); b.crypto.free(id); 'ok' }"), "ok");
    });
}

#[test]
fn pbkdf2_matches_node() {
    with_bindings(|s| {
        setup(s);
        for (args, expected) in [
            ("'password', 'salt', 1000, 40, 'sha256'", "632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb388b3b1131f741bcb"),
            ("'password', 'salt', 2, 20, 'sha1'", "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
            (
                "'pw', 'salt', 3, 50, 'sha3-256'",
                "aed9faa5b67ac0547e5e2d5de5354f5b2be85356663c59acd5fc0e8105a9552882dfed84c71f4a7ebc30890050ba445cbc19",
            ),
            ("'pw', 'salt', 3, 0, 'sha1'", ""),
        ] {
            let code = format!("{{ const [p, s, i, k, d] = [{args}]; hex(b.crypto.pbkdf2(bytes(p), bytes(s), i, k, d)) }}");
            assert_eq!(eval(s, &code), expected, "{args}");
        }
        let long_key = "{ const id = b.crypto.hmacNew('sha256', bytes('x'.repeat(200))); hex(b.crypto.digest(id)) }";
        assert_eq!(eval(s, long_key), "0491b74ec6ce094e16f149a480a6ff0892338ed3fdfef5c00f0087f8bf2db484");
        assert!(eval(s, "b.crypto.pbkdf2(bytes('p'), bytes('s'), 0, 10, 'sha1')").contains("ERR_OUT_OF_RANGE"));
        assert!(eval(s, "b.crypto.pbkdf2(bytes('p'), bytes('s'), 1, 10, 'nope')").contains("Invalid digest: nope"));
    });
}

#[test]
fn random_fill_fills_the_view_in_place() {
    with_bindings(|s| {
        let code = "{ const buf = new Uint8Array(4096); b.crypto.randomFill(buf.subarray(8, 4088)); \
                    const mid = buf.subarray(8, 4088); \
                    const edges = buf.subarray(0, 8).every((x) => x === 0) && buf.subarray(4088).every((x) => x === 0); \
                    const zeros = mid.filter((x) => x === 0).length; \
                    const sab = new Uint32Array(new SharedArrayBuffer(64)); b.crypto.randomFill(sab); \
                    b.crypto.randomFill(new Uint8Array(0)); \
                    [edges, zeros < 64, sab.some((x) => x !== 0)].join() }";
        assert_eq!(eval(s, code), "true,true,true");
        assert!(eval(s, "b.crypto.randomFill([1, 2])").starts_with("throw: TypeError"));
    });
}
