//! The `leases` table: which replica does what only one may do at a time
//! (the scheduled jobs), until when. A holder renews its lease well
//! before it runs out; a holder that died stops renewing, and another
//! takes the lease once it has run out. Times are the database's clock,
//! so replicas whose clocks disagree still agree on who holds a lease.

use super::super::StoreError;
use super::PgStore;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A lease on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Who holds, or last held, it.
    pub holder: String,
    /// When it runs out, unless renewed.
    pub until: DateTime<Utc>,
}

impl PgStore {
    /// This store, whose writes that only the holder of the lease `lease`
    /// may make ([`PgStore::enqueue`], [`PgStore::save_circles_and_enqueue`],
    /// [`PgStore::record_run`]) are made only while this replica holds it:
    /// the scheduled jobs' store, so that a replica that lost the lease
    /// mid-job (frozen, or cut off from the database) queues nothing that
    /// the new holder queues too.
    pub fn fenced_by(&self, lease: &'static str) -> PgStore {
        PgStore {
            fence: Some(lease),
            ..self.clone()
        }
    }

    /// Within `tx`, fails unless this replica holds the lease it is fenced
    /// by (if any), and keeps the lease from changing hands until `tx`
    /// ends: its row is locked to share, so a takeover waits for the
    /// commit.
    pub(super) async fn check_fence(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
    ) -> Result<(), StoreError> {
        let Some(lease) = self.fence else {
            return Ok(());
        };
        let held = tx
            .query_opt(
                "SELECT 1 FROM leases WHERE name = $1 AND holder = $2 \
                 AND until > clock_timestamp() FOR SHARE",
                &[&lease, &self.replica],
            )
            .await
            .map_err(|e| self.failed(e))?;
        match held {
            Some(_) => Ok(()),
            None => Err(StoreError::NotHolding { lease }),
        }
    }

    /// Takes the lease `name` for `holder` for `length` from now, or
    /// renews it if `holder` holds it; refused while someone else's has
    /// not run out. Whether `holder` holds it now.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        length: Duration,
    ) -> Result<bool, StoreError> {
        let seconds = length.as_secs_f64();
        let client = self.client().await?;
        let held = client
            .query_opt(
                "INSERT INTO leases (name, holder, until) \
                 VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3)) \
                 ON CONFLICT (name) DO UPDATE \
                 SET holder = EXCLUDED.holder, until = EXCLUDED.until \
                 WHERE leases.holder = EXCLUDED.holder OR leases.until < clock_timestamp() \
                 RETURNING holder",
                &[&name, &holder, &seconds],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(held.is_some())
    }

    /// Gives the lease `name` up, if `holder` holds it, so that another
    /// may take it at once (a replica shutting down).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM leases WHERE name = $1 AND holder = $2",
                &[&name, &holder],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// The lease `name` as on record, run out or not.
    pub async fn lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT holder, until FROM leases WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.map(|row| Lease {
            holder: row.get("holder"),
            until: row.get("until"),
        }))
    }
}
