//! The dispatcher against the fake Slack and a real store.

use super::*;
use crate::domain::{Interaction, InteractionKind, Person, SettableClock, TeamId, UserId};
use crate::rules::Policy;
use crate::store::StoreOptions;
use chrono::TimeZone;
use fake_slack::{FakeChannel, FakeSlack, FakeUser, Workspace};
use secrecy::SecretString;

const TOKEN: &str = "xoxb-dispatch-test";

pub(super) fn id(n: u32) -> UserId {
    UserId::parse(&format!("U000000{n}")).unwrap()
}

pub(super) fn met(at: DateTime<Utc>, a: u32, b: u32) -> Interaction {
    Interaction::new(at, InteractionKind::Meeting, [id(a), id(b)], None, None).unwrap()
}

pub(super) fn planning_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 30, 0).unwrap()
}

/// Four people, odd ones in Payments and even ones in Platform, in a
/// store and a fake Slack; 1–2 and 3–4 last met 120 days before
/// [`planning_time`].
pub(super) async fn company() -> (FakeSlack, SlackClient, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    let (fake, slack) = company_in(&store).await;
    (fake, slack, store, dir)
}

/// The four people of [`company`] in `store`, and a fake Slack that knows
/// them.
pub(super) async fn company_in(store: &Store) -> (FakeSlack, SlackClient) {
    let users = (1..=4)
        .map(|n| FakeUser {
            id: id(n).into(),
            name: format!("person.{n}"),
            real_name: format!("Person {n}"),
            tz: "UTC".into(),
            team: None,
            is_bot: false,
            deleted: false,
        })
        .collect();
    let channel = FakeChannel {
        id: "C0ALLIANCE".into(),
        name: "alliances".into(),
    };
    let fake = FakeSlack::start(Workspace::new(TOKEN, users, vec![channel]))
        .await
        .unwrap();
    let slack = SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned())).unwrap();
    let team = |n: u32| TeamId::parse(if n % 2 == 1 { "Payments" } else { "Platform" }).unwrap();
    let people: Vec<Person> = (1..=4)
        .map(|n| Person {
            team: Some(team(n)),
            ..Person::new(id(n), format!("Person {n}"))
        })
        .collect();
    store.put_people(&people).await.unwrap();
    let long_ago = planning_time() - chrono::Duration::days(120);
    store.log_interaction(&met(long_ago, 1, 2)).await.unwrap();
    store.log_interaction(&met(long_ago, 3, 4)).await.unwrap();
    (fake, slack)
}

pub(super) fn dispatcher(store: &Store, slack: &SlackClient, at: DateTime<Utc>) -> Dispatcher {
    Dispatcher::new(
        store.clone(),
        slack.clone(),
        Arc::new(SettableClock::new(at)),
        DeliverySettings::default(),
        Policy::default(),
        Metrics::new(),
    )
}

/// The company's four nudges planned: 1 of 2, 2 of 3 (an introduction),
/// 3 of 4, 4 of 1 (an introduction), in that order.
async fn planned_company() -> (FakeSlack, SlackClient, Store, tempfile::TempDir) {
    let (fake, slack, store, dir) = company().await;
    plan_company(&store).await;
    (fake, slack, store, dir)
}

/// Plans the company's nudges in `store`, at [`planning_time`].
pub(super) async fn plan_company(store: &Store) {
    crate::scheduler::nudges::run(
        store,
        planning_time(),
        &Policy::default(),
        &[],
        0,
        5,
        &Metrics::new(),
    )
    .await
    .unwrap();
}

async fn queued(store: &Store) -> Vec<(UserId, UserId, bool)> {
    store
        .pending_outbox()
        .await
        .unwrap()
        .iter()
        .filter_map(|item| item.outgoing.nudge())
        .map(|n| (n.to.clone(), n.about.clone(), n.reason.is_intro()))
        .collect()
}

#[tokio::test]
async fn a_nudge_whose_two_people_met_after_planning_is_dropped_and_the_rest_go_out() {
    let (fake, slack, store, _dir) = planned_company().await;
    let now = planning_time();
    assert_eq!(
        queued(&store).await,
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
        .await
        .unwrap();
    store
        .log_interaction(&met(now + chrono::Duration::minutes(6), 4, 1))
        .await
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
        .filter_map(|m| UserId::parse(&m.dm_user?).ok())
        .collect();
    assert_eq!(dms, [id(2), id(3)]);
    let sent = store
        .nudges_sent_since(now - chrono::Duration::days(1))
        .await
        .unwrap();
    let sent: Vec<_> = sent
        .iter()
        .map(|s| (&s.to, &s.about, s.is_intro()))
        .collect();
    assert_eq!(sent, [(&id(2), &id(3), true), (&id(3), &id(4), false)]);
    assert!(
        store.pending_outbox().await.unwrap().is_empty(),
        "the outbox is empty"
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_remembered_dm_channel_skips_conversations_open_and_a_stale_one_is_opened_afresh() {
    let (fake, slack, store, _dir) = planned_company().await;
    let now = planning_time();
    // Person 3's DM channel is known; person 1's is one Slack no longer knows.
    let dm3 = slack.open_dm(&id(3)).await.unwrap();
    store.remember_dm_channel(&id(3), &dm3).await.unwrap();
    store
        .remember_dm_channel(&id(1), &ChannelId::parse("DGONE00001").unwrap())
        .await
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
    assert_eq!(store.dm_channel(&id(3)).await.unwrap(), Some(dm3));
    assert_ne!(
        store.dm_channel(&id(1)).await.unwrap(),
        Some(ChannelId::parse("DGONE00001").unwrap())
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_item_past_its_deadline_is_kept_as_failed_not_sent() {
    let (fake, slack, store, _dir) = planned_company().await;
    let now = planning_time();
    let two_hours_later = now + chrono::Duration::hours(2);
    let done = dispatcher(&store, &slack, two_hours_later)
        .send_due(None)
        .await
        .unwrap();
    assert_eq!((done.sent, done.failed), (0, 4));
    assert!(fake.messages().is_empty());
    let failed: Vec<_> = store
        .outbox()
        .await
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

/// Whether any message the fake received is to `user` or names them (by
/// id, in its text or its blocks).
pub(super) fn anything_to_or_about(fake: &FakeSlack, user: &UserId) -> bool {
    fake.messages().iter().any(|m| {
        m.dm_user.as_deref() == Some(user.as_str())
            || m.text.contains(user.as_str())
            || m.blocks.to_string().contains(user.as_str())
    })
}

/// Whether any record of a nudge sent names `user`, as recipient, peer or
/// an introduction's contact.
async fn recorded_about(store: &Store, user: &UserId) -> bool {
    store
        .nudges_sent_since(planning_time() - chrono::Duration::days(1))
        .await
        .unwrap()
        .iter()
        .any(|s| {
            &s.to == user
                || &s.about == user
                || s.reason
                    .as_ref()
                    .and_then(|r| r.shared_contact())
                    .is_some_and(|c| c == user)
        })
}

/// A change made to a person's record.
type PersonChange = fn(&mut Person);

#[tokio::test]
async fn nudges_to_or_about_someone_who_opted_out_snoozed_or_was_deactivated_since_are_withdrawn() {
    let changes: [(&str, PersonChange); 3] = [
        ("opted out", |p| p.opted_out = true),
        ("snoozed", |p| {
            p.snoozed_until = Some(planning_time() + chrono::Duration::days(14));
        }),
        ("deactivated", |p| p.deactivated = true),
    ];
    for (what, change) in changes {
        let (fake, slack, store, _dir) = planned_company().await;
        // Person 2 is the peer of the first nudge and the recipient of the second.
        store.update_person(&id(2), change).await.unwrap();

        let later = planning_time() + chrono::Duration::minutes(10);
        let done = dispatcher(&store, &slack, later)
            .send_due(None)
            .await
            .unwrap();

        assert!(!anything_to_or_about(&fake, &id(2)), "{what}");
        assert!(!recorded_about(&store, &id(2)).await, "{what}");
        let dms: Vec<_> = fake
            .messages()
            .into_iter()
            .filter_map(|m| UserId::parse(&m.dm_user?).ok())
            .collect();
        assert_eq!(dms, [id(3), id(4)], "{what}: the others' nudges go out");
        assert!(store.pending_outbox().await.unwrap().is_empty(), "{what}");
        assert_eq!(
            (done.sent, done.withdrawn, done.dropped),
            (2, 2, 0),
            "{what}"
        );
        fake.stop().await;
    }
}

#[tokio::test]
async fn a_nudge_about_a_peer_its_recipient_paused_since_is_withdrawn() {
    let (fake, slack, store, _dir) = planned_company().await;
    store
        .update_person(&id(1), |p| {
            p.paused.insert(id(2));
        })
        .await
        .unwrap();

    let done = dispatcher(&store, &slack, planning_time())
        .send_due(None)
        .await
        .unwrap();

    let dms: Vec<_> = fake
        .messages()
        .into_iter()
        .filter_map(|m| UserId::parse(&m.dm_user?).ok())
        .collect();
    assert_eq!(
        dms,
        [id(2), id(3), id(4)],
        "1 hears nothing of 2; 2 may still hear of 3"
    );
    let sent = store
        .nudges_sent_since(planning_time() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(!sent.iter().any(|s| s.to == id(1) && s.about == id(2)));
    assert!(store.pending_outbox().await.unwrap().is_empty());
    assert_eq!((done.sent, done.withdrawn), (3, 1));
    fake.stop().await;
}

/// Sends what is queued (for the planned company: its nudges) with the
/// first `conversations.open` (there: for person 1's DM) held in flight,
/// after the round has read the outbox, until `change` is made to the
/// store; only then does Slack answer it. Returns what the round did.
pub(super) async fn change_while_the_first_dm_opens(
    fake: &FakeSlack,
    slack: &SlackClient,
    store: &Store,
    change: impl AsyncFnOnce(&Store),
) -> Dispatched {
    let dispatcher = dispatcher(store, slack, planning_time());
    change_while_the_first_dm_opens_for(fake, dispatcher, store, change).await
}

/// [`change_while_the_first_dm_opens`], sent by `dispatcher`.
pub(super) async fn change_while_the_first_dm_opens_for(
    fake: &FakeSlack,
    dispatcher: Dispatcher,
    store: &Store,
    change: impl AsyncFnOnce(&Store),
) -> Dispatched {
    let opened = fake_slack::Gate::default();
    fake.set_faults(fake_slack::Faults::seeded(1).next_calls(
        "conversations.open",
        1,
        fake_slack::Fault::Held {
            until: opened.clone(),
        },
    ));
    let round = tokio::spawn(async move { dispatcher.send_due(None).await });
    fake_slack::wait::eventually("the first DM being opened", || {
        fake.calls()
            .iter()
            .any(|c| c.method == "conversations.open")
    })
    .await;
    tokio::time::timeout(Duration::from_secs(5), change(store))
        .await
        .expect("the change does not wait for the call in flight");
    opened.open();
    round.await.unwrap().unwrap()
}

#[tokio::test]
async fn a_peer_who_opts_out_while_a_nudge_about_them_waits_on_slack_is_not_named_in_it() {
    let (fake, slack, store, _dir) = planned_company().await;

    let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
        store
            .update_person(&id(2), |p| p.opted_out = true)
            .await
            .unwrap();
    })
    .await;

    assert!(!anything_to_or_about(&fake, &id(2)));
    assert!(!recorded_about(&store, &id(2)).await);
    assert_eq!((done.sent, done.withdrawn), (2, 2));
    fake.stop().await;
}

#[tokio::test]
async fn someone_forgotten_while_their_dm_is_being_opened_gets_nothing_and_leaves_no_trace() {
    let (fake, slack, store, _dir) = planned_company().await;

    let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
        store.forget_person(&id(1)).await.unwrap();
    })
    .await;

    assert!(!anything_to_or_about(&fake, &id(1)));
    assert!(
        !recorded_about(&store, &id(1)).await,
        "no record of a nudge"
    );
    assert_eq!(
        store.dm_channel(&id(1)).await.unwrap(),
        None,
        "no DM channel"
    );
    assert!(store.pending_outbox().await.unwrap().is_empty());
    assert_eq!((done.sent, done.withdrawn), (2, 2));
    fake.stop().await;
}

#[tokio::test]
async fn a_queued_digest_names_nobody_who_opted_out_since_and_counts_their_alliance() {
    use crate::domain::{Digest, NewAlliance};
    let (fake, slack, store, _dir) = company().await;
    let team = |name: &str| TeamId::parse(name).unwrap();
    let alliance = |a: u32, b: u32| NewAlliance {
        a: (id(a), Some(team("Payments"))),
        b: (id(b), Some(team("Platform"))),
        at: planning_time(),
    };
    let digest = Digest {
        new_alliances: vec![alliance(1, 2), alliance(3, 4)],
        ..Digest::empty(planning_time() - chrono::Duration::days(7), planning_time())
    };
    store
        .enqueue_one(
            Outgoing::Digest {
                channel: "alliances".into(),
                digest,
                team_map: None,
            },
            planning_time(),
        )
        .await
        .unwrap();
    store
        .update_person(&id(1), |p| p.opted_out = true)
        .await
        .unwrap();

    let done = dispatcher(&store, &slack, planning_time())
        .send_due(None)
        .await
        .unwrap();

    assert_eq!(done.sent, 1);
    let posted = fake.messages();
    assert_eq!(posted.len(), 1);
    assert!(!anything_to_or_about(&fake, &id(1)), "{:?}", posted[0]);
    assert!(
        !anything_to_or_about(&fake, &id(2)),
        "one alliance, unnamed"
    );
    assert!(anything_to_or_about(&fake, &id(3)), "{:?}", posted[0]);
    assert!(
        posted[0].text.contains("2 new alliances"),
        "{}",
        posted[0].text
    );
    fake.stop().await;
}
