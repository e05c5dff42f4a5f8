//! The `circles` tree: every leadership circle formed, by round and place
//! ([`keys::circle`]), with its group DM, whether its check-in was asked,
//! and what its members answered.
//!
//! A round's circles and their prompts are written in one transaction with
//! the outbox, and so are a check-in and the mark that it was asked, so a
//! crash never leaves a circle without its message, nor asks a circle
//! twice. Forgetting someone takes them out of every circle (see `forget`).

use super::{SledStore, StoreError, keys, meta, trees};
use crate::domain::{
    ChannelId, Circle, CircleKey, CircleMessage, CircleOutcome, CircleStage, OutboxItem, Outgoing,
    UserId,
};
use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

/// What a run of the circles job wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CirclesSaved {
    /// Check-ins asked.
    pub asked: usize,
    /// The circles of the new round, as kept.
    pub formed: Vec<Circle>,
    /// The prompts and check-ins queued, check-ins first.
    pub queued: Vec<OutboxItem>,
}

impl SledStore {
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

    /// The number of the last round ever formed, whether or not forget-me
    /// emptied it since: 0 before the first. A backup carries it, so that
    /// a restored store never numbers a round as one whose buttons and
    /// once-keys are still about.
    pub(super) fn last_circle_round(&self) -> Result<u32, StoreError> {
        let trees = self.trees()?;
        let counted = match trees.meta.get(meta::LAST_CIRCLE_ROUND)? {
            Some(bytes) => round_number(&bytes).ok_or_else(|| {
                self.corrupt_meta(meta::LAST_CIRCLE_ROUND, "not a 4-byte round number")
            })?,
            None => 0,
        };
        let last_kept = match trees.circles.last()? {
            Some((key, _)) => keys::circle_key(&key).map_or(0, |k| k.round),
            None => 0,
        };
        Ok(counted.max(last_kept))
    }

    /// Remembers `round` as the last round formed, unless a later one is
    /// remembered: for an import. Does not flush.
    pub(super) fn keep_last_circle_round(&self, round: u32) -> Result<(), StoreError> {
        if round > self.last_circle_round()? {
            let trees = self.trees()?;
            trees
                .meta
                .insert(meta::LAST_CIRCLE_ROUND, &round.to_be_bytes())?;
        }
        Ok(())
    }

    /// Records this run of the circles job, in one transaction with the
    /// outbox and on the latest records: asks each circle of `check_ins`
    /// that is still kept, not yet asked and not yet answered (its
    /// `check_in_at` is set, nothing else of it changes), and forms
    /// `new_round`, if any, as the round after every round ever formed,
    /// with their prompts and check-ins queued from `now`. Does not flush.
    ///
    /// Runs under the log-writer lock, which a forget holds from its scans
    /// to its write: nobody forgotten is seated in a new circle (a circle
    /// left with fewer than two is not formed), and a forget that follows
    /// finds the new circles to take them out of.
    pub fn save_circles_and_enqueue(
        &self,
        check_ins: &[CircleKey],
        new_round: &[Vec<UserId>],
        now: DateTime<Utc>,
    ) -> Result<CirclesSaved, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        let mut seated: Vec<Vec<UserId>> = Vec::with_capacity(new_round.len());
        for members in new_round {
            let mut kept = Vec::with_capacity(members.len());
            for member in members {
                if !self.is_forgotten(member)? {
                    kept.push(member.clone());
                }
            }
            if kept.len() >= 2 {
                seated.push(kept);
            }
        }
        // A round's number is never used twice, though forget-me may have
        // emptied the last round: its key names the check-in's buttons
        // and the once-key of its *We met*.
        let last_kept = match trees.circles.last()? {
            Some((key, _)) => keys::circle_key(&key).map_or(0, |k| k.round),
            None => 0,
        };
        let ids = (0..check_ins.len() + seated.len())
            .map(|_| trees.db.generate_id())
            .collect::<Result<Vec<u64>, _>>()?;
        (&trees.circles, &trees.outbox, &trees.meta)
            .transaction(|(circles_tx, outbox_tx, meta_tx)| {
                let mut saved = CirclesSaved::default();
                let mut ids = ids.iter().copied();
                let mut queue =
                    |message: CircleMessage,
                     saved: &mut CirclesSaved|
                     -> Result<(), ConflictableTransactionError<StoreError>> {
                        let id = ids.next().unwrap_or_default();
                        let item = OutboxItem::queued(id, Outgoing::Circle(message), now);
                        let key = keys::outbox(item.id);
                        let value = self
                            .encode(trees::OUTBOX, &key, &item)
                            .map_err(ConflictableTransactionError::Abort)?;
                        outbox_tx.insert(key.as_slice(), value)?;
                        saved.queued.push(item);
                        Ok(())
                    };
                for &key in check_ins {
                    let at = keys::circle(key);
                    let Some(bytes) = circles_tx.get(at)? else {
                        continue;
                    };
                    let mut circle: Circle = self
                        .decode(trees::CIRCLES, &at, &bytes)
                        .map_err(ConflictableTransactionError::Abort)?;
                    if circle.check_in_at.is_some() || circle.outcome.is_some() {
                        continue;
                    }
                    circle.check_in_at = Some(now);
                    let value = self
                        .encode(trees::CIRCLES, &at, &circle)
                        .map_err(ConflictableTransactionError::Abort)?;
                    circles_tx.insert(&at, value)?;
                    saved.asked += 1;
                    let stage = CircleStage::CheckIn;
                    queue(CircleMessage { circle: key, stage }, &mut saved)?;
                }
                if seated.is_empty() {
                    return Ok(saved);
                }
                let last_counted = match meta_tx.get(meta::LAST_CIRCLE_ROUND)? {
                    Some(bytes) => round_number(&bytes).ok_or_else(|| {
                        ConflictableTransactionError::Abort(
                            self.corrupt_meta(meta::LAST_CIRCLE_ROUND, "not a 4-byte round number"),
                        )
                    })?,
                    None => 0,
                };
                let round = last_counted.max(last_kept) + 1;
                meta_tx.insert(meta::LAST_CIRCLE_ROUND, &round.to_be_bytes())?;
                for (members, index) in seated.iter().zip(1..) {
                    let circle = Circle::formed(CircleKey { round, index }, members.clone(), now);
                    let at = keys::circle(circle.key);
                    let value = self
                        .encode(trees::CIRCLES, &at, &circle)
                        .map_err(ConflictableTransactionError::Abort)?;
                    circles_tx.insert(&at, value)?;
                    let stage = CircleStage::Prompt;
                    queue(
                        CircleMessage {
                            circle: circle.key,
                            stage,
                        },
                        &mut saved,
                    )?;
                    saved.formed.push(circle);
                }
                Ok(saved)
            })
            .map_err(super::interactions::from_transaction)
    }

    /// Writes `circles` as they are, whatever the store holds: for tests
    /// that need a circle in a given state.
    #[cfg(test)]
    pub(super) fn put_circles(&self, circles: &[Circle]) -> Result<(), StoreError> {
        let trees = self.trees()?;
        for circle in circles {
            let key = keys::circle(circle.key);
            trees
                .circles
                .insert(key, self.encode(trees::CIRCLES, &key, circle)?)?;
        }
        Ok(())
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
    /// it is kept now, or `None` when it is not kept or who answered is
    /// no longer one of it. Does not flush.
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
                // Who pressed may have left it (forgotten) since they read it.
                if outcome.by().is_some_and(|by| !circle.has_member(by)) {
                    return Ok(None);
                }
                if replaces(circle.outcome.as_ref(), &outcome) {
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

/// Whether `answer` replaces a circle's `current` answer to its check-in:
/// *We met* replaces *Not yet* or a skip (they met after all), nothing
/// else replaces an answer.
pub(super) fn replaces(current: Option<&CircleOutcome>, answer: &CircleOutcome) -> bool {
    match (current, answer) {
        (None, _) => true,
        (Some(CircleOutcome::Met { .. }), _) => false,
        (Some(_), CircleOutcome::Met { .. }) => true,
        (Some(_), _) => false,
    }
}

/// A round number as `meta` keeps it: 4 bytes, big-endian.
fn round_number(bytes: &[u8]) -> Option<u32> {
    <[u8; 4]>::try_from(bytes).ok().map(u32::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CircleMessage, CircleStage};
    use crate::store::fixtures::{at_minute, open_temp, person, reopen, user};

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

    fn members(ids: &[&str]) -> Vec<UserId> {
        ids.iter().map(|m| user(m)).collect()
    }

    #[test]
    fn a_round_and_its_prompts_are_kept_together_and_the_channel_once_sent() {
        let (dir, store) = open_temp();
        let round = [members(&["U1", "U2", "U3"]), members(&["U4", "U5", "U6"])];
        let saved = store
            .save_circles_and_enqueue(&[], &round, at_minute(0))
            .unwrap();
        store.flush().unwrap();
        drop(store);
        let store = reopen(dir.path()).unwrap();
        let circles = [
            circle(1, 1, &["U1", "U2", "U3"]),
            circle(1, 2, &["U4", "U5", "U6"]),
        ];
        assert_eq!(store.circles().unwrap(), circles);
        assert_eq!(saved.formed, circles);
        let items = store.pending_outbox().unwrap();
        assert_eq!(items, saved.queued);
        let prompts: Vec<Outgoing> = circles
            .iter()
            .map(|c| {
                Outgoing::Circle(CircleMessage {
                    circle: c.key,
                    stage: CircleStage::Prompt,
                })
            })
            .collect();
        assert_eq!(
            items.iter().map(|i| i.outgoing.clone()).collect::<Vec<_>>(),
            prompts
        );

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
    fn a_check_in_is_asked_once_of_a_circle_still_kept_and_changes_nothing_else() {
        let (_dir, store) = open_temp();
        let mut answered = circle(1, 1, &["U1", "U2", "U3"]);
        answered.outcome = Some(CircleOutcome::Skipped {
            by: Some(user("U1")),
            at: at_minute(5),
        });
        let mut sent = circle(1, 2, &["U4", "U5", "U6"]);
        sent.channel = Some(ChannelId::parse("G2").unwrap());
        sent.channel_members = sent.members.clone();
        store
            .put_circles(&[answered.clone(), sent.clone()])
            .unwrap();
        let gone = CircleKey { round: 1, index: 3 };
        let keys = [answered.key, sent.key, gone];
        let saved = store
            .save_circles_and_enqueue(&keys, &[], at_minute(60))
            .unwrap();
        assert_eq!(saved.asked, 1);
        assert!(saved.formed.is_empty());
        let asked = store.circle(sent.key).unwrap().unwrap();
        assert_eq!(
            asked,
            Circle {
                check_in_at: Some(at_minute(60)),
                ..sent.clone()
            }
        );
        assert_eq!(store.circle(answered.key).unwrap().unwrap(), answered);
        assert_eq!(store.circles().unwrap().len(), 2, "nothing is written back");
        let again = store
            .save_circles_and_enqueue(&keys, &[], at_minute(61))
            .unwrap();
        assert_eq!(again.asked, 0, "asked once");
        assert_eq!(store.pending_outbox().unwrap().len(), 1);
    }

    #[test]
    fn a_new_round_seats_nobody_forgotten_and_never_reuses_a_round_s_number() {
        let (_dir, store) = open_temp();
        let first = store
            .save_circles_and_enqueue(&[], &[members(&["U1", "U2", "U3"])], at_minute(0))
            .unwrap();
        assert_eq!(first.formed[0].key, CircleKey { round: 1, index: 1 });
        store.forget_person(&user("U1")).unwrap();
        store.forget_person(&user("U2")).unwrap();
        assert!(store.circles().unwrap().is_empty(), "round 1 is emptied");

        let round = [members(&["U1", "U4", "U5"]), members(&["U2", "U6"])];
        let next = store
            .save_circles_and_enqueue(&[], &round, at_minute(60))
            .unwrap();
        assert_eq!(next.formed.len(), 1, "a circle left with one is not formed");
        assert_eq!(next.formed[0].key, CircleKey { round: 2, index: 1 });
        assert_eq!(next.formed[0].members, members(&["U4", "U5"]));
        assert_eq!(next.queued.len(), 1);
    }

    #[test]
    fn rounds_formed_at_the_same_instant_by_two_runs_never_share_a_key() {
        let (_dir, store) = open_temp();
        let round = [members(&["U1", "U2", "U3"]), members(&["U4", "U5", "U6"])];
        let runs: Vec<CirclesSaved> = std::thread::scope(|scope| {
            let run = || {
                store
                    .save_circles_and_enqueue(&[], &round, at_minute(0))
                    .unwrap()
            };
            let (a, b) = (scope.spawn(run), scope.spawn(run));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        let mut formed: Vec<Circle> = runs.into_iter().flat_map(|r| r.formed).collect();
        formed.sort_by_key(|c| c.key);
        let keys: Vec<String> = formed.iter().map(|c| c.key.to_string()).collect();
        assert_eq!(keys, ["1-1", "1-2", "2-1", "2-2"]);
        assert_eq!(
            store.circles().unwrap(),
            formed,
            "neither overwrote the other"
        );
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
            .put_circles(&[answered, pair, others.clone()])
            .unwrap();
        store.enqueue(vec![message], at_minute(0)).unwrap();
        let theirs = store.export_person(&user("U1")).unwrap().circles;
        assert_eq!(
            theirs
                .iter()
                .map(|c| c.circle.key.to_string())
                .collect::<Vec<_>>(),
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
        store.put_circles(&[circle]).unwrap();
        store.enqueue(vec![prompt.clone()], at_minute(0)).unwrap();
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
            .put_circles(&[stays.clone(), untouched.clone()])
            .unwrap();
        store.forget_person(&user("U1")).unwrap();
        let kept = store.circle(stays.key).unwrap().unwrap();
        assert_eq!(kept.members, [user("U2"), user("U3")]);
        assert_eq!(kept.channel, None, "that group DM still holds them");
        assert!(kept.channel_members.is_empty());
        assert_eq!(store.circle(untouched.key).unwrap().unwrap(), untouched);
    }

    #[tokio::test]
    async fn only_members_who_may_be_written_to_now_are_written_to() {
        let (_dir, store) = open_temp();
        let circle = circle(1, 1, &["U1", "U2", "U3", "U4", "U5", "U6"]);
        let mut opted_out = person("U2", "Bilal", Some("Platform"));
        opted_out.opted_out = true;
        let mut deactivated = person("U3", "Chen", Some("Design"));
        deactivated.deactivated = true;
        let mut snoozed = person("U4", "Dara", Some("Legal"));
        snoozed.snoozed_until = Some(at_minute(60));
        let mut snooze_over = person("U5", "Eve", Some("Sales"));
        snooze_over.snoozed_until = Some(at_minute(30));
        let as_they_are = [
            person("U1", "Ada", Some("Payments")),
            opted_out,
            deactivated,
            snoozed,
            snooze_over,
        ];
        for someone in &as_they_are {
            store.put_person(someone).unwrap();
        }
        // U6 is not known: forgotten, or never synced.
        let store = crate::store::Store::from(store);
        let now = at_minute(45);
        assert_eq!(
            store.circle_members_to_write(&circle, now).await.unwrap(),
            members(&["U1", "U5"])
        );
        assert_eq!(
            store
                .circle_members_to_write(&circle, at_minute(60))
                .await
                .unwrap(),
            members(&["U1", "U4", "U5"]),
            "a snooze ends when it says"
        );
    }

    #[test]
    fn an_answer_from_someone_no_longer_in_the_circle_is_not_recorded() {
        let (_dir, store) = open_temp();
        let kept = circle(1, 1, &["U2", "U3"]);
        store.put_circles(std::slice::from_ref(&kept)).unwrap();
        let left = CircleOutcome::Met {
            by: Some(user("U1")),
            at: at_minute(1),
        };
        assert_eq!(store.answer_circle(kept.key, left).unwrap(), None);
        assert_eq!(store.circle(kept.key).unwrap(), Some(kept));
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
            .put_circles(&[circle(1, 1, &["U1", "U2", "U3"])])
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
