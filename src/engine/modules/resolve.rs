//! Where a specifier lives, as Node resolves it (RUNTIME.md §2): built-ins
//! (`node:x` and bare names), relative paths and `file:` URLs, packages in
//! `node_modules` upward from the importer through `exports` (subpath
//! patterns, condition objects in key order, arrays of fallbacks) or `main`,
//! and the package's `imports` (`#name`). The conditions are `isothread`,
//! `node`, `import` or `require`, `default`. Pure file-system logic: no V8.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// What a specifier resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A Node built-in by its canonical name (`fs`, `path/posix`, `isothread:internal`).
    Builtin(String),
    /// A file on disk (its format is decided by [`format_of`]).
    File(PathBuf),
}

/// How a file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// An ES module (`.mjs`, or `.js` under `"type": "module"`).
    Esm,
    /// CommonJS (`.cjs`, or `.js` under `"type": "commonjs"`).
    Cjs,
    /// `.js` with no `"type"` around it: CommonJS unless its syntax is a module's.
    Detect,
    /// A JSON file.
    Json,
    /// A native addon: refused.
    Addon,
}

/// A failed resolution: Node's code (`MODULE_NOT_FOUND` for `require`,
/// `ERR_MODULE_NOT_FOUND` for `import`, …) and a message naming the
/// specifier and the importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolveError {
    /// Node's error code.
    pub code: &'static str,
    /// What failed, naming the specifier and the importer.
    pub message: String,
}

/// Node's built-in module names (`node:` optional), subpaths included.
const BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "inspector/promises",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "readline/promises",
    "repl",
    "stream",
    "stream/consumers",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Built-ins reachable only with the `node:` prefix, as in Node.
const PREFIX_ONLY: &[&str] = &["test", "test/reporters", "sea", "sqlite"];

/// The runtime's private module, importable only from its own files.
pub(crate) const INTERNAL: &str = "isothread:internal";

/// The canonical built-in name of `spec`, if it names one.
pub(crate) fn builtin_name(spec: &str) -> Option<&str> {
    match spec.strip_prefix("node:") {
        Some(rest) => BUILTINS.iter().chain(PREFIX_ONLY).find(|b| **b == rest).copied(),
        None => BUILTINS.iter().find(|b| **b == spec).copied(),
    }
}

fn not_found(spec: &str, importer: &Path, require: bool) -> ResolveError {
    let shown = importer.display();
    if require {
        ResolveError { code: "MODULE_NOT_FOUND", message: format!("Cannot find module '{spec}'\nRequire stack:\n- {shown}") }
    } else {
        ResolveError { code: "ERR_MODULE_NOT_FOUND", message: format!("Cannot find module '{spec}' imported from {shown}") }
    }
}

/// package.json files, parsed once per process (a missing one is cached too).
fn manifest(dir: &Path) -> Option<std::sync::Arc<Value>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Option<std::sync::Arc<Value>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(dir) {
        return hit.clone();
    }
    let parsed = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map(std::sync::Arc::new);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(dir.to_path_buf(), parsed.clone());
    parsed
}

/// The nearest package.json above `file`: its folder and contents.
fn package_scope(file: &Path) -> Option<(PathBuf, std::sync::Arc<Value>)> {
    file.ancestors().skip(1).find_map(|dir| {
        if dir.file_name().is_some_and(|n| n == "node_modules") {
            return None;
        }
        manifest(dir).map(|m| (dir.to_path_buf(), m))
    })
}

/// How the file at `path` loads: by extension, then the nearest `"type"`.
pub(crate) fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mjs") => Format::Esm,
        Some("cjs") => Format::Cjs,
        Some("json") => Format::Json,
        Some("node") => Format::Addon,
        _ => match package_scope(path).as_ref().and_then(|(_, m)| m.get("type")).and_then(Value::as_str) {
            Some("module") => Format::Esm,
            Some("commonjs") => Format::Cjs,
            _ => Format::Detect,
        },
    }
}

/// `X`, `X.js`, `X.json`, `X.mjs`, `X.cjs`, `X.node`.
fn load_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    ["js", "json", "mjs", "cjs", "node"].iter().map(|ext| path.with_file_name(format!("{name}.{ext}"))).find(|p| p.is_file())
}

/// `X/index.js` (and the other extensions).
fn load_index(dir: &Path) -> Option<PathBuf> {
    ["index.js", "index.json", "index.mjs", "index.cjs", "index.node"].iter().map(|i| dir.join(i)).find(|p| p.is_file())
}

/// `X` as a file, then as a folder: its package.json `main` (as a file or
/// a folder's index, never another main: no loops), then its index.
fn load_file_or_dir(path: &Path) -> Option<PathBuf> {
    if let Some(p) = load_file(path) {
        return Some(p);
    }
    if !path.is_dir() {
        return None;
    }
    let main = manifest(path).as_deref().and_then(|m| m.get("main")).and_then(Value::as_str).map(str::to_owned);
    // (an empty "main" is no main, as in Node)
    if let Some(main) = main.filter(|m| !m.trim().is_empty()) {
        let m = path.join(main);
        if let Some(p) = load_file(&m).or_else(|| load_index(&m)) {
            return Some(p);
        }
    }
    load_index(path)
}

/// Resolve an `exports`/`imports` target with `*` replaced by `star`.
/// `Some(None)`: refused here (null, or not a `./` path); `None`: no
/// condition matched. An `imports` target may name a package (`bare`).
fn target(dir: &Path, t: &Value, star: Option<&str>, conditions: &[&str], bare: bool) -> Option<Option<PathBuf>> {
    match t {
        Value::String(s) => {
            let s = match star {
                Some(x) => s.replace('*', x),
                None => s.clone(),
            };
            if !s.starts_with("./") {
                let is_bare = !s.starts_with('/') && !s.starts_with("../") && !s.contains(':');
                return Some(if bare && is_bare { resolve_bare(&s, dir, conditions).ok().flatten() } else { None });
            }
            let p = dir.join(&s[2..]);
            Some(Some(if p.is_file() { p } else { load_file_or_dir(&p).unwrap_or(p) }))
        }
        Value::Array(list) => list.iter().find_map(|t| target(dir, t, star, conditions, bare).filter(|r| r.is_some())),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() == "default" || conditions.contains(&k.as_str()))
            .find_map(|(_, t)| target(dir, t, star, conditions, bare)),
        Value::Null => Some(None),
        _ => None,
    }
}

/// Match `key` against an exports/imports map: exact keys, then the longest
/// `*` pattern, then legacy folder keys ending in `/`.
fn match_map(dir: &Path, map: &serde_json::Map<String, Value>, key: &str, conditions: &[&str], bare: bool) -> Option<Option<PathBuf>> {
    if let Some(t) = map.get(key).filter(|_| !key.contains('*')) {
        return target(dir, t, None, conditions, bare);
    }
    let mut best: Option<(&str, &Value, String)> = None;
    for (k, t) in map {
        if let Some((prefix, suffix)) = k.split_once('*') {
            if key.len() >= prefix.len() + suffix.len() && key.starts_with(prefix) && key.ends_with(suffix) && key != prefix {
                let middle = key[prefix.len()..key.len() - suffix.len()].to_owned();
                if best.as_ref().is_none_or(|(b, _, _)| prefix.len() > b.split('*').next().unwrap_or("").len()) {
                    best = Some((k.as_str(), t, middle));
                }
            }
        } else if k.ends_with('/') && key.starts_with(k.as_str()) && best.is_none() {
            let rest = &key[k.len()..];
            if let Value::String(s) = t {
                return Some(Some(dir.join(s.trim_start_matches("./")).join(rest)));
            }
        }
    }
    best.and_then(|(_, t, middle)| target(dir, t, Some(&middle), conditions, bare))
}

fn not_exported(dir: &Path, sub: &str) -> ResolveError {
    let shown = if sub == "." { String::new() } else { format!("subpath '{sub}' ") };
    ResolveError {
        code: "ERR_PACKAGE_PATH_NOT_EXPORTED",
        message: format!("Package {shown}is not defined by \"exports\" in {}", dir.join("package.json").display()),
    }
}

/// `sub` (`.` or `./x`) of the package in `dir` through its `exports`.
fn package_exports(dir: &Path, exports: &Value, sub: &str, conditions: &[&str]) -> Result<PathBuf, ResolveError> {
    let found = match exports {
        Value::Object(map) if map.keys().any(|k| k.starts_with('.')) => match_map(dir, map, sub, conditions, false),
        other if sub == "." => target(dir, other, None, conditions, false),
        _ => None,
    };
    found.flatten().ok_or_else(|| not_exported(dir, sub))
}

fn split_package(spec: &str) -> (&str, &str) {
    let cut = if spec.starts_with('@') { spec.match_indices('/').nth(1).map(|(i, _)| i) } else { spec.find('/') };
    match cut {
        Some(i) => (&spec[..i], &spec[i..]),
        None => (spec, ""),
    }
}

fn resolve_bare(spec: &str, base: &Path, conditions: &[&str]) -> Result<Option<PathBuf>, ResolveError> {
    let (name, rest) = split_package(spec);
    let sub = format!(".{rest}");
    // A package may import itself by its name through its own exports.
    if let Some((dir, m)) = package_scope(&base.join("x")) {
        if m.get("name").and_then(Value::as_str) == Some(name) {
            if let Some(exports) = m.get("exports") {
                return package_exports(&dir, exports, &sub, conditions).map(Some);
            }
        }
    }
    for dir in base.ancestors() {
        if dir.file_name().is_some_and(|n| n == "node_modules") {
            continue;
        }
        let pkg = dir.join("node_modules").join(name);
        if !pkg.is_dir() {
            continue;
        }
        let m = manifest(&pkg);
        return match m.as_deref().and_then(|m| m.get("exports")) {
            Some(exports) => package_exports(&pkg, exports, &sub, conditions).map(Some),
            None => Ok(load_file_or_dir(&pkg.join(rest.trim_start_matches('/')))),
        };
    }
    Ok(None)
}

fn resolve_imports(spec: &str, importer: &Path, conditions: &[&str]) -> Result<Option<PathBuf>, ResolveError> {
    let scope = package_scope(importer);
    let found = scope.as_ref().and_then(|(dir, m)| match m.get("imports") {
        Some(Value::Object(map)) => match_map(dir, map, spec, conditions, true).flatten(),
        _ => None,
    });
    match (found, scope) {
        (Some(p), _) => Ok(Some(p)),
        (None, Some((dir, _))) => Err(ResolveError {
            code: "ERR_PACKAGE_IMPORT_NOT_DEFINED",
            message: format!(
                "Package import specifier \"{spec}\" is not defined in package {} imported from {}",
                dir.join("package.json").display(),
                importer.display()
            ),
        }),
        (None, None) => Err(ResolveError {
            code: "ERR_PACKAGE_IMPORT_NOT_DEFINED",
            message: format!("Package import specifier \"{spec}\" is not defined imported from {}", importer.display()),
        }),
    }
}

/// Resolve `spec` imported (or required, when `require`) by the file
/// `importer`. `runtime` is the folder of the thread runtime's own files,
/// the only importers that may name [`INTERNAL`].
pub(crate) fn resolve(spec: &str, importer: &Path, require: bool, runtime: Option<&Path>) -> Result<Target, ResolveError> {
    if spec == INTERNAL && runtime.is_some_and(|r| importer.starts_with(r)) {
        return Ok(Target::Builtin(INTERNAL.to_owned()));
    }
    if let Some(name) = builtin_name(spec) {
        return Ok(Target::Builtin(name.to_owned()));
    }
    if spec.ends_with(".node") {
        let verb = if require { "require" } else { "import" };
        return Err(ResolveError {
            code: "ERR_INVALID_ARG",
            message: format!("cannot {verb} {spec:?} from {}: native addons cannot load inside a thread", importer.display()),
        });
    }
    if let Some(rest) = spec.strip_prefix("node:") {
        return Err(ResolveError { code: "ERR_UNKNOWN_BUILTIN_MODULE", message: format!("No such built-in module: node:{rest}") });
    }
    let base = importer.parent().unwrap_or(Path::new("/"));
    // Found files are remembered for the process, as Node's own path cache
    // does (a miss is looked for again: the file may appear later).
    type Key = (PathBuf, String, bool);
    static FOUND: OnceLock<Mutex<HashMap<Key, PathBuf>>> = OnceLock::new();
    let key = (base.to_path_buf(), spec.to_owned(), require);
    if let Some(p) = FOUND.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Target::File(p.clone()));
    }
    // Node 22's conditions, with ours first ("module-sync": this loader
    // can require() ES modules).
    let conditions: &[&str] =
        if require { &["isothread", "node", "require", "module-sync"] } else { &["isothread", "node", "import", "module-sync"] };
    let with_importer = |mut e: ResolveError| {
        e.message = format!("{} imported from {}", e.message, importer.display());
        e
    };
    let found = if let Some(rest) = spec.strip_prefix("file://") {
        let decoded = percent_decode(rest);
        load_file_or_dir(Path::new(&decoded))
    } else if spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/') || spec == "." || spec == ".." {
        load_file_or_dir(&base.join(spec))
    } else if spec.starts_with('#') {
        resolve_imports(spec, importer, conditions)?
    } else if spec.is_empty() {
        None
    } else {
        resolve_bare(spec, base, conditions).map_err(with_importer)?
    };
    match found {
        Some(p) if p.is_file() => {
            let real = std::fs::canonicalize(&p).unwrap_or(p);
            FOUND.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner()).insert(key, real.clone());
            Ok(Target::File(real))
        }
        _ => Err(not_found(spec, importer, require)),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("isothread-resolve-{}-{n}", std::process::id()));
        for (path, text) in files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        std::fs::canonicalize(root).unwrap()
    }

    fn file(t: Result<Target, ResolveError>) -> PathBuf {
        match t {
            Ok(Target::File(p)) => p,
            other => panic!("expected a file, got {other:?}"),
        }
    }

    #[test]
    fn builtins_with_and_without_prefix() {
        let at = Path::new("/x/a.js");
        assert_eq!(resolve("fs", at, true, None), Ok(Target::Builtin("fs".into())));
        assert_eq!(resolve("node:path/posix", at, false, None), Ok(Target::Builtin("path/posix".into())));
        assert_eq!(resolve("node:test", at, false, None), Ok(Target::Builtin("test".into())));
        assert_eq!(resolve("node:nope", at, true, None).unwrap_err().code, "ERR_UNKNOWN_BUILTIN_MODULE");
        assert!(resolve(INTERNAL, at, true, None).is_err());
        assert_eq!(resolve(INTERNAL, at, true, Some(Path::new("/x"))), Ok(Target::Builtin(INTERNAL.into())));
    }

    #[test]
    fn exports_conditions_patterns_and_main() {
        let root = tree(&[
            (
                "node_modules/a/package.json",
                r#"{"exports":{".":{"import":"./a.mjs","require":"./a.cjs"},"./feat/*":"./lib/*.js","./internal/*":null}}"#,
            ),
            ("node_modules/a/a.mjs", ""),
            ("node_modules/a/a.cjs", ""),
            ("node_modules/a/lib/x.js", ""),
            ("node_modules/b/package.json", r#"{"main":"dist/b"}"#),
            ("node_modules/b/dist/b.js", ""),
            ("node_modules/b/extra.js", ""),
            ("node_modules/@s/c/index.js", ""),
            ("package.json", r##"{"name":"me","imports":{"#dep":{"node":"./dep.js"}},"exports":"./main.js"}"##),
            ("dep.js", ""),
            ("main.js", ""),
            ("src/app.js", ""),
        ]);
        let app = root.join("src/app.js");
        assert!(file(resolve("a", &app, false, None)).ends_with("a.mjs"));
        assert!(file(resolve("a", &app, true, None)).ends_with("a.cjs"));
        assert!(file(resolve("a/feat/x", &app, true, None)).ends_with("lib/x.js"));
        assert_eq!(resolve("a/internal/y", &app, true, None).unwrap_err().code, "ERR_PACKAGE_PATH_NOT_EXPORTED");
        assert_eq!(resolve("a/a.cjs", &app, true, None).unwrap_err().code, "ERR_PACKAGE_PATH_NOT_EXPORTED", "not exported");
        assert_eq!(resolve("#nope", &app, true, None).unwrap_err().code, "ERR_PACKAGE_IMPORT_NOT_DEFINED");
        assert!(file(resolve("b", &app, true, None)).ends_with("dist/b.js"));
        assert!(file(resolve("b/extra", &app, true, None)).ends_with("b/extra.js"));
        assert!(file(resolve("@s/c", &app, true, None)).ends_with("@s/c/index.js"));
        assert!(file(resolve("#dep", &app, true, None)).ends_with("dep.js"));
        assert!(file(resolve("me", &app, true, None)).ends_with("main.js"));
        assert!(file(resolve("../dep", &app, true, None)).ends_with("dep.js"));
        let missing = resolve("nope", &app, false, None).unwrap_err();
        assert_eq!(missing.code, "ERR_MODULE_NOT_FOUND");
        assert!(missing.message.contains("'nope'") && missing.message.contains("app.js"));
    }

    #[test]
    fn mains_that_point_at_each_other_or_nowhere_end() {
        let root = tree(&[
            ("node_modules/loop/package.json", r#"{"main":"./sub"}"#),
            ("node_modules/loop/sub/package.json", r#"{"main":"../"}"#),
            ("node_modules/empty/package.json", r#"{"main":""}"#),
            ("node_modules/empty/index.js", ""),
            ("app.js", ""),
        ]);
        let app = root.join("app.js");
        assert_eq!(resolve("loop", &app, true, None).unwrap_err().code, "MODULE_NOT_FOUND");
        assert!(file(resolve("empty", &app, true, None)).ends_with("empty/index.js"));
    }

    #[test]
    fn formats_by_extension_and_type() {
        let root = tree(&[("m/package.json", r#"{"type":"module"}"#), ("m/a.js", ""), ("c/package.json", "{}"), ("c/a.js", "")]);
        assert_eq!(format_of(&root.join("m/a.js")), Format::Esm);
        assert_eq!(format_of(&root.join("c/a.js")), Format::Detect);
        assert_eq!(format_of(&root.join("m/a.cjs")), Format::Cjs);
        assert_eq!(format_of(Path::new("/q/a.json")), Format::Json);
        assert_eq!(format_of(Path::new("/q/a.node")), Format::Addon);
    }
}
