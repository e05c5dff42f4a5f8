//! The dispatcher against the fake Slack and a real store.

use super::*;
use crate::domain::{Interaction, InteractionKind, Person, SettableClock, TeamId};
use crate::fake_slack::{FakeChannel, FakeSlack, FakeUser, Workspace};
use crate::rules::Policy;
use crate::store::StoreOptions;
use chrono::TimeZone;
use secrecy::SecretString;

const TOKEN: &str = "xoxb-dispatch-test";

fn id(n: u32) -> UserId {
    UserId::parse(&format!("U000000{n}")).unwrap()
}

fn met(at: DateTime<Utc>, a: u32, b: u32) -> Interaction {
    Interaction::new(at, InteractionKind::Meeting, [id(a), id(b)], None, None).unwrap()
}

fn planning_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 30, 0).unwrap()
}

/// Four people, odd ones in Payments and even ones in Platform, in a
/// store and a fake Slack; 1–2 and 3–4 last met 120 days before
/// [`planning_time`].
async fn company() -> (FakeSlack, SlackClient, Store, tempfile::TempDir) {
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
        id: ChannelId::parse("C0ALLIANCE").unwrap(),
        name: "alliances".into(),
    };
    let fake = FakeSlack::start(Workspace::new(TOKEN, users, vec![channel]))
        .await
        .unwrap();
    let slack = SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    let team = |n: u32| TeamId::parse(if n % 2 == 1 { "Payments" } else { "Platform" }).unwrap();
    let people: Vec<Person> = (1..=4)
        .map(|n| Person {
            team: Some(team(n)),
            ..Person::new(id(n), format!("Person {n}"))
        })
        .collect();
    store.put_people(&people).unwrap();
    let long_ago = planning_time() - chrono::Duration::days(120);
    store.log_interaction(&met(long_ago, 1, 2)).unwrap();
    store.log_interaction(&met(long_ago, 3, 4)).unwrap();
    (fake, slack, store, dir)
}

fn dispatcher(store: &Store, slack: &SlackClient, at: DateTime<Utc>) -> Dispatcher {
    Dispatcher::new(
        store.clone(),
        slack.clone(),
        Arc::new(SettableClock::new(at)),
        DeliverySettings::default(),
    )
}

fn queued(store: &Store) -> Vec<(UserId, UserId, bool)> {
    store
        .pending_outbox()
        .unwrap()
        .iter()
        .filter_map(|item| item.outgoing.nudge())
        .map(|n| (n.to.clone(), n.about.clone(), n.reason.is_intro()))
        .collect()
}

#[tokio::test]
async fn a_nudge_whose_two_people_met_after_planning_is_dropped_and_the_rest_go_out() {
    let (fake, slack, store, _dir) = company().await;
    let now = planning_time();
    crate::scheduler::nudges::run(&store, now, &Policy::default(), slack.metrics()).unwrap();
    assert_eq!(
        queued(&store),
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
        .log_interaction(&met(now + chrono::Duration::minutes(5), 1, 2))
        .unwrap();
    store
        .log_interaction(&met(now + chrono::Duration::minutes(6), 4, 1))
        .unwrap();
    let later = now + chrono::Duration::minutes(10);
    let done = dispatcher(&store, &slack, later)
        .send_due(None)
        .await
        .unwrap();

    assert_eq!(
        (done.sent, done.dropped, done.retrying, done.failed),
        (2, 2, 0, 0)
    );
    let dms: Vec<_> = fake
        .messages()
        .into_iter()
        .filter_map(|m| m.dm_user)
        .collect();
    assert_eq!(dms, [id(2), id(3)]);
    let sent = store
        .nudges_sent_since(now - chrono::Duration::days(1))
        .unwrap();
    let sent: Vec<_> = sent
        .iter()
        .map(|s| (&s.to, &s.about, s.is_intro()))
        .collect();
    assert_eq!(sent, [(&id(2), &id(3), true), (&id(3), &id(4), false)]);
    assert!(
        store.pending_outbox().unwrap().is_empty(),
        "the outbox is empty"
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_remembered_dm_channel_skips_conversations_open_and_a_stale_one_is_opened_afresh() {
    let (fake, slack, store, _dir) = company().await;
    let now = planning_time();
    crate::scheduler::nudges::run(&store, now, &Policy::default(), slack.metrics()).unwrap();
    // Person 3's DM channel is known; person 1's is one Slack no longer knows.
    let dm3 = slack.open_dm(&id(3)).await.unwrap();
    store.remember_dm_channel(&id(3), &dm3).unwrap();
    store
        .remember_dm_channel(&id(1), &ChannelId::parse("DGONE00001").unwrap())
        .unwrap();
    let opens_before = fake
        .calls()
        .iter()
        .filter(|c| c.method == "conversations.open")
        .count();

    let done = dispatcher(&store, &slack, now)
        .send_due(None)
        .await
        .unwrap();

    assert_eq!(done.sent, 4, "{done:?}");
    let opened: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.method == "conversations.open")
        .skip(opens_before)
        .collect();
    assert_eq!(opened.len(), 3, "1 (afresh), 2 and 4; never 3");
    assert_eq!(store.dm_channel(&id(3)).unwrap(), Some(dm3));
    assert_ne!(
        store.dm_channel(&id(1)).unwrap(),
        Some(ChannelId::parse("DGONE00001").unwrap())
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_item_past_its_deadline_is_kept_as_failed_not_sent() {
    let (fake, slack, store, _dir) = company().await;
    let now = planning_time();
    crate::scheduler::nudges::run(&store, now, &Policy::default(), slack.metrics()).unwrap();
    let two_hours_later = now + chrono::Duration::hours(2);
    let done = dispatcher(&store, &slack, two_hours_later)
        .send_due(None)
        .await
        .unwrap();
    assert_eq!((done.sent, done.failed), (0, 4));
    assert!(fake.messages().is_empty());
    let failed: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|item| item.state)
        .collect();
    assert!(
        failed
            .iter()
            .all(|state| matches!(state, OutboxState::Failed { error, .. }
            if error.starts_with("not sent within 60 minutes"))),
        "{failed:?}"
    );
    fake.stop().await;
}
