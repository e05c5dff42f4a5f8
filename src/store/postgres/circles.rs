//! The `circles` table: every leadership circle formed, with its group
//! DM, whether its check-in was asked, and what its members answered (see
//! the sled store's `circles`). A round's circles and their prompts are
//! written in one transaction with the outbox, and so are a check-in and
//! the mark that it was asked.

use super::super::circles::replaces;
use super::super::tombstones::tombstone_of;
use super::super::{CirclesSaved, StoreError, meta};
use super::{PgStore, decoded, json};
use crate::domain::{
    ChannelId, Circle, CircleKey, CircleMessage, CircleOutcome, CircleStage, OutboxItem, Outgoing,
    UserId,
};
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::types::Json;

/// The `meta` row of the last round's number.
fn last_round_name() -> &'static str {
    std::str::from_utf8(meta::LAST_CIRCLE_ROUND).unwrap_or("?")
}

impl PgStore {
    /// Every circle ever formed (but those emptied by forgetting), oldest
    /// round first.
    pub async fn circles(&self) -> Result<Vec<Circle>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT round, place, circle FROM circles ORDER BY round, place",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| decoded(row, "circle", "circles", || circle_name(row)))
            .collect()
    }

    /// The circle `key`, if it is kept.
    pub async fn circle(&self, key: CircleKey) -> Result<Option<Circle>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT round, place, circle FROM circles WHERE round = $1 AND place = $2",
                &[&(key.round as i32), &(key.index as i32)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "circle", "circles", || circle_name(&row)))
            .transpose()
    }

    /// Records a run of the circles job in one transaction with the
    /// outbox, under the log-writer lock that a forget holds to its
    /// commit: asks each
    /// circle of `check_ins` still kept, unasked and unanswered, and forms
    /// `new_round` (without anyone forgotten; a circle left with fewer
    /// than two is not formed) as the round after every round ever formed.
    pub async fn save_circles_and_enqueue(
        &self,
        check_ins: &[CircleKey],
        new_round: &[Vec<UserId>],
        now: DateTime<Utc>,
    ) -> Result<CirclesSaved, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.check_fence(&tx).await?;
        self.lock_log(&tx).await?;
        // Who is forgotten is read under the lock a forget holds to its
        // commit: nobody forgotten before this is seated, and a forget
        // after it finds the new circles to take them out of.
        let forgotten = self.forgotten_among(&tx, new_round).await?;
        let seated: Vec<Vec<UserId>> = new_round
            .iter()
            .map(|members| {
                let kept: Vec<UserId> = members
                    .iter()
                    .filter(|member| !forgotten.contains(*member))
                    .cloned()
                    .collect();
                kept
            })
            .filter(|kept| kept.len() >= 2)
            .collect();
        let mut saved = CirclesSaved::default();
        for &key in check_ins {
            let Some(mut circle) = self.circle_for_update(&tx, key).await? else {
                continue;
            };
            if circle.check_in_at.is_some() || circle.outcome.is_some() {
                continue;
            }
            circle.check_in_at = Some(now);
            self.write_circle(&tx, &circle).await?;
            saved.asked += 1;
            let stage = CircleStage::CheckIn;
            let item = self
                .queue_in(&tx, CircleMessage { circle: key, stage }, now)
                .await?;
            saved.queued.push(item);
        }
        if !seated.is_empty() {
            let round = self.last_circle_round_in(&tx).await? + 1;
            tx.execute(
                "INSERT INTO meta (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                &[&last_round_name(), &&round.to_be_bytes()[..]],
            )
            .await
            .map_err(|e| self.failed(e))?;
            for (members, index) in seated.iter().zip(1..) {
                let circle = Circle::formed(CircleKey { round, index }, members.clone(), now);
                self.write_circle(&tx, &circle).await?;
                let stage = CircleStage::Prompt;
                let message = CircleMessage {
                    circle: circle.key,
                    stage,
                };
                saved.queued.push(self.queue_in(&tx, message, now).await?);
                saved.formed.push(circle);
            }
        }
        self.commit_tx(tx).await?;
        Ok(saved)
    }

    /// Slack accepted `item`, a message to the circle `circle`, or it is
    /// not to be sent after all: removes it and, when it went to a group
    /// DM, keeps that DM and whom it holds with the circle, unless a
    /// member in it left the circle meanwhile. Only while this replica
    /// holds its claim, as [`PgStore::mark_sent`].
    pub async fn mark_circle_message_sent(
        &self,
        item: &OutboxItem,
        circle: CircleKey,
        group_dm: Option<(&ChannelId, &[UserId])>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        if !self.remove_from_outbox(&tx, item).await? {
            return Ok(());
        }
        if let Some((channel, holds)) = group_dm
            && let Some(mut kept) = self.circle_for_update(&tx, circle).await?
        {
            let still_members = holds.iter().all(|m| kept.has_member(m));
            let known = kept.channel.as_ref() == Some(channel) && kept.channel_members == holds;
            if still_members && !known {
                kept.channel = Some(channel.clone());
                kept.channel_members = holds.to_vec();
                self.write_circle(&tx, &kept).await?;
            }
        }
        self.commit_tx(tx).await
    }

    /// Records `outcome` as the circle's answer to its check-in, unless it
    /// has one already: *We met* replaces *Not yet* or a skip, nothing
    /// else replaces an answer. The circle as kept now, or `None` when it
    /// is not kept or who answered is no longer one of it.
    pub async fn answer_circle(
        &self,
        key: CircleKey,
        outcome: CircleOutcome,
    ) -> Result<Option<Circle>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        let Some(mut circle) = self.circle_for_update(&tx, key).await? else {
            return Ok(None);
        };
        if outcome.by().is_some_and(|by| !circle.has_member(by)) {
            return Ok(None);
        }
        if replaces(circle.outcome.as_ref(), &outcome) {
            circle.outcome = Some(outcome);
            self.write_circle(&tx, &circle).await?;
            self.commit_tx(tx).await?;
        }
        Ok(Some(circle))
    }

    /// Who of `round` was forgotten, read within `tx`.
    async fn forgotten_among(
        &self,
        tx: &Transaction<'_>,
        round: &[Vec<UserId>],
    ) -> Result<BTreeSet<UserId>, StoreError> {
        let name = std::str::from_utf8(meta::TOMBSTONE_KEY).unwrap_or("?");
        let Some(row) = tx
            .query_opt("SELECT value FROM meta WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.failed(e))?
        else {
            // No key: nobody was ever forgotten here.
            return Ok(BTreeSet::new());
        };
        let key: Vec<u8> = row.get("value");
        let mut by_hash = BTreeMap::new();
        for member in round.iter().flatten() {
            let hash = tombstone_of(&key, member).ok_or_else(|| self.corrupt_key())?;
            by_hash.insert(hash.to_vec(), member.clone());
        }
        let hashes: Vec<&[u8]> = by_hash.keys().map(Vec::as_slice).collect();
        let rows = tx
            .query(
                "SELECT hash FROM tombstones WHERE hash = ANY($1)",
                &[&hashes],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows
            .iter()
            .filter_map(|row| by_hash.get(row.get::<_, &[u8]>("hash")).cloned())
            .collect())
    }

    /// The number of the last round ever formed, whether or not forget-me
    /// emptied it since: 0 before the first.
    pub(super) async fn last_circle_round_in(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<u32, StoreError> {
        let row = tx
            .query_one(
                "SELECT (SELECT value FROM meta WHERE name = $1), \
                        (SELECT MAX(round) FROM circles)",
                &[&last_round_name()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let counted = match row.get::<_, Option<Vec<u8>>>(0) {
            Some(bytes) => <[u8; 4]>::try_from(bytes.as_slice())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    tree: "meta",
                    key: last_round_name().into(),
                    detail: "not a 4-byte round number".into(),
                })?,
            None => 0,
        };
        let kept = row.get::<_, Option<i32>>(1).unwrap_or(0).max(0) as u32;
        Ok(counted.max(kept))
    }

    async fn circle_for_update(
        &self,
        tx: &Transaction<'_>,
        key: CircleKey,
    ) -> Result<Option<Circle>, StoreError> {
        let row = tx
            .query_opt(
                "SELECT round, place, circle FROM circles \
                 WHERE round = $1 AND place = $2 FOR UPDATE",
                &[&(key.round as i32), &(key.index as i32)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "circle", "circles", || circle_name(&row)))
            .transpose()
    }

    async fn write_circle(&self, tx: &Transaction<'_>, circle: &Circle) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO circles (round, place, circle) VALUES ($1, $2, $3) \
             ON CONFLICT (round, place) DO UPDATE SET circle = EXCLUDED.circle",
            &[
                &(circle.key.round as i32),
                &(circle.key.index as i32),
                &json(circle),
            ],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Queues `message` within `tx`, due at `now`.
    async fn queue_in(
        &self,
        tx: &Transaction<'_>,
        message: CircleMessage,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let id: i64 = tx
            .query_one("SELECT nextval('outbox_ids')", &[])
            .await
            .map_err(|e| self.failed(e))?
            .get(0);
        let item = OutboxItem::queued(id as u64, Outgoing::Circle(message), now);
        tx.execute(
            "INSERT INTO outbox (id, item, pending, due_at) VALUES ($1, $2, true, $3)",
            &[&id, &Json(&item), &now],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(item)
    }
}

/// A circle's row, readably, for errors.
fn circle_name(row: &tokio_postgres::Row) -> String {
    format!(
        "circle {}-{}",
        row.get::<_, i32>("round"),
        row.get::<_, i32>("place")
    )
}
