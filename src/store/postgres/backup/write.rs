//! Writing a backup of the PostgreSQL store, in one repeatable-read
//! transaction, a snapshot of the database: every record is as it was at
//! one moment, while the replicas go on writing. Each value is decoded as
//! its type and written as serde writes it, which is what the sled store
//! keeps, so that the same records make the same lines.

use crate::domain::{CalendarFeed, ChannelId, Circle, Interaction, OutboxItem, Person, SentNudge};
use crate::store::backup::Writer;
use crate::store::postgres::purge::RECORDS;
use crate::store::postgres::{PgStore, decoded};
use crate::store::{BackupError, Counts, Exported, JobRun, StoreError, meta, trees};
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::io::Write;
use std::ops::ControlFlow;
use tokio_postgres::IsolationLevel;

impl PgStore {
    /// Writes a backup of the whole store to `out`, stamped `written_at`;
    /// `watch` is as for the sled store's `export_backup`.
    pub async fn export_backup(
        &self,
        out: &mut impl Write,
        written_at: DateTime<Utc>,
        mut watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<Exported, BackupError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.failed(e))?;
        // Every table at once, in the order a purge takes them, so that a
        // purge waits for the backup (or the backup for it) rather than
        // each holding what the other needs.
        tx.batch_execute(&format!("LOCK TABLE {RECORDS} IN ACCESS SHARE MODE"))
            .await
            .map_err(|e| self.failed(e))?;
        // Between two pages the transaction waits on the backup's reader,
        // which may be slow (a pipe, an upload): as long as it takes.
        tx.batch_execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            .await
            .map_err(|e| self.failed(e))?;
        let (key, round) = self.header_facts(&tx).await?;
        let mut writer = Writer::start(out, &mut watch, written_at, key.as_deref(), round)?;
        // Each tree in the order of `TREES`, each in its keys' order, as
        // the sled store lists it; the columns `id` and `key` only where a
        // record carries one.
        self.export_tree::<Person>(
            &tx,
            &mut writer,
            trees::PEOPLE,
            "SELECT person AS value FROM people ORDER BY id COLLATE \"C\"",
        )
        .await?;
        self.export_tree::<Interaction>(
            &tx,
            &mut writer,
            trees::INTERACTIONS,
            "SELECT id, interaction AS value FROM interactions ORDER BY id",
        )
        .await?;
        self.export_tree::<u64>(
            &tx,
            &mut writer,
            trees::LOGGED_KEYS,
            "SELECT key, to_jsonb(interaction) AS value FROM logged_keys \
             ORDER BY key COLLATE \"C\"",
        )
        .await?;
        self.export_tree::<OutboxItem>(
            &tx,
            &mut writer,
            trees::OUTBOX,
            "SELECT item AS value FROM outbox ORDER BY id",
        )
        .await?;
        self.export_tree::<SentNudge>(
            &tx,
            &mut writer,
            trees::NUDGES,
            "SELECT nudge AS value FROM nudges \
             ORDER BY at_ns, to_id COLLATE \"C\", about COLLATE \"C\"",
        )
        .await?;
        self.export_tree::<JobRun>(
            &tx,
            &mut writer,
            trees::JOBS,
            "SELECT name AS key, run AS value FROM jobs ORDER BY name COLLATE \"C\"",
        )
        .await?;
        self.export_tree::<ChannelId>(
            &tx,
            &mut writer,
            trees::DM_CHANNELS,
            "SELECT person AS key, channel AS value FROM dm_channels \
             ORDER BY person COLLATE \"C\"",
        )
        .await?;
        // A tombstone's value is nothing: `{}`.
        self.export_tree::<serde_json::Value>(
            &tx,
            &mut writer,
            trees::TOMBSTONES,
            "SELECT encode(hash, 'hex') AS key, '{}'::jsonb AS value FROM tombstones \
             ORDER BY hash",
        )
        .await?;
        self.export_tree::<Circle>(
            &tx,
            &mut writer,
            trees::CIRCLES,
            "SELECT circle AS value FROM circles ORDER BY round, place",
        )
        .await?;
        self.export_tree::<CalendarFeed>(
            &tx,
            &mut writer,
            trees::CALENDARS,
            "SELECT feed AS value FROM calendars ORDER BY owner COLLATE \"C\"",
        )
        .await?;
        writer.finish()
    }

    /// The header's facts: the store's hash key, if drawn, and the last
    /// round of circles ever formed.
    async fn header_facts(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<(Option<Vec<u8>>, u32), StoreError> {
        let name = std::str::from_utf8(meta::TOMBSTONE_KEY).unwrap_or("?");
        let key = tx
            .query_opt("SELECT value FROM meta WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.failed(e))?
            .map(|row| row.get::<_, Vec<u8>>("value"));
        Ok((key, self.last_circle_round_in(tx).await?))
    }

    /// Writes the records of `tree` that `sql` selects, each value decoded
    /// as a `T` and written as serde writes it, with its `id` or `key` when
    /// `sql` selects one, a page at a time.
    async fn export_tree<T: DeserializeOwned + Serialize>(
        &self,
        tx: &Transaction<'_>,
        writer: &mut Writer<'_, impl Write>,
        tree: &'static str,
        sql: &str,
    ) -> Result<(), BackupError> {
        self.each_row(tx, sql, &[], |row| {
            let has = |column: &str| row.columns().iter().any(|c| c.name() == column);
            let id = has("id").then(|| row.get::<_, i64>("id") as u64);
            let key = has("key").then(|| row.get::<_, &str>("key"));
            let value: T = decoded(row, "value", tree, || match (key, id) {
                (Some(key), _) => key.to_owned(),
                (None, Some(id)) => id.to_string(),
                (None, None) => "a record".to_owned(),
            })?;
            writer.record(tree, id, key, &raw(&value)?)
        })
        .await
    }
}

/// `value` as the JSON a backup line carries.
fn raw(value: &impl Serialize) -> Result<Box<RawValue>, BackupError> {
    serde_json::to_string(value)
        .and_then(RawValue::from_string)
        .map_err(|e| BackupError::Write(std::io::Error::other(e)))
}
