//! The `people` table: who is in the workspace, by Slack id.

use super::super::{Added, PeopleById, StoreError};
use super::kept_people::Kept;
use super::{PgStore, decoded, json};
use crate::domain::{Person, UserId};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_postgres::types::Json;

impl PgStore {
    /// Saves `person`, replacing what was known of them.
    pub async fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        self.put_people(std::slice::from_ref(person)).await
    }

    /// Saves `person`, someone the store did not know a moment ago, as the
    /// sled store's `add_person` does: not over a record saved meanwhile,
    /// nor if they have a tombstone. Under the log-writer lock, which a
    /// forget holds too: a forget of someone never saved finds no record to
    /// lock, so without it the two could pass each other, each unseen.
    pub async fn add_person(&self, person: &Person) -> Result<Added, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        let tombstone = self.tombstone_if_keyed_in(&tx, &person.id).await?;
        let _changing = self.changing_people();
        let row = tx
            .query_one(
                "WITH forgotten AS (SELECT 1 FROM tombstones WHERE hash = $3), \
                 added AS ( \
                     INSERT INTO people (id, person) \
                     SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM forgotten) \
                     ON CONFLICT (id) DO NOTHING RETURNING 1) \
                 SELECT EXISTS (SELECT 1 FROM added), EXISTS (SELECT 1 FROM forgotten)",
                &[
                    &person.id.as_str(),
                    &json(person),
                    &tombstone.as_ref().map(|hash| &hash[..]),
                ],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let (added, forgotten) = (row.get(0), row.get(1));
        self.commit_tx(tx).await?;
        Ok(match (added, forgotten) {
            (true, _) => Added::Added,
            (false, true) => Added::Forgotten,
            (false, false) => Added::Known,
        })
    }

    /// Saves `people` in one statement: a directory sync lands whole or
    /// not at all. Of two with one id, the later is kept, as in sled.
    pub async fn put_people(&self, people: &[Person]) -> Result<(), StoreError> {
        let last: BTreeMap<&str, &Person> = people.iter().map(|p| (p.id.as_str(), p)).collect();
        let ids: Vec<&str> = last.keys().copied().collect();
        let values: Vec<Json<&Person>> = last.values().map(|p| json(*p)).collect();
        let client = self.client().await?;
        let _changing = self.changing_people();
        client
            .execute(
                "INSERT INTO people (id, person) \
                 SELECT * FROM unnest($1::text[], $2::jsonb[]) \
                 ON CONFLICT (id) DO UPDATE SET person = EXCLUDED.person",
                &[&ids, &values],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// The person with `id`, if known: as this replica keeps them, or
    /// read (see `kept_people`).
    pub async fn person(&self, id: &UserId) -> Result<Option<Person>, StoreError> {
        let changes = match self.kept_people.kept(id) {
            Kept::Person(person) => return Ok(Some(Person::clone(&person))),
            Kept::Missing { changes } => changes,
        };
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT person FROM people WHERE id = $1", &[&id.as_str()])
            .await
            .map_err(|e| self.failed(e))?;
        let person = row
            .map(|row| decoded(&row, "person", "people", || id.to_string()))
            .transpose()?;
        if let Some(person) = &person {
            self.kept_people.keep(person, changes);
        }
        Ok(person)
    }

    /// Forgets what this replica keeps that the people's records decide:
    /// the people themselves, and which teams are tied (people may have
    /// changed teams), when [`PgStore::changing_people`]'s guard drops;
    /// the other replicas hear of the change from the database.
    fn people_changed(&self) {
        self.kept_people.forget();
        self.forget_team_ties();
    }

    /// A guard to hold across a write to the people: dropped, it forgets
    /// what this replica keeps of them, however the write ended
    /// (committed; failed, though it may have landed all the same; or
    /// cancelled with its request), before its caller hears of it.
    pub(super) fn changing_people(&self) -> ChangingPeople<'_> {
        ChangingPeople(self)
    }

    /// Everyone known, in id order.
    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, person FROM people ORDER BY id COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| decoded(row, "person", "people", || row.get::<_, String>("id")))
            .collect()
    }

    /// Everyone known, by id.
    pub async fn people_by_id(&self) -> Result<PeopleById, StoreError> {
        let people = self.people().await?;
        let by_id: FxHashMap<UserId, Person> =
            people.into_iter().map(|p| (p.id.clone(), p)).collect();
        Ok(Arc::new(by_id))
    }

    /// Changes the person with `id` by `change` and saves them, atomically:
    /// their row is locked from the read to the write, so two changes at
    /// once, from two replicas or one, both land. Their id stays theirs
    /// whatever `change` does to it. A change that changes nothing writes
    /// nothing, as in sled: every replica's people sync meets everyone,
    /// and each write tells every replica to drop what it keeps of people.
    /// Returns the person as saved, or `None` (and writes nothing) if no
    /// one has that id.
    pub async fn update_person(
        &self,
        id: &UserId,
        mut change: impl FnMut(&mut Person),
    ) -> Result<Option<Person>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        let Some(row) = tx
            .query_opt(
                "SELECT person FROM people WHERE id = $1 FOR UPDATE",
                &[&id.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?
        else {
            return Ok(None);
        };
        let before: Person = decoded(&row, "person", "people", || id.to_string())?;
        let mut person = before.clone();
        change(&mut person);
        person.id = id.clone();
        if person == before {
            return Ok(Some(person));
        }
        tx.execute(
            "UPDATE people SET person = $2 WHERE id = $1",
            &[&id.as_str(), &json(&person)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        let _changing = self.changing_people();
        self.commit_tx(tx).await?;
        Ok(Some(person))
    }
}

/// See [`PgStore::changing_people`].
pub(super) struct ChangingPeople<'a>(&'a PgStore);

impl Drop for ChangingPeople<'_> {
    fn drop(&mut self) {
        self.0.people_changed();
    }
}
