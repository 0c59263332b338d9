//! Modules inside a thread (RUNTIME.md §2): ES modules linked by V8, and
//! CommonJS, JSON and Node built-ins through the JS loader (`loader.js`),
//! which ES modules import as synthetic modules whose default export is
//! `module.exports` and whose named exports are its own keys. Resolution is
//! Node's ([`resolve`]); sources and code caches are shared by the process
//! ([`source`]).
//!
//! Module records belong to the realm (context) that linked them: the map
//! starts over when another realm asks (a task's fresh context links anew).

mod loader;
mod resolve;
mod source;
mod synthetic;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) use loader::{loader_native, set_internals, set_runtime_dir};
use resolve::{Format, Target};

use super::thread_state::ThreadState;
use super::throw::{throw_code, throw_type_error};

/// Definitions source that names a module file (`define({ module })`): the
/// module's named exports are the tasks and hooks.
pub const MODULE_DEFINITIONS: &str = "\u{0}module:";

/// Modules of the realm that linked them: by file (or `node:name`), and the
/// key of each module by its identity hash. Its own isolate slot, made when
/// the first module loads.
#[derive(Default)]
struct ModuleMap {
    context: Option<v8::Global<v8::Context>>,
    by_key: HashMap<PathBuf, v8::Global<v8::Module>>,
    keys: HashMap<i32, Vec<(v8::Global<v8::Module>, PathBuf)>>,
    /// What each synthetic module exports (by identity hash).
    exports: HashMap<i32, Vec<synthetic::Record>>,
}

/// The string items of a JS array.
pub(crate) fn strings(scope: &mut v8::HandleScope, list: v8::Local<v8::Array>) -> Vec<String> {
    let mut out = Vec::with_capacity(list.length() as usize);
    for i in 0..list.length() {
        if let Some(v) = list.get_index(scope, i).filter(|v| v.is_string()) {
            out.push(v.to_rust_string_lossy(scope));
        }
    }
    out
}

/// This realm's module map (a new one when another realm had it).
fn map<'a>(scope: &'a mut v8::HandleScope) -> &'a mut ModuleMap {
    let context = scope.get_current_context();
    if !holds(scope, context) {
        let global = v8::Global::new(scope, context);
        scope.set_slot(ModuleMap { context: Some(global), ..Default::default() });
    }
    scope.get_slot_mut::<ModuleMap>().expect("the module map was just installed")
}

/// The module map is the one of the realm of `context`.
fn holds(scope: &mut v8::HandleScope, context: v8::Local<v8::Context>) -> bool {
    scope.get_slot::<ModuleMap>().and_then(|mm| mm.context.as_ref()).is_some_and(|c| *c == context)
}

fn remember(scope: &mut v8::HandleScope, key: &Path, module: v8::Local<v8::Module>) {
    let global = v8::Global::new(scope, module);
    let hash = module.get_identity_hash().get();
    let m = map(scope);
    m.by_key.insert(key.to_path_buf(), global.clone());
    m.keys.entry(hash).or_default().push((global, key.to_path_buf()));
}

fn known<'s>(scope: &mut v8::HandleScope<'s>, key: &Path) -> Option<v8::Local<'s, v8::Module>> {
    let g = map(scope).by_key.get(key).cloned()?;
    Some(v8::Local::new(scope, g))
}

/// The file (or `node:name`) a module was loaded from.
fn key_of(scope: &mut v8::HandleScope, module: v8::Local<v8::Module>) -> Option<PathBuf> {
    let hash = module.get_identity_hash().get();
    let list = map(scope).keys.get(&hash)?.clone();
    list.iter().find(|(m, _)| *m == module).map(|(_, p)| p.clone())
}

/// The file a script or module named `resource` lives in: modules are
/// `file://` URLs, CommonJS files plain paths; a function context's script
/// resolves from the cwd.
fn importer_of(resource: &str) -> PathBuf {
    match resource.strip_prefix("file://") {
        Some(path) => PathBuf::from(path),
        None if resource.starts_with('/') => PathBuf::from(resource),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join("[thread]"),
    }
}

/// Resolve for `import`; a failure is thrown (Node's code, naming the
/// specifier and the importer).
fn resolve_import(scope: &mut v8::HandleScope, spec: &str, importer: &Path) -> Option<Target> {
    match resolve::resolve(spec, importer, false, loader::runtime_dir()) {
        Ok(t) => Some(t),
        Err(e) => {
            throw_code(scope, &e.message, e.code);
            None
        }
    }
}

/// How the file at `path` loads: `esm`, `cjs` or `json`. A native addon
/// is refused (thrown, naming `spec` and `importer`; `verb`: import or
/// require).
pub(crate) fn kind_of(scope: &mut v8::HandleScope, path: &Path, verb: &str, spec: &str, importer: &Path) -> Option<&'static str> {
    Some(match resolve::format_of(path) {
        Format::Esm => "esm",
        Format::Cjs => "cjs",
        Format::Json => "json",
        Format::Detect if source::is_module_syntax(scope, path) => "esm",
        Format::Detect => "cjs",
        Format::Addon => {
            let msg = format!("cannot {verb} {spec:?} from {}: native addons cannot load inside a thread", importer.display());
            throw_type_error(scope, &msg, Some("ERR_INVALID_ARG"));
            return None;
        }
    })
}

/// The module for `target` in this realm: an ES module compiled and linked,
/// or a synthetic module over what the loader gives (CommonJS, JSON, a
/// built-in), which runs it now.
fn module_for<'s>(scope: &mut v8::HandleScope<'s>, target: &Target, spec: &str, importer: &Path) -> Option<v8::Local<'s, v8::Module>> {
    let key = match target {
        Target::Builtin(name) => PathBuf::from(format!("node:{name}")),
        Target::File(path) => path.clone(),
    };
    if let Some(m) = known(scope, &key) {
        return Some(m);
    }
    let (kind, file, name) = match target {
        Target::Builtin(name) => ("builtin", String::new(), name.clone()),
        Target::File(path) => (kind_of(scope, path, "import", spec, importer)?, path.display().to_string(), spec.to_owned()),
    };
    if kind == "esm" {
        let module = source::compile_esm(scope, &key)?;
        remember(scope, &key, module);
        link(scope, module, &key)?;
        return Some(module);
    }
    let module = match kind {
        // A built-in is made now (its names are its keys); CommonJS and JSON
        // run when the importing graph evaluates them, in import order.
        "builtin" => {
            let exports = loader::load(scope, kind, &file, &name)?;
            let names = synthetic::keys_of(scope, exports);
            let exports = synthetic::Exports::Ready(v8::Global::new(scope, exports));
            synthetic::create(scope, &key, names, exports, true)?
        }
        _ => {
            let names = if kind == "cjs" { loader::names(scope, &file)? } else { Vec::new() };
            synthetic::create(scope, &key, names, synthetic::Exports::Deferred(kind.into(), file, name), true)?
        }
    };
    remember(scope, &key, module);
    Some(module)
}

/// Resolve and prepare every module `module` imports (depth first), so the
/// instantiation callback only looks them up.
fn link(scope: &mut v8::HandleScope, module: v8::Local<v8::Module>, path: &Path) -> Option<()> {
    let requests = module.get_module_requests();
    for i in 0..requests.length() {
        let Some(req) = requests.get(scope, i) else { continue };
        let Ok(req) = v8::Local::<v8::ModuleRequest>::try_from(req) else { continue };
        let spec = req.get_specifier().to_rust_string_lossy(scope);
        let target = resolve_import(scope, &spec, path)?;
        module_for(scope, &target, &spec, path)?;
    }
    Some(())
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
    let importer = key_of(scope, referrer).unwrap_or_else(|| PathBuf::from("/"));
    let target = resolve_import(scope, &spec, &importer)?;
    module_for(scope, &target, &spec, &importer)
}

/// Instantiate and evaluate `module`; the promise V8 gives (settled at once
/// unless the graph awaits at its top level).
fn run<'s>(scope: &mut v8::HandleScope<'s>, module: v8::Local<'s, v8::Module>) -> Option<v8::Local<'s, v8::Value>> {
    if module.get_status() == v8::ModuleStatus::Uninstantiated {
        module.instantiate_module(scope, resolve_callback)?;
    }
    let evaluated = match module.get_status() {
        v8::ModuleStatus::Evaluated | v8::ModuleStatus::Evaluating => {
            let resolver = v8::PromiseResolver::new(scope)?;
            let undefined = v8::undefined(scope).into();
            resolver.resolve(scope, undefined);
            resolver.get_promise(scope).into()
        }
        v8::ModuleStatus::Errored => {
            let e = module.get_exception();
            scope.throw_exception(e);
            return None;
        }
        _ => module.evaluate(scope)?,
    };
    Some(evaluated)
}

/// The module a context or `define({ module })` names, linked.
fn main_module<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Module>> {
    let importer = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join("[thread]");
    let target = Target::File(path.to_path_buf());
    module_for(scope, &target, &path.display().to_string(), &importer)
}

fn call_js<'s>(scope: &mut v8::HandleScope<'s>, source: &str, args: &[v8::Local<'s, v8::Value>]) -> Option<v8::Local<'s, v8::Value>> {
    let code = v8::String::new(scope, source)?;
    let f = v8::Script::compile(scope, code, None)?.run(scope)?;
    let f = v8::Local::<v8::Function>::try_from(f).ok()?;
    let recv = v8::undefined(scope).into();
    f.call(scope, recv, args)
}

/// Load, link and evaluate the module in `path`; returns a promise of its
/// export `name` (the thread's function), or None with an exception thrown.
pub(crate) fn evaluate_main<'s>(scope: &mut v8::HandleScope<'s>, path: &Path, name: &str) -> Option<v8::Local<'s, v8::Value>> {
    let module = main_module(scope, path)?;
    let evaluated = run(scope, module)?;
    let namespace = v8::Local::new(scope, module.get_module_namespace());
    let n = v8::String::new(scope, name)?.into();
    let f = v8::String::new(scope, &path.display().to_string())?.into();
    call_js(
        scope,
        "(p, ns, name, file) => Promise.resolve(p).then(() => { if (!(name in ns)) throw new TypeError(`${file} has no export named ${JSON.stringify(name)}`); return ns[name] })",
        &[evaluated, namespace, n, f],
    )
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
        let target = resolve_import(tc, &spec, &importer)?;
        let module = module_for(tc, &target, &spec, &importer)?;
        let evaluated = run(tc, module)?;
        let namespace = v8::Local::new(tc, module.get_module_namespace());
        call_js(tc, "(p, ns) => Promise.resolve(p).then(() => ns)", &[evaluated, namespace])
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

/// `require()` of an ES module: its namespace, once evaluated (with
/// `__esModule: true` when it has a default export, as Node 22 gives it);
/// one that awaits at its top level is refused (`ERR_REQUIRE_ASYNC_MODULE`),
/// as is one still evaluating (`ERR_REQUIRE_CYCLE_MODULE`).
pub(crate) fn require_esm<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Value>> {
    let importer = path.to_path_buf();
    let module = module_for(scope, &Target::File(path.to_path_buf()), &path.display().to_string(), &importer)?;
    if matches!(module.get_status(), v8::ModuleStatus::Evaluating | v8::ModuleStatus::Instantiating) {
        throw_code(scope, &format!("Cannot require() ES Module {} in a cycle.", path.display()), "ERR_REQUIRE_CYCLE_MODULE");
        return None;
    }
    let evaluated = run(scope, module)?;
    if let Ok(p) = v8::Local::<v8::Promise>::try_from(evaluated) {
        match p.state() {
            v8::PromiseState::Fulfilled => {}
            v8::PromiseState::Rejected => {
                // Thrown where it is required: not an unhandled rejection.
                handled(scope, p);
                let e = p.result(scope);
                scope.throw_exception(e);
                return None;
            }
            v8::PromiseState::Pending => {
                handled(scope, p);
                throw_code(
                    scope,
                    &format!("require() cannot load {}: it awaits at its top level; use import()", path.display()),
                    "ERR_REQUIRE_ASYNC_MODULE",
                );
                return None;
            }
        }
    }
    let ns = module.get_module_namespace();
    let ns = v8::Local::new(scope, ns);
    let mut names = synthetic::keys_of(scope, ns);
    if !names.iter().any(|n| n == "default") || names.iter().any(|n| n == "__esModule") {
        return Some(ns);
    }
    // A facade module: the same exports and `__esModule: true`.
    let key = PathBuf::from(format!("{}#require", path.display()));
    let facade = match known(scope, &key) {
        Some(m) => m,
        None => {
            let obj = v8::Local::<v8::Object>::try_from(ns).ok()?;
            let values = v8::Object::new(scope);
            for n in &names {
                let k = v8::String::new(scope, n)?;
                let v = obj.get(scope, k.into())?;
                values.set(scope, k.into(), v);
            }
            let k = v8::String::new(scope, "__esModule")?;
            let t = v8::Boolean::new(scope, true);
            values.set(scope, k.into(), t.into());
            names.push("__esModule".into());
            let values: v8::Local<v8::Value> = values.into();
            let exports = synthetic::Exports::Ready(v8::Global::new(scope, values));
            let m = synthetic::create(scope, &key, names, exports, false)?;
            remember(scope, &key, m);
            m
        }
    };
    run(scope, facade)?;
    let ns = facade.get_module_namespace();
    Some(v8::Local::new(scope, ns))
}

/// A rejection thrown where it happened is not unhandled: give the promise
/// a handler (V8 then reports it handled, and the loop forgets it).
fn handled(scope: &mut v8::HandleScope, p: v8::Local<v8::Promise>) {
    if let Some(noop) = v8::Function::new(scope, |_: &mut v8::HandleScope, _: v8::FunctionCallbackArguments, _: v8::ReturnValue| {}) {
        let _ = p.catch(scope, noop);
    }
}

/// After a call was terminated: forget the modules it left half linked or
/// half evaluated (an `import()` or `require()` cut short loads them anew),
/// in the realm of `context`.
pub(crate) fn forget_unfinished(scope: &mut v8::HandleScope, context: v8::Local<v8::Context>) {
    if holds(scope, context) {
        let entries: Vec<(PathBuf, v8::Global<v8::Module>)> = map(scope).by_key.iter().map(|(k, m)| (k.clone(), m.clone())).collect();
        for (key, m) in entries {
            let m = v8::Local::new(scope, m);
            if m.get_status() != v8::ModuleStatus::Evaluated {
                let hash = m.get_identity_hash().get();
                let mm = scope.get_slot_mut::<ModuleMap>().expect("held: checked above");
                mm.by_key.remove(&key);
                if let Some(list) = mm.keys.get_mut(&hash) {
                    list.retain(|(g, _)| *g != m);
                }
                if let Some(list) = mm.exports.get_mut(&hash) {
                    list.retain(|r| r.module != m);
                }
            }
        }
    }
    let scope = &mut v8::ContextScope::new(scope, context);
    loader::abandon(scope);
}

/// Load, link and evaluate the module in `path` and give its namespace
/// (`define({ module })`). A module whose top level awaits is refused.
pub(crate) fn namespace<'s>(scope: &mut v8::HandleScope<'s>, path: &Path) -> Option<v8::Local<'s, v8::Value>> {
    let module = main_module(scope, path)?;
    let evaluated = run(scope, module)?;
    if let Ok(p) = v8::Local::<v8::Promise>::try_from(evaluated) {
        match p.state() {
            v8::PromiseState::Fulfilled => {}
            v8::PromiseState::Rejected => {
                let e = p.result(scope);
                scope.throw_exception(e);
                return None;
            }
            v8::PromiseState::Pending => {
                throw_type_error(
                    scope,
                    &format!("{}: a define() module cannot await at its top level", path.display()),
                    Some("ERR_INVALID_ARG"),
                );
                return None;
            }
        }
    }
    let ns = module.get_module_namespace();
    Some(v8::Local::new(scope, ns))
}

/// `import.meta`: `url`, `filename`, `dirname` of the module's file,
/// `resolve(specifier)` (a `file:` URL, or `node:name` for a built-in) and,
/// in the main realm of a thread given the `data` option, `data`.
pub(crate) extern "C" fn import_meta(context: v8::Local<v8::Context>, module: v8::Local<v8::Module>, meta: v8::Local<v8::Object>) {
    // SAFETY: V8 calls this on the isolate's thread the first time a module reads import.meta.
    let scope = &mut unsafe { v8::CallbackScope::new(context) };
    let Some(path) = key_of(scope, module) else { return };
    let dir = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
    for (k, v) in [("url", format!("file://{}", path.display())), ("filename", path.display().to_string()), ("dirname", dir)] {
        if let (Some(k), Some(v)) = (v8::String::new(scope, k), v8::String::new(scope, &v)) {
            meta.create_data_property(scope, k.into(), v.into());
        }
    }
    let Some(data) = v8::String::new(scope, &path.display().to_string()) else { return };
    let Some(f) = v8::Function::builder(meta_resolve).data(data.into()).build(scope) else { return };
    if let Some(k) = v8::String::new(scope, "resolve") {
        meta.create_data_property(scope, k.into(), f.into());
    }
    // The `data` option, for the modules of the realm it was decoded in.
    let data = scope.get_slot::<ThreadState>().and_then(|st| st.data.as_ref()).filter(|(c, _)| *c == context).map(|(_, v)| v.clone());
    if let (Some(v), Some(k)) = (data, v8::String::new(scope, "data")) {
        let v = v8::Local::new(scope, v);
        meta.create_data_property(scope, k.into(), v);
    }
}

fn meta_resolve(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let importer = PathBuf::from(args.data().to_rust_string_lossy(scope));
    let spec = args.get(0).to_rust_string_lossy(scope);
    let url = match resolve_import(scope, &spec, &importer) {
        Some(Target::Builtin(name)) => format!("node:{name}"),
        Some(Target::File(p)) => format!("file://{}", p.display()),
        None => return,
    };
    if let Some(s) = v8::String::new(scope, &url) {
        rv.set(s.into());
    }
}
