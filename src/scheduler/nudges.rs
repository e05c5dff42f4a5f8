//! The nudge job: plan the reminders and introductions, send them, record
//! them.

use crate::domain::{Nudge, PairKey, SentNudge};
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

/// Plans this run's nudges from the store and sends them (see [`dispatch`]).
pub async fn run(
    store: &Store,
    slack: &SlackClient,
    now: DateTime<Utc>,
    policy: &Policy,
) -> anyhow::Result<String> {
    let snapshot = nudge_snapshot(store, now, policy)?;
    let plan = plan_nudges(&snapshot, now, policy);
    drop(snapshot);
    let dispatched = dispatch(store, slack, &plan, now).await?;
    let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
    let mut summary = format!("planned {}", plan.len());
    match intros {
        0 => {}
        1 => summary.push_str(" (1 introduction)"),
        n => summary.push_str(&format!(" ({n} introductions)")),
    }
    let Dispatched {
        sent,
        dropped,
        failed,
    } = dispatched;
    summary.push_str(&format!(", sent {sent}, failed {failed}"));
    if dropped > 0 {
        summary.push_str(&format!(", dropped {dropped} (they met since)"));
    }
    Ok(summary)
}

/// What became of a plan's nudges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dispatched {
    /// Accepted by Slack, and recorded.
    pub sent: usize,
    /// Not sent: the two interacted after it was planned.
    pub dropped: usize,
    /// Refused by Slack, or not answered: logged, not recorded, so the
    /// rules may plan it again.
    pub failed: usize,
}

/// Sends each planned nudge through Slack and records those Slack accepted.
/// Just before each send, the tie is read again: a nudge whose two people
/// have interacted since it was planned is dropped.
pub async fn dispatch(
    store: &Store,
    slack: &SlackClient,
    plan: &[Nudge],
    now: DateTime<Utc>,
) -> Result<Dispatched, StoreError> {
    let mut done = Dispatched::default();
    for nudge in plan {
        let tie_now = match PairKey::new(&nudge.to, &nudge.about) {
            Some(pair) => store.tie(&pair)?,
            None => None,
        };
        if !still_due(nudge, tie_now.as_ref()) {
            done.dropped += 1;
            tracing::info!(to = %nudge.to, about = %nudge.about, "they met since it was planned: not sent");
            continue;
        }
        match slack.send_nudge(nudge).await {
            Ok(_) => {
                store.record_nudge_sent(&SentNudge::of(nudge, now))?;
                done.sent += 1;
            }
            Err(err) => {
                done.failed += 1;
                tracing::warn!(to = %nudge.to, error = %err, "nudge not sent");
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionKind, Person, TeamId, UserId};
    use crate::fake_slack::{FakeChannel, FakeSlack, FakeUser, Workspace};
    use crate::store::StoreOptions;
    use chrono::{Duration, TimeZone};
    use secrecy::SecretString;

    const TOKEN: &str = "xoxb-nudges-test";

    fn id(n: u32) -> UserId {
        UserId::parse(&format!("U000000{n}")).unwrap()
    }

    fn met(at: DateTime<Utc>, a: u32, b: u32) -> Interaction {
        Interaction::new(at, InteractionKind::Meeting, [id(a), id(b)], None, None).unwrap()
    }

    #[tokio::test]
    async fn a_nudge_whose_two_people_met_after_planning_is_dropped_and_the_rest_go_out() {
        let users = (1..=4)
            .map(|n| FakeUser {
                id: id(n),
                name: format!("person.{n}"),
                real_name: format!("Person {n}"),
                tz: "UTC".into(),
                team: None,
                is_bot: false,
                deleted: false,
            })
            .collect();
        let channel = FakeChannel {
            id: crate::domain::ChannelId::parse("C0ALLIANCE").unwrap(),
            name: "alliances".into(),
        };
        let fake = FakeSlack::start(Workspace::new(TOKEN, users, vec![channel]))
            .await
            .unwrap();
        let slack =
            SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let team =
            |n: u32| TeamId::parse(if n % 2 == 1 { "Payments" } else { "Platform" }).unwrap();
        let people: Vec<Person> = (1..=4)
            .map(|n| Person {
                team: Some(team(n)),
                ..Person::new(id(n), format!("Person {n}"))
            })
            .collect();
        store.put_people(&people).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 10, 30, 0).unwrap();
        store
            .log_interaction(&met(now - Duration::days(120), 1, 2))
            .unwrap();
        store
            .log_interaction(&met(now - Duration::days(120), 3, 4))
            .unwrap();
        let policy = Policy::default();
        let plan = plan_nudges(&nudge_snapshot(&store, now, &policy).unwrap(), now, &policy);
        let planned: Vec<_> = plan
            .iter()
            .map(|n| (n.to.clone(), n.about.clone(), n.reason.is_intro()))
            .collect();
        assert_eq!(
            planned,
            [
                (id(1), id(2), false),
                (id(2), id(3), true),
                (id(3), id(4), false),
                (id(4), id(1), true),
            ],
            "two reminders, and the other sides, quiet for 120 days, are introduced"
        );

        // While the plan waits, 1 and 2 meet again, and 4 meets 1.
        store
            .log_interaction(&met(now + Duration::minutes(5), 1, 2))
            .unwrap();
        store
            .log_interaction(&met(now + Duration::minutes(6), 4, 1))
            .unwrap();
        let done = dispatch(&store, &slack, &plan, now + Duration::minutes(10))
            .await
            .unwrap();

        assert_eq!(
            done,
            Dispatched {
                sent: 2,
                dropped: 2,
                failed: 0
            }
        );
        let dms: Vec<_> = fake
            .messages()
            .into_iter()
            .filter_map(|m| m.dm_user)
            .collect();
        assert_eq!(dms, [id(2), id(3)]);
        let sent = store.nudges_sent_since(now - Duration::days(1)).unwrap();
        let sent: Vec<_> = sent
            .iter()
            .map(|s| (&s.to, &s.about, s.is_intro()))
            .collect();
        assert_eq!(sent, [(&id(2), &id(3), true), (&id(3), &id(4), false)]);
        fake.stop().await;
    }
}
