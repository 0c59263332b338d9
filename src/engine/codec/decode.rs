//! Wire bytes -> JS value (docs/wire-format.md).
//!
//! Input is untrusted: every length is checked against the bytes left
//! before anything is allocated, and nothing here panics. Containers are
//! created (and attached to their parent) when their tag is read, then
//! filled from an explicit stack of open containers, a few properties per
//! HandleScope.

use super::decode_help::{aggregate, name, new_string, regexp_flags, typed_array, v8_failed};
use super::errors::DecodeError;
use super::external::{self, Input};
use super::host_objects::host_objects;
use super::native::{self, Blob, Str};
use super::reader::{bad, Reader};
use super::small;
use super::tags::*;
use super::to_v8;
use std::sync::Arc;

use crate::runtime::payload::{Bytes, Payload, SharedMemory};

type Result<T> = std::result::Result<T, DecodeError>;

/// Decode a payload into a value of the scope's current context.
///
/// `scope` is usually a `v8::TryCatch<v8::HandleScope>` (deref'd). Malformed
/// input gives a [`DecodeError`] and leaves no exception behind, except for
/// termination or out-of-memory.
pub fn decode<'s>(scope: &mut v8::HandleScope<'s>, payload: Payload) -> Result<v8::Local<'s, v8::Value>> {
    if payload.bytes.len() < to_v8::MIN_BYTES {
        if let Some(value) = small::decode(scope, &payload.bytes) {
            return Ok(value);
        }
    }
    decode_input(scope, payload.into())
}

/// Decode a payload of [`to_v8::MIN_BYTES`] or more with V8's deserializer,
/// else (or when smaller) with our builder.
pub(super) fn decode_input<'s>(scope: &mut v8::HandleScope<'s>, input: Input) -> Result<v8::Local<'s, v8::Value>> {
    if input.bytes.len() >= to_v8::MIN_BYTES {
        if let Some(built) = to_v8::decode(scope, &input) {
            return built;
        }
    }
    let scope = &mut v8::EscapableHandleScope::new(scope);
    let mut d = Decoder {
        r: Reader { bytes: &input.bytes, pos: 0 },
        owner: &input.bytes,
        ids: Vec::new(),
        frames: Vec::new(),
        shared: &input.shared,
        transferred: &input.transferred,
        used: vec![false; input.transferred.len()],
        shapes: Vec::new(),
    };
    let version = d.r.u8()?;
    if version != VERSION {
        return bad(format!("unsupported format version {version}"));
    }
    let root = d.read_value(scope)?.value()?;
    while !d.frames.is_empty() {
        let s = &mut v8::HandleScope::new(scope);
        for _ in 0..STEPS_PER_SCOPE {
            if d.frames.is_empty() {
                break;
            }
            d.step(s)?;
        }
    }
    if d.r.pos != d.r.bytes.len() {
        return bad(format!("{} trailing bytes", d.r.bytes.len() - d.r.pos));
    }
    Ok(scope.escape(root))
}

pub(super) struct Decoder<'p> {
    pub(super) r: Reader<'p>,
    /// The bytes `r` reads, for external strings to keep.
    owner: &'p Arc<Bytes>,
    /// Objects by id; `None` while a view or error is being read.
    ids: Vec<Option<v8::Global<v8::Value>>>,
    frames: Vec<Frame>,
    shared: &'p [SharedMemory],
    transferred: &'p [SharedMemory],
    /// Transferred buffers already built (each store backs one buffer).
    used: Vec<bool>,
    /// Each SHAPE's keys, by shape number.
    shapes: Vec<Vec<Str<'p>>>,
}

/// An open container, filled by `step`.
struct Frame {
    id: usize,
    kind: Kind,
}

enum Kind {
    Object,
    /// An object of shape `shape`, its `next` value to read (no END).
    Shaped {
        shape: usize,
        next: usize,
    },
    Error,
    /// `pairs`: key/value pairs read so far.
    Sparse {
        length: u32,
        pairs: u32,
    },
    Array {
        length: u32,
        next: u32,
    },
    /// The key read, waiting for its value.
    Map {
        key: Option<v8::Global<v8::Value>>,
    },
    Set,
}

pub(super) enum Read<'s> {
    Value(v8::Local<'s, v8::Value>),
    Hole,
}

impl<'s> Read<'s> {
    pub(super) fn value(self) -> Result<v8::Local<'s, v8::Value>> {
        match self {
            Read::Value(v) => Ok(v),
            Read::Hole => bad("HOLE outside an array"),
        }
    }
}

impl<'p> Decoder<'p> {
    /// A decoder of `input`'s bytes that references no shared or moved memory.
    pub(super) fn plain(input: &'p Input) -> Self {
        Decoder {
            r: Reader { bytes: &input.bytes, pos: 0 },
            owner: &input.bytes,
            ids: Vec::new(),
            frames: Vec::new(),
            shared: &[],
            transferred: &[],
            used: Vec::new(),
            shapes: Vec::new(),
        }
    }

    fn reserve(&mut self) -> usize {
        self.ids.push(None);
        self.ids.len() - 1
    }

    fn set(&mut self, s: &mut v8::HandleScope, id: usize, value: v8::Local<v8::Value>) {
        self.ids[id] = Some(v8::Global::new(s, value));
    }

    /// Record a new container and make it the one being filled.
    fn open(&mut self, s: &mut v8::HandleScope, id: usize, value: v8::Local<v8::Value>, kind: Kind) -> Result<()> {
        if self.frames.len() >= MAX_DEPTH {
            return bad(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.set(s, id, value);
        self.frames.push(Frame { id, kind });
        Ok(())
    }

    pub(super) fn read_value<'s>(&mut self, s: &mut v8::HandleScope<'s>) -> Result<Read<'s>> {
        let tag = self.r.u8()?;
        let v: v8::Local<v8::Value> = match tag {
            UNDEFINED => v8::undefined(s).into(),
            NULL => v8::null(s).into(),
            TRUE => v8::Boolean::new(s, true).into(),
            FALSE => v8::Boolean::new(s, false).into(),
            INT32 => v8::Integer::new(s, self.r.u32()? as i32).into(),
            DOUBLE => v8::Number::new(s, self.r.f64()?).into(),
            BIGINT => self.bigint_body(s)?.into(),
            STRING_LATIN1 | STRING_UTF16 | STRING_UTF16_PADDED => {
                let text = self.r.string_body(tag)?;
                let (Str::Latin1(b) | Str::Utf16(b)) = &text;
                match external::string(s, self.owner, b, tag != STRING_LATIN1) {
                    Some(string) => string.into(),
                    None => new_string(s, &text, v8::NewStringType::Normal)?.into(),
                }
            }
            HOLE => return Ok(Read::Hole),
            BACKREF => {
                let id = self.r.u32()? as usize;
                match self.ids.get(id) {
                    Some(Some(global)) => v8::Local::new(s, global),
                    _ => return bad(format!("BACKREF to id {id}, not read yet")),
                }
            }
            OBJECT => {
                let id = self.reserve();
                let object = v8::Object::new(s).into();
                self.open(s, id, object, Kind::Object)?;
                object
            }
            SHAPE | SHAPED => {
                let id = self.reserve();
                let shape = if tag == SHAPE {
                    let keys = self.r.shape_keys()?;
                    self.shapes.push(keys);
                    self.shapes.len() - 1
                } else {
                    let k = self.r.u32()? as usize;
                    if k >= self.shapes.len() {
                        return bad(format!("SHAPED names shape {k}, not read yet"));
                    }
                    k
                };
                let object = v8::Object::new(s).into();
                self.open(s, id, object, Kind::Shaped { shape, next: 0 })?;
                object
            }
            ARRAY => {
                let id = self.reserve();
                let length = self.r.u32()?;
                // Every element takes at least one byte.
                if length as usize > self.r.remaining() {
                    return bad(format!("array length {length} exceeds the input"));
                }
                // Empty: elements are added as read, the length set at END.
                let array = v8::Array::new(s, 0).into();
                self.open(s, id, array, Kind::Array { length, next: 0 })?;
                array
            }
            SPARSE_ARRAY => {
                let id = self.reserve();
                let length = self.r.u32()?;
                let array = v8::Array::new(s, 0).into();
                self.open(s, id, array, Kind::Sparse { length, pairs: 0 })?;
                array
            }
            DATE => {
                let id = self.reserve();
                let date = v8::Date::new(s, self.r.f64()?).ok_or_else(|| v8_failed("a Date"))?.into();
                self.set(s, id, date);
                date
            }
            REGEXP => {
                let id = self.reserve();
                let source = self.r.string()?;
                let flags = regexp_flags(&self.r.string()?)?;
                let regexp = native::build(s, &Blob::regexp(&source, flags), None).ok_or_else(|| DecodeError("invalid RegExp".into()))?;
                self.set(s, id, regexp);
                regexp
            }
            MAP => {
                let id = self.reserve();
                let map = v8::Map::new(s).into();
                self.open(s, id, map, Kind::Map { key: None })?;
                map
            }
            SET => {
                let id = self.reserve();
                let set = v8::Set::new(s).into();
                self.open(s, id, set, Kind::Set)?;
                set
            }
            ERROR => self.error(s)?,
            ARRAY_BUFFER => {
                let id = self.reserve();
                let len = self.r.u64()?;
                let bytes = self.r.take(len)?;
                // Allocated by V8 (not from a Vec), so its external-memory
                // accounting triggers GCs: a thread receiving many large
                // buffers frees them as it goes.
                let buffer = v8::ArrayBuffer::new(s, bytes.len());
                if let Some(data) = buffer.data().filter(|_| !bytes.is_empty()) {
                    // SAFETY: the buffer was just made with `bytes.len()` bytes
                    // at `data` and no JS has seen it yet; `bytes` is a slice
                    // of the payload, a different allocation.
                    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data.as_ptr() as *mut u8, bytes.len()) };
                }
                self.set(s, id, buffer.into());
                buffer.into()
            }
            SHARED_BUFFER => {
                let id = self.reserve();
                let index = self.r.u32()? as usize;
                let memory = match self.shared.get(index) {
                    Some(m) if m.is_shared() => m,
                    Some(_) => return bad(format!("shared buffer {index} is not shared memory")),
                    None => return bad(format!("shared buffer index {index} out of range")),
                };
                let buffer = v8::SharedArrayBuffer::with_backing_store(s, memory.backing_store()).into();
                self.set(s, id, buffer);
                buffer
            }
            TRANSFERRED_BUFFER => {
                let id = self.reserve();
                let index = self.r.u32()? as usize;
                let memory = match self.transferred.get(index) {
                    Some(_) if self.used[index] => return bad(format!("transferred buffer {index} used twice")),
                    Some(m) if !m.is_shared() => m,
                    Some(_) => return bad(format!("transferred buffer {index} is shared memory")),
                    None => return bad(format!("transferred buffer index {index} out of range")),
                };
                self.used[index] = true;
                let buffer = v8::ArrayBuffer::with_backing_store(s, memory.backing_store()).into();
                self.set(s, id, buffer);
                buffer
            }
            TYPED_ARRAY | DATA_VIEW => self.view(s, tag)?,
            SHARED_VALUE => {
                let id = self.reserve();
                let value_id = self.r.u32()?;
                let hosts = host_objects(s).ok_or_else(|| DecodeError("a shared value, but this isolate has none".into()))?;
                let handle = hosts.handle(s, value_id).ok_or_else(|| DecodeError("could not make a buffer handle".into()))?;
                self.set(s, id, handle);
                handle
            }
            NUMBER_OBJECT | STRING_OBJECT | BOOLEAN_OBJECT | BIGINT_OBJECT => {
                let id = self.reserve();
                let primitive: v8::Local<v8::Value> = match tag {
                    NUMBER_OBJECT => v8::Number::new(s, self.r.f64()?).into(),
                    STRING_OBJECT => {
                        let text = self.r.string()?;
                        new_string(s, &text, v8::NewStringType::Normal)?.into()
                    }
                    BOOLEAN_OBJECT => match self.r.u8()? {
                        b @ (0 | 1) => v8::Boolean::new(s, b == 1).into(),
                        _ => return bad("BOOLEAN_OBJECT value not 0 or 1"),
                    },
                    _ => match self.r.u8()? {
                        BIGINT => self.bigint_body(s)?.into(),
                        _ => return bad("BIGINT_OBJECT without a BIGINT"),
                    },
                };
                // ToObject: the context's own wrapper, no user code.
                let wrapper = primitive.to_object(s).ok_or_else(|| v8_failed("a wrapper object"))?.into();
                self.set(s, id, wrapper);
                wrapper
            }
            _ => return bad(format!("unknown tag 0x{tag:02x}")),
        };
        Ok(Read::Value(v))
    }

    fn bigint_body<'s>(&mut self, s: &mut v8::HandleScope<'s>) -> Result<v8::Local<'s, v8::BigInt>> {
        let negative = match self.r.u8()? {
            0 => false,
            1 => true,
            _ => return bad("BIGINT sign not 0 or 1"),
        };
        let n = u64::from(self.r.u32()?);
        // V8's limit is 2**30 bits; refuse before V8 throws.
        if n > 1 << 24 {
            return bad("BIGINT too large");
        }
        let bytes = self.r.take(8 * n)?;
        let words: Vec<u64> = bytes.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))).collect();
        v8::BigInt::new_from_words(s, negative, &words).ok_or_else(|| v8_failed("a BigInt"))
    }

    fn error<'s>(&mut self, s: &mut v8::HandleScope<'s>) -> Result<v8::Local<'s, v8::Value>> {
        let id = self.reserve();
        let error_name = self.r.string()?;
        let message = self.r.string()?;
        let stack = match self.r.peek()? {
            UNDEFINED => {
                self.r.u8()?;
                None
            }
            _ => Some(self.r.string()?),
        };
        let prototype = native::error_prototype_tag(&error_name);
        let error = native::build(s, &Blob::error(prototype, &message, stack.as_ref()), None).ok_or_else(|| v8_failed("an Error"))?;
        let Ok(object) = v8::Local::<v8::Object>::try_from(error) else {
            return Err(v8_failed("an Error"));
        };
        if prototype.is_none() && !error_name.is("Error") && !(error_name.is("AggregateError") && aggregate(s, object)?) {
            let key = name(s, "name")?;
            let value = new_string(s, &error_name, v8::NewStringType::Normal)?;
            if object.define_own_property(s, key, value.into(), v8::PropertyAttribute::DONT_ENUM) != Some(true) {
                return Err(v8_failed("an Error"));
            }
        }
        self.open(s, id, error, Kind::Error)?;
        Ok(error)
    }

    fn view<'s>(&mut self, s: &mut v8::HandleScope<'s>, tag: u8) -> Result<v8::Local<'s, v8::Value>> {
        let id = self.reserve();
        let kind = if tag == TYPED_ARRAY { Some(self.r.u8()?) } else { None };
        let size = match kind {
            Some(k) => element_size(k).ok_or_else(|| DecodeError(format!("unknown typed array kind {k}")))?,
            None => 1,
        };
        if !matches!(self.r.peek()?, ARRAY_BUFFER | SHARED_BUFFER | TRANSFERRED_BUFFER | BACKREF) {
            return bad("a view's buffer is not a buffer");
        }
        let buffer = self.read_value(s)?.value()?;
        let offset = self.r.u64()?;
        let length = self.r.u64()?;
        let (buffer_len, ab) = if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(buffer) {
            (ab.byte_length() as u64, Some(ab))
        } else if let Ok(sab) = v8::Local::<v8::SharedArrayBuffer>::try_from(buffer) {
            (sab.byte_length() as u64, None)
        } else {
            return bad("a view's buffer is not a buffer");
        };
        let byte_len = length.checked_mul(size).filter(|&n| n <= v8::TypedArray::max_byte_length() as u64);
        let fits = byte_len.and_then(|n| n.checked_add(offset)).is_some_and(|end| end <= buffer_len);
        let Some(byte_len) = byte_len.filter(|_| fits) else {
            return bad("view out of its buffer's bounds");
        };
        if offset % size != 0 {
            return bad("typed array offset not aligned to its element size");
        }
        let view = match (ab, kind) {
            (Some(ab), Some(kind)) => typed_array(s, kind, ab, offset as usize, length as usize),
            _ => {
                // DataView, or a view over shared memory: built by V8's deserializer.
                if buffer_len > u64::from(u32::MAX) {
                    return bad("views over buffers of 4 GiB or more are not supported here");
                }
                let subtag = kind.and_then(native::typed_array_subtag).unwrap_or(native::V8_DATA_VIEW);
                let blob = Blob::view(ab.is_none(), subtag, offset as u32, byte_len as u32);
                let buffer = v8::Local::<v8::Object>::try_from(buffer).ok();
                native::build(s, &blob, buffer)
            }
        };
        let view = view.ok_or_else(|| v8_failed("a view"))?;
        self.set(s, id, view);
        Ok(view)
    }

    /// Read the next child of the top container.
    fn step(&mut self, s: &mut v8::HandleScope) -> Result<()> {
        let Some(top) = self.frames.len().checked_sub(1) else {
            return Ok(());
        };
        let container = match &self.ids[self.frames[top].id] {
            Some(global) => v8::Local::new(s, global),
            None => return Err(v8_failed("a container")),
        };
        let Ok(object) = v8::Local::<v8::Object>::try_from(container) else {
            return Err(v8_failed("a container"));
        };
        let element = match &mut self.frames[top].kind {
            Kind::Array { length, next } if *next < *length => {
                *next += 1;
                Some(*next - 1)
            }
            _ => None,
        };
        if let Some(index) = element {
            if let Read::Value(value) = self.read_value(s)? {
                let key = v8::Integer::new_from_unsigned(s, index).to_string(s).ok_or_else(|| v8_failed("a key"))?;
                if object.create_data_property(s, key.into(), value) != Some(true) {
                    return bad("cannot define an array element");
                }
            }
            return Ok(());
        }
        if let Kind::Map { key: Some(_) } = &self.frames[top].kind {
            let Kind::Map { key: Some(key) } = std::mem::replace(&mut self.frames[top].kind, Kind::Map { key: None }) else {
                return Ok(());
            };
            let key = v8::Local::new(s, key);
            let value = self.read_value(s)?.value()?;
            let map = v8::Local::<v8::Map>::try_from(container).map_err(|_| v8_failed("a Map"))?;
            map.set(s, key, value).ok_or_else(|| v8_failed("a Map entry"))?;
            return Ok(());
        }
        if let Kind::Shaped { shape, next } = &mut self.frames[top].kind {
            let (shape, index) = (*shape, *next);
            *next += 1;
            let Some(key) = self.shapes[shape].get(index) else {
                self.frames.pop(); // all its values read: a shaped object has no END
                return Ok(());
            };
            let key = new_string(s, key, v8::NewStringType::Internalized)?;
            let value = self.read_value(s)?.value()?;
            if object.create_data_property(s, key.into(), value) != Some(true) {
                return bad("cannot define a property");
            }
            return Ok(());
        }
        if self.r.peek()? == END {
            self.r.u8()?;
            if let Some(Frame { kind, .. }) = self.frames.pop() {
                match kind {
                    Kind::Array { length, .. } => set_length(s, object, length, length)?,
                    Kind::Sparse { length, pairs } => set_length(s, object, length, pairs)?,
                    _ => {}
                }
            }
            return Ok(());
        }
        match self.frames[top].kind {
            Kind::Map { .. } => {
                let key = self.read_value(s)?.value()?;
                self.frames[top].kind = Kind::Map { key: Some(v8::Global::new(s, key)) };
            }
            Kind::Set => {
                let value = self.read_value(s)?.value()?;
                let set = v8::Local::<v8::Set>::try_from(container).map_err(|_| v8_failed("a Set"))?;
                set.add(s, value).ok_or_else(|| v8_failed("a Set entry"))?;
            }
            _ => {
                if let Kind::Sparse { pairs, .. } = &mut self.frames[top].kind {
                    *pairs += 1;
                }
                let key_text = self.r.string()?;
                let cause = matches!(self.frames[top].kind, Kind::Error) && key_text.is("cause");
                let key = new_string(s, &key_text, v8::NewStringType::Internalized)?;
                let value = self.read_value(s)?.value()?;
                let defined = if cause {
                    // As `new Error(m, { cause })` makes it: not enumerable.
                    object.define_own_property(s, key.into(), value, v8::PropertyAttribute::DONT_ENUM)
                } else {
                    object.create_data_property(s, key.into(), value)
                };
                if defined != Some(true) {
                    return bad("cannot define a property");
                }
            }
        }
        Ok(())
    }
}

/// Give a filled array its declared length. An untrusted length must not
/// size an allocation, and setting `length` on a fast array grows its
/// backing store to that length (up to 32M slots). So unless the length is
/// within reach of what was read (`read` elements or pairs, each at least
/// one byte of input), first turn the array into dictionary mode: define and
/// delete its last possible index, then shrink the length (no allocation).
fn set_length(s: &mut v8::HandleScope, array: v8::Local<v8::Object>, length: u32, read: u32) -> Result<()> {
    let Ok(array) = v8::Local::<v8::Array>::try_from(array) else {
        return Err(v8_failed("an array"));
    };
    if array.length() >= length {
        return Ok(());
    }
    if u64::from(length) > 2 * u64::from(read) + 1024 {
        const LAST_INDEX: u32 = u32::MAX - 1;
        let key = name(s, "4294967294")?;
        let undefined = v8::undefined(s).into();
        if array.create_data_property(s, key, undefined) != Some(true) || array.delete_index(s, LAST_INDEX) != Some(true) {
            return Err(v8_failed("an array"));
        }
    }
    let key = name(s, "length")?;
    let value = v8::Number::new(s, f64::from(length));
    if array.set(s, key.into(), value.into()) != Some(true) {
        return Err(v8_failed("an array"));
    }
    Ok(())
}
