//! What the dispatcher reads again just before a send, so that the rules'
//! re-check ([`recheck_nudge`], [`recheck_digest`]) judges a queued
//! message by the store as it is now, not as it was when the round read
//! the outbox.
//!
//! Point reads only: whether the item is still queued and this
//! replica's to send (on a shared store, its claim renewed as it is
//! asked), the people it names and, for a nudge, the pair's tie. A round
//! re-checks every item, twice for a nudge, and a scan per item would
//! make a round of thousands quadratic.

use super::Dispatcher;
use crate::domain::{Digest, Nudge, PairKey, UserId};
use crate::rules::{NudgeNow, Withdrawal, recheck_digest, recheck_nudge};
use crate::store::{ClaimNow, StoreError};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::fmt;

/// Why a queued item is not sent after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NotSent {
    /// It left the outbox meanwhile: someone it names was forgotten, or
    /// the workspace was purged.
    LeftTheOutbox,
    /// Another replica took it over: this one's claim ran out while it
    /// waited (on Slack's limits, or frozen). It is the other's to send
    /// and record, and this one writes nothing of it.
    TakenOver,
    /// It no longer holds.
    Withdrawn(Withdrawal),
    /// A circle's message, and fewer than two of its members may still
    /// be written to (they opted out, snoozed, left or were forgotten).
    CircleTooSmall,
    /// A calendar's failure, and the calendar was read again or taken
    /// back meanwhile.
    CalendarMended,
}

impl fmt::Display for NotSent {
    /// Why, in words that name nobody: fit for a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LeftTheOutbox => f.write_str("it left the outbox"),
            Self::TakenOver => f.write_str("another replica's claim holds it now"),
            Self::Withdrawn(why) => why.fmt(f),
            Self::CircleTooSmall => f.write_str("fewer than two of the circle may be written to"),
            Self::CalendarMended => f.write_str("the calendar was read again, or taken back"),
        }
    }
}

impl Dispatcher {
    /// Whether the queued item `item_id` is still this replica's to send:
    /// still queued and, on a shared store, still claimed by this replica,
    /// the claim renewed (see [`Store::claim_now`]). Asked first in every
    /// re-check, so also the last thing asked before each try at a post:
    /// a replica that stalled past its claim finds that another replica
    /// took the item over, and does not post it a second time.
    ///
    /// [`Store::claim_now`]: crate::store::Store::claim_now
    pub(super) async fn still_ours(&self, item_id: u64) -> Result<Result<(), NotSent>, StoreError> {
        Ok(
            match self.store.claim_now(item_id, self.claim_for()).await? {
                ClaimNow::Held => Ok(()),
                ClaimNow::LeftTheOutbox => Err(NotSent::LeftTheOutbox),
                ClaimNow::TakenOver => Err(NotSent::TakenOver),
            },
        )
    }

    /// The queued item `item_id`, the nudge `planned`, as it may go out now
    /// (see [`recheck_nudge`]), or why it may not.
    pub(super) async fn nudge_as_now(
        &self,
        item_id: u64,
        planned: &Nudge,
    ) -> Result<Result<Nudge, NotSent>, StoreError> {
        if let Err(why) = self.still_ours(item_id).await? {
            return Ok(Err(why));
        }
        let to = self.store.person(&planned.to).await?;
        let about = self.store.person(&planned.about).await?;
        let contact = match planned.reason.shared_contact() {
            Some(contact) => self.store.person(contact).await?,
            None => None,
        };
        let tie = match PairKey::new(&planned.to, &planned.about) {
            Some(pair) => self.store.tie(&pair).await?,
            None => None,
        };
        let now = NudgeNow {
            to: to.as_ref(),
            about: about.as_ref(),
            contact: contact.as_ref(),
            tie: tie.as_ref(),
        };
        Ok(recheck_nudge(planned, &now, self.clock.now())
            .map(Cow::into_owned)
            .map_err(NotSent::Withdrawn))
    }

    /// The queued item `item_id`, the digest `planned`, naming only those
    /// who may still be named (see [`recheck_digest`]), or why it is not
    /// sent.
    pub(super) async fn digest_as_now<'d>(
        &self,
        item_id: u64,
        planned: &'d Digest,
    ) -> Result<Result<Cow<'d, Digest>, NotSent>, StoreError> {
        if let Err(why) = self.still_ours(item_id).await? {
            return Ok(Err(why));
        }
        // Each person once, though the digest may name them many times, and
        // whether or not the store still knows them.
        let named: FxHashSet<&UserId> = planned.people_named().collect();
        let mut people_now = FxHashMap::default();
        for user in named {
            if let Some(person) = self.store.person(user).await? {
                people_now.insert(UserId::clone(user), person);
            }
        }
        let digest = recheck_digest(planned, &people_now);
        if matches!(digest, Cow::Owned(_)) {
            tracing::debug!(
                "the digest names fewer people than planned: some may no longer be named"
            );
        }
        Ok(Ok(digest))
    }
}
