//! Small payloads of plain data, built in one pass with local handles only.
//!
//! Most call arguments and results are a few primitives, short strings,
//! small plain objects and short arrays. The general decoder keeps every
//! container as a `v8::Global` on an explicit stack, opens handle scopes and
//! fills arrays one element at a time through a string key; for payloads
//! under [`to_v8::MIN_BYTES`](super::to_v8::MIN_BYTES) this module builds the
//! value recursively instead (the recursion is bounded: every level takes a
//! byte of input, and [`SMALL_DEPTH`] caps it anyway), objects with
//! `CreateDataProperty` as the general decoder does (or, for a call's
//! arguments in the thread's main realm, in one step by their key list's
//! maker: `makers.rs`), arrays in one step from their elements, with no
//! allocation of its own for a few of each.
//!
//! It reads only primitives, strings, plain objects, dense arrays without
//! holes or named properties, and backreferences to objects already made.
//! Anything else — or malformed input — answers `None`, and the caller
//! decodes the payload from its first byte with the general decoder (which
//! then reports any error). Nothing made here is visible by then and no
//! user code ran, so starting over is unobservable.

use smallvec::SmallVec;

use super::decode_help::new_string;
use super::makers::Makers;
use super::native::Str;
use super::reader::Reader;
use super::tags::*;

/// Payloads with containers nested deeper than this go the general way.
const SMALL_DEPTH: u32 = 32;

/// The value of a whole payload (`bytes`, starting with the version byte).
pub fn decode<'s>(s: &mut v8::HandleScope<'s>, bytes: &[u8]) -> Option<v8::Local<'s, v8::Value>> {
    let mut d = Small::new(bytes, 0, None);
    if d.r.u8().ok()? != VERSION {
        return None;
    }
    let value = d.value(s, 0)?;
    (d.r.pos == bytes.len()).then_some(value)
}

/// The elements of a payload that is an array (a call's arguments), with
/// no array made; shaped objects are built by `makers` (when they serve
/// the current realm).
pub fn args<'s>(s: &mut v8::HandleScope<'s>, bytes: &[u8], makers: Option<&mut Makers>) -> Option<Elements<'s>> {
    // The array's own id is 0 and never made here: a backreference to it
    // goes the general way (and no allocation is made for it).
    let mut d = Small::new(bytes, 1, makers);
    if d.r.u8().ok()? != VERSION || d.r.u8().ok()? != ARRAY {
        return None;
    }
    let elements = d.elements(s, 0)?;
    (d.r.pos == bytes.len()).then_some(elements)
}

/// An array's elements (or a call's arguments), inline when few: a small
/// payload is decoded with no allocation of its own.
pub type Elements<'s> = SmallVec<[v8::Local<'s, v8::Value>; 8]>;

struct Small<'p, 's, 'm> {
    r: Reader<'p>,
    /// Objects by id (from `first_id`); `None` for an array whose elements
    /// are being read.
    ids: SmallVec<[Option<v8::Local<'s, v8::Value>>; 8]>,
    /// The id of `ids[0]`: lower ids are objects not made here.
    first_id: usize,
    /// The keys of every SHAPE so far, internalized once, one after another.
    keys: SmallVec<[v8::Local<'s, v8::String>; 8]>,
    /// Each SHAPE: where its keys start in `keys` and how many there are,
    /// or its maker (its keys then not internalized).
    shapes: SmallVec<[Shape<'s>; 4]>,
    makers: Option<&'m mut Makers>,
    /// The key list of the SHAPE being read.
    read: SmallVec<[Str<'p>; 8]>,
}

/// A SHAPE of the payload being decoded.
#[derive(Clone, Copy)]
enum Shape<'s> {
    Keys(usize, usize),
    Maker(v8::Local<'s, v8::Function>, usize),
}

impl<'p, 'm> Small<'p, '_, 'm> {
    /// A decoder of `bytes` whose first object made gets id `first_id`.
    fn new(bytes: &'p [u8], first_id: usize, makers: Option<&'m mut Makers>) -> Self {
        let r = Reader { bytes, pos: 0 };
        Self { r, ids: SmallVec::new(), first_id, keys: SmallVec::new(), shapes: SmallVec::new(), makers, read: SmallVec::new() }
    }
}

impl<'s> Small<'_, 's, '_> {
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
                let shape = if tag == SHAPE { self.shape(s)? } else { *self.shapes.get(self.r.u32().ok()? as usize)? };
                match shape {
                    Shape::Keys(start, len) => {
                        let object = v8::Object::new(s);
                        self.ids.push(Some(object.into()));
                        for i in start..start + len {
                            let key = self.keys[i];
                            let value = self.value(s, depth + 1)?;
                            if object.create_data_property(s, key.into(), value) != Some(true) {
                                return None;
                            }
                        }
                        object.into()
                    }
                    Shape::Maker(maker, len) => {
                        // Made after its values: one that refers back to it
                        // finds no object and the payload goes the general way.
                        let id = self.ids.len();
                        self.ids.push(None);
                        let mut values: Elements = SmallVec::with_capacity(len);
                        for _ in 0..len {
                            values.push(self.value(s, depth + 1)?);
                        }
                        let this = v8::undefined(s).into();
                        let object = maker.call(s, this, &values)?;
                        self.ids[id] = Some(object);
                        object
                    }
                }
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

    /// A SHAPE's key list (after its tag): its maker, else its keys
    /// internalized.
    fn shape(&mut self, s: &mut v8::HandleScope<'s>) -> Option<Shape<'s>> {
        let from = self.r.pos + 4; // (after the count)
        self.read.clear();
        self.r.shape_keys_into(&mut self.read).ok()?;
        let keys = &self.read;
        if self.makers.as_ref().is_some_and(|m| !m.serve(s)) {
            self.makers = None; // (another realm's call)
        }
        let shape = match self.makers.as_mut().and_then(|m| m.get(s, &self.r.bytes[from..self.r.pos], keys)) {
            Some(maker) => Shape::Maker(maker, keys.len()),
            None => {
                let start = self.keys.len();
                for key in keys {
                    self.keys.push(new_string(s, key, v8::NewStringType::Internalized).ok()?);
                }
                Shape::Keys(start, keys.len())
            }
        };
        self.shapes.push(shape);
        Some(shape)
    }

    /// An ARRAY's length and elements up to its END (after its tag).
    fn elements(&mut self, s: &mut v8::HandleScope<'s>, depth: u32) -> Option<Elements<'s>> {
        let length = self.r.u32().ok()? as usize;
        if length > self.r.remaining() {
            return None;
        }
        let mut elements = Elements::with_capacity(length);
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
