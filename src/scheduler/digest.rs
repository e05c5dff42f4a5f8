//! The digest job: plan the digest of new alliances, and the team map that
//! goes with it, and queue them in the outbox for the dispatcher.

use super::JobKind;
use crate::domain::{DigestPolicy, Outgoing, Partnership, Policy, TeamMap};
use crate::rules::{Snapshot, plan_digest, team_map};
use crate::store::{JobRun, Store, StoreError};
use chrono::{DateTime, Utc};

/// What a run of the digest job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestRun {
    /// Nothing new happened: nothing was queued.
    Quiet,
    /// The digest was queued in the outbox.
    Queued {
        /// Its outbox item.
        item: u64,
        /// The channel it goes to, without the `#`.
        channel: String,
        /// The new alliances it tells of, named or not.
        new_alliances: usize,
        /// The bridges it tells of.
        bridges: usize,
    },
}

impl DigestRun {
    /// What it did, in a line: the digest as posted when `posted` (Slack
    /// took it), else as queued.
    pub fn summary(&self, posted: bool) -> String {
        match self {
            Self::Quiet => "quiet period: nothing posted".to_owned(),
            Self::Queued {
                channel,
                new_alliances,
                bridges,
                ..
            } => format!(
                "{} #{channel}: {new_alliances} new alliances, {bridges} bridges",
                if posted { "posted to" } else { "queued for" }
            ),
        }
    }
}

/// The stretch a run of the digest tells of, and the run it is.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// Where the last digest ended: its slot.
    pub since: DateTime<Utc>,
    /// Where this one ends: the slot of the schedule the run is for (now,
    /// for `/alliances digest now`). A run late after downtime tells of
    /// its own week, and leaves what came after its slot to the next.
    pub until: DateTime<Utc>,
    /// When the run began.
    pub started_at: DateTime<Utc>,
}

/// Queues the digest of `(since, until]` for `channel`, unless it is quiet,
/// and records the run in the same write, so that the next run starts
/// where this one ended whatever happens between: a digest is never queued
/// twice. With the team map as of `until` when `map_policy` is given, and
/// a line for each of `partnerships` whose figure may be shown.
pub async fn run(
    store: &Store,
    period: Period,
    channel: &str,
    policy: &DigestPolicy,
    map_policy: Option<&Policy>,
    partnerships: &[Partnership],
) -> Result<DigestRun, StoreError> {
    let Period { since, until, .. } = period;
    let snapshot =
        Snapshot::of_shared(store.people_by_id().await?, store.ties().await?, Vec::new())
            .with_partnerships(partnerships.to_vec());
    let digest = plan_digest(&snapshot, since, until, policy);
    if digest.is_quiet() {
        store
            .record_run(JobKind::Digest.name(), &period.run(&DigestRun::Quiet))
            .await?;
        store.flush().await?;
        return Ok(DigestRun::Quiet);
    }
    let new_alliances = digest.new_alliances.len() + digest.unnamed_new_alliances;
    let bridges = digest.bridges.len();
    let outgoing = Outgoing::Digest {
        channel: channel.to_owned(),
        team_map: map_policy
            .map(|rules| {
                team_map(&snapshot, until, rules, policy.k_anonymity_floor)
                    .most_connected(TeamMap::MOST_TEAMS_DRAWN)
            })
            .filter(|map| map.is_drawable()),
        digest,
    };
    let queued = |item| DigestRun::Queued {
        item,
        channel: channel.to_owned(),
        new_alliances,
        bridges,
    };
    // The run's summary does not name the item.
    let run = period.run(&queued(0));
    let item = store
        .queue_and_record_run(outgoing, JobKind::Digest.name(), &run)
        .await?;
    store.flush().await?;
    Ok(queued(item.id))
}

impl Period {
    /// The record of a run over this period that did `ran`.
    fn run(&self, ran: &DigestRun) -> JobRun {
        JobRun {
            scheduled_for: self.until,
            started_at: self.started_at,
            summary: ran.summary(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionKind};
    use crate::rules::fixtures::{at, members, user};
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn a_company_of_many_teams_queues_a_map_of_the_most_connected_forty() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        // 45 teams of five; the first person of each team met the first of
        // the next one, and the first five teams met each other's again.
        let people: Vec<_> = (0..45)
            .flat_map(|t| members(&format!("U{t:02}X"), &format!("Team {t:02}"), 5))
            .collect();
        store.put_people(&people).await.unwrap();
        let meeting = |a: usize, b: usize| {
            Interaction::new(
                at(2026, 6, 3),
                InteractionKind::Meeting,
                [user(&format!("U{a:02}X1")), user(&format!("U{b:02}X2"))],
                None,
                None,
            )
            .unwrap()
        };
        let mut meetings: Vec<Interaction> = (0..44).map(|t| meeting(t, t + 1)).collect();
        meetings.extend((0..5).flat_map(|a| (a + 2..5).map(move |b| meeting(a, b))));
        store.log_interactions(&meetings).await.unwrap();

        let policy = Policy::default();
        let digest_policy = DigestPolicy {
            k_anonymity_floor: 5,
        };
        let (since, until) = (at(2026, 6, 1), at(2026, 6, 8));
        let period = Period {
            since,
            until,
            started_at: until,
        };
        let ran = run(
            &store,
            period,
            "alliances",
            &digest_policy,
            Some(&policy),
            &[],
        )
        .await
        .unwrap();

        let queued = store.pending_outbox().await.unwrap();
        assert!(
            matches!(&ran, DigestRun::Queued { item, .. } if *item == queued[0].id),
            "{ran:?}"
        );
        let Outgoing::Digest {
            team_map: Some(map),
            ..
        } = &queued[0].outgoing
        else {
            panic!("a digest with its map: {queued:?}");
        };
        assert_eq!(map.teams.len(), TeamMap::MOST_TEAMS_DRAWN);
        assert_eq!(map.teams_left_out, 5);
        assert_eq!(map.pairs.len(), 40 * 39 / 2);
        // The first five teams, the most connected, are all there.
        for t in 0..5 {
            assert!(
                map.teams
                    .iter()
                    .any(|team| team.as_str() == format!("Team {t:02}"))
            );
        }
    }
}
