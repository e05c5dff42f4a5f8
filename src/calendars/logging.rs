//! From the meetings of a calendar that count to the interactions logged:
//! who is who, and each meeting once.
//!
//! Only pairs with the calendar's owner are logged: a colleague who never
//! gave their own calendar is logged only as having met the owner, as
//! `/met` would log them, never as having met the others in the room. A
//! colleague the bot does not know, or who opted out or left, is not
//! logged at all. A meeting is logged only when one of those it is logged
//! with works in another team than the owner: the bot is about alliances
//! across teams.
//!
//! Each pair of each instance of each meeting has a key of its own, a
//! keyed hash of the event's `UID`, the instance's original start and the
//! pair's ids (see `store::OnceKeys`), under which it is logged once
//! ([`Store::log_interactions_once`]): the same meeting read again, or read
//! from the other person's calendar too, is not counted twice. The key
//! says nothing of the meeting (a `UID` can carry a host name or an id
//! from the calendar's system), nor lets anyone without the store's key
//! (which the data folder and its backups hold) check a guess of who met
//! when.

use super::Counted;
use crate::domain::{Interaction, InteractionKind, Person, UserId};
use crate::store::{OnceKeys, Store, StoreError};
use std::collections::HashMap;

/// One calendar meeting between the owner and one other, ready to log
/// under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToLog {
    /// What it is logged once under.
    pub key: String,
    /// Which of the meetings counted it comes from, by its place among
    /// them: one meeting with three others logs three.
    pub meeting: usize,
    /// The meeting, between the two, at its start.
    pub interaction: Interaction,
}

/// What `counted`, the meetings of `owner`'s calendar that count, log:
/// the people in them found by email through `find`, each pair keyed
/// with `once`.
pub fn to_log<'p>(
    owner: &Person,
    counted: &[Counted<'_>],
    find: impl Fn(&str) -> Option<&'p Person>,
    once: &OnceKeys,
) -> Vec<ToLog> {
    let mut out = Vec::new();
    for (index, meeting) in counted.iter().enumerate() {
        let others: Vec<&Person> = meeting
            .with
            .iter()
            .filter_map(|email| find(email))
            .filter(|p| p.id != owner.id && p.reachable())
            .collect();
        let across = others
            .iter()
            .any(|p| p.team.is_some() && p.team != owner.team);
        if !across {
            continue;
        }
        for other in others {
            let Some(interaction) = Interaction::new(
                meeting.meeting.start,
                InteractionKind::Calendar,
                [owner.id.clone(), other.id.clone()],
                None,
                None,
            ) else {
                continue;
            };
            out.push(ToLog {
                key: key_of(meeting, &owner.id, &other.id, once),
                meeting: index,
                interaction,
            });
        }
    }
    out
}

/// Logs each of `meetings` once, in one write; how many were new.
/// Everyone in a meeting is looked up again first, once per call: someone
/// who opted out, left or asked to be forgotten while the feed was read is
/// not logged.
pub async fn log(store: &Store, meetings: &[ToLog]) -> Result<usize, StoreError> {
    let mut may_log: HashMap<&UserId, bool> = HashMap::new();
    let mut batch = Vec::with_capacity(meetings.len());
    for meeting in meetings {
        let mut everyone = true;
        for id in &meeting.interaction.participants {
            let ok = match may_log.get(id) {
                Some(ok) => *ok,
                None => {
                    let ok = store.person(id).await?.is_some_and(|p| p.reachable());
                    may_log.insert(id, ok);
                    ok
                }
            };
            everyone &= ok;
        }
        if everyone {
            batch.push((meeting.key.as_str(), &meeting.interaction));
        }
    }
    store.log_interactions_once(&batch).await
}

/// The key of the meeting between `a` and `b` in `counted`'s instance:
/// the same whichever of the two's calendar it is read from.
fn key_of(counted: &Counted<'_>, a: &UserId, b: &UserId, once: &OnceKeys) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    let instance = counted.meeting.instance.to_rfc3339();
    once.key(
        "calendar",
        &[
            counted.meeting.uid.as_bytes(),
            instance.as_bytes(),
            low.as_str().as_bytes(),
            high.as_str().as_bytes(),
        ],
    )
}

#[cfg(test)]
mod tests;
