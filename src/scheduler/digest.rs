//! The digest job: plan the digest of new alliances and queue it in the
//! outbox for the dispatcher.

use crate::domain::{DigestPolicy, Outgoing};
use crate::rules::{Snapshot, plan_digest};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// Queues the digest of `(since, until]` for `channel`, unless it is quiet.
pub fn run(
    store: &Store,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    channel: &str,
    policy: &DigestPolicy,
) -> Result<String, StoreError> {
    let snapshot = Snapshot::new(store.people()?, store.ties()?, Vec::new());
    let digest = plan_digest(&snapshot, since, until, policy);
    if digest.is_quiet() {
        return Ok("quiet period: nothing posted".to_owned());
    }
    let summary = format!(
        "queued for #{channel}: {} new alliances, {} bridges",
        digest.new_alliances.len() + digest.unnamed_new_alliances,
        digest.bridges.len()
    );
    store.enqueue(
        vec![Outgoing::Digest {
            channel: channel.to_owned(),
            digest,
        }],
        until,
    )?;
    store.flush()?;
    Ok(summary)
}
