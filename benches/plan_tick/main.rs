//! `cargo bench --bench plan_tick`: how long the nudge job takes to plan
//! one tick at organisation scale, next to a plain scan of the same tie
//! data in sled, and how much memory it needs.
//!
//! The store holds a synthetic company written by the release binary
//! (`alliances seed`, the generator the demo uses) in a child process:
//! generating holds the whole history in memory, which is the seed's cost,
//! not the tick's. It is written once, into `target/bench-data/`, and kept
//! for later runs. Each measurement then runs in a fresh process (this
//! benchmark, started again as a child) against that store:
//!
//! - *scan*: open the store and read every key and value of the `ties`
//!   tree, touching each byte and decoding nothing;
//! - *tick*: open the store, read the snapshot the nudge job reads
//!   (`scheduler::nudge_snapshot`: people, every tie, the recent nudges)
//!   and plan (`rules::plan_nudges`), with every person's delivery window
//!   open, as `tick --dry-run` plans: the heaviest tick there is;
//! - *insights*: what `GET /insights` and the digest's picture cost: open
//!   the store, read people and ties, work out the figures
//!   (`rules::insights`), draw both charts as SVG and the team map as the
//!   digest's PNG. Measured warm, after the others.
//!
//! The first of each runs cold, once the store's files were dropped from
//! the page cache; then come the warm runs, scan and tick in turn. Both
//! plan at the instant seeding finished, so every run plans the same. It
//! prints the sizes, the machine, the median and fastest warm run and the
//! cold one, the phases of the tick, the ratio of tick to scan and the peak
//! memory (VmHWM) of each child, and whether the targets are met; it exits
//! non-zero only when a child fails, never for being slow.
//!
//! Then what the leaders-first work costs on the same store, its leaders
//! marked once after seeding (see `leaders`): forming a round of
//! leadership circles (*circles-rule*: the rule alone, after reading what
//! the job reads; *circles-job*: the whole job as the scheduler runs it,
//! prompts queued), each run forming the round after the last run's; and
//! the insights page with a key partnership binding everyone in the first
//! team, whose 26 weeks of health read the interaction log. Last, what
//! the peer index costs (see `peers`): its build, its memory, and a read of
//! what `/alliances allies` weighs, next to a read of every tie.
//!
//! `PLAN_TICK_LARGE=1` plans for the large company instead (100,000
//! people, about 10,000,000 interactions: the first run seeds it, which
//! takes several minutes and GB of disk); `PLAN_TICK_RUNS` sets the number
//! of warm runs. Run without `--bench` (as `cargo test --benches` does), it
//! is a smoke run on a small company in a temporary folder.

// A failed measurement or test is its own report: unwrapping is fine here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/disk.rs"]
mod disk;
mod leaders;
mod peers;
mod report;
mod seeded;
#[path = "../support/machine.rs"]
mod support;

use alliances::charts;
use alliances::config::Settings;
use alliances::inbound::insights::WEEKS_SHOWN;
use alliances::rules::{Snapshot, insights, plan_nudges};
use alliances::scheduler::nudge_snapshot;
use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Utc};
use disk::folder_bytes;
use report::{load_average, report};
use seeded::{Seeded, evict_from_page_cache};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// A synthetic company: its people and days of history. Ten teams and the
/// seed are the same for every size.
#[derive(Debug, Clone, Copy)]
struct Size {
    people: u64,
    days: u64,
}

/// 10,000 people; 410 days of their history come to about a million
/// interactions (the generator gives about 2,400 a working day for them).
const DEFAULT: Size = Size {
    people: 10_000,
    days: 410,
};
/// Ten times the people over the same days: about ten million.
const LARGE: Size = Size {
    people: 100_000,
    days: 410,
};
/// The smoke run's: seeded afresh each time, in a second or two, with
/// history enough for some alliances to have faded.
const SMOKE: Size = Size {
    people: 300,
    days: 150,
};
const TEAMS: u64 = 10;
const SEED: u64 = 7;
/// Warm runs of each, after the cold one.
const RUNS: usize = 7;
const LARGE_RUNS: usize = 3;
/// The targets the figures are judged against (the project's issue).
const TARGET_TICK_SECONDS: f64 = 1.0;
const TARGET_RATIO: f64 = 2.0;
const TARGET_PEAK_MB: f64 = 200.0;

/// The child process's role and where it reads, from its environment.
const CHILD_ROLE: &str = "PLAN_TICK_CHILD";
const CHILD_STORE: &str = "PLAN_TICK_STORE";
const CHILD_AT: &str = "PLAN_TICK_AT";
/// The PostgreSQL database a child reads instead of the sled store.
const CHILD_DATABASE: &str = "PLAN_TICK_DATABASE";

fn main() -> ExitCode {
    let outcome = match std::env::var(CHILD_ROLE) {
        Ok(role) => child(&role),
        Err(_) => run(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("plan_tick failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let benching = std::env::args().any(|arg| arg == "--bench");
    let large = std::env::var("PLAN_TICK_LARGE").is_ok_and(|v| !v.is_empty() && v != "0");
    let (size, default_runs) = match (benching, large) {
        (false, _) => (SMOKE, 1),
        (true, false) => (DEFAULT, RUNS),
        (true, true) => (LARGE, LARGE_RUNS),
    };
    let runs = match std::env::var("PLAN_TICK_RUNS") {
        Ok(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("PLAN_TICK_RUNS must be a whole number, not `{value}`"))?,
        Err(_) => default_runs,
    };
    // The smoke run's store goes when it is done; a benchmark's is kept.
    let smoke_folder;
    let folder = if benching {
        bench_data().join(format!(
            "people-{}-days-{}-teams-{TEAMS}-seed-{SEED}",
            size.people, size.days
        ))
    } else {
        smoke_folder = tempfile::tempdir().context("a temporary folder")?;
        smoke_folder.path().join("company")
    };
    let seeded = Seeded::ensure(&folder, size)?;
    let store = folder.join("store");
    let leaders = leaders::mark_leaders(&folder, &store)?;
    let load_before = load_average();

    let mut cold = Vec::new();
    for role in ["scan", "tick"] {
        evict_from_page_cache(&store)?;
        cold.push(measure(role, &store, seeded.at)?);
    }
    let (mut scans, mut ticks) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        scans.push(measure("scan", &store, seeded.at)?);
        ticks.push(measure("tick", &store, seeded.at)?);
    }
    let insights = (0..runs)
        .map(|_| measure("insights", &store, seeded.at))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (mut rules, mut jobs, mut kept_jobs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        rules.push(measure("circles-rule", &store, seeded.at)?);
        jobs.push(measure("circles-job", &store, seeded.at)?);
        kept_jobs.push(measure("circles-after-tick", &store, seeded.at)?);
    }
    let partnership_insights = (0..runs)
        .map(|_| measure("insights-partnership", &store, seeded.at))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let peers = (0..runs)
        .map(|_| measure("peers", &store, seeded.at))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let disk = folder_bytes(&store)?;
    let load = [load_before, load_average()];
    print!(
        "{}",
        report(&seeded, disk, load, &cold[0], &cold[1], &scans, &ticks)
    );
    print!("{}", report::insights(&insights));
    let tick_seconds = {
        let mut totals: Vec<f64> = ticks.iter().map(|m| m.number("total")).collect();
        totals.sort_by(f64::total_cmp);
        totals[totals.len() / 2]
    };
    print!(
        "{}",
        leaders::report(
            leaders,
            &rules,
            &jobs,
            &kept_jobs,
            &partnership_insights,
            &insights,
            tick_seconds
        )
    );
    print!("{}", peers::report(&peers));
    print!("{}", on_postgres(&store, seeded.at, runs, tick_seconds)?);
    Ok(())
}

/// The tick again on PostgreSQL: the sled store moved into a throwaway
/// cluster with PostgreSQL's defaults, as `export` and `import` move it,
/// then `runs` ticks in fresh children, set beside sled's median `sled`.
/// Without PostgreSQL on the machine, a line saying so.
fn on_postgres(store: &Path, at: DateTime<Utc>, runs: usize, sled: f64) -> anyhow::Result<String> {
    let cluster = match throwaway_postgres::Cluster::start(throwaway_postgres::Durability::Full) {
        Ok(cluster) => cluster,
        Err(why) => return Ok(format!("on PostgreSQL: skipped: {why}\n")),
    };
    let url = cluster
        .create_database()
        .map_err(|why| anyhow::anyhow!("{why}"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    let moved = Instant::now();
    let backup = tempfile::NamedTempFile::new()?;
    runtime.block_on(async {
        let sled = alliances::store::Store::open(store, &Default::default())?;
        sled.export_backup_file(backup.path(), Utc::now(), |_| {
            std::ops::ControlFlow::Continue(())
        })
        .await?;
        drop(sled);
        let postgres = alliances::store::Store::connect(&url, Default::default()).await?;
        let input = std::io::BufReader::new(std::fs::File::open(backup.path())?);
        postgres
            .import_into_database(input, alliances::store::Replacing::EmptyOnly, |_| {})
            .await?;
        anyhow::Ok(())
    })?;
    let moved = moved.elapsed().as_secs_f64();
    let mut ticks = (0..runs)
        .map(|_| measure_on("tick", store, at, Some(&url)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    ticks.sort_by(|a, b| a.number("total").total_cmp(&b.number("total")));
    let median = &ticks[ticks.len() / 2];
    let total = median.number("total");
    Ok(format!(
        "on PostgreSQL (a throwaway cluster with its defaults, on this machine; the store \
         moved by export and import in {moved:.1} s): tick median of {runs} {:.3} s \
         (open {:.3} s, snapshot {:.3} s, plan {:.3} s, peak {} MB), {:.1}× sled's {:.3} s\n",
        total,
        median.number("open"),
        median.number("snapshot"),
        median.number("plan"),
        median.number("peak_kb") as u64 / 1024,
        total / sled,
        sled,
    ))
}

/// Where benchmarks keep their data: `target/bench-data`.
fn bench_data() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("bench-data")
}

/// What one child measured: its `key=value` words, and its whole run as
/// the parent saw it (start-up and exit included).
#[derive(Debug)]
struct Measured {
    fields: BTreeMap<String, String>,
    process_seconds: f64,
}

impl Measured {
    /// A whole number it reported, readably.
    fn count(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
            .map_or_else(|| "?".to_owned(), alliances::domain::number)
    }

    fn number(&self, name: &str) -> f64 {
        self.fields
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }
}

/// Runs this benchmark again as a child in `role` against `store`.
fn measure(role: &str, store: &Path, at: DateTime<Utc>) -> anyhow::Result<Measured> {
    measure_on(role, store, at, None)
}

/// [`measure`], against the PostgreSQL `database` instead when given.
fn measure_on(
    role: &str,
    store: &Path,
    at: DateTime<Utc>,
    database: Option<&str>,
) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut command = Command::new(std::env::current_exe()?);
    if let Some(url) = database {
        command.env(CHILD_DATABASE, url);
    }
    let output = command
        .env(CHILD_ROLE, role)
        .env(CHILD_STORE, store)
        .env(CHILD_AT, at.to_rfc3339())
        .stdin(Stdio::null())
        .output()
        .context("starting a child")?;
    let process_seconds = started.elapsed().as_secs_f64();
    ensure!(
        output.status.success(),
        "the {role} child failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let fields = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|word| word.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(Measured {
        fields,
        process_seconds,
    })
}

/// The child: one scan or one tick, then its figures on standard output.
/// The store is async: the child runs on a runtime of one thread, made
/// before the clock starts.
fn child(role: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure_in_child(role))
}

/// What [`child`] runs.
async fn measure_in_child(role: &str) -> anyhow::Result<()> {
    let store_dir = PathBuf::from(std::env::var(CHILD_STORE).context(CHILD_STORE)?);
    let at = std::env::var(CHILD_AT).context(CHILD_AT)?;
    let at = DateTime::parse_from_rfc3339(&at)?.with_timezone(&Utc);
    // The settings `tick` uses when there is no config file: sled's cache
    // size among them.
    let mut settings = Settings::default();
    if let Ok(url) = std::env::var(CHILD_DATABASE) {
        settings.store.url = Some(url.try_into().map_err(|why: &str| anyhow::anyhow!(why))?);
    }
    let started = Instant::now();
    let store = alliances::data_dir::open_store(&settings, &store_dir).await?;
    let open = started.elapsed().as_secs_f64();
    let mut out = format!("open={open:.6}");
    match role {
        "scan" => {
            let (mut entries, mut bytes, mut sum) = (0_u64, 0_u64, 0_u64);
            store
                .visit_tie_bytes(|key, value| {
                    entries += 1;
                    bytes += (key.len() + value.len()) as u64;
                    sum = key
                        .iter()
                        .chain(value)
                        .fold(sum, |s, b| s.wrapping_add(u64::from(*b)));
                })
                .await?;
            let total = started.elapsed().as_secs_f64();
            std::hint::black_box(sum);
            let _ = write!(
                out,
                " read={:.6} total={total:.6} entries={entries} bytes={bytes}",
                total - open
            );
        }
        "tick" => tick(&store, at, &settings, started, &mut out).await?,
        "insights" => {
            let snapshot = Snapshot::new(store.people().await?, store.ties().await?, Vec::new());
            let read = started.elapsed().as_secs_f64();
            let floor = settings.commands.k_anonymity_floor;
            let figures = insights(&snapshot, at, &settings.rules, floor, WEEKS_SHOWN);
            let figured = started.elapsed().as_secs_f64();
            let svg = charts::team_map_svg(&figures.map) + &charts::weekly_svg(&figures.weeks);
            let drawn = started.elapsed().as_secs_f64();
            let png = charts::team_map_png(&figures.map)?;
            let total = started.elapsed().as_secs_f64();
            let _ = write!(
                out,
                " read={:.6} figures={:.6} read_and_figures={:.6} svg={:.6} png={:.6} total={total:.6} teams={} svg_bytes={} png_bytes={}",
                read - open,
                figured - read,
                figured - open,
                drawn - figured,
                total - drawn,
                figures.map.teams.len(),
                svg.len(),
                png.len(),
            );
        }
        "peers" => peers::child(&store, &mut out).await?,
        other => match leaders::child(other, &store, at, started, &mut out).await {
            Some(done) => done?,
            None => bail!("no such child role: {other}"),
        },
    }
    let _ = write!(
        out,
        " interactions={} peak_kb={}",
        store.interaction_count().await.unwrap(),
        peak_kb()
    );
    println!("{out}");
    Ok(())
}

/// One planning tick on `store` at `at`, as the dry run plans (every
/// window open: everyone is planned for), its figures added to `out`.
async fn tick(
    store: &alliances::store::Store,
    at: DateTime<Utc>,
    settings: &Settings,
    started: Instant,
    out: &mut String,
) -> anyhow::Result<()> {
    let from = started.elapsed().as_secs_f64();
    let policy = settings.rules.any_time();
    let snapshot = nudge_snapshot(store, at, &policy).await?;
    let snapshotted = started.elapsed().as_secs_f64();
    let plan = plan_nudges(&snapshot, at, &policy);
    let total = started.elapsed().as_secs_f64();
    let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
    let _ = write!(
        out,
        " snapshot={:.6} plan={:.6} total={total:.6} people={} ties={} nudges={} intros={intros}",
        snapshotted - from,
        total - snapshotted,
        snapshot.people.len(),
        snapshot.ties.len(),
        plan.len(),
    );
    std::hint::black_box(plan);
    Ok(())
}

/// This process's peak resident memory (VmHWM), in KiB.
fn peak_kb() -> u64 {
    support::proc_kb("/proc/self/status", "VmHWM").unwrap_or(0)
}
