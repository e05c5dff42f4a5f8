//! Everyone known, decoded once: the `people` tree read whole is what the
//! planning tick, a round of circles, `/alliances allies` and the App Home
//! each start from, and decoding every record (10,000 JSON values cost
//! about 18 ms, 100,000 about 210 ms) outweighed what they then do with
//! them. The slot holds the decoded records until a write to the tree
//! empties it; the next read decodes them again.
//!
//! Consistency, as for the derived indexes (`derived_index`): every write
//! to `people` empties the slot after it lands ([`PeopleCache::outdated`]),
//! and bumps a generation; a read that decodes installs what it read only
//! if the generation it saw before it began is still current, so that a
//! write landing while it read cannot leave a stale list behind. A read
//! that finds the slot full between a write landing and its emptying sees
//! the tree as it was an instant before: as if it had come first.

use super::{SledStore, StoreError, trees};
use crate::domain::{Person, UserId};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Everyone known, by id, as the rules' snapshot holds them.
pub type PeopleById = Arc<FxHashMap<UserId, Person>>;

/// The slot of the decoded people; one per store, shared by its clones.
#[derive(Debug, Default)]
pub(super) struct PeopleCache {
    /// `None` until read, and after any write to `people`. A std Mutex:
    /// held to take or put the map, never across a read of sled.
    people: Mutex<Option<PeopleById>>,
    /// Bumped by every emptying (see the module doc).
    generation: AtomicU64,
}

impl PeopleCache {
    fn lock(&self) -> MutexGuard<'_, Option<PeopleById>> {
        // Poisoning is ignored: the slot is only ever replaced whole.
        self.people
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// After a write to the `people` tree has landed (or may have).
    pub(super) fn outdated(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.lock() = None;
    }
}

impl SledStore {
    /// Everyone known, sorted by id (the key order).
    pub fn people(&self) -> Result<Vec<Person>, StoreError> {
        let mut people: Vec<Person> = self.people_by_id()?.values().cloned().collect();
        people.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        Ok(people)
    }

    /// Everyone known, by id, lent rather than copied: what a snapshot of
    /// the rules holds (`Snapshot::of_shared`).
    pub fn people_by_id(&self) -> Result<PeopleById, StoreError> {
        if let Some(people) = self.people_cache.lock().as_ref() {
            return Ok(Arc::clone(people));
        }
        let generation = self.people_cache.generation.load(Ordering::SeqCst);
        let people: PeopleById = {
            let trees = self.trees()?;
            let by_id = trees
                .people
                .iter()
                .map(|entry| {
                    let (key, bytes) = entry?;
                    let person: Person = self.decode(trees::PEOPLE, &key, &bytes)?;
                    Ok((person.id.clone(), person))
                })
                .collect::<Result<FxHashMap<_, _>, StoreError>>()?;
            Arc::new(by_id)
        };
        let mut slot = self.people_cache.lock();
        if self.people_cache.generation.load(Ordering::SeqCst) == generation {
            *slot = Some(Arc::clone(&people));
        }
        Ok(people)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{at_minute, early_warning, open_temp, person, user};
    use crate::store::{SledStore, trees};

    /// `people` as the tree holds it, decoded afresh: what the cache must
    /// give back.
    fn on_disk(store: &SledStore) -> Vec<crate::domain::Person> {
        let trees = store.trees().unwrap();
        trees
            .people
            .iter()
            .map(|entry| {
                let (key, bytes) = entry.unwrap();
                store.decode(trees::PEOPLE, &key, &bytes).unwrap()
            })
            .collect()
    }

    /// Reads everyone (filling the slot), does `write`, and checks that the
    /// next read gives what is on disk, not what was read before.
    fn after(store: &SledStore, what: &str, write: impl FnOnce(&SledStore)) {
        let before = store.people().unwrap();
        write(store);
        let now = store.people().unwrap();
        assert_eq!(now, on_disk(store), "{what}");
        assert_ne!(
            now, before,
            "{what} changed nobody: the check proves nothing"
        );
    }

    #[test]
    fn every_write_to_people_is_read_back_at_once() {
        let (_dir, store) = open_temp();
        after(&store, "a person put", |s| {
            s.put_person(&person("U1", "Ada", Some("Payments")))
                .unwrap();
        });
        after(&store, "people put together", |s| {
            s.put_people(&[person("U2", "Lou", None), person("U3", "Cy", None)])
                .unwrap();
        });
        after(&store, "a person changed", |s| {
            s.update_person(&user("U1"), |p| p.opted_out = true)
                .unwrap();
        });
        after(&store, "an early warning sent", |s| {
            let warning = early_warning("U2", "U3");
            let queued = s.enqueue(vec![warning], at_minute(1)).unwrap();
            s.mark_early_warning_sent(&queued[0], &[], at_minute(2), None)
                .unwrap();
        });
        after(&store, "a person forgotten", |s| {
            s.forget_person(&user("U3")).unwrap();
        });
        let before = store.people().unwrap();
        store.rewrite_if_due().unwrap();
        assert_eq!(store.people().unwrap(), before, "a rewrite keeps everyone");
        assert_eq!(before, on_disk(&store));
        after(&store, "the purge", |s| s.purge_everything().unwrap());
        assert!(store.people().unwrap().is_empty());
    }
}
