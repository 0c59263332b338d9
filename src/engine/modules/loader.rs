//! The native half of the CommonJS loader (`loader.js`): resolution,
//! compiling a file as a CommonJS wrapper, `require()` of an ES module, and
//! the realm's loader object, made on first use (a thread that never
//! requires anything never builds it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::resolve::{self, Target};
use super::source;
use crate::engine::throw::throw_code;

const LOADER: &str = include_str!("loader.js");

static RUNTIME_DIR: OnceLock<PathBuf> = OnceLock::new();
static HOST_INFO: OnceLock<String> = OnceLock::new();

/// Where the thread runtime's own files are (`lib/runtime` of the package)
/// and the host's `process` facts (JSON), given by the host when the addon
/// loads.
pub(crate) fn set_runtime_dir(dir: PathBuf, info: String) {
    let _ = RUNTIME_DIR.set(dir);
    let _ = HOST_INFO.set(info);
}

/// The thread runtime's folder, once the host gave it.
pub(crate) fn runtime_dir() -> Option<&'static Path> {
    RUNTIME_DIR.get().map(PathBuf::as_path)
}

fn private<'s>(scope: &mut v8::HandleScope<'s>, name: &str) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, name).unwrap_or_else(|| v8::String::empty(scope));
    v8::Private::for_api(scope, Some(name))
}

/// Keep the prelude's internals (what `isothread:internal` gives the
/// runtime's files) on the realm's global object, out of JS's reach.
pub(crate) fn set_internals(scope: &mut v8::HandleScope, internals: v8::Local<v8::Value>) {
    let key = private(scope, "isothread.internals");
    let global = scope.get_current_context().global(scope);
    global.set_private(scope, key, internals);
}

/// The runtime's source of built-in `name` (`node/path_posix.js` for
/// `path/posix`), or '' for a host-only built-in (no such file).
fn builtin_file(name: &str) -> String {
    static FILES: OnceLock<std::sync::Mutex<std::collections::HashMap<String, String>>> = OnceLock::new();
    let files = FILES.get_or_init(Default::default);
    if let Some(f) = files.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
        return f.clone();
    }
    let file = runtime_dir().map(|d| d.join("node").join(format!("{}.js", name.replace('/', "_")))).filter(|f| f.is_file());
    let file = file.map(|f| f.display().to_string()).unwrap_or_default();
    files.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_owned(), file.clone());
    file
}

fn string_arg(scope: &mut v8::HandleScope, v: v8::Local<v8::Value>) -> String {
    v.to_rust_string_lossy(scope)
}

fn set<'s>(scope: &mut v8::HandleScope<'s>, arr: &[&str]) -> Option<v8::Local<'s, v8::Value>> {
    let items: Vec<v8::Local<v8::Value>> = arr.iter().filter_map(|s| v8::String::new(scope, s).map(Into::into)).collect();
    Some(v8::Array::new_with_elements(scope, &items).into())
}

/// `resolve(spec, importerFile, isRequire)` → `[kind, file, name]`: kind
/// `builtin` (file: its runtime source, '' when host-only), `cjs`, `esm`
/// or `json`. Throws Node's errors, naming the specifier and the importer.
fn resolve_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let spec = string_arg(scope, args.get(0));
    let importer = PathBuf::from(string_arg(scope, args.get(1)));
    let require = args.get(2).boolean_value(scope);
    let target = match resolve::resolve(&spec, &importer, require, runtime_dir()) {
        Ok(t) => t,
        Err(e) => return throw_code(scope, &e.message, e.code),
    };
    let out = match target {
        Target::Builtin(name) => set(scope, &["builtin", &builtin_file(&name), &name]),
        Target::File(path) => {
            let Some(kind) = super::kind_of(scope, &path, "require", &spec, &importer) else { return };
            set(scope, &[kind, &path.display().to_string(), &spec])
        }
    };
    if let Some(v) = out {
        rv.set(v);
    }
}

/// `compileCjs(file)` → the CommonJS wrapper function of the file.
fn compile_cjs_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let path = PathBuf::from(string_arg(scope, args.get(0)));
    if let Some(f) = source::compile_cjs(scope, &path) {
        rv.set(f.into());
    }
}

/// `readText(file)` → the file's text (JSON files).
fn read_text_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let path = PathBuf::from(string_arg(scope, args.get(0)));
    match source::text(&path) {
        Ok(t) => {
            if let Some(s) = v8::String::new(scope, &t) {
                rv.set(s.into());
            }
        }
        Err(e) => throw_code(scope, &format!("cannot read {}: {e}", path.display()), "MODULE_NOT_FOUND"),
    }
}

/// `requireEsm(file)` → the ES module's namespace.
fn require_esm_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let path = PathBuf::from(string_arg(scope, args.get(0)));
    if let Some(ns) = super::require_esm(scope, &path) {
        rv.set(ns);
    }
}

/// `info()` → JSON: the host's `process` facts, plus `env` (the
/// environment now), `cwd`, `platform`, `arch` and `cpus`.
fn info_fn(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let mut info: serde_json::Map<String, serde_json::Value> =
        HOST_INFO.get().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let env: serde_json::Map<String, serde_json::Value> = std::env::vars_os()
        .map(|(k, v)| (k.to_string_lossy().into_owned(), serde_json::Value::String(v.to_string_lossy().into_owned())))
        .collect();
    info.insert("env".into(), env.into());
    let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| "/".into());
    info.insert("cwd".into(), cwd.into());
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    info.insert("platform".into(), platform.into());
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    info.insert("arch".into(), arch.into());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    info.insert("cpus".into(), cpus.into());
    if let Some(s) = v8::String::new(scope, &serde_json::Value::Object(info).to_string()) {
        rv.set(s.into());
    }
}

/// `heap()` → `[used, total, limit, external]` bytes of this thread's heap.
fn heap_fn(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let mut stats = v8::HeapStatistics::default();
    scope.get_heap_statistics(&mut stats);
    let values = [stats.used_heap_size(), stats.total_heap_size(), stats.heap_size_limit(), stats.external_memory()];
    let items: Vec<v8::Local<v8::Value>> = values.iter().map(|v| v8::Number::new(scope, *v as f64).into()).collect();
    rv.set(v8::Array::new_with_elements(scope, &items).into());
}

/// `lexed(file)` → the export names lexed from a CommonJS file earlier in
/// this process, or undefined; `lexed(file, names)` remembers them.
fn lexed_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let path = PathBuf::from(string_arg(scope, args.get(0)));
    if let Ok(list) = v8::Local::<v8::Array>::try_from(args.get(1)) {
        let names = super::strings(scope, list);
        return source::save_names(&path, names);
    }
    if let Some(names) = source::names(&path) {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Some(v) = set(scope, &names) {
            rv.set(v);
        }
    }
}

fn natives<'s>(scope: &mut v8::HandleScope<'s>) -> Option<v8::Local<'s, v8::Object>> {
    let obj = v8::Object::new(scope);
    let entries: [(&str, v8::Local<v8::Function>); 7] = [
        ("lexed", v8::Function::new(scope, lexed_fn)?),
        ("info", v8::Function::new(scope, info_fn)?),
        ("heap", v8::Function::new(scope, heap_fn)?),
        ("resolve", v8::Function::new(scope, resolve_fn)?),
        ("compileCjs", v8::Function::new(scope, compile_cjs_fn)?),
        ("readText", v8::Function::new(scope, read_text_fn)?),
        ("requireEsm", v8::Function::new(scope, require_esm_fn)?),
    ];
    for (name, f) in entries {
        let key = v8::String::new(scope, name)?;
        obj.set(scope, key.into(), f.into());
    }
    Some(obj)
}

/// V8's code cache of the loader, shared by every thread.
static LOADER_CACHE: OnceLock<Vec<u8>> = OnceLock::new();

/// This realm's loader object (built on first use).
fn loader<'s>(scope: &mut v8::HandleScope<'s>) -> Option<v8::Local<'s, v8::Object>> {
    use v8::script_compiler::{self, CompileOptions, NoCacheReason, Source};
    if let Some(obj) = existing_loader(scope) {
        return Some(obj);
    }
    let key = private(scope, "isothread.loader");
    let global = scope.get_current_context().global(scope);
    let code = v8::String::new(scope, LOADER)?;
    let name = v8::String::new(scope, "isothread:loader")?;
    let undefined = v8::undefined(scope).into();
    let origin = v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, 0, undefined, false, false, false);
    let script = match LOADER_CACHE.get() {
        Some(bytes) => {
            let mut src = Source::new_with_cached_data(code, Some(&origin), v8::CachedData::new(bytes));
            script_compiler::compile(scope, &mut src, CompileOptions::ConsumeCodeCache, NoCacheReason::NoReason)?
        }
        None => {
            let unbound = script_compiler::compile_unbound_script(
                scope,
                Source::new(code, Some(&origin)),
                CompileOptions::EagerCompile,
                NoCacheReason::NoReason,
            )?;
            if let Some(cache) = unbound.create_code_cache() {
                let _ = LOADER_CACHE.set(cache.to_vec());
            }
            unbound.bind_to_current_context(scope)
        }
    };
    let factory = v8::Local::<v8::Function>::try_from(script.run(scope)?).ok()?;
    let natives = natives(scope)?;
    let ikey = private(scope, "isothread.internals");
    let internals = global.get_private(scope, ikey).unwrap_or_else(|| v8::undefined(scope).into());
    let dir = runtime_dir().map(|d| d.display().to_string()).unwrap_or_default();
    let dir = v8::String::new(scope, &dir)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join("[thread]");
    let cwd = v8::String::new(scope, &cwd.display().to_string())?;
    let recv = v8::undefined(scope).into();
    let obj = factory.call(scope, recv, &[natives.into(), internals, dir.into(), cwd.into()])?;
    let obj = v8::Local::<v8::Object>::try_from(obj).ok()?;
    global.set_private(scope, key, obj.into());
    Some(obj)
}

/// `native.loader()` for the prelude: this realm's loader object.
pub(crate) fn loader_native(scope: &mut v8::HandleScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    if let Some(l) = loader(scope) {
        rv.set(l.into());
    }
}

fn existing_loader<'s>(scope: &mut v8::HandleScope<'s>) -> Option<v8::Local<'s, v8::Object>> {
    let key = private(scope, "isothread.loader");
    let global = scope.get_current_context().global(scope);
    global.get_private(scope, key).and_then(|v| v8::Local::<v8::Object>::try_from(v).ok())
}

fn call_method<'s>(
    scope: &mut v8::HandleScope<'s>,
    obj: v8::Local<'s, v8::Object>,
    name: &str,
    args: &[v8::Local<'s, v8::Value>],
) -> Option<v8::Local<'s, v8::Value>> {
    let key = v8::String::new(scope, name)?;
    let f = v8::Local::<v8::Function>::try_from(obj.get(scope, key.into())?).ok()?;
    f.call(scope, obj.into(), args)
}

/// The export names an ES module sees in the CommonJS file `file`
/// (cjs-module-lexer, reexports followed, as Node finds them).
pub(crate) fn names(scope: &mut v8::HandleScope, file: &str) -> Option<Vec<String>> {
    let l = loader(scope)?;
    let f = v8::String::new(scope, file)?.into();
    let list = call_method(scope, l, "names", &[f])?;
    let list = v8::Local::<v8::Array>::try_from(list).ok()?;
    Some(super::strings(scope, list))
}

/// After a terminated call: the loader forgets modules it left half run.
pub(crate) fn abandon(scope: &mut v8::HandleScope) {
    if let Some(l) = existing_loader(scope) {
        let tc = &mut v8::TryCatch::new(scope);
        let _ = call_method(tc, l, "abandon", &[]);
    }
}

/// Run what the loader loads for `kind` (`cjs`, `json`, `builtin`) and give
/// its `module.exports` (an ES module importing it).
pub(crate) fn load<'s>(scope: &mut v8::HandleScope<'s>, kind: &str, file: &str, name: &str) -> Option<v8::Local<'s, v8::Value>> {
    let l = loader(scope)?;
    let file = if kind == "builtin" { builtin_file(name) } else { file.to_owned() };
    let args = [v8::String::new(scope, kind)?.into(), v8::String::new(scope, &file)?.into(), v8::String::new(scope, name)?.into()];
    call_method(scope, l, "load", &args)
}
