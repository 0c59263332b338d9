//! Shared values (`buffer(value)`, API.md §4): one value for every thread
//! it is passed to, stored as encoded bytes here so no isolate owns it. Its
//! read-modify-writes are serialized by the named lock `lock_name(id)`.
//! A number is kept as a number in one atomic word (no encoded bytes, no
//! mutex), so a thread's `mod()` of a counter neither decodes nor encodes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::locks::{self, LockRef};
use super::payload::Payload;

static NEXT: AtomicU32 = AtomicU32::new(1);

/// Wire format (docs/wire-format.md): version 1, then an int32 or a double.
const VERSION: u8 = 1;
const T_INT32: u8 = 0x04;
const T_DOUBLE: u8 = 0x05;

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

/// `Cell::number` when the value is not a number: a NaN that no stored
/// number has (numbers store every NaN as `f64::NAN`).
const ENCODED: u64 = 0x7ff8_0000_dead_beef;

/// How a number is stored: its bits, with one NaN for every NaN.
fn bits_of(n: f64) -> u64 {
    if n.is_nan() {
        f64::NAN.to_bits()
    } else {
        n.to_bits()
    }
}

/// One shared value and the lock its read-modify-writes take. A number
/// lives in one atomic word (read and written without a mutex: a `mod()`
/// of a counter is two plain memory accesses under the value's lock);
/// anything else in `encoded`, with `ENCODED` in that word. On a cache line
/// of its own: threads on other cores touching a neighbour's memory do not
/// take the line from the thread holding the lock.
#[repr(align(128))]
struct Cell {
    lock: LockRef,
    /// The number's bits, or `ENCODED`.
    number: AtomicU64,
    /// The value when `number` is `ENCODED` (else empty or stale). Writers
    /// of a payload (and of a number replacing one) hold this mutex and
    /// store `number` last.
    encoded: Mutex<Payload>,
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

    /// True once the value was cleaned.
    pub fn is_cleaned(&self) -> bool {
        self.0.cleaned.load(Ordering::SeqCst)
    }

    fn encoded(&self) -> Result<MutexGuard<'_, Payload>, Cleaned> {
        let p = self.0.encoded.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_cleaned() {
            return Err(Cleaned);
        }
        Ok(p)
    }

    /// The current value when it is a number (`Ok(None)`: it is something else).
    pub fn number(&self) -> Result<Option<f64>, Cleaned> {
        if self.is_cleaned() {
            return Err(Cleaned);
        }
        let bits = self.0.number.load(Ordering::Acquire);
        Ok((bits != ENCODED).then(|| f64::from_bits(bits)))
    }

    /// A copy of the current value.
    pub fn get(&self) -> Result<Payload, Cleaned> {
        if let Some(n) = self.number()? {
            return Ok(Payload { bytes: encode_number(n).into(), ..Default::default() });
        }
        let p = self.encoded()?;
        // (a number may have replaced the payload meanwhile)
        match self.0.number.load(Ordering::Acquire) {
            ENCODED => Ok(p.share()),
            bits => Ok(Payload { bytes: encode_number(f64::from_bits(bits)).into(), ..Default::default() }),
        }
    }

    /// Replace the value.
    pub fn set(&self, value: Payload) -> Result<(), Cleaned> {
        if value.shared.is_empty() && value.transferred.is_empty() {
            if let Some(n) = number_of(&value.bytes) {
                return self.set_number(n);
            }
        }
        let mut p = self.encoded()?;
        *p = value;
        self.0.number.store(ENCODED, Ordering::Release);
        Ok(())
    }

    /// Replace the value with a number.
    pub fn set_number(&self, n: f64) -> Result<(), Cleaned> {
        if self.is_cleaned() {
            return Err(Cleaned);
        }
        if self.0.number.load(Ordering::Relaxed) == ENCODED {
            let mut p = self.encoded()?;
            self.0.number.store(bits_of(n), Ordering::Release);
            *p = Payload::default(); // free the bytes now
        } else {
            self.0.number.store(bits_of(n), Ordering::Release);
        }
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
    let cell = Cell {
        lock: locks::lookup(&lock_name(id)),
        number: AtomicU64::new(0),
        encoded: Mutex::new(Payload::default()),
        cleaned: AtomicBool::new(false),
    };
    let cell = ValueRef(Arc::new(cell));
    let _ = cell.set(value); // (not cleaned: nobody else has it yet)
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(id, cell.0);
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
        let mut p = cell.encoded.lock().unwrap_or_else(|p| p.into_inner());
        cell.cleaned.store(true, Ordering::SeqCst);
        cell.number.store(0, Ordering::Release);
        *p = Payload::default(); // free the bytes now
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
        let id = create(Payload { bytes: vec![1, 2].into(), ..Default::default() });
        assert_eq!(get(id).unwrap().bytes, vec![1, 2]);
        set(id, Payload { bytes: vec![3].into(), ..Default::default() }).unwrap();
        assert_eq!(get(id).unwrap().bytes, vec![3]);
        clean(id);
        assert!(get(id).is_err());
        assert_eq!(set(id, Payload::default()), Err(Cleaned));
        assert!(!exists(id));
    }

    #[test]
    fn numbers_are_kept_as_numbers_and_read_back_as_the_codecs_write_them() {
        for n in [0.0, -0.0, 1.0, -7.0, 2147483647.0, 2147483648.0, 0.5, f64::NAN, f64::INFINITY] {
            let id = create(Payload { bytes: encode_number(n).into(), ..Default::default() });
            let got = get_number(id).unwrap().expect("a number");
            assert_eq!(got.to_bits(), n.to_bits(), "{n}");
            assert_eq!(get(id).unwrap().bytes, encode_number(n));
            set_number(id, 3.0).unwrap();
            assert_eq!(get(id).unwrap().bytes, vec![VERSION, T_INT32, 3, 0, 0, 0]);
            clean(id);
            assert_eq!(set_number(id, 1.0), Err(Cleaned));
        }
        let id = create(Payload { bytes: vec![VERSION, 0x02].into(), ..Default::default() });
        assert_eq!(get_number(id), Ok(None));
        clean(id);
    }

    #[test]
    fn a_value_switches_between_number_and_payload_and_readers_see_one_or_the_other() {
        let id = create(Payload { bytes: vec![9, 9].into(), ..Default::default() });
        let cell = lookup(id).unwrap();
        cell.set_number(5.0).unwrap();
        assert_eq!(cell.number(), Ok(Some(5.0)));
        cell.set(Payload { bytes: vec![7].into(), ..Default::default() }).unwrap();
        assert_eq!((cell.number(), cell.get().unwrap().bytes.into_vec()), (Ok(None), vec![7]));
        let odd_nan = f64::from_bits(0x7ff8_0000_0000_0042);
        cell.set_number(odd_nan).unwrap();
        assert_eq!(cell.number().unwrap().unwrap().to_bits(), f64::NAN.to_bits(), "one NaN for every NaN");
        // One of the two values the writer below switches between is in
        // place before the reader starts (it must never see the NaN above).
        cell.set_number(4.0).unwrap();
        let reader = std::thread::spawn(move || {
            let cell = lookup(id).unwrap();
            for _ in 0..20000 {
                let bytes = cell.get().unwrap().bytes;
                assert!(bytes == [1, 2, 3] || number_of(&bytes) == Some(4.0), "{bytes:?}");
            }
        });
        for i in 0..20000 {
            if i % 2 == 0 {
                cell.set(Payload { bytes: vec![1, 2, 3].into(), ..Default::default() }).unwrap();
            } else {
                cell.set_number(4.0).unwrap();
            }
        }
        reader.join().unwrap();
        clean(id);
        assert_eq!((cell.number(), cell.get().map(|_| ()), cell.set_number(1.0)), (Err(Cleaned), Err(Cleaned), Err(Cleaned)));
    }
}
