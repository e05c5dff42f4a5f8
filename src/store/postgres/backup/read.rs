//! Loading a backup of either store into the PostgreSQL store, all of it
//! or none, in one transaction: each record checked against its type and
//! inserted in batches, then the ties folded from the log.

use crate::domain::{
    CalendarFeed, ChannelId, Circle, Interaction, OutboxItem, OutboxState, Person, SentNudge,
    UserId, plural,
};
use crate::store::backup::{Header, Line, Lines, TREES, closing, hash_of};
use crate::store::postgres::PgStore;
use crate::store::postgres::outbox::nanos;
use crate::store::{BackupError, Counts, Imported, JobRun, Replacing, StoreError, meta, trees};
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use serde::de::DeserializeOwned;
use std::io::BufRead;

/// Records inserted at a time.
const INSERT_BATCH: usize = 1_000;

impl PgStore {
    /// Loads the backup `input` (of either store) into this database in
    /// one transaction: all of it or none. With [`Replacing::EmptyOnly`]
    /// the database must hold nothing; with [`Replacing::Anything`] what
    /// it holds is purged first, in the same transaction, so a backup that
    /// fails to load leaves it as it was. Then folds the ties from the
    /// log with this replica's half-life and records it, sets the count,
    /// the hash key and the last circle round, and moves the id sequences
    /// past the ids loaded. Calls `progress` with the bytes read so far,
    /// now and then.
    pub async fn import_backup(
        &self,
        input: impl BufRead,
        replacing: Replacing,
        mut progress: impl FnMut(u64),
    ) -> Result<Imported, BackupError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        match replacing {
            Replacing::Anything => self.purge_within(&tx).await?,
            Replacing::EmptyOnly => {
                if let Some(what) = self.contents(&tx).await? {
                    return Err(BackupError::DatabaseNotEmpty {
                        place: self.place.clone(),
                        what,
                    });
                }
            }
        }
        let mut lines = Lines::of(input);
        let header = lines.header()?;
        let mut batch = Batch::default();
        let mut counts = Counts::default();
        let (closing_line, claimed) = loop {
            let (line, parsed) = lines.next_parsed()?;
            let malformed = |problem: String| BackupError::Malformed { line, problem };
            if parsed.end.is_some() {
                break (line, closing(&parsed).map_err(malformed)?);
            }
            let tree = batch.add(&parsed).map_err(malformed)?;
            *counts.of(tree) += 1;
            if batch.len() >= INSERT_BATCH {
                self.insert(&tx, &mut batch).await?;
                progress(lines.read);
            }
        };
        self.insert(&tx, &mut batch).await?;
        lines.nothing_after()?;
        claimed.check_against(&counts, closing_line)?;
        progress(lines.read);
        self.settle(&tx, &header, counts).await?;
        let _changing = self.changing_people();
        self.commit_tx(tx).await?;
        self.forget_hash_key();
        Ok(Imported {
            counts,
            written_at: header.written_at,
            kept_aside: None,
        })
    }

    /// What the database holds, in words, or `None` when it holds nothing
    /// a backup would.
    async fn contents(&self, tx: &Transaction<'_>) -> Result<Option<String>, StoreError> {
        let row = tx
            .query_one(
                "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM interactions), \
                 (SELECT count(*) FROM logged_keys) + (SELECT count(*) FROM outbox) \
                 + (SELECT count(*) FROM nudges) + (SELECT count(*) FROM jobs) \
                 + (SELECT count(*) FROM dm_channels) + (SELECT count(*) FROM tombstones) \
                 + (SELECT count(*) FROM circles) + (SELECT count(*) FROM calendars)",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let (people, interactions, others): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        Ok((people + interactions + others > 0).then(|| {
            format!(
                "{}, {} and {}",
                plural(people as usize, "person", "people"),
                plural(interactions as usize, "interaction", "interactions"),
                plural(others as usize, "other record", "other records")
            )
        }))
    }

    /// Inserts what `batch` holds, and empties it. Values go as the text
    /// the backup gave (checked against their type already), cast to
    /// `jsonb` by the database.
    async fn insert(&self, tx: &Transaction<'_>, batch: &mut Batch) -> Result<(), StoreError> {
        let batch = std::mem::take(batch);
        if !batch.people.is_empty() {
            let (ids, values): (Vec<String>, Vec<String>) = batch.people.into_iter().unzip();
            let sql = "INSERT INTO people (id, person) \
                       SELECT id, v::jsonb FROM unnest($1::text[], $2::text[]) AS r(id, v)";
            self.exec_batch(tx, sql, &[&ids, &values]).await?;
        }
        if !batch.interactions.is_empty() {
            let ids: Vec<i64> = batch.interactions.iter().map(|(id, ..)| *id).collect();
            let ats: Vec<DateTime<Utc>> = batch.interactions.iter().map(|(_, at, _)| *at).collect();
            let values: Vec<String> = batch.interactions.into_iter().map(|(.., v)| v).collect();
            let sql = "INSERT INTO interactions (id, at, interaction) SELECT id, at, v::jsonb \
                       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS r(id, at, v)";
            self.exec_batch(tx, sql, &[&ids, &ats, &values]).await?;
        }
        if !batch.logged_keys.is_empty() {
            let (keys, ids): (Vec<String>, Vec<i64>) = batch.logged_keys.into_iter().unzip();
            let sql = "INSERT INTO logged_keys (key, interaction) \
                       SELECT * FROM unnest($1::text[], $2::bigint[])";
            self.exec_batch(tx, sql, &[&keys, &ids]).await?;
        }
        if !batch.outbox.is_empty() {
            let ids: Vec<i64> = batch.outbox.iter().map(|(id, ..)| *id).collect();
            let pending: Vec<bool> = batch.outbox.iter().map(|(_, p, ..)| *p).collect();
            let due: Vec<DateTime<Utc>> = batch.outbox.iter().map(|(_, _, d, _)| *d).collect();
            let values: Vec<String> = batch.outbox.into_iter().map(|(.., v)| v).collect();
            let sql = "INSERT INTO outbox (id, pending, due_at, item) SELECT id, p, d, v::jsonb \
                       FROM unnest($1::bigint[], $2::bool[], $3::timestamptz[], $4::text[]) \
                       AS r(id, p, d, v)";
            self.exec_batch(tx, sql, &[&ids, &pending, &due, &values])
                .await?;
        }
        if !batch.nudges.is_empty() {
            let ats: Vec<i64> = batch.nudges.iter().map(|(at, ..)| *at).collect();
            let tos: Vec<&str> = batch.nudges.iter().map(|(_, to, ..)| to.as_str()).collect();
            let abouts: Vec<&str> = batch.nudges.iter().map(|(_, _, a, _)| a.as_str()).collect();
            let values: Vec<&str> = batch.nudges.iter().map(|(.., v)| v.as_str()).collect();
            let sql = "INSERT INTO nudges (at_ns, to_id, about, nudge) SELECT at, t, a, v::jsonb \
                       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) \
                       AS r(at, t, a, v)";
            self.exec_batch(tx, sql, &[&ats, &tos, &abouts, &values])
                .await?;
        }
        for (table, columns, rows) in [
            ("jobs", "name, run", batch.jobs),
            ("dm_channels", "person, channel", batch.dm_channels),
            ("calendars", "owner, feed", batch.calendars),
        ] {
            if !rows.is_empty() {
                let (keys, values): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
                let sql = format!(
                    "INSERT INTO {table} ({columns}) \
                     SELECT k, v::jsonb FROM unnest($1::text[], $2::text[]) AS r(k, v)"
                );
                self.exec_batch(tx, &sql, &[&keys, &values]).await?;
            }
        }
        if !batch.tombstones.is_empty() {
            let sql = "INSERT INTO tombstones (hash) SELECT * FROM unnest($1::bytea[])";
            self.exec_batch(tx, sql, &[&batch.tombstones]).await?;
        }
        if !batch.circles.is_empty() {
            let rounds: Vec<i32> = batch.circles.iter().map(|(r, ..)| *r).collect();
            let places: Vec<i32> = batch.circles.iter().map(|(_, p, _)| *p).collect();
            let values: Vec<String> = batch.circles.into_iter().map(|(.., v)| v).collect();
            let sql = "INSERT INTO circles (round, place, circle) SELECT r, p, v::jsonb \
                       FROM unnest($1::int[], $2::int[], $3::text[]) AS c(r, p, v)";
            self.exec_batch(tx, sql, &[&rounds, &places, &values])
                .await?;
        }
        Ok(())
    }

    /// Sets the `meta` row of the sled store's key `name` to `value`.
    async fn put_meta(
        &self,
        tx: &Transaction<'_>,
        name: &[u8],
        value: &[u8],
    ) -> Result<(), StoreError> {
        let name = std::str::from_utf8(name).unwrap_or("?");
        let sql = "INSERT INTO meta (name, value) VALUES ($1, $2) \
                   ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value";
        self.exec_batch(tx, sql, &[&name, &value]).await
    }

    async fn exec_batch(
        &self,
        tx: &Transaction<'_>,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<(), StoreError> {
        tx.execute(sql, params).await.map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// After the records: the ties folded from the log in id order with
    /// this replica's half-life, and that half-life recorded, the count,
    /// the hash key, the last round, and the id sequences past the ids
    /// loaded.
    async fn settle(
        &self,
        tx: &Transaction<'_>,
        header: &Header,
        counts: Counts,
    ) -> Result<(), BackupError> {
        self.fold_ties_afresh(tx, self.half_life).await?;
        self.record_half_life(tx, self.half_life).await?;
        self.put_meta(
            tx,
            meta::INTERACTION_COUNT,
            &counts.interactions.to_be_bytes(),
        )
        .await?;
        if let Some(key) = header.tombstone_key_for(&counts)? {
            self.put_meta(tx, meta::TOMBSTONE_KEY, &key).await?;
        }
        // Never lowered: a purge keeps the last round's number, and a
        // number given once is not given again.
        if let Some(round) = header.last_circle_round
            && round > self.last_circle_round_in(tx).await?
        {
            self.put_meta(tx, meta::LAST_CIRCLE_ROUND, &round.to_be_bytes())
                .await?;
        }
        for (sequence, table) in [
            ("interaction_ids", "interactions"),
            ("outbox_ids", "outbox"),
        ] {
            let sql = format!(
                "SELECT setval('{sequence}', GREATEST((SELECT MAX(id) FROM {table}), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            );
            tx.execute(&sql, &[]).await.map_err(|e| self.failed(e))?;
        }
        Ok(())
    }
}

/// Records on their way into the database, by table, as its columns
/// want them; values as the backup gives them, checked against their type.
#[derive(Default)]
struct Batch {
    people: Vec<(String, String)>,
    interactions: Vec<(i64, DateTime<Utc>, String)>,
    logged_keys: Vec<(String, i64)>,
    outbox: Vec<(i64, bool, DateTime<Utc>, String)>,
    nudges: Vec<(i64, String, String, String)>,
    jobs: Vec<(String, String)>,
    dm_channels: Vec<(String, String)>,
    tombstones: Vec<Vec<u8>>,
    circles: Vec<(i32, i32, String)>,
    calendars: Vec<(String, String)>,
}

impl Batch {
    fn len(&self) -> usize {
        self.people.len()
            + self.interactions.len()
            + self.logged_keys.len()
            + self.outbox.len()
            + self.nudges.len()
            + self.jobs.len()
            + self.dm_channels.len()
            + self.tombstones.len()
            + self.circles.len()
            + self.calendars.len()
    }

    /// Checks one record and queues it; its tree.
    fn add(&mut self, line: &Line<'_>) -> Result<&'static str, String> {
        let tree = line
            .tree
            .as_deref()
            .ok_or("it has no `tree` (a record is {\"tree\":…,\"value\":…})")?;
        let tree = TREES
            .into_iter()
            .find(|known| *known == tree)
            .ok_or_else(|| {
                format!(
                    "there is no tree {tree:?} in a backup; the trees are {}",
                    TREES.join(", ")
                )
            })?;
        let json = line
            .value
            .ok_or_else(|| format!("the {tree} record has no `value`"))?
            .get();
        let key = || {
            line.key
                .as_deref()
                .map(str::to_owned)
                .ok_or_else(|| format!("a {tree} record has a `key`"))
        };
        match tree {
            trees::PEOPLE => {
                let person: Person = value_of(tree, json)?;
                self.people.push((person.id.to_string(), json.to_owned()));
            }
            trees::INTERACTIONS => {
                let interaction: Interaction = value_of(tree, json)?;
                let id = line.id.ok_or("an interactions record has an `id`")?;
                self.interactions
                    .push((id as i64, interaction.at, json.to_owned()));
            }
            trees::LOGGED_KEYS => {
                let id: u64 = value_of(tree, json)?;
                self.logged_keys.push((key()?, id as i64));
            }
            trees::OUTBOX => {
                let item: OutboxItem = value_of(tree, json)?;
                let due = match &item.state {
                    OutboxState::Pending { not_before, .. } => *not_before,
                    OutboxState::Failed { .. } => item.queued_at,
                };
                self.outbox
                    .push((item.id as i64, item.is_pending(), due, json.to_owned()));
            }
            trees::NUDGES => {
                let nudge: SentNudge = value_of(tree, json)?;
                self.nudges.push((
                    nanos(nudge.at),
                    nudge.to.to_string(),
                    nudge.about.to_string(),
                    json.to_owned(),
                ));
            }
            trees::JOBS => {
                value_of::<JobRun>(tree, json)?;
                self.jobs.push((key()?, json.to_owned()));
            }
            trees::TOMBSTONES => {
                let hash = hash_of(&key()?)
                    .ok_or_else(|| format!("the {tree} record's key is not 64 hex digits"))?;
                self.tombstones.push(hash.to_vec());
            }
            trees::CIRCLES => {
                let circle: Circle = value_of(tree, json)?;
                self.circles.push((
                    circle.key.round as i32,
                    circle.key.index as i32,
                    json.to_owned(),
                ));
            }
            trees::CALENDARS => {
                let feed: CalendarFeed = value_of(tree, json)?;
                self.calendars
                    .push((feed.owner.to_string(), json.to_owned()));
            }
            _ => {
                let user =
                    UserId::parse(&key()?).map_err(|e| format!("the {tree} record's key: {e}"))?;
                value_of::<ChannelId>(tree, json)?;
                self.dm_channels.push((user.to_string(), json.to_owned()));
            }
        }
        Ok(tree)
    }
}

/// The value of a record of `tree`, decoded as its type.
fn value_of<T: DeserializeOwned>(tree: &str, json: &str) -> Result<T, String> {
    serde_json::from_str(json)
        .map_err(|e| format!("the {tree} record's value does not decode: {e}"))
}
