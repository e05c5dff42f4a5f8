//! The benchmark's store: a synthetic company, seeded once by the release
//! binary and kept, and what the OS tells of its files.

use crate::{SEED, Size, TEAMS};
use alliances::store::SCHEMA_VERSION;
use anyhow::{Context as _, ensure};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A store holding the company, and what seeding it said.
#[derive(Debug)]
pub(crate) struct Seeded {
    pub(crate) size: Size,
    pub(crate) interactions: u64,
    /// When seeding finished: the history ends just before, and every run
    /// plans at this instant.
    pub(crate) at: DateTime<Utc>,
    pub(crate) seconds: f64,
    pub(crate) peak_kb: u64,
    /// Whether this run seeded it, or found it from an earlier one.
    pub(crate) now: bool,
}

impl Seeded {
    /// The name of the file that says the store in the folder is complete.
    const MARKER: &'static str = "seeded.txt";

    /// The store of `size` in `folder`, seeded now unless an earlier run
    /// left a complete one, written with this schema.
    pub(crate) fn ensure(folder: &Path, size: Size) -> anyhow::Result<Self> {
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
            // Written with thousands set apart ("10,488").
            .find_map(|(n, word)| {
                (word == "interactions").then(|| n.replace(',', "").parse().ok())?
            })
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
pub(crate) fn evict_from_page_cache(folder: &Path) -> anyhow::Result<()> {
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
