//! The `outbox`, `nudges` and `dm_channels` tables: what the bot promised
//! to send, what Slack accepted, and where each person's DMs go (see the
//! sled store's `outbox`).
//!
//! Several replicas may send from one outbox: a replica claims the items
//! it is about to send ([`PgStore::claim_outbox`]), each until a time, so
//! that no two send one item; a claim that runs out (its replica died)
//! frees the item for another. An item Slack accepted just before its
//! replica died is sent again by the next: the same one-item window as a
//! restart of one process. Only the replica that holds an item's claim
//! posts it (see [`PgStore::claim_now`]), writes it back (see
//! [`PgStore::update_outbox_item`]) or removes it (see
//! [`PgStore::mark_sent`]).

use super::super::StoreError;
use super::{PgStore, decoded, json};
use crate::domain::{ChannelId, NudgeReason, OutboxItem, OutboxState, Outgoing, SentNudge, UserId};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_postgres::types::Json;

impl PgStore {
    /// Queues `outgoing`, in order, as pending from `now`.
    pub async fn enqueue(
        &self,
        outgoing: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.check_fence(&tx).await?;
        let items = self.enqueue_in(&tx, outgoing, now).await?;
        self.commit_tx(tx).await?;
        Ok(items)
    }

    /// Queues `outgoing` within `tx`, which checked the fence.
    pub(super) async fn enqueue_in(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        outgoing: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let ids: Vec<i64> = tx
            .query(
                "SELECT nextval('outbox_ids') FROM generate_series(1, $1::int) ORDER BY 1",
                &[&(outgoing.len() as i32)],
            )
            .await
            .map_err(|e| self.failed(e))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let items: Vec<OutboxItem> = ids
            .iter()
            .zip(outgoing)
            .map(|(id, outgoing)| OutboxItem::queued(*id as u64, outgoing, now))
            .collect();
        let values: Vec<Json<&OutboxItem>> = items.iter().map(json).collect();
        tx.execute(
            "INSERT INTO outbox (id, item, pending, due_at) \
             SELECT id, item, true, $3 FROM unnest($1::bigint[], $2::jsonb[]) AS q(id, item)",
            &[&ids, &values, &now],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(items)
    }

    /// Queues one message, as [`PgStore::enqueue`] does.
    pub async fn enqueue_one(
        &self,
        outgoing: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let mut items = self.enqueue(vec![outgoing], now).await?;
        items.pop().ok_or_else(|| self.lost("an outbox item"))
    }

    /// Every item in the outbox, pending and failed, in queue order.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id, item FROM outbox ORDER BY id", &[])
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| {
                decoded(row, "item", "outbox", || {
                    row.get::<_, i64>("id").to_string()
                })
            })
            .collect()
    }

    /// The items still to be sent, in queue order.
    pub async fn pending_outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let mut items = self.outbox().await?;
        items.retain(OutboxItem::is_pending);
        Ok(items)
    }

    /// Whether the item `id` is still in the outbox.
    pub async fn in_outbox(&self, id: u64) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM outbox WHERE id = $1", &[&(id as i64)])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.is_some())
    }

    /// Claims for this replica, for `length`, up to `limit` pending items
    /// due at `now` that nobody holds a claim on, oldest first, and
    /// returns them. Replicas claiming at once get different items; an item stays
    /// claimed until [`PgStore::update_outbox_item`] or
    /// [`PgStore::mark_sent`] is done with it, or the claim runs out.
    pub async fn claim_outbox(
        &self,
        limit: usize,
        length: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let client = self.client().await?;
        // The oldest pending items due and unclaimed, locked, skipping
        // those another replica is claiming at this moment, and claimed.
        let rows = client
            .query(
                "UPDATE outbox SET claimed_by = $1, \
                 claimed_until = clock_timestamp() + make_interval(secs => $2) \
                 WHERE id IN ( \
                   SELECT id FROM outbox \
                   WHERE pending AND due_at <= $3 \
                     AND (claimed_until IS NULL OR claimed_until < clock_timestamp()) \
                   ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, item",
                &[&self.replica, &length.as_secs_f64(), &now, &(limit as i64)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                decoded(row, "item", "outbox", || {
                    row.get::<_, i64>("id").to_string()
                })
            })
            .collect::<Result<Vec<OutboxItem>, _>>()?;
        claimed.sort_by_key(|item| item.id);
        Ok(claimed)
    }

    /// How many items are pending, and when the first may be sent: when
    /// it is due, or when the claim another replica holds on it runs out,
    /// whichever is later. One read of two figures, whatever the outbox
    /// holds.
    pub async fn pending_outlook(&self) -> Result<(usize, Option<DateTime<Utc>>), StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT count(*), min(greatest(due_at, coalesce(claimed_until, due_at))) \
                 FROM outbox WHERE pending",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let count: i64 = row.try_get(0).map_err(|e| self.failed(e))?;
        let next: Option<DateTime<Utc>> = row.try_get(1).map_err(|e| self.failed(e))?;
        Ok((usize::try_from(count).unwrap_or(0), next))
    }

    /// Renews this replica's claim on `item` for `length`, just before it
    /// is sent: whether the claim is still this replica's. One that ran
    /// out and was taken is the other replica's to send.
    pub async fn hold_claim(
        &self,
        item: &OutboxItem,
        length: Duration,
    ) -> Result<bool, StoreError> {
        self.renew_claim(item.id, length).await
    }

    /// [`PgStore::hold_claim`] asked again at the last moment, just before
    /// the item `id` is posted, and after every wait on Slack's limits:
    /// a replica that stalled past its claim (a long pause after a 429, a
    /// frozen process) must not post what another replica took over and
    /// may have posted already. Says why it is no longer this replica's,
    /// when it is not.
    pub async fn claim_now(&self, id: u64, length: Duration) -> Result<ClaimNow, StoreError> {
        if self.renew_claim(id, length).await? {
            return Ok(ClaimNow::Held);
        }
        Ok(match self.in_outbox(id).await? {
            true => ClaimNow::TakenOver,
            false => ClaimNow::LeftTheOutbox,
        })
    }

    /// Renews this replica's claim on the pending item `id` for `length`;
    /// whether it still held it.
    async fn renew_claim(&self, id: u64, length: Duration) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let held = client
            .execute(
                "UPDATE outbox SET claimed_until = clock_timestamp() + make_interval(secs => $3) \
                 WHERE id = $1 AND claimed_by = $2 AND pending",
                &[&(id as i64), &self.replica, &length.as_secs_f64()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(held == 1)
    }

    /// Gives up this replica's claim on `item`, unsent (the replica is
    /// stopping), so that another may send it at once.
    pub async fn release_claim(&self, item: &OutboxItem) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2",
                &[&(item.id as i64), &self.replica],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Writes `item` back as it now stands (a new attempt count, a later
    /// time to try, or given up on), and frees its claim, if this replica
    /// still holds it: one whose claim ran out and was taken, or taken and
    /// written back by another, writes nothing, and the item is the
    /// other's to send and record.
    pub async fn update_outbox_item(&self, item: &OutboxItem) -> Result<(), StoreError> {
        let client = self.client().await?;
        let written = client
            .execute(
                "UPDATE outbox SET item = $2, pending = $3, due_at = $4, \
                 claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $5",
                &[
                    &(item.id as i64),
                    &json(item),
                    &item.is_pending(),
                    &due_at(item),
                    &self.replica,
                ],
            )
            .await
            .map_err(|e| self.failed(e))?;
        if written == 0 {
            tracing::info!(
                item = item.id,
                "an outbox item another replica claimed is left to it"
            );
        }
        Ok(())
    }

    /// Slack accepted `item`, or it is not to be sent after all: removes
    /// it and, for a nudge Slack accepted, records it as sent and keeps
    /// the DM channel opened for it, in one transaction, while the people
    /// they name are known (see the sled store's `mark_sent`). Only while
    /// this replica holds its claim: one whose claim ran out and was taken
    /// writes nothing, and the item is the other's to send and record.
    pub async fn mark_sent(
        &self,
        item: &OutboxItem,
        sent: Option<&SentNudge>,
        dm_channel: Option<&ChannelId>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        let named: Vec<&str> = sent
            .map(|sent| [Some(&sent.to), Some(&sent.about), shared_contact(sent)])
            .into_iter()
            .flatten()
            .flatten()
            .map(UserId::as_str)
            .collect();
        // The people it names, locked to share until the commit, in id
        // order, before the outbox row: the order a forget locks people
        // in (the one forgotten and those who paused them, in id order,
        // then the outbox), so the two wait on each other in turn, never
        // in a circle. A forget under way finishes first, and they are
        // found gone; one that comes after waits for this record, and
        // removes it.
        let known: Vec<String> = tx
            .query(
                "SELECT id FROM people WHERE id = ANY($1) ORDER BY id FOR SHARE",
                &[&named],
            )
            .await
            .map_err(|e| self.failed(e))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        if !self.remove_from_outbox(&tx, item).await? {
            return Ok(());
        }
        if let Some(sent) = sent {
            let is_known = |id: &UserId| known.iter().any(|k| k == id.as_str());
            if is_known(&sent.to) && is_known(&sent.about) {
                let mut record = sent.clone();
                if shared_contact(sent).is_some_and(|contact| !is_known(contact)) {
                    record.reason.as_mut().map(NudgeReason::drop_shared_contact);
                }
                tx.execute(
                    "INSERT INTO nudges (at_ns, to_id, about, nudge) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (at_ns, to_id, about) DO UPDATE SET nudge = EXCLUDED.nudge",
                    &[
                        &nanos(record.at),
                        &record.to.as_str(),
                        &record.about.as_str(),
                        &json(&record),
                    ],
                )
                .await
                .map_err(|e| self.failed(e))?;
                if let Some(channel) = dm_channel {
                    self.keep_dm_channel(&tx, &record.to, channel).await?;
                }
            }
        }
        self.commit_tx(tx).await
    }

    /// Removes the failed items given up on before `before`; how many.
    pub async fn prune_failed(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let failed: Vec<i64> = self
            .outbox()
            .await?
            .iter()
            .filter(|item| matches!(item.state, OutboxState::Failed { at, .. } if at < before))
            .map(|item| item.id as i64)
            .collect();
        let client = self.client().await?;
        let removed = client
            .execute("DELETE FROM outbox WHERE id = ANY($1)", &[&failed])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(removed as usize)
    }

    /// The nudges sent at or after `since`, oldest first.
    pub async fn nudges_sent_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<SentNudge>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT to_id, about, nudge FROM nudges WHERE at_ns >= $1 \
                 ORDER BY at_ns, to_id COLLATE \"C\", about COLLATE \"C\"",
                &[&nanos(since)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| {
                decoded(row, "nudge", "nudges", || {
                    format!(
                        "to {} about {}",
                        row.get::<_, &str>("to_id"),
                        row.get::<_, &str>("about")
                    )
                })
            })
            .collect()
    }

    /// The DM channel of the bot with `user`, if it was opened before.
    pub async fn dm_channel(&self, user: &UserId) -> Result<Option<ChannelId>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT channel FROM dm_channels WHERE person = $1",
                &[&user.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "channel", "dm_channels", || user.to_string()))
            .transpose()
    }

    /// Removes `item` from the outbox, within `tx`: it was sent, or is not
    /// to be. Whether it was this replica's to remove: one whose claim
    /// another replica took over (or that left the outbox otherwise) is
    /// left as it is, and `tx` is to be dropped unwritten.
    pub(super) async fn remove_from_outbox(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        item: &OutboxItem,
    ) -> Result<bool, StoreError> {
        let removed = tx
            .execute(
                "DELETE FROM outbox WHERE id = $1 AND claimed_by = $2",
                &[&(item.id as i64), &self.replica],
            )
            .await
            .map_err(|e| self.failed(e))?;
        if removed == 0 {
            tracing::info!(
                item = item.id,
                "an outbox item no longer claimed by this replica is left as it is"
            );
        }
        Ok(removed == 1)
    }

    /// Keeps `channel` as the DM channel with `user`, within `tx`.
    pub(super) async fn keep_dm_channel(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        user: &UserId,
        channel: &ChannelId,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO dm_channels (person, channel) VALUES ($1, $2) \
             ON CONFLICT (person) DO UPDATE SET channel = EXCLUDED.channel",
            &[&user.as_str(), &json(channel)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Keeps `channel` as the DM channel with `user`, outside a sending.
    #[cfg(test)]
    pub(crate) async fn remember_dm_channel(
        &self,
        user: &UserId,
        channel: &ChannelId,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.keep_dm_channel(&tx, user, channel).await?;
        self.commit_tx(tx).await
    }

    /// Forgets the DM channel with `user` (Slack said it is not found).
    pub async fn forget_dm_channel(&self, user: &UserId) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM dm_channels WHERE person = $1",
                &[&user.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}

/// Whether an outbox item is still this replica's to send, asked just
/// before it is posted ([`PgStore::claim_now`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimNow {
    /// It is: still queued, and (on PostgreSQL) claimed by this replica,
    /// its claim renewed.
    Held,
    /// It left the outbox: someone it names was forgotten, or the
    /// workspace purged, or another replica finished with it.
    LeftTheOutbox,
    /// Another replica holds it: this one's claim ran out meanwhile, and
    /// the item is the other's to send and record.
    TakenOver,
}

/// When `item` is next due: when it may be tried again while pending,
/// when it was queued once given up on (it is never claimed then).
fn due_at(item: &OutboxItem) -> DateTime<Utc> {
    match &item.state {
        OutboxState::Pending { not_before, .. } => *not_before,
        OutboxState::Failed { .. } => item.queued_at,
    }
}

/// The contact an introduction names, if `sent` is one.
fn shared_contact(sent: &SentNudge) -> Option<&UserId> {
    sent.reason.as_ref().and_then(NudgeReason::shared_contact)
}

/// `at` as nanoseconds since 1970, as the nudges are ordered by; the
/// far past or future, beyond 1677–2262, as the nearest end.
pub(super) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}
