//! Small payloads of plain data, built in one pass with local handles only.
//!
//! Most call arguments and results are a few primitives, short strings,
//! small plain objects and short arrays. The general decoder keeps every
//! container as a `v8::Global` on an explicit stack, opens handle scopes and
//! fills arrays one element at a time through a string key; for payloads
//! under [`to_v8::MIN_BYTES`](super::to_v8::MIN_BYTES) this module builds the
//! value recursively instead (the recursion is bounded: every level takes a
//! byte of input, and [`SMALL_DEPTH`] caps it anyway), objects with
//! `CreateDataProperty` as the general decoder does, arrays in one step from
//! their elements.
//!
//! It reads only primitives, strings, plain objects, dense arrays without
//! holes or named properties, and backreferences to objects already made.
//! Anything else — or malformed input — answers `None`, and the caller
//! decodes the payload from its first byte with the general decoder (which
//! then reports any error). Nothing made here is visible by then and no
//! user code ran, so starting over is unobservable.

use super::decode_help::new_string;
use super::reader::Reader;
use super::tags::*;

/// Payloads with containers nested deeper than this go the general way.
const SMALL_DEPTH: u32 = 32;

/// The value of a whole payload (`bytes`, starting with the version byte).
pub fn decode<'s>(s: &mut v8::HandleScope<'s>, bytes: &[u8]) -> Option<v8::Local<'s, v8::Value>> {
    let mut d = Small { r: Reader { bytes, pos: 0 }, ids: Vec::new(), first_id: 0, shapes: Vec::new() };
    if d.r.u8().ok()? != VERSION {
        return None;
    }
    let value = d.value(s, 0)?;
    (d.r.pos == bytes.len()).then_some(value)
}

/// The elements of a payload that is an array (a call's arguments), with
/// no array made.
pub fn args<'s>(s: &mut v8::HandleScope<'s>, bytes: &[u8]) -> Option<Vec<v8::Local<'s, v8::Value>>> {
    // The array's own id is 0 and never made here: a backreference to it
    // goes the general way (and no allocation is made for it).
    let mut d = Small { r: Reader { bytes, pos: 0 }, ids: Vec::new(), first_id: 1, shapes: Vec::new() };
    if d.r.u8().ok()? != VERSION || d.r.u8().ok()? != ARRAY {
        return None;
    }
    let elements = d.elements(s, 0)?;
    (d.r.pos == bytes.len()).then_some(elements)
}

struct Small<'p, 's> {
    r: Reader<'p>,
    /// Objects by id (from `first_id`); `None` for an array whose elements
    /// are being read.
    ids: Vec<Option<v8::Local<'s, v8::Value>>>,
    /// The id of `ids[0]`: lower ids are objects not made here.
    first_id: usize,
    /// Each SHAPE's keys, internalized once.
    shapes: Vec<Vec<v8::Local<'s, v8::String>>>,
}

impl<'s> Small<'_, 's> {
    fn value(&mut self, s: &mut v8::HandleScope<'s>, depth: u32) -> Option<v8::Local<'s, v8::Value>> {
        let tag = self.r.u8().ok()?;
        Some(match tag {
            UNDEFINED => v8::undefined(s).into(),
            NULL => v8::null(s).into(),
            TRUE => v8::Boolean::new(s, true).into(),
            FALSE => v8::Boolean::new(s, false).into(),
            INT32 => v8::Integer::new(s, self.r.u32().ok()? as i32).into(),
            DOUBLE => v8::Number::new(s, self.r.f64().ok()?).into(),
            STRING_LATIN1 | STRING_UTF16 => {
                let text = self.r.string_body(tag).ok()?;
                new_string(s, &text, v8::NewStringType::Normal).ok()?.into()
            }
            BACKREF => (*self.ids.get((self.r.u32().ok()? as usize).checked_sub(self.first_id)?)?)?,
            OBJECT if depth < SMALL_DEPTH => {
                // Made before its properties: a property may refer back to it.
                let object = v8::Object::new(s);
                self.ids.push(Some(object.into()));
                while self.r.peek().ok()? != END {
                    let key = self.r.string().ok()?;
                    let key = new_string(s, &key, v8::NewStringType::Internalized).ok()?;
                    let value = self.value(s, depth + 1)?;
                    if object.create_data_property(s, key.into(), value) != Some(true) {
                        return None;
                    }
                }
                self.r.u8().ok()?;
                object.into()
            }
            SHAPE | SHAPED if depth < SMALL_DEPTH => {
                let object = v8::Object::new(s);
                self.ids.push(Some(object.into()));
                let shape = if tag == SHAPE {
                    let keys = self.r.shape_keys().ok()?;
                    let keys = keys.iter().map(|k| new_string(s, k, v8::NewStringType::Internalized).ok());
                    self.shapes.push(keys.collect::<Option<Vec<_>>>()?);
                    self.shapes.len() - 1
                } else {
                    self.r.u32().ok()? as usize
                };
                for i in 0..self.shapes.get(shape)?.len() {
                    let key = self.shapes[shape][i];
                    let value = self.value(s, depth + 1)?;
                    if object.create_data_property(s, key.into(), value) != Some(true) {
                        return None;
                    }
                }
                object.into()
            }
            ARRAY if depth < SMALL_DEPTH => {
                let id = self.ids.len();
                self.ids.push(None);
                let elements = self.elements(s, depth)?;
                let array: v8::Local<v8::Value> = v8::Array::new_with_elements(s, &elements).into();
                self.ids[id] = Some(array);
                array
            }
            _ => return None,
        })
    }

    /// An ARRAY's length and elements up to its END (after its tag).
    fn elements(&mut self, s: &mut v8::HandleScope<'s>, depth: u32) -> Option<Vec<v8::Local<'s, v8::Value>>> {
        let length = self.r.u32().ok()? as usize;
        if length > self.r.remaining() {
            return None;
        }
        let mut elements = Vec::with_capacity(length);
        for _ in 0..length {
            if self.r.peek().ok()? == HOLE {
                return None;
            }
            elements.push(self.value(s, depth + 1)?);
        }
        // No named properties: END right after the elements.
        (self.r.u8().ok()? == END).then_some(elements)
    }
}
