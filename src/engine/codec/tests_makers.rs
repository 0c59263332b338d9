//! The makers of shaped objects (`makers.rs`): made at a key list's second
//! sighting, used only in the realm they were made for, and building the
//! objects the property-by-property path builds.

use super::makers::Makers;
use super::tags::*;
use super::tests::{eval, with_isolate};
use crate::runtime::payload::Payload;

/// A call's arguments: one SHAPE object of `keys` with int `values`.
fn shaped_args(keys: &[&str], values: &[i32]) -> Payload {
    let mut b = vec![VERSION, ARRAY];
    b.extend(1u32.to_le_bytes());
    b.push(SHAPE);
    b.extend((keys.len() as u32).to_le_bytes());
    for k in keys {
        b.push(STRING_LATIN1);
        b.extend((k.len() as u32).to_le_bytes());
        b.extend(k.as_bytes());
    }
    for v in values {
        b.push(INT32);
        b.extend(v.to_le_bytes());
    }
    b.push(END);
    Payload { bytes: b.into(), ..Default::default() }
}

/// Decode `payload` as arguments and check the one object with the JS predicate `check`.
fn check(s: &mut v8::HandleScope, payload: Payload, makers: &mut Makers, check: &str) -> bool {
    let args = super::decode_args(s, payload, Some(makers)).expect("decodes");
    let f = v8::Local::<v8::Function>::try_from(eval(s, check)).expect("a function");
    let this = v8::undefined(s).into();
    f.call(s, this, &args).expect("no exception").is_true()
}

#[test]
fn a_maker_is_made_at_the_second_sighting_and_builds_the_same_object() {
    with_isolate(|s| {
        let context = s.get_current_context();
        let mut makers = Makers::new(v8::Global::new(s, context));
        let want = "(o) => Object.getPrototypeOf(o) === Object.prototype && Object.keys(o).join() === 'b,a' && o.b === 1 && o.a === 2 \
                    && Object.values(Object.getOwnPropertyDescriptors(o)).every((d) => d.writable && d.enumerable && d.configurable)";
        assert!(check(s, shaped_args(&["b", "a"], &[1, 2]), &mut makers, want));
        assert_eq!(makers.made(), 0, "a key list seen once gets no maker");
        for _ in 0..3 {
            assert!(check(s, shaped_args(&["b", "a"], &[1, 2]), &mut makers, want));
            assert_eq!(makers.made(), 1);
        }
        // Another key list, and a key list that is a prefix of the first.
        for _ in 0..2 {
            assert!(check(s, shaped_args(&["b"], &[7]), &mut makers, "(o) => Object.keys(o).join() === 'b' && o.b === 7"));
        }
        assert_eq!(makers.made(), 2);
    });
}

#[test]
fn makers_serve_only_their_realm() {
    with_isolate(|s| {
        let context = s.get_current_context();
        let mut makers = Makers::new(v8::Global::new(s, context));
        let main_proto = eval(s, "Object.prototype");
        let main_proto = v8::Global::new(s, main_proto);
        let other = v8::Context::new(s);
        let s = &mut v8::ContextScope::new(s, other);
        let other_proto = eval(s, "Object.prototype");
        for i in 0..3 {
            let args = super::decode_args(s, shaped_args(&["x", "y"], &[i, 0]), Some(&mut makers)).expect("decodes");
            let object = v8::Local::<v8::Object>::try_from(args[0]).expect("an object");
            let proto = object.get_prototype(s).expect("a prototype");
            assert!(proto.strict_equals(other_proto), "made with its realm's Object.prototype");
            assert!(!proto.strict_equals(v8::Local::new(s, &main_proto)));
        }
        assert_eq!(makers.made(), 0, "no maker is made for another realm");
    });
}
