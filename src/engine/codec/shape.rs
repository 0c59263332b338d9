//! Objects of one shape with their keys once per payload (SHAPE / SHAPED,
//! docs/wire-format.md): the thread's translator writes every object as
//! OBJECT first, then hands it here once its pairs are written. The first
//! object of a key list stays OBJECT; the second becomes SHAPE (the key
//! list gets the next shape number); every later one becomes SHAPED, its
//! values moved left over its keys in place.
//!
//! Shapes are numbered in the order their SHAPE tags stand in the bytes
//! (the order a decoder reads them), but objects close inside out: an
//! object that would become SHAPE while a shape was numbered inside it, or
//! SHAPED of a shape numbered inside it (`{a: {a: {}}}`), stays OBJECT.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::tags::*;

/// One pair of an object written to the output: where its key starts,
/// where its value starts (the key's end) and where the value ends.
#[derive(Clone, Copy)]
pub struct Pair {
    pub key: usize,
    pub value: usize,
    pub end: usize,
}

/// The key lists of one payload.
#[derive(Default)]
pub struct Shapes {
    /// The key bytes of a key list (each key as written: tag, length,
    /// units) → its shape number, or None when it was met once.
    table: HashMap<Box<[u8]>, Option<u32>, BuildHasherDefault<Fx>>,
    next: u32,
    /// The key bytes of the object closed last (when `last` is Some) or
    /// being closed.
    sig: Vec<u8>,
    /// The table's entry for `sig` when it holds the last object's keys.
    last: Option<Option<Option<u32>>>,
}

impl Shapes {
    /// Shapes numbered so far (taken when an object opens).
    pub fn numbered(&self) -> u32 {
        self.next
    }

    /// The object written at `out[start..]` (its tag OBJECT, then `pairs`,
    /// no END yet; `numbered` shapes when it opened) rewritten as SHAPE or
    /// SHAPED when its key list may be a shape and was met before: true
    /// when it was (then no END follows).
    pub fn close(&mut self, out: &mut Vec<u8>, start: usize, pairs: &[Pair], numbered: u32) -> bool {
        if pairs.is_empty() || pairs.len() > SHAPE_MAX_KEYS as usize {
            return false;
        }
        // Records in a row have the key list of the object closed last: no
        // hashing then.
        let state = match self.last {
            Some(state) if same_keys(out, pairs, &self.sig) => state,
            _ => {
                self.sig.clear();
                for p in pairs {
                    let key = &out[p.key..p.value];
                    if !shape_key(key) {
                        self.last = None;
                        return false;
                    }
                    self.sig.extend_from_slice(key);
                }
                self.table.get(self.sig.as_slice()).copied()
            }
        };
        let (closed, now) = match state {
            None => (false, None),                                // met once now
            Some(None) if self.next != numbered => (false, None), // a SHAPE inside would come first
            // Its SHAPE stands inside this object: after this object's tag.
            Some(Some(k)) if k >= numbered => (false, Some(k)),
            Some(Some(k)) => {
                shaped(out, start, k, pairs);
                (true, Some(k))
            }
            Some(None) => {
                self.next += 1;
                shape(out, start, pairs);
                (true, Some(self.next - 1))
            }
        };
        if state != Some(now) {
            self.table.insert(self.sig.as_slice().into(), now);
        }
        self.last = Some(Some(now));
        closed
    }
}

/// True when the keys of `pairs` are those of `sig`, in that order.
fn same_keys(out: &[u8], pairs: &[Pair], sig: &[u8]) -> bool {
    let mut at = 0;
    for p in pairs {
        let key = &out[p.key..p.value];
        if sig.get(at..at + key.len()) != Some(key) {
            return false;
        }
        at += key.len();
    }
    at == sig.len()
}

/// True for a key (as written) a shape may hold: neither an array index
/// nor `__proto__` (a two-byte key is neither).
fn shape_key(key: &[u8]) -> bool {
    if key[0] != STRING_LATIN1 {
        return true;
    }
    let text = &key[5..];
    text != b"__proto__" && !is_array_index(text)
}

/// True for the canonical decimal text of an integer below 2^32 - 1.
fn is_array_index(text: &[u8]) -> bool {
    if text.is_empty() || text.len() > 10 || !text.iter().all(u8::is_ascii_digit) || (text[0] == b'0' && text.len() > 1) {
        return false;
    }
    text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) < u64::from(u32::MAX)
}

/// SHAPE n, the keys, the values.
fn shape(out: &mut Vec<u8>, start: usize, pairs: &[Pair]) {
    let mut body = Vec::with_capacity(out.len() - start + 4);
    body.push(SHAPE);
    body.extend((pairs.len() as u32).to_le_bytes());
    for p in pairs {
        body.extend_from_slice(&out[p.key..p.value]);
    }
    for p in pairs {
        body.extend_from_slice(&out[p.value..p.end]);
    }
    out.truncate(start);
    out.extend_from_slice(&body);
}

/// SHAPED k, the values moved left over the keys (every key takes at
/// least the 5 bytes `k` takes, so nothing is overwritten before it moved).
fn shaped(out: &mut Vec<u8>, start: usize, k: u32, pairs: &[Pair]) {
    out[start] = SHAPED;
    out[start + 1..start + 5].copy_from_slice(&k.to_le_bytes());
    let mut at = start + 5;
    for p in pairs {
        out.copy_within(p.value..p.end, at);
        at += p.end - p.value;
    }
    out.truncate(at);
}

/// A small multiplicative hash (key lists are short; the keys come from the
/// thread's own result).
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}
