//! Large payloads built by V8's own ValueDeserializer: our bytes are
//! translated to V8's format (version 15, v8/src/objects/
//! value-serializer.cc), and V8 builds the graph from the inside, about
//! twice as fast as our builder through the `v8` crate's API. No user code
//! runs either way (V8 defines properties, it never calls setters).
//!
//! Whatever the translation does not expect (an Error, whose `code` and own
//! props V8's format cannot carry; a shared-value handle; anything
//! malformed) and anything V8 refuses makes it give up: the caller then
//! decodes with our own builder, which also reports what is malformed.

use super::decode_help::regexp_flags;
use super::errors::DecodeError;
use super::external::{self, Input};
use super::native::{typed_array_subtag, Str, V8_DATA_VIEW};
use super::reader::Reader;
use super::tags::*;

/// Payloads smaller than this are built by our decoder (V8 builds even a
/// 60-byte object a little faster, translation included, but below this
/// the difference is lost in the call's own cost).
pub const MIN_BYTES: usize = 256;
/// Nesting the translation follows before it gives up.
const MAX_NESTING: usize = 512;

struct Memory {
    shared: Vec<v8::Global<v8::SharedArrayBuffer>>,
}

impl v8::ValueDeserializerImpl for Memory {
    fn get_shared_array_buffer_from_id<'s>(
        &mut self,
        scope: &mut v8::HandleScope<'s>,
        id: u32,
    ) -> Option<v8::Local<'s, v8::SharedArrayBuffer>> {
        // Nothing without an exception: V8 throws its own DataCloneError.
        self.shared.get(id as usize).map(|b| v8::Local::new(scope, b))
    }
}

/// The value of `payload`, built by V8; None when our decoder must build it
/// (no exception is left behind then). Termination is an error, rethrown.
pub fn decode<'s>(scope: &mut v8::HandleScope<'s>, payload: &Input) -> Option<Result<v8::Local<'s, v8::Value>, DecodeError>> {
    if payload.shared.iter().any(|m| !m.is_shared()) || payload.transferred.iter().any(|m| m.is_shared()) {
        return None;
    }
    let bytes = translate(&payload.bytes, payload)?;
    let scope = &mut v8::EscapableHandleScope::new(scope);
    let tc = &mut v8::TryCatch::new(scope);
    let context = tc.get_current_context();
    let shared = payload.shared.iter().map(|m| {
        let sab = v8::SharedArrayBuffer::with_backing_store(tc, m.backing_store());
        v8::Global::new(tc, sab)
    });
    let memory = Memory { shared: shared.collect() };
    let moved: Vec<_> = payload.transferred.iter().map(|m| v8::ArrayBuffer::with_backing_store(tc, m.backing_store())).collect();
    let mut deserializer = v8::ValueDeserializer::new(tc, Box::new(memory), &bytes);
    for (id, ab) in moved.into_iter().enumerate() {
        v8::ValueDeserializerHelper::transfer_array_buffer(&mut deserializer, id as u32, ab);
    }
    let value = match v8::ValueDeserializerHelper::read_header(&mut deserializer, context) {
        Some(true) => deserializer.read_value(context),
        _ => None,
    };
    drop(deserializer);
    match value {
        Some(v) => Some(Ok(tc.escape(v))),
        None if tc.has_terminated() => {
            tc.rethrow();
            Some(Err(DecodeError("execution was terminated while decoding".into())))
        }
        None => {
            tc.reset();
            None
        }
    }
}

/// Our bytes → V8-format bytes; None for anything not expected.
fn translate(bytes: &[u8], memory: &Input) -> Option<Vec<u8>> {
    let transferred = memory.transferred.len();
    let mut t = Translator {
        r: Reader { bytes, pos: 0 },
        // Shaped objects get their keys again: records grow by about half.
        out: Vec::with_capacity(bytes.len() + bytes.len() / 2 + 16),
        ids: Vec::new(),
        lens: Default::default(),
        memory,
        next: 0,
        depth: 0,
        moved: vec![false; transferred],
        shapes: Vec::new(),
    };
    if t.r.u8().ok()? != VERSION {
        return None;
    }
    t.out.extend([0xFF, 15]);
    t.value()?;
    (t.r.pos == bytes.len()).then_some(t.out)
}

struct Translator<'p> {
    r: Reader<'p>,
    out: Vec<u8>,
    /// V8's object id of each of ours (u32::MAX while a view's is pending).
    ids: Vec<u32>,
    /// The byte length of each of our ids that is a buffer.
    lens: std::collections::HashMap<u32, u64>,
    /// The shared and moved memory (for their lengths).
    memory: &'p Input,
    next: u32,
    depth: usize,
    /// Transferred buffers already used (each may back one buffer).
    moved: Vec<bool>,
    /// Each SHAPE's keys, in V8's format (V8's has no shapes: every object
    /// of a shape gets its keys again).
    shapes: Vec<std::rc::Rc<[Vec<u8>]>>,
}

impl Translator<'_> {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn id(&mut self) {
        self.ids.push(self.next);
        self.next += 1;
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    fn string(&mut self, text: &Str) {
        match text {
            Str::Latin1(b) => {
                self.out.push(b'"');
                self.varint(b.len() as u64);
                self.out.extend_from_slice(b);
            }
            Str::Utf16(b) => {
                self.out.push(b'c');
                self.varint(b.len() as u64);
                self.out.extend_from_slice(b);
            }
        }
    }

    /// A key as V8's format writes it (a string value).
    fn key_bytes(&mut self, key: &Str) -> Vec<u8> {
        let start = self.out.len();
        self.string(key);
        self.out.drain(start..).collect()
    }

    fn f64_body(&mut self) -> Option<()> {
        let n = self.r.f64().ok()?;
        self.out.extend(n.to_le_bytes());
        Some(())
    }

    fn bigint_body(&mut self) -> Option<()> {
        let sign = self.r.u8().ok()?;
        let n = u64::from(self.r.u32().ok()?);
        if sign > 1 || n > 1 << 24 {
            return None;
        }
        let words = self.r.take(8 * n).ok()?;
        let negative = sign == 1 && words.iter().any(|&b| b != 0);
        self.varint((8 * n) << 1 | u64::from(negative));
        self.out.extend_from_slice(words);
        Some(())
    }

    /// Pairs (a STRING_* key, then a value) until END; their count.
    fn pairs(&mut self, array: bool) -> Option<u64> {
        let mut count = 0;
        while self.r.peek().ok()? != END {
            let key = self.r.string().ok()?;
            if array && key.is("length") {
                return None; // our decoder refuses it
            }
            self.string(&key);
            self.value()?;
            count += 1;
        }
        self.r.u8().ok()?;
        Some(count)
    }

    fn value(&mut self) -> Option<()> {
        let tag = self.r.u8().ok()?;
        match tag {
            UNDEFINED => self.out.push(b'_'),
            NULL => self.out.push(b'0'),
            TRUE => self.out.push(b'T'),
            FALSE => self.out.push(b'F'),
            INT32 => {
                let v = self.r.u32().ok()? as i32;
                self.out.push(b'I');
                self.varint(u64::from(((v << 1) ^ (v >> 31)) as u32));
            }
            DOUBLE => {
                self.out.push(b'N');
                self.f64_body()?;
            }
            BIGINT => {
                self.out.push(b'Z');
                self.bigint_body()?;
            }
            STRING_LATIN1 | STRING_UTF16 | STRING_UTF16_PADDED => {
                let text = self.r.string_body(tag).ok()?;
                let (Str::Latin1(b) | Str::Utf16(b)) = &text;
                if external::takes(&self.memory.bytes, b, tag != STRING_LATIN1) {
                    return None; // ours makes it over the payload, V8 would copy it
                }
                self.string(&text);
            }
            BACKREF => self.backref()?,
            SHAPE | SHAPED => {
                self.enter()?;
                self.id();
                let keys = if tag == SHAPE {
                    let keys: std::rc::Rc<[Vec<u8>]> = self.r.shape_keys().ok()?.iter().map(|key| self.key_bytes(key)).collect();
                    self.shapes.push(keys.clone());
                    keys
                } else {
                    self.shapes.get(self.r.u32().ok()? as usize)?.clone()
                };
                self.out.push(b'o');
                for key in keys.iter() {
                    self.out.extend_from_slice(key);
                    self.value()?;
                }
                self.out.push(b'{');
                self.varint(keys.len() as u64);
                self.depth -= 1;
            }
            OBJECT => {
                self.enter()?;
                self.id();
                self.out.push(b'o');
                let n = self.pairs(false)?;
                self.out.push(b'{');
                self.varint(n);
                self.depth -= 1;
            }
            ARRAY => {
                self.enter()?;
                self.id();
                let length = self.r.u32().ok()?;
                if length as usize > self.r.remaining() {
                    return None;
                }
                self.out.push(b'A');
                self.varint(u64::from(length));
                for _ in 0..length {
                    if self.r.peek().ok()? == HOLE {
                        self.r.u8().ok()?;
                        self.out.push(b'-');
                    } else {
                        self.value()?;
                    }
                }
                let n = self.pairs(true)?;
                self.out.push(b'$');
                self.varint(n);
                self.varint(u64::from(length));
                self.depth -= 1;
            }
            SPARSE_ARRAY => {
                self.enter()?;
                self.id();
                let length = self.r.u32().ok()?;
                self.out.push(b'a');
                self.varint(u64::from(length));
                let n = self.pairs(true)?;
                if u64::from(length) > 2 * n + 1024 {
                    // V8 would size the elements for `length`; ours does not.
                    return None;
                }
                self.out.push(b'@');
                self.varint(n);
                self.varint(u64::from(length));
                self.depth -= 1;
            }
            MAP | SET => {
                self.enter()?;
                self.id();
                self.out.push(if tag == MAP { b';' } else { b'\'' });
                let mut n = 0;
                while self.r.peek().ok()? != END {
                    self.value()?;
                    n += 1;
                }
                self.r.u8().ok()?;
                if tag == MAP && n % 2 != 0 {
                    return None;
                }
                self.out.push(if tag == MAP { b':' } else { b',' });
                self.varint(n);
                self.depth -= 1;
            }
            DATE | NUMBER_OBJECT => {
                self.id();
                self.out.push(if tag == DATE { b'D' } else { b'n' });
                self.f64_body()?;
            }
            BOOLEAN_OBJECT => {
                self.id();
                match self.r.u8().ok()? {
                    0 => self.out.push(b'x'),
                    1 => self.out.push(b'y'),
                    _ => return None,
                }
            }
            BIGINT_OBJECT => {
                self.id();
                if self.r.u8().ok()? != BIGINT {
                    return None;
                }
                self.out.push(b'z');
                self.bigint_body()?;
            }
            STRING_OBJECT => {
                self.id();
                let text = self.r.string().ok()?;
                self.out.push(b's');
                self.string(&text);
            }
            REGEXP => {
                self.id();
                let source = self.r.string().ok()?;
                let flags = self.r.string().ok()?;
                let bits = regexp_flags(&flags).ok()?;
                self.out.push(b'R');
                self.string(&source);
                self.varint(u64::from(bits));
            }
            ARRAY_BUFFER | SHARED_BUFFER | TRANSFERRED_BUFFER => {
                self.id();
                self.buffer(tag)?;
            }
            TYPED_ARRAY | DATA_VIEW => self.view(tag)?,
            _ => return None, // ERROR, SHARED_VALUE, HOLE, END, unknown
        }
        Some(())
    }

    /// A BACKREF's body: V8's id of an object already built.
    fn backref(&mut self) -> Option<()> {
        let id = *self.ids.get(self.r.u32().ok()? as usize)?;
        if id == u32::MAX {
            return None;
        }
        self.out.push(b'^');
        self.varint(u64::from(id));
        Some(())
    }

    /// A buffer's body (its tag read, its id given); its byte length.
    fn buffer(&mut self, tag: u8) -> Option<u64> {
        let len = match tag {
            ARRAY_BUFFER => {
                let len = self.r.u64().ok()?;
                let bytes = self.r.take(len).ok()?;
                self.out.push(b'B');
                self.varint(len);
                self.out.extend_from_slice(bytes);
                len
            }
            SHARED_BUFFER => {
                let index = self.r.u32().ok()?;
                self.out.push(b'u');
                self.varint(u64::from(index));
                self.memory.shared.get(index as usize)?.len() as u64
            }
            _ => {
                let index = self.r.u32().ok()? as usize;
                if std::mem::replace(self.moved.get_mut(index)?, true) {
                    return None;
                }
                self.out.push(b't');
                self.varint(index as u64);
                self.memory.transferred.get(index)?.len() as u64
            }
        };
        self.lens.insert(self.ids.len() as u32 - 1, len);
        Some(len)
    }

    /// Ours: the view (its id first), its buffer, offset, length. V8's: the
    /// buffer (its id first), then the view.
    fn view(&mut self, tag: u8) -> Option<()> {
        let view = self.ids.len();
        self.ids.push(u32::MAX);
        let (subtag, size) = if tag == TYPED_ARRAY {
            let kind = self.r.u8().ok()?;
            (typed_array_subtag(kind)?, element_size(kind)?)
        } else {
            (V8_DATA_VIEW, 1)
        };
        let buffer_len = match self.r.u8().ok()? {
            BACKREF => {
                let ours = self.r.u32().ok()?;
                self.r.pos -= 4;
                let len = *self.lens.get(&ours)?;
                self.backref()?;
                len
            }
            t @ (ARRAY_BUFFER | SHARED_BUFFER | TRANSFERRED_BUFFER) => {
                self.id();
                self.buffer(t)?
            }
            _ => return None,
        };
        self.ids[view] = self.next;
        self.next += 1;
        let offset = self.r.u64().ok()?;
        let byte_length = self.r.u64().ok()?.checked_mul(size)?;
        // Out of bounds, misaligned or past V8's 32-bit view fields: ours
        // reports it (V8 would read the fields as 32 bits).
        let end = offset.checked_add(byte_length)?;
        if end > buffer_len || offset % size != 0 || end > u64::from(u32::MAX) {
            return None;
        }
        self.out.extend([b'V', subtag]);
        self.varint(offset);
        self.varint(byte_length);
        self.varint(0);
        Some(())
    }
}
