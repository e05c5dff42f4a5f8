//! Reading a backup into a fresh store, line by line: the header is
//! checked first, each record is decoded as its type and written as it
//! came, in batches, and the closing line's counts must match. Any line
//! that is not what a backup holds there is refused by its number.
//!
//! The records of a tree must come in key order, each key once: that is
//! how [`SledStore::export_backup`] writes them, and it turns a repeated or
//! shuffled record, which would otherwise overwrite another or throw off
//! the counts, into an error that names its line.

use super::{BackupError, Counts, FORMAT_NAME, FORMAT_VERSION, Header, Line, TREES};
use crate::domain::{
    CalendarFeed, ChannelId, Circle, Interaction, OutboxItem, Person, SentNudge, UserId, plural,
};
use crate::store::handles::Trees;
use crate::store::tombstones::{HASH_LEN, Tombstone};
use crate::store::{JobRun, SCHEMA_VERSION, SledStore, StoreError, codec, keys, meta, trees};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use std::io::{BufRead, Read as _};
use std::sync::atomic::Ordering;

/// Records written per sled batch. sled's memory grows much faster than
/// a batch: importing 180,000 interactions peaked at 551 MB in batches of
/// 10,000, 92 MB in batches of 1,000 and 71 MB in batches of 100, in the
/// same time. A thousand keeps memory flat and the batches few.
pub(in crate::store) const BATCH: usize = 1_000;

/// The longest line read. The largest record, an outbox digest of a large
/// company, is tens of KB; this keeps a file that is not a backup (one
/// without line breaks) from being read whole into memory.
const MAX_LINE: u64 = 64 << 20;

/// What a backup loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Loaded {
    /// The records of each tree.
    pub(super) counts: Counts,
    /// When the backup was written.
    pub(super) written_at: DateTime<Utc>,
    /// The highest id of an interaction or an outbox item: sled must draw
    /// new ids above it (see `replace`).
    pub(super) highest_id: Option<u64>,
}

impl SledStore {
    /// What the store holds, in words, or `None` when it holds nothing a
    /// backup would (deliveries and the tie index aside).
    pub(super) fn contents(&self) -> Result<Option<String>, StoreError> {
        let trees = self.trees()?;
        let (people, interactions) = (trees.people.len(), self.interaction_count());
        let others = [
            &trees.logged_keys,
            &trees.outbox,
            &trees.nudges,
            &trees.jobs,
            &trees.dm_channels,
            &trees.tombstones,
            &trees.circles,
            &trees.calendars,
        ]
        .iter()
        .map(|tree| tree.len())
        .sum::<usize>();
        Ok((people + interactions + others > 0).then(|| {
            format!(
                "{}, {} and {}",
                plural(people, "person", "people"),
                plural(interactions, "interaction", "interactions"),
                plural(others, "other record", "other records")
            )
        }))
    }

    /// Loads the backup `input` into this store, which must be empty, then
    /// folds the tie index from the log and flushes. Calls `progress` with
    /// the bytes read so far, every thousand records.
    pub(super) fn load_backup(
        &self,
        input: impl BufRead,
        mut progress: impl FnMut(u64),
    ) -> Result<Loaded, BackupError> {
        let trees = self.trees()?;
        if let Some(what) = self.contents()? {
            return Err(BackupError::NotEmpty {
                path: self.path.clone(),
                what,
            });
        }
        let mut lines = Lines::of(input);
        let header = lines.header()?;
        let mut loader = Loader::new(self);
        let (closing_line, claimed) = loop {
            let (line, parsed) = lines.next_parsed()?;
            let malformed = |problem: String| BackupError::Malformed { line, problem };
            if parsed.end.is_some() {
                break (line, closing(&parsed).map_err(malformed)?);
            }
            loader.record(&parsed).map_err(|e| e.at(line))?;
            if loader.counts.total().is_multiple_of(BATCH as u64) {
                progress(lines.read);
            }
        };
        loader.write_batch()?;
        let counts = loader.counts;
        claimed.check_against(&counts, closing_line)?;
        lines.nothing_after()?;
        progress(lines.read);
        if let Some(key) = header.tombstone_key_for(&counts)? {
            self.keep_tombstone_key(&key)?;
        }
        if let Some(round) = header.last_circle_round {
            self.keep_last_circle_round(round)?;
        }

        self.interaction_count
            .store(counts.interactions as usize, Ordering::SeqCst);
        trees
            .meta
            .insert(meta::INTERACTION_COUNT, &counts.interactions.to_be_bytes())
            .map_err(StoreError::from)?;
        self.rebuild_ties()?;
        self.team_pairs.outdated();
        self.tie_peers.outdated();
        self.people_cache.outdated();
        self.flush()?;
        Ok(Loaded {
            counts,
            written_at: header.written_at,
            highest_id: loader.highest_id,
        })
    }
}

/// The lines of a backup, numbered from 1, one at a time.
pub(in crate::store) struct Lines<R> {
    input: R,
    /// The line read last, with its line break.
    pub(in crate::store) text: String,
    /// Its number from 1, for the error that points at a bad line.
    number: u64,
    /// The bytes read so far.
    pub(in crate::store) read: u64,
}

impl<R: BufRead> Lines<R> {
    /// The lines of `input`, none read yet.
    pub(in crate::store) fn of(input: R) -> Self {
        Lines {
            input,
            text: String::new(),
            number: 0,
            read: 0,
        }
    }

    /// Reads the first line, which must not have been read yet, as the
    /// header; an empty file is not a backup.
    pub(in crate::store) fn header(&mut self) -> Result<Header, BackupError> {
        match self.next()? {
            Some(_) => check_header(&self.text),
            None => Err(BackupError::NotABackup("the file is empty".into())),
        }
    }

    /// The next line that is not blank, parsed, and its number. A file
    /// that ends before its closing line, or in the middle of a line, is
    /// incomplete.
    pub(in crate::store) fn next_parsed(&mut self) -> Result<(u64, Line<'_>), BackupError> {
        loop {
            let Some(line) = self.next()? else {
                return Err(BackupError::Incomplete {
                    lines: self.number - 1,
                });
            };
            if self.text.trim().is_empty() {
                continue;
            }
            return match serde_json::from_str(&self.text) {
                Ok(parsed) => Ok((line, parsed)),
                // The last line, cut off in the middle.
                Err(_) if !self.text.ends_with('\n') => {
                    Err(BackupError::Incomplete { lines: line })
                }
                Err(e) => Err(BackupError::Malformed {
                    line,
                    problem: format!("it is not a line of a backup ({e})"),
                }),
            };
        }
    }

    /// Checks that only blank lines follow the closing line.
    pub(in crate::store) fn nothing_after(&mut self) -> Result<(), BackupError> {
        while let Some(line) = self.next()? {
            if !self.text.trim().is_empty() {
                return Err(BackupError::Malformed {
                    line,
                    problem: "it follows the closing line".into(),
                });
            }
        }
        Ok(())
    }

    /// Reads the next line into `text`; its number, or `None` at the end.
    pub(in crate::store) fn next(&mut self) -> Result<Option<u64>, BackupError> {
        self.text.clear();
        self.number += 1;
        let number = self.number;
        let got = (&mut self.input)
            .take(MAX_LINE)
            .read_line(&mut self.text)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => BackupError::Malformed {
                    line: number,
                    problem: "it is not UTF-8 text".into(),
                },
                _ => BackupError::Read(e),
            })? as u64;
        self.read += got;
        if got == MAX_LINE && !self.text.ends_with('\n') {
            return Err(BackupError::Malformed {
                line: number,
                problem: format!("it is longer than {} MiB", MAX_LINE >> 20),
            });
        }
        Ok((got > 0).then_some(number))
    }
}

/// The header from the first line, if this build reads the backup.
pub(in crate::store) fn check_header(text: &str) -> Result<Header, BackupError> {
    let header: Header =
        serde_json::from_str(text).map_err(|e| BackupError::NotABackup(e.to_string()))?;
    if header.format != FORMAT_NAME {
        return Err(BackupError::NotABackup(format!(
            "its format is {:?}",
            header.format
        )));
    }
    if header.format_version > FORMAT_VERSION {
        return Err(BackupError::NewerFormat {
            found: header.format_version,
            supported: FORMAT_VERSION,
        });
    }
    if header.schema_version > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema {
            found: header.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    // Format 1 and schema 1 are the first: nothing older was ever written.
    if header.format_version == 0 || header.schema_version == 0 {
        return Err(BackupError::Malformed {
            line: 1,
            problem: "format 0 and schema 0 were never written by any alliances".into(),
        });
    }
    if header
        .tombstone_key
        .as_deref()
        .is_some_and(|key| hash_of(key).is_none())
    {
        return Err(BackupError::Malformed {
            line: 1,
            problem: "the header's `tombstone_key` is not 64 hex digits".into(),
        });
    }
    Ok(header)
}

/// The counts of the closing line `line`.
pub(in crate::store) fn closing(line: &Line<'_>) -> Result<Counts, String> {
    if line.end.as_deref() != Some(FORMAT_NAME) {
        return Err(format!("a closing line says `\"end\":\"{FORMAT_NAME}\"`"));
    }
    if line.tree.is_some() || line.id.is_some() || line.key.is_some() || line.value.is_some() {
        return Err("a closing line holds only `end` and `counts`".into());
    }
    line.counts
        .ok_or_else(|| "the closing line has no `counts`".to_owned())
}

/// What is wrong with one record; [`Problem::at`] gives it its line.
struct Problem(String);

impl Problem {
    fn at(self, line: u64) -> BackupError {
        BackupError::Malformed {
            line,
            problem: self.0,
        }
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        Self(format!("the store failed to write it: {error}"))
    }
}

/// The records on their way into the store, tree by tree.
struct Loader<'s> {
    store: &'s SledStore,
    /// The position in [`TREES`] of the tree being loaded.
    tree: usize,
    /// The key of the last record of that tree.
    last_key: Option<Vec<u8>>,
    batch: sled::Batch,
    batched: usize,
    counts: Counts,
    highest_id: Option<u64>,
}

impl<'s> Loader<'s> {
    fn new(store: &'s SledStore) -> Self {
        Self {
            store,
            tree: 0,
            last_key: None,
            batch: sled::Batch::default(),
            batched: 0,
            counts: Counts::default(),
            highest_id: None,
        }
    }

    /// Checks one record and queues it for its tree.
    fn record(&mut self, line: &Line<'_>) -> Result<(), Problem> {
        let tree = line.tree.as_deref().ok_or_else(|| {
            Problem("it has no `tree` (a record is {\"tree\":…,\"value\":…})".into())
        })?;
        let position = TREES
            .iter()
            .position(|known| *known == tree)
            .ok_or_else(|| {
                Problem(format!(
                    "there is no tree {tree:?} in a backup; the trees are {}",
                    TREES.join(", ")
                ))
            })?;
        if position < self.tree {
            return Err(Problem(format!(
                "a {tree} record after the {} records; a backup lists its trees in this order: {}",
                TREES[self.tree],
                TREES.join(", ")
            )));
        }
        if position > self.tree {
            self.write_batch()?;
            self.tree = position;
            self.last_key = None;
        }
        let value = line
            .value
            .ok_or_else(|| Problem(format!("the {tree} record has no `value`")))?;
        let json = value.get();
        let key = self.key_of(tree, line, json)?;
        if self.last_key.as_ref().is_some_and(|last| *last >= key) {
            return Err(Problem(format!(
                "the {tree} record at `{}` does not come after the one before it; a backup \
                 lists each tree in key order, each key once",
                keys::describe(tree, &key)
            )));
        }
        self.batch
            .insert(key.as_slice(), codec::from_json(json.as_bytes()));
        self.last_key = Some(key);
        self.batched += 1;
        *self.counts.of(tree) += 1;
        if self.batched == BATCH {
            self.write_batch()?;
        }
        Ok(())
    }

    /// The key of a record of `tree`, once its value decodes and the key
    /// fields it needs, and only those, are there.
    fn key_of(&mut self, tree: &str, line: &Line<'_>, json: &str) -> Result<Vec<u8>, Problem> {
        let (id, key) = (line.id, line.key.as_deref());
        let fields = |wants_id: bool, wants_key: bool| match (id.is_some(), key.is_some()) {
            (has_id, has_key) if has_id == wants_id && has_key == wants_key => Ok(()),
            _ => Err(Problem(format!(
                "a {tree} record has {}",
                match (wants_id, wants_key) {
                    (true, _) => "an `id` and no `key`",
                    (_, true) => "a `key` and no `id`",
                    _ => "neither `id` nor `key`: its value says where it goes",
                }
            ))),
        };
        match tree {
            trees::PEOPLE => {
                fields(false, false)?;
                let person: Person = value_of(tree, json)?;
                Ok(keys::person(&person.id).to_vec())
            }
            trees::INTERACTIONS => {
                fields(true, false)?;
                value_of::<Interaction>(tree, json)?;
                let id = id.unwrap_or_default();
                self.highest_id = self.highest_id.max(Some(id));
                Ok(keys::interaction(id).to_vec())
            }
            trees::LOGGED_KEYS => {
                fields(false, true)?;
                value_of::<u64>(tree, json)?;
                Ok(keys::logged_key(key.unwrap_or_default()).to_vec())
            }
            trees::OUTBOX => {
                fields(false, false)?;
                let item: OutboxItem = value_of(tree, json)?;
                self.highest_id = self.highest_id.max(Some(item.id));
                Ok(keys::outbox(item.id).to_vec())
            }
            trees::NUDGES => {
                fields(false, false)?;
                let nudge: SentNudge = value_of(tree, json)?;
                Ok(keys::nudge(&nudge))
            }
            trees::JOBS => {
                fields(false, true)?;
                value_of::<JobRun>(tree, json)?;
                Ok(keys::job(key.unwrap_or_default()).to_vec())
            }
            trees::TOMBSTONES => {
                fields(false, true)?;
                value_of::<Tombstone>(tree, json)?;
                let hash = hash_of(key.unwrap_or_default()).ok_or_else(|| {
                    Problem(format!("the {tree} record's key is not 64 hex digits"))
                })?;
                Ok(hash.to_vec())
            }
            trees::CIRCLES => {
                fields(false, false)?;
                let circle: Circle = value_of(tree, json)?;
                Ok(keys::circle(circle.key).to_vec())
            }
            trees::CALENDARS => {
                fields(false, false)?;
                let feed: CalendarFeed = value_of(tree, json)?;
                Ok(keys::person(&feed.owner).to_vec())
            }
            _ => {
                fields(false, true)?;
                let user = UserId::parse(key.unwrap_or_default())
                    .map_err(|e| Problem(format!("the {tree} record's key: {e}")))?;
                value_of::<ChannelId>(tree, json)?;
                Ok(keys::person(&user).to_vec())
            }
        }
    }

    /// Writes the queued records into their tree.
    fn write_batch(&mut self) -> Result<(), StoreError> {
        if self.batched > 0 {
            let batch = std::mem::take(&mut self.batch);
            let handles = self.store.trees()?;
            tree_named(&handles, TREES[self.tree]).apply_batch(batch)?;
            self.batched = 0;
        }
        Ok(())
    }
}

impl Header {
    /// The tombstones' key the header gives, if any, for a backup whose
    /// records are `counts`: one that holds tombstones must give it, or
    /// they would name nobody the store could recognise.
    pub(in crate::store) fn tombstone_key_for(
        &self,
        counts: &Counts,
    ) -> Result<Option<[u8; HASH_LEN]>, BackupError> {
        match self.tombstone_key.as_deref().and_then(hash_of) {
            None if counts.tombstones > 0 => Err(BackupError::Malformed {
                line: 1,
                problem: "the backup holds tombstones, but its header has no \
                          `tombstone_key` to know them by"
                    .into(),
            }),
            key => Ok(key),
        }
    }
}

/// A tombstone's hash, or the tombstones' key, from its hex text.
pub(in crate::store) fn hash_of(hex_text: &str) -> Option<[u8; HASH_LEN]> {
    hex::decode(hex_text).ok()?.try_into().ok()
}

/// The value of a record of `tree`, decoded as its type.
fn value_of<T: DeserializeOwned>(tree: &str, json: &str) -> Result<T, Problem> {
    serde_json::from_str(json)
        .map_err(|e| Problem(format!("the {tree} record's value does not decode: {e}")))
}

/// The tree of a backup called `name`, one of [`TREES`].
fn tree_named<'a>(handles: &'a Trees, name: &str) -> &'a sled::Tree {
    match name {
        trees::PEOPLE => &handles.people,
        trees::INTERACTIONS => &handles.interactions,
        trees::LOGGED_KEYS => &handles.logged_keys,
        trees::OUTBOX => &handles.outbox,
        trees::NUDGES => &handles.nudges,
        trees::JOBS => &handles.jobs,
        trees::TOMBSTONES => &handles.tombstones,
        trees::CIRCLES => &handles.circles,
        trees::CALENDARS => &handles.calendars,
        _ => &handles.dm_channels,
    }
}
