//! The `senders` table: which replicas called Slack lately, so that they
//! split Slack's rate limits among those that do (see
//! `slack::rate_control`).

use super::super::StoreError;
use super::PgStore;
use std::time::Duration;

/// A replica not heard from for this long is forgotten.
const FORGET_AFTER: &str = "1 hour";

impl PgStore {
    /// Notes that this replica called Slack just now, if `called`, and
    /// returns how many replicas share Slack's limits: those that called
    /// within `within`, and this one, which may call at any moment.
    pub async fn slack_callers(&self, called: bool, within: Duration) -> Result<u32, StoreError> {
        let client = self.client().await?;
        if called {
            client
                .execute(
                    "INSERT INTO senders (replica, called_at) VALUES ($1, clock_timestamp()) \
                     ON CONFLICT (replica) DO UPDATE SET called_at = EXCLUDED.called_at",
                    &[&self.replica],
                )
                .await
                .map_err(|e| self.failed(e))?;
        }
        let row = client
            .query_one(
                &format!(
                    "WITH gone AS (DELETE FROM senders \
                       WHERE called_at < clock_timestamp() - interval '{FORGET_AFTER}') \
                     SELECT count(*) FROM senders WHERE replica <> $1 \
                       AND called_at > clock_timestamp() - make_interval(secs => $2)"
                ),
                &[&self.replica, &within.as_secs_f64()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let others: i64 = row.try_get(0).map_err(|e| self.failed(e))?;
        Ok(u32::try_from(others).unwrap_or(u32::MAX).saturating_add(1))
    }
}
