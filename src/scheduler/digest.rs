//! The digest job: plan the digest of new alliances, and the team map that
//! goes with it, and queue them in the outbox for the dispatcher.

use crate::domain::{DigestPolicy, Outgoing, Policy};
use crate::rules::{Snapshot, plan_digest, team_map};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// Queues the digest of `(since, until]` for `channel`, unless it is quiet;
/// with the team map as of `until` when `map_policy` is given.
pub fn run(
    store: &Store,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    channel: &str,
    policy: &DigestPolicy,
    map_policy: Option<&Policy>,
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
            team_map: map_policy
                .map(|rules| team_map(&snapshot, until, rules, policy.k_anonymity_floor))
                .filter(|map| map.is_drawable()),
            digest,
        }],
        until,
    )?;
    store.flush()?;
    Ok(summary)
}
