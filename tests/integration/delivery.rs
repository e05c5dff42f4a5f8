//! Delivery you can trust: with Slack failing now and then, and with the
//! bot killed mid-flight, nothing promised is lost and nobody is messaged
//! twice, beyond the one documented window.

use crate::helpers::{
    eventually_within, on_both_stores, output_of, serve_command, texts, user, workspace,
};
use crate::served::{Folder, Served};
use alliances::domain::{Interaction, InteractionKind, UserId};
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::{CallOutcome, FakeSlack, FakeUser, Fault, Faults, Limits};
use std::collections::BTreeMap;

/// A company of `pairs` pairs of allies, one in Payments and one in
/// Platform, each pair strong (six meetings) and quiet for 40 days: one
/// reminder per pair is due. Returns the fake's users and the teams file.
fn company_of_pairs(pairs: usize) -> (Vec<FakeUser>, String) {
    let users: Vec<FakeUser> = (1..=2 * pairs)
        .map(|n| FakeUser {
            id: format!("U{n:07}"),
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
pub(crate) fn config(speedup: f64) -> String {
    format!(
        "[teams]\nfile = \"teams.toml\"\n\
         [rules]\nwindow_start_hour = 0\nwindow_end_hour = 24\n\
         working_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\
         [delivery]\nspeedup = {speedup:.1}\n"
    )
}

pub(crate) async fn fake_of(users: Vec<FakeUser>) -> FakeSlack {
    FakeSlack::start(workspace(users))
        .await
        .expect("the fake starts")
}

/// How many DMs each person received.
fn dms_by_person(fake: &FakeSlack) -> BTreeMap<UserId, usize> {
    let mut received = BTreeMap::new();
    for message in fake.messages() {
        if let Some(to) = message.dm_user {
            *received.entry(user(&to)).or_default() += 1;
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
        store.log_interactions(&history(PAIRS)).await.unwrap();
        store.flush().await.unwrap();
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

    let (stdout, stderr, succeeded) = folder.tick(&fake).await;
    assert!(succeeded, "{stderr}");
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
    assert!(store.pending_outbox().await.unwrap().is_empty());
    assert_eq!(
        store
            .nudges_sent_since(Utc::now() - Duration::days(1))
            .await
            .unwrap()
            .len(),
        PAIRS
    );
    fake.stop().await;
}

on_both_stores! {
async fn killed_with_sigkill_then_stopped_with_sigterm_mid_dispatch_the_bot_loses_no_nudge(
    backend: Backend,
) {
    const PAIRS: usize = 500;
    const SPEEDUP: f64 = 50.0;
    let (users, teams) = company_of_pairs(PAIRS);
    let fake = fake_of(users).await;
    // The fake holds the bot to Slack's limits, scaled alike.
    fake.enforce_limits(Limits::scaled(SPEEDUP));
    let folder = Folder::new(&config(SPEEDUP), &teams);
    {
        let store = backend.open(&folder.data).await;
        store.log_interactions(&history(PAIRS)).await.unwrap();
        store.flush().await.unwrap();
    }
    let env = backend.env();

    let bot = Served::start_with_env(&fake, &folder.config, &folder.data, &env).await;
    eventually_within(
        "a hundred DMs",
        std::time::Duration::from_secs(60),
        async || dms_by_person(&fake).len() >= 100,
    )
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

    // Restarted, then stopped with SIGTERM while sending: it takes no new
    // item, lets the one in flight finish, flushes and exits well within
    // the shutdown grace.
    let bot = Served::start_with_env(&fake, &folder.config, &folder.data, &env).await;
    eventually_within(
        "two hundred and fifty DMs",
        std::time::Duration::from_secs(60),
        async || dms_by_person(&fake).len() >= 250,
    )
    .await;
    let stopping = std::time::Instant::now();
    bot.stop().await;
    assert!(
        stopping.elapsed() < std::time::Duration::from_secs(10),
        "stopped in {:?}",
        stopping.elapsed()
    );
    assert!(dms_by_person(&fake).len() < PAIRS, "stopped mid-dispatch");

    let bot = Served::start_with_env(&fake, &folder.config, &folder.data, &env).await;
    eventually_within(
        "every DM",
        std::time::Duration::from_secs(120),
        async || dms_by_person(&fake).len() == PAIRS,
    )
    .await;
    bot.stop().await;

    let received = dms_by_person(&fake);
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 1,
        "at most the one nudge in flight at the kill goes twice: {duplicates}"
    );
    let store = backend.open(&folder.data).await;
    assert!(
        store.pending_outbox().await.unwrap().is_empty(),
        "nothing left queued"
    );
    assert_eq!(
        store
            .nudges_sent_since(Utc::now() - Duration::days(1))
            .await
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
}

on_both_stores! {
async fn killed_with_sigkill_during_a_burst_of_met_every_acknowledged_meeting_is_kept(
    backend: Backend,
) {
    let (users, teams) = company_of_pairs(10);
    let fake = std::sync::Arc::new(fake_of(users).await);
    let folder = Folder::new(&config(1.0), &teams);
    let bot = Served::start_with_env(&fake, &folder.config, &folder.data, &backend.env()).await;

    // Eight people log meetings as fast as the bot answers; each note is
    // unique, so each acknowledged meeting can be found afterwards.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut loggers = Vec::new();
    for logger in 0..8_usize {
        let (fake, acknowledged, url) = (fake.clone(), acknowledged.clone(), bot.url.clone());
        loggers.push(tokio::spawn(async move {
            let from = user(&format!("U{:07}", 2 * logger + 1));
            let channel = alliances::domain::ChannelId::parse("C0ALLIANCE").unwrap();
            for n in 0.. {
                let note = format!("sync {logger}-{n}");
                let command =
                    fake.slash_command("/met", &format!("<@U0000020> {note}"), &from, &channel);
                match fake.deliver_over_http(&url, &command).await {
                    Ok(answer) if answer.body.to_string().contains("Logged") => {
                        acknowledged.lock().unwrap().push(note);
                    }
                    // Killed: no answer, or a refused connection.
                    _ => return,
                }
            }
        }));
    }
    eventually_within(
        "200 meetings acknowledged",
        std::time::Duration::from_secs(60),
        async || acknowledged.lock().unwrap().len() >= 200,
    )
    .await;
    bot.kill_9().await;
    for logger in loggers {
        logger.await.unwrap();
    }

    // The restart: every meeting the bot said it logged is there.
    let store = backend.open(&folder.data).await;
    let notes = crate::helpers::notes_in(&store).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !notes.contains(*n))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged meetings lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    assert!(notes.len() >= acknowledged.len());
}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_missed_while_the_bot_was_down_is_posted_once_after_the_restart() {
    use alliances::store::JobRun;
    let (users, teams) = company_of_pairs(1);
    let fake = fake_of(users).await;
    // An hourly digest, so that the test has a missed time within the hour.
    let config = "[teams]\nfile = \"teams.toml\"\n[schedule]\ndigest = \"0 0 * * * *\"\n";
    let folder = Folder::new(config, &teams);
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        let now = Utc::now();
        // The bot last ran five hours ago: five digests missed since.
        let ran = |at| JobRun {
            scheduled_for: at,
            started_at: at,
            summary: "ran".to_owned(),
        };
        for job in ["people", "nudges", "digest"] {
            store
                .record_run(job, &ran(now - Duration::hours(5)))
                .await
                .unwrap();
        }
        // Meanwhile, a new alliance formed.
        let met = Interaction::new(
            now - Duration::hours(2),
            InteractionKind::Meeting,
            [user("U0000001"), user("U0000002")],
            None,
            None,
        )
        .unwrap();
        store.log_interaction(&met).await.unwrap();
        store.flush().await.unwrap();
    }
    let channel_posts = || {
        fake.messages()
            .iter()
            .filter(|m| m.dm_user.is_none())
            .count()
    };

    let bot = Served::start(&fake, &folder.config, &folder.data).await;
    eventually_within(
        "the missed digest",
        std::time::Duration::from_secs(20),
        async || channel_posts() >= 1,
    )
    .await;
    bot.stop().await;
    // Started again, the bot has no digest to catch up on (should the hour
    // turn meanwhile, that digest finds nothing new, and posts nothing).
    let (stdout, stderr, succeeded) = folder.tick(&fake).await;
    assert!(succeeded, "{stderr}");
    assert!(!stdout.contains("digest: queued"), "{stdout}");

    assert_eq!(
        channel_posts(),
        1,
        "one digest for five missed times, and not again"
    );
    let digest = &fake.messages()[0];
    assert!(digest.text.contains("1 new alliance"), "{}", digest.text);
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_data_folder_is_refused_with_a_clear_message() {
    let (users, teams) = company_of_pairs(1);
    let fake = fake_of(users).await;
    let folder = Folder::new(&config(1.0), &teams);
    let bot = Served::start(&fake, &folder.config, &folder.data).await;

    let mut second = serve_command(&fake, &folder.data);
    second.arg("--config").arg(&folder.config);
    let output = output_of(second).await;
    let (_, stderr) = texts(&output);
    assert!(!output.status.success());
    assert!(
        stderr.contains("only one alliances process may use a data folder at a time"),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line, no backtrace: {stderr}"
    );
    bot.stop().await;
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_given_up_on_is_kept_a_week_for_the_admins_then_pruned() {
    use alliances::domain::{Digest, OutboxItem, OutboxState, Outgoing};
    let (users, teams) = company_of_pairs(1);
    let fake = fake_of(users).await;
    let folder = Folder::new(&config(1.0), &teams);
    let now = Utc::now();
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        let digest = |days_ago: i64| Outgoing::Digest {
            channel: "alliances".to_owned(),
            digest: Digest::empty(
                now - Duration::days(days_ago + 7),
                now - Duration::days(days_ago),
            ),
            team_map: None,
        };
        let queued = store
            .enqueue(vec![digest(8), digest(6)], now)
            .await
            .unwrap();
        for (item, days_ago) in queued.into_iter().zip([8, 6]) {
            store
                .update_outbox_item(&OutboxItem {
                    state: OutboxState::Failed {
                        at: now - Duration::days(days_ago),
                        error: "channel_not_found".to_owned(),
                    },
                    ..item
                })
                .await
                .unwrap();
        }
        store.flush().await.unwrap();
    }

    let (_, stderr, succeeded) = folder.tick(&fake).await;
    assert!(succeeded, "{stderr}");

    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    let failed_at: Vec<_> = store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|item| match item.state {
            OutboxState::Failed { at, .. } => Some(at),
            OutboxState::Pending { .. } => None,
        })
        .collect();
    assert_eq!(
        failed_at,
        [now - Duration::days(6)],
        "the one given up on 8 days ago is pruned; the one 6 days ago is kept"
    );
    fake.stop().await;
}
