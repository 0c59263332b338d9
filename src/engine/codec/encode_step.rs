//! The encoder's leaves that need V8's help (RegExp and primitive
//! wrappers, buffers, views) and its step over open containers.

use super::encode::{v8_str, Encoder, Kind, Seg, Step};
use super::errors::EncodeError;
use super::native::{self, Leaf, ProbeError};
use super::tags::*;
use super::write::*;
use crate::runtime::payload::SharedMemory;

type Result<T> = std::result::Result<T, EncodeError>;

impl Encoder {
    /// RegExp and primitive wrappers, read by V8's serializer.
    pub(super) fn write_leaf(&mut self, s: &mut v8::HandleScope, o: v8::Local<v8::Object>, extra: &str) -> Result<()> {
        let leaf = match native::probe(s, o) {
            Ok(leaf) => leaf,
            Err(ProbeError::Exception) => return Err(EncodeError::Exception),
            Err(ProbeError::Format) => return Err(self.fail(s, extra, "an unsupported object")),
        };
        self.new_id(s, o.into())?;
        let out = &mut self.out;
        match leaf {
            Leaf::RegExp(source, bits) => write_regexp(out, &source, bits),
            Leaf::Number(n) => {
                out.push(NUMBER_OBJECT);
                out.extend(n.to_le_bytes());
            }
            Leaf::Bool(b) => {
                out.push(BOOLEAN_OBJECT);
                out.push(b as u8);
            }
            Leaf::String(text) => {
                out.push(STRING_OBJECT);
                write_str(out, &text);
            }
            Leaf::BigInt(negative, words) => {
                out.push(BIGINT_OBJECT);
                write_bigint_words(out, negative, &words);
            }
        }
        Ok(())
    }

    pub(super) fn write_array_buffer(&mut self, s: &mut v8::HandleScope, ab: v8::Local<v8::ArrayBuffer>, extra: &str) -> Result<()> {
        if let Some(index) = self.transfer.iter().position(|g| *g == ab) {
            self.new_id(s, ab.into())?;
            self.out.push(TRANSFERRED_BUFFER);
            put_u32(&mut self.out, index as u32);
            return Ok(());
        }
        if ab.was_detached() {
            return Err(self.fail(s, extra, "a detached ArrayBuffer"));
        }
        // A resizable buffer goes as a plain one of its current length.
        let len = ab.byte_length();
        self.new_id(s, ab.into())?;
        if self.move_copies && len >= MOVE_COPY_FROM {
            // One copy, into reused memory when big (runtime/big_buffer.rs).
            let copy = SharedMemory::filled(len, |dst| copy_into(s, ab, dst))?;
            self.out.push(TRANSFERRED_BUFFER);
            put_u32(&mut self.out, (self.transfer.len() + self.copies.len()) as u32);
            self.copies.push(copy);
            return Ok(());
        }
        self.out.push(ARRAY_BUFFER);
        put_u64(&mut self.out, len as u64);
        copy_buffer(s, ab, len, &mut self.out)
    }

    pub(super) fn write_view(&mut self, s: &mut v8::HandleScope, view: v8::Local<v8::ArrayBufferView>, extra: &str) -> Result<()> {
        let v: v8::Local<v8::Value> = view.into();
        let (tag, kind, length) = match v8::Local::<v8::TypedArray>::try_from(v) {
            Ok(typed) => match typed_array_kind(v) {
                Some(kind) => (TYPED_ARRAY, Some(kind), typed.length()),
                None => return Err(self.fail(s, extra, "an unsupported typed array")),
            },
            Err(_) if v.is_data_view() => (DATA_VIEW, None, view.byte_length()),
            Err(_) => return Err(self.fail(s, extra, "an unsupported view")),
        };
        let buffer = view.buffer(s).ok_or(EncodeError::Exception)?;
        let offset = view.byte_offset();
        self.new_id(s, v)?;
        self.out.push(tag);
        self.out.extend(kind);
        let extra = format!("{extra}.buffer");
        self.write_value(s, buffer.into(), &extra)?;
        put_u64(&mut self.out, offset as u64);
        put_u64(&mut self.out, length as u64);
        Ok(())
    }

    /// Advance the top frame by one child.
    pub(super) fn step<'s>(&mut self, s: &mut v8::HandleScope<'s>) -> Result<Step<'s>> {
        let Some(f) = self.frames.last_mut() else {
            return Ok(Step::Done);
        };
        let out = &mut self.out;
        let object = v8::Local::new(s, &f.object);
        let list = v8::Local::new(s, &f.list);
        let entry = |s: &mut v8::HandleScope<'s>, pos: u32| list.get_index(s, pos).ok_or(EncodeError::Exception);
        match &mut f.kind {
            Kind::Map | Kind::Set => {
                if f.pos >= f.len {
                    out.push(END);
                    return Ok(Step::Done);
                }
                let value = entry(s, f.pos)?;
                let index = if matches!(f.kind, Kind::Map) { f.pos / 2 } else { f.pos };
                f.seg = Seg::Index(u64::from(index));
                f.pos += 1;
                return Ok(Step::Child(value));
            }
            Kind::Dense { length, next, count } if *next < *length => {
                if *count == *length {
                    // Packed: the index keys are exactly 0..length, in order.
                    let index = *next;
                    *next += 1;
                    f.pos += 1;
                    let value = object.get_index(s, index).ok_or(EncodeError::Exception)?;
                    f.seg = Seg::Index(u64::from(index));
                    return Ok(Step::Child(value));
                }
                if f.pos >= *count {
                    out.resize(out.len() + (*length - *next) as usize, HOLE);
                    *next = *length;
                    return Ok(Step::Skip);
                }
                let key = entry(s, f.pos)?;
                f.pos += 1;
                let index = key.number_value(s).ok_or(EncodeError::Exception)?;
                if !(index >= f64::from(*next) && index < f64::from(*length)) {
                    return Ok(Step::Skip);
                }
                let index = index as u32;
                out.resize(out.len() + (index - *next) as usize, HOLE);
                *next = index + 1;
                let value = object.get_index(s, index).ok_or(EncodeError::Exception)?;
                f.seg = Seg::Index(u64::from(index));
                return Ok(Step::Child(value));
            }
            Kind::Error { phase } if *phase < 2 => {
                let name = if *phase == 0 { "cause" } else { "code" };
                *phase += 1;
                let key = v8_str(s, name)?;
                if !object.has_own_property(s, key.into()).ok_or(EncodeError::Exception)? {
                    return Ok(Step::Skip);
                }
                let value = object.get(s, key.into()).ok_or(EncodeError::Exception)?;
                write_latin1(out, name.as_bytes());
                f.seg = Seg::Name(name);
                return Ok(Step::Child(value));
            }
            _ => {}
        }
        // Key/value pairs from the key list, then END.
        if f.pos >= f.len {
            out.push(END);
            return Ok(Step::Done);
        }
        let pos = f.pos;
        f.pos += 1;
        let key = entry(s, pos)?;
        if key.is_number() {
            // An index key of a sparse array (never expected elsewhere).
            if !matches!(f.kind, Kind::Sparse) {
                return Ok(Step::Skip);
            }
            let index = key.number_value(s).ok_or(EncodeError::Exception)?;
            if !(0.0..4294967295.0).contains(&index) {
                return Ok(Step::Skip);
            }
            let index = index as u32;
            let value = object.get_index(s, index).ok_or(EncodeError::Exception)?;
            write_latin1(out, index.to_string().as_bytes());
            f.seg = Seg::Index(u64::from(index));
            return Ok(Step::Child(value));
        }
        let Ok(name) = v8::Local::<v8::String>::try_from(key) else {
            return Ok(Step::Skip);
        };
        if matches!(f.kind, Kind::Error { .. }) && name.length() <= 7 {
            let text = name.to_rust_string_lossy(s);
            if matches!(text.as_str(), "name" | "message" | "stack" | "cause" | "code") {
                return Ok(Step::Skip);
            }
        }
        // A getter may have deleted a later key: skip it, as structured clone does.
        if !object.has_own_property(s, name.into()).ok_or(EncodeError::Exception)? {
            return Ok(Step::Skip);
        }
        let value = object.get(s, key).ok_or(EncodeError::Exception)?;
        write_string(out, s, name);
        f.seg = Seg::KeyAt(pos);
        Ok(Step::Child(value))
    }
}
