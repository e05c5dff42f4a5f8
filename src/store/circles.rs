//! The `circles` tree: every leadership circle formed, by round and place
//! ([`keys::circle`]), with its group DM, whether its check-in was asked,
//! and what its members answered.
//!
//! A round's circles and their prompts are written in one transaction with
//! the outbox, and so are a check-in and the mark that it was asked, so a
//! crash never leaves a circle without its message, nor asks a circle
//! twice. Forgetting someone takes them out of every circle (see `forget`).

use super::{Store, StoreError, keys, trees};
use crate::domain::{ChannelId, Circle, CircleKey, CircleOutcome, OutboxItem, Outgoing, UserId};
use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

impl Store {
    /// Every circle ever formed (but those emptied by forgetting), oldest
    /// round first. Circles are few — a round a month of a few hundred —
    /// so a scan.
    pub fn circles(&self) -> Result<Vec<Circle>, StoreError> {
        let trees = self.trees()?;
        trees
            .circles
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                self.decode(trees::CIRCLES, &key, &bytes)
            })
            .collect()
    }

    /// The circle `key`, if it is kept.
    pub fn circle(&self, key: CircleKey) -> Result<Option<Circle>, StoreError> {
        let trees = self.trees()?;
        let at = keys::circle(key);
        trees
            .circles
            .get(at)?
            .map(|bytes| self.decode(trees::CIRCLES, &at, &bytes))
            .transpose()
    }

    /// Writes `circles` as they are and queues `outgoing` from `now`, in
    /// one transaction: a new round and its prompts, or the circles whose
    /// check-in is asked and their check-ins. Does not flush.
    pub fn save_circles_and_enqueue(
        &self,
        circles: &[Circle],
        outgoing: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let trees = self.trees()?;
        let mut records = Vec::with_capacity(circles.len());
        for circle in circles {
            let key = keys::circle(circle.key);
            records.push((key, self.encode(trees::CIRCLES, &key, circle)?));
        }
        let mut items = Vec::with_capacity(outgoing.len());
        let mut queued = Vec::with_capacity(outgoing.len());
        for outgoing in outgoing {
            let item = OutboxItem {
                id: trees.db.generate_id()?,
                queued_at: now,
                outgoing,
                attempts: 0,
                state: crate::domain::OutboxState::Pending {
                    not_before: now,
                    last_error: None,
                },
            };
            let key = keys::outbox(item.id);
            queued.push((key, self.encode(trees::OUTBOX, &key, &item)?));
            items.push(item);
        }
        (&trees.circles, &trees.outbox)
            .transaction(|(circles_tx, outbox_tx)| {
                for (key, value) in &records {
                    circles_tx.insert(key.as_slice(), value.as_slice())?;
                }
                for (key, value) in &queued {
                    outbox_tx.insert(key.as_slice(), value.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(super::interactions::from_transaction)?;
        Ok(items)
    }

    /// Slack accepted `item`, a message to the circle `circle`, or it is
    /// not to be sent after all: removes it from the outbox and, when it
    /// went to a group DM, remembers that DM and whom it holds with the
    /// circle, in one transaction — unless a member in it left the circle
    /// meanwhile. Does not flush: the caller commits.
    pub fn mark_circle_message_sent(
        &self,
        item: &OutboxItem,
        circle: CircleKey,
        group_dm: Option<(&ChannelId, &[UserId])>,
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let item_key = keys::outbox(item.id);
        let circle_key = keys::circle(circle);
        (&trees.outbox, &trees.circles)
            .transaction(|(outbox, circles)| {
                outbox.remove(&item_key)?;
                let (Some((channel, holds)), Some(bytes)) = (group_dm, circles.get(circle_key)?)
                else {
                    return Ok(());
                };
                let mut kept: Circle = self
                    .decode(trees::CIRCLES, &circle_key, &bytes)
                    .map_err(ConflictableTransactionError::Abort)?;
                let still_members = holds.iter().all(|m| kept.has_member(m));
                let known = kept.channel.as_ref() == Some(channel) && kept.channel_members == holds;
                if still_members && !known {
                    kept.channel = Some(channel.clone());
                    kept.channel_members = holds.to_vec();
                    let value = self
                        .encode(trees::CIRCLES, &circle_key, &kept)
                        .map_err(ConflictableTransactionError::Abort)?;
                    circles.insert(&circle_key, value)?;
                }
                Ok(())
            })
            .map_err(super::interactions::from_transaction)
    }

    /// Records `outcome` as the circle's answer to its check-in, unless it
    /// has one already: *We met* replaces *Not yet* or a skip (they met
    /// after all), nothing else replaces an answer. Returns the circle as
    /// it is kept now, or `None` when it is not kept. Does not flush.
    pub fn answer_circle(
        &self,
        key: CircleKey,
        outcome: CircleOutcome,
    ) -> Result<Option<Circle>, StoreError> {
        let trees = self.trees()?;
        let at = keys::circle(key);
        trees
            .circles
            .transaction(|circles| {
                let Some(bytes) = circles.get(at)? else {
                    return Ok(None);
                };
                let mut circle: Circle = self
                    .decode(trees::CIRCLES, &at, &bytes)
                    .map_err(ConflictableTransactionError::Abort)?;
                let replaces = match (&circle.outcome, &outcome) {
                    (None, _) => true,
                    (Some(CircleOutcome::Met { .. }), _) => false,
                    (Some(_), CircleOutcome::Met { .. }) => true,
                    (Some(_), _) => false,
                };
                if replaces {
                    circle.outcome = Some(outcome.clone());
                    let value = self
                        .encode(trees::CIRCLES, &at, &circle)
                        .map_err(ConflictableTransactionError::Abort)?;
                    circles.insert(&at, value)?;
                }
                Ok(Some(circle))
            })
            .map_err(super::interactions::from_transaction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CircleMessage, CircleStage};
    use crate::store::fixtures::{at_minute, open_temp, reopen, user};

    fn circle(round: u32, index: u32, members: &[&str]) -> Circle {
        Circle {
            key: CircleKey { round, index },
            members: members.iter().map(|m| user(m)).collect(),
            formed_at: at_minute(0),
            channel: None,
            channel_members: Vec::new(),
            check_in_at: None,
            outcome: None,
        }
    }

    #[test]
    fn a_round_and_its_prompts_are_kept_together_and_the_channel_once_sent() {
        let (dir, store) = open_temp();
        let circles = [
            circle(1, 2, &["U4", "U5", "U6"]),
            circle(1, 1, &["U1", "U2", "U3"]),
        ];
        let prompts = circles
            .iter()
            .map(|c| {
                Outgoing::Circle(CircleMessage {
                    circle: c.key,
                    stage: CircleStage::Prompt,
                })
            })
            .collect();
        let items = store
            .save_circles_and_enqueue(&circles, prompts, at_minute(0))
            .unwrap();
        store.flush().unwrap();
        drop(store);
        let store = reopen(dir.path()).unwrap();
        let kept = store.circles().unwrap();
        assert_eq!(kept, [circles[1].clone(), circles[0].clone()], "by key");
        assert_eq!(store.pending_outbox().unwrap(), items);

        let channel = ChannelId::parse("G1").unwrap();
        let holds = circles[0].members.clone();
        store
            .mark_circle_message_sent(&items[0], circles[0].key, Some((&channel, &holds)))
            .unwrap();
        assert_eq!(store.pending_outbox().unwrap(), [items[1].clone()]);
        let kept = store.circle(circles[0].key).unwrap().unwrap();
        assert_eq!(kept.channel, Some(channel));
        assert_eq!(kept.channel_members, holds);
    }

    #[test]
    fn a_forgotten_person_leaves_every_circle_and_an_export_shows_a_person_theirs() {
        let (_dir, store) = open_temp();
        let mut answered = circle(1, 1, &["U1", "U2", "U3"]);
        answered.outcome = Some(CircleOutcome::Met {
            by: Some(user("U1")),
            at: at_minute(5),
        });
        let pair = circle(1, 2, &["U1", "U4"]);
        let others = circle(2, 1, &["U2", "U3", "U4"]);
        let message = Outgoing::Circle(CircleMessage {
            circle: others.key,
            stage: CircleStage::Prompt,
        });
        store
            .save_circles_and_enqueue(
                &[answered, pair, others.clone()],
                vec![message],
                at_minute(0),
            )
            .unwrap();
        let theirs = store.export_person(&user("U1")).unwrap().circles;
        assert_eq!(
            theirs.iter().map(|c| c.key.to_string()).collect::<Vec<_>>(),
            ["1-1", "1-2"]
        );

        let forgotten = store.forget_person(&user("U1")).unwrap();
        assert_eq!(forgotten.circles_left, 2);
        let kept = store.circles().unwrap();
        assert_eq!(
            kept.len(),
            2,
            "a circle left with one person goes: {kept:?}"
        );
        assert_eq!(kept[0].members, [user("U2"), user("U3")]);
        assert_eq!(
            kept[0].outcome,
            Some(CircleOutcome::Met {
                by: None,
                at: at_minute(5)
            }),
            "their answer stays, without their name"
        );
        assert_eq!(kept[1], others, "a circle without them is untouched");
        assert_eq!(store.pending_outbox().unwrap().len(), 1);
        assert!(store.export_person(&user("U1")).unwrap().circles.is_empty());
        let text = serde_json::to_string(&store.circles().unwrap()).unwrap();
        assert!(!text.contains("\"U1\""), "{text}");
    }

    #[test]
    fn forgetting_a_member_leaves_the_circle_s_queued_prompt_for_the_others() {
        let (_dir, store) = open_temp();
        let circle = circle(1, 1, &["U1", "U2", "U3"]);
        let prompt = Outgoing::Circle(CircleMessage {
            circle: circle.key,
            stage: CircleStage::Prompt,
        });
        store
            .save_circles_and_enqueue(&[circle], vec![prompt.clone()], at_minute(0))
            .unwrap();
        store.forget_person(&user("U1")).unwrap();
        let queued: Vec<Outgoing> = store
            .pending_outbox()
            .unwrap()
            .into_iter()
            .map(|item| item.outgoing)
            .collect();
        assert_eq!(queued, [prompt]);
    }

    #[test]
    fn a_circle_a_member_left_no_longer_keeps_the_group_dm_they_are_in() {
        let (_dir, store) = open_temp();
        let mut stays = circle(1, 1, &["U1", "U2", "U3"]);
        let mut untouched = circle(1, 2, &["U4", "U5", "U6"]);
        stays.channel = Some(ChannelId::parse("G1").unwrap());
        stays.channel_members = stays.members.clone();
        untouched.channel = Some(ChannelId::parse("G2").unwrap());
        untouched.channel_members = untouched.members.clone();
        store
            .save_circles_and_enqueue(&[stays.clone(), untouched.clone()], vec![], at_minute(0))
            .unwrap();
        store.forget_person(&user("U1")).unwrap();
        let kept = store.circle(stays.key).unwrap().unwrap();
        assert_eq!(kept.members, [user("U2"), user("U3")]);
        assert_eq!(kept.channel, None, "that group DM still holds them");
        assert!(kept.channel_members.is_empty());
        assert_eq!(store.circle(untouched.key).unwrap().unwrap(), untouched);
    }

    #[test]
    fn a_circle_message_queued_with_its_members_still_reads() {
        let stored = r#"{"kind":"circle","circle":{"round":2,"index":1},"members":["U1","U2","U3"],"stage":"check_in"}"#;
        let read: Outgoing = serde_json::from_str(stored).unwrap();
        assert_eq!(
            read,
            Outgoing::Circle(CircleMessage {
                circle: CircleKey { round: 2, index: 1 },
                stage: CircleStage::CheckIn,
            })
        );
        assert!(
            !read.names(&user("U1")),
            "its members are read from the circle"
        );
    }

    #[test]
    fn the_first_answer_stays_but_we_met_wins_over_not_yet() {
        let (_dir, store) = open_temp();
        let key = CircleKey { round: 1, index: 1 };
        store
            .save_circles_and_enqueue(&[circle(1, 1, &["U1", "U2", "U3"])], vec![], at_minute(0))
            .unwrap();
        let not_yet = CircleOutcome::NotYet {
            by: Some(user("U1")),
            at: at_minute(1),
        };
        let skipped = CircleOutcome::Skipped {
            by: Some(user("U2")),
            at: at_minute(2),
        };
        let met = CircleOutcome::Met {
            by: Some(user("U3")),
            at: at_minute(3),
        };
        let answer = |o: &CircleOutcome| store.answer_circle(key, o.clone()).unwrap().unwrap();
        assert_eq!(answer(&not_yet).outcome, Some(not_yet.clone()));
        assert_eq!(answer(&skipped).outcome, Some(not_yet));
        assert_eq!(answer(&met).outcome, Some(met.clone()));
        assert_eq!(answer(&skipped).outcome, Some(met));
        let unknown = CircleKey { round: 9, index: 1 };
        assert!(store.answer_circle(unknown, skipped).unwrap().is_none());
    }
}
