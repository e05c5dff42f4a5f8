//! The digest job: plan the digest of new alliances and post it.

use crate::domain::DigestPolicy;
use crate::rules::{Snapshot, plan_digest};
use crate::slack::{SlackClient, render_digest};
use crate::store::Store;
use chrono::{DateTime, Utc};

/// Posts the digest of `(since, until]` to `channel`, unless it is quiet.
pub async fn run(
    store: &Store,
    slack: &SlackClient,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    channel: &str,
    policy: &DigestPolicy,
) -> anyhow::Result<String> {
    let snapshot = Snapshot::new(store.people()?, store.ties()?, Vec::new());
    let digest = plan_digest(&snapshot, since, until, policy);
    let Some(message) = render_digest(&digest) else {
        return Ok("quiet period: nothing posted".to_owned());
    };
    slack.post(channel, &message).await?;
    Ok(format!(
        "posted to #{channel}: {} new alliances, {} bridges",
        digest.new_alliances.len() + digest.unnamed_new_alliances,
        digest.bridges.len()
    ))
}
