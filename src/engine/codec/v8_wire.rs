//! Large results through V8's own ValueSerializer, translated to our wire
//! format.
//!
//! Walking a big graph through the `v8` crate's API costs a handful of API
//! calls per property; V8's serializer walks it from the inside, about five
//! times faster. It runs under a `DisallowJavascriptExecutionScope` that
//! throws: a getter, a proxy, an Error (whose `code` and own props V8 would
//! drop), a host object or a shared-value handle makes it give up before any
//! user code ran, and the caller encodes with our own walker instead, which
//! also names the path of whatever cannot be cloned. So every guarantee of
//! the codec holds, and error paths are built only when an error happens.
//!
//! The translation reads V8's format (version 15, v8/src/objects/
//! value-serializer.cc) and writes ours; whatever it does not expect makes
//! it give up the same way.

use std::cell::RefCell;
use std::rc::Rc;

use super::errors::EncodeError;
use super::native::{typed_array_kind_of, Str, V8Reader, V8_DATA_VIEW};
use super::shape::{Pair, Shapes};
use super::tags::*;
use super::write::*;
use crate::runtime::payload::SharedMemory;

/// Nesting the translation follows before it gives up (our walker has no limit
/// short of MAX_DEPTH and no recursion).
const MAX_NESTING: usize = 512;

/// V8-format results at least this long write objects of one key list as
/// SHAPE/SHAPED (a smaller one has few objects to share keys, and its table
/// would cost more than it saves).
const SHAPES_FROM: usize = 256;

/// True when `value` is an object worth handing to V8's serializer (even a
/// small object or array is serialized and translated in about half the
/// time our walker takes); buffers and views stay with the walker, which
/// moves big ones as a copy.
pub fn worth_it(value: v8::Local<v8::Value>) -> bool {
    value.is_object()
        && !(value.is_proxy()
            || value.is_function()
            || value.is_native_error()
            || value.is_array_buffer_view()
            || value.is_array_buffer()
            || value.is_shared_array_buffer())
}

struct Delegate {
    shared: Rc<RefCell<Vec<SharedMemory>>>,
}

impl v8::ValueSerializerImpl for Delegate {
    fn throw_data_clone_error<'s>(&mut self, scope: &mut v8::HandleScope<'s>, message: v8::Local<'s, v8::String>) {
        let exception = v8::Exception::type_error(scope, message);
        scope.throw_exception(exception);
    }

    /// Host objects (V8 itself asks only objects with internal fields here,
    /// shared-value handles among them): give up, and our walker takes over.
    fn write_host_object<'s>(
        &mut self,
        scope: &mut v8::HandleScope<'s>,
        _object: v8::Local<'s, v8::Object>,
        _serializer: &mut dyn v8::ValueSerializerHelper,
    ) -> Option<bool> {
        let message = v8::String::new(scope, "a host object").expect("a short string");
        self.throw_data_clone_error(scope, message);
        None
    }

    fn get_shared_array_buffer_id<'s>(
        &mut self,
        _scope: &mut v8::HandleScope<'s>,
        sab: v8::Local<'s, v8::SharedArrayBuffer>,
    ) -> Option<u32> {
        let mut shared = self.shared.borrow_mut();
        shared.push(SharedMemory::from_backing_store(sab.get_backing_store()));
        Some(shared.len() as u32 - 1)
    }
}

/// Our bytes, the SharedArrayBuffers they reference, and the big
/// ArrayBuffers they move as a copy (TRANSFERRED_BUFFER).
pub type Translated = (Vec<u8>, Vec<SharedMemory>, Vec<SharedMemory>);

/// Encode `value` with V8's serializer: the bytes in our format and the
/// memory they reference, or None when our walker must do it
/// (nothing of the value was read by user code then). Termination is
/// [`EncodeError::Exception`], rethrown to the caller's TryCatch. With
/// `shapes`, objects of a key list met before are written SHAPE/SHAPED
/// (results for the host, whose decoder takes them); without, OBJECT as
/// our walker writes them.
pub fn encode(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>, shapes: bool) -> Result<Option<Translated>, EncodeError> {
    let shared = Rc::new(RefCell::new(Vec::new()));
    let tc = &mut v8::TryCatch::new(scope);
    let written = {
        let delegate = Delegate { shared: shared.clone() };
        let s = &mut v8::DisallowJavascriptExecutionScope::new(tc, v8::OnFailure::ThrowOnFailure);
        let context = s.get_current_context();
        let mut serializer = v8::ValueSerializer::new(s, Box::new(delegate));
        v8::ValueSerializerHelper::write_header(&mut serializer);
        let ok = serializer.write_value(context, value) == Some(true);
        let bytes = serializer.release();
        ok.then_some(bytes)
    };
    let Some(v8_bytes) = written else {
        if tc.has_terminated() {
            tc.rethrow();
            return Err(EncodeError::Exception);
        }
        tc.reset();
        return Ok(None);
    };
    let shared = std::mem::take(&mut *shared.borrow_mut());
    Ok(translate(&v8_bytes, shapes).map(|(bytes, copies)| {
        let moved =
            copies.into_iter().map(|c| SharedMemory::from_backing_store(v8::ArrayBuffer::new_backing_store_from_vec(c).make_shared()));
        (bytes, shared, moved.collect())
    }))
}

/// V8-format bytes → our bytes and the copies of big ArrayBuffers; None
/// for anything not expected.
fn translate(v8_bytes: &[u8], shapes: bool) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut t = Translator {
        shapes: (shapes && v8_bytes.len() >= SHAPES_FROM).then(Shapes::default),
        pairs: Vec::new(),
        r: V8Reader { bytes: v8_bytes, pos: 0 },
        out: Vec::with_capacity(v8_bytes.len() + v8_bytes.len() / 4 + 16),
        ids: Vec::new(),
        next: 0,
        depth: 0,
        copies: Vec::new(),
    };
    if t.r.u8()? != 0xFF || t.r.varint()? != 15 {
        return None;
    }
    t.out.push(VERSION);
    t.value()?;
    (t.r.pos == v8_bytes.len()).then_some((t.out, t.copies))
}

struct Translator<'a> {
    r: V8Reader<'a>,
    out: Vec<u8>,
    /// Our object id of each V8 object id.
    ids: Vec<u32>,
    next: u32,
    depth: usize,
    /// ArrayBuffers of MOVE_COPY_FROM bytes or more, sent as moved copies.
    copies: Vec<Vec<u8>>,
    /// The key lists met, when objects are written SHAPE/SHAPED.
    shapes: Option<Shapes>,
    /// The pairs of the objects being written, innermost last.
    pairs: Vec<Pair>,
}

/// A string of V8's stream: one-byte or two-byte (host order) units.
enum V8Str<'a> {
    OneByte(&'a [u8]),
    TwoByte(&'a [u8]),
}

impl<'a> Translator<'a> {
    /// The next tag, past padding.
    fn tag(&mut self) -> Option<u8> {
        loop {
            match self.r.u8()? {
                0x00 => continue,
                tag => return Some(tag),
            }
        }
    }

    fn peek_tag(&mut self) -> Option<u8> {
        let at = self.r.pos;
        let tag = self.tag();
        self.r.pos = at;
        tag
    }

    /// The next object id: ours, recorded for V8's.
    fn new_id(&mut self) {
        self.ids.push(self.next);
        self.next += 1;
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.r.take(8)?.try_into().ok()?))
    }

    fn u32_varint(&mut self) -> Option<u32> {
        u32::try_from(self.r.varint()?).ok()
    }

    fn string_body(&mut self, tag: u8) -> Option<V8Str<'a>> {
        let len = usize::try_from(self.r.varint()?).ok()?;
        let bytes = self.r.take(len)?;
        match tag {
            b'"' => Some(V8Str::OneByte(bytes)),
            b'c' if len % 2 == 0 && cfg!(target_endian = "little") => Some(V8Str::TwoByte(bytes)),
            _ => None,
        }
    }

    fn write_string(&mut self, text: V8Str) {
        match text {
            V8Str::OneByte(bytes) => write_latin1(&mut self.out, bytes),
            V8Str::TwoByte(bytes) => write_str(&mut self.out, &Str::Utf16(bytes.into())),
        }
    }

    /// A property key: a string, or an index V8 kept as a number.
    fn key(&mut self) -> Option<Option<u32>> {
        let tag = self.tag()?;
        let index = match tag {
            b'"' | b'c' => {
                let text = self.string_body(tag)?;
                self.write_string(text);
                return Some(None);
            }
            b'I' => zigzag(self.r.varint()?)?,
            b'U' => self.u32_varint()?,
            b'N' => {
                let n = self.f64()?;
                ((0.0..4294967295.0).contains(&n) && n.fract() == 0.0).then_some(n as u32)?
            }
            _ => return None,
        };
        Some(Some(index))
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    fn value(&mut self) -> Option<()> {
        let tag = self.tag()?;
        match tag {
            b'_' => self.out.push(UNDEFINED),
            b'0' => self.out.push(NULL),
            b'T' => self.out.push(TRUE),
            b'F' => self.out.push(FALSE),
            b'I' | b'U' | b'N' => {
                let n = match tag {
                    b'I' => f64::from(zigzag_i32(self.r.varint()?)?),
                    b'U' => f64::from(self.u32_varint()?),
                    _ => self.f64()?,
                };
                write_number(&mut self.out, n);
            }
            b'Z' => self.bigint()?,
            b'"' | b'c' => {
                let text = self.string_body(tag)?;
                self.write_string(text);
            }
            b'^' => {
                let ours = *self.ids.get(usize::try_from(self.r.varint()?).ok()?)?;
                let mut buffer = Vec::with_capacity(5);
                buffer.push(BACKREF);
                put_u32(&mut buffer, ours);
                self.maybe_view(buffer, None)?;
            }
            b'o' => self.object()?,
            b'A' => self.dense()?,
            b'a' => self.sparse()?,
            b';' | b'\'' => {
                let (ours, end) = if tag == b';' { (MAP, b':') } else { (SET, b',') };
                self.enter()?;
                self.new_id();
                self.out.push(ours);
                while self.peek_tag()? != end {
                    self.value()?;
                }
                self.tag()?;
                self.r.varint()?;
                self.out.push(END);
                self.depth -= 1;
            }
            b'D' | b'n' => {
                let n = self.f64()?;
                self.new_id();
                self.out.push(if tag == b'D' { DATE } else { NUMBER_OBJECT });
                self.out.extend(n.to_le_bytes());
            }
            b'y' | b'x' => {
                self.new_id();
                self.out.extend([BOOLEAN_OBJECT, u8::from(tag == b'y')]);
            }
            b'z' => {
                self.new_id();
                self.out.push(BIGINT_OBJECT);
                self.bigint()?;
            }
            b's' => {
                self.new_id();
                self.out.push(STRING_OBJECT);
                let tag = self.tag()?;
                let text = self.string_body(tag)?;
                self.write_string(text);
            }
            b'R' => {
                self.new_id();
                let tag = self.tag()?;
                let source = match self.string_body(tag)? {
                    V8Str::OneByte(b) => Str::Latin1(b.into()),
                    V8Str::TwoByte(b) => Str::Utf16(b.into()),
                };
                let bits = self.u32_varint()?;
                let known = REGEXP_FLAGS.iter().fold(0, |all, (_, bit)| all | bit);
                if bits & !known != 0 {
                    return None;
                }
                write_regexp(&mut self.out, &source, bits);
            }
            b'B' | b'~' => {
                let len = usize::try_from(self.r.varint()?).ok()?;
                if tag == b'~' {
                    self.r.varint()?; // the maximum length: sent as a plain buffer
                }
                let bytes = self.r.take(len)?;
                let mut buffer = Vec::with_capacity(9);
                if len >= MOVE_COPY_FROM {
                    buffer.push(TRANSFERRED_BUFFER);
                    put_u32(&mut buffer, self.copies.len() as u32);
                    self.copies.push(bytes.to_vec());
                } else {
                    buffer.push(ARRAY_BUFFER);
                    put_u64(&mut buffer, len as u64);
                    buffer.extend_from_slice(bytes);
                }
                self.ids.push(u32::MAX); // set once we know whether a view follows
                self.maybe_view(buffer, Some(self.ids.len() - 1))?;
            }
            b'u' => {
                let index = self.u32_varint()?;
                let mut buffer = Vec::with_capacity(5);
                buffer.push(SHARED_BUFFER);
                put_u32(&mut buffer, index);
                self.ids.push(u32::MAX);
                self.maybe_view(buffer, Some(self.ids.len() - 1))?;
            }
            _ => return None,
        }
        Some(())
    }

    /// A buffer value (`buffer`: our bytes for it; `new_id`: its V8 id when
    /// it is new, else it is a reference) and the view V8 may write right
    /// after it. Ours writes the view first, the buffer inside it, and gives
    /// the view the smaller id.
    fn maybe_view(&mut self, buffer: Vec<u8>, new_id: Option<usize>) -> Option<()> {
        if self.peek_tag() != Some(b'V') {
            if let Some(id) = new_id {
                self.ids[id] = self.next;
                self.next += 1;
            } else if buffer[0] != BACKREF {
                return None;
            }
            self.out.extend_from_slice(&buffer);
            return Some(());
        }
        self.tag()?;
        let subtag = self.r.u8()?;
        let offset = self.r.varint()?;
        let byte_length = self.r.varint()?;
        if self.r.varint()? != 0 {
            return None; // length-tracking or resizable-backed views: our walker
        }
        self.ids.push(self.next); // the view's V8 id follows the buffer's
        self.next += 1;
        if let Some(id) = new_id {
            self.ids[id] = self.next;
            self.next += 1;
        }
        if subtag == V8_DATA_VIEW {
            self.out.push(DATA_VIEW);
            self.out.extend_from_slice(&buffer);
            put_u64(&mut self.out, offset);
            put_u64(&mut self.out, byte_length);
        } else {
            let kind = typed_array_kind_of(subtag)?;
            let size = element_size(kind)?;
            self.out.extend([TYPED_ARRAY, kind]);
            self.out.extend_from_slice(&buffer);
            put_u64(&mut self.out, offset);
            put_u64(&mut self.out, byte_length / size);
        }
        Some(())
    }

    fn bigint(&mut self) -> Option<()> {
        let bitfield = self.r.varint()?;
        let len = usize::try_from(bitfield >> 1).ok()?;
        if len % 8 != 0 {
            return None;
        }
        let words: Vec<u64> = self.r.take(len)?.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))).collect();
        write_bigint_words(&mut self.out, bitfield & 1 == 1, &words);
        Some(())
    }

    /// A plain object: OBJECT, its pairs, END; or SHAPE/SHAPED when its key
    /// list was met before.
    fn object(&mut self) -> Option<()> {
        self.enter()?;
        self.new_id();
        let start = self.out.len();
        self.out.push(OBJECT);
        let first = self.pairs.len();
        let numbered = self.shapes.as_ref().map_or(0, Shapes::numbered);
        self.named_pairs(b'{')?;
        let closed = match self.shapes.as_mut() {
            Some(shapes) if self.pairs.len() > first => shapes.close(&mut self.out, start, &self.pairs[first..], numbered),
            _ => false,
        };
        self.pairs.truncate(first);
        if !closed {
            self.out.push(END);
        }
        self.depth -= 1;
        Some(())
    }

    /// Pairs with string keys up to `end`, then V8's counts after it; an
    /// object's pairs are recorded in `self.pairs` (none when it has an
    /// index key: such an object is no shape).
    fn named_pairs(&mut self, end: u8) -> Option<()> {
        let first = self.pairs.len();
        let mut shape = end == b'{' && self.shapes.is_some();
        while self.peek_tag()? != end {
            let key = self.out.len();
            match self.key()? {
                None => {}
                // An object's index key (ours writes it as text); an array's
                // indices are its elements, never here.
                Some(index) if end == b'{' => {
                    write_latin1(&mut self.out, index.to_string().as_bytes());
                    shape = false;
                    self.pairs.truncate(first);
                }
                Some(_) => return None,
            }
            let value = self.out.len();
            self.value()?;
            if shape {
                self.pairs.push(Pair { key, value, end: self.out.len() });
            }
        }
        self.tag()?;
        self.r.varint()?;
        if end != b'{' {
            self.r.varint()?; // arrays: the length again
        }
        Some(())
    }

    fn dense(&mut self) -> Option<()> {
        self.enter()?;
        let length = self.u32_varint()?;
        self.new_id();
        self.out.push(ARRAY);
        put_u32(&mut self.out, length);
        let mut holes = 0u32;
        for _ in 0..length {
            if self.peek_tag()? == b'-' {
                self.tag()?;
                self.out.push(HOLE);
                holes += 1;
            } else {
                self.value()?;
            }
        }
        if 2 * u64::from(length - holes) < u64::from(length) {
            return None; // ours would write it sparse
        }
        self.named_pairs(b'$')?;
        self.out.push(END);
        self.depth -= 1;
        Some(())
    }

    /// V8 writes holey arrays sparse; ours writes them dense when at least
    /// half of the indices are present. The pairs are translated aside first.
    fn sparse(&mut self) -> Option<()> {
        self.enter()?;
        let length = self.u32_varint()?;
        self.new_id();
        let aside = std::mem::take(&mut self.out);
        // (index or None for a name, start of the key or value in `self.out`, end)
        let mut items: Vec<(Option<u32>, usize, usize)> = Vec::new();
        let mut last: Option<u32> = None;
        while self.peek_tag()? != b'@' {
            let start = self.out.len();
            let index = self.key()?;
            if let Some(i) = index {
                if last.is_some_and(|l| i <= l) || i >= length || items.last().is_some_and(|x| x.0.is_none()) {
                    return None; // not ascending indices before names
                }
                last = Some(i);
            }
            self.value()?;
            items.push((index, start, self.out.len()));
        }
        self.tag()?;
        self.r.varint()?;
        self.r.varint()?;
        let pieces = std::mem::replace(&mut self.out, aside);
        let indices = items.iter().filter(|x| x.0.is_some()).count() as u64;
        let dense = 2 * indices >= u64::from(length);
        self.out.push(if dense { ARRAY } else { SPARSE_ARRAY });
        put_u32(&mut self.out, length);
        let mut next = 0u32;
        for &(index, start, end) in &items {
            match index {
                Some(i) if dense => {
                    self.out.resize(self.out.len() + (i - next) as usize, HOLE);
                    next = i + 1;
                }
                Some(i) => write_latin1(&mut self.out, i.to_string().as_bytes()),
                None if dense && next < length => {
                    self.out.resize(self.out.len() + (length - next) as usize, HOLE);
                    next = length;
                }
                None => {}
            }
            self.out.extend_from_slice(&pieces[start..end]);
        }
        if dense && next < length {
            self.out.resize(self.out.len() + (length - next) as usize, HOLE);
        }
        self.out.push(END);
        self.depth -= 1;
        Some(())
    }
}

/// A zigzag-encoded 32-bit integer.
fn zigzag_i32(z: u64) -> Option<i32> {
    let z = u32::try_from(z).ok()?;
    Some(((z >> 1) as i32) ^ -((z & 1) as i32))
}

/// A non-negative zigzag-encoded index.
fn zigzag(z: u64) -> Option<u32> {
    u32::try_from(zigzag_i32(z)?).ok()
}
