//! `binding('crypto')`: hashes, HMAC, PBKDF2 and the OS random source behind
//! `node:crypto`, `crypto.getRandomValues` and `crypto.subtle.digest`.

use hmac::{Hmac, KeyInit, Mac as _, SimpleHmac};
use sha2::Digest as _;

use super::{id_arg, number_arg, return_bytes, set_fn, string_arg, throw, type_error, with_bytes, Kind, Table};

macro_rules! algorithms {
    ($($variant:ident = $ty:ty, $mac:ident;)*) => {
        /// A digest algorithm this binding offers.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        enum Alg { $($variant),* }

        /// A running hash.
        #[derive(Clone)]
        enum Hasher { $($variant($ty)),* }

        /// A running HMAC (sha3 has no eager-hash core, so it takes `SimpleHmac`).
        #[derive(Clone)]
        enum Hmacer { $($variant($mac<$ty>)),* }

        impl Alg {
            fn hasher(self) -> Hasher {
                match self { $(Alg::$variant => Hasher::$variant(<$ty>::new())),* }
            }

            fn hmac(self, key: &[u8]) -> Option<Hmacer> {
                // HMAC takes keys of any length, so this never fails in practice.
                match self { $(Alg::$variant => <$mac<$ty>>::new_from_slice(key).ok().map(Hmacer::$variant)),* }
            }

            /// PBKDF2-HMAC with this digest, filling `out`.
            fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) -> bool {
                match self { $(Alg::$variant => pbkdf2::pbkdf2::<$mac<$ty>>(password, salt, rounds, out).is_ok()),* }
            }
        }

        impl Hasher {
            fn update(&mut self, data: &[u8]) {
                match self { $(Hasher::$variant(h) => h.update(data)),* }
            }

            fn finish(self) -> Vec<u8> {
                match self { $(Hasher::$variant(h) => h.finalize().to_vec()),* }
            }
        }

        impl Hmacer {
            fn update(&mut self, data: &[u8]) {
                match self { $(Hmacer::$variant(h) => h.update(data)),* }
            }

            fn finish(self) -> Vec<u8> {
                match self { $(Hmacer::$variant(h) => h.finalize().into_bytes().to_vec()),* }
            }
        }
    };
}

algorithms! {
    Md5 = md5::Md5, Hmac;
    Sha1 = sha1::Sha1, Hmac;
    Sha224 = sha2::Sha224, Hmac;
    Sha256 = sha2::Sha256, Hmac;
    Sha384 = sha2::Sha384, Hmac;
    Sha512 = sha2::Sha512, Hmac;
    Sha512_224 = sha2::Sha512_224, Hmac;
    Sha512_256 = sha2::Sha512_256, Hmac;
    Sha3_224 = sha3::Sha3_224, SimpleHmac;
    Sha3_256 = sha3::Sha3_256, SimpleHmac;
    Sha3_384 = sha3::Sha3_384, SimpleHmac;
    Sha3_512 = sha3::Sha3_512, SimpleHmac;
    Ripemd160 = ripemd::Ripemd160, Hmac;
}

/// The names `crypto.getHashes()` lists in Node (OpenSSL 3) for the
/// algorithms above, with the algorithm each stands for.
const NAMES: &[(&str, Alg)] = &[
    ("RSA-MD5", Alg::Md5),
    ("RSA-RIPEMD160", Alg::Ripemd160),
    ("RSA-SHA1", Alg::Sha1),
    ("RSA-SHA1-2", Alg::Sha1),
    ("RSA-SHA224", Alg::Sha224),
    ("RSA-SHA256", Alg::Sha256),
    ("RSA-SHA3-224", Alg::Sha3_224),
    ("RSA-SHA3-256", Alg::Sha3_256),
    ("RSA-SHA3-384", Alg::Sha3_384),
    ("RSA-SHA3-512", Alg::Sha3_512),
    ("RSA-SHA384", Alg::Sha384),
    ("RSA-SHA512", Alg::Sha512),
    ("RSA-SHA512/224", Alg::Sha512_224),
    ("RSA-SHA512/256", Alg::Sha512_256),
    ("id-rsassa-pkcs1-v1_5-with-sha3-224", Alg::Sha3_224),
    ("id-rsassa-pkcs1-v1_5-with-sha3-256", Alg::Sha3_256),
    ("id-rsassa-pkcs1-v1_5-with-sha3-384", Alg::Sha3_384),
    ("id-rsassa-pkcs1-v1_5-with-sha3-512", Alg::Sha3_512),
    ("md5", Alg::Md5),
    ("md5WithRSAEncryption", Alg::Md5),
    ("ripemd", Alg::Ripemd160),
    ("ripemd160", Alg::Ripemd160),
    ("ripemd160WithRSA", Alg::Ripemd160),
    ("rmd160", Alg::Ripemd160),
    ("sha1", Alg::Sha1),
    ("sha1WithRSAEncryption", Alg::Sha1),
    ("sha224", Alg::Sha224),
    ("sha224WithRSAEncryption", Alg::Sha224),
    ("sha256", Alg::Sha256),
    ("sha256WithRSAEncryption", Alg::Sha256),
    ("sha3-224", Alg::Sha3_224),
    ("sha3-256", Alg::Sha3_256),
    ("sha3-384", Alg::Sha3_384),
    ("sha3-512", Alg::Sha3_512),
    ("sha384", Alg::Sha384),
    ("sha384WithRSAEncryption", Alg::Sha384),
    ("sha512", Alg::Sha512),
    ("sha512-224", Alg::Sha512_224),
    ("sha512-224WithRSAEncryption", Alg::Sha512_224),
    ("sha512-256", Alg::Sha512_256),
    ("sha512-256WithRSAEncryption", Alg::Sha512_256),
    ("sha512WithRSAEncryption", Alg::Sha512),
    ("ssl3-md5", Alg::Md5),
    ("ssl3-sha1", Alg::Sha1),
];

/// Names OpenSSL also accepts (and so Node's `createHash`) that
/// `getHashes()` does not list; matched case-insensitively like the rest.
const EXTRA_NAMES: &[(&str, Alg)] = &[
    ("sha-1", Alg::Sha1),
    ("sha-224", Alg::Sha224),
    ("sha2-224", Alg::Sha224),
    ("sha-256", Alg::Sha256),
    ("sha2-256", Alg::Sha256),
    ("sha-384", Alg::Sha384),
    ("sha2-384", Alg::Sha384),
    ("sha-512", Alg::Sha512),
    ("sha2-512", Alg::Sha512),
    ("sha-512/224", Alg::Sha512_224),
    ("sha2-512/224", Alg::Sha512_224),
    ("sha-512/256", Alg::Sha512_256),
    ("sha2-512/256", Alg::Sha512_256),
    ("ripemd-160", Alg::Ripemd160),
];

/// The algorithm named `name` (Node's names and aliases, any case).
fn lookup(name: &str) -> Option<Alg> {
    NAMES.iter().chain(EXTRA_NAMES).find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|&(_, alg)| alg)
}

/// `hashOnce`'s work: the digest of `data` with `alg`.
fn digest(alg: Alg, data: &[u8]) -> Vec<u8> {
    let mut h = alg.hasher();
    h.update(data);
    h.finish()
}

/// A hash or HMAC in progress, kept in the isolate's table.
#[derive(Clone)]
enum Running {
    Hash(Hasher),
    Hmac(Hmacer),
}

impl Running {
    fn update(&mut self, data: &[u8]) {
        match self {
            Running::Hash(h) => h.update(data),
            Running::Hmac(h) => h.update(data),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Running::Hash(h) => h.finish(),
            Running::Hmac(h) => h.finish(),
        }
    }
}

/// Install the crypto functions on `obj`.
pub(super) fn install(scope: &mut v8::HandleScope, obj: v8::Local<v8::Object>) -> Option<()> {
    set_fn(scope, obj, "hashNew", hash_new)?;
    set_fn(scope, obj, "hmacNew", hmac_new)?;
    set_fn(scope, obj, "update", update)?;
    set_fn(scope, obj, "digest", digest_fn)?;
    set_fn(scope, obj, "copy", copy)?;
    set_fn(scope, obj, "free", free)?;
    set_fn(scope, obj, "hashOnce", hash_once)?;
    set_fn(scope, obj, "pbkdf2", pbkdf2_fn)?;
    set_fn(scope, obj, "randomFill", random_fill)?;
    set_fn(scope, obj, "hashes", hashes)
}

fn hash_alg(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Option<Alg> {
    let alg = string_arg(scope, value).and_then(|name| lookup(&name));
    if alg.is_none() {
        throw(scope, Kind::Error, "Digest method not supported", None, None);
    }
    alg
}

fn hmac_alg(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Option<Alg> {
    let name = value.to_rust_string_lossy(scope);
    let alg = lookup(&name);
    if alg.is_none() {
        throw(scope, Kind::TypeError, &format!("Invalid digest: {name}"), Some("ERR_CRYPTO_INVALID_DIGEST"), None);
    }
    alg
}

fn store(scope: &mut v8::HandleScope, mut rv: v8::ReturnValue, running: Running) {
    let id = Table::<Running>::of(scope).insert(running);
    rv.set_uint32(id);
}

fn hash_new(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(alg) = hash_alg(scope, args.get(0)) else { return };
    store(scope, rv, Running::Hash(alg.hasher()));
}

fn hmac_new(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(alg) = hmac_alg(scope, args.get(0)) else { return };
    let Some(Some(mac)) = with_bytes(args.get(1), |key| alg.hmac(key)) else {
        return type_error(scope, "The \"key\" argument must be an ArrayBufferView");
    };
    store(scope, rv, Running::Hmac(mac));
}

/// The id of a live hash or HMAC, or `None` after throwing Node's error for
/// a digest already taken.
fn running(scope: &mut v8::HandleScope, id: v8::Local<v8::Value>) -> Option<u32> {
    let found = id_arg(id).filter(|&id| Table::<Running>::of(scope).get(id).is_some());
    if found.is_none() {
        throw(scope, Kind::Error, "Digest already called", Some("ERR_CRYPTO_HASH_FINALIZED"), None);
    }
    found
}

fn update(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let Some(id) = running(scope, args.get(0)) else { return };
    let table = Table::<Running>::of(scope);
    let Some(h) = table.get(id) else { return };
    if with_bytes(args.get(1), |data| h.update(data)).is_none() {
        type_error(scope, "The \"data\" argument must be an ArrayBufferView");
    }
}

fn digest_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(id) = running(scope, args.get(0)) else { return };
    let Some(h) = Table::<Running>::of(scope).remove(id) else { return };
    return_bytes(scope, rv, h.finish());
}

fn copy(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(id) = running(scope, args.get(0)) else { return };
    let Some(h) = Table::<Running>::of(scope).get(id).cloned() else { return };
    store(scope, rv, h);
}

fn free(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    if let Some(id) = id_arg(args.get(0)) {
        Table::<Running>::of(scope).remove(id);
    }
}

fn hash_once(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(alg) = hash_alg(scope, args.get(0)) else { return };
    match with_bytes(args.get(1), |data| digest(alg, data)) {
        Some(out) => return_bytes(scope, rv, out),
        None => type_error(scope, "The \"data\" argument must be an ArrayBufferView"),
    }
}

/// Read a whole number in `0..=max`, throwing a RangeError naming `what` otherwise.
fn int_arg(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>, what: &str, min: f64) -> Option<u32> {
    let max = i32::MAX as f64;
    match number_arg(value) {
        Some(n) if n >= min && n <= max && n.fract() == 0.0 => Some(n as u32),
        _ => {
            let msg = format!("The value of \"{what}\" is out of range. It must be >= {min} && <= {max}.");
            throw(scope, Kind::RangeError, &msg, Some("ERR_OUT_OF_RANGE"), None);
            None
        }
    }
}

fn pbkdf2_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(iterations) = int_arg(scope, args.get(2), "iterations", 1.0) else { return };
    let Some(keylen) = int_arg(scope, args.get(3), "keylen", 0.0) else { return };
    let Some(alg) = hmac_alg(scope, args.get(4)) else { return };
    let mut out = vec![0u8; keylen as usize];
    let done = with_bytes(args.get(0), |password| with_bytes(args.get(1), |salt| alg.pbkdf2(password, salt, iterations, &mut out)));
    match done {
        Some(Some(true)) => return_bytes(scope, rv, out),
        Some(Some(false)) => throw(scope, Kind::Error, "PBKDF2 failed", None, None),
        _ => type_error(scope, "The \"password\" and \"salt\" arguments must be ArrayBufferViews"),
    }
}

fn random_fill(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
    let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(args.get(0)) else {
        return type_error(scope, "The \"buf\" argument must be an ArrayBufferView");
    };
    let len = view.byte_length();
    if len == 0 {
        return;
    }
    let Some(store) = view.get_backing_store() else { return };
    let offset = view.byte_offset();
    let fits = offset.checked_add(len).is_some_and(|end| end <= store.byte_length());
    let Some(data) = store.data().filter(|_| fits) else { return };
    // In bounds: `offset + len <= store.byte_length()` was checked above.
    let target = (data.as_ptr() as *mut u8).wrapping_add(offset);
    let filled = if store.is_shared() {
        let mut random = vec![0u8; len];
        getrandom::fill(&mut random).map(|()| {
            // SAFETY: `store` keeps the memory alive and `target..target + len`
            // lies within it; the source is a fresh Vec, so the ranges cannot
            // overlap. Other threads may touch a SharedArrayBuffer meanwhile,
            // which the JS memory model allows (V8 copies into them the same way).
            unsafe { std::ptr::copy_nonoverlapping(random.as_ptr(), target, len) }
        })
    } else {
        // SAFETY: `store` keeps the memory alive for this call and
        // `target..target + len` lies within it; the buffer is not shared and
        // no JS runs until the slice is gone, so nothing else reads or writes it.
        let bytes = unsafe { std::slice::from_raw_parts_mut(target, len) };
        getrandom::fill(bytes)
    };
    if filled.is_err() {
        throw(scope, Kind::Error, "the OS random source failed", None, None);
    }
}

fn hashes(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let names: Vec<v8::Local<v8::Value>> = NAMES.iter().map(|(n, _)| super::js_string(scope, n)).collect();
    rv.set(v8::Array::new_with_elements(scope, &names).into());
}
