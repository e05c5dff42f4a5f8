//! The `outbox` and `dm_channels` trees: what the bot promised to send, and
//! where each person's DMs go.
//!
//! The scheduler queues a plan here (and flushes) before anything reaches
//! Slack; the dispatcher sends each item and then, in one transaction,
//! removes it and records the nudge as sent (and the DM channel opened for
//! it), unless the people it names were forgotten meanwhile. So after a
//! crash every item is either still queued (and is sent after the restart)
//! or recorded as sent.
//! The one window left: Slack accepted an item and the process died before
//! the transaction; that item goes out again after the restart.

use super::{SledStore, StoreError, keys, trees};
use crate::domain::{ChannelId, NudgeReason, OutboxItem, OutboxState, Outgoing, SentNudge, UserId};
use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

impl SledStore {
    /// Queues `outgoing`, in order, as pending from `now`. Does not flush:
    /// flush before anything is sent or the plan is recorded as done.
    pub fn enqueue(
        &self,
        outgoing: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let trees = self.trees()?;
        let mut batch = sled::Batch::default();
        let mut items = Vec::with_capacity(outgoing.len());
        for outgoing in outgoing {
            let item = self.new_outbox_item(outgoing, now)?;
            let key = keys::outbox(item.id);
            batch.insert(&key, self.encode(trees::OUTBOX, &key, &item)?);
            items.push(item);
        }
        trees.outbox.apply_batch(batch)?;
        Ok(items)
    }

    /// Queues one message, as [`SledStore::enqueue`] does, and returns its
    /// item.
    pub fn enqueue_one(
        &self,
        outgoing: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let trees = self.trees()?;
        let item = self.new_outbox_item(outgoing, now)?;
        let key = keys::outbox(item.id);
        trees
            .outbox
            .insert(key, self.encode(trees::OUTBOX, &key, &item)?)?;
        Ok(item)
    }

    /// A new item for `outgoing`, due at once.
    pub(super) fn new_outbox_item(
        &self,
        outgoing: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, StoreError> {
        let trees = self.trees()?;
        Ok(OutboxItem::queued(trees.db.generate_id()?, outgoing, now))
    }

    /// Every item in the outbox, pending and failed, in queue order.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let trees = self.trees()?;
        trees
            .outbox
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
        let trees = self.trees()?;
        Ok(trees.outbox.contains_key(keys::outbox(id))?)
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
        let trees = self.trees()?;
        let key = keys::outbox(item.id);
        trees
            .outbox
            .insert(key, self.encode(trees::OUTBOX, &key, item)?)?;
        Ok(())
    }

    /// Slack accepted `item`, or it is not to be sent after all: removes it
    /// from the outbox and, for a nudge Slack accepted (`sent`), records it
    /// as sent and remembers the DM channel opened for it (`dm_channel`),
    /// in one transaction. The record and the channel are written only
    /// while the people they name are known: someone forgotten while the
    /// nudge was on its way leaves no trace (an introduction's contact
    /// forgotten meanwhile is left out of the record). Does not flush: the
    /// caller commits, so that the window in which a crash would send it
    /// again stays one flush long.
    pub fn mark_sent(
        &self,
        item: &OutboxItem,
        sent: Option<&SentNudge>,
        dm_channel: Option<&ChannelId>,
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::outbox(item.id);
        let record = match sent {
            Some(sent) => Some(SentRecord::of(self, sent, dm_channel)?),
            None => None,
        };
        (
            &trees.outbox,
            &trees.nudges,
            &trees.people,
            &trees.dm_channels,
        )
            .transaction(|(outbox, nudges, people, dm_channels)| {
                outbox.remove(&key)?;
                let Some(record) = &record else {
                    return Ok(());
                };
                let known = |user: &UserId| people.get(keys::person(user));
                if known(record.to)?.is_none() || known(record.about)?.is_none() {
                    return Ok(());
                }
                let value = match &record.without_contact {
                    Some((contact, without)) if known(contact)?.is_none() => without,
                    _ => &record.value,
                };
                nudges.insert(record.key.as_slice(), value.as_slice())?;
                if let Some(channel) = &record.dm_channel {
                    dm_channels.insert(keys::person(record.to), channel.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(super::interactions::from_transaction)
    }

    /// Removes the failed items given up on before `before`; returns how many.
    pub fn prune_failed(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let trees = self.trees()?;
        let mut removed = 0;
        for item in self.outbox()? {
            if matches!(item.state, OutboxState::Failed { at, .. } if at < before) {
                trees.outbox.remove(keys::outbox(item.id))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The DM channel of the bot with `user`, if it was opened before.
    pub fn dm_channel(&self, user: &UserId) -> Result<Option<ChannelId>, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(user);
        trees
            .dm_channels
            .get(key)?
            .map(|bytes| self.decode(trees::DM_CHANNELS, key, &bytes))
            .transpose()
    }

    /// Remembers the DM channel of the bot with `user`, as a sent nudge's
    /// record does (see [`SledStore::mark_sent`]): for tests that start from a
    /// channel already known. Does not flush.
    #[cfg(test)]
    pub(crate) fn remember_dm_channel(
        &self,
        user: &UserId,
        channel: &ChannelId,
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::person(user);
        trees
            .dm_channels
            .insert(key, self.encode(trees::DM_CHANNELS, key, channel)?)?;
        Ok(())
    }

    /// Forgets the DM channel with `user` (Slack said it is not found).
    pub fn forget_dm_channel(&self, user: &UserId) -> Result<(), StoreError> {
        let trees = self.trees()?;
        trees.dm_channels.remove(keys::person(user))?;
        Ok(())
    }
}

/// A nudge's record as sent, encoded ahead of [`SledStore::mark_sent`]'s
/// transaction, which only checks who is still known.
struct SentRecord<'a> {
    to: &'a UserId,
    about: &'a UserId,
    key: Vec<u8>,
    value: Vec<u8>,
    /// The contact an introduction names, and its record without them.
    without_contact: Option<(&'a UserId, Vec<u8>)>,
    /// The recipient's DM channel, encoded, when one was opened for it.
    dm_channel: Option<Vec<u8>>,
}

impl<'a> SentRecord<'a> {
    fn of(
        store: &SledStore,
        sent: &'a SentNudge,
        dm_channel: Option<&ChannelId>,
    ) -> Result<Self, StoreError> {
        let key = keys::nudge(sent);
        let without_contact = match sent.reason.as_ref().and_then(NudgeReason::shared_contact) {
            Some(contact) => {
                let mut without = sent.clone();
                without
                    .reason
                    .as_mut()
                    .map(NudgeReason::drop_shared_contact);
                Some((contact, store.encode(trees::NUDGES, &key, &without)?))
            }
            None => None,
        };
        let person_key = keys::person(&sent.to);
        Ok(Self {
            to: &sent.to,
            about: &sent.about,
            value: store.encode(trees::NUDGES, &key, sent)?,
            key,
            without_contact,
            dm_channel: dm_channel
                .map(|channel| store.encode(trees::DM_CHANNELS, person_key, channel))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Digest, SentNudge};
    use crate::store::fixtures::{at_minute, open_temp, person, reopen, user};

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
        store
            .put_people(&[person("U1", "Ada", None), person("U2", "Grace", None)])
            .unwrap();
        let sent = SentNudge {
            to: user("U1"),
            about: user("U2"),
            at: at_minute(2),
            reason: None,
            warning_step: false,
        };
        store.mark_sent(&queued[0], Some(&sent), None).unwrap();
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
    fn a_sent_nudge_and_its_new_dm_channel_are_recorded_only_while_the_people_named_are_known() {
        use crate::domain::{Intro, NudgeReason, SharedContact, TeamGap, TeamId};
        let (_dir, store) = open_temp();
        store
            .put_people(&[person("U1", "Ada", None), person("U2", "Grace", None)])
            .unwrap();
        let intro = |to: &str, about: &str| SentNudge {
            to: user(to),
            about: user(about),
            at: at_minute(2),
            reason: Some(NudgeReason::Intro(Intro {
                last_alliance_at: None,
                quiet_days: 90,
                gap: TeamGap {
                    own_team: TeamId::parse("Payments").unwrap(),
                    alliances: 0,
                    most: 0,
                    boost: 1.0,
                    figures_shown: true,
                },
                shared_contact: Some(SharedContact::Mutual(user("U3"))),
            })),
            warning_step: false,
        };
        let queued = store
            .enqueue(vec![digest(), digest()], at_minute(1))
            .unwrap();
        let channel = ChannelId::parse("D0001").unwrap();

        // U9 was forgotten while the nudge to them was on its way.
        store
            .mark_sent(&queued[0], Some(&intro("U9", "U2")), Some(&channel))
            .unwrap();
        assert!(store.nudges_sent_since(at_minute(0)).unwrap().is_empty());
        assert_eq!(store.dm_channel(&user("U9")).unwrap(), None);
        assert_eq!(store.pending_outbox().unwrap(), [queued[1].clone()]);

        // U3, the contact, was forgotten: the record leaves them out.
        store
            .mark_sent(&queued[1], Some(&intro("U1", "U2")), Some(&channel))
            .unwrap();
        let recorded = store.nudges_sent_since(at_minute(0)).unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(
            (&recorded[0].to, &recorded[0].about),
            (&user("U1"), &user("U2"))
        );
        assert_eq!(recorded[0].reason.as_ref().unwrap().shared_contact(), None);
        assert_eq!(store.dm_channel(&user("U1")).unwrap(), Some(channel));
        assert!(store.pending_outbox().unwrap().is_empty());
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
