//! The `outbox` and `dm_channels` trees: what the bot promised to send, and
//! where each person's DMs go.
//!
//! The scheduler queues a plan here (and flushes) before anything reaches
//! Slack; the dispatcher sends each item and then, in one transaction,
//! removes it and records the nudge as sent. So after a crash every item is
//! either still queued (and is sent after the restart) or recorded as sent.
//! The one window left: Slack accepted an item and the process died before
//! the transaction; that item goes out again after the restart.

use super::{Store, StoreError, keys, trees};
use crate::domain::{ChannelId, OutboxItem, OutboxState, Outgoing, SentNudge, UserId};
use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

impl Store {
    /// Queues `outgoing`, in order, as pending from `now`. Does not flush:
    /// flush before anything is sent or the plan is recorded as done.
    pub fn enqueue(
        &self,
        outgoing: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let mut batch = sled::Batch::default();
        let mut items = Vec::with_capacity(outgoing.len());
        for outgoing in outgoing {
            let item = self.new_outbox_item(outgoing, now)?;
            let key = keys::outbox(item.id);
            batch.insert(&key, self.encode(trees::OUTBOX, &key, &item)?);
            items.push(item);
        }
        self.outbox.apply_batch(batch)?;
        Ok(items)
    }

    /// Queues one message, as [`Store::enqueue`] does, and returns its item.
    pub fn enqueue_one(
        &self,
        outgoing: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let item = self.new_outbox_item(outgoing, now)?;
        let key = keys::outbox(item.id);
        self.outbox
            .insert(key, self.encode(trees::OUTBOX, &key, &item)?)?;
        Ok(item)
    }

    /// A new item for `outgoing`, due at once.
    fn new_outbox_item(
        &self,
        outgoing: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        Ok(OutboxItem {
            id: self.db.generate_id()?,
            queued_at: now,
            outgoing,
            attempts: 0,
            state: OutboxState::Pending {
                not_before: now,
                last_error: None,
            },
        })
    }

    /// Every item in the outbox, pending and failed, in queue order.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.outbox
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                self.decode(trees::OUTBOX, &key, &bytes)
            })
            .collect()
    }

    /// Whether the item `id` is still in the outbox, pending or failed:
    /// once Slack took it (or it was dropped), it is not.
    pub fn in_outbox(&self, id: u64) -> Result<bool, StoreError> {
        Ok(self.outbox.contains_key(keys::outbox(id))?)
    }

    /// The items still to be sent, in queue order.
    pub fn pending_outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        Ok(self
            .outbox()?
            .into_iter()
            .filter(OutboxItem::is_pending)
            .collect())
    }

    /// Writes `item` back as it now stands (a new attempt count, a later
    /// time to try, or given up on). Does not flush.
    pub fn update_outbox_item(&self, item: &OutboxItem) -> Result<(), StoreError> {
        let key = keys::outbox(item.id);
        self.outbox
            .insert(key, self.encode(trees::OUTBOX, &key, item)?)?;
        Ok(())
    }

    /// Slack accepted `item`: removes it from the outbox and, for a nudge,
    /// records it as sent, in one transaction. Does not flush: the caller
    /// commits, so that the window in which a crash would send it again
    /// stays one flush long.
    pub fn mark_sent(&self, item: &OutboxItem, sent: Option<&SentNudge>) -> Result<(), StoreError> {
        let key = keys::outbox(item.id);
        let record = match sent {
            Some(sent) => {
                let nudge_key = keys::nudge(sent);
                let value = self.encode(trees::NUDGES, &nudge_key, sent)?;
                Some((nudge_key, value))
            }
            None => None,
        };
        (&self.outbox, &self.nudges)
            .transaction(|(outbox, nudges)| {
                outbox.remove(&key)?;
                if let Some((nudge_key, value)) = &record {
                    nudges.insert(nudge_key.as_slice(), value.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(super::interactions::from_transaction)
    }

    /// Removes the failed items given up on before `before`; returns how many.
    pub fn prune_failed(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut removed = 0;
        for item in self.outbox()? {
            if matches!(item.state, OutboxState::Failed { at, .. } if at < before) {
                self.outbox.remove(keys::outbox(item.id))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The DM channel of the bot with `user`, if it was opened before.
    pub fn dm_channel(&self, user: &UserId) -> Result<Option<ChannelId>, StoreError> {
        let key = keys::person(user);
        self.dm_channels
            .get(key)?
            .map(|bytes| self.decode(trees::DM_CHANNELS, key, &bytes))
            .transpose()
    }

    /// Remembers the DM channel of the bot with `user`. Does not flush: a
    /// lost entry only costs one `conversations.open`.
    pub fn remember_dm_channel(
        &self,
        user: &UserId,
        channel: &ChannelId,
    ) -> Result<(), StoreError> {
        let key = keys::person(user);
        self.dm_channels
            .insert(key, self.encode(trees::DM_CHANNELS, key, channel)?)?;
        Ok(())
    }

    /// Forgets the DM channel with `user` (Slack said it is not found).
    pub fn forget_dm_channel(&self, user: &UserId) -> Result<(), StoreError> {
        self.dm_channels.remove(keys::person(user))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Digest, SentNudge};
    use crate::store::fixtures::{at_minute, open_temp, reopen, user};

    fn digest() -> Outgoing {
        Outgoing::Digest {
            channel: "alliances".into(),
            digest: Digest::empty(at_minute(0), at_minute(10)),
            team_map: None,
        }
    }

    #[test]
    fn queued_items_survive_a_restart_in_order_and_leave_once_sent() {
        let (dir, store) = open_temp();
        let queued = store
            .enqueue(vec![digest(), digest()], at_minute(1))
            .unwrap();
        assert!(queued[0].id < queued[1].id);
        store.flush().unwrap();
        drop(store);

        let store = reopen(dir.path()).unwrap();
        assert_eq!(store.pending_outbox().unwrap(), queued);
        let sent = SentNudge {
            to: user("U1"),
            about: user("U2"),
            at: at_minute(2),
            reason: None,
        };
        store.mark_sent(&queued[0], Some(&sent)).unwrap();
        assert_eq!(store.pending_outbox().unwrap(), [queued[1].clone()]);
        assert_eq!(store.nudges_sent_since(at_minute(0)).unwrap(), [sent]);
    }

    #[test]
    fn a_failed_item_is_kept_apart_from_the_pending_ones_until_pruned() {
        let (_dir, store) = open_temp();
        let mut item = store
            .enqueue(vec![digest()], at_minute(1))
            .unwrap()
            .remove(0);
        item.attempts = 3;
        item.state = OutboxState::Failed {
            at: at_minute(5),
            error: "Slack refused chat.postMessage: channel_not_found".into(),
        };
        store.update_outbox_item(&item).unwrap();
        assert!(store.pending_outbox().unwrap().is_empty());
        assert_eq!(store.outbox().unwrap(), [item]);
        assert_eq!(store.prune_failed(at_minute(5)).unwrap(), 0);
        assert_eq!(store.prune_failed(at_minute(6)).unwrap(), 1);
        assert!(store.outbox().unwrap().is_empty());
    }

    #[test]
    fn a_dm_channel_is_remembered_until_forgotten() {
        let (_dir, store) = open_temp();
        let alice = user("U1");
        assert_eq!(store.dm_channel(&alice).unwrap(), None);
        let channel = ChannelId::parse("D0001").unwrap();
        store.remember_dm_channel(&alice, &channel).unwrap();
        assert_eq!(store.dm_channel(&alice).unwrap(), Some(channel));
        store.forget_dm_channel(&alice).unwrap();
        assert_eq!(store.dm_channel(&alice).unwrap(), None);
    }
}
