//! JS value -> wire bytes (docs/wire-format.md).
//!
//! The graph is walked with an explicit stack of open containers
//! ([`Frame`]); each holds its object and its key (or entry) list as
//! Globals; the walk opens a fresh HandleScope every few steps.

use std::fmt::Write as _;
use std::rc::Rc;

use super::errors::EncodeError;
use super::host_objects::{host_objects, HostObjects};
use super::tags::*;
use super::v8_wire;
use super::write::*;
use crate::runtime::payload::{Bytes, Payload, SharedMemory};

type Result<T> = std::result::Result<T, EncodeError>;

/// Segments kept at each end of a very deep path in a clone error.
const PATH_KEEP: usize = 16;

/// Objects whose identity is looked up by a scan of [`Encoder::first`]
/// before a V8 Map takes over.
const LINEAR_IDS: usize = 16;

/// Encode `value` into a payload. `root` names the value in clone errors
/// (`args`, `result`, `message`, `value`). ArrayBuffers in `transfer` move:
/// they are written as TRANSFERRED_BUFFER (index = position among the
/// distinct buffers of the list) and detached once the whole encode has
/// succeeded; every listed buffer moves, met in the value or not.
///
/// `scope` is usually a `v8::TryCatch<v8::HandleScope>` (deref'd): on
/// [`EncodeError::Exception`] the exception is pending there.
pub fn encode(
    scope: &mut v8::HandleScope,
    value: v8::Local<v8::Value>,
    root: &str,
    transfer: &[v8::Local<v8::ArrayBuffer>],
) -> Result<Payload> {
    if transfer.is_empty() {
        if let Some(big) = v8::Local::<v8::String>::try_from(value).ok().and_then(|st| big_string(scope, st)) {
            return Ok(Payload { bytes: Bytes::Big(big.into()), shared: Vec::new(), transferred: Vec::new() });
        }
        if let Some(bytes) = encode_primitive(scope, value) {
            return Ok(Payload { bytes: bytes.into(), shared: Vec::new(), transferred: Vec::new() });
        }
    }
    let scope = &mut v8::HandleScope::new(scope);
    if (root == "result" || root == "message") && transfer.is_empty() && v8_wire::worth_it(value) {
        if let Some((bytes, shared, transferred)) = v8_wire::encode(scope, value, true)? {
            return Ok(Payload { bytes: bytes.into(), shared, transferred });
        }
    }
    let mut enc = Encoder::new(scope, root, transfer)?;
    enc.write_value(scope, value, "")?;
    while !enc.frames.is_empty() {
        // A few steps per HandleScope: handles stay bounded, scopes cheap.
        let s = &mut v8::HandleScope::new(scope);
        for _ in 0..STEPS_PER_SCOPE {
            match enc.step(s)? {
                Step::Child(child) => enc.write_value(s, child, "")?,
                Step::Skip => {}
                Step::Done => {
                    enc.frames.pop();
                    if enc.frames.is_empty() {
                        break;
                    }
                }
            }
        }
    }
    enc.finish(scope)
}

/// A primitive (undefined, null, a boolean, number, string or BigInt) in
/// one small allocation, with none of the walker's set-up; None for
/// anything else. The bytes are those the walker writes for it.
fn encode_primitive(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(16);
    out.push(VERSION);
    write_primitive(&mut out, scope, value).then_some(out)
}

/// Write `v` if it is a primitive that crosses (not a symbol): true when
/// written, false (nothing written) for anything else.
pub(super) fn write_primitive(out: &mut Vec<u8>, s: &mut v8::HandleScope, v: v8::Local<v8::Value>) -> bool {
    if v.is_undefined() {
        out.push(UNDEFINED);
    } else if v.is_null() {
        out.push(NULL);
    } else if v.is_boolean() {
        out.push(if v.is_true() { TRUE } else { FALSE });
    } else if let Ok(n) = v8::Local::<v8::Number>::try_from(v) {
        write_number(out, n.value());
    } else if let Ok(st) = v8::Local::<v8::String>::try_from(v) {
        write_string(out, s, st);
    } else if let Ok(b) = v8::Local::<v8::BigInt>::try_from(v) {
        write_bigint(out, b);
    } else {
        return false;
    }
    true
}

pub(super) struct Encoder {
    pub(super) out: Vec<u8>,
    /// Object -> id (as a V8 Map, so identity is V8's); made once more than
    /// [`LINEAR_IDS`] objects were met.
    pub(super) ids: Option<v8::Global<v8::Map>>,
    /// The objects met so far, by id, while there are at most
    /// [`LINEAR_IDS`] (most values hold a few: a scan is cheaper than a Map).
    pub(super) first: Vec<v8::Global<v8::Object>>,
    pub(super) next_id: u32,
    pub(super) shared: Vec<SharedMemory>,
    /// Distinct buffers of the transfer list.
    pub(super) transfer: Vec<v8::Global<v8::ArrayBuffer>>,
    pub(super) frames: Vec<Frame>,
    pub(super) root: String,
    /// Large ArrayBuffers copied into memory of their own, sent after the
    /// transfer list's buffers (only for results: `move_copies`).
    pub(super) copies: Vec<SharedMemory>,
    pub(super) move_copies: bool,
    /// The handles written by reference (SHARED_VALUE), when the isolate has any.
    hosts: Option<Rc<dyn HostObjects>>,
}

/// An open container: the object, its key list (Map/Set: entries), the
/// position in it, and where its current child sits (for error paths).
pub(super) struct Frame {
    pub(super) kind: Kind,
    pub(super) object: v8::Global<v8::Object>,
    pub(super) list: v8::Global<v8::Array>,
    pub(super) len: u32,
    pub(super) pos: u32,
    pub(super) seg: Seg,
}

pub(super) enum Kind {
    Object,
    /// `count`: leading numeric (index) keys of the list.
    Dense {
        length: u32,
        next: u32,
        count: u32,
    },
    Sparse,
    Map,
    Set,
    /// 0: cause next, 1: code next, 2: the key list.
    Error {
        phase: u8,
    },
}

pub(super) enum Seg {
    None,
    Index(u64),
    /// The key at this position of the frame's list.
    KeyAt(u32),
    Name(&'static str),
}

pub(super) enum Step<'s> {
    Child(v8::Local<'s, v8::Value>),
    Skip,
    Done,
}

fn names_args(numbers: bool) -> v8::GetPropertyNamesArgs {
    v8::GetPropertyNamesArgsBuilder::new()
        .mode(v8::KeyCollectionMode::OwnOnly)
        .property_filter(v8::PropertyFilter::ONLY_ENUMERABLE | v8::PropertyFilter::SKIP_SYMBOLS)
        .index_filter(v8::IndexFilter::IncludeIndices)
        .key_conversion(if numbers { v8::KeyConversionMode::KeepNumbers } else { v8::KeyConversionMode::ConvertToString })
        .build()
}

pub(super) fn v8_str<'s>(s: &mut v8::HandleScope<'s>, text: &str) -> Result<v8::Local<'s, v8::String>> {
    v8::String::new(s, text).ok_or(EncodeError::Exception)
}

impl Encoder {
    fn new(s: &mut v8::HandleScope, root: &str, transfer: &[v8::Local<v8::ArrayBuffer>]) -> Result<Self> {
        let mut distinct: Vec<v8::Local<v8::ArrayBuffer>> = Vec::new();
        for (i, &ab) in transfer.iter().enumerate() {
            if distinct.contains(&ab) {
                continue;
            }
            let problem = if ab.was_detached() {
                "is a detached ArrayBuffer"
            } else if !ab.is_detachable() {
                "is not detachable"
            } else {
                distinct.push(ab);
                continue;
            };
            return Err(EncodeError::Clone(format!("transfer list item {i} {problem} and cannot be transferred")));
        }
        Ok(Encoder {
            out: vec![VERSION],
            ids: None,
            first: Vec::new(),
            next_id: 0,
            shared: Vec::new(),
            transfer: distinct.iter().map(|&ab| v8::Global::new(s, ab)).collect(),
            frames: Vec::new(),
            root: root.to_owned(),
            copies: Vec::new(),
            move_copies: root == "result",
            hosts: host_objects(s),
        })
    }

    /// Move the transferred buffers out (detaching them) and hand over.
    fn finish(self, s: &mut v8::HandleScope) -> Result<Payload> {
        let mut buffers = Vec::with_capacity(self.transfer.len());
        for (i, global) in self.transfer.iter().enumerate() {
            let ab = v8::Local::new(s, global);
            if ab.was_detached() {
                return Err(EncodeError::Clone(format!("transfer list item {i} was detached while encoding and cannot be transferred")));
            }
            buffers.push(ab);
        }
        let mut transferred = Vec::with_capacity(buffers.len());
        for &ab in &buffers {
            let store = ab.get_backing_store();
            let store = if store.is_resizable_by_user_javascript() {
                // Sent as a plain buffer of its current length.
                let mut bytes = Vec::new();
                copy_buffer(s, ab, ab.byte_length(), &mut bytes)?;
                if bytes.is_empty() {
                    v8::ArrayBuffer::new(s, 0).get_backing_store()
                } else {
                    v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared()
                }
            } else {
                store
            };
            transferred.push(SharedMemory::from_backing_store(store));
        }
        transferred.extend(self.copies);
        for ab in buffers {
            ab.detach(None).ok_or(EncodeError::Exception)?;
        }
        Ok(Payload { bytes: self.out.into(), shared: self.shared, transferred })
    }

    /// The path of the value being written (the current child of the top
    /// frame), plus `extra`. Very deep paths keep their first and last
    /// `PATH_KEEP` segments around a `…`.
    pub(super) fn path(&self, s: &mut v8::HandleScope, extra: &str) -> String {
        let mut p = self.root.clone();
        let n = self.frames.len();
        for (i, f) in self.frames.iter().enumerate() {
            if n > 2 * PATH_KEEP && (PATH_KEEP..n - PATH_KEEP).contains(&i) {
                if i == PATH_KEEP {
                    p.push('…');
                }
                continue;
            }
            match f.seg {
                Seg::None => {}
                Seg::Index(index) => {
                    let _ = write!(p, "[{index}]");
                }
                Seg::Name(name) => push_key(&mut p, name),
                Seg::KeyAt(pos) => {
                    let list = v8::Local::new(s, &f.list);
                    match list.get_index(s, pos) {
                        Some(key) => push_key(&mut p, &key.to_rust_string_lossy(s)),
                        None => p.push_str("[?]"),
                    }
                }
            }
        }
        p.push_str(extra);
        p
    }

    pub(super) fn fail(&self, s: &mut v8::HandleScope, extra: &str, what: &str) -> EncodeError {
        EncodeError::Clone(format!("{} is {what} and cannot be cloned", self.path(s, extra)))
    }

    /// Give `value` the next id (call right before writing its tag).
    pub(super) fn new_id(&mut self, s: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Result<()> {
        let object = v8::Local::<v8::Object>::try_from(value).map_err(|_| EncodeError::Exception)?;
        if self.ids.is_none() && self.first.len() < LINEAR_IDS {
            self.first.push(v8::Global::new(s, object));
            self.next_id += 1;
            return Ok(());
        }
        let ids = match &self.ids {
            Some(ids) => v8::Local::new(s, ids),
            None => {
                let ids = v8::Map::new(s);
                for (id, seen) in std::mem::take(&mut self.first).into_iter().enumerate() {
                    let seen = v8::Local::new(s, seen);
                    let id = v8::Integer::new_from_unsigned(s, id as u32);
                    ids.set(s, seen.into(), id.into()).ok_or(EncodeError::Exception)?;
                }
                self.ids = Some(v8::Global::new(s, ids));
                ids
            }
        };
        let id = v8::Integer::new_from_unsigned(s, self.next_id);
        ids.set(s, value, id.into()).ok_or(EncodeError::Exception)?;
        self.next_id += 1;
        Ok(())
    }

    /// Open a container frame: checks the depth, gives the id, writes the tag.
    fn open(
        &mut self,
        s: &mut v8::HandleScope,
        object: v8::Local<v8::Object>,
        tag: u8,
        kind: Kind,
        list: v8::Local<v8::Array>,
    ) -> Result<()> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(EncodeError::Clone(format!("{} is nested deeper than {MAX_DEPTH} levels", self.path(s, ""))));
        }
        self.new_id(s, object.into())?;
        self.out.push(tag);
        self.frames.push(Frame {
            kind,
            object: v8::Global::new(s, object),
            list: v8::Global::new(s, list),
            len: list.length(),
            pos: 0,
            seg: Seg::None,
        });
        Ok(())
    }

    pub(super) fn write_value(&mut self, s: &mut v8::HandleScope, v: v8::Local<v8::Value>, extra: &str) -> Result<()> {
        if write_primitive(&mut self.out, s, v) {
            Ok(())
        } else if v.is_symbol() {
            Err(self.fail(s, extra, "a symbol"))
        } else if let Ok(o) = v8::Local::<v8::Object>::try_from(v) {
            self.write_object(s, o, extra)
        } else {
            Err(self.fail(s, extra, "an unsupported value"))
        }
    }

    fn write_object(&mut self, s: &mut v8::HandleScope, o: v8::Local<v8::Object>, extra: &str) -> Result<()> {
        let v: v8::Local<v8::Value> = o.into();
        // Before anything that could run a trap.
        if v.is_proxy() {
            return Err(self.fail(s, extra, "a Proxy"));
        }
        if let Some(ids) = &self.ids {
            let ids = v8::Local::new(s, ids);
            let seen = ids.get(s, v).ok_or(EncodeError::Exception)?;
            if let Ok(id) = v8::Local::<v8::Uint32>::try_from(seen) {
                self.out.push(BACKREF);
                put_u32(&mut self.out, id.value());
                return Ok(());
            }
        } else if let Some(id) = self.first.iter().position(|seen| *seen == o) {
            self.out.push(BACKREF);
            put_u32(&mut self.out, id as u32);
            return Ok(());
        }
        if v.is_function() {
            return Err(self.fail(s, extra, "a function"));
        }
        if let Some(value_id) = self.shared_value_id(s, o) {
            self.new_id(s, v)?;
            self.out.push(SHARED_VALUE);
            put_u32(&mut self.out, value_id);
            return Ok(());
        }
        if let Ok(array) = v8::Local::<v8::Array>::try_from(v) {
            return self.write_array(s, array);
        }
        if v.is_native_error() {
            return self.write_error(s, o);
        }
        if let Ok(date) = v8::Local::<v8::Date>::try_from(v) {
            self.new_id(s, v)?;
            self.out.push(DATE);
            self.out.extend(date.value_of().to_le_bytes());
            return Ok(());
        }
        if v.is_reg_exp() || v.is_number_object() || v.is_string_object() || v.is_boolean_object() || v.is_big_int_object() {
            return self.write_leaf(s, o, extra);
        }
        if let Ok(map) = v8::Local::<v8::Map>::try_from(v) {
            let entries = map.as_array(s);
            return self.open(s, o, MAP, Kind::Map, entries);
        }
        if let Ok(set) = v8::Local::<v8::Set>::try_from(v) {
            let entries = set.as_array(s);
            return self.open(s, o, SET, Kind::Set, entries);
        }
        if let Ok(ab) = v8::Local::<v8::ArrayBuffer>::try_from(v) {
            return self.write_array_buffer(s, ab, extra);
        }
        if let Ok(sab) = v8::Local::<v8::SharedArrayBuffer>::try_from(v) {
            self.new_id(s, v)?;
            self.out.push(SHARED_BUFFER);
            put_u32(&mut self.out, self.shared.len() as u32);
            self.shared.push(SharedMemory::from_backing_store(sab.get_backing_store()));
            return Ok(());
        }
        if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(v) {
            return self.write_view(s, view, extra);
        }
        if let Some(refused) = refusal(v, o) {
            return Err(self.fail(s, extra, refused));
        }
        let keys = o.get_own_property_names(s, names_args(false)).ok_or(EncodeError::Exception)?;
        if keys.length() == 0 {
            // The API cannot tell a WeakRef from a plain object; its class
            // name (taken from its map, not from user-visible properties
            // for direct instances) can.
            let class = o.get_constructor_name().to_rust_string_lossy(s);
            if class == "WeakRef" || class == "FinalizationRegistry" {
                return Err(self.fail(s, extra, &format!("a {class}")));
            }
        }
        self.open(s, o, OBJECT, Kind::Object, keys)
    }

    /// The id of a shared-value handle (`buffer()`), asked of the isolate's
    /// [`HostObjects`].
    fn shared_value_id(&mut self, s: &mut v8::HandleScope, o: v8::Local<v8::Object>) -> Option<u32> {
        self.hosts.as_ref()?.id_of(s, o)
    }

    fn write_array(&mut self, s: &mut v8::HandleScope, array: v8::Local<v8::Array>) -> Result<()> {
        let length = array.length();
        let keys = array.get_own_property_names(s, names_args(true)).ok_or(EncodeError::Exception)?;
        // Index keys come first (ascending), as numbers: find where they end.
        let (mut lo, mut hi) = (0, keys.length());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if keys.get_index(s, mid).ok_or(EncodeError::Exception)?.is_number() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let count = lo;
        let dense = 2 * u64::from(count) >= u64::from(length);
        let (tag, kind) = if dense { (ARRAY, Kind::Dense { length, next: 0, count }) } else { (SPARSE_ARRAY, Kind::Sparse) };
        self.open(s, array.into(), tag, kind, keys)?;
        put_u32(&mut self.out, length);
        Ok(())
    }

    fn write_error(&mut self, s: &mut v8::HandleScope, o: v8::Local<v8::Object>) -> Result<()> {
        // Behind a Proxy, only own properties are read (a lookup that
        // reached the prototype would run its trap) and `stack` not at all
        // (formatting it reads the error through the chain).
        let behind_proxy = proxy_in_chain(s, o);
        let name = self.error_field(s, o, "name", behind_proxy)?;
        let name = if name.is_undefined() { v8_str(s, "Error")? } else { name.to_string(s).ok_or(EncodeError::Exception)? };
        let message = self.error_field(s, o, "message", behind_proxy)?;
        let message = if message.is_undefined() { v8::String::empty(s) } else { message.to_string(s).ok_or(EncodeError::Exception)? };
        let stack = if behind_proxy { v8::undefined(s).into() } else { self.error_field(s, o, "stack", false)? };
        let keys = o.get_own_property_names(s, names_args(false)).ok_or(EncodeError::Exception)?;
        self.open(s, o, ERROR, Kind::Error { phase: 0 }, keys)?;
        write_string(&mut self.out, s, name);
        write_string(&mut self.out, s, message);
        match v8::Local::<v8::String>::try_from(stack) {
            Ok(stack) => write_string(&mut self.out, s, stack),
            Err(_) => self.out.push(UNDEFINED),
        }
        Ok(())
    }
}

impl Encoder {
    /// `o[key]`; with `own_only`, undefined unless `o` has it as its own.
    fn error_field<'s>(
        &self,
        s: &mut v8::HandleScope<'s>,
        o: v8::Local<v8::Object>,
        key: &str,
        own_only: bool,
    ) -> Result<v8::Local<'s, v8::Value>> {
        let key = v8_str(s, key)?;
        if own_only && !o.has_own_property(s, key.into()).ok_or(EncodeError::Exception)? {
            return Ok(v8::undefined(s).into());
        }
        o.get(s, key.into()).ok_or(EncodeError::Exception)
    }
}

/// True when a Proxy is on `o`'s prototype chain. Reading the prototype of
/// an object that is not a Proxy runs no JS.
pub(super) fn proxy_in_chain(s: &mut v8::HandleScope, o: v8::Local<v8::Object>) -> bool {
    let mut next = o.get_prototype(s);
    while let Some(p) = next {
        if p.is_proxy() {
            return true;
        }
        let Ok(p) = v8::Local::<v8::Object>::try_from(p) else { return false };
        next = p.get_prototype(s);
    }
    false
}
