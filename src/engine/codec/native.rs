//! Objects the `v8` crate (0.92) has no API for, done by V8 itself.
//!
//! The crate cannot read a RegExp's source and flags or a primitive
//! wrapper's value, and cannot construct a DataView, a typed array over a
//! SharedArrayBuffer, an EvalError/URIError or a RegExp. V8's
//! ValueSerializer / ValueDeserializer can: they read internal slots and use
//! the context's intrinsics (no user-visible global is looked up, no user
//! code runs). So on encode we let V8 serialize the single leaf object and
//! read its few bytes; on decode we hand V8 a few bytes in its format.
//! Only the tags below are ever written or read (V8 format version 15,
//! v8/src/objects/value-serializer.cc).

use std::borrow::Cow;

/// V8 serialization format version written in our blobs.
const V8_VERSION: u8 = 15;
const V8_HEADER: u8 = 0xFF;
const V8_PADDING: u8 = 0x00;
const V8_ONE_BYTE_STRING: u8 = b'"';
const V8_TWO_BYTE_STRING: u8 = b'c';
const V8_REGEXP: u8 = b'R';
const V8_NUMBER_OBJECT: u8 = b'n';
const V8_TRUE_OBJECT: u8 = b'y';
const V8_FALSE_OBJECT: u8 = b'x';
const V8_STRING_OBJECT: u8 = b's';
const V8_BIGINT_OBJECT: u8 = b'z';
const V8_TRANSFERRED_BUFFER: u8 = b't';
const V8_SHARED_BUFFER: u8 = b'u';
const V8_VIEW: u8 = b'V';
const V8_ERROR: u8 = b'r';
const V8_ERROR_MESSAGE: u8 = b'm';
const V8_ERROR_STACK: u8 = b's';
const V8_ERROR_END: u8 = b'.';
/// ArrayBufferView sub-tag of a DataView.
pub const V8_DATA_VIEW: u8 = b'?';

/// String contents as the wire carries them.
pub enum Str<'a> {
    /// One byte per code unit (Latin-1).
    Latin1(Cow<'a, [u8]>),
    /// UTF-16 code units, little-endian, two bytes each.
    Utf16(Cow<'a, [u8]>),
}

impl Str<'_> {
    /// True when the string is exactly the ASCII text `text`.
    pub fn is(&self, text: &str) -> bool {
        match self {
            Str::Latin1(b) => b.as_ref() == text.as_bytes(),
            Str::Utf16(b) => b.len() == 2 * text.len() && b.chunks_exact(2).zip(text.bytes()).all(|(u, c)| u[0] == c && u[1] == 0),
        }
    }
}

/// The inner value of a RegExp or primitive wrapper object.
pub enum Leaf {
    /// Source and V8 `RegExp::Flags` bits.
    RegExp(Str<'static>, u32),
    Number(f64),
    Bool(bool),
    String(Str<'static>),
    /// Negative, then magnitude words (least significant first).
    BigInt(bool, Vec<u64>),
}

/// Why `probe` failed.
pub enum ProbeError {
    /// V8 threw (or is terminating); the exception is left pending.
    Exception,
    /// V8 wrote something we did not expect.
    Format,
}

struct Probe;

impl v8::ValueSerializerImpl for Probe {
    fn throw_data_clone_error<'s>(&mut self, scope: &mut v8::HandleScope<'s>, message: v8::Local<'s, v8::String>) {
        let exception = v8::Exception::type_error(scope, message);
        scope.throw_exception(exception);
    }
}

/// Read a RegExp or a Number/String/Boolean/BigInt wrapper object.
pub fn probe(scope: &mut v8::HandleScope, object: v8::Local<v8::Object>) -> Result<Leaf, ProbeError> {
    let tc = &mut v8::TryCatch::new(scope);
    let context = tc.get_current_context();
    let mut serializer = v8::ValueSerializer::new(tc, Box::new(Probe));
    v8::ValueSerializerHelper::write_header(&mut serializer);
    let written = serializer.write_value(context, object.into());
    let bytes = serializer.release();
    if written != Some(true) {
        if tc.has_caught() && !tc.has_terminated() {
            tc.rethrow();
        }
        return Err(ProbeError::Exception);
    }
    parse_leaf(&bytes).ok_or(ProbeError::Format)
}

fn parse_leaf(bytes: &[u8]) -> Option<Leaf> {
    let mut r = V8Reader { bytes, pos: 0 };
    if r.u8()? != V8_HEADER {
        return None;
    }
    r.varint()?;
    let leaf = match r.u8()? {
        V8_REGEXP => {
            let source = r.string()?;
            Leaf::RegExp(source, u32::try_from(r.varint()?).ok()?)
        }
        V8_NUMBER_OBJECT => Leaf::Number(f64::from_le_bytes(r.take(8)?.try_into().ok()?)),
        V8_TRUE_OBJECT => Leaf::Bool(true),
        V8_FALSE_OBJECT => Leaf::Bool(false),
        V8_STRING_OBJECT => Leaf::String(r.string()?),
        V8_BIGINT_OBJECT => {
            let bitfield = r.varint()?;
            let len = usize::try_from(bitfield >> 1).ok()?;
            if len % 8 != 0 {
                return None;
            }
            let words = r.take(len)?.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])));
            Leaf::BigInt(bitfield & 1 == 1, words.collect())
        }
        _ => return None,
    };
    (r.pos == bytes.len()).then_some(leaf)
}

/// A cursor over V8-format bytes (also used by `v8_wire`).
pub(super) struct V8Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> V8Reader<'a> {
    pub(super) fn u8(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    pub(super) fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            value |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn string(&mut self) -> Option<Str<'static>> {
        loop {
            match self.u8()? {
                V8_PADDING => continue,
                V8_ONE_BYTE_STRING => {
                    let len = usize::try_from(self.varint()?).ok()?;
                    return Some(Str::Latin1(Cow::Owned(self.take(len)?.to_vec())));
                }
                V8_TWO_BYTE_STRING => {
                    let len = usize::try_from(self.varint()?).ok()?;
                    if len % 2 != 0 {
                        return None;
                    }
                    // V8 writes host byte order; the wire wants little-endian.
                    let raw = self.take(len)?;
                    let le = raw.chunks_exact(2).flat_map(|u| u16::from_ne_bytes([u[0], u[1]]).to_le_bytes());
                    return Some(Str::Utf16(Cow::Owned(le.collect())));
                }
                _ => return None,
            }
        }
    }
}

/// A V8-format blob under construction.
pub struct Blob(Vec<u8>);

impl Blob {
    pub fn new() -> Self {
        Blob(vec![V8_HEADER, V8_VERSION])
    }

    fn varint(&mut self, mut v: u64) -> &mut Self {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7F) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
        self
    }

    fn string(&mut self, s: &Str) -> &mut Self {
        match s {
            Str::Latin1(b) => {
                self.0.push(V8_ONE_BYTE_STRING);
                self.varint(b.len() as u64);
                self.0.extend_from_slice(b);
            }
            Str::Utf16(b) => {
                self.0.push(V8_TWO_BYTE_STRING);
                self.varint(b.len() as u64);
                // V8 copies the bytes as host-order code units.
                self.0.extend(b.chunks_exact(2).flat_map(|u| u16::from_le_bytes([u[0], u[1]]).to_ne_bytes()));
            }
        }
        self
    }

    /// A RegExp of `source` with V8 flag bits `flags`.
    pub fn regexp(source: &Str, flags: u32) -> Self {
        let mut b = Blob::new();
        b.0.push(V8_REGEXP);
        b.string(source).varint(u64::from(flags));
        b
    }

    /// An error whose class is given by V8's error prototype tag (`None`:
    /// Error), with `message` and, unless `None`, `stack`.
    pub fn error(prototype: Option<u8>, message: &Str, stack: Option<&Str>) -> Self {
        let mut b = Blob::new();
        b.0.push(V8_ERROR);
        b.0.extend(prototype);
        b.0.push(V8_ERROR_MESSAGE);
        b.string(message);
        if let Some(stack) = stack {
            b.0.push(V8_ERROR_STACK);
            b.string(stack);
        }
        b.0.push(V8_ERROR_END);
        b
    }

    /// A view (`subtag`: V8's typed array sub-tag or [`V8_DATA_VIEW`]) over
    /// buffer 0 (shared or transferred, as given to [`build`]). Offsets in
    /// bytes; V8 takes them as u32.
    pub fn view(shared: bool, subtag: u8, byte_offset: u32, byte_length: u32) -> Self {
        let mut b = Blob::new();
        b.0.push(if shared { V8_SHARED_BUFFER } else { V8_TRANSFERRED_BUFFER });
        b.varint(0);
        b.0.push(V8_VIEW);
        b.0.push(subtag);
        b.varint(u64::from(byte_offset)).varint(u64::from(byte_length)).varint(0);
        b
    }
}

/// V8's error prototype tag for a standard error name (`None` for Error
/// and for anything else).
pub fn error_prototype_tag(name: &Str) -> Option<u8> {
    const NAMES: [(&str, u8); 6] = [
        ("EvalError", b'E'),
        ("RangeError", b'R'),
        ("ReferenceError", b'F'),
        ("SyntaxError", b'S'),
        ("TypeError", b'T'),
        ("URIError", b'U'),
    ];
    NAMES.iter().find(|(n, _)| name.is(n)).map(|&(_, tag)| tag)
}

/// V8's typed array sub-tag for one of our kinds.
pub fn typed_array_subtag(kind: u8) -> Option<u8> {
    SUBTAGS.get(usize::from(kind)).copied()
}

/// Our typed array kind of V8's sub-tag (the inverse of `typed_array_subtag`).
pub fn typed_array_kind_of(subtag: u8) -> Option<u8> {
    SUBTAGS.iter().position(|&t| t == subtag).map(|k| k as u8)
}

/// V8's typed array sub-tags, by our kind number.
const SUBTAGS: [u8; 11] = [b'b', b'B', b'C', b'w', b'W', b'd', b'D', b'f', b'F', b'q', b'Q'];

struct Builder {
    shared: Option<v8::Global<v8::SharedArrayBuffer>>,
}

impl v8::ValueDeserializerImpl for Builder {
    fn get_shared_array_buffer_from_id<'s>(
        &mut self,
        scope: &mut v8::HandleScope<'s>,
        id: u32,
    ) -> Option<v8::Local<'s, v8::SharedArrayBuffer>> {
        // Returning nothing without an exception makes V8 throw its own
        // DataCloneError; `build` swallows it.
        match (&self.shared, id) {
            (Some(buffer), 0) => Some(v8::Local::new(scope, buffer)),
            _ => None,
        }
    }
}

/// Let V8 build the object described by `blob`, with `buffer` as buffer 0
/// (a SharedArrayBuffer for `u`, an ArrayBuffer for `t`). `None`: V8
/// refused; its exception is cleared (termination stays pending).
pub fn build<'s>(scope: &mut v8::HandleScope<'s>, blob: &Blob, buffer: Option<v8::Local<v8::Object>>) -> Option<v8::Local<'s, v8::Value>> {
    let tc = &mut v8::TryCatch::new(scope);
    let context = tc.get_current_context();
    let shared = buffer.and_then(|b| v8::Local::<v8::SharedArrayBuffer>::try_from(b).ok()).map(|b| v8::Global::new(tc, b));
    let moved = buffer.and_then(|b| v8::Local::<v8::ArrayBuffer>::try_from(b).ok());
    let mut deserializer = v8::ValueDeserializer::new(tc, Box::new(Builder { shared }), &blob.0);
    if let Some(ab) = moved {
        v8::ValueDeserializerHelper::transfer_array_buffer(&mut deserializer, 0, ab);
    }
    let value = match v8::ValueDeserializerHelper::read_header(&mut deserializer, context) {
        Some(true) => deserializer.read_value(context),
        _ => None,
    };
    drop(deserializer);
    if value.is_none() && !tc.has_terminated() {
        tc.reset();
    }
    value
}
