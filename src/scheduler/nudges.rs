//! The nudge job: plan the neglected-peer nudges, send them, record them.

use crate::domain::SentNudge;
use crate::rules::{Policy, Snapshot, plan_nudges};
use crate::slack::SlackClient;
use crate::store::Store;
use chrono::{DateTime, Utc};

/// Plans this run's nudges from the store and sends each through Slack.
/// A nudge Slack refused is logged and not recorded, so the rules may plan
/// it again next time.
pub async fn run(
    store: &Store,
    slack: &SlackClient,
    now: DateTime<Utc>,
    policy: &Policy,
) -> anyhow::Result<String> {
    let snapshot = Snapshot::new(
        store.people()?,
        store.ties()?,
        store.nudges_sent_since(now - policy.nudge_memory())?,
    );
    let plan = plan_nudges(&snapshot, now, policy);
    let (mut sent, mut failed) = (0, 0);
    for nudge in &plan {
        match slack.send_nudge(nudge).await {
            Ok(_) => {
                store.record_nudge_sent(&SentNudge {
                    to: nudge.to.clone(),
                    about: nudge.about.clone(),
                    at: now,
                })?;
                sent += 1;
            }
            Err(err) => {
                failed += 1;
                tracing::warn!(to = %nudge.to, error = %err, "nudge not sent");
            }
        }
    }
    Ok(format!(
        "planned {}, sent {sent}, failed {failed}",
        plan.len()
    ))
}
