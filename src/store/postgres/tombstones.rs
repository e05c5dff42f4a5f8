//! The `tombstones` table: who asked to be forgotten, as keyed hashes of
//! their ids under the store's hash key (see the sled store's
//! `tombstones`); and the record of an early warning sent, on its
//! leader.

use super::super::tombstones::tombstone_of;
use super::super::{StoreError, meta};
use super::keys::meta_name;
use super::{PgStore, decoded, json};
use crate::domain::{ChannelId, OutboxItem, Outgoing, Person, SentNudge, UserId};
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

impl PgStore {
    /// Whether `id` was forgotten and has not opted in since.
    pub async fn is_forgotten(&self, id: &UserId) -> Result<bool, StoreError> {
        let Some(hash) = self.tombstone_if_keyed(id).await? else {
            // No key: nobody was ever forgotten here.
            return Ok(false);
        };
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM tombstones WHERE hash = $1", &[&&hash[..]])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.is_some())
    }

    /// Lets `id` back in (they opted in again): removes their tombstone,
    /// if they have one.
    pub async fn lift_tombstone(&self, id: &UserId) -> Result<(), StoreError> {
        let Some(hash) = self.tombstone_if_keyed(id).await? else {
            return Ok(());
        };
        let client = self.client().await?;
        client
            .execute("DELETE FROM tombstones WHERE hash = $1", &[&&hash[..]])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// The tombstone `id` would have, if the store's hash key was drawn.
    pub(super) async fn tombstone_if_keyed(
        &self,
        id: &UserId,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        self.tombstone_if_keyed_in(&self.client().await?, id).await
    }

    /// [`PgStore::tombstone_if_keyed`], read through `client`: a
    /// connection, or a transaction that must see the key as it stands
    /// under the locks it holds.
    pub(super) async fn tombstone_if_keyed_in(
        &self,
        client: &impl GenericClient,
        id: &UserId,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        let row = client
            .query_opt(
                "SELECT value FROM meta WHERE name = $1",
                &[&meta_name(meta::TOMBSTONE_KEY)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let key: Vec<u8> = row.get("value");
        tombstone_of(&key, id)
            .map(Some)
            .ok_or_else(|| self.corrupt_key())
    }

    /// Slack accepted the early warning `item` at `at`: in one
    /// transaction, removes it, records on its leader when it was sent,
    /// keeps the DM channel opened for it and records `introductions` as
    /// sent, while the people they name are known (see the sled store's
    /// `mark_early_warning_sent`). Only while this replica holds its
    /// claim, as [`PgStore::mark_sent`].
    pub async fn mark_early_warning_sent(
        &self,
        item: &OutboxItem,
        introductions: &[SentNudge],
        at: DateTime<Utc>,
        dm_channel: Option<&ChannelId>,
    ) -> Result<(), StoreError> {
        let Outgoing::EarlyWarning(warning) = &item.outgoing else {
            return self.mark_sent(item, None, dm_channel).await;
        };
        let leader = &warning.to;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        // The leader's record and those of the peers its introductions
        // suggest, in id order, before the outbox, as a forget locks
        // people (see `mark_sent`): a peer's row taken after the outbox
        // would close a circle with a forget of that peer.
        let mut named: Vec<&str> = introductions.iter().map(|s| s.about.as_str()).collect();
        named.push(leader.as_str());
        let rows = tx
            .query(
                "SELECT id, person FROM people WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                &[&named],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let row = rows
            .iter()
            .find(|row| row.get::<_, &str>("id") == leader.as_str());
        if !self.remove_from_outbox(&tx, item).await? {
            return Ok(());
        }
        if let Some(row) = row {
            let mut person: Person = decoded(row, "person", "people", || leader.to_string())?;
            person.early_warned_at = Some(at);
            tx.execute(
                "UPDATE people SET person = $2 WHERE id = $1",
                &[&leader.as_str(), &json(&person)],
            )
            .await
            .map_err(|e| self.failed(e))?;
            if let Some(channel) = dm_channel {
                self.keep_dm_channel(&tx, leader, channel).await?;
            }
            for sent in introductions {
                // Only while the one it suggests is known: their row,
                // locked above, is kept so until the commit.
                tx.execute(
                    "INSERT INTO nudges (at_ns, to_id, about, nudge) \
                     SELECT $1, $2, $3, $4 FROM people WHERE id = $3 FOR SHARE \
                     ON CONFLICT (at_ns, to_id, about) DO UPDATE SET nudge = EXCLUDED.nudge",
                    &[
                        &super::outbox::nanos(sent.at),
                        &sent.to.as_str(),
                        &sent.about.as_str(),
                        &json(sent),
                    ],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
        }
        let _changing = self.changing_people();
        self.commit_tx(tx).await?;
        Ok(())
    }
}
