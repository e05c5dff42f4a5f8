//! Leaders in the benchmark's company, and what the leaders-first work
//! costs at its scale: a round of leadership circles, and the insights
//! page with a key partnership.
//!
//! The generator makes no leaders, so the benchmark marks them once, after
//! seeding, through the store's public API ([`mark_leaders`]): every
//! hundredth person, by team and id, becomes a leader (at least twelve
//! lead, in the smoke run's small company), and in the large company the
//! leaders are spread over a hundred teams (each of the ten teams split in
//! ten), as a company of 100,000 has about that many. A marker file says
//! it was done; the tick and every other measurement then run on the same
//! store, leaders included.

use crate::Measured;
use alliances::config::{Settings, Teams};
use alliances::domain::{Binds, Partnership, Person, SettableClock, TeamId};
use alliances::inbound::insights::WEEKS_SHOWN;
use alliances::metrics::Metrics;
use alliances::rules::{PartnershipHistory, Snapshot, circle_eligible, form_circles};
use alliances::scheduler::{JobKind, Scheduler, circles_snapshot};
use alliances::slack::SlackClient;
use alliances::store::Store;
use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// One person in this many leads.
const ONE_LEADER_IN: usize = 100;
/// At least this many lead, so that the smoke run's small company (300
/// people, who would give three leaders, perhaps two of one team) forms a
/// round of circles too.
const FEWEST_LEADERS: usize = 12;
/// Leaders per team, about: the large company's 1,000 leaders come from
/// 100 teams.
const LEADERS_PER_TEAM: usize = 10;
/// The name of the file that says the leaders were marked.
const MARKER: &str = "leaders.txt";

/// Marks the company's leaders in the store in `folder`, unless an earlier
/// run did; how many lead.
pub(crate) fn mark_leaders(folder: &Path, store_dir: &Path) -> anyhow::Result<usize> {
    let marker = folder.join(MARKER);
    if let Some(count) = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|text| text.trim().strip_prefix("leaders=")?.parse().ok())
    {
        return Ok(count);
    }
    let store = Store::open(store_dir, &Default::default())?;
    // The store is async: a runtime of one thread reaches it.
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut people = runtime.block_on(store.people())?;
    // By team first: the generator deals people to teams in turn, so every
    // hundredth by id alone would all be of one team.
    people.sort_by(|a, b| (&a.team, &a.id).cmp(&(&b.team, &b.id)));
    let every = (people.len() / FEWEST_LEADERS).clamp(1, ONE_LEADER_IN);
    let mut leaders: Vec<Person> = people.into_iter().step_by(every).collect();
    let teams = leaders
        .iter()
        .filter_map(|p| p.team.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        .max(1);
    // Split each team so that about LEADERS_PER_TEAM lead each part.
    let parts = leaders.len().div_ceil(teams * LEADERS_PER_TEAM);
    for (i, leader) in leaders.iter_mut().enumerate() {
        leader.roles.leader = true;
        if parts > 1
            && let Some(team) = &leader.team
        {
            let part = TeamId::parse(&format!("{team} {}", i / teams % parts + 1))?;
            leader.team = Some(part);
        }
    }
    runtime.block_on(async {
        store.put_people(&leaders).await?;
        store.flush().await
    })?;
    drop(store);
    std::fs::write(&marker, format!("leaders={}\n", leaders.len()))?;
    Ok(leaders.len())
}

/// The instant the next round of circles is formed at: a round every
/// `circles.every_weeks` after seeding finished (`at`), so that each run
/// forms the round after the last run's, with the history of those before.
async fn next_round_at(
    store: &Store,
    at: DateTime<Utc>,
    settings: &Settings,
) -> anyhow::Result<DateTime<Utc>> {
    let rounds = store
        .circles()
        .await?
        .iter()
        .map(|c| c.key.round)
        .max()
        .unwrap_or(0);
    let every = i64::from(settings.circles.every_weeks.get());
    Ok(at + Duration::weeks(every * (i64::from(rounds) + 1)))
}

/// A scheduler over `store` with `settings`, its clock at `now`; its Slack
/// client is never called by the jobs measured here (nothing is sent: the
/// dispatcher is not started).
fn scheduler(settings: &Settings, store: &Store, now: DateTime<Utc>) -> anyhow::Result<Scheduler> {
    let slack = SlackClient::new(
        "http://127.0.0.1:9/api",
        &secrecy::SecretString::from("xoxb-unused".to_owned()),
    )?;
    Ok(Scheduler::new(
        settings,
        store.clone(),
        slack,
        Arc::new(SettableClock::new(now)),
        Teams::listed([]),
        Metrics::new(),
    ))
}

/// The child roles of this module: `circles-rule` (read what the circles
/// job reads, then time the rule alone), `circles-job` (the whole job, as
/// the scheduler runs it: read, form, queue the prompts, record the run),
/// `circles-after-tick` (the same job after a planning tick in the same
/// process, as a serving bot runs it: the people already read and kept),
/// `insights-partnership` (what `GET /insights` works out, with a key
/// partnership binding everyone in the first team). `None` for another.
pub(crate) async fn child(
    role: &str,
    store: &Store,
    at: DateTime<Utc>,
    started: Instant,
    out: &mut String,
) -> Option<anyhow::Result<()>> {
    Some(match role {
        "circles-rule" => circles_rule(store, at, started, out).await,
        "circles-job" => circles_job(store, at, started, out).await,
        "circles-after-tick" => circles_after_tick(store, at, started, out).await,
        "insights-partnership" => insights_partnership(store, at, started, out).await,
        _ => return None,
    })
}

async fn circles_rule(
    store: &Store,
    at: DateTime<Utc>,
    started: Instant,
    out: &mut String,
) -> anyhow::Result<()> {
    let settings = Settings::default();
    let now = next_round_at(store, at, &settings).await?;
    let read_from = started.elapsed().as_secs_f64();
    let past = store.circles().await?;
    let snapshot = circles_snapshot(store, now).await?;
    let read = started.elapsed().as_secs_f64();
    let round = form_circles(
        &snapshot,
        &past,
        now,
        &settings.rules,
        settings.circles.size.get(),
        settings.circles.repeat_after(),
    );
    let formed = started.elapsed().as_secs_f64();
    let eligible = snapshot
        .people
        .values()
        .filter(|p| circle_eligible(p, now))
        .count();
    let _ = write!(
        out,
        " read={:.6} form={:.6} total={formed:.6} leaders={eligible} circles={} waiting={} \
         past_circles={} ties={}",
        read - read_from,
        formed - read,
        round.circles.len(),
        round.waiting.len(),
        past.len(),
        snapshot.ties.len(),
    );
    Ok(())
}

async fn circles_job(
    store: &Store,
    at: DateTime<Utc>,
    started: Instant,
    out: &mut String,
) -> anyhow::Result<()> {
    let (job, summary) = run_circles_job(store, at).await?;
    let total = started.elapsed().as_secs_f64();
    let _ = write!(out, " job={job:.6} total={total:.6} summary={summary}");
    Ok(())
}

async fn circles_after_tick(
    store: &Store,
    at: DateTime<Utc>,
    started: Instant,
    out: &mut String,
) -> anyhow::Result<()> {
    let settings = Settings::default();
    let mut tick = String::new();
    crate::tick(store, at, &settings, started, &mut tick).await?;
    let (job, summary) = run_circles_job(store, at).await?;
    let _ = write!(out, "{tick} kept_job={job:.6} summary={summary}");
    Ok(())
}

/// The circles job as the scheduler runs it, forming the round after the
/// last one; its seconds and what it said.
async fn run_circles_job(store: &Store, at: DateTime<Utc>) -> anyhow::Result<(f64, String)> {
    let settings = Settings::default();
    let now = next_round_at(store, at, &settings).await?;
    let scheduler = scheduler(&settings, store, now)?;
    let from = Instant::now();
    let report = scheduler.run(JobKind::Circles, now).await?;
    let seconds = from.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.summary.starts_with("formed round"),
        "the circles job formed no round: {}",
        report.summary
    );
    Ok((seconds, report.summary.replace(' ', "_")))
}

async fn insights_partnership(
    store: &Store,
    at: DateTime<Utc>,
    started: Instant,
    out: &mut String,
) -> anyhow::Result<()> {
    let mut settings = Settings::default();
    let people = store.people().await?;
    let mut teams: Vec<&TeamId> = people.iter().filter_map(|p| p.team.as_ref()).collect();
    teams.sort();
    teams.dedup();
    let (first, second) = match teams.as_slice() {
        [first, second, ..] => ((*first).clone(), (*second).clone()),
        _ => anyhow::bail!("the company has fewer than two teams"),
    };
    drop(people);
    let partnership = Partnership::new(first, second, 14, Binds::Everyone)
        .context("a partnership of two teams")?;
    settings.partnerships = vec![partnership];
    let scheduler = scheduler(&settings, store, at)?;
    let from = started.elapsed().as_secs_f64();
    let insights = scheduler.insights(WEEKS_SHOWN).await?;
    let total = started.elapsed().as_secs_f64();
    // The page again, as an admin's refresh within the quarter of an
    // hour: the partnership's weeks are kept.
    let again_from = Instant::now();
    let again = scheduler.insights(WEEKS_SHOWN).await?;
    let again_seconds = again_from.elapsed().as_secs_f64();
    anyhow::ensure!(
        again.partnerships == insights.partnerships,
        "the page again gave other partnership weeks"
    );
    // What the page read before it skipped the log outside its window:
    // every interaction decoded, the same history kept. Timed after the
    // page, so on a log the page has just read.
    let snapshot = Snapshot::new(store.people().await?, store.ties().await?, Vec::new())
        .with_partnerships(settings.partnerships.clone());
    let whole_from = Instant::now();
    let mut history = PartnershipHistory::new(&snapshot, at, WEEKS_SHOWN);
    store
        .visit_interactions(|interaction| history.record(&interaction))
        .await?;
    let whole_log = whole_from.elapsed().as_secs_f64();
    let mut history = PartnershipHistory::new(&snapshot, at, WEEKS_SHOWN);
    let window_from = Instant::now();
    let (window_start, window_end) = history.window();
    store
        .visit_interactions_between(window_start, window_end, |interaction| {
            history.record(&interaction)
        })
        .await?;
    let window_log = window_from.elapsed().as_secs_f64();
    let bound = insights
        .partnerships
        .first()
        .and_then(|p| p.weeks.last())
        .and_then(|w| w.live_of_bound)
        .map_or(0, |(_, bound)| bound);
    let _ = write!(
        out,
        " page={:.6} again={again_seconds:.6} total={total:.6} whole_log={whole_log:.6} \
         window_log={window_log:.6} weeks={} bound={bound}",
        total - from,
        insights.partnerships.first().map_or(0, |p| p.weeks.len()),
    );
    Ok(())
}

/// The leaders' lines of the report: the warm runs' medians, next to the
/// tick's.
pub(crate) fn report(
    leaders: usize,
    rules: &[Measured],
    jobs: &[Measured],
    kept_jobs: &[Measured],
    insights: &[Measured],
    plain_insights: &[Measured],
    tick_seconds: f64,
) -> String {
    let median = |runs: &[Measured], name: &str| {
        let mut values: Vec<f64> = runs.iter().map(|m| m.number(name)).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let mut out = String::new();
    if let Some(rule) = rules.first() {
        let _ = writeln!(
            out,
            "circles:   {leaders} leaders marked ({} eligible), {} circles, {} waiting; \
             rule {:.1} ms after reading {:.1} ms ({} ties); whole job {:.1} ms \
             (open + {:.1} ms); job / tick = {:.1}% (warm medians)",
            rule.count("leaders"),
            rule.count("circles"),
            rule.count("waiting"),
            median(rules, "form") * 1e3,
            median(rules, "read") * 1e3,
            rule.count("ties"),
            median(jobs, "total") * 1e3,
            median(jobs, "job") * 1e3,
            median(jobs, "total") / tick_seconds * 100.0,
        );
        let _ = writeln!(
            out,
            "           after a tick in the same process (the people kept, as when serving): \
             job {:.1} ms, tick {:.1} ms; job / tick = {:.1}% (warm medians)",
            median(kept_jobs, "kept_job") * 1e3,
            median(kept_jobs, "total") * 1e3,
            median(kept_jobs, "kept_job") / median(kept_jobs, "total") * 100.0,
        );
        let summaries: Vec<&str> = jobs
            .iter()
            .filter_map(|m| m.fields.get("summary").map(String::as_str))
            .collect();
        let _ = writeln!(out, "           the job said: {}", summaries.join("; "));
    }
    if let Some(first) = insights.first() {
        let _ = writeln!(
            out,
            "partnered: the insights page's figures with a key partnership (binding {} people, \
             {} weeks) {:.1} ms after opening, against {:.1} ms without (read + figures; warm medians); \
             the page again, its weeks kept, {:.1} ms",
            first.count("bound"),
            first.count("weeks"),
            median(insights, "page") * 1e3,
            median(plain_insights, "read_and_figures") * 1e3,
            median(insights, "again") * 1e3,
        );
        let _ = writeln!(
            out,
            "           its read of the log: {:.1} ms decoding only the window's interactions, \
             {:.1} ms decoding every one (as before)",
            median(insights, "window_log") * 1e3,
            median(insights, "whole_log") * 1e3,
        );
    }
    out
}
