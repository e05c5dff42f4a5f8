//! The `people` tree: who is in the workspace, keyed by Slack id.
//!
//! Written whenever the directory sync or a profile change brings news of
//! someone; read by the scheduler's snapshot and by commands.

use super::interactions::from_transaction;
use super::tombstones::tombstone_of;
use super::{SledStore, StoreError, keys, meta, trees};
use crate::domain::{Person, UserId};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

/// What [`SledStore::add_person`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// They are saved.
    Added,
    /// Someone with their id was saved first: nothing was written.
    Known,
    /// They asked to be forgotten: nothing was written.
    Forgotten,
}

impl SledStore {
    /// Saves `person`, replacing what was known of them.
    pub fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::person(&person.id);
        let value = self.encode(trees::PEOPLE, key, person)?;
        trees.people.insert(key, value)?;
        self.people_cache.outdated();
        self.team_pairs.outdated();
        Ok(())
    }

    /// Saves `person`, someone the store did not know a moment ago, in one
    /// transaction with what decides it: nothing is written if someone with
    /// their id was saved meanwhile ([`Added::Known`]: change that record
    /// instead, so that an opt-out saved meanwhile is not undone), nor if
    /// they asked to be forgotten ([`Added::Forgotten`]), even by a forget
    /// that lands while this runs. Does not flush.
    pub fn add_person(&self, person: &Person) -> Result<Added, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(&person.id);
        let value = self.encode(trees::PEOPLE, key, person)?;
        let added = (&trees.meta, &trees.people, &trees.tombstones)
            .transaction(|(meta_tx, people_tx, tombstones_tx)| {
                if people_tx.get(key)?.is_some() {
                    return Ok(Added::Known);
                }
                if let Some(hash_key) = meta_tx.get(meta::TOMBSTONE_KEY)? {
                    let tombstone = tombstone_of(&hash_key, &person.id).ok_or_else(|| {
                        ConflictableTransactionError::Abort(
                            self.corrupt_meta(meta::TOMBSTONE_KEY, "it cannot key a hash"),
                        )
                    })?;
                    if tombstones_tx.get(tombstone)?.is_some() {
                        return Ok(Added::Forgotten);
                    }
                }
                people_tx.insert(key, value.as_slice())?;
                Ok(Added::Added)
            })
            .map_err(from_transaction)?;
        if added == Added::Added {
            self.people_cache.outdated();
            self.team_pairs.outdated();
        }
        Ok(added)
    }

    /// Saves `people` in one sled batch: a directory sync lands whole or not
    /// at all, and costs one write instead of one per person.
    pub fn put_people(&self, people: &[Person]) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let mut batch = sled::Batch::default();
        for person in people {
            let key = keys::person(&person.id);
            batch.insert(key, self.encode(trees::PEOPLE, key, person)?);
        }
        trees.people.apply_batch(batch)?;
        self.people_cache.outdated();
        self.team_pairs.outdated();
        Ok(())
    }

    /// The person with `id`, if known.
    pub fn person(&self, id: &UserId) -> Result<Option<Person>, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(id);
        trees
            .people
            .get(key)?
            .map(|bytes| self.decode(trees::PEOPLE, key, &bytes))
            .transpose()
    }

    /// Changes the person with `id` by `change` and saves them, atomically:
    /// a compare-and-swap loop, so that two changes at once (a snooze and a
    /// directory sync) both land. `change` runs again on a fresh read when
    /// another write came between, so it must only change the person it is
    /// given. Their id stays theirs whatever `change` does to it. Returns the
    /// person as saved, or `None` (and writes nothing) if no one has that id.
    /// Does not flush.
    pub fn update_person(
        &self,
        id: &UserId,
        mut change: impl FnMut(&mut Person),
    ) -> Result<Option<Person>, StoreError> {
        let trees = self.trees()?;
        // sled's `update_and_fetch` cannot carry a decode error out of its
        // closure, so this is its loop written out.
        let key = keys::person(id);
        loop {
            let Some(current) = trees.people.get(key)? else {
                return Ok(None);
            };
            let before: Person = self.decode(trees::PEOPLE, key, &current)?;
            let mut person = before.clone();
            change(&mut person);
            person.id = id.clone();
            if person == before {
                return Ok(Some(person));
            }
            let updated = self.encode(trees::PEOPLE, key, &person)?;
            if trees
                .people
                .compare_and_swap(key, Some(&current), Some(updated))?
                .is_ok()
            {
                self.people_cache.outdated();
                if person.team != before.team {
                    self.team_pairs.outdated();
                }
                return Ok(Some(person));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{at_minute, open_temp, person, user};

    #[test]
    fn people_round_trip_one_at_a_time_and_in_a_batch() {
        let (_dir, store) = open_temp();
        let ada = person("U2", "Ada", Some("Payments"));
        store.put_person(&ada).unwrap();
        assert_eq!(store.person(&ada.id).unwrap(), Some(ada.clone()));

        let mut grace = person("U1", "Grace", None);
        grace.tz = Some("Europe/Paris".into());
        grace.opted_out = true;
        let mut ada_moved = ada.clone();
        ada_moved.team = Some(crate::domain::TeamId::parse("Search").unwrap());
        ada_moved.deactivated = true;
        store
            .put_people(&[ada_moved.clone(), grace.clone()])
            .unwrap();

        assert_eq!(store.people().unwrap(), vec![grace, ada_moved]);
    }

    #[test]
    fn adding_someone_new_keeps_whoever_came_first_and_nobody_forgotten() {
        use super::Added;
        let (_dir, store) = open_temp();
        // She opted out the moment she joined; the sync then meets her.
        let mut opted_out = person("UADA", "Ada", None);
        opted_out.opted_out = true;
        assert_eq!(store.add_person(&opted_out).unwrap(), Added::Added);
        let synced = person("UADA", "Ada Lovelace", Some("Payments"));
        assert_eq!(store.add_person(&synced).unwrap(), Added::Known);
        assert_eq!(store.person(&user("UADA")).unwrap(), Some(opted_out));

        store.forget_person(&user("UBOB")).unwrap();
        let bob = person("UBOB", "Bob", Some("Search"));
        assert_eq!(store.add_person(&bob).unwrap(), Added::Forgotten);
        assert_eq!(store.person(&user("UBOB")).unwrap(), None);
    }

    #[test]
    fn an_unknown_person_is_none() {
        let (_dir, store) = open_temp();
        let nobody = user("U404");
        assert_eq!(store.person(&nobody).unwrap(), None);
        assert!(store.people().unwrap().is_empty());
    }

    #[test]
    fn updating_a_person_changes_them_and_persists() {
        let (dir, store) = open_temp();
        store
            .put_person(&person("U1", "Ada", Some("Payments")))
            .unwrap();
        let updated = store
            .update_person(&user("U1"), |ada| {
                ada.snoozed_until = Some(at_minute(14 * 24 * 60));
                ada.paused.insert(user("U2"));
            })
            .unwrap()
            .expect("Ada is known");
        assert_eq!(updated.snoozed_until, Some(at_minute(14 * 24 * 60)));
        assert_eq!(updated.name, "Ada");
        assert_eq!(store.person(&user("U1")).unwrap(), Some(updated.clone()));

        // The id is the key: a change cannot move a person to another one.
        let kept = store
            .update_person(&user("U1"), |ada| ada.id = user("U9"))
            .unwrap();
        assert_eq!(kept, Some(updated.clone()));
        assert_eq!(store.person(&user("U9")).unwrap(), None);

        store.flush().unwrap();
        drop(store);
        let store = crate::store::fixtures::reopen(dir.path()).unwrap();
        assert_eq!(store.person(&user("U1")).unwrap(), Some(updated));
    }

    #[test]
    fn updating_an_unknown_person_is_none_and_writes_nothing() {
        let (_dir, store) = open_temp();
        let mut called = false;
        let updated = store
            .update_person(&user("U404"), |_| called = true)
            .unwrap();
        assert_eq!(updated, None);
        assert!(!called);
        assert!(store.people().unwrap().is_empty());
    }

    #[test]
    fn changes_to_one_person_from_many_threads_all_land() {
        let (_dir, store) = open_temp();
        store.put_person(&person("U1", "Ada", None)).unwrap();
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let store = &store;
                scope.spawn(move || {
                    for peer in 0..10 {
                        let peer = user(&format!("U{}", 100 + thread * 10 + peer));
                        let changed = store.update_person(&user("U1"), |ada| {
                            ada.paused.insert(peer.clone());
                        });
                        assert!(changed.unwrap().is_some());
                    }
                });
            }
        });
        let ada = store.person(&user("U1")).unwrap().unwrap();
        assert_eq!(ada.paused.len(), 80);
    }
}
