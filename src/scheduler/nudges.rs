//! The nudge job: plan the reminders and introductions, and queue them in
//! the outbox for the dispatcher.

use crate::domain::{Outgoing, Partnership, SentNudge, plural};
use crate::metrics::Metrics;
use crate::rules::{Policy, Snapshot, plan_nudges};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// What the nudge rules read at `now`: everyone, every tie, and the nudges
/// sent as far back as the policy looks — with those still queued counted
/// as sent when queued, so that a nudge waiting for Slack is not planned
/// twice.
pub fn nudge_snapshot(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Snapshot, StoreError> {
    let mut recent = store.nudges_sent_since(now - policy.nudge_memory())?;
    recent.extend(store.pending_outbox()?.iter().filter_map(|item| {
        item.outgoing
            .nudge()
            .map(|nudge| SentNudge::of(nudge, item.queued_at))
    }));
    Ok(Snapshot::new(store.people()?, store.ties()?, recent))
}

/// Plans this run's nudges, the key `partnerships`' first, and queues them
/// (on disk before the job is recorded as run, so a crash in between plans
/// them again rather than losing them).
pub fn run(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
    partnerships: &[Partnership],
    metrics: &Metrics,
) -> Result<String, StoreError> {
    let snapshot = nudge_snapshot(store, now, policy)?.with_partnerships(partnerships.to_vec());
    let plan = plan_nudges(&snapshot, now, policy);
    metrics.nudges_planned(plan.len());
    drop(snapshot);
    let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
    let queued = plan.len();
    store.enqueue(plan.into_iter().map(Outgoing::Nudge).collect(), now)?;
    store.flush()?;
    Ok(match intros {
        0 => format!("queued {queued}"),
        n => format!(
            "queued {queued} ({})",
            plural(n, "introduction", "introductions")
        ),
    })
}
