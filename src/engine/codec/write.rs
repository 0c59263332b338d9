//! Writing wire values into the output bytes (the leaves of the encoder).

use std::fmt::Write as _;

use super::errors::EncodeError;
use super::native::Str;
use super::tags::*;
use crate::runtime::big_buffer::BigBuffer;

/// A thread's string values (a result, a message) from this many bytes of
/// text up are written into a BigBuffer: the host gets them as an external
/// ArrayBuffer (past its 64 KB batch limit) and holds them until its
/// collector runs, so heap memory for them was often fresh pages (25 faults
/// per 100 KB result); a BigBuffer's memory comes back to the cache and is
/// reused.
const RESULT_MIN: usize = 64 << 10;

/// Bytes copied per temporary Uint8Array when copying an ArrayBuffer.
const COPY_CHUNK: usize = 1 << 30;

pub fn typed_array_kind(v: v8::Local<v8::Value>) -> Option<u8> {
    Some(if v.is_int8_array() {
        KIND_INT8
    } else if v.is_uint8_array() {
        KIND_UINT8
    } else if v.is_uint8_clamped_array() {
        KIND_UINT8_CLAMPED
    } else if v.is_int16_array() {
        KIND_INT16
    } else if v.is_uint16_array() {
        KIND_UINT16
    } else if v.is_int32_array() {
        KIND_INT32
    } else if v.is_uint32_array() {
        KIND_UINT32
    } else if v.is_float32_array() {
        KIND_FLOAT32
    } else if v.is_float64_array() {
        KIND_FLOAT64
    } else if v.is_big_int64_array() {
        KIND_BIGINT64
    } else if v.is_big_uint64_array() {
        KIND_BIGUINT64
    } else {
        return None;
    })
}

/// Append the first `len` bytes of `ab` to `out` (memcpy through
/// temporary Uint8Arrays: no unsafe slice over V8 memory).
pub fn copy_buffer(s: &mut v8::HandleScope, ab: v8::Local<v8::ArrayBuffer>, len: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    out.resize(start + len, 0);
    copy_into(s, ab, &mut out[start..])
}

/// Fill `dst` with the first `dst.len()` bytes of `ab`.
pub fn copy_into(s: &mut v8::HandleScope, ab: v8::Local<v8::ArrayBuffer>, dst: &mut [u8]) -> Result<(), EncodeError> {
    let len = dst.len();
    let mut offset = 0;
    while offset < len {
        let s = &mut v8::HandleScope::new(s);
        let n = COPY_CHUNK.min(len - offset);
        let view = v8::Uint8Array::new(s, ab, offset, n).ok_or(EncodeError::Exception)?;
        if view.copy_contents(&mut dst[offset..offset + n]) != n {
            return Err(EncodeError::Exception);
        }
        offset += n;
    }
    Ok(())
}

pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend(v.to_le_bytes());
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend(v.to_le_bytes());
}

/// INT32 for integers in i32 range other than -0, else DOUBLE.
pub fn write_number(out: &mut Vec<u8>, n: f64) {
    let int = n as i32;
    if f64::from(int) == n && !(n == 0.0 && n.is_sign_negative()) {
        out.push(INT32);
        out.extend(int.to_le_bytes());
    } else {
        out.push(DOUBLE);
        out.extend(n.to_le_bytes());
    }
}

pub fn write_latin1(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(STRING_LATIN1);
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

pub fn write_string(out: &mut Vec<u8>, isolate: &mut v8::Isolate, st: v8::Local<v8::String>) {
    let len = st.length();
    let options = v8::WriteOptions::NO_NULL_TERMINATION;
    if st.contains_only_onebyte() {
        out.push(STRING_LATIN1);
        put_u32(out, len as u32);
        let start = out.len();
        out.reserve(len);
        // Written straight into the spare capacity: no zeroing pass first.
        let written = st.write_one_byte_uninit(isolate, &mut out.spare_capacity_mut()[..len], 0, options);
        if written == len {
            // SAFETY: V8 initialized the `len` bytes after `start` (it
            // reported writing all of them), within the reserved capacity.
            unsafe { out.set_len(start + len) };
        } else {
            out.resize(start + len, 0);
            st.write_one_byte(isolate, &mut out[start..], 0, options);
        }
    } else {
        out.push(STRING_UTF16);
        put_u32(out, len as u32);
        let start = out.len();
        out.resize(start + 2 * len, 0);
        // SAFETY: any bytes are a valid u16 and back; align_to only yields
        // an aligned middle part within the slice.
        let (head, units, _) = unsafe { out[start..].align_to_mut::<u16>() };
        if cfg!(target_endian = "little") && head.is_empty() && units.len() == len {
            st.write(isolate, units, 0, options); // straight into the output
        } else {
            let mut units = vec![0u16; len];
            st.write(isolate, &mut units, 0, options);
            out.truncate(start);
            put_units(out, &units);
        }
    }
}

/// A big string (`RESULT_MIN` bytes of text and up) as a whole payload
/// (VERSION, then the bytes `write_string` writes) in a [`BigBuffer`]: its
/// memory is reused from result to result instead of a heap buffer grown
/// into fresh pages. None for shorter strings (or no memory for one).
pub fn big_string(isolate: &mut v8::Isolate, st: v8::Local<v8::String>) -> Option<BigBuffer> {
    let len = st.length();
    if len < RESULT_MIN / 2 {
        return None; // too short either way: no scan for one-byte text
    }
    let one_byte = st.contains_only_onebyte();
    let text = if one_byte { len } else { 2 * len };
    if text < RESULT_MIN || !cfg!(target_endian = "little") {
        return None;
    }
    let mut out = BigBuffer::try_for_overwrite(6 + text)?;
    out[0] = VERSION;
    out[1] = if one_byte { STRING_LATIN1 } else { STRING_UTF16 };
    out[2..6].copy_from_slice(&(len as u32).to_le_bytes());
    let options = v8::WriteOptions::NO_NULL_TERMINATION;
    if one_byte {
        st.write_one_byte(isolate, &mut out[6..], 0, options);
    } else {
        // SAFETY: any bytes are a valid u16 and back; align_to only yields
        // an aligned middle part within the slice.
        let (head, units, _) = unsafe { out[6..].align_to_mut::<u16>() };
        if !head.is_empty() || units.len() != len {
            return None; // a BigBuffer is 2 MB-aligned: never taken
        }
        st.write(isolate, units, 0, options);
    }
    Some(out)
}

/// Append UTF-16 code units as little-endian bytes (one copy on
/// little-endian machines, no per-unit work).
pub fn put_units(out: &mut Vec<u8>, units: &[u16]) {
    if cfg!(target_endian = "little") {
        // SAFETY: a [u16] is readable as twice as many bytes (u8 has no
        // alignment or validity requirements); the slice lives for the call.
        let bytes = unsafe { std::slice::from_raw_parts(units.as_ptr() as *const u8, 2 * units.len()) };
        out.extend_from_slice(bytes);
    } else {
        out.reserve(2 * units.len());
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    }
}

/// A string from V8's serializer: Latin-1 whenever every unit fits.
pub fn write_str(out: &mut Vec<u8>, text: &Str) {
    match text {
        Str::Latin1(bytes) => write_latin1(out, bytes),
        Str::Utf16(bytes) if bytes.chunks_exact(2).all(|u| u[1] == 0) => {
            let latin1: Vec<u8> = bytes.chunks_exact(2).map(|u| u[0]).collect();
            write_latin1(out, &latin1);
        }
        Str::Utf16(bytes) => {
            out.push(STRING_UTF16);
            put_u32(out, (bytes.len() / 2) as u32);
            out.extend_from_slice(bytes);
        }
    }
}

/// REGEXP: the source, then the flags of V8's flag `bits` as text.
pub fn write_regexp(out: &mut Vec<u8>, source: &Str, bits: u32) {
    out.push(REGEXP);
    write_str(out, source);
    let flags: Vec<u8> = REGEXP_FLAGS.iter().filter(|(_, bit)| bits & bit != 0).map(|&(c, _)| c).collect();
    write_str(out, &Str::Latin1(flags.into()));
}

pub fn write_bigint(out: &mut Vec<u8>, b: v8::Local<v8::BigInt>) {
    let mut words = vec![0u64; b.word_count()];
    let (negative, words) = b.to_words_array(&mut words);
    write_bigint_words(out, negative, words);
}

pub fn write_bigint_words(out: &mut Vec<u8>, negative: bool, words: &[u64]) {
    // Canonical: no most-significant zero words, no negative zero.
    let used = words.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    out.push(BIGINT);
    out.push(u8::from(negative && used > 0));
    put_u32(out, used as u32);
    for w in &words[..used] {
        out.extend(w.to_le_bytes());
    }
}

/// Why an object of a kind we never clone is refused (`None`: not one).
pub fn refusal(v: v8::Local<v8::Value>, o: v8::Local<v8::Object>) -> Option<&'static str> {
    Some(if v.is_symbol_object() {
        "a Symbol object"
    } else if v.is_promise() {
        "a Promise"
    } else if v.is_weak_map() {
        "a WeakMap"
    } else if v.is_weak_set() {
        "a WeakSet"
    } else if v.is_generator_object() {
        "a generator"
    } else if v.is_map_iterator() || v.is_set_iterator() {
        "an iterator"
    } else if v.is_module_namespace_object() {
        "a module namespace object"
    } else if v.is_wasm_module_object() || v.is_wasm_memory_object() {
        "a WebAssembly object"
    } else if v.is_external() || o.internal_field_count() > 0 {
        "a host object"
    } else {
        return None;
    })
}

/// Append `.key` (identifier-like) or `["key"]` to a path.
pub fn push_key(p: &mut String, key: &str) {
    let mut chars = key.chars();
    let ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        p.push('.');
        p.push_str(key);
        return;
    }
    p.push_str("[\"");
    for c in key.chars() {
        match c {
            '"' => p.push_str("\\\""),
            '\\' => p.push_str("\\\\"),
            '\n' => p.push_str("\\n"),
            '\r' => p.push_str("\\r"),
            '\t' => p.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(p, "\\u{:04x}", c as u32);
            }
            c => p.push(c),
        }
    }
    p.push_str("\"]");
}
