//! The realms of one thread: the main realm (id 0, the Thread's or the
//! service's context, kept for the thread's life) and the fresh realm of
//! each task (dropped when its call ends). Ids go in the high 32 bits of
//! timer ids, so a realm's timers are found and dropped by id.

use std::collections::HashMap;

use super::realm::{self, Realm};

/// The id of the main realm.
pub(super) const MAIN: u32 = 0;

/// A thread's table of realms; each shares the main context's security
/// token, so values move between them.
pub(super) struct Realms {
    table: HashMap<u32, Realm>,
    /// The id the next task's realm gets.
    next: u32,
    token: v8::Global<v8::Value>,
}

/// The id after `id`: never `MAIN`, even once ids wrap.
fn after(id: u32) -> u32 {
    id.wrapping_add(1).max(1)
}

impl Realms {
    /// A table holding `main`, the main realm.
    pub(super) fn new(scope: &mut v8::HandleScope, main: Realm) -> Self {
        let context = v8::Local::new(scope, &main.context);
        let token = context.get_security_token(scope);
        let mut table = HashMap::new();
        table.insert(MAIN, main);
        Self { table, next: after(MAIN), token: v8::Global::new(scope, token) }
    }

    /// Realm `id`, if it is still there.
    pub(super) fn get(&self, id: u32) -> Option<&Realm> {
        self.table.get(&id)
    }

    /// The ids of every realm (in no order).
    pub(super) fn ids(&self) -> Vec<u32> {
        self.table.keys().copied().collect()
    }

    /// Every realm.
    pub(super) fn all(&self) -> impl Iterator<Item = &Realm> {
        self.table.values()
    }

    /// An id for a task's realm, made later by `create`.
    pub(super) fn next_id(&mut self) -> u32 {
        let id = self.next;
        self.next = after(id);
        id
    }

    /// Make realm `id` (a task's) for thread `thread_id`: its context, or
    /// None when it could not be made.
    pub(super) fn create<'s>(&mut self, scope: &mut v8::HandleScope<'s>, id: u32, thread_id: u32) -> Option<v8::Local<'s, v8::Context>> {
        let token = v8::Local::new(scope, &self.token);
        let r = realm::new_realm(scope, id, thread_id, token)?;
        let context = v8::Local::new(scope, &r.context);
        self.table.insert(id, r);
        Some(context)
    }

    /// Drop realm `id` (a task's, once its call is over).
    pub(super) fn remove(&mut self, id: u32) {
        self.table.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::{after, MAIN};

    #[test]
    fn task_realm_ids_count_up_and_never_reuse_the_main_realms() {
        assert_eq!(after(MAIN), 1);
        assert_eq!(after(41), 42);
        assert_eq!(after(u32::MAX), 1, "a wrapped id skips the main realm");
    }
}
