//! The `people` tree: who is in the workspace, keyed by Slack id.
//!
//! Written whenever the directory sync or a profile change brings news of
//! someone; read by the scheduler's snapshot and by commands.

use super::{Store, StoreError, keys, trees};
use crate::domain::{Person, UserId};

impl Store {
    /// Saves `person`, replacing what was known of them.
    pub fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        let key = keys::person(&person.id);
        let value = self.encode(trees::PEOPLE, key, person)?;
        self.people.insert(key, value)?;
        Ok(())
    }

    /// Saves `people` in one sled batch: a directory sync lands whole or not
    /// at all, and costs one write instead of one per person.
    pub fn put_people(&self, people: &[Person]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for person in people {
            let key = keys::person(&person.id);
            batch.insert(key, self.encode(trees::PEOPLE, key, person)?);
        }
        self.people.apply_batch(batch)?;
        Ok(())
    }

    /// The person with `id`, if known.
    pub fn person(&self, id: &UserId) -> Result<Option<Person>, StoreError> {
        let key = keys::person(id);
        self.people
            .get(key)?
            .map(|bytes| self.decode(trees::PEOPLE, key, &bytes))
            .transpose()
    }

    /// Everyone known, sorted by id (the key order).
    pub fn people(&self) -> Result<Vec<Person>, StoreError> {
        self.people
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                self.decode(trees::PEOPLE, &key, &bytes)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{open_temp, person};

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
    fn an_unknown_person_is_none() {
        let (_dir, store) = open_temp();
        let nobody = crate::store::fixtures::user("U404");
        assert_eq!(store.person(&nobody).unwrap(), None);
        assert!(store.people().unwrap().is_empty());
    }
}
