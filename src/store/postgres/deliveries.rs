//! The `deliveries` table: the Slack deliveries seen lately, by the
//! caller's dedupe key, so that a retry is handled once whichever replica
//! it reaches (see the sled store's `deliveries`).

use super::super::StoreError;
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
    /// contents logged before it (see `log_once_and_commit`); how many
    /// deliveries.
    pub async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let pruned = client
            .execute("DELETE FROM deliveries WHERE seen_at < $1", &[&before])
            .await
            .map_err(|e| self.failed(e))?;
        client
            .execute("DELETE FROM recent_logs WHERE logged_at < $1", &[&before])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(pruned as usize)
    }
}
