//! Turning thrown values and failures into what the host receives.

use super::codec;
use crate::runtime::Outcome;

const HOST_VARIABLE_HINT: &str =
    " (thread code cannot use the host's variables: a function sent to a thread is re-created from its source, so pass values as arguments or define them inside the context)";

/// `String(value)` that never throws (symbols and odd objects included).
pub(crate) fn display_string(scope: &mut v8::HandleScope, value: v8::Local<v8::Value>) -> String {
    if let Ok(sym) = v8::Local::<v8::Symbol>::try_from(value) {
        let desc = sym.description(scope);
        return if desc.is_undefined() { "Symbol()".into() } else { format!("Symbol({})", desc.to_rust_string_lossy(scope)) };
    }
    let tc = &mut v8::TryCatch::new(scope);
    match value.to_string(tc) {
        Some(s) => s.to_rust_string_lossy(tc),
        None => "[value that cannot be printed]".into(),
    }
}

/// A ReferenceError for a name that is not defined most likely comes from a
/// function that closed over a host variable: say so in its message.
fn add_host_variable_hint(scope: &mut v8::HandleScope, error: v8::Local<v8::Value>) {
    if !error.is_native_error() {
        return;
    }
    let Ok(obj) = v8::Local::<v8::Object>::try_from(error) else { return };
    let tc = &mut v8::TryCatch::new(scope);
    let name_key = v8::String::new(tc, "name").unwrap();
    let msg_key = v8::String::new(tc, "message").unwrap();
    let is_reference_error = obj.get(tc, name_key.into()).map(|n| n.to_rust_string_lossy(tc) == "ReferenceError").unwrap_or(false);
    if !is_reference_error {
        return;
    }
    let Some(message) = obj.get(tc, msg_key.into()).map(|m| m.to_rust_string_lossy(tc)) else { return };
    if message.ends_with("is not defined") {
        if let Some(s) = v8::String::new(tc, &format!("{message}{HOST_VARIABLE_HINT}")) {
            obj.set(tc, msg_key.into(), s.into());
        }
    }
}

/// The outcome of a call that threw `error`.
pub(crate) fn encode_thrown(scope: &mut v8::HandleScope, error: v8::Local<v8::Value>) -> Outcome {
    add_host_variable_hint(scope, error);
    let tc = &mut v8::TryCatch::new(scope);
    match codec::encode(tc, error, "error", &[]) {
        Ok(payload) => Outcome::Thrown(payload),
        Err(codec::EncodeError::Clone(_)) => {
            let message = display_string(tc, error);
            Outcome::Failed { code: "ERR_CLONE", message, cause: None }
        }
        Err(codec::EncodeError::Exception) => {
            // Reading the error threw (a throwing `message` getter): reject
            // with what it threw.
            let Some(inner) = tc.exception() else {
                return Outcome::Failed { code: "ERR_CLONE", message: "the thrown value could not be read".into(), cause: None };
            };
            tc.reset();
            match codec::encode(tc, inner, "error", &[]) {
                Ok(payload) => Outcome::Thrown(payload),
                Err(_) => Outcome::Failed { code: "ERR_CLONE", message: display_string(tc, inner), cause: None },
            }
        }
    }
}

/// `"<exception> (at name:line:col)"` for an exception that may carry a
/// source location (syntax errors do; others carry it in their stack).
pub(crate) fn exception_with_location(scope: &mut v8::HandleScope, exc: v8::Local<v8::Value>) -> String {
    let text = display_string(scope, exc);
    let message = v8::Exception::create_message(scope, exc);
    let resource = message.get_script_resource_name(scope).map(|r| r.to_rust_string_lossy(scope)).unwrap_or_default();
    match message.get_line_number(scope) {
        Some(line) if !resource.is_empty() && resource != "undefined" => {
            format!("{text} (at {resource}:{line}:{})", message.get_start_column() + 1)
        }
        _ => text,
    }
}
