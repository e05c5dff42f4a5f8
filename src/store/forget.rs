//! `forget-me`: removing a person from every tree that names people.
//!
//! Those trees are `people` (their record, and their id in others' paused
//! sets), `interactions` (as a participant or a logger), `ties` (every pair
//! they are in), `nudges` (sent to them or about them, or naming them as an
//! introduction's contact; a note of theirs a reminder to others quotes),
//! `outbox` (queued messages naming them, or quoting a note of theirs),
//! `dm_channels` (their DM channel), `circles` (they leave every
//! circle, and a circle left with fewer than two goes; an answer they
//! gave to a check-in stays, without their name) and `calendars` (the
//! calendar they gave). The others name nobody: `logged_keys`
//! and `deliveries` hold opaque ids chosen by Slack and the bot, `jobs` a
//! summary line per job, `meta` numbers and keys, `tombstones` keyed
//! hashes.
//!
//! Their calendar goes first, on its own (sled's transactions span at
//! most nine trees): a crash just after leaves them not yet forgotten but
//! no longer read, the safe side, and forgetting again finishes. The rest
//! is written in one sled transaction over those trees, with
//! the person's tombstone (see `tombstones`), so a crash leaves the person
//! either wholly there or wholly gone and marked as forgotten, and the tie
//! index and the count stay consistent with the log. The scans before it
//! run under the log-writer lock, which keeps the log and the ties still.

use super::export::involves;
use super::interactions::{from_transaction, next_tie, pairs_of};
use super::{SledStore, StoreError, keys, meta, rewrite, trees};
use crate::domain::{
    Circle, CircleOutcome, Interaction, NudgeReason, OutboxItem, Outgoing, PairKey, Person,
    SentNudge, Tie, UserId,
};
use sled::transaction::ConflictableTransactionError;
use sled::{IVec, Transactional};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

/// What forgetting a person removed or changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Interactions deleted: fewer than two people remained without them.
    pub interactions_removed: usize,
    /// Interactions kept for the others, without them and without a note.
    pub interactions_rewritten: usize,
    /// Ties of a pair they were in.
    pub ties_removed: usize,
    /// Nudges sent to them or about them.
    pub nudges_removed: usize,
    /// Queued messages that named them, removed unsent.
    pub queued_removed: usize,
    /// Leadership circles they left.
    pub circles_left: usize,
    /// Whether the calendar they gave was removed.
    pub calendar_removed: bool,
}

/// What becomes of one interaction when a person is forgotten.
pub(super) enum Fate {
    /// Fewer than two people remain without them: it goes.
    Removed,
    /// The others keep it, without them. `note_cleared` says whether it
    /// had a note, which the ties of its pairs may hold.
    Rewritten {
        interaction: Interaction,
        note_cleared: bool,
    },
}

impl SledStore {
    /// Removes every trace of `id` (see the module doc): their record; each
    /// interaction they took part in, deleted if fewer than two people
    /// remain and otherwise rewritten without them; each interaction they
    /// logged for others, kept without its logger; the ties of every pair
    /// they are in; every nudge to them or about them, and a note of theirs
    /// quoted in nudges to others; their id in anyone's
    /// paused set; the calendar they gave. Leaves their tombstone, so that Slack naming them again
    /// does not bring them back ([`SledStore::is_forgotten`]). Forgetting
    /// someone unknown leaves only the tombstone; forgetting twice does
    /// nothing more.
    ///
    /// A rewritten interaction loses its note as well: they may have written
    /// it, or it may be about them. The ties among the people who remain
    /// keep their count and dates, which did not change; a note they held
    /// from a cleared interaction is recomputed from the log, so the tie
    /// index stays the fold of the log.
    ///
    /// Nudges and people are written without the log-writer lock, so a nudge
    /// to them or a pause of them recorded while this runs may survive it;
    /// forgetting again removes it. New circles are formed under that lock
    /// and never seat someone forgotten; the circles they are in are read
    /// again in the transaction, so an answer recorded meanwhile is kept. Does not flush: flush before telling
    /// them they are forgotten.
    pub fn forget_person(&self, id: &UserId) -> Result<Forgotten, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        let mut forgotten = Forgotten {
            calendar_removed: self.remove_calendar(id)?,
            ..Forgotten::default()
        };
        let fates = self.fates_in_log(id)?;
        let mut log = sled::Batch::default();
        // The pairs whose tie may hold a note that is now cleared.
        let mut renoted = BTreeSet::new();
        for (key, fate) in &fates {
            match fate {
                Fate::Removed => {
                    log.remove(key);
                    forgotten.interactions_removed += 1;
                }
                Fate::Rewritten {
                    interaction,
                    note_cleared,
                } => {
                    log.insert(key, self.encode(trees::INTERACTIONS, key, interaction)?);
                    forgotten.interactions_rewritten += 1;
                    if *note_cleared {
                        renoted.extend(pairs_of(interaction));
                    }
                }
            }
        }

        let mut ties = sled::Batch::default();
        for entry in trees.ties.iter() {
            let (key, _) = entry?;
            if keys::tie_includes(&key, id) {
                ties.remove(key);
                forgotten.ties_removed += 1;
            }
        }
        for (pair, tie) in self.refold(&renoted, &fates)? {
            let key = keys::tie(&pair);
            ties.insert(key.as_slice(), self.encode(trees::TIES, &key, &tie)?);
        }

        let mut nudges = sled::Batch::default();
        for entry in trees.nudges.iter() {
            let (key, bytes) = entry?;
            if keys::nudge_includes(&key, id) {
                nudges.remove(key);
                forgotten.nudges_removed += 1;
                continue;
            }
            let mut sent: SentNudge = self.decode(trees::NUDGES, &key, &bytes)?;
            let pair = PairKey::new(&sent.to, &sent.about);
            if let Some(reason) = &mut sent.reason
                && reason_without(reason, id, pair, &renoted)
            {
                nudges.insert(&key, self.encode(trees::NUDGES, &key, &sent)?);
            }
        }

        // Queued messages that name them go: a pending nudge to them, about
        // them or naming them as a contact, and a pending digest naming them
        // (that week's digest is lost rather than naming someone forgotten).
        // A pending nudge to others may quote a note of theirs: read again
        // inside the transaction, as the dispatcher may have sent it since.
        let mut outbox = sled::Batch::default();
        let mut requoted = Vec::new();
        for entry in trees.outbox.iter() {
            let (key, bytes) = entry?;
            let item: OutboxItem = self.decode(trees::OUTBOX, &key, &bytes)?;
            if item.outgoing.names(id) {
                outbox.remove(key);
                forgotten.queued_removed += 1;
            } else if item.outgoing.nudge().is_some_and(|nudge| {
                PairKey::new(&nudge.to, &nudge.about).is_some_and(|pair| renoted.contains(&pair))
            }) {
                requoted.push(key);
            }
        }

        let (circles, circles_left) = self.circles_naming(id)?;
        forgotten.circles_left = circles_left;
        let pausers = self.keys_of_people_pausing(id)?;
        let (tombstone, nothing) = self.tombstone_entry(id)?;
        let count = self
            .interaction_count
            .load(Ordering::SeqCst)
            .saturating_sub(forgotten.interactions_removed);
        (
            &trees.people,
            &trees.interactions,
            &trees.ties,
            &trees.meta,
            &trees.nudges,
            &trees.outbox,
            &trees.dm_channels,
            &trees.tombstones,
            &trees.circles,
        )
            .transaction(
                |(
                    people_tx,
                    log_tx,
                    ties_tx,
                    meta_tx,
                    nudges_tx,
                    outbox_tx,
                    dm_tx,
                    gone_tx,
                    circles_tx,
                )| {
                    people_tx.remove(keys::person(id))?;
                    // Read again inside: a pause changed since the scan is kept.
                    for key in &pausers {
                        let Some(bytes) = people_tx.get(key)? else {
                            continue;
                        };
                        let mut person: Person = self
                            .decode(trees::PEOPLE, key, &bytes)
                            .map_err(ConflictableTransactionError::Abort)?;
                        if person.paused.remove(id) {
                            let value = self
                                .encode(trees::PEOPLE, key, &person)
                                .map_err(ConflictableTransactionError::Abort)?;
                            people_tx.insert(key, value)?;
                        }
                    }
                    log_tx.apply_batch(&log)?;
                    ties_tx.apply_batch(&ties)?;
                    nudges_tx.apply_batch(&nudges)?;
                    outbox_tx.apply_batch(&outbox)?;
                    for key in &requoted {
                        let Some(bytes) = outbox_tx.get(key)? else {
                            continue;
                        };
                        let mut item: OutboxItem = self
                            .decode(trees::OUTBOX, key, &bytes)
                            .map_err(ConflictableTransactionError::Abort)?;
                        if let Outgoing::Nudge(nudge) = &mut item.outgoing
                            && nudge.reason.drop_quoted_note()
                        {
                            let value = self
                                .encode(trees::OUTBOX, key, &item)
                                .map_err(ConflictableTransactionError::Abort)?;
                            outbox_tx.insert(key, value)?;
                        }
                    }
                    dm_tx.remove(keys::person(id))?;
                    // Read again inside: an answer or a group DM recorded
                    // since the scan is kept.
                    for key in &circles {
                        let Some(bytes) = circles_tx.get(key)? else {
                            continue;
                        };
                        let circle: Circle = self
                            .decode(trees::CIRCLES, key, &bytes)
                            .map_err(ConflictableTransactionError::Abort)?;
                        match circle_without(circle, id) {
                            Some(kept) => {
                                let value = self
                                    .encode(trees::CIRCLES, key, &kept)
                                    .map_err(ConflictableTransactionError::Abort)?;
                                circles_tx.insert(key, value)?;
                            }
                            None => {
                                circles_tx.remove(key)?;
                            }
                        }
                    }
                    gone_tx.insert(&tombstone[..], nothing.as_slice())?;
                    meta_tx.insert(meta::INTERACTION_COUNT, &(count as u64).to_be_bytes())?;
                    // sled's files still hold what this removes (see `rewrite`).
                    meta_tx.insert(meta::REWRITE_DUE, rewrite::DUE)?;
                    Ok(())
                },
            )
            .map_err(from_transaction)?;
        self.interaction_count.store(count, Ordering::SeqCst);
        // Their ties and their record are gone: teams may be tied no more.
        self.team_pairs.outdated();
        self.tie_peers.outdated();
        self.people_cache.outdated();
        // The digests of recent /met contents may hold theirs; a digest
        // cannot be found by person, so all go (at worst, someone's
        // retry within ten minutes is judged by its trigger id alone).
        self.recent_logs.forget_all();
        self.rewrite_wanted.notify_one();
        Ok(forgotten)
    }

    /// The fate of every interaction that involves `id`, by key. A scan of
    /// the log; the caller holds the writer lock.
    fn fates_in_log(&self, id: &UserId) -> Result<BTreeMap<IVec, Fate>, StoreError> {
        let trees = self.trees()?;
        let mut fates = BTreeMap::new();
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction: Interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            if !involves(&interaction, id) {
                continue;
            }
            fates.insert(key, fate_of(interaction, id));
        }
        Ok(fates)
    }

    /// The ties of `pairs` folded afresh from the log as `fates` leave it, in
    /// log order. A second scan of the log, only when some tie of the people
    /// who remain may hold a cleared note.
    fn refold(
        &self,
        pairs: &BTreeSet<PairKey>,
        fates: &BTreeMap<IVec, Fate>,
    ) -> Result<BTreeMap<PairKey, Tie>, StoreError> {
        let trees = self.trees()?;
        let mut ties: BTreeMap<PairKey, Tie> = BTreeMap::new();
        if pairs.is_empty() {
            return Ok(ties);
        }
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction = match fates.get(&key) {
                Some(Fate::Removed) => continue,
                Some(Fate::Rewritten { interaction, .. }) => interaction.clone(),
                None => self.decode(trees::INTERACTIONS, &key, &bytes)?,
            };
            for pair in pairs_of(&interaction).intersection(pairs) {
                let known = ties.remove(pair);
                ties.insert(
                    pair.clone(),
                    next_tie(known, pair, &interaction, self.half_life),
                );
            }
        }
        Ok(ties)
    }

    /// The keys of the circles `id` is in or answered the check-in of, and
    /// how many they are in. A scan of the circles, which are few; the
    /// caller holds the writer lock, under which new circles are formed,
    /// and reads each again in its transaction (see [`circle_without`]).
    fn circles_naming(&self, id: &UserId) -> Result<(Vec<IVec>, usize), StoreError> {
        let trees = self.trees()?;
        let mut naming = Vec::new();
        let mut left = 0;
        for entry in trees.circles.iter() {
            let (key, bytes) = entry?;
            let circle: Circle = self.decode(trees::CIRCLES, &key, &bytes)?;
            let member = circle.has_member(id);
            if member || circle.outcome.as_ref().and_then(CircleOutcome::by) == Some(id) {
                left += usize::from(member);
                naming.push(key);
            }
        }
        Ok((naming, left))
    }

    /// The keys of the people whose paused set holds `id`. A scan of people.
    fn keys_of_people_pausing(&self, id: &UserId) -> Result<Vec<IVec>, StoreError> {
        let trees = self.trees()?;
        let mut pausers = Vec::new();
        for entry in trees.people.iter() {
            let (key, bytes) = entry?;
            let person: Person = self.decode(trees::PEOPLE, &key, &bytes)?;
            if person.paused.contains(id) {
                pausers.push(key);
            }
        }
        Ok(pausers)
    }
}

/// What becomes of `interaction`, which involves `id`, when they are
/// forgotten.
pub(super) fn fate_of(interaction: Interaction, id: &UserId) -> Fate {
    let remaining: Vec<UserId> = interaction
        .participants
        .iter()
        .filter(|&p| p != id)
        .cloned()
        .collect();
    if remaining.len() < 2 {
        return Fate::Removed;
    }
    Fate::Rewritten {
        note_cleared: interaction.note.is_some(),
        interaction: Interaction {
            participants: remaining,
            logged_by: interaction.logged_by.filter(|logger| logger != id),
            note: None,
            ..interaction
        },
    }
}

/// Takes `id` out of `reason`, why a nudge between two others (`pair`)
/// was sent: out of an introduction as its shared contact, and its quote
/// of what the two last talked about when a note of a meeting with `id`
/// may have been it (`renoted`, the pairs whose tie lost such a note): `id`
/// may have written it, or it may be about them. Whether it changed.
pub(super) fn reason_without(
    reason: &mut NudgeReason,
    id: &UserId,
    pair: Option<PairKey>,
    renoted: &BTreeSet<PairKey>,
) -> bool {
    let mut changed = false;
    if reason.shared_contact() == Some(id) {
        reason.drop_shared_contact();
        changed = true;
    }
    if pair.is_some_and(|pair| renoted.contains(&pair)) {
        changed |= reason.drop_quoted_note();
    }
    changed
}

/// `circle` without `id`: out of its members and its group DM (which
/// holds them, so the next message opens another), their name off an
/// answer they gave; `None` when fewer than two are left, and it goes.
pub(super) fn circle_without(mut circle: Circle, id: &UserId) -> Option<Circle> {
    if circle.has_member(id) {
        circle.members.retain(|m| m != id);
        circle.channel = None;
        circle.channel_members.clear();
    }
    if circle.outcome.as_ref().and_then(CircleOutcome::by) == Some(id) {
        circle.outcome = circle.outcome.map(CircleOutcome::without_presser);
    }
    (circle.members.len() >= 2).then_some(circle)
}

#[cfg(test)]
mod tests;
