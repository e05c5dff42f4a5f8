//! Purging the whole workspace from the PostgreSQL store when the app is
//! uninstalled (see the sled store's `purge`). Every table of records is
//! truncated, which gives the tables new files and removes the old ones,
//! so nothing purged stays in the database's own files; the backups of
//! the database are its operator's, and keep what they hold until their
//! own retention ends (the README says so).

use super::super::{StoreError, meta};
use super::PgStore;

/// Every table of records: all but `meta`, which keeps the last circle
/// round's number, and `leases`, which name replicas, not people. In the
/// order the writes lock them (people, then the outbox, then circles, DM
/// channels and nudges, as a message marked sent or a forget does):
/// TRUNCATE locks its tables in turn, and so does a backup's export, and
/// another order would let two of them each wait on the other until one
/// is aborted.
pub(super) const RECORDS: &str = "people, outbox, circles, dm_channels, nudges, interactions, \
                                  ties, logged_keys, recent_logs, deliveries, jobs, calendars, \
                                  tombstones";

impl PgStore {
    /// Deletes every record and keeps only the schema and the last circle
    /// round's number (it names nobody, and a check-in still in Slack
    /// must not be taken for a later circle's), under the log-writer lock
    /// so that no log lands half-purged.
    pub async fn purge_everything(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        self.purge_within(&tx).await?;
        let _changing = self.changing_people();
        self.commit_tx(tx).await?;
        self.forget_hash_key();
        Ok(())
    }

    /// Deletes every record within `tx`, which holds the log-writer lock.
    pub(super) async fn purge_within(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<(), StoreError> {
        tx.batch_execute(&format!("TRUNCATE {RECORDS}"))
            .await
            .map_err(|e| self.failed(e))?;
        let round = std::str::from_utf8(meta::LAST_CIRCLE_ROUND).unwrap_or("?");
        tx.execute("DELETE FROM meta WHERE name <> $1", &[&round])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}
