//! Module sources and their V8 code caches, shared by every thread of the
//! process: a file is read once (again when it changes), and the first
//! thread that runs it leaves a code cache the next ones compile from, so
//! the hundredth thread that loads a package does not parse it again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use v8::script_compiler::{self, CompileOptions, NoCacheReason};

#[derive(Clone)]
struct Entry {
    modified: Option<SystemTime>,
    text: Arc<str>,
    cache: Option<Arc<[u8]>>,
    /// For `.js` with no `"type"`: whether its syntax is a module's.
    esm: Option<bool>,
    /// A CommonJS file's export names as ES modules see them (lexed).
    names: Option<Arc<Vec<String>>>,
}

fn table() -> &'static Mutex<HashMap<PathBuf, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Entry>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn entry(path: &Path) -> std::io::Result<Entry> {
    let modified = std::fs::metadata(path)?.modified().ok();
    if let Some(e) = table().lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        if e.modified == modified && modified.is_some() {
            return Ok(e.clone());
        }
    }
    let raw = std::fs::read_to_string(path)?;
    // A byte order mark and a shebang line are not JavaScript; Node skips
    // them (the shebang's line is kept, for line numbers).
    let raw = raw.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(raw);
    let text: Arc<str> = match raw.strip_prefix("#!") {
        Some(rest) => format!("//{rest}").into(),
        None => raw.into(),
    };
    let e = Entry { modified, text, cache: None, esm: None, names: None };
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), e.clone());
    Ok(e)
}

fn update(path: &Path, f: impl FnOnce(&mut Entry)) {
    if let Some(e) = table().lock().unwrap_or_else(|p| p.into_inner()).get_mut(path) {
        f(e)
    }
}

/// The export names lexed from the CommonJS file at `path`, if known.
pub(crate) fn names(path: &Path) -> Option<Arc<Vec<String>>> {
    entry(path).ok().and_then(|e| e.names)
}

/// Remember the export names lexed from the CommonJS file at `path`.
pub(crate) fn save_names(path: &Path, names: Vec<String>) {
    update(path, |e| e.names = Some(Arc::new(names)));
}

/// The text of the file at `path`.
pub(crate) fn text(path: &Path) -> std::io::Result<Arc<str>> {
    entry(path).map(|e| e.text)
}

fn origin<'s>(scope: &mut v8::HandleScope<'s>, name: &str, module: bool) -> Option<v8::ScriptOrigin<'s>> {
    let name = v8::String::new(scope, name)?;
    let undefined = v8::undefined(scope).into();
    Some(v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, 0, undefined, false, false, module))
}

fn source_of<'s>(scope: &mut v8::HandleScope<'s>, e: &Entry, origin: &v8::ScriptOrigin<'s>) -> Option<script_compiler::Source> {
    let code = v8::String::new(scope, &e.text)?;
    Some(match &e.cache {
        Some(bytes) => script_compiler::Source::new_with_cached_data(code, Some(origin), v8::CachedData::new(bytes)),
        None => script_compiler::Source::new(code, Some(origin)),
    })
}

fn options(e: &Entry) -> CompileOptions {
    if e.cache.is_some() {
        CompileOptions::ConsumeCodeCache
    } else {
        CompileOptions::NoCompileOptions
    }
}

/// Drop a code cache V8 rejected (another V8 build or flags).
fn check_rejected(path: &Path, source: &script_compiler::Source) {
    if source.get_cached_data().is_some_and(|c| c.rejected()) {
        update(path, |e| e.cache = None);
    }
}

/// The CommonJS wrapper's parameters.
const CJS_PARAMS: [&str; 5] = ["exports", "require", "module", "__filename", "__dirname"];

/// Compile the CommonJS file at `path` as
/// `function (exports, require, module, __filename, __dirname)`, named by
/// its path in stack traces. None with an exception thrown on failure.
pub(crate) fn compile_cjs<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Function>> {
    match entry(path) {
        Ok(e) => {
            let tc = &mut v8::TryCatch::new(scope);
            if let Some(f) = wrapper(tc, path, &e) {
                return Some(f);
            }
            if tc.has_terminated() || !tc.can_continue() {
                tc.rethrow();
                return None;
            }
            let exc = tc.exception()?;
            // As Node prints a CommonJS syntax error: file:line, the line and
            // a caret above the stack.
            if let (Some(msg), Ok(obj)) = (tc.message(), v8::Local::<v8::Object>::try_from(exc)) {
                let line = msg.get_line_number(tc).unwrap_or(0);
                let col = msg.get_start_column();
                let text = msg.get_source_line(tc).map(|l| l.to_rust_string_lossy(tc)).unwrap_or_default();
                let key = v8::String::new(tc, "stack")?;
                let old = obj.get(tc, key.into()).map(|v| v.to_rust_string_lossy(tc)).unwrap_or_default();
                let stack = format!("{}:{line}\n{text}\n{}^\n\n{old}", path.display(), " ".repeat(col));
                let stack = v8::String::new(tc, &stack)?;
                obj.set(tc, key.into(), stack.into());
            }
            tc.rethrow();
            None
        }
        Err(err) => {
            crate::engine::throw::throw_code(scope, &format!("cannot read {}: {err}", path.display()), "MODULE_NOT_FOUND");
            None
        }
    }
}

fn wrapper<'s>(scope: &mut v8::HandleScope<'s>, path: &Path, e: &Entry) -> Option<v8::Local<'s, v8::Function>> {
    let origin = origin(scope, &path.display().to_string(), false)?;
    let source = source_of(scope, e, &origin)?;
    let params: Vec<v8::Local<v8::String>> = CJS_PARAMS.iter().filter_map(|p| v8::String::new(scope, p)).collect();
    // (the crate consumes the Source, so a rejected function cache cannot be
    // seen here; V8 then compiles from the text as if there were none)
    let f = script_compiler::compile_function(scope, source, &params, &[], options(e), NoCacheReason::NoReason)?;
    if e.cache.is_none() {
        keep_cache(path, f.create_code_cache());
    }
    Some(f)
}

/// Keep the code cache made right after the first compile of a file, for
/// the next thread. Taken before the code ran, it holds the top level and
/// what V8 compiled eagerly: measured, a cache taken after the top level ran
/// (every function it called compiled in) was 3× slower to load than
/// compiling those functions lazily again (react-dom/server: 11–14 ms
/// against 2.4–4.4 ms).
fn keep_cache(path: &Path, data: Option<v8::UniqueRef<v8::CachedData<'static>>>) {
    if let Some(data) = data {
        let bytes: Arc<[u8]> = data.to_vec().into();
        update(path, |e| e.cache = Some(bytes));
    }
}

/// Compile the ES module at `path` (named by its `file://` URL).
pub(crate) fn compile_esm<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Module>> {
    let e = match entry(path) {
        Ok(e) => e,
        Err(err) => {
            crate::engine::throw::throw_code(scope, &format!("cannot read {}: {err}", path.display()), "ERR_MODULE_NOT_FOUND");
            return None;
        }
    };
    let origin = origin(scope, &format!("file://{}", path.display()), true)?;
    let mut source = source_of(scope, &e, &origin)?;
    let opts = options(&e);
    let m = script_compiler::compile_module2(scope, &mut source, opts, NoCacheReason::NoReason)?;
    check_rejected(path, &source);
    if e.cache.is_none() {
        keep_cache(path, m.get_unbound_module_script(scope).create_code_cache());
    }
    Some(m)
}

/// Whether the `.js` file at `path` (no `"type"` around it) is an ES
/// module: as Node 22 does, it is one when compiling it as CommonJS fails
/// on module syntax (`import`, `export`, `import.meta`, top-level `await`).
pub(crate) fn is_module_syntax(scope: &mut v8::HandleScope, path: &Path) -> bool {
    let Ok(e) = entry(path) else { return false };
    if let Some(esm) = e.esm {
        return esm;
    }
    let esm = might_be_module(&e.text) && {
        let tc = &mut v8::TryCatch::new(scope);
        let mut plain = e.clone();
        plain.cache = None; // a module's cache does not fit a function
        match wrapper(tc, path, &plain) {
            Some(_) => false,
            None => {
                let msg = tc.message().map(|m| m.get(tc).to_rust_string_lossy(tc)).unwrap_or_default();
                tc.reset();
                [
                    "Cannot use import statement outside a module",
                    "Unexpected token 'export'",
                    "Cannot use 'import.meta' outside a module",
                    "await is only valid in async functions",
                ]
                .iter()
                .any(|needle| msg.contains(needle))
            }
        }
    };
    update(path, |x| x.esm = Some(esm));
    esm
}

/// Whether `text` has the word `import` (not as `import(`), `export` or
/// `await` anywhere: without one it cannot be module syntax, and the
/// compile that decides is skipped.
fn might_be_module(text: &str) -> bool {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    for word in ["import", "export", "await"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(word) {
            let at = from + i;
            let end = at + word.len();
            from = end;
            if at > 0 && (ident(bytes[at - 1]) || bytes[at - 1] == b'.') {
                continue;
            }
            if end < bytes.len() && ident(bytes[end]) {
                continue;
            }
            if word == "import" && text[end..].trim_start().starts_with('(') {
                continue;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::might_be_module;

    #[test]
    fn module_words_are_found_and_commonjs_words_are_not() {
        assert!(!might_be_module("module.exports = { a: require('x') }; exports.b = 1; const imports = 2; import('y')"));
        assert!(might_be_module("import x from 'y'"));
        assert!(might_be_module("const a = 1\nexport default a"));
        assert!(might_be_module("console.log(import.meta.url)"));
        assert!(might_be_module("await f()"));
    }
}
