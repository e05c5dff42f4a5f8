//! Backups, as people run them: the periodic backups `serve` keeps, and
//! `alliances export`, `import` and `restore`. The format, the folder and
//! the swap of a store are the store's (`store::backup`); this is when to
//! take one, what to log, and what a person at a terminal sees.

use crate::config::{BackupSettings, Settings};
use crate::domain::{Clock, number};
use crate::store::{
    BackupError, BackupFolder, Counts, Imported, Replacing, Store, TakenBackup, import_backup,
    off_the_workers,
};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest the periodic task sleeps before it reads the clock again,
/// so that a clock that jumps (a machine woken from sleep) is noticed.
const LOOK_EVERY: Duration = Duration::from_secs(600);

/// After a failed backup (a full disk, say), the next try waits this long,
/// rather than trying again at once and filling the log.
const RETRY_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// On shutdown, how long a backup in progress may take to notice and stop.
/// It looks every thousand records, so milliseconds; this bounds a write
/// stuck on a slow disk.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// A progress bar is shown only for runs longer than this: a small store
/// exports in a blink, and a bar that flashes is noise.
const SHOW_PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// Takes a backup of `store` into its folder if one is due at `now` under
/// `settings`, and prunes the old ones; `None` when none is due (or
/// periodic backups are off, or an uninstall's backup is kept). Blocks the
/// thread while it writes.
pub async fn take_if_due(
    store: &Store,
    settings: &BackupSettings,
    now: DateTime<Utc>,
    stop: &AtomicBool,
) -> Result<Option<TakenBackup>, BackupError> {
    let (Some(every), Some(data)) = (period(settings), store.path()) else {
        return Ok(None);
    };
    if store.kept_backup().await?.is_some() {
        return Ok(None);
    }
    if BackupFolder::of(data)
        .due_at(every)?
        .is_some_and(|due| now < due)
    {
        return Ok(None);
    }
    take_now(store, settings, now, stop).await
}

/// Takes a backup of `store` into its folder at `now` and prunes the old
/// ones, whether or not one is due; it stops when `stop` turns true.
/// `None` for a store that keeps no backups of its own (PostgreSQL).
async fn take_now(
    store: &Store,
    settings: &BackupSettings,
    now: DateTime<Utc>,
    stop: &AtomicBool,
) -> Result<Option<TakenBackup>, BackupError> {
    let keep = usize::try_from(settings.keep).unwrap_or(usize::MAX);
    store
        .take_backup(now, keep, |_| match stop.load(Ordering::Relaxed) {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        })
        .await
}

/// `alliances tick` takes the periodic backup too, when one is due, so that
/// a bot run from cron keeps backups without `serve`. What to print, if
/// anything: a failed backup is logged and told, but fails no tick.
pub async fn backup_after_tick(
    store: &Store,
    settings: &BackupSettings,
    now: DateTime<Utc>,
) -> Option<String> {
    match take_if_due(store, settings, now, &AtomicBool::new(false)).await {
        Ok(Some(taken)) => Some(format!(
            "backup: {} ({} records, {:.1} MB)",
            taken.path.display(),
            number(taken.counts.total()),
            taken.bytes as f64 / 1e6
        )),
        Ok(None) => None,
        Err(error) => {
            let error = anyhow::Error::new(error);
            tracing::error!(error = format!("{error:#}"), "a backup failed");
            Some(format!("backup failed: {error:#}"))
        }
    }
}

/// The time between two backups, if they are on.
fn period(settings: &BackupSettings) -> Option<chrono::Duration> {
    (settings.every_hours > 0).then(|| chrono::Duration::hours(settings.every_hours.into()))
}

/// Keeps periodic backups of `store` until `stopped` completes: a backup
/// whenever the newest is `every_hours` old, on a blocking thread, logged
/// with its path, records, size and duration. A backup in progress when
/// `stopped` completes is abandoned (its partial file removed) within
/// five seconds. None is taken while an uninstall's backup is kept: that
/// one must stay the newest, the one `alliances restore` picks. With
/// backups off it waits for `stopped` all the same: `serve` takes a task
/// that ends early for a dead one.
pub async fn keep_backups(
    store: Store,
    settings: BackupSettings,
    clock: Arc<dyn Clock>,
    stopped: impl Future<Output = ()>,
) {
    let Some(every) = period(&settings) else {
        tracing::info!("periodic backups are off (backup.every_hours = 0)");
        stopped.await;
        return;
    };
    let Some(data) = store.path() else {
        tracing::info!(
            database = store.place(),
            "periodic backups are the database's own (alliances export takes one by hand)"
        );
        stopped.await;
        return;
    };
    let folder = BackupFolder::of(data);
    tracing::info!(
        folder = %folder.path().display(),
        every_hours = settings.every_hours,
        keep = settings.keep,
        "keeping periodic backups"
    );
    tokio::pin!(stopped);
    let mut not_before = None;
    loop {
        let now = clock.now();
        // Nothing is due while an uninstall's backup is kept; else the wait
        // until the next is due, zero once it is.
        let wait = if matches!(store.kept_backup().await, Ok(Some(_))) {
            LOOK_EVERY
        } else {
            let due = match folder.due_at(every) {
                Ok(due) => due.unwrap_or(now),
                Err(error) => {
                    let error = anyhow::Error::new(error);
                    tracing::error!(
                        error = format!("{error:#}"),
                        "cannot read the backups folder"
                    );
                    now + RETRY_AFTER
                }
            };
            let due = not_before.map_or(due, |retry: DateTime<Utc>| retry.max(due));
            (due - now).to_std().unwrap_or_default().min(LOOK_EVERY)
        };
        if !wait.is_zero() {
            tokio::select! {
                () = &mut stopped => return,
                () = tokio::time::sleep(wait) => continue,
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let job = off_the_workers({
            let (store, settings, stop) = (store.clone(), settings.clone(), Arc::clone(&stop));
            // Due, as just read: taken without reading the folder again.
            move || async move { take_now(&store, &settings, now, &stop).await }
        });
        tokio::pin!(job);
        let taken = tokio::select! {
            taken = &mut job => taken,
            () = &mut stopped => {
                stop.store(true, Ordering::Relaxed);
                if tokio::time::timeout(STOP_WITHIN, job).await.is_err() {
                    tracing::warn!("a backup in progress did not stop in time; its partial file stays until the next backup");
                } else {
                    tracing::info!("stopping: the backup in progress was abandoned");
                }
                return;
            }
        };
        not_before = match taken {
            Ok(Ok(None)) => None,
            Ok(Ok(Some(taken))) => {
                tracing::info!(
                    path = %taken.path.display(),
                    records = taken.counts.total(),
                    interactions = taken.counts.interactions,
                    bytes = taken.bytes,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    pruned = taken.pruned.len(),
                    "took a backup"
                );
                None
            }
            Ok(Err(error)) => {
                let error = anyhow::Error::new(error);
                tracing::error!(
                    error = format!("{error:#}"),
                    "a backup failed; the next try is in an hour"
                );
                Some(now + RETRY_AFTER)
            }
            Err(panicked) => {
                tracing::error!(error = %panicked, "a backup panicked; the next try is in an hour");
                Some(now + RETRY_AFTER)
            }
        };
    }
}

/// `alliances export [FILE]`: a backup of the store in `data_dir` to
/// `file` (written whole or not at all), or to standard output.
pub async fn export(
    settings: &Settings,
    data_dir: &Path,
    file: Option<&Path>,
) -> anyhow::Result<()> {
    let store = crate::data_dir::open_store_to_read(settings, data_dir).await?;
    let started = Instant::now();
    let mut bar = LateBar::new(
        store.interaction_count().await? as u64,
        "exporting {bar:40} {pos}/{len} interactions ({eta} left)",
    );
    let mut watch = |counts: &Counts| {
        bar.set(counts.interactions);
        ControlFlow::Continue(())
    };
    let exported = match file {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let exported = store
                .export_backup(&mut out, Utc::now(), &mut watch)
                .await?;
            out.flush().map_err(BackupError::Write)?;
            exported
        }
        Some(file) => {
            store
                .export_backup_file(file, Utc::now(), &mut watch)
                .await?
        }
    };
    bar.finish();
    let whereto = file.map_or("standard output".into(), |f| f.display().to_string());
    eprintln!(
        "exported {} ({:.1} MB) to {whereto} in {:.1} s",
        describe(&exported.counts),
        exported.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `alliances import FILE [--replace]`, into the store the settings name:
/// a backup of either store goes into either, which is how a sled store
/// moves to PostgreSQL. What to print.
pub async fn import(
    settings: &Settings,
    data_dir: &Path,
    file: &Path,
    replace: bool,
) -> anyhow::Result<String> {
    let replacing = match replace {
        true => Replacing::Anything,
        false => Replacing::EmptyOnly,
    };
    let cannot = || format!("cannot import {}", file.display());
    let (imported, into) = match &settings.store.url {
        None => (
            load(settings, data_dir, file, replacing).with_context(cannot)?,
            data_dir.display().to_string(),
        ),
        Some(_) => {
            let store = crate::data_dir::open_store(settings, data_dir).await?;
            let imported = load_into(&store, file, replacing)
                .await
                .with_context(cannot)?;
            (imported, store.place())
        }
    };
    Ok(format!(
        "imported {} from {} (written {}) into {into}{}",
        describe(&imported.counts),
        file.display(),
        imported.written_at.format("%Y-%m-%d %H:%M UTC"),
        kept_aside(&imported)
    ))
}

/// Loads the backup `file` into the database behind `store`, with a
/// progress bar.
async fn load_into(
    store: &Store,
    file: &Path,
    replacing: Replacing,
) -> Result<Imported, BackupError> {
    let opened = std::fs::File::open(file).map_err(BackupError::file("cannot open", file))?;
    let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bar = LateBar::new(size, "loading {bar:40} {bytes}/{total_bytes} ({eta} left)");
    let input = std::io::BufReader::with_capacity(1 << 20, opened);
    let imported = store
        .import_into_database(input, replacing, |read| bar.set(read))
        .await;
    bar.finish();
    imported
}

/// `alliances restore [BACKUP]`: the named backup, or the latest in the
/// data folder's backups, in place of the store, whatever it holds; what
/// to print.
pub fn restore(
    settings: &Settings,
    data_dir: &Path,
    backup: Option<&Path>,
) -> anyhow::Result<String> {
    if settings.store.url.is_some() {
        anyhow::bail!(
            "restore puts a backup of the data folder's backups/ in place of a sled store; \
             the database's own backups restore PostgreSQL, and `alliances import --replace \
             FILE` loads a backup file into it"
        );
    }
    let backup = match backup {
        Some(backup) => backup.to_path_buf(),
        None => {
            let folder = BackupFolder::of(data_dir);
            folder.latest()?.ok_or_else(|| BackupError::NoBackup {
                folder: folder.path().to_path_buf(),
            })?
        }
    };
    let imported = load(settings, data_dir, &backup, Replacing::Anything)
        .with_context(|| format!("cannot restore {}", backup.display()))?;
    Ok(format!(
        "restored {} (written {}) into {}: {}{}",
        backup.display(),
        imported.written_at.format("%Y-%m-%d %H:%M UTC"),
        data_dir.display(),
        describe(&imported.counts),
        kept_aside(&imported)
    ))
}

/// Imports `file` into `data_dir` with a progress bar.
fn load(
    settings: &Settings,
    data_dir: &Path,
    file: &Path,
    replacing: Replacing,
) -> Result<Imported, BackupError> {
    let mut bar = LateBar::new(0, "loading {bar:40} {bytes}/{total_bytes} ({eta} left)");
    let options = crate::data_dir::store_options(settings);
    let imported = import_backup(data_dir, file, &options, replacing, |read, size| {
        bar.bar.set_length(size);
        bar.set(read);
    });
    bar.finish();
    imported
}

/// Where the replaced store went, as the end of a sentence.
fn kept_aside(imported: &Imported) -> String {
    match &imported.kept_aside {
        Some(aside) => format!(
            "; the store it replaced is kept in {} (delete it once all is well)",
            aside.display()
        ),
        None => String::new(),
    }
}

/// The records of a backup in a few words.
fn describe(counts: &Counts) -> String {
    let others = counts.total() - counts.people - counts.interactions;
    format!(
        "{} people, {} interactions and {} other records",
        number(counts.people),
        number(counts.interactions),
        number(others)
    )
}

/// A progress bar on standard error that appears only on a terminal, and
/// only once the run has taken [`SHOW_PROGRESS_AFTER`]: the long commands'
/// (`export`, `import`, `history import`).
pub(crate) struct LateBar {
    bar: indicatif::ProgressBar,
    started: Instant,
    shown: bool,
}

impl LateBar {
    /// A bar of `length` steps, drawn as `template` once it shows.
    pub(crate) fn new(length: u64, template: &str) -> Self {
        let style = indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(length),
            indicatif::ProgressDrawTarget::hidden(),
        )
        .with_style(style);
        Self {
            bar,
            started: Instant::now(),
            shown: false,
        }
    }

    /// Moves the bar to `position`, showing it if it is time.
    pub(crate) fn set(&mut self, position: u64) {
        if !self.shown
            && self.started.elapsed() >= SHOW_PROGRESS_AFTER
            && std::io::stderr().is_terminal()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(position);
    }

    /// Clears the bar, if it showed.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Person, SettableClock, UserId};
    use chrono::TimeZone;

    use crate::store::fixtures::file_names as names;

    #[tokio::test]
    async fn a_backup_appears_when_due_and_the_oldest_go_beyond_keep() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::data_dir::open_store(&Settings::default(), dir.path())
            .await
            .unwrap();
        store
            .put_person(&Person::new(UserId::parse("U1").unwrap(), "Ada"))
            .await
            .unwrap();
        let settings = BackupSettings {
            every_hours: 6,
            keep: 2,
        };
        let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap());
        let stop = AtomicBool::new(false);
        let take = async || {
            take_if_due(&store, &settings, clock.now(), &stop)
                .await
                .unwrap()
        };

        let first = take().await.expect("the first is due at once");
        assert_eq!(first.counts.people, 1);
        assert!(
            first
                .path
                .ends_with("backups/alliances-2026-11-25T0600Z.jsonl")
        );
        clock.advance(chrono::Duration::hours(5));
        assert_eq!(take().await, None, "not yet: five hours");
        for _ in 0..3 {
            clock.advance(chrono::Duration::hours(1));
            assert!(take().await.is_some());
            clock.advance(chrono::Duration::hours(5));
        }
        assert_eq!(
            names(&dir.path().join("backups")),
            [
                "alliances-2026-11-25T1800Z.jsonl",
                "alliances-2026-11-26T0000Z.jsonl"
            ]
        );

        let off = BackupSettings {
            every_hours: 0,
            keep: 2,
        };
        clock.advance(chrono::Duration::days(30));
        assert_eq!(
            take_if_due(&store, &off, clock.now(), &stop).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn the_periodic_task_takes_one_at_start_and_stops_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::data_dir::open_store(&Settings::default(), dir.path())
            .await
            .unwrap();
        let clock = Arc::new(SettableClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap(),
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(keep_backups(
            store.clone(),
            BackupSettings::default(),
            clock,
            async move {
                let _ = stopped.await;
            },
        ));
        let folder = BackupFolder::of(dir.path());
        let deadline = Instant::now() + Duration::from_secs(10);
        while folder.latest().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no backup was taken at start");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the task stops when told")
            .unwrap();
    }

    #[test]
    fn an_error_is_told_with_its_causes() {
        let error = BackupError::Write(std::io::Error::other("no space left on device"));
        assert_eq!(
            format!("{:#}", anyhow::Error::new(error)),
            "cannot write the backup: no space left on device"
        );
    }
}
