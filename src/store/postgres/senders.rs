//! The `senders` table: which replicas are up and which called Slack
//! lately, so that they split Slack's rate limits among those calling it
//! (see `slack::rate_control`).

use super::super::StoreError;
use super::PgStore;
use std::time::Duration;

/// A replica not heard from for this long is forgotten.
const FORGET_AFTER: &str = "1 hour";

/// How many replicas share Slack's limits, as one replica counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlackCallers {
    /// The replicas that called Slack lately, this one included if it did.
    pub calling: u32,
    /// The replicas seen lately, this one included.
    pub up: u32,
}

impl PgStore {
    /// Notes that this replica is up, and that it called Slack since it
    /// last asked if `called`; counts the replicas that called within
    /// `within`, and those seen within it.
    pub async fn slack_callers(
        &self,
        called: bool,
        within: Duration,
    ) -> Result<SlackCallers, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO senders (replica, seen_at, called_at) \
                 VALUES ($1, clock_timestamp(), CASE WHEN $2 THEN clock_timestamp() END) \
                 ON CONFLICT (replica) DO UPDATE SET seen_at = EXCLUDED.seen_at, \
                 called_at = COALESCE(EXCLUDED.called_at, senders.called_at)",
                &[&self.replica, &called],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let row = client
            .query_one(
                &format!(
                    "WITH gone AS (DELETE FROM senders \
                       WHERE seen_at < clock_timestamp() - interval '{FORGET_AFTER}') \
                     SELECT \
                       count(*) FILTER (WHERE called_at > clock_timestamp() - make_interval(secs => $1)), \
                       count(*) FILTER (WHERE seen_at > clock_timestamp() - make_interval(secs => $1)) \
                     FROM senders"
                ),
                &[&within.as_secs_f64()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let count = |column: usize| -> Result<u32, StoreError> {
            let counted: i64 = row.try_get(column).map_err(|e| self.failed(e))?;
            Ok(u32::try_from(counted).unwrap_or(u32::MAX))
        };
        Ok(SlackCallers {
            calling: count(0)?,
            up: count(1)?.max(1),
        })
    }
}
