//! The `deliveries` table: the Slack deliveries seen lately, by the
//! caller's dedupe key, so that a retry is handled once whichever replica
//! it reaches (see the sled store's `deliveries`).

use super::super::{KEEP_RECENT_FOR, StoreError};
use super::PgStore;
use chrono::{DateTime, Utc};

impl PgStore {
    /// Records the delivery `key`, seen at `at`, and says whether this is
    /// its first delivery. One insert, so of two deliveries racing, on
    /// one replica or two, exactly one is first.
    pub async fn first_delivery(&self, key: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO deliveries (key, seen_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO NOTHING",
                &[&key, &at],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(inserted == 1)
    }

    /// Forgets the deliveries first seen before `before`, and the recent
    /// contents older than [`KEEP_RECENT_FOR`] (see
    /// `log_once_and_commit`); how many deliveries.
    pub async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let pruned = client
            .execute("DELETE FROM deliveries WHERE seen_at < $1", &[&before])
            .await
            .map_err(|e| self.failed(e))?;
        // Stamped by the database's clock, so pruned by it too.
        client
            .execute(
                "DELETE FROM recent_logs \
                 WHERE logged_at < clock_timestamp() - make_interval(secs => $1)",
                &[&KEEP_RECENT_FOR.as_secs_f64()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(pruned as usize)
    }
}
