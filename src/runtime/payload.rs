//! Encoded values and the memory they refer to, as they cross threads.
//! The memory is opaque here: the engine makes it (over V8 backing stores,
//! `engine::memory`) and reads it back; this layer holds, shares and drops it.

use std::any::Any;
use std::ops::{Deref, Range};
use std::sync::Arc;

use super::big_buffer::BigBuffer;

/// Memory any thread may hold: the contents of a SharedArrayBuffer (shared)
/// or of a transferred ArrayBuffer (moved). Dropping the last holder frees it.
pub trait MemoryStore: Send + Sync + 'static {
    /// Start of the memory (null for an empty store).
    fn as_ptr(&self) -> *mut u8;
    /// Length in bytes.
    fn byte_length(&self) -> usize;
    /// True when the memory belongs to a SharedArrayBuffer.
    fn is_shared(&self) -> bool;
    /// One more holder of the same memory.
    fn share(&self) -> Box<dyn MemoryStore>;
    /// The store as its own type (for the engine that made it).
    fn as_any(&self) -> &dyn Any;
}

/// A holder of memory that crosses threads without a copy.
pub struct SharedMemory(Box<dyn MemoryStore>);

impl SharedMemory {
    /// Hold `store`.
    pub fn new(store: Box<dyn MemoryStore>) -> Self {
        Self(store)
    }

    /// The store, for the engine to read its own type back.
    pub fn store(&self) -> &dyn MemoryStore {
        &*self.0
    }

    /// Start of the memory (null for an empty store).
    pub fn as_ptr(&self) -> *mut u8 {
        self.0.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.byte_length()
    }

    /// True for an empty store.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the memory belongs to a SharedArrayBuffer.
    pub fn is_shared(&self) -> bool {
        self.0.is_shared()
    }
}

/// Values this short are held inside [`Bytes`] itself (no allocation).
pub const INLINE_MAX: usize = 38;

/// Copies from this size up (a host value's bytes for a thread) go into a
/// [`BigBuffer`] (reused mappings); smaller ones are a heap copy made on the
/// host and freed on the thread. From 64 KB up, as first chosen, a 100 KB
/// string argument cost more in a BigBuffer than in a heap copy: 20
/// alternated pairs of 4,000 calls, wall 79.4 against 43.3 us a call and
/// process CPU 492 against 302 ms (medians; the heap copy lower in 20 of
/// 20); 64 KB and 200 KB lower in 8 of 8 (README "Large payloads").
pub const COPY_BIG_FROM: usize = super::big_buffer::BIG_MIN;

/// The bytes of an encoded value: its own, or a part of a buffer several
/// values share (the calls of one `runBatch` arrive in one buffer, so the
/// host makes one allocation a batch, not one a call).
#[derive(Clone)]
pub enum Bytes {
    /// Bytes of its own.
    Owned(Vec<u8>),
    /// A short value held in place: made on one thread and dropped on
    /// another, it costs no allocation, no free across threads and no
    /// shared counter (a small call's arguments; `{ a: 1, b: 2 }` is 34).
    Inline(u8, [u8; INLINE_MAX]),
    /// `range` of a buffer shared with other values; freed with the last.
    Part(Arc<[u8]>, Range<usize>),
    /// Big bytes in memory of their own (huge pages, reused once freed).
    Big(Arc<BigBuffer>),
}

impl Bytes {
    /// The bytes as a Vec (no copy when they are its own).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Inline(..) | Bytes::Part(..) | Bytes::Big(_) => self.to_vec(),
        }
    }

    /// A copy of `bytes`: short ones inline, big ones ([`COPY_BIG_FROM`]
    /// and up) into a [`BigBuffer`], whose memory is reused from call to
    /// call instead of fresh pages.
    pub fn copy_of(bytes: &[u8]) -> Bytes {
        if let Some(inline) = Bytes::inline(bytes) {
            inline
        } else if bytes.len() >= COPY_BIG_FROM {
            Bytes::Big(Arc::new(BigBuffer::copy_of(bytes)))
        } else {
            Bytes::Owned(bytes.to_vec())
        }
    }

    /// `bytes` held inline, when they are short enough.
    fn inline(bytes: &[u8]) -> Option<Bytes> {
        let mut data = [0; INLINE_MAX];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Bytes::Inline(bytes.len() as u8, data))
    }

    /// Split `buffer` into values of these byte lengths, back to back:
    /// short ones inline, the others sharing one copy of `buffer`; None
    /// when they run past its end. Every value is made before any is
    /// used: a thread that drops the first while the rest were still
    /// being made would contend with the host for the shared counter.
    pub fn split<L>(buffer: &[u8], lengths: L) -> Option<Vec<Bytes>>
    where
        L: Iterator<Item = usize> + Clone,
    {
        let total = lengths.clone().try_fold(0usize, |sum, len| sum.checked_add(len))?;
        if total > buffer.len() {
            return None;
        }
        let mut shared: Option<Arc<[u8]>> = None;
        let mut at = 0;
        let parts = lengths.map(|len| {
            let range = at..at + len;
            at += len;
            Bytes::inline(&buffer[range.clone()])
                .unwrap_or_else(|| Bytes::Part(shared.get_or_insert_with(|| Arc::from(&buffer[..total])).clone(), range))
        });
        Some(parts.collect())
    }
}

impl Default for Bytes {
    fn default() -> Self {
        Bytes::Owned(Vec::new())
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Inline(len, data) => &data[..*len as usize],
            Bytes::Part(buffer, range) => &buffer[range.clone()],
            Bytes::Big(buffer) => buffer,
        }
    }
}

impl From<Vec<u8>> for Bytes {
    /// Short values are copied inline and their Vec freed here, on the
    /// thread that made it: the thread that drops the value (often another:
    /// a result is made on an isolate's thread and dropped on the host's)
    /// then frees nothing. glibc handles memory freed away from the thread
    /// that allocated it badly: both threads then take turns at the
    /// allocating thread's arena lock (futex calls on every batch).
    fn from(v: Vec<u8>) -> Self {
        match Bytes::inline(&v) {
            Some(inline) => inline,
            None => Bytes::Owned(v),
        }
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        **self == **other
    }
}

impl PartialEq<[u8]> for Bytes {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<Vec<u8>> for Bytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        **self == other[..]
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Bytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        **self == other[..]
    }
}

impl PartialEq<Bytes> for Vec<u8> {
    fn eq(&self, other: &Bytes) -> bool {
        self[..] == **other
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Serialized value plus the memory it refers to by index.
#[derive(Default)]
pub struct Payload {
    /// The encoded value (docs/wire-format.md).
    pub bytes: Bytes,
    /// SharedArrayBuffers, referenced by `SHARED_BUFFER` index.
    pub shared: Vec<SharedMemory>,
    /// Moved ArrayBuffers, referenced by `TRANSFERRED_BUFFER` index.
    pub transferred: Vec<SharedMemory>,
}

impl Payload {
    /// A copy for one more receiver: the same bytes and shared memory.
    /// Moved buffers cannot go to several receivers and are left out.
    pub fn share(&self) -> Payload {
        let shared = self.shared.iter().map(|m| SharedMemory(m.0.share())).collect();
        Payload { bytes: self.bytes.clone(), shared, transferred: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_short_values_inline_and_shares_one_buffer_between_the_others() {
        let buffer: Vec<u8> = (0..200).collect();
        let parts = Bytes::split(&buffer, [2, 0, 60, INLINE_MAX, 70].into_iter()).unwrap();
        assert_eq!(
            parts,
            vec![
                Bytes::from(vec![0, 1]),
                Bytes::from(vec![]),
                Bytes::from(buffer[2..62].to_vec()),
                Bytes::from(buffer[62..100].to_vec()),
                Bytes::from(buffer[100..170].to_vec())
            ]
        );
        assert!(
            matches!(parts[0], Bytes::Inline(2, _)) && matches!(parts[1], Bytes::Inline(0, _)) && matches!(parts[3], Bytes::Inline(..))
        );
        let (Bytes::Part(a, _), Bytes::Part(b, _)) = (&parts[2], &parts[4]) else { panic!("longer values share the buffer") };
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(Arc::strong_count(a), 2, "every long part holds the one buffer");
        assert_eq!(a.len(), 170, "a copy of the values' bytes only");
        assert_eq!(parts[4].clone().into_vec(), buffer[100..170].to_vec());
    }

    #[test]
    fn short_vecs_become_inline_and_longer_ones_stay_their_own() {
        assert!(matches!(Bytes::from(vec![1, 2, 3]), Bytes::Inline(3, _)));
        assert_eq!(&*Bytes::from(vec![1, 2, 3]), &[1, 2, 3]);
        assert!(matches!(Bytes::from(vec![7; INLINE_MAX + 1]), Bytes::Owned(v) if v.len() == INLINE_MAX + 1));
    }

    #[test]
    fn inline_values_take_no_more_room_than_a_shared_part() {
        assert!(std::mem::size_of::<Bytes>() <= 40, "{} bytes", std::mem::size_of::<Bytes>());
        let short = Bytes::copy_of(&[9; INLINE_MAX]);
        assert!(matches!(short, Bytes::Inline(..)));
        assert_eq!(short.clone().into_vec(), vec![9; INLINE_MAX]);
        assert!(matches!(Bytes::copy_of(&[9; INLINE_MAX + 1]), Bytes::Owned(_)));
    }

    #[test]
    fn big_copies_go_to_a_big_buffer_and_stay_independent() {
        let mut data = vec![5u8; COPY_BIG_FROM];
        let big = Bytes::copy_of(&data);
        assert!(matches!(big, Bytes::Big(_)));
        assert!(matches!(Bytes::copy_of(&data[1..]), Bytes::Owned(_)), "smaller ones stay on the heap");
        data[0] = 6;
        assert_eq!(big.len(), COPY_BIG_FROM);
        assert_eq!((big[0], big[COPY_BIG_FROM - 1]), (5, 5), "a copy, not a view");
        let shared = big.clone();
        assert!(std::ptr::eq(shared.as_ptr(), big.as_ptr()), "clones share the memory");
        assert_eq!(shared.into_vec(), vec![5u8; COPY_BIG_FROM]);
    }

    #[test]
    fn split_refuses_lengths_past_the_end() {
        let buffer = [1u8, 2, 3];
        assert!(Bytes::split(&buffer, [2, 2].into_iter()).is_none());
        assert!(Bytes::split(&buffer, [usize::MAX, 2].into_iter()).is_none());
        assert_eq!(Bytes::split(&buffer, [3].into_iter()).unwrap().len(), 1);
    }
}
