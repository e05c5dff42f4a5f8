//! `cargo bench --bench calendar_sync`: how long the calendars job takes to
//! read a company's calendars the first time, and what bounds it (fetching,
//! parsing, matching or the store); the reads after it; the nudge-planning
//! tick over the history the calendars grew; and the memory each needs.
//!
//! The company is the synthetic one the demo and `plan_tick` use: 10,000
//! people in 10 teams (no history of their own), stored in sled in a
//! temporary folder with their emails hashed under the operator's key, as
//! the people sync keeps them. 1,000 of them, spread over the company, give
//! a calendar: the fake Slack's calendar host (served by this process)
//! publishes for each a year of meetings, about 2,100 (see [`calendar`]),
//! half as Google and half as Outlook writes them, and the store keeps each
//! address sealed with the key. The feeds share no meeting: every pair a
//! feed gives is new to the store, the most work for it.
//!
//! Each measurement runs in a fresh process (this benchmark, started again
//! as a child, as `plan_tick` does), so that its peak memory (VmHWM) is its
//! own and not the fake host's, which holds every feed:
//!
//! - *phases*: a sample of the feeds (20) read one at a time, each step of
//!   `CalendarReader::read` timed apart (fetching, `calendars::fetch`;
//!   parsing, `read_feed`; counting, `counted`; matching: hashing the
//!   attendees' emails, finding them in the `EmailDirectory` and keying
//!   each pair, `to_log`; logging, `calendars::log` and the flush: one
//!   batch a feed, each pair under its once-key), logging into a second
//!   store holding the same people and no history; beside it, the same
//!   interactions in one batch a feed without once-keys
//!   (`log_interactions`, as `seed` writes them: what the once-keys cost),
//!   and the pairs logged again, each found logged;
//! - *sync*: the calendars job as the scheduler runs it
//!   (`Scheduler::run(JobKind::Calendars, …)`); again a minute later, when
//!   no meeting has ended and every feed answers `304 Not Modified`; and
//!   the next day, when meetings have ended since and every feed is read
//!   whole again. In one process, as a serving bot runs them;
//! - *tick*: open the store, read the nudge job's snapshot and plan, every
//!   delivery window open, as `plan_tick` measures a tick; three times.
//!
//! It prints the sizes, the machine, each run's time, CPU time and peak
//! memory, the sample's phases and their totals for every feed, which of
//! them bounds a first sync, and what a company where all 10,000 give their
//! calendar would take if the costs stay linear in the feeds. It exits
//! non-zero only when a run fails, never for being slow.
//!
//! `CALENDAR_SYNC_FEEDS` sets how many give a calendar (100 for a quick
//! run) and `CALENDAR_SYNC_SAMPLE` how many the phases read. Run without
//! `--bench` (as `cargo test --benches` does), it is a smoke run: 300
//! people, 4 feeds of 30 days.

// A failed measurement or test is its own report: unwrapping is fine here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/disk.rs"]
mod disk;
#[path = "support/machine.rs"]
mod support;

use alliances::calendars::{
    CalendarKey, EmailDirectory, Fetched, Validators, counted, fetch, hashed_attendees, log,
    read_feed, to_log,
};
use alliances::config::{Settings, Teams};
use alliances::domain::{CalendarFeed, Person, SettableClock, number};
use alliances::metrics::Metrics;
use alliances::rules::plan_nudges;
use alliances::scheduler::{JobKind, Scheduler, nudge_snapshot};
use alliances::slack::SlackClient;
use alliances::store::{Store, StoreOptions};
use alliances::synthetic::{Company, CompanySize};
use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Duration, DurationRound as _, Utc};
use chrono_tz::Tz;
use disk::folder_bytes;
use fake_slack::{CalendarShape, EMAIL_DOMAIN, FakeCalendar, FakeSlack, Workspace};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use secrecy::ExposeSecret as _;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Instant;
use support::{machine, proc_kb};

/// The operator's key (`ALLIANCES_ENCRYPTION_KEY`): seals the addresses
/// and hashes the emails.
const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
const SEED: u64 = 11;
const TEAMS: usize = 10;
/// Synthetic calendars composed into one feed: each of the fake's gives
/// about 300 meetings in a year (three weekly 1:1 series, a stand-up, a
/// one-off meeting on about half the working days, and the odd ones), so
/// seven give about 2,100, some 8 a working day.
const PARTS: usize = 7;
/// Colleagues in each part, every other one in another team.
const COLLEAGUES: usize = 12;
/// The most people a meeting may ask and count (`calendars.max_attendees`'
/// default), for counting what the fake says counts.
const MAX_ATTENDEES: usize = 8;
/// Fresh processes that plan a tick; the median is reported.
const TICKS: usize = 3;

/// A company and its calendars.
#[derive(Debug, Clone, Copy)]
struct Size {
    people: usize,
    feeds: usize,
    days: u32,
    sample: usize,
}

const DEFAULT: Size = Size {
    people: 10_000,
    feeds: 1_000,
    days: 365,
    sample: 20,
};
const SMOKE: Size = Size {
    people: 300,
    feeds: 4,
    days: 30,
    sample: 2,
};

/// The child's role and what it reads, from its environment.
const CHILD_ROLE: &str = "CALENDAR_SYNC_CHILD";
const CHILD_STORE: &str = "CALENDAR_SYNC_STORE";
const CHILD_AT: &str = "CALENDAR_SYNC_AT";
const CHILD_DAYS: &str = "CALENDAR_SYNC_DAYS";
const CHILD_SAMPLE: &str = "CALENDAR_SYNC_SAMPLE_OF";

fn main() -> ExitCode {
    let outcome = match std::env::var(CHILD_ROLE) {
        Ok(role) => child(&role),
        Err(_) => run(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("calendar_sync failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A whole number from the environment variable `name`, or `default`.
fn from_env(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{name} must be a whole number, not `{value}`")),
        Err(_) => Ok(default),
    }
}

fn run() -> anyhow::Result<()> {
    let benching = std::env::args().any(|arg| arg == "--bench");
    let mut size = if benching { DEFAULT } else { SMOKE };
    size.feeds = from_env("CALENDAR_SYNC_FEEDS", size.feeds)?;
    size.sample = from_env("CALENDAR_SYNC_SAMPLE", size.sample)?.min(size.feeds);
    // Beside the build, not in /tmp: the store of a full run is GBs.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(tmp)?;
    let folder = tempfile::tempdir_in(tmp).context("a temporary folder")?;
    let store_dir = folder.path().join("store");
    let load_before = load_average();
    // Whole seconds, so that the children read the same instant back.
    let now = Utc::now().duration_trunc(Duration::seconds(1))?;

    let runtime = tokio::runtime::Runtime::new().context("the fake host's runtime")?;
    let fake = runtime
        .block_on(FakeSlack::start(Workspace::new(
            "xoxb-unused",
            vec![],
            vec![],
        )))
        .context("starting the fake Slack")?;
    let published = runtime.block_on(publish(&fake, &store_dir, size, now))?;

    let phases = measure("phases", &store_dir, now, size)?;
    let sync = measure("sync", &store_dir, now, size)?;
    let ticks = (0..TICKS)
        .map(|_| measure("tick", &store_dir, now, size))
        .collect::<anyhow::Result<Vec<_>>>()?;
    runtime.block_on(fake.stop());
    let disk = folder_bytes(&store_dir)?;
    let load = [load_before, load_average()];
    print!(
        "{}",
        report(size, &published, &phases, &sync, &ticks, disk, load)
    );
    Ok(())
}

/// What was published and stored before the runs.
#[derive(Debug)]
struct Published {
    people: usize,
    with_email: usize,
    feeds: usize,
    google: usize,
    meetings: usize,
    countable: usize,
    colleagues: usize,
    seconds: f64,
}

/// Stores the company in `store_dir`, publishes `size.feeds` calendars on
/// `fake` and stores them, sealed, for their owners.
async fn publish(
    fake: &FakeSlack,
    store_dir: &Path,
    size: Size,
    now: DateTime<Utc>,
) -> anyhow::Result<Published> {
    let started = Instant::now();
    let key = CalendarKey::parse(KEY)?;
    // The generator needs a few days to draw its relationships from; the
    // history itself is not stored.
    let company = Company::generate(
        SEED,
        CompanySize {
            people: size.people,
            teams: TEAMS,
            days: 3,
        },
        now,
    );
    let email = |handle: &str| format!("{handle}@{EMAIL_DOMAIN}");
    let people: Vec<Person> = company
        .people
        .iter()
        .map(|p| Person {
            email: Some(key.email_hash(&email(&p.handle))),
            ..p.to_person()
        })
        .collect();
    let store = Store::open(store_dir, &StoreOptions::default())?;
    store.put_people(&people).await?;

    let mut by_team: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for (i, person) in company.people.iter().enumerate() {
        by_team.entry(&person.team).or_default().push(i);
    }
    let teams: Vec<&Vec<usize>> = by_team.values().collect();
    let reachable: Vec<usize> = (0..people.len())
        .filter(|i| people[*i].reachable())
        .collect();
    ensure!(
        reachable.len() >= size.feeds,
        "only {} people can give a calendar",
        reachable.len()
    );
    let step = reachable.len() / size.feeds;
    let lookback = Duration::days(i64::from(size.days));
    let mut published = Published {
        people: people.len(),
        with_email: people.iter().filter(|p| p.email.is_some()).count(),
        feeds: 0,
        google: 0,
        meetings: 0,
        countable: 0,
        colleagues: 0,
        seconds: 0.0,
    };
    for (n, &owner) in reachable.iter().step_by(step).take(size.feeds).enumerate() {
        let person = &company.people[owner];
        let mut rng = StdRng::seed_from_u64(SEED ^ ((owner as u64) << 8));
        let own = &by_team[&person.team];
        let colleagues: Vec<Vec<String>> = (0..PARTS)
            .map(|_| {
                (0..COLLEAGUES)
                    .map(|j| {
                        let team = if j % 2 == 0 {
                            own
                        } else {
                            teams[rng.random_range(0..teams.len())]
                        };
                        let mut other = team[rng.random_range(0..team.len())];
                        if other == owner {
                            other = (owner + 1) % company.people.len();
                        }
                        email(&company.people[other].handle)
                    })
                    .collect()
            })
            .collect();
        published.colleagues += colleagues.iter().flatten().collect::<BTreeSet<_>>().len();
        let shape = if n % 2 == 0 {
            published.google += 1;
            CalendarShape::Google
        } else {
            CalendarShape::Outlook
        };
        let calendar = calendar(
            &email(&person.handle),
            &colleagues,
            n as u64,
            now,
            size,
            shape,
        );
        published.meetings += calendar
            .meetings
            .iter()
            .flat_map(|m| m.instances(calendar.zone))
            .filter(|i| i.start >= now - lookback && i.start < now)
            .count();
        published.countable += calendar.countable(now, lookback, MAX_ATTENDEES).len();
        let address = fake.publish_calendar(person.id.as_str(), calendar);
        let sealed = key.seal(&person.id, &address)?;
        store
            .put_calendar(&CalendarFeed::new(
                person.id.clone(),
                sealed,
                now - Duration::hours(1),
            ))
            .await?;
        published.feeds += 1;
    }
    store.flush().await?;
    published.seconds = started.elapsed().as_secs_f64();
    Ok(published)
}

/// One person's calendar for the `size.days` before `now`: [`PARTS`] of
/// the fake's synthetic calendars, each with its own dozen `colleagues`,
/// merged into one feed. Each part brings its weekly 1:1s, its stand-up,
/// its one-off meetings and its odd ones (declined, cancelled, all-day,
/// an all-hands, rooms), with their recurrence exceptions and zones.
fn calendar(
    owner: &str,
    colleagues: &[Vec<String>],
    seed: u64,
    now: DateTime<Utc>,
    size: Size,
    shape: CalendarShape,
) -> FakeCalendar {
    let days = i64::from(size.days);
    let mut parts = colleagues.iter().enumerate().map(|(p, colleagues)| {
        let seed = seed * PARTS as u64 + p as u64;
        FakeCalendar::synthetic(owner, colleagues, seed, now, days, shape)
    });
    let mut whole = parts.next().expect("at least one part");
    for part in parts {
        whole.meetings.extend(part.meetings);
    }
    whole
}

/// What one child measured: its `key=value` words.
#[derive(Debug)]
struct Measured(BTreeMap<String, String>);

impl Measured {
    fn number(&self, name: &str) -> f64 {
        self.0
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// A whole number it reported, readably.
    fn count(&self, name: &str) -> String {
        self.0
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
            .map_or_else(|| "?".to_owned(), number)
    }

    fn words(&self, name: &str) -> String {
        self.0
            .get(name)
            .map_or("?".to_owned(), |v| v.replace('_', " "))
    }
}

/// Runs this benchmark again as a child in `role` against `store`.
fn measure(role: &str, store: &Path, at: DateTime<Utc>, size: Size) -> anyhow::Result<Measured> {
    let output = Command::new(std::env::current_exe()?)
        .env(CHILD_ROLE, role)
        .env(CHILD_STORE, store)
        .env(CHILD_AT, at.to_rfc3339())
        .env(CHILD_DAYS, size.days.to_string())
        .env(CHILD_SAMPLE, format!("{}/{}", size.sample, size.feeds))
        .stdin(Stdio::null())
        .output()
        .context("starting a child")?;
    ensure!(
        output.status.success(),
        "the {role} child failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(Measured(
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .filter_map(|word| word.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    ))
}

/// The child: one role's run, then its figures on standard output.
fn child(role: &str) -> anyhow::Result<()> {
    let store_dir = PathBuf::from(std::env::var(CHILD_STORE).context(CHILD_STORE)?);
    let at = std::env::var(CHILD_AT).context(CHILD_AT)?;
    let now = DateTime::parse_from_rfc3339(&at)?.with_timezone(&Utc);
    let days: u32 = std::env::var(CHILD_DAYS).context(CHILD_DAYS)?.parse()?;
    let mut settings = Settings::default();
    settings.calendars.allow_private_hosts = true;
    settings.calendars.lookback_days = NonZeroU32::new(days).context("days")?;
    let mut out = String::new();
    match role {
        "phases" => {
            let sample = std::env::var(CHILD_SAMPLE).context(CHILD_SAMPLE)?;
            let (sample, feeds) = sample.split_once('/').context(CHILD_SAMPLE)?;
            phases(
                &store_dir,
                &settings,
                now,
                sample.parse()?,
                feeds.parse()?,
                &mut out,
            )?;
        }
        "sync" => sync(&store_dir, &settings, now, &mut out)?,
        "tick" => tick(&store_dir, &settings, now + Duration::days(1), &mut out)?,
        other => bail!("no such child role: {other}"),
    }
    let _ = write!(out, " peak_kb={}", peak_kb());
    println!("{out}");
    Ok(())
}

/// Reads `sample` of the `feeds` one at a time, timing each step of a read
/// apart, as `CalendarReader::read` takes them; logs into a second store
/// with the same people.
fn phases(
    store_dir: &Path,
    settings: &Settings,
    now: DateTime<Utc>,
    sample: usize,
    feeds: usize,
    out: &mut String,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let store = Store::open(store_dir, &StoreOptions::default())?;
    let people = runtime.block_on(store.people_by_id())?;
    let calendars = runtime.block_on(store.calendars())?;
    drop(store);
    let scratch_dir = tempfile::tempdir_in(store_dir.parent().context("a parent")?)?;
    let scratch = Store::open(&scratch_dir.path().join("once"), &StoreOptions::default())?;
    // The yardstick: the same interactions in one batch a feed, as `seed`
    // writes them (no once-keys, no look-ups).
    let batched = Store::open(&scratch_dir.path().join("batch"), &StoreOptions::default())?;
    let everyone: Vec<Person> = people.values().cloned().collect();
    runtime.block_on(scratch.put_people(&everyone))?;
    runtime.block_on(batched.put_people(&everyone))?;
    let key = CalendarKey::parse(KEY)?;
    let lookback = Duration::days(i64::from(settings.calendars.lookback_days.get()));
    // A read looks a week ahead too, for the next meeting to end
    // (`calendars::read`'s `RECOUNT_WITHIN`).
    let ahead = Duration::days(7);
    let max_attendees = settings.calendars.max_attendees.get();

    let started = Instant::now();
    let directory = EmailDirectory::of(people.values());
    let directory_seconds = started.elapsed().as_secs_f64();
    let mut seconds = [0.0_f64; 7];
    let (mut bytes, mut meetings, mut counts, mut pairs, mut new) = (0, 0, 0, 0, 0);
    let mut timed = |phase: usize, from: Instant| seconds[phase] += from.elapsed().as_secs_f64();
    for feed in calendars
        .iter()
        .step_by((feeds / sample).max(1))
        .take(sample)
    {
        let owner = &people[&feed.owner];
        let owner_email = owner.email.context("an owner without an email")?;
        let address = key.open(&feed.owner, &feed.address)?;
        let from = Instant::now();
        let fetched =
            runtime.block_on(fetch(address.expose_secret(), &Validators::default(), true))?;
        let Fetched::Feed { text, .. } = fetched else {
            bail!("a first fetch answered 304");
        };
        timed(0, from);
        let from = Instant::now();
        let zone = owner.tz.as_deref().and_then(|tz| tz.parse::<Tz>().ok());
        let read = read_feed(&text, now - lookback, now + ahead, zone.unwrap_or(Tz::UTC))?;
        timed(1, from);
        let from = Instant::now();
        let counting = counted(
            &read,
            |email| key.email_hash(email) == owner_email,
            now,
            lookback,
            max_attendees,
        );
        timed(2, from);
        let from = Instant::now();
        let attendees = hashed_attendees(&counting, &key);
        let once = runtime.block_on(scratch.once_keys())?;
        let logging = to_log(
            owner,
            &counting,
            |email| attendees.get(email).and_then(|hash| directory.find(hash)),
            &once,
        );
        timed(3, from);
        let from = Instant::now();
        new += runtime.block_on(log(&scratch, &logging))?;
        runtime.block_on(scratch.flush())?;
        timed(4, from);
        let from = Instant::now();
        let interactions: Vec<_> = logging.iter().map(|one| one.interaction.clone()).collect();
        runtime.block_on(batched.log_interactions(&interactions))?;
        runtime.block_on(batched.flush())?;
        timed(5, from);
        // As the next day's read logs it: every pair logged before.
        let from = Instant::now();
        ensure!(
            runtime.block_on(log(&scratch, &logging))? == 0,
            "a pair logged twice"
        );
        timed(6, from);
        bytes += text.len();
        meetings += read.meetings.len();
        counts += counting.len();
        pairs += logging.len();
    }
    // What each of the two ways left on disk.
    let once_bytes = folder_bytes(&scratch_dir.path().join("once"))?;
    let batch_bytes = folder_bytes(&scratch_dir.path().join("batch"))?;
    let _ = write!(
        out,
        "sample={sample} directory={directory_seconds:.6} fetch={:.6} parse={:.6} count={:.6} \
         match={:.6} log={:.6} batch={:.6} relog={:.6} bytes={bytes} meetings={meetings} \
         counted={counts} pairs={pairs} new={new} once_bytes={once_bytes} \
         batch_bytes={batch_bytes}",
        seconds[0], seconds[1], seconds[2], seconds[3], seconds[4], seconds[5], seconds[6],
    );
    Ok(())
}

/// The calendars job as the scheduler runs it at `now`; again a minute
/// later, when no meeting has ended since and every feed answers 304; and
/// a day later, when meetings have ended and every feed is read whole
/// again. All in the same process, as a serving bot runs them.
fn sync(
    store_dir: &Path,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut String,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let store = runtime.block_on(alliances::data_dir::open_store(settings, store_dir))?;
    let clock = Arc::new(SettableClock::new(now));
    // Its Slack client is never called: nothing is sent.
    let slack = SlackClient::new(
        "http://127.0.0.1:9/api",
        &secrecy::SecretString::from("xoxb-unused".to_owned()),
    )?;
    let scheduler = Scheduler::new(
        settings,
        store.clone(),
        slack,
        clock.clone(),
        Teams::listed([]),
        Metrics::new(),
    )
    .with_calendar_key(Some(Arc::new(CalendarKey::parse(KEY)?)));
    for (name, at) in [
        ("first", now),
        ("again", now + Duration::minutes(1)),
        ("next_day", now + Duration::days(1)),
    ] {
        clock.set(at);
        let cpu = cpu_seconds();
        let from = Instant::now();
        let report = runtime.block_on(scheduler.run(JobKind::Calendars, at))?;
        let seconds = from.elapsed().as_secs_f64();
        let _ = write!(
            out,
            " {name}={seconds:.6} {name}_cpu={:.6} {name}_peak_kb={} {name}_interactions={} \
             {name}_summary={}",
            cpu_seconds() - cpu,
            peak_kb(),
            runtime.block_on(store.interaction_count())?,
            report.summary.replace(' ', "_"),
        );
    }
    let _ = write!(out, " ties={}", runtime.block_on(store.ties())?.len());
    Ok(())
}

/// One planning tick at `at`, as `plan_tick` times it: open the store,
/// read the nudge job's snapshot, plan with every window open.
fn tick(
    store_dir: &Path,
    settings: &Settings,
    at: DateTime<Utc>,
    out: &mut String,
) -> anyhow::Result<()> {
    // The store is async: a runtime of one thread reaches it.
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let started = Instant::now();
    let store = runtime.block_on(alliances::data_dir::open_store(settings, store_dir))?;
    let open = started.elapsed().as_secs_f64();
    let policy = settings.rules.any_time();
    let snapshot = runtime.block_on(nudge_snapshot(&store, at, &policy))?;
    let snapshotted = started.elapsed().as_secs_f64();
    let plan = plan_nudges(&snapshot, at, &policy);
    let total = started.elapsed().as_secs_f64();
    let _ = write!(
        out,
        "open={open:.6} snapshot={:.6} plan={:.6} total={total:.6} ties={} nudges={}",
        snapshotted - open,
        total - snapshotted,
        snapshot.ties.len(),
        plan.len(),
    );
    std::hint::black_box(plan);
    Ok(())
}

/// The figures, the machine and what bounds a first sync, as printed.
fn report(
    size: Size,
    published: &Published,
    phases: &Measured,
    sync: &Measured,
    ticks: &[Measured],
    disk: u64,
    load: [String; 2],
) -> String {
    let mb = |kb: f64| kb / 1024.0;
    let feeds = published.feeds as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "calendar_sync: the calendars job reading {} feeds of {} days from the fake calendar \
         host (first, again a minute later, the next day), then a nudge-planning tick",
        number(published.feeds),
        size.days,
    );
    let _ = writeln!(out, "machine:   {}", machine());
    let _ = writeln!(
        out,
        "load:      {} before the runs, {} after (1-minute load average)",
        load[0], load[1]
    );
    let _ = writeln!(
        out,
        "company:   {} people in {TEAMS} teams ({} with an email hash), no history before; \
         {} give a calendar ({} Google, {} Outlook), {:.0} colleagues each",
        number(published.people),
        number(published.with_email),
        number(published.feeds),
        published.google,
        published.feeds - published.google,
        published.colleagues as f64 / feeds,
    );
    let sample = phases.number("sample");
    let _ = writeln!(
        out,
        "feeds:     {} meetings in the {} days ({} a feed), {} that count by the fake's \
         rules ({} a feed); {:.2} MB a feed; generated, published and stored in {:.1} s",
        number(published.meetings),
        size.days,
        rounded(published.meetings as f64 / feeds),
        number(published.countable),
        rounded(published.countable as f64 / feeds),
        phases.number("bytes") / sample / 1e6,
        published.seconds,
    );
    for name in ["first", "again", "next_day"] {
        let seconds = sync.number(name);
        let cpu = sync.number(&format!("{name}_cpu"));
        let _ = writeln!(
            out,
            "{:<10} {seconds:>7.1} s ({:.1} feeds/s), CPU {cpu:.1} s ({:.2} cores), peak {:.0} \
             MB; the job said: {}; {} interactions in the store",
            format!("{}:", name.replace('_', " ")),
            feeds / seconds,
            cpu / seconds,
            mb(sync.number(&format!("{name}_peak_kb"))),
            sync.words(&format!("{name}_summary")),
            sync.count(&format!("{name}_interactions")),
        );
    }
    let _ = writeln!(
        out,
        "store:     {} ties, {:.0} MB on disk",
        sync.count("ties"),
        disk as f64 / 1e6
    );
    let median = |name: &str| {
        let mut values: Vec<f64> = ticks.iter().map(|m| m.number(name)).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN) * 1e3
    };
    let _ = writeln!(
        out,
        "tick:      {:.1} ms = open {:.1} + snapshot {:.1} + plan {:.1} (median of {TICKS} \
         fresh processes), {} nudges over {} ties; peak {:.0} MB",
        median("total"),
        median("open"),
        median("snapshot"),
        median("plan"),
        ticks[0].count("nudges"),
        ticks[0].count("ties"),
        mb(ticks
            .iter()
            .map(|m| m.number("peak_kb"))
            .fold(0.0, f64::max)),
    );

    let names = ["fetch", "parse", "count", "match", "log"];
    let per_feed = |name: &str| phases.number(name) / sample;
    let pairs = phases.number("pairs") / sample;
    let _ = writeln!(
        out,
        "sample:    {sample} feeds read one at a time, logged into a store with no history \
         (peak {:.0} MB): a feed {} meetings, {} counted, {} pairs to log ({} new); the \
         directory of emails built once in {:.1} ms",
        mb(phases.number("peak_kb")),
        rounded(phases.number("meetings") / sample),
        rounded(phases.number("counted") / sample),
        rounded(pairs),
        rounded(phases.number("new") / sample),
        phases.number("directory") * 1e3,
    );
    let serial: f64 = names.iter().map(|name| per_feed(name)).sum();
    let line = names
        .iter()
        .map(|name| format!("{name} {:.1}", per_feed(name) * 1e3))
        .collect::<Vec<_>>()
        .join(" + ");
    let _ = writeln!(out, "a feed:    {line} = {:.1} ms", serial * 1e3);
    let _ = writeln!(
        out,
        "logging:   {:.1} µs a pair, one batch a feed with once-keys (`calendars::log`); the \
         same interactions without once-keys (`log_interactions`): {:.1} µs; \
         the pairs again, each found logged: {:.1} µs; on disk {:.0} MB against {:.0} MB",
        per_feed("log") / pairs * 1e6,
        per_feed("batch") / pairs * 1e6,
        per_feed("relog") / pairs * 1e6,
        phases.number("once_bytes") / 1e6,
        phases.number("batch_bytes") / 1e6,
    );
    let again = serial - per_feed("log") + per_feed("relog");
    let _ = writeln!(
        out,
        "read again: {:.1} ms a feed with nothing new (the log's pairs found logged), {:.1} s \
         for {} feeds one at a time, {:.1} s measured the next day",
        again * 1e3,
        again * feeds,
        number(published.feeds),
        sync.number("next_day"),
    );
    let line = names
        .iter()
        .map(|name| {
            format!(
                "{name} {:.1} s ({:.0}%)",
                per_feed(name) * feeds,
                per_feed(name) / serial * 100.0
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "{:<10} {line}; {:.1} s one at a time, {:.1} s measured (4 at once)",
        format!("{} feeds:", number(published.feeds)),
        serial * feeds,
        sync.number("first"),
    );
    let (bound, _) = names
        .iter()
        .map(|name| (*name, per_feed(name)))
        .fold(("?", 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let scale = size.people as f64 / feeds;
    let _ = writeln!(
        out,
        "bound:     {bound}; for {} people all giving a calendar like these (linear in the \
         feeds, every pair new): first sync about {}, {} interactions, {:.1} GB on disk; \
         again {}; the next day {}",
        number(size.people),
        spoken(sync.number("first") * scale),
        rounded(sync.number("first_interactions") * scale),
        disk as f64 * scale / 1e9,
        spoken(sync.number("again") * scale),
        spoken(sync.number("next_day") * scale),
    );
    out
}

/// `x` rounded, its thousands grouped.
fn rounded(x: f64) -> String {
    if x.is_finite() {
        number(x.round() as usize)
    } else {
        "?".to_owned()
    }
}

/// `seconds` in seconds, or in minutes past two.
fn spoken(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

/// This process's peak resident memory (VmHWM), in KiB.
fn peak_kb() -> u64 {
    proc_kb("/proc/self/status", "VmHWM").unwrap_or(0)
}

/// This process's CPU time so far, user and system, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The machine's 1-minute load average, from the OS.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
