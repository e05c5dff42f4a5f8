//! sled's files in a data folder, handled as files: the hold a process
//! takes on the folder, the lock sled takes on its files, which of a
//! folder's entries are sled's, moving them between folders, and the id
//! counter sled keeps among them. What opening a store, `import`,
//! `restore` (`backup::replace`) and a rewrite (`rewrite`) share when they
//! put one store's files in place of another's.

use super::StoreError;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for sled's lock. sled's own threads keep it for a
/// moment after the last handle on a store is dropped (the store and
/// integration tests see up to a few milliseconds, more on a loaded
/// machine); a running bot keeps it for good.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// How long to wait for a folder's hold before a command is refused
/// because the bot runs. A hold let go of is free again within moments
/// (see [`FolderHold::take`]); a running bot keeps it for good.
const HOLD_WAIT: Duration = Duration::from_millis(500);

/// sled's `idgen_persist_interval`, which the store leaves at sled's
/// default: sled persists its id counter every this many ids.
const SLED_ID_INTERVAL: u64 = 1_000_000;

/// `doing` `path` failed: the error of a file or folder operation.
fn failed(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |cause| StoreError::File { doing, path, cause }
}

/// A process's hold on a data folder: an flock on the folder itself, let
/// go of when it is dropped (closing the folder) or the process ends.
/// sled's own lock is on its `db` file, which a rewrite moves out of the
/// folder, and whose fresh copy it moves in unlocked until it opens it;
/// the folder stays where it is. An open store keeps its folder's hold,
/// so no other alliances process opens the folder, or finishes what it
/// finds half-done there, while the store is open.
#[derive(Debug)]
pub(super) struct FolderHold {
    _folder: Option<fs::File>,
}

impl FolderHold {
    /// Creates `data_dir` if there is none, and holds it. A folder that
    /// another process holds is refused once [`HOLD_WAIT`] has passed: a
    /// process started from this one a moment ago shares its open files
    /// until it runs its program, so a hold let go of can stay taken for
    /// a moment. On a file system that cannot lock a folder (NFS turns an
    /// flock into a lock that needs a file open for writing), sled's lock
    /// on `db` is then the only guard, and a warning says so.
    pub(super) fn take(data_dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(data_dir).map_err(failed("cannot create", data_dir))?;
        let folder = fs::File::open(data_dir).map_err(failed("cannot open", data_dir))?;
        match lock_waiting(&folder, HOLD_WAIT) {
            Ok(()) => Ok(Self {
                _folder: Some(folder),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                Err(StoreError::InUse {
                    path: data_dir.to_path_buf(),
                })
            }
            Err(error) => {
                tracing::warn!(
                    path = %data_dir.display(),
                    %error,
                    "cannot lock the data folder; only sled's lock on its files keeps a second \
                     alliances out, and not while a rewrite moves them"
                );
                Ok(Self { _folder: None })
            }
        }
    }
}

/// Locks `file` (fs2's flock on Unix: one open file holds it at a time,
/// even within a process), trying again for `wait` while another holds
/// it; then its answer is `WouldBlock`.
fn lock_waiting(file: &fs::File, wait: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match fs2::FileExt::try_lock_exclusive(file) {
            Err(error)
                if error.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            locked => return locked,
        }
    }
}

/// sled's lock on the store in a data folder, held by this process until
/// it is dropped (closing the file lets go of the lock).
pub(super) struct FolderLock {
    _held: Option<fs::File>,
}

impl FolderLock {
    /// Takes the lock sled takes on `data_dir/db`, if there is a store, so
    /// that no alliances opens it until this is dropped. Waits
    /// [`LOCK_WAIT`] at most; then the bot is running.
    pub(super) fn take(data_dir: &Path) -> Result<Self, StoreError> {
        let db = data_dir.join("db");
        let file = match fs::OpenOptions::new().read(true).write(true).open(&db) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self { _held: None }),
            Err(e) => return Err(failed("cannot open", &db)(e)),
        };
        // The lock sled 0.34.7 takes.
        lock_waiting(&file, LOCK_WAIT).map_err(|_| StoreError::InUse {
            path: data_dir.to_path_buf(),
        })?;
        Ok(Self { _held: Some(file) })
    }
}

/// Waits until sled's threads have let go of the store in `dir`, so that
/// its files are whole and may be moved.
pub(super) fn wait_until_closed(dir: &Path) -> Result<(), StoreError> {
    FolderLock::take(dir).map(drop)
}

/// Makes sled draw every later id of the store in `dir` above `highest`,
/// so that an interaction or an outbox item logged into it never takes
/// the key of one it already holds, or of one drawn from the store it
/// replaces.
///
/// sled has no call that sets its id counter. Its `generate_id` documents
/// what it does instead: it persists the counter every
/// `idgen_persist_interval` ids, and on opening a store it goes on from
/// the last persisted value plus twice the interval. So the store is opened
/// once with an interval, a whole number of sled's default one, whose
/// double is above `highest`: the next id is that double, and drawing it
/// persists it, which every later open goes on from. (sled expects the
/// persisted value to be a whole number of the interval it opens with,
/// and the store opens with the default: hence the whole number.)
pub(super) fn draw_ids_above(dir: &Path, highest: u64) -> Result<(), StoreError> {
    let interval = SLED_ID_INTERVAL * (highest / (2 * SLED_ID_INTERVAL) + 1);
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(1 << 20)
        .idgen_persist_interval(interval)
        .open()?;
    let drawn = db.generate_id()?;
    db.flush()?;
    drop(db);
    wait_until_closed(dir)?;
    if drawn <= highest {
        return Err(StoreError::Io(sled::Error::ReportableBug(format!(
            "sled drew id {drawn}, not one above {highest}"
        ))));
    }
    Ok(())
}

/// sled's entries in `dir`: `conf`, `db`, `blobs/` and `snap.*` (see
/// `backup::folder` for where that list comes from).
pub(super) fn sled_entries(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = fs::read_dir(dir).map_err(failed("cannot read", dir))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(failed("cannot read", dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if matches!(name.as_ref(), "conf" | "db" | "blobs") || name.starts_with("snap.") {
            found.push(entry.path());
        }
    }
    Ok(found)
}

/// Moves sled's entries from `from` into `to`; `db` last, as sled reads
/// the rest through it.
pub(super) fn move_sled_entries(from: &Path, to: &Path) -> Result<(), StoreError> {
    let mut entries = sled_entries(from)?;
    entries.sort_by_key(|entry| entry.ends_with("db"));
    for entry in entries {
        let name = entry.file_name().unwrap_or_default();
        fs::rename(&entry, to.join(name)).map_err(failed("cannot move", &entry))?;
    }
    Ok(())
}

/// Removes a file, or a folder with everything in it.
pub(super) fn remove_entry(entry: &Path) -> Result<(), StoreError> {
    if entry.is_dir() {
        fs::remove_dir_all(entry)
    } else {
        fs::remove_file(entry)
    }
    .map_err(failed("cannot remove", entry))
}

/// Makes the renames in `folder` durable (a rename is a write to the
/// folder).
pub(super) fn sync_folder(folder: &Path) -> Result<(), StoreError> {
    fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(failed("cannot sync", folder))
}

/// Writes `file` and syncs it: a mark that says a step is done, which a
/// crash must not leave half there.
pub(super) fn write_synced(file: &Path, text: &str) -> Result<(), StoreError> {
    fs::write(file, text)
        .and_then(|()| fs::File::open(file)?.sync_all())
        .map_err(failed("cannot write", file))
}
