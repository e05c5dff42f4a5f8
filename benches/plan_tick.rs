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
//!   open, as `tick --dry-run` plans: the heaviest tick there is.
//!
//! The first of each runs cold, once the store's files were dropped from
//! the page cache; then come the warm runs, scan and tick in turn. Both
//! plan at the instant seeding finished, so every run plans the same. It
//! prints the sizes, the machine, the median and fastest warm run and the
//! cold one, the phases of the tick, the ratio of tick to scan and the peak
//! memory (VmHWM) of each child, and whether the targets are met; it exits
//! non-zero only when a child fails, never for being slow.
//!
//! `PLAN_TICK_LARGE=1` plans for the large company instead (100,000
//! people, about 10,000,000 interactions: the first run seeds it, which
//! takes several minutes and GB of disk); `PLAN_TICK_RUNS` sets the number
//! of warm runs. Run without `--bench` (as `cargo test --benches` does), it
//! is a smoke run on a small company in a temporary folder.

use alliances::config::Settings;
use alliances::rules::plan_nudges;
use alliances::scheduler::nudge_snapshot;
use alliances::store::SCHEMA_VERSION;
use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Utc};
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
    let disk = folder_bytes(&store)?;
    let load = [load_before, load_average()];
    print!(
        "{}",
        report(&seeded, disk, load, &cold[0], &cold[1], &scans, &ticks)
    );
    Ok(())
}

/// Where benchmarks keep their data: `target/bench-data`.
fn bench_data() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("bench-data")
}

/// A store holding the company, and what seeding it said.
#[derive(Debug)]
struct Seeded {
    size: Size,
    interactions: u64,
    /// When seeding finished: the history ends just before, and every run
    /// plans at this instant.
    at: DateTime<Utc>,
    seconds: f64,
    peak_kb: u64,
    /// Whether this run seeded it, or found it from an earlier one.
    now: bool,
}

impl Seeded {
    /// The name of the file that says the store in the folder is complete.
    const MARKER: &'static str = "seeded.txt";

    /// The store of `size` in `folder`, seeded now unless an earlier run
    /// left a complete one, written with this schema.
    fn ensure(folder: &Path, size: Size) -> anyhow::Result<Self> {
        if let Some(seeded) = Self::read(folder, size) {
            return Ok(seeded);
        }
        if folder.exists() {
            eprintln!(
                "plan_tick: {} is incomplete or outdated: seeding it again",
                folder.display()
            );
            std::fs::remove_dir_all(folder)
                .with_context(|| format!("removing {}", folder.display()))?;
        }
        std::fs::create_dir_all(folder)?;
        eprintln!(
            "plan_tick: seeding {} people over {} days into {} (once; later runs reuse it)",
            size.people,
            size.days,
            folder.display()
        );
        let config = folder.join("alliances.toml");
        std::fs::write(&config, "# The built-in settings.\n")?;
        let started = Instant::now();
        let mut command = Command::new(env!("CARGO_BIN_EXE_alliances"));
        for (name, _) in std::env::vars() {
            if name.starts_with("ALLIANCES_") {
                command.env_remove(name);
            }
        }
        let output = command
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(folder.join("store"))
            .args(["seed", "--people", &size.people.to_string()])
            .args(["--days", &size.days.to_string()])
            .args(["--teams", &TEAMS.to_string(), "--seed", &SEED.to_string()])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .context("starting the alliances binary")?;
        ensure!(
            output.status.success(),
            "seeding failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let seconds = started.elapsed().as_secs_f64();
        let at = Utc::now();
        // The only child waited for so far: its peak is the children's.
        let peak_kb = children_peak_kb();
        let said = String::from_utf8_lossy(&output.stdout);
        let interactions = said
            .split_whitespace()
            .zip(said.split_whitespace().skip(1))
            .find_map(|(n, word)| (word == "interactions").then(|| n.parse().ok())?)
            .with_context(|| format!("no interaction count in `{said}`"))?;
        let marker = format!(
            "people={}\ndays={}\nteams={TEAMS}\nseed={SEED}\nschema={SCHEMA_VERSION}\n\
             interactions={interactions}\nat={}\nseconds={seconds:.1}\npeak_kb={peak_kb}\n",
            size.people,
            size.days,
            at.to_rfc3339()
        );
        std::fs::write(folder.join(Self::MARKER), marker)?;
        Ok(Self {
            size,
            interactions,
            at,
            seconds,
            peak_kb,
            now: true,
        })
    }

    /// What an earlier run's marker says, if it is for this company and
    /// schema.
    fn read(folder: &Path, size: Size) -> Option<Self> {
        let text = std::fs::read_to_string(folder.join(Self::MARKER)).ok()?;
        let fields: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
        let number = |name: &str| fields.get(name)?.parse::<u64>().ok();
        let same = number("people") == Some(size.people)
            && number("days") == Some(size.days)
            && number("teams") == Some(TEAMS)
            && number("seed") == Some(SEED)
            && number("schema") == Some(u64::from(SCHEMA_VERSION));
        if !same {
            return None;
        }
        Some(Self {
            size,
            interactions: number("interactions")?,
            at: DateTime::parse_from_rfc3339(fields.get("at")?)
                .ok()?
                .with_timezone(&Utc),
            seconds: fields.get("seconds")?.parse().ok()?,
            peak_kb: number("peak_kb")?,
            now: false,
        })
    }
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
            .and_then(|v| v.parse().ok())
            .map_or_else(|| "?".to_owned(), grouped)
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
    let started = Instant::now();
    let output = Command::new(std::env::current_exe()?)
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
fn child(role: &str) -> anyhow::Result<()> {
    let store_dir = PathBuf::from(std::env::var(CHILD_STORE).context(CHILD_STORE)?);
    let at = std::env::var(CHILD_AT).context(CHILD_AT)?;
    let at = DateTime::parse_from_rfc3339(&at)?.with_timezone(&Utc);
    // The settings `tick` uses when there is no config file: sled's cache
    // size among them.
    let settings = Settings::default();
    let started = Instant::now();
    let store = alliances::app::open_store(&settings, &store_dir)?;
    let open = started.elapsed().as_secs_f64();
    let mut out = format!("open={open:.6}");
    match role {
        "scan" => {
            let (mut entries, mut bytes, mut sum) = (0_u64, 0_u64, 0_u64);
            store.visit_tie_bytes(|key, value| {
                entries += 1;
                bytes += (key.len() + value.len()) as u64;
                sum = key
                    .iter()
                    .chain(value)
                    .fold(sum, |s, b| s.wrapping_add(u64::from(*b)));
            })?;
            let total = started.elapsed().as_secs_f64();
            std::hint::black_box(sum);
            let _ = write!(
                out,
                " read={:.6} total={total:.6} entries={entries} bytes={bytes}",
                total - open
            );
        }
        "tick" => {
            // Every window open, as the dry run plans: everyone is planned for.
            let policy = settings.rules.any_time();
            let snapshot = nudge_snapshot(&store, at, &policy)?;
            let snapshotted = started.elapsed().as_secs_f64();
            let plan = plan_nudges(&snapshot, at, &policy);
            let total = started.elapsed().as_secs_f64();
            let intros = plan.iter().filter(|n| n.reason.is_intro()).count();
            let _ = write!(
                out,
                " snapshot={:.6} plan={:.6} total={total:.6} people={} ties={} nudges={} intros={intros}",
                snapshotted - open,
                total - snapshotted,
                snapshot.people.len(),
                snapshot.ties.len(),
                plan.len(),
            );
            std::hint::black_box(plan);
        }
        other => bail!("no such child role: {other}"),
    }
    let _ = write!(
        out,
        " interactions={} peak_kb={}",
        store.interaction_count(),
        peak_kb()
    );
    println!("{out}");
    Ok(())
}

/// This process's peak resident memory (VmHWM), in KiB.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The largest peak resident memory of the children waited for, in KiB.
fn children_peak_kb() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0;
    }
    u64::try_from(usage.ru_maxrss).unwrap_or(0)
}

/// Drops the files under `folder` from the page cache, so that the next
/// reader reads them from disk: a cold start without dropping every other
/// file's pages (as `echo 3 > /proc/sys/vm/drop_caches` would).
fn evict_from_page_cache(folder: &Path) -> anyhow::Result<()> {
    use std::os::fd::AsRawFd as _;
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            evict_from_page_cache(&path)?;
            continue;
        }
        let file = std::fs::File::open(&path)?;
        // Dirty pages stay cached: write them first.
        file.sync_all()?;
        // SAFETY: a plain system call on a descriptor the File owns.
        let advised =
            unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        ensure!(advised == 0, "posix_fadvise failed on {}", path.display());
    }
    Ok(())
}

/// The bytes of the files under `folder`.
fn folder_bytes(folder: &Path) -> anyhow::Result<u64> {
    let mut bytes = 0;
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        bytes += if meta.is_dir() {
            folder_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(bytes)
}

/// `n` with its thousands grouped: 1,000,739.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The median and the least of `values`.
fn median_and_min(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let middle = values.len() / 2;
    let median = if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    };
    (median, values[0])
}

/// The figures, the machine and the verdict, as printed.
fn report(
    seeded: &Seeded,
    disk: u64,
    load: [String; 2],
    cold_scan: &Measured,
    cold_tick: &Measured,
    scans: &[Measured],
    ticks: &[Measured],
) -> String {
    let warm = |runs: &[Measured], name: &str| {
        median_and_min(runs.iter().map(|m| m.number(name)).collect())
    };
    let mb = |kb: f64| kb / 1024.0;
    let tick = &ticks[0];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan_tick: one nudge-planning tick (open the store, snapshot, plan_nudges; every \
         window open) next to a plain scan of the ties tree, each in a fresh process"
    );
    let _ = writeln!(out, "machine:   {}", machine());
    let _ = writeln!(
        out,
        "load:      {} before the runs, {} after (1-minute load average: other \
         work on the machine slows every figure)",
        load[0], load[1]
    );
    let _ = writeln!(
        out,
        "company:   {} people in {TEAMS} teams, {} interactions over {} days, {} ties \
         ({:.1} MB of keys and values in the ties tree); store {:.0} MB on disk",
        grouped(seeded.size.people),
        grouped(seeded.interactions),
        seeded.size.days,
        tick.count("ties"),
        cold_scan.number("bytes") / 1e6,
        disk as f64 / 1e6,
    );
    let _ = writeln!(
        out,
        "seeded:    {} in {:.0} s (peak {:.0} MB), {}",
        seeded.at.format("%Y-%m-%d %H:%M UTC"),
        seeded.seconds,
        mb(seeded.peak_kb as f64),
        if seeded.now {
            "by this run"
        } else {
            "by an earlier run, reused"
        }
    );
    let _ = writeln!(
        out,
        "plan:      {} nudges ({} introductions) for {} people, at the instant seeding finished",
        tick.count("nudges"),
        tick.count("intros"),
        tick.count("people"),
    );
    let _ = writeln!(
        out,
        "runs:      1 cold (the store's files dropped from the page cache first), {} warm",
        ticks.len()
    );
    let (scan_median, _) = warm(scans, "total");
    let (tick_median, _) = warm(ticks, "total");
    let _ = writeln!(out, "{}", timing("scan", cold_scan, scans));
    let _ = writeln!(out, "{}", timing("tick", cold_tick, ticks));
    let phase = |runs: &[Measured], name: &str| warm(runs, name).0 * 1e3;
    let _ = writeln!(
        out,
        "phases:    scan = open {:.1} + read {:.1} ms; tick = open {:.1} + snapshot {:.1} + \
         plan {:.1} ms (warm medians)",
        phase(scans, "open"),
        phase(scans, "read"),
        phase(ticks, "open"),
        phase(ticks, "snapshot"),
        phase(ticks, "plan"),
    );
    let ratio = tick_median / scan_median;
    let _ = writeln!(
        out,
        "ratio:     tick / scan = {ratio:.2}x warm (medians), {:.2}x cold",
        cold_tick.number("total") / cold_scan.number("total"),
    );
    let peak = |runs: &[Measured], cold: &Measured| {
        runs.iter()
            .chain([cold])
            .map(|m| m.number("peak_kb"))
            .fold(0.0, f64::max)
    };
    let tick_peak = mb(peak(ticks, cold_tick));
    let _ = writeln!(
        out,
        "memory:    tick peak {tick_peak:.1} MB, scan peak {:.1} MB (VmHWM of the child, \
         the largest of its runs)",
        mb(peak(scans, cold_scan)),
    );
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    // The targets are set for the default company; a larger one is held to
    // them only for comparison.
    let of_size = if seeded.size.people > DEFAULT.people {
        format!("(set for {} people) ", grouped(DEFAULT.people))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "target:    {of_size}tick < {TARGET_TICK_SECONDS:.0} s: {}; tick <= {TARGET_RATIO:.0}x scan: {}; \
         peak < {TARGET_PEAK_MB:.0} MB: {}",
        verdict(tick_median < TARGET_TICK_SECONDS),
        verdict(ratio <= TARGET_RATIO),
        verdict(tick_peak < TARGET_PEAK_MB),
    );
    out
}

/// A line of the warm runs' median and fastest and the cold run, in ms.
fn timing(name: &str, cold: &Measured, runs: &[Measured]) -> String {
    let (median, fastest) = median_and_min(runs.iter().map(|m| m.number("total")).collect());
    let (process, _) = median_and_min(runs.iter().map(|m| m.process_seconds).collect());
    format!(
        "{:<10} warm median {:>7.1} ms, fastest {:>7.1} ms; cold {:>7.1} ms \
         (whole process, warm median {:.0} ms)",
        format!("{name}:"),
        median * 1e3,
        fastest * 1e3,
        cold.number("total") * 1e3,
        process * 1e3,
    )
}

/// The machine's 1-minute load average, from the OS.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The processor count and model, and the memory, from the OS.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim());
    let memory_kb: f64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    format!(
        "{cpus} CPUs (nproc), {model}, {:.1} GiB RAM",
        memory_kb / 1024.0 / 1024.0
    )
}
