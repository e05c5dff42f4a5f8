//! Delivery you can trust: with Slack failing now and then, and with the
//! bot killed mid-flight, nothing promised is lost and nobody is messaged
//! twice, beyond the one documented window.

use crate::helpers::{TOKEN, alliances, output_of, texts, user};
use crate::served::{Folder, Served};
use alliances::domain::{Interaction, InteractionKind, UserId};
use alliances::fake_slack::{
    CallOutcome, FakeChannel, FakeSlack, FakeUser, Fault, Faults, Limits, Workspace,
};
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use std::collections::BTreeMap;

/// A company of `pairs` pairs of allies, one in Payments and one in
/// Platform, each pair strong (six meetings) and quiet for 40 days: one
/// reminder per pair is due. Returns the fake's users and the teams file.
fn company_of_pairs(pairs: usize) -> (Vec<FakeUser>, String) {
    let users: Vec<FakeUser> = (1..=2 * pairs)
        .map(|n| FakeUser {
            id: user(&format!("U{n:07}")),
            name: format!("person.{n}"),
            real_name: format!("Person {n}"),
            tz: "UTC".to_owned(),
            team: None,
            is_bot: false,
            deleted: false,
        })
        .collect();
    let members = |odd: bool| {
        users
            .iter()
            .enumerate()
            .filter(|(i, _)| (i % 2 == 0) == odd)
            .map(|(_, u)| format!("\"{}\"", u.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let teams = format!(
        "[[team]]\nname = \"Payments\"\nmembers = [{}]\n[[team]]\nname = \"Platform\"\nmembers = [{}]\n",
        members(true),
        members(false)
    );
    (users, teams)
}

/// The pairs' history: six meetings each, 40 days ago.
fn history(pairs: usize) -> Vec<Interaction> {
    let when = Utc::now() - Duration::days(40);
    (1..=pairs)
        .flat_map(|k| {
            let (a, b) = (
                user(&format!("U{:07}", 2 * k - 1)),
                user(&format!("U{:07}", 2 * k)),
            );
            (0..6).map(move |_| {
                Interaction::new(
                    when,
                    InteractionKind::Meeting,
                    [a.clone(), b.clone()],
                    None,
                    None,
                )
                .expect("two people")
            })
        })
        .collect()
}

/// Settings for a bot whose window never closes, paced `speedup` times
/// faster than Slack (the fake is scaled alike).
fn config(speedup: f64) -> String {
    format!(
        "[teams]\nfile = \"teams.toml\"\n\
         [rules]\nwindow_start_hour = 0\nwindow_end_hour = 24\n\
         working_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\
         [delivery]\nspeedup = {speedup:.1}\n"
    )
}

async fn fake_of(users: Vec<FakeUser>) -> FakeSlack {
    let channel = FakeChannel {
        id: alliances::domain::ChannelId::parse("C0ALLIANCE").expect("a channel id"),
        name: "alliances".to_owned(),
    };
    FakeSlack::start(Workspace::new(TOKEN, users, vec![channel]))
        .await
        .expect("the fake starts")
}

/// How many DMs each person received.
fn dms_by_person(fake: &FakeSlack) -> BTreeMap<UserId, usize> {
    let mut received = BTreeMap::new();
    for message in fake.messages() {
        if let Some(to) = message.dm_user {
            *received.entry(to).or_default() += 1;
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_twenty_percent_faults_every_planned_nudge_arrives_exactly_once() {
    const PAIRS: usize = 40;
    let (users, teams) = company_of_pairs(PAIRS);
    let fake = fake_of(users).await;
    let folder = Folder::new(&config(20.0), &teams);
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        store.log_interactions(&history(PAIRS)).unwrap();
        store.flush().unwrap();
    }
    // Slack fails one call in five on the delivery path: rate limits,
    // server errors, dropped connections and slow answers, in equal parts.
    let faults = ["conversations.open", "chat.postMessage"].into_iter().fold(
        Faults::seeded(5),
        |faults, method| {
            faults
                .at_rate(
                    method,
                    0.05,
                    Fault::RateLimited {
                        retry_after_secs: 1,
                    },
                )
                .at_rate(method, 0.05, Fault::ServerError { status: 503 })
                .at_rate(method, 0.05, Fault::DroppedConnection)
                .at_rate(
                    method,
                    0.05,
                    Fault::Slow {
                        delay: std::time::Duration::from_millis(100),
                    },
                )
        },
    );
    fake.set_faults(faults);

    let mut tick = alliances();
    tick.arg("--config")
        .arg(&folder.config)
        .arg("--data-dir")
        .arg(&folder.data)
        .arg("tick")
        .env("ALLIANCES_SLACK_BOT_TOKEN", TOKEN)
        .env("ALLIANCES_SLACK_API_URL", fake.api_url());
    let output = output_of(tick).await;
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("nudges: queued {PAIRS}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("outbox: sent {PAIRS}, failed 0")),
        "{stdout}"
    );

    let faulted = fake
        .calls()
        .iter()
        .filter(|c| matches!(c.outcome, CallOutcome::Faulted(_)))
        .count();
    assert!(faulted >= 5, "Slack failed {faulted} calls");
    let received = dms_by_person(&fake);
    assert_eq!(received.len(), PAIRS, "every planned nudge arrived");
    assert!(
        received.values().all(|n| *n == 1),
        "exactly once: {received:?}"
    );
    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    assert!(store.pending_outbox().unwrap().is_empty());
    assert_eq!(
        store
            .nudges_sent_since(Utc::now() - Duration::days(1))
            .unwrap()
            .len(),
        PAIRS
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_mid_dispatch_the_bot_loses_no_nudge_after_a_restart() {
    const PAIRS: usize = 500;
    const SPEEDUP: f64 = 50.0;
    let (users, teams) = company_of_pairs(PAIRS);
    let fake = fake_of(users).await;
    // The fake holds the bot to Slack's limits, scaled alike.
    fake.enforce_limits(Limits::scaled(SPEEDUP));
    let folder = Folder::new(&config(SPEEDUP), &teams);
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        store.log_interactions(&history(PAIRS)).unwrap();
        store.flush().unwrap();
    }

    let bot = Served::start(&fake, &folder.config, &folder.data).await;
    wait_for("a hundred DMs", std::time::Duration::from_secs(60), || {
        dms_by_person(&fake).len() >= 100
    })
    .await;
    bot.kill_9().await;
    let before_restart = dms_by_person(&fake).len();
    assert!(
        before_restart < PAIRS,
        "killed mid-dispatch: {before_restart} sent"
    );
    assert!(
        fake.violations().is_empty(),
        "within Slack's limits: {:?}",
        fake.violations()
    );

    let bot = Served::start(&fake, &folder.config, &folder.data).await;
    wait_for("every DM", std::time::Duration::from_secs(120), || {
        dms_by_person(&fake).len() == PAIRS
    })
    .await;
    bot.stop().await;

    let received = dms_by_person(&fake);
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 1,
        "at most the one nudge in flight at the kill goes twice: {duplicates}"
    );
    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    assert!(
        store.pending_outbox().unwrap().is_empty(),
        "nothing left queued"
    );
    assert_eq!(
        store
            .nudges_sent_since(Utc::now() - Duration::days(1))
            .unwrap()
            .len(),
        PAIRS,
        "every nudge recorded once"
    );
    // A restarted process cannot know what its predecessor spent of a
    // minute's budget: Slack may turn away its first calls, which empties
    // its count, and it goes on within the limits.
    assert!(
        fake.violations().len() <= 3,
        "within Slack's limits after the restart: {:?}",
        fake.violations()
    );
    fake.stop().await;
}

/// Waits until `condition` holds, for at most `limit`.
async fn wait_for(what: &str, limit: std::time::Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
