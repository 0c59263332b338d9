//! What the codec writes by reference and cannot make itself: the engine's
//! shared-value handles (`buffer()`). The codec is a leaf: it knows these
//! objects only through the [`HostObjects`] an isolate is given with
//! [`set_host_objects`]; an isolate without one (the fuzz targets, unit
//! tests) has none of them, and a SHARED_VALUE in its input is refused.

use std::rc::Rc;

/// The handles an isolate's embedder lets cross by reference.
pub trait HostObjects {
    /// The id of `object` when it is one of the handles (checked without
    /// running JS: no getter, no proxy trap).
    fn id_of(&self, scope: &mut v8::HandleScope, object: v8::Local<v8::Object>) -> Option<u32>;
    /// A new handle for id `id` in the scope's current context.
    fn handle<'s>(&self, scope: &mut v8::HandleScope<'s>, id: u32) -> Option<v8::Local<'s, v8::Value>>;
}

/// The isolate slot holding the isolate's [`HostObjects`].
struct Slot(Rc<dyn HostObjects>);

/// Give `isolate` the handles the codec writes by reference (replaces any
/// set before).
pub fn set_host_objects(isolate: &mut v8::Isolate, hosts: Rc<dyn HostObjects>) {
    isolate.set_slot(Slot(hosts));
}

/// The isolate's [`HostObjects`], if it was given any.
pub(super) fn host_objects(isolate: &v8::Isolate) -> Option<Rc<dyn HostObjects>> {
    isolate.get_slot::<Slot>().map(|slot| slot.0.clone())
}
