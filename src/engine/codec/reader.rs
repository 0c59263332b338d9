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
        let len = u64::from(self.u32()?);
        Ok(match tag {
            STRING_LATIN1 => Str::Latin1(Cow::Borrowed(self.take(len)?)),
            _ => Str::Utf16(Cow::Borrowed(self.take(2 * len)?)),
        })
    }

    /// A STRING_* value (tag and body).
    pub fn string(&mut self) -> Result<Str<'p>> {
        match self.u8()? {
            tag @ (STRING_LATIN1 | STRING_UTF16) => self.string_body(tag),
            tag => bad(format!("expected a string, found tag 0x{tag:02x}")),
        }
    }
}
