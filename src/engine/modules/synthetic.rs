//! Synthetic modules: how ES modules import CommonJS, JSON and built-ins
//! (RUNTIME.md §2). A CommonJS file's export names are found without running
//! it (cjs-module-lexer, as Node does), and it runs when the importing graph
//! evaluates it, in import order; a built-in's names are its keys.

use std::path::Path;

use super::{loader, map};

/// What a synthetic module exports.
pub(crate) enum Exports {
    /// Known already (a built-in's exports, a facade's values).
    Ready(v8::Global<v8::Value>),
    /// Run by the loader when the module evaluates: `kind`, `file`, `name`.
    Deferred(String, String, String),
}

/// One synthetic module's record: its exports and export names. With
/// `whole_default` the default export is the exports value itself
/// (CommonJS `module.exports`); otherwise `default` is read from it.
pub(crate) struct Record {
    /// The synthetic module this record belongs to.
    pub(crate) module: v8::Global<v8::Module>,
    exports: Exports,
    names: Vec<String>,
    whole_default: bool,
}

/// A synthetic module named `key` exporting `names` (plus `default`).
pub(crate) fn create<'s>(
    scope: &mut v8::HandleScope<'s>,
    key: &Path,
    mut names: Vec<String>,
    exports: Exports,
    whole_default: bool,
) -> Option<v8::Local<'s, v8::Module>> {
    if whole_default {
        names.retain(|n| n != "default");
        names.insert(0, "default".to_owned());
    }
    names.dedup();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    let locals: Vec<v8::Local<v8::String>> = names.iter().filter_map(|n| v8::String::new(scope, n)).collect();
    let name = v8::String::new(scope, &key.display().to_string())?;
    let module = v8::Module::create_synthetic_module(scope, name, &locals, steps);
    let hash = module.get_identity_hash().get();
    let record = Record { module: v8::Global::new(scope, module), exports, names, whole_default };
    map(scope).exports.entry(hash).or_default().push(record);
    Some(module)
}

/// The own enumerable string keys of `value` (none for a primitive).
pub(crate) fn keys_of(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Vec<String> {
    let Ok(obj) = v8::Local::<v8::Object>::try_from(value) else { return Vec::new() };
    let Some(keys) = obj.get_own_property_names(scope, v8::GetPropertyNamesArgs::default()) else { return Vec::new() };
    super::strings(scope, keys)
}

fn steps<'a>(context: v8::Local<'a, v8::Context>, module: v8::Local<'a, v8::Module>) -> Option<v8::Local<'a, v8::Value>> {
    // SAFETY: V8 calls this on the isolate's thread while evaluating `module`.
    let scope = &mut unsafe { v8::CallbackScope::new(context) };
    let hash = module.get_identity_hash().get();
    let (exports, names, whole_default) = {
        let list = map(scope).exports.get(&hash)?;
        let r = list.iter().find(|r| r.module == module)?;
        let exports = match &r.exports {
            Exports::Ready(v) => Ok(v.clone()),
            Exports::Deferred(kind, file, name) => Err((kind.clone(), file.clone(), name.clone())),
        };
        (exports, r.names.clone(), r.whole_default)
    };
    let exports = match exports {
        Ok(v) => v8::Local::new(scope, v),
        Err((kind, file, name)) => loader::load(scope, &kind, &file, &name)?,
    };
    let obj = v8::Local::<v8::Object>::try_from(exports).ok();
    for n in &names {
        let key = v8::String::new(scope, n)?;
        let value = if whole_default && n == "default" {
            exports
        } else {
            match obj {
                Some(o) => o.get(scope, key.into())?,
                None => v8::undefined(scope).into(),
            }
        };
        module.set_synthetic_module_export(scope, key, value)?;
    }
    let resolver = v8::PromiseResolver::new(scope)?;
    let undefined = v8::undefined(scope).into();
    resolver.resolve(scope, undefined);
    Some(resolver.get_promise(scope).into())
}
