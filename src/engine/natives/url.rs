//! stub
pub(super) fn install(_s: &mut v8::HandleScope, _o: v8::Local<v8::Object>) -> Option<()> { Some(()) }
