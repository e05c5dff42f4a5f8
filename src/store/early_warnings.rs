//! The record of an early warning sent: when, on the leader's own record in
//! `people` (`early_warned_at`), so that the next comes a month later at
//! the soonest. Kept there rather than in a tree of its own, it goes
//! wherever the person goes: exported with them, forgotten with them,
//! purged and backed up with `people`, kept by the people sync.
//!
//! Its steps to meet someone new are recorded in `nudges`, as
//! introductions are, so that the intros rule does not introduce the pair
//! again soon; forgetting either of the two removes the record.

use super::{SledStore, StoreError, keys, trees};
use crate::domain::{ChannelId, OutboxItem, Outgoing, Person, SentNudge};
use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

impl SledStore {
    /// Slack accepted the early warning `item` at `at`: in one transaction,
    /// removes it from the outbox, records on its recipient when it was
    /// sent, remembers the DM channel opened for it (`dm_channel`) and
    /// records `introductions`, its steps to meet someone new as sent —
    /// all only while the recipient is known, and each introduction only
    /// while the one it suggests is, so that someone forgotten while it
    /// was on its way leaves no trace. Does not flush: the caller commits,
    /// as for [`SledStore::mark_sent`].
    pub fn mark_early_warning_sent(
        &self,
        item: &OutboxItem,
        introductions: &[SentNudge],
        at: DateTime<Utc>,
        dm_channel: Option<&ChannelId>,
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let outbox_key = keys::outbox(item.id);
        let Outgoing::EarlyWarning(warning) = &item.outgoing else {
            return self.mark_sent(item, None, dm_channel);
        };
        let person_key = keys::person(&warning.to);
        let channel = dm_channel
            .map(|channel| self.encode(trees::DM_CHANNELS, person_key, channel))
            .transpose()?;
        let introductions = introductions
            .iter()
            .map(|sent| {
                let key = keys::nudge(sent);
                let value = self.encode(trees::NUDGES, &key, sent)?;
                Ok((keys::person(&sent.about), key, value))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        (
            &trees.outbox,
            &trees.people,
            &trees.dm_channels,
            &trees.nudges,
        )
            .transaction(|(outbox, people, dm_channels, nudges)| {
                outbox.remove(&outbox_key)?;
                let Some(bytes) = people.get(person_key)? else {
                    return Ok(());
                };
                let mut person: Person = self
                    .decode(trees::PEOPLE, person_key, &bytes)
                    .map_err(ConflictableTransactionError::Abort)?;
                person.early_warned_at = Some(at);
                let value = self
                    .encode(trees::PEOPLE, person_key, &person)
                    .map_err(ConflictableTransactionError::Abort)?;
                people.insert(person_key, value)?;
                if let Some(channel) = &channel {
                    dm_channels.insert(person_key, channel.as_slice())?;
                }
                for (peer_key, key, value) in &introductions {
                    if people.get(peer_key)?.is_some() {
                        nudges.insert(key.as_slice(), value.as_slice())?;
                    }
                }
                Ok(())
            })
            .map_err(super::interactions::from_transaction)?;
        self.people_cache.outdated();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Outgoing;
    use crate::store::fixtures::{at_minute, early_warning, open_temp, person, user};

    fn warning(to: &str) -> Outgoing {
        early_warning(to, "U2")
    }

    #[test]
    fn a_sent_early_warning_is_remembered_on_its_recipient_while_they_are_known() {
        let (_dir, store) = open_temp();
        store.put_people(&[person("U1", "Ada", None)]).unwrap();
        let queued = store
            .enqueue(vec![warning("U1"), warning("U9")], at_minute(1))
            .unwrap();
        let channel = crate::domain::ChannelId::parse("D0001").unwrap();
        store
            .mark_early_warning_sent(&queued[0], &[], at_minute(2), Some(&channel))
            .unwrap();
        let ada = store.person(&user("U1")).unwrap().unwrap();
        assert_eq!(ada.early_warned_at, Some(at_minute(2)));
        assert_eq!(
            store.dm_channel(&user("U1")).unwrap(),
            Some(channel.clone())
        );

        // U9 was forgotten while it was on its way: nothing of them is written.
        store
            .mark_early_warning_sent(&queued[1], &[], at_minute(2), Some(&channel))
            .unwrap();
        assert_eq!(store.person(&user("U9")).unwrap(), None);
        assert_eq!(store.dm_channel(&user("U9")).unwrap(), None);
        assert!(store.pending_outbox().unwrap().is_empty());
    }

    #[test]
    fn a_sent_warning_s_step_to_meet_someone_is_recorded_as_an_introduction_while_both_are_known() {
        let (_dir, store) = open_temp();
        store
            .put_people(&[person("U1", "Ada", None), person("U2", "Lou", None)])
            .unwrap();
        let queued = store
            .enqueue(vec![warning("U1"), warning("U1")], at_minute(1))
            .unwrap();
        let Outgoing::EarlyWarning(sent) = &queued[0].outgoing else {
            unreachable!("an early warning was queued");
        };
        let introductions = sent.introductions(at_minute(2));
        store
            .mark_early_warning_sent(&queued[0], &introductions, at_minute(2), None)
            .unwrap();
        let recorded = store.nudges_sent_since(at_minute(0)).unwrap();
        assert_eq!(recorded, introductions);
        assert!(recorded[0].is_intro() && recorded[0].about == user("U2"));

        // Lou forgotten before the next one goes: nothing names him.
        store.forget_person(&user("U2")).unwrap();
        store
            .mark_early_warning_sent(&queued[1], &introductions, at_minute(3), None)
            .unwrap();
        assert!(store.nudges_sent_since(at_minute(0)).unwrap().is_empty());
    }
}
