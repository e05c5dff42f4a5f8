//! The dispatcher's re-check of what goes to leaders — early warnings and
//! circles' messages — against the fake Slack and a real store: a change
//! made while a message waits on Slack is honoured when its post's turn
//! comes.

use super::tests::{
    anything_to_or_about, change_while_the_first_dm_opens, company, dispatcher, id, met,
    planning_time,
};
use super::*;
use crate::domain::{EarlyWarning, Person, TeamId, WarningStep};

/// An early warning to person 1, a leader whose live alliances reach no
/// other team (one expected), suggesting they meet person 4: queued.
async fn queue_early_warning(store: &Store) {
    store
        .update_person(&id(1), |p| p.roles.leader = true)
        .await
        .unwrap();
    let warning = EarlyWarning {
        to: id(1),
        planned_at: planning_time(),
        live_teams: 0,
        min_teams: 1,
        steps: vec![WarningStep::Meet {
            peer: id(4),
            team: TeamId::parse("Platform").unwrap(),
        }],
    };
    store
        .enqueue(vec![Outgoing::EarlyWarning(warning)], planning_time())
        .await
        .unwrap();
}

/// The circle of persons 1, 2 and 3, formed and its prompt queued.
async fn queue_circle_prompt(store: &Store) -> CircleKey {
    let saved = store
        .save_circles_and_enqueue(&[], &[vec![id(1), id(2), id(3)]], planning_time())
        .await
        .unwrap();
    saved.formed[0].key
}

/// A change made to a person's record.
type PersonChange = fn(&mut Person);

/// Snoozed for two weeks from [`planning_time`].
fn snoozed(person: &mut Person) {
    person.snoozed_until = Some(planning_time() + chrono::Duration::weeks(2));
}

#[tokio::test]
async fn an_early_warning_to_a_leader_who_changes_their_mind_while_it_waits_is_not_sent() {
    let changes: [(&str, PersonChange); 3] = [
        ("opted out", |p| p.opted_out = true),
        ("snoozed", snoozed),
        ("deactivated", |p| p.deactivated = true),
    ];
    for (what, change) in changes {
        let (fake, slack, store, _dir) = company().await;
        queue_early_warning(&store).await;

        let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
            store.update_person(&id(1), change).await.unwrap();
        })
        .await;

        assert!(!anything_to_or_about(&fake, &id(1)), "{what}");
        assert_eq!((done.sent, done.withdrawn), (0, 1), "{what}");
        let leader = store.person(&id(1)).await.unwrap().unwrap();
        assert_eq!(
            leader.early_warned_at, None,
            "{what}: not recorded as warned"
        );
        assert!(store.pending_outbox().await.unwrap().is_empty(), "{what}");
        fake.stop().await;
    }
}

#[tokio::test]
async fn an_early_warning_to_a_leader_forgotten_while_it_waits_is_not_sent() {
    let (fake, slack, store, _dir) = company().await;
    queue_early_warning(&store).await;

    let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
        store.forget_person(&id(1)).await.unwrap();
    })
    .await;

    assert!(!anything_to_or_about(&fake, &id(1)));
    assert_eq!((done.sent, done.withdrawn), (0, 1));
    assert_eq!(
        store.dm_channel(&id(1)).await.unwrap(),
        None,
        "no DM channel"
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_early_warning_to_a_leader_whose_alliances_reach_enough_teams_now_is_not_sent() {
    let (fake, slack, store, _dir) = company().await;
    queue_early_warning(&store).await;
    // Person 1 catches up with person 2, of Platform, before it goes.
    store
        .log_interaction(&met(planning_time(), 1, 2))
        .await
        .unwrap();

    let done = dispatcher(&store, &slack, planning_time())
        .send_due(None)
        .await
        .unwrap();

    assert!(!anything_to_or_about(&fake, &id(1)));
    assert_eq!((done.sent, done.withdrawn), (0, 1));
    fake.stop().await;
}

#[tokio::test]
async fn an_early_warning_that_still_holds_goes_out_and_is_recorded() {
    let (fake, slack, store, _dir) = company().await;
    queue_early_warning(&store).await;

    let done = dispatcher(&store, &slack, planning_time())
        .send_due(None)
        .await
        .unwrap();

    assert_eq!(done.sent, 1);
    let to_leader: Vec<_> = fake
        .messages()
        .into_iter()
        .filter(|m| m.dm_user.as_deref() == Some(id(1).as_str()))
        .collect();
    assert_eq!(to_leader.len(), 1);
    let blocks = to_leader[0].blocks.to_string();
    assert!(
        blocks.contains(id(4).as_str()),
        "the step it suggests: {blocks}"
    );
    let leader = store.person(&id(1)).await.unwrap().unwrap();
    assert_eq!(leader.early_warned_at, Some(planning_time()));
    fake.stop().await;
}

#[tokio::test]
async fn a_circle_member_who_snoozes_while_its_group_dm_opens_is_left_out_of_it() {
    let (fake, slack, store, _dir) = company().await;
    let circle = queue_circle_prompt(&store).await;

    let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
        store.update_person(&id(3), snoozed).await.unwrap();
    })
    .await;

    assert_eq!(done.sent, 1);
    assert!(!anything_to_or_about(&fake, &id(3)));
    let prompts = fake.messages();
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    for member in [id(1), id(2)] {
        assert!(
            prompts[0].text.contains(member.as_str()),
            "{}",
            prompts[0].text
        );
    }
    let kept = store.circle(circle).await.unwrap().unwrap();
    assert_eq!(kept.channel_members, [id(1), id(2)], "the DM it went to");
    fake.stop().await;
}

#[tokio::test]
async fn a_circle_left_with_fewer_than_two_while_its_group_dm_opens_gets_nothing() {
    let (fake, slack, store, _dir) = company().await;
    queue_circle_prompt(&store).await;

    let done = change_while_the_first_dm_opens(&fake, &slack, &store, async |store| {
        store
            .update_person(&id(2), |p| p.opted_out = true)
            .await
            .unwrap();
        store.forget_person(&id(3)).await.unwrap();
    })
    .await;

    assert!(fake.messages().is_empty(), "{:?}", fake.messages());
    assert_eq!((done.sent, done.withdrawn), (0, 1));
    assert!(store.pending_outbox().await.unwrap().is_empty());
    fake.stop().await;
}
