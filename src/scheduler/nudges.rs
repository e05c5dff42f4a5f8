//! The nudge job: plan the reminders and introductions, send them, record
//! them.

use crate::domain::{PairKey, SentNudge};
use crate::rules::{Policy, Snapshot, plan_nudges, still_due};
use crate::slack::SlackClient;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// What the nudge rules read at `now`: everyone, every tie, and the nudges
/// sent as far back as the policy looks.
pub fn nudge_snapshot(
    store: &Store,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Snapshot, StoreError> {
    Ok(Snapshot::new(
        store.people()?,
        store.ties()?,
        store.nudges_sent_since(now - policy.nudge_memory())?,
    ))
}

/// Plans this run's nudges from the store and sends each through Slack.
/// Just before each send, the tie is read again: a nudge whose two people
/// have interacted since it was planned is dropped. A nudge Slack refused
/// is logged and not recorded, so the rules may plan it again next time.
pub async fn run(
    store: &Store,
    slack: &SlackClient,
    now: DateTime<Utc>,
    policy: &Policy,
) -> anyhow::Result<String> {
    let snapshot = nudge_snapshot(store, now, policy)?;
    let plan = plan_nudges(&snapshot, now, policy);
    drop(snapshot);
    let (mut sent, mut dropped, mut failed) = (0, 0, 0);
    for nudge in &plan {
        let tie_now = match PairKey::new(&nudge.to, &nudge.about) {
            Some(pair) => store.tie(&pair)?,
            None => None,
        };
        if !still_due(nudge, tie_now.as_ref()) {
            dropped += 1;
            tracing::info!(to = %nudge.to, about = %nudge.about, "they met since it was planned: not sent");
            continue;
        }
        match slack.send_nudge(nudge).await {
            Ok(_) => {
                store.record_nudge_sent(&SentNudge::of(nudge, now))?;
                sent += 1;
            }
            Err(err) => {
                failed += 1;
                tracing::warn!(to = %nudge.to, error = %err, "nudge not sent");
            }
        }
    }
    let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
    let mut summary = format!("planned {}", plan.len());
    match intros {
        0 => {}
        1 => summary.push_str(" (1 introduction)"),
        n => summary.push_str(&format!(" ({n} introductions)")),
    }
    summary.push_str(&format!(", sent {sent}, failed {failed}"));
    if dropped > 0 {
        summary.push_str(&format!(", dropped {dropped} (they met since)"));
    }
    Ok(summary)
}
