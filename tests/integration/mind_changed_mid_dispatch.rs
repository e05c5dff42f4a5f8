//! A mind changed mid-dispatch: a round of hundreds of nudges takes a
//! while under Slack's limits, and someone who opts out while it runs is
//! sent nothing more, and named to nobody, from the moment the bot tells
//! them they are out.

use crate::delivery::{config, fake_of};
use crate::helpers::{eventually_within, user};
use crate::served::{Folder, Served};
use alliances::domain::{ChannelId, Interaction, InteractionKind, UserId};
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::{FakeUser, Limits, PostedMessage};
use std::collections::BTreeSet;

/// Slack's limits, and the bot's pace, this many times faster.
const SPEEDUP: f64 = 50.0;

/// Pat, whom half the nudges are about: in the middle of the id order, so
/// that the round reaches Pat's own nudge well after the opt-out.
const PAT: u32 = 376;
const PAT_NAME: &str = "Pat Quinn";
const PAT_HANDLE: &str = "pat.quinn";

/// Everyone but Pat, in threes (c, a, b) in id order, and how many threes.
const THREES: u32 = 250;

fn id(n: u32) -> UserId {
    user(&format!("U{n:07}"))
}

/// The ids of everyone but Pat, in threes: (c, a, b).
fn threes() -> Vec<(u32, u32, u32)> {
    let others: Vec<u32> = (1..=3 * THREES + 1).filter(|&n| n != PAT).collect();
    others.chunks(3).map(|t| (t[0], t[1], t[2])).collect()
}

/// 751 people. Pat is in Payments; of each three, c (Platform) is an ally
/// of Pat's, and a (Payments) and b (Platform) are allies of each other.
/// Every alliance is six meetings strong and 40 days quiet, so each a is
/// due a reminder of b, each c one of Pat, and Pat one of the first c
/// after them in id order (whose own reminder of Pat then rests): 500
/// nudges, half of them to or about Pat. Returns the fake's users, the
/// teams file and the history.
fn company() -> (Vec<FakeUser>, String, Vec<Interaction>) {
    let person = |n: u32, name: String, real_name: String| FakeUser {
        id: id(n).into(),
        name,
        real_name,
        tz: "UTC".to_owned(),
        team: None,
        is_bot: false,
        deleted: false,
    };
    let mut users = vec![person(PAT, PAT_HANDLE.into(), PAT_NAME.into())];
    let (mut payments, mut platform) = (vec![PAT], Vec::new());
    let mut allies = Vec::new();
    for (c, a, b) in threes() {
        payments.push(a);
        platform.extend([c, b]);
        allies.extend([(c, PAT), (a, b)]);
        for n in [c, a, b] {
            users.push(person(n, format!("person.{n}"), format!("Person {n}")));
        }
    }
    let members = |ids: &[u32]| {
        let quoted: Vec<String> = ids.iter().map(|&n| format!("\"{}\"", id(n))).collect();
        quoted.join(", ")
    };
    let teams = format!(
        "[[team]]\nname = \"Payments\"\nmembers = [{}]\n[[team]]\nname = \"Platform\"\nmembers = [{}]\n",
        members(&payments),
        members(&platform)
    );
    let when = Utc::now() - Duration::days(40);
    let history = allies
        .into_iter()
        .flat_map(|(x, y)| {
            (0..6).map(move |_| {
                Interaction::new(when, InteractionKind::Meeting, [id(x), id(y)], None, None)
                    .expect("two people")
            })
        })
        .collect();
    (users, teams, history)
}

/// Whether `message` goes to Pat or names them, in its text or its blocks.
fn to_or_about_pat(message: &PostedMessage) -> bool {
    let blocks = message.blocks.to_string();
    message.dm_user.as_deref() == Some(id(PAT).as_str())
        || [id(PAT).as_str(), PAT_NAME, PAT_HANDLE]
            .iter()
            .any(|word| message.text.contains(word) || blocks.contains(word))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_who_opts_out_mid_dispatch_is_sent_and_named_nothing_once_told_they_are_out() {
    let (users, teams, history) = company();
    let fake = fake_of(users).await;
    fake.enforce_limits(Limits::scaled(SPEEDUP));
    let folder = Folder::new(&config(SPEEDUP), &teams);
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        store.log_interactions(&history).await.unwrap();
        store.flush().await.unwrap();
    }

    let bot = Served::start(&fake, &folder.config, &folder.data).await;
    eventually_within(
        "a hundred DMs",
        std::time::Duration::from_secs(60),
        async || fake.messages().len() >= 100,
    )
    .await;
    let channel = ChannelId::parse("C0ALLIANCE").unwrap();
    let optout = fake.slash_command("/alliances", "optout", id(PAT), &channel);
    let answer = fake
        .deliver_over_http(&bot.url, &optout)
        .await
        .expect("the bot answers");
    // The moment Pat is told: every message the fake receives from now on
    // comes after it.
    let seen_when_told = fake.messages().len();
    let told_at = Utc::now();
    assert!(
        answer.body.to_string().contains("You're opted out"),
        "{}",
        answer.body
    );

    // The round goes on for everyone else, to its last item: the reminder
    // of the last a, the highest recipient id.
    let reminded: BTreeSet<UserId> = threes().iter().map(|&(_, a, _)| id(a)).collect();
    eventually_within(
        "every a's reminder",
        std::time::Duration::from_secs(120),
        async || {
            let received: BTreeSet<UserId> = fake
                .messages()
                .into_iter()
                .filter_map(|m| UserId::parse(&m.dm_user?).ok())
                .collect();
            reminded.is_subset(&received)
        },
    )
    .await;
    bot.stop().await;

    let messages = fake.messages();
    let (before, after) = messages.split_at(seen_when_told);
    let about_pat_before = before.iter().filter(|m| to_or_about_pat(m)).count();
    assert!(
        about_pat_before < 250 && !after.is_empty(),
        "the opt-out came mid-dispatch: {about_pat_before} of Pat's 250 out, {} messages after",
        after.len()
    );
    let about_pat_after: Vec<&PostedMessage> =
        after.iter().filter(|m| to_or_about_pat(m)).collect();
    assert!(
        about_pat_after.is_empty(),
        "{} messages to or about Pat after the opt-out was acknowledged, the first: {:?}",
        about_pat_after.len(),
        about_pat_after.first()
    );

    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    assert!(store.person(&id(PAT)).await.unwrap().unwrap().opted_out);
    assert!(
        store.pending_outbox().await.unwrap().is_empty(),
        "what no longer holds left the outbox unsent"
    );
    let recorded_after = store.nudges_sent_since(told_at).await.unwrap();
    assert!(
        !recorded_after
            .iter()
            .any(|s| s.to == id(PAT) || s.about == id(PAT)),
        "no nudge to or about Pat recorded as sent after the opt-out"
    );
    fake.stop().await;
}
