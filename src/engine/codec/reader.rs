//! Bounds-checked reading of wire bytes.

use std::borrow::Cow;

use super::errors::DecodeError;
use super::native::Str;
use super::tags::*;

type Result<T> = std::result::Result<T, DecodeError>;

pub fn bad<T>(message: impl Into<String>) -> Result<T> {
    Err(DecodeError(message.into()))
}

/// A cursor over the payload; every read checks the bytes left.
pub struct Reader<'p> {
    pub bytes: &'p [u8],
    pub pos: usize,
}

impl<'p> Reader<'p> {
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn peek(&self) -> Result<u8> {
        match self.bytes.get(self.pos) {
            Some(&b) => Ok(b),
            None => bad("unexpected end of input"),
        }
    }

    pub fn u8(&mut self) -> Result<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(b)
    }

    pub fn take(&mut self, n: u64) -> Result<&'p [u8]> {
        if n > self.remaining() as u64 {
            return bad(format!("length {n} exceeds the {} bytes left", self.remaining()));
        }
        let slice = &self.bytes[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(slice)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N as u64)?);
        Ok(a)
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// The body of a STRING_* value whose tag was `tag`.
    pub fn string_body(&mut self, tag: u8) -> Result<Str<'p>> {
        if tag == STRING_UTF16_PADDED && self.u8()? != 0 {
            return bad("STRING_UTF16_PADDED padding not 0");
        }
        let len = u64::from(self.u32()?);
        Ok(match tag {
            STRING_LATIN1 => Str::Latin1(Cow::Borrowed(self.take(len)?)),
            _ => Str::Utf16(Cow::Borrowed(self.take(2 * len)?)),
        })
    }

    /// A STRING_* value (tag and body).
    pub fn string(&mut self) -> Result<Str<'p>> {
        match self.u8()? {
            tag @ (STRING_LATIN1 | STRING_UTF16 | STRING_UTF16_PADDED) => self.string_body(tag),
            tag => bad(format!("expected a string, found tag 0x{tag:02x}")),
        }
    }
}

/// The code units of a wire string.
pub fn units_of<'a>(text: &'a Str) -> impl Iterator<Item = u16> + 'a {
    let (one, two): (&[u8], &[u8]) = match text {
        Str::Latin1(b) => (b, &[]),
        Str::Utf16(b) => (&[], b),
    };
    one.iter().map(|&c| u16::from(c)).chain(two.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])))
}

/// True when `text` is a canonical array index ("0" … "4294967294").
fn is_index_key(text: &Str) -> bool {
    let mut value: u64 = 0;
    let mut n = 0;
    for unit in units_of(text) {
        if !(u16::from(b'0')..=u16::from(b'9')).contains(&unit) || n == 10 || (n == 1 && value == 0) {
            return false;
        }
        value = value * 10 + u64::from(unit - u16::from(b'0'));
        n += 1;
    }
    n > 0 && value < u64::from(u32::MAX)
}

impl<'p> Reader<'p> {
    /// A SHAPE's key list (after its tag): 1–256 distinct keys, none an
    /// array index, none `__proto__`.
    pub fn shape_keys(&mut self) -> Result<Vec<Str<'p>>> {
        let mut keys = Vec::new();
        self.shape_keys_into(&mut keys)?;
        Ok(keys)
    }

    /// `shape_keys`, appended to `keys` (empty; a list reused by the caller).
    pub fn shape_keys_into<K: Extend<Str<'p>> + AsRef<[Str<'p>]>>(&mut self, keys: &mut K) -> Result<()> {
        let n = self.u32()?;
        if n == 0 || n > SHAPE_MAX_KEYS {
            return bad(format!("SHAPE of {n} keys"));
        }
        for _ in 0..n {
            let key = self.string()?;
            if key.is("__proto__") || is_index_key(&key) || keys.as_ref().iter().any(|k| units_of(k).eq(units_of(&key))) {
                return bad("SHAPE key repeated, an array index or __proto__");
            }
            keys.extend(std::iter::once(key));
        }
        Ok(())
    }
}
