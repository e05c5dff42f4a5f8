//! The channel ids the client has looked up by name, remembered while the
//! process lives. The client holds the cache and `channels` fills it; it
//! sits apart from both so that neither needs the other for it.

use crate::domain::ChannelId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Channel ids by the name they were looked up by, shared by a client and
/// its clones.
///
/// A std `Mutex`, as in mini-redis: it is held for one map operation and
/// never across an `.await`, so an async lock would only cost more.
#[derive(Debug, Clone, Default)]
pub(super) struct ChannelIdCache(Arc<Mutex<HashMap<String, ChannelId>>>);

impl ChannelIdCache {
    /// The id remembered for `name`.
    pub fn get(&self, name: &str) -> Option<ChannelId> {
        self.lock().get(name).cloned()
    }

    /// Remembers that `name` is the channel `id`.
    pub fn remember(&self, name: &str, id: ChannelId) {
        self.lock().insert(name.to_owned(), id);
    }

    /// Forgets the id of `name`, which Slack no longer knows.
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, ChannelId>> {
        // A panic while the map was held cannot leave it half-changed (each
        // operation is one call on it), so a poisoned lock is still sound.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_shared_by_clones_and_forgets_on_request() {
        let cache = ChannelIdCache::default();
        let clone = cache.clone();
        let id = ChannelId::parse("C0DIGEST").unwrap();

        cache.remember("alliances", id.clone());
        assert_eq!(clone.get("alliances"), Some(id));
        clone.forget("alliances");
        assert_eq!(cache.get("alliances"), None);
    }
}
