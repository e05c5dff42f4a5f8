//! Backups: the whole store as JSON lines, and back.
//!
//! sled is beta and has lost data after unclean shutdowns (see
//! docs/operating.md), so the data must also exist in a form that does not need sled to read:
//! one JSON object a line, which `grep`, `jq` and a person can read, and
//! which a later alliances (or another store) can load.
//!
//! A backup is, line by line:
//!
//! 1. a header: `{"format":"alliances-backup","format_version":2,
//!    "schema_version":1,"written_at":"2026-11-25T06:00:00Z"}`, so that a
//!    build refuses a backup newer than it understands instead of
//!    misreading it, and, once the store drew it, its hash key
//!    (`"tombstone_key"`, hex), without which the tombstones would name
//!    nobody the store could recognise and a meeting logged once by its
//!    parts (a calendar's, an import's) could be logged again, and, once circles were
//!    formed, the last round's number (`"last_circle_round"`), which is
//!    never given again;
//! 2. every record of every tree that is not derived, tree by tree in the
//!    order of [`TREES`], each tree in key order:
//!    `{"tree":"interactions","id":17,"value":{…}}`. The value is the
//!    stored JSON as it is, byte for byte (see `codec`). A record carries
//!    its key when the value does not hold it: `id` for an interaction,
//!    `key` for a logged key, a job, a DM channel and a tombstone (its
//!    hash, hex); people, outbox items, nudges, circles and calendars are
//!    keyed by what is in them;
//! 3. a closing line with the number of records of each tree:
//!    `{"end":"alliances-backup","counts":{"people":2,…}}`. A streaming
//!    writer of a store in use cannot know the counts before it has written
//!    the records, and a backup cut short (a full disk, a killed process)
//!    lacks this line, so an import knows it is incomplete.
//!
//! Because the order is fixed and values are copied as they are, exporting
//! what an import loaded gives the same bytes (but for the header's time).
//!
//! What is left out, and why:
//!
//! - `ties` and the in-memory team-pair index: derived from the log (see
//!   `strength`); an import folds them afresh, with the half-life of the
//!   store it loads into;
//! - `deliveries`: the events seen in the last ten minutes, kept so that
//!   Slack's retries are handled once. A restore takes longer than that,
//!   and Slack stops retrying after about five minutes, so they would
//!   expire before they could be used;
//! - `meta`: the schema version and the last circle round are the
//!   header's, and the interaction count is counted again on import.
//!
//! Everything else is in: `logged_keys` too, so that a *We met* or a `/met`
//! that Slack delivers again after a restore is still logged once, and
//! `tombstones`, so that a restore does not bring back people who asked to
//! be forgotten as strangers at the next people sync. And `calendars`,
//! with each address as the store keeps it, sealed: a restore (onto a new
//! machine, after a disk failed) keeps the consent people gave without
//! asking each of them to find and paste their address again, and the
//! sealed text opens only with `ALLIANCES_ENCRYPTION_KEY`, which is in
//! neither the data folder nor the backup. A backup that leaves with its
//! folder therefore gives no calendar away; one restored without the same
//! key holds addresses that do not open, which `doctor` reports.
//!
//! Format 2 added the tombstones and their key; a format 1 backup (none)
//! still loads. The leadership circles came later within format 2: a
//! backup without them (and without their count) is one from before, and
//! so is one without calendars.
//!
//! A backup taken while the bot runs (see [`BackupFolder::take`]) reads
//! trees that are being written, and sled has no snapshot across trees, so
//! the order of [`TREES`] is chosen for what a restore then gets:
//!
//! - the outbox before `nudges`: an item sent in between is in both (it
//!   goes out again after a restore) rather than in neither (lost);
//! - `logged_keys` after `interactions`, leaving out the keys of meetings
//!   logged after the log was read, so that a retry after a restore logs
//!   a meeting the backup does not hold (see `write`).
//!
//! The files: [`export_backup`](super::SledStore::export_backup) writes
//! one and [`export_backup_file`](super::SledStore::export_backup_file)
//! writes a file of one, whole or not at all (`write`); `read` loads one
//! into a fresh store, [`import_backup`] puts that store in place of the
//! folder's (`replace`), and [`BackupFolder`] keeps the periodic backups
//! (`folder`).

mod folder;
mod read;
mod replace;
mod write;

#[cfg(test)]
mod tests;

pub use folder::{BackupFolder, RestoreHint, TakenBackup};
pub(super) use read::BATCH as WRITE_BATCH;
pub(super) use read::{Lines, closing, hash_of};
pub(super) use replace::{ASIDE_PREFIX, unfinished_restore};
pub use replace::{Imported, Replacing, import_backup};
pub use write::Exported;
pub(super) use write::{BackupFile, Writer};

use super::{StoreError, trees};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The backup format this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;

/// What the header's `format` and the closing line's `end` say.
const FORMAT_NAME: &str = "alliances-backup";

/// The trees a backup holds, in the order it lists them (see the module
/// doc for why this order).
pub(super) const TREES: [&str; 10] = [
    trees::PEOPLE,
    trees::INTERACTIONS,
    trees::LOGGED_KEYS,
    trees::OUTBOX,
    trees::NUDGES,
    trees::JOBS,
    trees::DM_CHANNELS,
    trees::TOMBSTONES,
    trees::CIRCLES,
    trees::CALENDARS,
];

/// How many records of each tree a backup holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// People.
    pub people: u64,
    /// Interactions.
    pub interactions: u64,
    /// Idempotency keys of logged interactions.
    pub logged_keys: u64,
    /// Queued and failed messages.
    pub outbox: u64,
    /// Nudges sent.
    pub nudges: u64,
    /// Job runs.
    pub jobs: u64,
    /// DM channels.
    pub dm_channels: u64,
    /// Tombstones of people who asked to be forgotten (none in format 1).
    #[serde(default)]
    pub tombstones: u64,
    /// Leadership circles; left out of the closing line when there are
    /// none, so that a store without circles writes what builds before
    /// them read.
    #[serde(default, skip_serializing_if = "crate::domain::is_zero")]
    pub circles: u64,
    /// Calendars people gave, their addresses sealed; left out when there
    /// are none, as circles are.
    #[serde(default, skip_serializing_if = "crate::domain::is_zero")]
    pub calendars: u64,
}

impl Counts {
    /// Every record.
    pub fn total(&self) -> u64 {
        self.people
            + self.interactions
            + self.logged_keys
            + self.outbox
            + self.nudges
            + self.jobs
            + self.dm_channels
            + self.tombstones
            + self.circles
            + self.calendars
    }

    /// The count of `tree`, one of [`TREES`].
    pub(in crate::store) fn of(&mut self, tree: &str) -> &mut u64 {
        match tree {
            trees::PEOPLE => &mut self.people,
            trees::INTERACTIONS => &mut self.interactions,
            trees::LOGGED_KEYS => &mut self.logged_keys,
            trees::OUTBOX => &mut self.outbox,
            trees::NUDGES => &mut self.nudges,
            trees::JOBS => &mut self.jobs,
            trees::TOMBSTONES => &mut self.tombstones,
            trees::CIRCLES => &mut self.circles,
            trees::CALENDARS => &mut self.calendars,
            _ => &mut self.dm_channels,
        }
    }

    /// Checks these counts, which the closing line on `line` claims,
    /// against those of the records the backup `held`; the first tree, in
    /// backup order, whose counts differ is named.
    pub(in crate::store) fn check_against(
        &self,
        held: &Counts,
        line: u64,
    ) -> Result<(), BackupError> {
        let (mut claimed, mut held) = (*self, *held);
        match TREES
            .into_iter()
            .map(|tree| (tree, *claimed.of(tree), *held.of(tree)))
            .find(|(_, said, holds)| said != holds)
        {
            Some((tree, said, holds)) => Err(BackupError::Malformed {
                line,
                problem: format!(
                    "the closing line counts {said} {tree} records, but the backup holds {holds}"
                ),
            }),
            None => Ok(()),
        }
    }
}

/// The first line of a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::store) struct Header {
    format: String,
    format_version: u32,
    schema_version: u32,
    pub(in crate::store) written_at: DateTime<Utc>,
    /// The store's hash key (of the tombstones and the once-keys), hex;
    /// absent until the store first needed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::store) tombstone_key: Option<String>,
    /// The last round of leadership circles ever formed; absent before the
    /// first. Forget-me may have emptied it, and its number must not be
    /// given again: it names the buttons of a check-in and the once-key of
    /// its *We met*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::store) last_circle_round: Option<u32>,
}

/// A line of a record, as written.
#[derive(Serialize)]
struct Record<'a> {
    tree: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    value: &'a RawValue,
}

/// The last line of a backup.
#[derive(Serialize)]
struct Closing<'a> {
    end: &'a str,
    counts: &'a Counts,
}

/// Any line after the header, as read: a record, or the closing line.
/// Borrowed from the line, so that a value is copied only into the store.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::store) struct Line<'a> {
    #[serde(default, borrow)]
    pub(in crate::store) tree: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(in crate::store) id: Option<u64>,
    #[serde(default, borrow)]
    pub(in crate::store) key: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(in crate::store) value: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub(in crate::store) end: Option<Cow<'a, str>>,
    #[serde(default)]
    counts: Option<Counts>,
}

/// Why a backup could not be written, read or put in place.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file or folder could not be read or written.
    #[error("{doing} {path}: {cause}")]
    File {
        /// What was being done ("cannot write").
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the system said. Not a `#[source]`: the message says it.
        cause: std::io::Error,
    },
    /// The output went away (a closed pipe, a full disk).
    #[error("cannot write the backup")]
    Write(#[source] std::io::Error),
    /// The input could not be read.
    #[error("cannot read the backup")]
    Read(#[source] std::io::Error),
    /// The first line is not a backup's header.
    #[error("this is not an alliances backup: its first line is not a backup header ({0})")]
    NotABackup(String),
    /// Written by a newer alliances, in a format this build does not know.
    #[error(
        "the backup is in format {found}, newer than this build reads (up to {supported}): \
         import it with a newer alliances"
    )]
    NewerFormat {
        /// Its format version.
        found: u32,
        /// The newest this build reads (`FORMAT_VERSION`).
        supported: u32,
    },
    /// Written by a newer alliances, of a schema this build does not know.
    #[error(
        "the backup holds data of schema {found}, newer than this build reads (up to \
         {supported}): import it with a newer alliances"
    )]
    NewerSchema {
        /// Its schema version.
        found: u32,
        /// The newest this build reads ([`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
        supported: u32,
    },
    /// A line that is not what a backup holds there.
    #[error("line {line}: {problem}")]
    Malformed {
        /// Its number, from 1.
        line: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// The backup ends before its closing line.
    #[error(
        "the backup ends after line {lines} without its closing line: it was cut short \
         (a full disk, or a writer that stopped), so it is not loaded"
    )]
    Incomplete {
        /// The lines it has.
        lines: u64,
    },
    /// An import without `--replace` into a store that holds data.
    #[error(
        "the store in {path} already holds data ({what}): import loads into an empty store; \
         to replace this data with the backup, add --replace (the store is kept aside, not deleted)"
    )]
    NotEmpty {
        /// The data folder.
        path: PathBuf,
        /// What it holds, in words ("12 people and 340 interactions").
        what: String,
    },
    /// An import into a PostgreSQL database that holds data.
    #[error(
        "the PostgreSQL database at {place} already holds data ({what}); to replace it with \
         the backup, add --replace"
    )]
    DatabaseNotEmpty {
        /// Where the database is.
        place: String,
        /// What it holds, in words.
        what: String,
    },
    /// A backup loaded into a sled store while it is open.
    #[error(
        "the sled store in {path} is open: a backup replaces it whole with `alliances import`, \
         not while the bot runs"
    )]
    OpenSledStore {
        /// Its folder.
        path: PathBuf,
    },
    /// An import without `--replace` into a store that will not open.
    #[error(
        "the store in {path} does not open ({problem}); to replace it with the backup, add \
         --replace (the store is kept aside, not deleted)"
    )]
    Unopenable {
        /// The data folder.
        path: PathBuf,
        /// Why it does not open.
        problem: String,
    },
    /// A restore without a backup named, and none in the folder.
    #[error(
        "there is no backup in {folder}: name one (`alliances restore FILE`), or import one \
         kept elsewhere with `alliances import --replace FILE`"
    )]
    NoBackup {
        /// The backups folder.
        folder: PathBuf,
    },
    /// The store was purged while the backup was written: it may hold
    /// what the purge deleted, so it is thrown away.
    #[error("the store was purged while the backup was written, so the backup was thrown away")]
    Purged,
    /// Asked to stop (the bot is shutting down).
    #[error("the backup was stopped before it finished")]
    Stopped,
}

impl BackupError {
    /// A file error: `doing` (e.g. "cannot write") `path`.
    pub fn file(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |cause| Self::File { doing, path, cause }
    }
}

/// `path` as one word of a shell command: as it is when that is safe,
/// else in single quotes.
pub(super) fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
