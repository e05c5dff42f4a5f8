//! The nudge job: plan the reminders, introductions and leaders' early
//! warnings, and queue them in the outbox for the dispatcher. An early
//! warning takes the place of its leader's nudge in the run that plans it:
//! one message at a time.

use crate::domain::{
    EarlyWarning, Nudge, Outgoing, Partnership, SentNudge, UserId, number, plural,
};
use crate::metrics::Metrics;
use crate::rules::{Policy, Snapshot, plan_early_warnings, plan_nudges};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

/// What the nudge rules read at `now`: everyone, every tie, and the nudges
/// sent as far back as the policy looks — with those still queued counted
/// as sent when queued, so that a nudge waiting for Slack is not planned
/// twice; an early warning still queued counts as sent to its leader, and
/// its step to meet someone new as an introduction.
pub async fn nudge_snapshot(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Snapshot, StoreError> {
    // The outbox first: a nudge the dispatcher marks sent between the two
    // reads leaves the outbox for the sent nudges, so read in this order it
    // is seen in one or both, and in the other order in neither.
    let pending = store.pending_outbox().await?;
    let mut recent = store.nudges_sent_since(now - policy.nudge_memory()).await?;
    let mut warned: FxHashMap<UserId, DateTime<Utc>> = FxHashMap::default();
    for item in pending {
        match &item.outgoing {
            Outgoing::EarlyWarning(warning) => {
                warned.insert(warning.to.clone(), item.queued_at);
                recent.extend(warning.introductions(item.queued_at));
            }
            outgoing => recent.extend(
                outgoing
                    .nudge()
                    .map(|nudge| SentNudge::of(nudge, item.queued_at)),
            ),
        }
    }
    let mut people = store.people_by_id().await?;
    if !warned.is_empty() {
        // Copied only when a warning waits in the outbox.
        let people = std::sync::Arc::make_mut(&mut people);
        for (id, at) in &warned {
            if let Some(person) = people.get_mut(id) {
                person.early_warned_at = Some(*at);
            }
        }
    }
    Ok(Snapshot::of_shared(people, store.ties().await?, recent))
}

/// This run's messages: the early warnings (`min_teams` 0: none), and the
/// nudges to everyone not warned, in recipient order. The warned leaders
/// are marked in `snapshot` as warned at `now`, as they will be once sent,
/// so that the nudges are planned without them from the start: a tie of
/// theirs is then free for the other side's reminder, and someone a
/// warning suggests they meet is not introduced to them as well.
pub fn plan_messages(
    snapshot: &mut Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    min_teams: u32,
) -> (Vec<EarlyWarning>, Vec<Nudge>) {
    let warnings = plan_early_warnings(snapshot, now, policy, min_teams);
    for warning in &warnings {
        if let Some(leader) = std::sync::Arc::make_mut(&mut snapshot.people).get_mut(&warning.to) {
            leader.early_warned_at = Some(now);
        }
        snapshot.recent_nudges.extend(warning.introductions(now));
    }
    let nudges = plan_nudges(snapshot, now, policy);
    (warnings, nudges)
}

/// Plans this run's nudges, the key `partnerships`' first, and queues them
/// (on disk before the job is recorded as run, so a crash in between plans
/// them again rather than losing them). Their reasons give figures only of
/// teams of at least `floor` active people.
pub async fn run(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
    partnerships: &[Partnership],
    min_teams: u32,
    floor: u32,
    metrics: &Metrics,
) -> Result<String, StoreError> {
    let mut snapshot = nudge_snapshot(store, now, policy)
        .await?
        .with_partnerships(partnerships.to_vec())
        .with_floor(floor);
    let (warnings, plan) = plan_messages(&mut snapshot, now, policy, min_teams);
    metrics.nudges_planned(plan.len());
    drop(snapshot);
    let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
    let warned = warnings.len();
    let queued = plan.len() + warned;
    let outgoing = warnings
        .into_iter()
        .map(Outgoing::EarlyWarning)
        .chain(plan.into_iter().map(Outgoing::Nudge))
        .collect();
    store.enqueue(outgoing, now).await?;
    store.flush().await?;
    let mut kinds = Vec::new();
    if intros > 0 {
        kinds.push(plural(intros, "introduction", "introductions"));
    }
    if warned > 0 {
        kinds.push(plural(warned, "early warning", "early warnings"));
    }
    Ok(match kinds.is_empty() {
        true => format!("queued {}", number(queued)),
        false => format!("queued {} ({})", number(queued), kinds.join(", ")),
    })
}
