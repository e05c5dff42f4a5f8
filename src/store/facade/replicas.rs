//! What replicas sharing a PostgreSQL database coordinate through: who
//! they are, the leases, the outbox's claims and Slack's rate budget. A
//! sled store's one process holds every lease, claims everything due and
//! calls Slack alone, and its answers say so.

use super::{Backend, Store};
use crate::domain::OutboxItem;
use crate::store::{ClaimNow, SlackCallers, StoreError};
use chrono::{DateTime, Utc};

impl Store {
    /// This replica's name, as its leases and claims give it; a sled
    /// store's one process needs none.
    pub fn replica(&self) -> Option<&str> {
        match &self.backend {
            Backend::Sled(_) => None,
            Backend::Postgres(postgres) => Some(postgres.replica()),
        }
    }

    /// This store, whose writes only the holder of `lease` may make are
    /// made only while this replica holds it ([`PgStore::fenced_by`](crate::store::PgStore::fenced_by)). A
    /// sled store's one process holds every lease.
    pub fn fenced_by(&self, lease: &'static str) -> Store {
        match &self.backend {
            Backend::Sled(_) => self.clone(),
            Backend::Postgres(postgres) => postgres.fenced_by(lease).into(),
        }
    }

    /// Takes or renews the lease `name` for `holder`, for `length`
    /// ([`PgStore::hold_lease`](crate::store::PgStore::hold_lease)); whether `holder` holds it. A sled
    /// store's one process holds every lease.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        length: std::time::Duration,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(true),
            Backend::Postgres(postgres) => postgres.hold_lease(name, holder, length).await,
        }
    }

    /// The outbox items due at `now` for this replica to send: on sled,
    /// every one (its one process sends them all); on PostgreSQL, up to
    /// `limit` claimed for `length` ([`PgStore::claim_outbox`](crate::store::PgStore::claim_outbox)), which no
    /// other replica sends meanwhile.
    pub async fn claim_due(
        &self,
        limit: usize,
        length: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => Ok(sled
                .pending_outbox()?
                .into_iter()
                .filter(|item| item.is_due(now))
                .collect()),
            Backend::Postgres(postgres) => postgres.claim_outbox(limit, length, now).await,
        }
    }

    /// How many items wait to be sent, and when the first of them may be:
    /// due, and (on PostgreSQL) no longer claimed by another replica, whose
    /// claim may yet run out. What a dispatcher waits for.
    pub async fn pending_outlook(&self) -> Result<(usize, Option<DateTime<Utc>>), StoreError> {
        match &self.backend {
            Backend::Sled(sled) => {
                let pending = sled.pending_outbox()?;
                let next = pending
                    .iter()
                    .filter_map(|item| match item.state {
                        crate::domain::OutboxState::Pending { not_before, .. } => Some(not_before),
                        crate::domain::OutboxState::Failed { .. } => None,
                    })
                    .min();
                Ok((pending.len(), next))
            }
            Backend::Postgres(postgres) => postgres.pending_outlook().await,
        }
    }

    /// Renews the claim on `item` just before it is sent: whether it is
    /// still this replica's to send ([`PgStore::hold_claim`](crate::store::PgStore::hold_claim)).
    pub async fn hold_claim(
        &self,
        item: &OutboxItem,
        length: std::time::Duration,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(true),
            Backend::Postgres(postgres) => postgres.hold_claim(item, length).await,
        }
    }

    /// Whether the item `id` is still this replica's to send, asked just
    /// before it is posted: on PostgreSQL, its claim renewed for `length`
    /// if this replica still holds it ([`PgStore::claim_now`](crate::store::PgStore::claim_now)); on
    /// sled, whose one process holds every item, whether it is still
    /// queued.
    pub async fn claim_now(
        &self,
        id: u64,
        length: std::time::Duration,
    ) -> Result<ClaimNow, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => Ok(match sled.in_outbox(id)? {
                true => ClaimNow::Held,
                false => ClaimNow::LeftTheOutbox,
            }),
            Backend::Postgres(postgres) => postgres.claim_now(id, length).await,
        }
    }

    /// Gives up the claim on `item`, unsent ([`PgStore::release_claim`](crate::store::PgStore::release_claim)).
    pub async fn release_claim(&self, item: &OutboxItem) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(()),
            Backend::Postgres(postgres) => postgres.release_claim(item).await,
        }
    }

    /// Notes that this replica is up, and called Slack if `called`, and
    /// counts the replicas that called within `within` and those seen
    /// within it ([`PgStore::slack_callers`](crate::store::PgStore::slack_callers)). A sled store's process is
    /// alone.
    pub async fn slack_callers(
        &self,
        called: bool,
        within: std::time::Duration,
    ) -> Result<SlackCallers, StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(SlackCallers {
                calling: u32::from(called),
                up: 1,
            }),
            Backend::Postgres(postgres) => postgres.slack_callers(called, within).await,
        }
    }

    /// Gives the lease `name` up, if `holder` holds it
    /// ([`PgStore::release_lease`](crate::store::PgStore::release_lease)).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(()),
            Backend::Postgres(postgres) => postgres.release_lease(name, holder).await,
        }
    }
}
