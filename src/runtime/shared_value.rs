//! Shared values (`buffer(value)`, API.md §4): one value for every thread
//! it is passed to, stored as encoded bytes here so no isolate owns it. Its
//! read-modify-writes are serialized by the named lock `lock_name(id)`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::engine::Payload;

static NEXT: AtomicU32 = AtomicU32::new(1);

fn table() -> &'static Mutex<HashMap<u32, Payload>> {
    static T: OnceLock<Mutex<HashMap<u32, Payload>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// The value was cleaned.
#[derive(Debug, PartialEq, Eq)]
pub struct Cleaned;

/// A new shared value; returns its id.
pub fn create(value: Payload) -> u32 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(id, value);
    id
}

/// A copy of the current value.
pub fn get(id: u32) -> Result<Payload, Cleaned> {
    table().lock().unwrap_or_else(|p| p.into_inner()).get(&id).map(Payload::share).ok_or(Cleaned)
}

/// Replace the value.
pub fn set(id: u32, value: Payload) -> Result<(), Cleaned> {
    let mut t = table().lock().unwrap_or_else(|p| p.into_inner());
    let slot = t.get_mut(&id).ok_or(Cleaned)?;
    *slot = value;
    Ok(())
}

/// Free the value; later use fails with `Cleaned`.
pub fn clean(id: u32) {
    table().lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
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
}
