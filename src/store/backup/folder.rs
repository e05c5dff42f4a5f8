//! The backups folder: `backups/` inside the data folder, where `serve`
//! keeps its periodic backups, named by the minute they were taken
//! (`alliances-2026-11-25T0600Z.jsonl`), the newest few kept.
//!
//! Why inside the data folder: sled reads and writes only its own entries
//! there (`conf`, `db`, `blobs/` and `snap.*`, as sled 0.34.7's
//! `Config::open_file` and `get_snapshot_files` show), so it leaves a
//! folder beside them alone; and one folder then holds everything — one
//! volume to mount in a container, one owner, one path to copy to another
//! machine. A backup on the same disk guards against sled, not the disk:
//! copy the folder off the machine too (docs/operating.md says how).
//!
//! A backup is written to a `.partial` file, synced, then renamed: a
//! backup in the folder is always whole, and a crash leaves at most a
//! `.partial` file, removed by the next backup.

use super::read::check_header;
use super::write::PARTIAL;
use super::{BackupError, Counts, shell_word};
use crate::store::SledStore;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, Read as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// The folder's name, inside the data folder.
const FOLDER: &str = "backups";

/// How a backup's name starts and ends around its time.
const PREFIX: &str = "alliances-";
const SUFFIX: &str = ".jsonl";
/// The time in a backup's name: to the minute, in UTC, without colons
/// (which some file systems and tools refuse).
const TIME_FORMAT: &str = "%Y-%m-%dT%H%MZ";

/// The periodic backups of one data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFolder {
    path: PathBuf,
}

/// A backup [`BackupFolder::take`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenBackup {
    /// Its file.
    pub path: PathBuf,
    /// The records of each tree.
    pub counts: Counts,
    /// Its size.
    pub bytes: u64,
    /// The older backups removed to keep the number asked for.
    pub pruned: Vec<PathBuf>,
}

impl BackupFolder {
    /// The backups folder of the data folder `data_dir`.
    pub fn of(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FOLDER),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The backups in the folder and when each was taken, oldest first.
    /// Other files are not backups: they are left out, and left alone.
    pub fn list(&self) -> Result<Vec<(DateTime<Utc>, PathBuf)>, BackupError> {
        let entries = match fs::read_dir(&self.path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BackupError::file("cannot read", &self.path)(e)),
        };
        let mut backups = Vec::new();
        for entry in entries {
            let entry = entry.map_err(BackupError::file("cannot read", &self.path))?;
            if let Some(at) = entry.file_name().to_str().and_then(time_in_name) {
                backups.push((at, entry.path()));
            }
        }
        backups.sort();
        Ok(backups)
    }

    /// The newest backup, if there is one.
    pub fn latest(&self) -> Result<Option<PathBuf>, BackupError> {
        Ok(self.list()?.pop().map(|(_, path)| path))
    }

    /// When the next backup is due, taking one `every` so long: at once
    /// (`None`) when there is none yet.
    pub fn due_at(&self, every: chrono::Duration) -> Result<Option<DateTime<Utc>>, BackupError> {
        Ok(self.list()?.pop().map(|(at, _)| at + every))
    }

    /// Writes a backup of `store` taken at `now` into the folder, then
    /// removes the oldest so that `keep` remain (at least this one).
    /// `watch` is [`SledStore::export_backup`]'s. Blocks the thread for as long
    /// as the export takes: a second or two per million interactions.
    pub fn take(
        &self,
        store: &SledStore,
        now: DateTime<Utc>,
        keep: usize,
        watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<TakenBackup, BackupError> {
        fs::create_dir_all(&self.path).map_err(BackupError::file("cannot create", &self.path))?;
        self.remove_partials()?;
        let path = self
            .path
            .join(format!("{PREFIX}{}{SUFFIX}", now.format(TIME_FORMAT)));
        let exported = store.export_backup_file(&path, now, watch)?;
        Ok(TakenBackup {
            path,
            counts: exported.counts,
            bytes: exported.bytes,
            pruned: self.prune(keep.max(1))?,
        })
    }

    /// Removes the oldest backups so that `keep` remain.
    fn prune(&self, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
        let backups = self.list()?;
        let old = backups.len().saturating_sub(keep);
        let mut pruned = Vec::with_capacity(old);
        for (_, path) in backups.into_iter().take(old) {
            fs::remove_file(&path).map_err(BackupError::file("cannot remove", &path))?;
            pruned.push(path);
        }
        Ok(pruned)
    }

    /// Removes what backups cut short left behind.
    fn remove_partials(&self) -> Result<(), BackupError> {
        let entries =
            fs::read_dir(&self.path).map_err(BackupError::file("cannot read", &self.path))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(PREFIX) && name.ends_with(PARTIAL) {
                let path = entry.path();
                fs::remove_file(&path).map_err(BackupError::file("cannot remove", &path))?;
            }
        }
        Ok(())
    }

    /// Removes every backup in the folder but `kept` (and what backups
    /// cut short left): an uninstall's purge keeps the newest for a while.
    pub(in crate::store) fn remove_all_except(&self, kept: &Path) -> Result<(), BackupError> {
        if !self.path.exists() {
            return Ok(());
        }
        self.remove_partials()?;
        for (_, path) in self.list()? {
            if path != kept {
                fs::remove_file(&path).map_err(BackupError::file("cannot remove", &path))?;
            }
        }
        Ok(())
    }

    /// Removes every backup in the folder, and the folder if nothing else
    /// is in it: a purge leaves no copy of what it deleted.
    pub(in crate::store) fn remove_all(&self) -> Result<(), BackupError> {
        if !self.path.exists() {
            return Ok(());
        }
        self.remove_partials()?;
        self.prune(0)?;
        let _ = fs::remove_dir(&self.path);
        Ok(())
    }
}

/// The time in a backup's file name, if it is one.
fn time_in_name(name: &str) -> Option<DateTime<Utc>> {
    let time = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(time, TIME_FORMAT)
        .ok()
        .map(|at| at.and_utc())
}

/// What to tell someone whose store will not open: the latest backup and
/// the command that restores it, or how to import one from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreHint {
    data_dir: PathBuf,
    folder: PathBuf,
    latest: Option<PathBuf>,
    /// The store is of a newer schema: upgrading comes first.
    newer: bool,
}

impl RestoreHint {
    /// The hint for the data folder `data_dir`: its newest backup that this
    /// build reads (a backup written by a newer alliances is passed over).
    /// `newer` says the store is of a newer schema.
    pub fn find(data_dir: &Path, newer: bool) -> Self {
        let folder = BackupFolder::of(data_dir);
        let latest = folder
            .list()
            .unwrap_or_default()
            .into_iter()
            .rev()
            .map(|(_, path)| path)
            .find(|path| readable_header(path));
        Self {
            data_dir: data_dir.to_path_buf(),
            folder: folder.path,
            latest,
            newer,
        }
    }

    /// The backup to restore, if there is one.
    pub fn latest(&self) -> Option<&Path> {
        self.latest.as_deref()
    }
}

impl fmt::Display for RestoreHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data_dir = shell_word(&self.data_dir);
        match (&self.latest, self.newer) {
            (Some(latest), false) => write!(
                f,
                "restore the latest backup with `alliances restore --data-dir {data_dir} {}` \
                 (the damaged store is kept aside, not deleted)",
                shell_word(latest)
            ),
            (Some(latest), true) => write!(
                f,
                "upgrade alliances, or restore the latest backup this build reads with \
                 `alliances restore --data-dir {data_dir} {}`",
                shell_word(latest)
            ),
            (None, false) => write!(
                f,
                "there is no backup in {} to restore: import one kept elsewhere with \
                 `alliances import --data-dir {data_dir} --replace FILE`",
                self.folder.display()
            ),
            (None, true) => write!(
                f,
                "upgrade alliances (no backup in {} is one this build reads)",
                self.folder.display()
            ),
        }
    }
}

/// Whether the file at `path` starts with a header this build reads.
fn readable_header(path: &Path) -> bool {
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    // A header is under 200 bytes; a file without one has no business
    // being read further.
    let read = BufReader::new(file).take(4096).read_line(&mut first);
    read.is_ok() && check_header(&first).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, meeting, open_temp, person};

    fn go_on(_: &Counts) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    fn names(folder: &BackupFolder) -> Vec<String> {
        crate::store::fixtures::file_names(folder.path())
    }

    #[test]
    fn a_backup_is_due_every_period_from_the_last_and_only_the_newest_are_kept() {
        let (dir, store) = open_temp();
        store.put_person(&person("U1", "Ada", None)).unwrap();
        let folder = BackupFolder::of(dir.path());
        let every = chrono::Duration::hours(24);
        assert_eq!(
            folder.due_at(every).unwrap(),
            None,
            "at once, the first time"
        );

        let start = at_minute(0);
        let taken = folder.take(&store, start, 3, go_on).unwrap();
        assert_eq!(
            taken.path,
            dir.path().join("backups/alliances-2026-03-02T0900Z.jsonl")
        );
        assert_eq!(taken.counts.people, 1);
        assert_eq!(taken.bytes, fs::metadata(&taken.path).unwrap().len());
        assert_eq!(folder.due_at(every).unwrap(), Some(start + every));

        // What is not a backup is left alone; what a crash left is removed.
        fs::write(folder.path().join("README.txt"), "copied nightly").unwrap();
        fs::write(
            folder
                .path()
                .join("alliances-2026-03-02T1000Z.jsonl.partial"),
            "{",
        )
        .unwrap();
        let mut pruned = Vec::new();
        for day in 1..=4 {
            let taken = folder.take(&store, start + every * day, 3, go_on).unwrap();
            pruned.extend(taken.pruned);
        }
        assert_eq!(
            names(&folder),
            [
                "README.txt",
                "alliances-2026-03-04T0900Z.jsonl",
                "alliances-2026-03-05T0900Z.jsonl",
                "alliances-2026-03-06T0900Z.jsonl",
            ]
        );
        assert_eq!(pruned.len(), 2);
        assert_eq!(
            folder.latest().unwrap(),
            Some(folder.path().join("alliances-2026-03-06T0900Z.jsonl"))
        );
        assert_eq!(folder.due_at(every).unwrap(), Some(start + every * 5));
    }

    #[test]
    fn a_backup_stopped_or_crossed_by_a_purge_leaves_no_file() {
        let (dir, store) = open_temp();
        let batch: Vec<_> = (0..1_500)
            .map(|i| meeting(at_minute(i), &["U1", "U2"], None))
            .collect();
        store.log_interactions(&batch).unwrap();
        let folder = BackupFolder::of(dir.path());
        let stopped = folder.take(&store, at_minute(0), 2, |_| ControlFlow::Break(()));
        assert!(matches!(stopped, Err(BackupError::Stopped)), "{stopped:?}");
        assert_eq!(names(&folder), Vec::<String>::new());

        folder.take(&store, at_minute(1), 2, go_on).unwrap();
        let purged = folder.take(&store, at_minute(2), 2, |_| {
            store.purge_everything().unwrap();
            ControlFlow::Continue(())
        });
        assert!(matches!(purged, Err(BackupError::Purged)), "{purged:?}");
        assert!(!folder.path().exists(), "a purge deletes the backups too");
    }

    #[test]
    fn the_hint_names_the_newest_backup_this_build_reads() {
        let (dir, store) = open_temp();
        let folder = BackupFolder::of(dir.path());
        let hint = RestoreHint::find(dir.path(), false);
        assert_eq!(hint.latest(), None);
        assert_eq!(
            hint.to_string(),
            format!(
                "there is no backup in {} to restore: import one kept elsewhere with \
                 `alliances import --data-dir {} --replace FILE`",
                folder.path().display(),
                dir.path().display()
            )
        );
        let readable = folder.take(&store, at_minute(0), 5, go_on).unwrap().path;
        let newer = folder.path().join("alliances-2026-03-02T0901Z.jsonl");
        let text = fs::read_to_string(&readable).unwrap();
        fs::write(
            &newer,
            text.replace("\"schema_version\":1", "\"schema_version\":9"),
        )
        .unwrap();

        let hint = RestoreHint::find(dir.path(), true);
        assert_eq!(hint.latest(), Some(readable.as_path()));
        assert_eq!(
            hint.to_string(),
            format!(
                "upgrade alliances, or restore the latest backup this build reads with \
                 `alliances restore --data-dir {} {}`",
                dir.path().display(),
                readable.display()
            )
        );
    }

    #[test]
    fn a_path_a_shell_would_split_is_quoted() {
        assert_eq!(
            shell_word(Path::new("/var/lib/alliances")),
            "/var/lib/alliances"
        );
        assert_eq!(shell_word(Path::new("/srv/my data")), "'/srv/my data'");
        assert_eq!(shell_word(Path::new("/srv/it's")), r"'/srv/it'\''s'");
    }
}
