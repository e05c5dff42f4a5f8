//! Dispatching 1,000 nudges to the built-in fake Slack while it enforces
//! Slack's rate limits (scaled, so the run takes seconds, not minutes):
//! how close the bot comes to the rate Slack allows, and that none is lost
//! or refused.
//!
//! Each nudge to someone new costs a `conversations.open` (Tier 3: 50 a
//! minute, a minute's burst allowed) and a `chat.postMessage` (300 a
//! minute across the workspace, one a second per channel). The first pass
//! is bound by `conversations.open`; the second, with every DM channel
//! remembered, by `chat.postMessage`. The allowed time of a pass is what
//! the binding limit allows after its burst; the ratio is allowed time ÷
//! time taken (1.0 is the limit itself).
//!
//! `cargo bench --bench dispatch`; `ALLIANCES_BENCH_SPEEDUP` sets the scale
//! (default 60: a Slack minute per second).

// A failed measurement or test is its own report: unwrapping is fine here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/machine.rs"]
mod support;

use alliances::config::DeliverySettings;
use alliances::domain::{
    Interaction, InteractionKind, Outgoing, Person, SystemClock, TeamId, UserId,
};
use alliances::metrics::Metrics;
use alliances::rules::{Policy, plan_nudges};
use alliances::scheduler::{Dispatcher, nudge_snapshot};
use alliances::slack::SlackClient;
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::{FakeChannel, FakeSlack, FakeUser, Limits, Workspace};
use secrecy::SecretString;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use support::machine;

const TOKEN: &str = "xoxb-bench";
const NUDGES: usize = 1_000;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    match runtime.block_on(run()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn id(n: usize) -> UserId {
    UserId::parse(&format!("U{n:07}")).expect("a valid id")
}

async fn run() -> anyhow::Result<String> {
    let speedup: f64 = std::env::var("ALLIANCES_BENCH_SPEEDUP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60.0);
    // 1,000 pairs across two teams, strong and quiet for 40 days: one
    // reminder per pair.
    let users: Vec<FakeUser> = (1..=2 * NUDGES)
        .map(|n| FakeUser {
            id: id(n).into(),
            name: format!("person.{n}"),
            real_name: format!("Person {n}"),
            tz: "UTC".to_owned(),
            team: None,
            is_bot: false,
            deleted: false,
        })
        .collect();
    let channel = FakeChannel {
        id: "C0ALLIANCE".to_owned(),
        name: "alliances".to_owned(),
    };
    let fake = FakeSlack::start(Workspace::new(TOKEN, users, vec![channel])).await?;
    let limits = Limits::scaled(speedup);
    fake.enforce_limits(limits.clone());

    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), &StoreOptions::default())?;
    let (payments, platform) = (TeamId::parse("Payments")?, TeamId::parse("Platform")?);
    let people: Vec<Person> = (1..=2 * NUDGES)
        .map(|n| Person {
            team: Some(if n % 2 == 1 {
                payments.clone()
            } else {
                platform.clone()
            }),
            tz: Some("UTC".to_owned()),
            ..Person::new(id(n), format!("Person {n}"))
        })
        .collect();
    store.put_people(&people).await?;
    let now = Utc::now();
    let history: Vec<Interaction> = (1..=NUDGES)
        .flat_map(|k| {
            (0..6).filter_map(move |_| {
                Interaction::new(
                    now - Duration::days(40),
                    InteractionKind::Meeting,
                    [id(2 * k - 1), id(2 * k)],
                    None,
                    None,
                )
            })
        })
        .collect();
    store.log_interactions(&history).await?;

    let slack = SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned()))?
        .with_speedup(speedup);
    let settings = DeliverySettings {
        speedup: speedup.try_into().map_err(anyhow::Error::msg)?,
        ..DeliverySettings::default()
    };
    let dispatcher = Dispatcher::new(
        store.clone(),
        slack,
        Arc::new(SystemClock),
        settings,
        Policy::default().any_time(),
        Metrics::new(),
    );
    let policy = Policy::default().any_time();

    let mut lines = vec![
        format!(
            "dispatch: {NUDGES} nudges to the fake Slack, enforcing Slack's limits {speedup}× faster"
        ),
        format!("machine:  {}", machine()),
    ];
    let plan = plan_nudges(&nudge_snapshot(&store, now, &policy).await?, now, &policy);
    anyhow::ensure!(plan.len() == NUDGES, "planned {} nudges", plan.len());
    // The same plan twice: the second time, every DM channel is known.
    for (pass, binding) in [
        ("first contact", "conversations.open"),
        ("DM channels known", "chat.postMessage"),
    ] {
        store
            .enqueue(
                plan.iter().cloned().map(Outgoing::Nudge).collect(),
                Utc::now(),
            )
            .await?;
        let before = fake.messages().len();
        let started = Instant::now();
        let done = dispatcher
            .drain(std::time::Duration::from_secs(600))
            .await?;
        let took = started.elapsed().as_secs_f64();
        let delivered = fake.messages().len() - before;
        let per_minute = limits
            .allowed_per_minute(binding)
            .ok_or_else(|| anyhow::anyhow!("no limit for {binding}"))?;
        let burst = limits.burst(binding).unwrap_or(0.0);
        let allowed = ((NUDGES as f64 - burst).max(0.0)) / (per_minute / 60.0);
        lines.push(format!(
            "{pass:>18}: {delivered} delivered ({} sent, {} failed) in {took:.2} s; {binding} allows {per_minute:.0}/min after a burst of {burst:.0}: {allowed:.2} s; ratio {:.3}; longest ok-to-disk window {:.1} ms",
            done.sent,
            done.failed,
            allowed / took,
            done.longest_window.as_secs_f64() * 1e3
        ));
        anyhow::ensure!(
            delivered == NUDGES && done.failed == 0,
            "lost nudges: {done:?}"
        );
    }
    let recorded = store
        .nudges_sent_since(now - Duration::days(1))
        .await?
        .len();
    anyhow::ensure!(recorded == 2 * NUDGES, "recorded {recorded}");
    lines.push(format!("violations: {}", fake.violations().len()));
    fake.stop().await;
    Ok(lines.join("\n"))
}
