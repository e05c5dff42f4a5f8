//! What makes a forget-me reach PostgreSQL's files. A `DELETE` only marks
//! rows dead: their bytes stay in the table's pages, and a plain `VACUUM`
//! frees the space for reuse without overwriting it. `VACUUM (FULL)`
//! writes each table into new files and removes the old ones, as the sled
//! store's rewrite does (see `store::rewrite`); a purge truncates, which
//! does the same at once.
//!
//! A forget marks the database as due in `meta` in its own transaction,
//! so the mark survives a crash, and any replica may do the rewrite: the
//! one that forgot is woken at once, the others find the mark on their
//! next look. The rewrite waits at most [`WAIT_FOR_TABLES`] for each
//! table, because a `VACUUM (FULL)` queued for a table holds up every
//! read and write of it behind it; a backup being read holds a table for
//! minutes, and then the rewrite is tried again later.
//!
//! Beyond the tables: the write-ahead log holds what was deleted until its
//! segments are recycled (minutes to hours, by `max_wal_size` and
//! checkpoints), and the database's backups and WAL archives hold it until
//! their own retention ends. Those are the database operator's, and the
//! README says so.

use super::super::rewrite::Rewritten;
use super::super::{StoreError, meta};
use super::PgStore;
use super::purge::RECORDS;
use std::time::Instant;

/// How long the rewrite waits for a table before it gives up and tries
/// again later.
const WAIT_FOR_TABLES: &str = "1s";

/// The advisory lock of the replica rewriting the tables ("alliewri" in
/// ASCII, for "alliances rewrite"), held for its session.
const REWRITING: i64 = 0x616c_6c69_6577_7269;

/// The `meta` row that marks a rewrite as due.
fn due_row() -> &'static str {
    std::str::from_utf8(meta::REWRITE_DUE).unwrap_or("rewrite_due")
}

impl PgStore {
    /// Marks the database as due for a rewrite within `tx`: the time of the
    /// mark, so that a rewrite that began before it does not clear it.
    pub(super) async fn ask_for_rewrite(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO meta (name, value) \
             VALUES ($1, convert_to(clock_timestamp()::text, 'UTF8')) \
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            &[&due_row()],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Returns once a forget on this replica asks for a rewrite (at once if
    /// one asked since the last call returned).
    pub async fn rewrite_wanted(&self) {
        self.rewrite_wanted.notified().await;
    }

    /// `VACUUM (FULL)` of each table of records in turn, each holding only
    /// its own table, waiting at most [`WAIT_FOR_TABLES`] for it. One
    /// statement at a time: several in one query string run as one
    /// transaction, and VACUUM runs in none.
    async fn vacuum_each(&self, client: &tokio_postgres::Client) -> Result<(), StoreError> {
        client
            .batch_execute(&format!("SET lock_timeout = '{WAIT_FOR_TABLES}'"))
            .await
            .map_err(|e| self.failed(e))?;
        for table in RECORDS.split(", ") {
            client
                .batch_execute(&format!("VACUUM (FULL) {table}"))
                .await
                .map_err(|e| self.failed(e))?;
        }
        Ok(())
    }

    /// Rewrites every table of records into new files, if a forget asked
    /// for it since the last rewrite; `None` when none was due, or another
    /// replica is at it. On a connection of its own, not the pool's, so
    /// that its session lock and its `lock_timeout` end with it whatever
    /// happens.
    pub async fn rewrite_if_due(&self) -> Result<Option<Rewritten>, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.failed(e))?;
        let connection = tokio::spawn(connection);
        let rewritten = self.rewrite_on(&client).await;
        // Given back before the connection closes: its server process may
        // outlive the close by a moment, still holding the lock, and the
        // next rewrite would then find it taken. If this fails, the close
        // gives it back all the same.
        let _ = client.execute("SELECT pg_advisory_unlock_all()", &[]).await;
        drop(client);
        let _ = connection.await;
        rewritten
    }

    async fn rewrite_on(
        &self,
        client: &tokio_postgres::Client,
    ) -> Result<Option<Rewritten>, StoreError> {
        // One replica at a time: another at it already leaves this one
        // nothing to do.
        let mine = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&REWRITING])
            .await
            .map_err(|e| self.failed(e))?;
        if !mine.try_get::<_, bool>(0).map_err(|e| self.failed(e))? {
            return Ok(None);
        }
        // Read under the lock: a replica that finished just before has
        // cleared it.
        let due = client
            .query_opt("SELECT value FROM meta WHERE name = $1", &[&due_row()])
            .await
            .map_err(|e| self.failed(e))?;
        let Some(due) = due else {
            return Ok(None);
        };
        let marked: Vec<u8> = due.try_get(0).map_err(|e| self.failed(e))?;
        let started = Instant::now();
        self.vacuum_each(client).await?;
        let took = started.elapsed();
        // Cleared only if no forget marked it again meanwhile.
        client
            .execute(
                "DELETE FROM meta WHERE name = $1 AND value = $2",
                &[&due_row(), &marked],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let records = client
            .query_one(
                &format!(
                    "SELECT {} ",
                    RECORDS
                        .split(", ")
                        .map(|table| format!("(SELECT count(*) FROM {table})"))
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let records: i64 = records.try_get(0).map_err(|e| self.failed(e))?;
        Ok(Some(Rewritten {
            records: u64::try_from(records).unwrap_or(0),
            took,
        }))
    }
}
