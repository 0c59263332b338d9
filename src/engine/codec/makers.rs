//! Makers of shaped objects: for a key list that call arguments keep
//! sending (`{ a, b }` in every call), a small JS function of the thread's
//! main realm, `(v0, v1) => ({ "a": v0, "b": v1 })`, compiled once, builds
//! each such object from its values in one step, where the small decoder
//! would otherwise internalize every key and add the properties one at a
//! time through `CreateDataProperty` (each a map transition looked up).
//!
//! An object literal defines own data properties, as `CreateDataProperty`
//! does: no setter of `Object.prototype` runs, the keys keep their order
//! (a SHAPE holds no array index, whose keys a literal would reorder, and
//! no `__proto__`, which a literal would take as the prototype), and the
//! object's prototype is the `Object.prototype` of the realm the maker was
//! compiled in — the only realm makers are used in.

use rustc_hash::FxHashMap;

use super::native::Str;
use super::reader::units_of;

/// A key list gets a maker the second time a payload holds it: one-off
/// shapes cost no compile.
const MAKE_AT: u8 = 2;
/// Most makers one thread keeps (each is a compiled function, ~1 KB).
const MAX_MAKERS: usize = 64;
/// Most key lists counted while waiting for their second sighting.
const MAX_SEEN: usize = 1024;
/// Key lists longer than this (as written: tags, lengths, units) get none.
const MAX_SIG: usize = 512;

/// The makers of one realm, by key list as written in the payload.
pub struct Makers {
    /// The realm whose objects they make.
    context: v8::Global<v8::Context>,
    made: FxHashMap<Box<[u8]>, v8::Global<v8::Function>>,
    /// Key lists met so far without a maker, and how often (`u8::MAX`: its
    /// maker could not be made).
    seen: FxHashMap<Box<[u8]>, u8>,
}

impl Makers {
    /// Makers for objects of `context` (the thread's main realm).
    pub fn new(context: v8::Global<v8::Context>) -> Self {
        Self { context, made: FxHashMap::default(), seen: FxHashMap::default() }
    }

    /// True when the scope's current context is the makers' realm.
    pub fn serve(&self, s: &mut v8::HandleScope) -> bool {
        let current = s.get_current_context();
        v8::Local::new(s, &self.context) == current
    }

    /// How many makers were made (for tests).
    #[cfg(test)]
    pub fn made(&self) -> usize {
        self.made.len()
    }

    /// The maker of the key list `sig` (the SHAPE's bytes after its count)
    /// whose keys are `keys`, made now when this is its second sighting;
    /// None while it has none.
    pub fn get<'s>(&mut self, s: &mut v8::HandleScope<'s>, sig: &[u8], keys: &[Str]) -> Option<v8::Local<'s, v8::Function>> {
        if let Some(made) = self.made.get(sig) {
            return Some(v8::Local::new(s, made));
        }
        if sig.len() > MAX_SIG || self.made.len() >= MAX_MAKERS {
            return None;
        }
        let full = self.seen.len() >= MAX_SEEN;
        let count = match self.seen.get_mut(sig) {
            Some(n) if *n == u8::MAX => return None,
            Some(n) => {
                *n += 1;
                *n
            }
            None if full => return None,
            None => {
                self.seen.insert(sig.into(), 1);
                1
            }
        };
        if count < MAKE_AT {
            return None;
        }
        let Some(maker) = compile(s, keys) else {
            self.seen.insert(sig.into(), u8::MAX);
            return None;
        };
        self.seen.remove(sig);
        self.made.insert(sig.into(), v8::Global::new(s, maker));
        Some(maker)
    }
}

/// `(function (v0, v1, …) { return { "k0": v0, "k1": v1, … } })`, compiled
/// and run in the current context.
fn compile<'s>(s: &mut v8::HandleScope<'s>, keys: &[Str]) -> Option<v8::Local<'s, v8::Function>> {
    let mut code = String::from("(function (");
    for i in 0..keys.len() {
        code.push_str(if i == 0 { "v0" } else { ", v" });
        if i > 0 {
            code.push_str(&i.to_string());
        }
    }
    code.push_str(") { return { ");
    for (i, key) in keys.iter().enumerate() {
        quote(&mut code, key);
        code.push_str(": v");
        code.push_str(&i.to_string());
        code.push_str(", ");
    }
    code.push_str("} })");
    let tc = &mut v8::TryCatch::new(s);
    let source = v8::String::new(tc, &code)?;
    let made = v8::Script::compile(tc, source, None)?.run(tc)?;
    v8::Local::<v8::Function>::try_from(made).ok()
}

/// `key` as a JS string literal: printable ASCII as is, every other code
/// unit (lone surrogates included) as a `\uXXXX` escape.
fn quote(code: &mut String, key: &Str) {
    code.push('"');
    for unit in units_of(key) {
        match unit {
            0x20..=0x7e if unit != u16::from(b'"') && unit != u16::from(b'\\') => code.push(char::from(unit as u8)),
            _ => code.push_str(&format!("\\u{unit:04x}")),
        }
    }
    code.push('"');
}
