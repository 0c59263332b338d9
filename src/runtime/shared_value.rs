//! Shared values (`buffer(value)`, API.md §4): one value for every thread
//! it is passed to, stored as encoded bytes here so no isolate owns it. Its
//! read-modify-writes are serialized by the named lock `lock_name(id)`.
//! A number is kept as a number (no encoded bytes), so a thread's `mod()`
//! of a counter neither decodes nor encodes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::locks::{self, LockRef};
use super::payload::Payload;

static NEXT: AtomicU32 = AtomicU32::new(1);

/// Wire format (docs/wire-format.md): version 1, then an int32 or a double.
const VERSION: u8 = 1;
const T_INT32: u8 = 0x04;
const T_DOUBLE: u8 = 0x05;

/// What a shared value holds.
enum Stored {
    Number(f64),
    Encoded(Payload),
}

impl Stored {
    fn from_payload(p: Payload) -> Stored {
        if p.shared.is_empty() && p.transferred.is_empty() {
            if let Some(n) = number_of(&p.bytes) {
                return Stored::Number(n);
            }
        }
        Stored::Encoded(p)
    }

    fn payload(&self) -> Payload {
        match self {
            Stored::Number(n) => Payload { bytes: encode_number(*n), ..Default::default() },
            Stored::Encoded(p) => p.share(),
        }
    }
}

/// The number an encoded value is, when it is just a number.
fn number_of(bytes: &[u8]) -> Option<f64> {
    match bytes {
        [VERSION, T_INT32, b @ ..] if b.len() == 4 => Some(f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        [VERSION, T_DOUBLE, b @ ..] if b.len() == 8 => Some(f64::from_le_bytes(b.try_into().ok()?)),
        _ => None,
    }
}

/// `n` in the wire format (as the codecs write it: int32 when it is one).
fn encode_number(n: f64) -> Vec<u8> {
    let i = n as i32;
    if f64::from(i) == n && !(n == 0.0 && n.is_sign_negative()) {
        let mut v = vec![VERSION, T_INT32];
        v.extend_from_slice(&i.to_le_bytes());
        v
    } else {
        let mut v = vec![VERSION, T_DOUBLE];
        v.extend_from_slice(&n.to_le_bytes());
        v
    }
}

/// One shared value and the lock its read-modify-writes take.
struct Cell {
    value: Mutex<Stored>,
    lock: LockRef,
    cleaned: AtomicBool,
}

fn table() -> &'static Mutex<HashMap<u32, Arc<Cell>>> {
    static T: OnceLock<Mutex<HashMap<u32, Arc<Cell>>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// The value was cleaned.
#[derive(Debug, PartialEq, Eq)]
pub struct Cleaned;

/// A shared value looked up once (for a `mod()`): its lock and value.
pub struct ValueRef(Arc<Cell>);

impl ValueRef {
    /// The lock that serializes its read-modify-writes (named `lock_name(id)`).
    pub fn lock(&self) -> &LockRef {
        &self.0.lock
    }

    fn value(&self) -> Result<MutexGuard<'_, Stored>, Cleaned> {
        let v = self.0.value.lock().unwrap_or_else(|p| p.into_inner());
        if self.0.cleaned.load(Ordering::SeqCst) {
            return Err(Cleaned);
        }
        Ok(v)
    }

    /// A copy of the current value.
    pub fn get(&self) -> Result<Payload, Cleaned> {
        Ok(self.value()?.payload())
    }

    /// The current value when it is a number (`Ok(None)`: it is something else).
    pub fn number(&self) -> Result<Option<f64>, Cleaned> {
        match &*self.value()? {
            Stored::Number(n) => Ok(Some(*n)),
            Stored::Encoded(_) => Ok(None),
        }
    }

    /// Replace the value.
    pub fn set(&self, value: Payload) -> Result<(), Cleaned> {
        *self.value()? = Stored::from_payload(value);
        Ok(())
    }

    /// Replace the value with a number.
    pub fn set_number(&self, n: f64) -> Result<(), Cleaned> {
        *self.value()? = Stored::Number(n);
        Ok(())
    }
}

/// Shared value `id`.
pub fn lookup(id: u32) -> Result<ValueRef, Cleaned> {
    table().lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned().map(ValueRef).ok_or(Cleaned)
}

/// A new shared value; returns its id.
pub fn create(value: Payload) -> u32 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let cell =
        Cell { value: Mutex::new(Stored::from_payload(value)), lock: locks::lookup(&lock_name(id)), cleaned: AtomicBool::new(false) };
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(id, Arc::new(cell));
    id
}

/// A copy of the current value.
pub fn get(id: u32) -> Result<Payload, Cleaned> {
    lookup(id)?.get()
}

/// The current value when it is a number (`Ok(None)`: it is something else).
pub fn get_number(id: u32) -> Result<Option<f64>, Cleaned> {
    lookup(id)?.number()
}

/// Replace the value.
pub fn set(id: u32, value: Payload) -> Result<(), Cleaned> {
    lookup(id)?.set(value)
}

/// Replace the value with a number.
pub fn set_number(id: u32, n: f64) -> Result<(), Cleaned> {
    lookup(id)?.set_number(n)
}

/// Free the value; later use fails with `Cleaned`.
pub fn clean(id: u32) {
    let cell = table().lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    if let Some(cell) = cell {
        let mut v = cell.value.lock().unwrap_or_else(|p| p.into_inner());
        cell.cleaned.store(true, Ordering::SeqCst);
        *v = Stored::Number(0.0); // free the bytes now
    }
}

/// True while the value exists.
pub fn exists(id: u32) -> bool {
    table().lock().unwrap_or_else(|p| p.into_inner()).contains_key(&id)
}

/// The named lock that serializes `mod()` of value `id`.
pub fn lock_name(id: u32) -> String {
    format!("\u{0}isothread.buffer.{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_get_set_clean() {
        let id = create(Payload { bytes: vec![1, 2], ..Default::default() });
        assert_eq!(get(id).unwrap().bytes, vec![1, 2]);
        set(id, Payload { bytes: vec![3], ..Default::default() }).unwrap();
        assert_eq!(get(id).unwrap().bytes, vec![3]);
        clean(id);
        assert!(get(id).is_err());
        assert_eq!(set(id, Payload::default()), Err(Cleaned));
        assert!(!exists(id));
    }

    #[test]
    fn numbers_are_kept_as_numbers_and_read_back_as_the_codecs_write_them() {
        for n in [0.0, -0.0, 1.0, -7.0, 2147483647.0, 2147483648.0, 0.5, f64::NAN, f64::INFINITY] {
            let id = create(Payload { bytes: encode_number(n), ..Default::default() });
            let got = get_number(id).unwrap().expect("a number");
            assert_eq!(got.to_bits(), n.to_bits(), "{n}");
            assert_eq!(get(id).unwrap().bytes, encode_number(n));
            set_number(id, 3.0).unwrap();
            assert_eq!(get(id).unwrap().bytes, vec![VERSION, T_INT32, 3, 0, 0, 0]);
            clean(id);
            assert_eq!(set_number(id, 1.0), Err(Cleaned));
        }
        let id = create(Payload { bytes: vec![VERSION, 0x02], ..Default::default() });
        assert_eq!(get_number(id), Ok(None));
        clean(id);
    }
}
