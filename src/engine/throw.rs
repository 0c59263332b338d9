//! Making and throwing the errors native callbacks raise. A leaf: it names
//! nothing else of the engine, so every module that throws can use it
//! without a circle.

/// `new TypeError(message)` with an optional `code`.
pub(crate) fn type_error<'s>(scope: &mut v8::HandleScope<'s>, message: &str, code: Option<&str>) -> v8::Local<'s, v8::Value> {
    let msg = v8::String::new(scope, message).unwrap_or_else(|| v8::String::empty(scope));
    let exc = v8::Exception::type_error(scope, msg);
    if let (Some(code), Ok(obj)) = (code, v8::Local::<v8::Object>::try_from(exc)) {
        let key = v8::String::new(scope, "code").unwrap();
        let val = v8::String::new(scope, code).unwrap();
        obj.set(scope, key.into(), val.into());
    }
    exc
}

/// Throw `new TypeError(message)` with an optional `code`.
pub(crate) fn throw_type_error(scope: &mut v8::HandleScope, message: &str, code: Option<&str>) {
    let exc = type_error(scope, message, code);
    scope.throw_exception(exc);
}

/// Throw `new Error(message)` with `code`.
pub(crate) fn throw_code(scope: &mut v8::HandleScope, message: &str, code: &str) {
    let Some(msg) = v8::String::new(scope, message) else { return };
    let exc = v8::Exception::error(scope, msg);
    if let (Ok(obj), Some(key), Some(val)) =
        (v8::Local::<v8::Object>::try_from(exc), v8::String::new(scope, "code"), v8::String::new(scope, code))
    {
        obj.set(scope, key.into(), val.into());
    }
    scope.throw_exception(exc);
}
