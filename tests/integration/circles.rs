//! Leadership circles through the fake Slack: leaders from a user group,
//! a round opened in group DMs, the check-in a week later and its buttons,
//! and a next round that repeats nobody.

use crate::helpers::{
    TestBot, button_press, eventually, fake_user, spawn_bot_over_socket_on_clock_configured, user,
    workspace,
};
use alliances::config::CronSchedule;
use alliances::domain::{
    ChannelId, CircleKey, CircleOutcome, Clock as _, InteractionKind, PairKey, SettableClock,
};
use alliances::scheduler::JobKind;
use chrono::{Duration, TimeZone, Utc};
use fake_slack::{Delivery, FakeSlack, FakeUserGroup};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Nine leaders in nine teams, one leader who opted out (Gus) and one
/// who is snoozed (Hana); Ines is the admin, not a leader.
const LEADERS: [(&str, &str, &str); 11] = [
    ("U0000001", "Ada Lovelace", "Payments"),
    ("U0000002", "Bilal Haddad", "Platform"),
    ("U0000003", "Chen Park", "Design"),
    ("U0000004", "Dara Okafor", "Legal"),
    ("U0000005", "Eve Martin", "Sales"),
    ("U0000006", "Farid Nasser", "Marketing"),
    ("U0000007", "Gus Lund", "Finance"),
    ("U0000008", "Hana Sato", "Support"),
    ("U0000010", "Jon Berg", "Ops"),
    ("U0000011", "Kira Voss", "Research"),
    ("U0000012", "Lea Roux", "People"),
];

fn teams_file() -> String {
    let mut file = String::new();
    for (id, _, team) in LEADERS {
        file.push_str(&format!(
            "[[team]]\nname = \"{team}\"\nmembers = [\"{id}\"]\n"
        ));
    }
    file.push_str("[[team]]\nname = \"Admins\"\nmembers = [\"U0000009\"]\n");
    file
}

/// The users a `conversations.open` call named, whichever way they were sent.
fn opened_with(params: &serde_json::Value) -> Vec<String> {
    match &params["users"] {
        serde_json::Value::String(list) => list.split(',').map(str::to_owned).collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn channel() -> ChannelId {
    ChannelId::parse("C0ALLIANCE").unwrap()
}

/// The fake Slack with the leaders, Ines and the leadership user group,
/// and the bot on `clock`, circles of three, once it knows every leader.
/// The circles job runs only when a test runs it.
async fn leaders_in_a_workspace(clock: &SettableClock) -> (FakeSlack, TestBot) {
    let mut users: Vec<_> = LEADERS
        .iter()
        .map(|(id, name, _)| fake_user(id, name))
        .collect();
    users.push(fake_user("U0000009", "Ines Admin"));
    let mut space = workspace(users);
    space.usergroups = vec![FakeUserGroup {
        id: "S01".into(),
        handle: "leadership".into(),
        name: "Leadership".into(),
        members: LEADERS.iter().map(|(id, _, _)| (*id).to_owned()).collect(),
    }];
    let fake = FakeSlack::start(space).await.unwrap();
    let bot = spawn_bot_over_socket_on_clock_configured(
        &fake,
        &teams_file(),
        Arc::new(clock.clone()),
        |s| {
            s.leaders = toml::from_str("usergroup = \"leadership\"").unwrap();
            s.circles = toml::from_str("size = 3").unwrap();
            s.schedule.circles = CronSchedule::parse("0 0 0 1 1 * 2099").unwrap();
        },
    )
    .await;
    let store = bot.app.store().clone();
    eventually("the leaders are known", async || {
        store
            .person(&user("U0000012"))
            .await
            .is_ok_and(|p| p.is_some_and(|p| p.roles.leader))
    })
    .await;
    (fake, bot)
}

/// The users of every group DM opened so far, in the order opened.
fn group_dms_opened(fake: &FakeSlack) -> Vec<Vec<String>> {
    fake.calls()
        .iter()
        .filter(|c| c.method == "conversations.open")
        .map(|c| opened_with(&c.params))
        .filter(|users| users.len() > 1)
        .collect()
}

/// The messages posted so far whose text contains `part`.
fn posted_containing(fake: &FakeSlack, part: &str) -> Vec<fake_slack::PostedMessage> {
    fake.messages()
        .into_iter()
        .filter(|m| m.text.contains(part))
        .collect()
}

/// Where a prompt says what it is.
const PROMPT: &str = "this is your leadership circle";

/// Where a check-in asks its question.
const CHECK_IN: &str = "did you get together?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaders_meet_in_circles_check_in_a_week_later_and_the_next_round_repeats_nobody() {
    let start = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
    let clock = SettableClock::new(start);
    let (fake, bot) = leaders_in_a_workspace(&clock).await;
    let store = bot.app.store().clone();

    // Gus opts out and Hana snoozes, through the front door.
    for (from, text) in [("U0000007", "optout"), ("U0000008", "snooze 2w")] {
        let command = fake.slash_command("/alliances", text, user(from), channel());
        fake.deliver_over_socket(&command).await.unwrap();
    }

    let report = bot
        .app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    assert_eq!(report.summary, "formed round 1: 3 circles of 9 leaders");
    eventually("three prompts are posted", async || {
        posted_containing(&fake, PROMPT).len() == 3
    })
    .await;
    let prompts = posted_containing(&fake, PROMPT);
    let group_dms = group_dms_opened(&fake);
    assert_eq!(group_dms.len(), 3, "one group DM per circle: {group_dms:?}");
    for prompt in &prompts {
        assert!(prompt.dm_user.is_none(), "a group DM, not a DM");
        assert!(
            prompt.text.contains("what is hard right now?"),
            "{}",
            prompt.text
        );
        for left_out in ["U0000007", "U0000008", "U0000009"] {
            assert!(!prompt.text.contains(left_out), "{}", prompt.text);
        }
    }
    for users in &group_dms {
        assert_eq!(users.len(), 3, "{users:?}");
        assert!(!users.iter().any(|u| u == "U0000007" || u == "U0000008"));
    }
    let first_round = store.circles().await.unwrap();
    assert!(
        first_round.iter().all(|c| c.channel.is_some()),
        "each remembers its group DM"
    );

    // A week later, the check-in, once.
    clock.advance(Duration::days(7));
    let report = bot
        .app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    assert_eq!(report.summary, "next round on Mon 29 Jun; 3 check-ins");
    eventually("three check-ins are posted", async || {
        posted_containing(&fake, CHECK_IN).len() == 3
    })
    .await;
    let check_in = posted_containing(&fake, CHECK_IN).remove(0);
    let buttons = check_in.blocks.to_string();
    for label in ["We met", "Not yet", "Skip this round"] {
        assert!(buttons.contains(label), "{buttons}");
    }
    let asked_again = bot
        .app
        .scheduler()
        .run(JobKind::Circles, clock.now() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        asked_again.summary, "next round on Mon 29 Jun",
        "asked once"
    );

    // *We met* in the first circle logs every pair once, whoever presses.
    let first = &first_round[0];
    let key = first.key.to_string();
    let press = |who: &str, action: &str, circle: &str| {
        let url = fake.response_url();
        (
            Delivery::Interaction {
                payload: button_press(who, action, circle, &url),
            },
            url,
        )
    };
    let answered = |url: String| {
        let fake = &fake;
        async move {
            eventually("the press is answered", async || {
                fake.responses().iter().any(|r| r.url == url)
            })
            .await;
            fake.responses()
                .into_iter()
                .find(|r| r.url == url)
                .unwrap()
                .body
        }
    };
    for presser in [&first.members[0], &first.members[1], &first.members[0]] {
        let (delivery, url) = press(presser.as_str(), "circle_we_met", &key);
        fake.deliver_over_socket(&delivery).await.unwrap();
        let body = answered(url).await;
        assert_eq!(body["replace_original"], true, "{body}");
        let text = body["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("logged for all of you by <@{}>", first.members[0])),
            "the first press is the one kept: {text}"
        );
    }
    let meetings: Vec<_> = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, i)| i.kind == InteractionKind::WeMet)
        .collect();
    assert_eq!(meetings.len(), 1, "logged once however often it is pressed");
    assert_eq!(meetings[0].1.participants, first.members);
    assert_eq!(
        store.ties().await.unwrap().len(),
        3,
        "every pair of the three"
    );

    // Someone outside the circle cannot answer for it.
    let outsider = first_round[1].members[0].as_str().to_owned();
    let (delivery, url) = press(&outsider, "circle_skip", &key);
    fake.deliver_over_socket(&delivery).await.unwrap();
    let body = answered(url).await;
    assert!(
        body["text"].as_str().unwrap().contains("for the members"),
        "{body}"
    );
    assert_eq!(body["replace_original"], false);

    // *Skip this round* in the second circle is kept.
    let second = &first_round[1];
    let (delivery, url) = press(
        second.members[2].as_str(),
        "circle_skip",
        &second.key.to_string(),
    );
    fake.deliver_over_socket(&delivery).await.unwrap();
    answered(url).await;
    let kept = store.circle(second.key).await.unwrap().unwrap();
    assert!(
        matches!(&kept.outcome, Some(CircleOutcome::Skipped { by: Some(by), .. }) if *by == second.members[2]),
        "{kept:?}"
    );
    assert_eq!(
        store
            .circle(CircleKey { round: 1, index: 1 })
            .await
            .unwrap()
            .unwrap()
            .outcome
            .map(|o| o.by().cloned()),
        Some(Some(first.members[0].clone()))
    );

    // Four weeks after the first, a new round: Hana's snooze has ended, so
    // she joins a circle, and nobody sits again with someone from their
    // last circle.
    clock.set(start + Duration::weeks(4));
    let report = bot
        .app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    assert_eq!(report.summary, "formed round 2: 3 circles of 10 leaders");
    let pairs = async |round: u32| -> BTreeSet<PairKey> {
        store
            .circles()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.key.round == round)
            .flat_map(|c| {
                let m = c.members.clone();
                (0..m.len())
                    .flat_map(move |i| {
                        let m = m.clone();
                        (i + 1..m.len()).filter_map(move |j| PairKey::new(&m[i], &m[j]))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert!(
        pairs(1).await.is_disjoint(&pairs(2).await),
        "{:?} {:?}",
        pairs(1).await,
        pairs(2).await
    );
    eventually("the second round's prompts are posted", async || {
        posted_containing(&fake, PROMPT).len() == 6
    })
    .await;
    bot.stop().await;
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_snoozes_after_the_prompt_is_left_out_of_the_check_in_and_its_we_met() {
    let start = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
    let clock = SettableClock::new(start);
    let (fake, bot) = leaders_in_a_workspace(&clock).await;
    let store = bot.app.store().clone();
    bot.app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    let circles = store.circles().await.unwrap();
    eventually("every circle has its prompt", async || {
        posted_containing(&fake, PROMPT).len() == circles.len()
    })
    .await;

    // Days after the prompt, one of the first circle snoozes the bot.
    let circle = &circles[0];
    let snoozer = circle.members[0].clone();
    let stays: Vec<_> = circle.members[1..].to_vec();
    let snooze = fake.slash_command("/alliances", "snooze 2w", snoozer.clone(), channel());
    fake.deliver_over_socket(&snooze).await.unwrap();
    eventually("the snooze is kept", async || {
        store
            .person(&snoozer)
            .await
            .is_ok_and(|p| p.is_some_and(|p| p.snoozed_until.is_some()))
    })
    .await;

    // The check-in goes to the others alone, in a group DM without them.
    clock.advance(Duration::days(7));
    let opened_before = group_dms_opened(&fake).len();
    bot.app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    eventually("every circle has its check-in", async || {
        posted_containing(&fake, CHECK_IN).len() == circles.len()
    })
    .await;
    let theirs = posted_containing(&fake, CHECK_IN)
        .into_iter()
        .find(|m| m.text.contains(stays[0].as_str()))
        .unwrap();
    assert!(!theirs.text.contains(snoozer.as_str()), "{}", theirs.text);
    let opened_now = group_dms_opened(&fake).split_off(opened_before);
    let expected: Vec<String> = stays.iter().map(ToString::to_string).collect();
    assert!(
        opened_now.contains(&expected),
        "a group DM of the others: {opened_now:?}"
    );
    assert!(
        opened_now.iter().flatten().all(|u| *u != snoozer.as_str()),
        "{opened_now:?}"
    );

    // *We met* logs the two who were asked, and names nobody snoozed.
    let url = fake.response_url();
    let press = Delivery::Interaction {
        payload: button_press(
            stays[0].as_str(),
            "circle_we_met",
            &circle.key.to_string(),
            &url,
        ),
    };
    fake.deliver_over_socket(&press).await.unwrap();
    eventually("the press is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    let answer = fake
        .responses()
        .into_iter()
        .find(|r| r.url == url)
        .unwrap()
        .body;
    assert!(!answer.to_string().contains(snoozer.as_str()), "{answer}");
    let logged: Vec<_> = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, i)| i.kind == InteractionKind::WeMet)
        .map(|(_, i)| i.participants)
        .collect();
    assert_eq!(logged, [stays]);
    bot.stop().await;
    fake.stop().await;
}
