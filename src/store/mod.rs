//! Everything persistent. The rest of the crate sees [`Store`] (in
//! `facade`), whose async methods hand each call to the backend behind it,
//! and domain types; this is the only module that names a backend.
//!
//! The sled backend, [`SledStore`], is the rest of this module: the sled
//! database in the data folder, its trees, key and value encoding, the
//! schema version. Its methods are synchronous. The trees, one file each
//! for their reads and writes:
//!
//! - `people` ([`people`](SledStore::people)): who is in the workspace, by id,
//!   with when each was last sent an early warning
//!   ([`mark_early_warning_sent`](SledStore::mark_early_warning_sent));
//! - `interactions` and `ties`
//!   ([`log_interaction`](SledStore::log_interaction)): the interaction
//!   log, and the aggregated tie of each pair that the rules read instead
//!   of it, kept consistent in one transaction (the log is read whole by
//!   [`visit_interactions`](SledStore::visit_interactions), and by
//!   [`visit_interactions_between`](SledStore::visit_interactions_between)
//!   for the partnerships' weeks on the insights page);
//! - `nudges` ([`nudges_sent_since`](SledStore::nudges_sent_since)): what was
//!   sent, by time;
//! - `logged_keys` ([`log_interaction_once`](SledStore::log_interaction_once)):
//!   the idempotency keys of logged interactions, written in the same
//!   transaction as the interaction;
//! - `deliveries` ([`first_delivery`](SledStore::first_delivery)): the Slack
//!   deliveries seen lately, so that a retried event is handled once;
//! - `jobs` ([`last_run`](SledStore::last_run)): each scheduler job's last run;
//! - `outbox` ([`enqueue`](SledStore::enqueue)): what the bot promised to send
//!   and has not yet, or gave up on;
//! - `dm_channels` ([`dm_channel`](SledStore::dm_channel)): each person's DM
//!   channel with the bot, so a repeat nudge skips `conversations.open`;
//! - `circles` ([`circles`](SledStore::circles)): the leadership circles
//!   formed, their group DMs and their answers to the check-in;
//! - `calendars` ([`calendar`](SledStore::calendar)): whose calendar the bot
//!   may read, each address sealed;
//! - `tombstones` ([`is_forgotten`](SledStore::is_forgotten)): a keyed hash of
//!   each person who asked to be forgotten, so that Slack naming them
//!   again does not bring them back;
//! - `meta`: the schema version, the interaction count, the
//!   store's hash key (of the tombstones, and of the once-keys of
//!   [`OnceKeys`]), the backup an uninstall's purge kept
//!   ([`kept_backup`](SledStore::kept_backup)), and the last round of circles
//!   formed.
//!
//! Beside the trees, in memory: which teams are tied to which
//! ([`teams_tied_to`](SledStore::teams_tied_to)), derived from `people` and
//! `ties`, and whom each person has a tie with
//! ([`ties_around`](SledStore::ties_around)), derived from `ties`; both kept
//! current by their writers.
//!
//! Privacy: [`forget_person`](SledStore::forget_person) removes a person from
//! every tree that names people and leaves their tombstone, and
//! [`export_person`](SledStore::export_person) gathers what those trees hold
//! about them. `logged_keys`, `deliveries`, `jobs`, `tombstones` and `meta`
//! name nobody.
//!
//! sled is beta and has lost data after unclean shutdowns, so writes the user
//! is told about are made durable first (by [`SledStore::commit`], a group
//! commit, on request paths; by [`SledStore::flush`] elsewhere), every value
//! carries a version byte (`codec`), the whole store can be written out as
//! JSON lines and loaded back (`backup`: [`SledStore::export_backup`],
//! [`import_backup`], and the periodic backups of [`BackupFolder`] in
//! `backups/` inside the data folder), and a folder that will not open
//! gets an error that names the latest backup and the command that
//! restores it. One process owns the folder: an open store holds it
//! (`sled_files::FolderHold`), and sled locks its files.

// The one module that may name sled's types (clippy.toml disallows them
// everywhere else).
#![allow(clippy::disallowed_types)]

mod backup;
mod calendars;
mod circles;
mod codec;
mod commit;
mod deliveries;
mod derived_index;
mod durable_log;
mod early_warnings;
mod export;
mod facade;
#[cfg(test)]
pub(crate) mod fixtures;
mod forget;
mod handles;
mod interaction_scan;
mod interactions;
mod jobs;
mod keys;
mod logged_keys;
mod nudges;
mod once_keys;
mod outbox;
mod people;
mod people_cache;
mod postgres;
mod purge;
mod recent_logs;
mod rewrite;
mod sled_files;
mod strength;
mod team_pairs;
mod tie_peers;
mod tie_scan;
mod tombstones;

pub use backup::{
    BackupError, BackupFolder, Counts, Exported, Imported, Replacing, RestoreHint, TakenBackup,
    import_backup,
};
pub use circles::CirclesSaved;
pub use deliveries::KEEP_DELIVERIES_FOR;
pub use export::{
    NudgeAbout, NudgeKind, NudgeReceived, OwnCircle, OwnInteraction, OwnReason, PersonExport,
    UnnamedTie,
};
pub use facade::{Store, off_the_workers};
pub use forget::Forgotten;
pub use interactions::Logged;
pub use jobs::JobRun;
pub use once_keys::OnceKeys;
pub use people::Added;
pub use people_cache::PeopleById;
pub use postgres::{ClaimNow, Lease, PgStore, SlackCallers};
pub use purge::KeptBackup;
pub use recent_logs::KEEP_RECENT_FOR;
pub use rewrite::Rewritten;

use crate::domain::HalfLife;
use handles::Trees;
use parking_lot::RwLock;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The schema this build reads and writes. Values carry it as their version
/// byte; the `meta` tree records it for the whole folder.
pub const SCHEMA_VERSION: u32 = 1;

/// The names of the sled trees, in one place so that error messages and key
/// descriptions use the same words as the folder.
mod trees {
    pub(super) const PEOPLE: &str = "people";
    pub(super) const INTERACTIONS: &str = "interactions";
    pub(super) const TIES: &str = "ties";
    pub(super) const NUDGES: &str = "nudges";
    pub(super) const JOBS: &str = "jobs";
    pub(super) const LOGGED_KEYS: &str = "logged_keys";
    pub(super) const DELIVERIES: &str = "deliveries";
    pub(super) const OUTBOX: &str = "outbox";
    pub(super) const DM_CHANNELS: &str = "dm_channels";
    pub(super) const TOMBSTONES: &str = "tombstones";
    pub(super) const CIRCLES: &str = "circles";
    pub(super) const CALENDARS: &str = "calendars";
    pub(super) const META: &str = "meta";
}

/// Keys of the `meta` tree. Their values are plain big-endian integers, not
/// versioned JSON: the schema version is what says how to read everything
/// else, so it must be readable by every build.
mod meta {
    pub(super) const SCHEMA_VERSION: &[u8] = b"schema_version";
    pub(super) const INTERACTION_COUNT: &[u8] = b"interaction_count";
    /// The half-life (days, a big-endian `f64`) the tie index decays with.
    pub(super) const TIE_HALF_LIFE: &[u8] = b"tie_half_life_days";
    /// The file name of the backup an uninstall's purge kept (UTF-8), and
    /// the end of its grace (Unix seconds, a big-endian `i64`).
    pub(super) const KEPT_BACKUP: &[u8] = b"kept_backup";
    pub(super) const KEPT_BACKUP_UNTIL: &[u8] = b"kept_backup_until";
    /// The key of the tombstones' keyed hash: 32 random bytes (see
    /// `tombstones`).
    pub(super) const TOMBSTONE_KEY: &[u8] = b"tombstone_key";
    /// Set by a forget or a purge, left out by the rewrite that erases
    /// from sled's files what they erased from the trees (see `rewrite`).
    pub(super) const REWRITE_DUE: &[u8] = b"rewrite_due";
    /// The number of the last round of leadership circles formed (a
    /// big-endian `u32`), so that no number is used twice though every
    /// circle of that round was emptied by forget-me (see `circles`); a
    /// backup carries it in its header.
    pub(super) const LAST_CIRCLE_ROUND: &[u8] = b"last_circle_round";
}

/// How the store uses memory.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// The size of sled's page cache, in bytes. sled's own default is 1 GiB,
    /// far more than the compact working set the rules need.
    pub cache_capacity_bytes: u64,
    /// The half-life the tie index decays interactions with (the rules'
    /// `half_life_days`). When it differs from the one the index was built
    /// with, opening the store rebuilds the index from the log.
    pub half_life: HalfLife,
}

impl Default for StoreOptions {
    /// 64 MiB: the whole tie index of a large workspace fits, and the
    /// process stays small next to sled's 1 GiB default.
    fn default() -> Self {
        Self {
            cache_capacity_bytes: 64 * 1024 * 1024,
            half_life: HalfLife::DEFAULT,
        }
    }
}

/// Why the store could not do what was asked. Callers branch on these: a
/// store that will not open or is newer stops the process with the message;
/// a corrupt value is logged and reported.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the folder: an open store holds it for the
    /// process that opened it (as does an import), and sled locks its
    /// files. A second open of one folder in the same process is refused
    /// the same way.
    #[error(
        "cannot open the store in {path}: only one alliances process may use a data folder \
         at a time, and another one is using it; stop it first"
    )]
    InUse {
        /// The data folder.
        path: PathBuf,
    },
    /// The folder cannot be read or written by this user.
    #[error(
        "cannot open the store in {path}: {cause}; check that the user running alliances \
         may read and write the folder"
    )]
    Inaccessible {
        /// The data folder.
        path: PathBuf,
        /// What the system said. Not a `#[source]`: the message says it,
        /// and ends with what to do.
        cause: std::io::Error,
    },
    /// The store will not open: sled cannot read the folder, a value read
    /// at start does not decode, or the data is of a newer schema. The
    /// message names the backup to restore and the command that does it.
    #[error("cannot open the store in {path}: {problem}; {restore}")]
    WillNotOpen {
        /// The data folder.
        path: PathBuf,
        /// What is wrong, in words.
        problem: String,
        /// How to bring the data back (boxed: it is rare, and would make
        /// every store result larger).
        restore: Box<RestoreHint>,
    },
    /// A restore into the folder stopped half-way (see
    /// [`import_backup`]); the folder is not opened until it is run again.
    #[error(
        "a restore into {path} did not finish: run it again with \
         `alliances restore --data-dir {data_dir} {backup}`",
        data_dir = backup::shell_word(path),
        backup = backup::shell_word(backup)
    )]
    RestoreUnfinished {
        /// The data folder.
        path: PathBuf,
        /// The backup it was restoring.
        backup: PathBuf,
    },
    /// A value was written by a build with a newer schema than this one.
    #[error(
        "the data in {path} was written by a newer alliances (schema {found}); this build \
         understands up to schema {supported}: upgrade alliances"
    )]
    NewerSchema {
        /// The data folder.
        path: PathBuf,
        /// The schema the data was written with.
        found: u32,
        /// The newest schema this build reads ([`SCHEMA_VERSION`]).
        supported: u32,
    },
    /// A stored value does not decode.
    #[error(
        "the store's {tree} tree holds an unreadable value at `{key}`: {detail}; stop \
         alliances and restore the latest backup (`alliances restore --help`)"
    )]
    Corrupt {
        /// The tree that holds it.
        tree: &'static str,
        /// Its key, readably.
        key: String,
        /// What is wrong with it.
        detail: String,
    },
    /// sled failed to read or write.
    #[error("the store failed to read or write its folder")]
    Io(#[from] sled::Error),
    /// A file or folder of the data folder could not be read, written,
    /// moved or removed, as sled's files are when one store's replace
    /// another's.
    #[error("{doing} {path}: {cause}")]
    File {
        /// What was being done ("cannot move").
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the system said. Not a `#[source]`: the message says it.
        cause: std::io::Error,
    },
    /// A flush panicked, so writes are not known to be on disk (see
    /// [`SledStore::commit`]).
    #[error("the store's flush failed unexpectedly; the cause is in the log")]
    FlusherStopped,
    /// The writes were made, but the flush that would have put them on
    /// disk failed (a full disk, say): they may or may not survive a crash.
    #[error("the store could not put its latest writes on disk")]
    Unflushed(#[source] sled::Error),
    /// The PostgreSQL database could not be reached, or a read or write
    /// failed; `place` is its host, port and database, never the password.
    #[error("the PostgreSQL store at {place} failed: {problem}")]
    Database {
        /// Where the database is.
        place: String,
        /// What went wrong, in words.
        problem: String,
    },
    /// A commit to the PostgreSQL database did not answer: the write may
    /// or may not have been saved.
    #[error("the PostgreSQL store at {place} may not have saved the latest write: {problem}")]
    DatabaseUnsure {
        /// Where the database is.
        place: String,
        /// What went wrong, in words.
        problem: String,
    },
    /// The database's schema was migrated by a newer build.
    #[error(
        "the PostgreSQL database at {place} was migrated by a newer alliances (schema \
         {found}); this build understands up to schema {supported}: upgrade alliances"
    )]
    NewerDatabase {
        /// Where the database is.
        place: String,
        /// The schema it holds.
        found: u32,
        /// The newest schema this build migrates to.
        supported: u32,
    },
    /// A command that only reads found the database at an older schema
    /// than this build's, which it does not migrate.
    #[error(
        "the PostgreSQL database at {place} is at schema {found}, and this build reads schema \
         {supported}: use the build the replicas run, or upgrade the replicas first (they \
         migrate it as they start)"
    )]
    OlderDatabase {
        /// Where the database is.
        place: String,
        /// The schema it holds.
        found: u32,
        /// The schema this build reads.
        supported: u32,
    },
    /// A write only the holder of a lease may make, made by a replica that
    /// no longer holds it.
    #[error(
        "this replica no longer holds the {lease} lease (another replica took over), so it \
         wrote nothing"
    )]
    NotHolding {
        /// The lease's name.
        lease: &'static str,
    },
    /// A rewrite put fresh files in place but could not open them, so the
    /// store refuses every call rather than write where nothing is kept.
    #[error(
        "the store in {path} was rewritten but could not be opened again; restart \
         alliances, which opens the rewritten store"
    )]
    Closed {
        /// The data folder.
        path: PathBuf,
    },
}

impl StoreError {
    /// Whether writes made before this error may still be on disk, or
    /// reach it: the flush that was to make them durable failed, so
    /// nobody can say they were not saved.
    pub fn may_have_saved(&self) -> bool {
        matches!(
            self,
            StoreError::Unflushed(_)
                | StoreError::FlusherStopped
                | StoreError::DatabaseUnsure { .. }
        )
    }

    /// This error, met while opening the store in `dir`, as the person
    /// starting alliances should read it: what is wrong, and for a store
    /// that will not open, the backup to restore and the command for it.
    fn at_open(self, dir: &Path) -> StoreError {
        let will_not_open = |problem: String, newer: bool| StoreError::WillNotOpen {
            path: dir.to_path_buf(),
            problem,
            restore: Box::new(RestoreHint::find(dir, newer)),
        };
        match self {
            // sled says so only in words: "could not acquire lock on …".
            StoreError::Io(sled::Error::Io(io)) if io.to_string().contains("acquire lock") => {
                StoreError::InUse {
                    path: dir.to_path_buf(),
                }
            }
            StoreError::Io(sled::Error::Io(io)) | StoreError::File { cause: io, .. }
                if io.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                StoreError::Inaccessible {
                    path: dir.to_path_buf(),
                    cause: io,
                }
            }
            StoreError::Io(sled::Error::Corruption { .. }) => {
                will_not_open("sled found damaged data in it".into(), false)
            }
            StoreError::Io(error) => will_not_open(format!("sled cannot read it ({error})"), false),
            StoreError::Corrupt { tree, key, detail } => will_not_open(
                format!("its {tree} tree holds an unreadable value at `{key}` ({detail})"),
                false,
            ),
            StoreError::NewerSchema {
                found, supported, ..
            } => will_not_open(
                format!(
                    "it was written by a newer alliances (schema {found}; this build reads \
                     up to schema {supported})"
                ),
                true,
            ),
            StoreError::File { doing, path, cause } => {
                will_not_open(format!("{doing} {}: {cause}", path.display()), false)
            }
            StoreError::FlusherStopped | StoreError::Unflushed(_) | StoreError::Closed { .. } => {
                will_not_open("its first write to disk failed".into(), false)
            }
            opened_or_not @ (StoreError::InUse { .. }
            | StoreError::Database { .. }
            | StoreError::DatabaseUnsure { .. }
            | StoreError::NewerDatabase { .. }
            | StoreError::NotHolding { .. }
            | StoreError::OlderDatabase { .. }
            | StoreError::Inaccessible { .. }
            | StoreError::WillNotOpen { .. }
            | StoreError::RestoreUnfinished { .. }) => opened_or_not,
        }
    }
}

/// The data folder: a sled database and its trees, the sled backend of
/// [`Store`]. Its methods are synchronous: each blocks its thread until
/// sled is done. Clones share it, and share the handles a rewrite puts in
/// place (see `handles`).
#[derive(Clone)]
pub struct SledStore {
    path: PathBuf,
    /// sled's handles, read through [`SledStore::trees`].
    current: handles::Current,
    /// The page cache a database the store opens gets: again after a
    /// rewrite.
    cache_capacity_bytes: u64,
    /// Woken when a forget or a purge asks for a rewrite (see `rewrite`).
    rewrite_wanted: Arc<tokio::sync::Notify>,
    /// Serialises writers of the interaction log. A transaction alone would
    /// keep the trees consistent, but the lock also makes log order (the id)
    /// the order ties were updated in, which decides which of two notes from
    /// one instant a tie keeps, and keeps a bulk load's batches from
    /// interleaving with single logs. Every writer of `logged_keys` and
    /// [`SledStore::forget_person`] hold it too, so a forget's scans of the log
    /// and ties stay true until its transaction commits. A std Mutex: it is
    /// never held across an await.
    log_writer: Arc<Mutex<()>>,
    /// The number of interactions, mirrored from `meta` so that reading it
    /// is not a scan (sled's `len` walks the whole tree).
    interaction_count: Arc<AtomicUsize>,
    /// The flusher that [`SledStore::commit`] waits on, shared by all clones;
    /// its thread ends when the last clone is dropped.
    group_commit: Arc<commit::GroupCommit>,
    /// Which teams are tied to which, in memory (see `team_pairs`).
    team_pairs: Arc<team_pairs::TeamPairs>,
    /// Whom each person has a tie with, in memory (see `tie_peers`).
    tie_peers: Arc<tie_peers::TiePeers>,
    /// Everyone known, decoded (see `people_cache`).
    people_cache: Arc<people_cache::PeopleCache>,
    /// The half-life the tie index decays interactions with.
    half_life: HalfLife,
    /// How many times the store was purged: a backup taken while a purge
    /// ran is thrown away (see `backup::folder`).
    purges: Arc<AtomicU64>,
    /// What `/met` logged lately, by content (see `recent_logs`).
    recent_logs: Arc<recent_logs::RecentLogs>,
    /// The folder, this process's while any clone is open (see
    /// `sled_files::FolderHold`).
    _hold: Arc<sled_files::FolderHold>,
}

impl fmt::Debug for SledStore {
    // sled's handles print their contents; the folder is what identifies a store.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SledStore {
    /// Opens the store in `dir`, creating the folder and a fresh store if
    /// there is none. Refuses a folder another process holds, touching
    /// nothing in it, a store written by a newer schema, and one a restore
    /// left half-done; a store that will not open gets an error naming the
    /// backup to restore.
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<SledStore, StoreError> {
        // The folder is this process's before anything in it is read or
        // touched: a running bot's rewrite, or a restore under way, looks
        // just like one a process died in.
        let hold = sled_files::FolderHold::take(dir).map_err(|error| error.at_open(dir))?;
        if let Some(backup) = backup::unfinished_restore(dir) {
            return Err(StoreError::RestoreUnfinished {
                path: dir.to_path_buf(),
                backup,
            });
        }
        Self::open_held(dir, hold, options).map_err(|error| error.at_open(dir))
    }

    /// [`SledStore::open`], without the check for a restore left half-done and
    /// with the errors as they come.
    fn open_unchecked(dir: &Path, options: &StoreOptions) -> Result<SledStore, StoreError> {
        Self::open_held(dir, sled_files::FolderHold::take(dir)?, options)
    }

    /// Opens the store in `dir`, which `hold` keeps this process's for as
    /// long as the store is open.
    fn open_held(
        dir: &Path,
        hold: sled_files::FolderHold,
        options: &StoreOptions,
    ) -> Result<SledStore, StoreError> {
        let hold = Arc::new(hold);
        // A rewrite the process died in is finished, or undone, first.
        rewrite::recover(dir)?;
        let current: handles::Current = Arc::new(RwLock::new(Some(Trees::open(dir, options)?)));
        let (flushed, writer_flushed) = (current.clone(), current.clone());
        let mut store = SledStore {
            current,
            cache_capacity_bytes: options.cache_capacity_bytes,
            rewrite_wanted: Arc::default(),
            path: dir.to_path_buf(),
            log_writer: Arc::new(Mutex::new(())),
            interaction_count: Arc::new(AtomicUsize::new(0)),
            // The writer's own, which nothing starts: see below.
            group_commit: Arc::new(commit::GroupCommit::new(
                move || handles::flush_current(&writer_flushed),
                None,
            )),
            team_pairs: Arc::default(),
            tie_peers: Arc::default(),
            people_cache: Arc::default(),
            half_life: options.half_life,
            purges: Arc::default(),
            recent_logs: Arc::default(),
            _hold: hold,
        };
        // The flusher thread logs through a clone of the store (see
        // `commit`), made before the group commit the clones share is set.
        let writer = store.clone();
        store.group_commit = Arc::new(commit::GroupCommit::new(
            move || handles::flush_current(&flushed),
            Some(writer),
        ));
        store.check_schema()?;
        store.load_interaction_count()?;
        store.match_tie_half_life()?;
        Ok(store)
    }

    /// The data folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything to disk (fsync), blocking the thread. Call it
    /// before telling the user a write happened, off the request paths (at
    /// start-up, in jobs, at shutdown): sled otherwise flushes on its own
    /// schedule. Request paths await [`SledStore::commit`] instead, which
    /// shares one flush among the requests waiting.
    pub fn flush(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        trees.db.flush()?;
        Ok(())
    }

    /// The schema version recorded in the folder.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let trees = self.trees()?;
        match trees.meta.get(meta::SCHEMA_VERSION)? {
            Some(bytes) => <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| self.corrupt_meta(meta::SCHEMA_VERSION, "not a 4-byte number")),
            None => Err(self.corrupt_meta(meta::SCHEMA_VERSION, "missing")),
        }
    }

    /// Records the schema on first open; refuses a newer one.
    fn check_schema(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        if trees.meta.get(meta::SCHEMA_VERSION)?.is_none() {
            trees
                .meta
                .insert(meta::SCHEMA_VERSION, &SCHEMA_VERSION.to_be_bytes())?;
            self.flush()?;
            tracing::info!(path = %self.path.display(), schema = SCHEMA_VERSION, "created a new store");
        }
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(self.newer_schema(found));
        }
        // Schema 1 is the first: there is nothing older to migrate from yet.
        Ok(())
    }

    /// Loads the interaction count from `meta`, counting once if it is absent.
    fn load_interaction_count(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let count = match trees.meta.get(meta::INTERACTION_COUNT)? {
            Some(bytes) => self.decode_count(&bytes)?,
            None => {
                let count = trees.interactions.len();
                trees
                    .meta
                    .insert(meta::INTERACTION_COUNT, &(count as u64).to_be_bytes())?;
                count
            }
        };
        self.interaction_count.store(count, Ordering::SeqCst);
        Ok(())
    }

    /// The interaction count from its `meta` bytes.
    fn decode_count(&self, bytes: &[u8]) -> Result<usize, StoreError> {
        <[u8; 8]>::try_from(bytes)
            .ok()
            .and_then(|b| usize::try_from(u64::from_be_bytes(b)).ok())
            .ok_or_else(|| self.corrupt_meta(meta::INTERACTION_COUNT, "not an 8-byte count"))
    }

    /// Takes the interaction-log writer lock. Poisoning is ignored: the lock
    /// guards no data, only the order of writers, and sled kept each write
    /// atomic whatever the panicking writer was doing.
    fn lock_log_writer(&self) -> MutexGuard<'_, ()> {
        self.log_writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `value` as stored in `tree` at `key`.
    fn encode<T: Serialize>(
        &self,
        tree: &'static str,
        key: &[u8],
        value: &T,
    ) -> Result<Vec<u8>, StoreError> {
        // Our types are structs with string keys, which JSON always encodes;
        // should one ever fail, the value is unstorable, reported like an
        // unreadable one rather than as a panic.
        codec::encode(value).map_err(|e| StoreError::Corrupt {
            tree,
            key: keys::describe(tree, key),
            detail: format!("the value cannot be encoded: {e}"),
        })
    }

    /// The value stored in `tree` at `key`.
    fn decode<T: DeserializeOwned>(
        &self,
        tree: &'static str,
        key: &[u8],
        bytes: &[u8],
    ) -> Result<T, StoreError> {
        self.decoded(tree, key, codec::decode(bytes))
    }

    /// What a decoder of `codec` made of the value in `tree` at `key`.
    fn decoded<T>(
        &self,
        tree: &'static str,
        key: &[u8],
        result: Result<T, codec::DecodeError>,
    ) -> Result<T, StoreError> {
        result.map_err(|e| match e {
            codec::DecodeError::Newer(found) => self.newer_schema(found),
            codec::DecodeError::Malformed(detail) => StoreError::Corrupt {
                tree,
                key: keys::describe(tree, key),
                detail,
            },
        })
    }

    fn newer_schema(&self, found: u32) -> StoreError {
        StoreError::NewerSchema {
            path: self.path.clone(),
            found,
            supported: SCHEMA_VERSION,
        }
    }

    fn corrupt_meta(&self, key: &[u8], detail: &str) -> StoreError {
        StoreError::Corrupt {
            tree: trees::META,
            key: keys::describe(trees::META, key),
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests;
