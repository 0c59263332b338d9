//! ES module contexts (API.md §0): a module file is the thread's context;
//! its imports of plain-JS and JSON files resolve from disk relative to the
//! importer (relative paths, and node_modules packages through `exports`,
//! `module` or `main`). Node built-ins and native addons are refused with
//! ERR_INVALID_ARG naming the specifier and the importer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::globals::{throw_type_error, ThreadState};

/// Definitions source that names a module file (`define({ module })`): the
/// module's named exports are the tasks and hooks.
pub const MODULE_DEFINITIONS: &str = "\u{0}module:";

/// Modules of one isolate: by file, and the file of each module (by its
/// identity hash) for resolving what it imports.
#[derive(Default)]
pub(crate) struct ModuleMap {
    by_path: HashMap<PathBuf, v8::Global<v8::Module>>,
    paths: HashMap<i32, Vec<(v8::Global<v8::Module>, PathBuf)>>,
}

const BUILTINS: &[&str] = &[
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
    "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector", "module", "net",
    "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream", "string_decoder",
    "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
];

fn is_builtin(spec: &str) -> bool {
    if spec.starts_with("node:") {
        return true;
    }
    let first = spec.split('/').next().unwrap_or(spec);
    BUILTINS.contains(&first)
}

fn probe(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    for ext in ["js", "mjs", "json"] {
        let p = path.with_extension(ext);
        if p.is_file() && path.extension().is_none() {
            return Some(p);
        }
    }
    for index in ["index.js", "index.mjs"] {
        let p = path.join(index);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

/// The `import`/`default` target of an `exports` entry.
fn export_target(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(map) => ["import", "default", "module", "node"]
            .iter()
            .find_map(|k| map.get(*k).and_then(export_target)),
        _ => None,
    }
}

fn resolve_package(dir: &Path, sub: &str) -> Option<PathBuf> {
    let manifest = std::fs::read_to_string(dir.join("package.json")).ok();
    let pkg = manifest.as_deref().and_then(|t: &str| serde_json::from_str::<serde_json::Value>(t).ok());
    if let Some(serde_json::Value::Object(pkg)) = &pkg {
        if let Some(exports) = pkg.get("exports") {
            let key = if sub.is_empty() { ".".to_owned() } else { format!("./{sub}") };
            let target = match exports {
                serde_json::Value::Object(map) if map.keys().any(|k| k.starts_with('.')) => map.get(&key).and_then(export_target),
                other if sub.is_empty() => export_target(other),
                _ => None,
            };
            return target.and_then(|t| probe(&dir.join(t)));
        }
        if sub.is_empty() {
            for field in ["module", "main"] {
                if let Some(serde_json::Value::String(entry)) = pkg.get(field) {
                    if let Some(p) = probe(&dir.join(entry)) {
                        return Some(p);
                    }
                }
            }
        }
    }
    probe(&dir.join(if sub.is_empty() { "index.js" } else { sub }))
}

/// Where `spec`, imported by the file `importer`, lives on disk.
pub(crate) fn resolve(spec: &str, importer: &Path) -> Result<PathBuf, String> {
    let shown = importer.display();
    if is_builtin(spec) {
        return Err(format!("cannot import {spec:?} from {shown}: Node built-ins do not exist inside a thread"));
    }
    if spec.ends_with(".node") {
        return Err(format!("cannot import {spec:?} from {shown}: native addons cannot load inside a thread"));
    }
    let base = importer.parent().unwrap_or(Path::new("/"));
    let found = if let Some(rest) = spec.strip_prefix("file://") {
        probe(Path::new(rest))
    } else if spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/') {
        probe(&base.join(spec))
    } else {
        let mut parts = spec.splitn(if spec.starts_with('@') { 3 } else { 2 }, '/');
        let name = if spec.starts_with('@') {
            format!("{}/{}", parts.next().unwrap_or(""), parts.next().unwrap_or(""))
        } else {
            parts.next().unwrap_or("").to_owned()
        };
        let sub = parts.next().unwrap_or("");
        base.ancestors().find_map(|dir| {
            let pkg = dir.join("node_modules").join(&name);
            pkg.is_dir().then(|| resolve_package(&pkg, sub)).flatten()
        })
    };
    found.ok_or_else(|| format!("cannot find {spec:?} imported by {shown}"))
}

/// Module sources read from disk, shared by every thread (a pool reads each
/// file once); re-read when the file changed.
fn read_source(path: &Path) -> std::io::Result<Arc<str>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, (Option<SystemTime>, Arc<str>)>>> = OnceLock::new();
    let modified = std::fs::metadata(path)?.modified().ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((when, text)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        if *when == modified && modified.is_some() {
            return Ok(text.clone());
        }
    }
    let raw = std::fs::read_to_string(path)?;
    let text: Arc<str> = if path.extension().is_some_and(|e| e == "json") { format!("export default {raw};").into() } else { raw.into() };
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), (modified, text.clone()));
    Ok(text)
}

/// Compile the module in `path` (once per isolate).
pub(crate) fn load<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Module>> {
    if let Some(m) = scope.get_slot::<ThreadState>().and_then(|st| st.modules.by_path.get(path)).cloned() {
        return Some(v8::Local::new(scope, m));
    }
    let text = match read_source(path) {
        Ok(t) => t,
        Err(e) => {
            throw_type_error(scope, &format!("cannot read {}: {e}", path.display()), Some("ERR_INVALID_ARG"));
            return None;
        }
    };
    let code = v8::String::new(scope, &text)?;
    let name = v8::String::new(scope, &format!("file://{}", path.display()))?;
    let undefined = v8::undefined(scope).into();
    let origin = v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, 0, undefined, false, false, true);
    let source = v8::script_compiler::Source::new(code, Some(&origin));
    let module = v8::script_compiler::compile_module(scope, source)?;
    let global = v8::Global::new(scope, module);
    if let Some(st) = scope.get_slot_mut::<ThreadState>() {
        st.modules.by_path.insert(path.to_path_buf(), global.clone());
        st.modules.paths.entry(module.get_identity_hash().get()).or_default().push((global, path.to_path_buf()));
    }
    Some(module)
}

fn path_of(scope: &mut v8::HandleScope, module: v8::Local<v8::Module>) -> Option<PathBuf> {
    let st = scope.get_slot::<ThreadState>()?;
    let list = st.modules.paths.get(&module.get_identity_hash().get())?;
    list.iter().find(|(m, _)| *m == module).map(|(_, p)| p.clone())
}

fn resolve_callback<'a>(
    context: v8::Local<'a, v8::Context>,
    specifier: v8::Local<'a, v8::String>,
    _attributes: v8::Local<'a, v8::FixedArray>,
    referrer: v8::Local<'a, v8::Module>,
) -> Option<v8::Local<'a, v8::Module>> {
    // SAFETY: V8 calls this on the isolate's thread, inside instantiation.
    let scope = &mut unsafe { v8::CallbackScope::new(context) };
    let spec = specifier.to_rust_string_lossy(scope);
    let importer = path_of(scope, referrer).unwrap_or_else(|| PathBuf::from("/"));
    match resolve(&spec, &importer) {
        Ok(path) => load(scope, &path),
        Err(message) => {
            throw_type_error(scope, &message, Some("ERR_INVALID_ARG"));
            None
        }
    }
}

/// Load, link and evaluate the module in `path`; returns a promise of its
/// export `name` (the thread's function), or None with an exception thrown.
pub(crate) fn evaluate_main<'s>(scope: &mut v8::HandleScope<'s>, path: &Path, name: &str) -> Option<v8::Local<'s, v8::Value>> {
    let module = load(scope, path)?;
    module.instantiate_module(scope, resolve_callback)?;
    let evaluated = module.evaluate(scope)?;
    let namespace = module.get_module_namespace();
    let pick = v8::String::new(scope, "(p, ns, name, file) => Promise.resolve(p).then(() => { if (!(name in ns)) throw new TypeError(`${file} has no export named ${JSON.stringify(name)}`); return ns[name] })")?;
    let pick = v8::Script::compile(scope, pick, None)?.run(scope)?;
    let pick = v8::Local::<v8::Function>::try_from(pick).ok()?;
    let n = v8::String::new(scope, name)?;
    let f = v8::String::new(scope, &path.display().to_string())?;
    let recv = v8::undefined(scope).into();
    pick.call(scope, recv, &[evaluated, namespace, n.into(), f.into()])
}

/// The file a script or module named `resource` lives in: module names are
/// `file://` URLs; a function context's script resolves from the cwd.
fn importer_of(resource: &str) -> PathBuf {
    match resource.strip_prefix("file://") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join("[thread]"),
    }
}

/// `import(specifier)` inside a thread: load, link and evaluate, then
/// resolve with the namespace (or reject with what failed).
pub(crate) fn dynamic_import<'s>(
    scope: &mut v8::HandleScope<'s>,
    _options: v8::Local<'s, v8::Data>,
    resource: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let promise = resolver.get_promise(scope);
    let spec = specifier.to_rust_string_lossy(scope);
    let importer = importer_of(&resource.to_rust_string_lossy(scope));
    let tc = &mut v8::TryCatch::new(scope);
    let loaded = (|| {
        let path = match resolve(&spec, &importer) {
            Ok(p) => p,
            Err(message) => {
                throw_type_error(tc, &message, Some("ERR_INVALID_ARG"));
                return None;
            }
        };
        let module = load(tc, &path)?;
        if module.get_status() == v8::ModuleStatus::Uninstantiated {
            module.instantiate_module(tc, resolve_callback)?;
        }
        let evaluated = if module.get_status() == v8::ModuleStatus::Evaluated || module.get_status() == v8::ModuleStatus::Evaluating {
            v8::undefined(tc).into()
        } else {
            module.evaluate(tc)?
        };
        let namespace = module.get_module_namespace();
        let then = v8::String::new(tc, "(p, ns) => Promise.resolve(p).then(() => ns)")?;
        let then = v8::Local::<v8::Function>::try_from(v8::Script::compile(tc, then, None)?.run(tc)?).ok()?;
        let recv = v8::undefined(tc).into();
        then.call(tc, recv, &[evaluated, namespace])
    })();
    match loaded {
        Some(v) => {
            resolver.resolve(tc, v);
        }
        None => {
            if tc.has_terminated() {
                return None;
            }
            let exc = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
            tc.reset();
            resolver.reject(tc, exc);
        }
    }
    Some(promise)
}

/// Forget every loaded module (a fresh realm links its own).
pub(crate) fn forget_all(scope: &mut v8::HandleScope) {
    if let Some(st) = scope.get_slot_mut::<ThreadState>() {
        st.modules = ModuleMap::default();
    }
}

/// Load, link and evaluate the module in `path` and give its namespace
/// (`define({ module })`). A module whose top level awaits is refused.
pub(crate) fn namespace<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Value>> {
    let module = load(scope, path)?;
    module.instantiate_module(scope, resolve_callback)?;
    let evaluated = module.evaluate(scope)?;
    if let Ok(p) = v8::Local::<v8::Promise>::try_from(evaluated) {
        match p.state() {
            v8::PromiseState::Fulfilled => {}
            v8::PromiseState::Rejected => {
                let e = p.result(scope);
                scope.throw_exception(e);
                return None;
            }
            v8::PromiseState::Pending => {
                throw_type_error(scope, &format!("{}: a define() module cannot await at its top level", path.display()), Some("ERR_INVALID_ARG"));
                return None;
            }
        }
    }
    let ns = module.get_module_namespace();
    Some(v8::Local::new(scope, ns))
}

