//! Writing a backup: every tree that is not derived, streamed record by
//! record, so that a store of a million interactions is written in the
//! memory of one record (and sled's page cache): 152 MB at the peak for
//! 889,375 interactions, a 160 MB backup.
//!
//! Each value is decoded as its type before it is written, though the
//! bytes written are the stored ones: a backup holds nothing an import
//! would refuse, and a value gone bad is found when the backup is taken,
//! not when it is needed.

use super::{BackupError, Closing, Counts, FORMAT_NAME, FORMAT_VERSION, Header, Record, TREES};
use crate::domain::{
    CalendarFeed, ChannelId, Circle, Interaction, OutboxItem, Person, SentNudge, UserId,
};
use crate::store::sled_files::sync_folder;
use crate::store::tombstones::{HASH_LEN, Tombstone};
use crate::store::{JobRun, SCHEMA_VERSION, SledStore, StoreError, codec, keys, trees};
use chrono::{DateTime, SubsecRound as _, Utc};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::fs;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// How many records pass between two calls of the watcher: often enough
/// for a smooth progress bar and a prompt stop (a few milliseconds), rarely
/// enough to cost nothing.
const WATCH_EVERY: u64 = 1_000;

/// What ends the name of a backup file while it is written, beside the
/// name it will have: a file by that name is then always whole.
pub(super) const PARTIAL: &str = ".partial";

/// The buffer between a backup and its file: a megabyte, so that a large
/// store is written in a few hundred calls rather than tens of thousands.
const FILE_BUFFER: usize = 1 << 20;

/// What a backup written by [`SledStore::export_backup`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// The records of each tree.
    pub counts: Counts,
    /// The bytes written.
    pub bytes: u64,
}

impl SledStore {
    /// Writes a backup of the whole store to `out` (see the module doc of
    /// `backup` for the format), stamped `written_at`. `watch` is called
    /// every thousand records or so with the counts so far; a `Break` stops
    /// the export with [`BackupError::Stopped`]. The store may be in use
    /// meanwhile. Does not flush `out`: the caller flushes it, and syncs a
    /// file.
    pub fn export_backup(
        &self,
        out: &mut impl Write,
        written_at: DateTime<Utc>,
        mut watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<Exported, BackupError> {
        let tombstone_key = self.tombstone_key_if_drawn()?;
        let mut writer = Writer::start(
            out,
            &mut watch,
            written_at,
            tombstone_key.as_deref(),
            self.last_circle_round()?,
        )?;
        let mut last_interaction = None;
        for tree in TREES {
            match tree {
                trees::PEOPLE => self.export_people(&mut writer)?,
                trees::INTERACTIONS => last_interaction = self.export_interactions(&mut writer)?,
                trees::LOGGED_KEYS => self.export_logged_keys(&mut writer, last_interaction)?,
                trees::OUTBOX => self.export_outbox(&mut writer)?,
                trees::NUDGES => self.export_nudges(&mut writer)?,
                trees::JOBS => self.export_jobs(&mut writer)?,
                trees::TOMBSTONES => self.export_tombstones(&mut writer)?,
                trees::CIRCLES => self.export_circles(&mut writer)?,
                trees::CALENDARS => self.export_calendars(&mut writer)?,
                _ => self.export_dm_channels(&mut writer)?,
            }
        }
        writer.finish()
    }

    /// Writes a backup of the whole store, stamped `written_at`, to the
    /// file at `path`, whole or not at all: to `PATH.partial` beside it,
    /// synced, then renamed to `path`, and the rename synced. A backup
    /// written while the store was purged is thrown away
    /// ([`BackupError::Purged`]): it may hold what the purge deleted. On an
    /// error the partial file is removed. `watch` is as for
    /// [`SledStore::export_backup`].
    pub fn export_backup_file(
        &self,
        path: &Path,
        written_at: DateTime<Utc>,
        watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<Exported, BackupError> {
        let (partial, mut out) = BackupFile::create(path)?;
        let purges = self.purges.load(Ordering::SeqCst);
        let exported = self
            .export_backup(&mut out, written_at, watch)
            .and_then(|exported| match self.purges.load(Ordering::SeqCst) {
                now if now != purges => Err(BackupError::Purged),
                _ => Ok(exported),
            });
        partial.finish(out, exported)
    }

    fn export_people(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.people.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let (_, json) = self.checked_json::<Person>(trees::PEOPLE, &key, &bytes, |person| {
                keys::person(&person.id) == key.as_ref()
            })?;
            writer.record(trees::PEOPLE, None, None, &json)?;
        }
        Ok(())
    }

    /// Returns the id of the last interaction written.
    fn export_interactions(
        &self,
        writer: &mut Writer<'_, impl Write>,
    ) -> Result<Option<u64>, BackupError> {
        let trees = self.trees()?;
        let mut last = None;
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let id = keys::interaction_id(&key)
                .ok_or_else(|| self.bad_key(trees::INTERACTIONS, &key, "an 8-byte id"))?;
            let (_, json) =
                self.checked_json::<Interaction>(trees::INTERACTIONS, &key, &bytes, |_| true)?;
            writer.record(trees::INTERACTIONS, Some(id), None, &json)?;
            last = Some(id);
        }
        Ok(last)
    }

    /// The logged keys, but those of interactions logged after the log was
    /// read (`last_interaction` is the last one it read).
    ///
    /// Why that is exactly right, while the bot logs: every writer of the
    /// log holds the log-writer lock and draws its id under it, so the log
    /// grows in id order, and the scan, which reads in id order, saw every
    /// interaction up to the last it read, but those forgotten since. A key
    /// and its interaction are written in one transaction. So a key whose
    /// id is above the last one read is of an interaction logged after the
    /// scan, when that interaction is there now, and is left out: a retry
    /// after a restore logs it. When it is not there, it was forgotten, and
    /// the key stays, as in the store, to keep a retry from logging it again.
    fn export_logged_keys(
        &self,
        writer: &mut Writer<'_, impl Write>,
        last_interaction: Option<u64>,
    ) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.logged_keys.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let name = std::str::from_utf8(&key)
                .map_err(|_| self.bad_key(trees::LOGGED_KEYS, &key, "text"))?;
            let (id, json) =
                self.checked_json::<u64>(trees::LOGGED_KEYS, &key, &bytes, |_| true)?;
            let logged_since = last_interaction.is_none_or(|last| id > last)
                && trees
                    .interactions
                    .contains_key(keys::interaction(id))
                    .map_err(StoreError::from)?;
            if logged_since {
                continue;
            }
            writer.record(trees::LOGGED_KEYS, None, Some(name), &json)?;
        }
        Ok(())
    }

    fn export_outbox(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.outbox.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let (_, json) =
                self.checked_json::<OutboxItem>(trees::OUTBOX, &key, &bytes, |item| {
                    keys::outbox(item.id) == key.as_ref()
                })?;
            writer.record(trees::OUTBOX, None, None, &json)?;
        }
        Ok(())
    }

    fn export_nudges(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.nudges.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let (_, json) =
                self.checked_json::<SentNudge>(trees::NUDGES, &key, &bytes, |nudge| {
                    keys::nudge(nudge) == key.as_ref()
                })?;
            writer.record(trees::NUDGES, None, None, &json)?;
        }
        Ok(())
    }

    fn export_jobs(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.jobs.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let name =
                std::str::from_utf8(&key).map_err(|_| self.bad_key(trees::JOBS, &key, "text"))?;
            let (_, json) = self.checked_json::<JobRun>(trees::JOBS, &key, &bytes, |_| true)?;
            writer.record(trees::JOBS, None, Some(name), &json)?;
        }
        Ok(())
    }

    fn export_dm_channels(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.dm_channels.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let user = std::str::from_utf8(&key)
                .ok()
                .filter(|text| UserId::parse(text).is_ok())
                .ok_or_else(|| self.bad_key(trees::DM_CHANNELS, &key, "a user id"))?;
            let (_, json) =
                self.checked_json::<ChannelId>(trees::DM_CHANNELS, &key, &bytes, |_| true)?;
            writer.record(trees::DM_CHANNELS, None, Some(user), &json)?;
        }
        Ok(())
    }

    fn export_circles(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.circles.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let (_, json) =
                self.checked_json::<Circle>(trees::CIRCLES, &key, &bytes, |circle| {
                    keys::circle(circle.key) == key.as_ref()
                })?;
            writer.record(trees::CIRCLES, None, None, &json)?;
        }
        Ok(())
    }

    fn export_calendars(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.calendars.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            let (_, json) =
                self.checked_json::<CalendarFeed>(trees::CALENDARS, &key, &bytes, |feed| {
                    keys::person(&feed.owner) == key.as_ref()
                })?;
            writer.record(trees::CALENDARS, None, None, &json)?;
        }
        Ok(())
    }

    fn export_tombstones(&self, writer: &mut Writer<'_, impl Write>) -> Result<(), BackupError> {
        let trees = self.trees()?;
        for entry in trees.tombstones.iter() {
            let (key, bytes) = entry.map_err(StoreError::from)?;
            if key.len() != HASH_LEN {
                return Err(self
                    .bad_key(trees::TOMBSTONES, &key, "a 32-byte hash")
                    .into());
            }
            let (_, json) =
                self.checked_json::<Tombstone>(trees::TOMBSTONES, &key, &bytes, |_| true)?;
            writer.record(trees::TOMBSTONES, None, Some(&hex::encode(&key)), &json)?;
        }
        Ok(())
    }

    /// The value at `key` and its stored JSON, once it decodes as a `T`
    /// that `fits` its key.
    fn checked_json<T: DeserializeOwned>(
        &self,
        tree: &'static str,
        key: &[u8],
        bytes: &[u8],
        fits: impl FnOnce(&T) -> bool,
    ) -> Result<(T, Box<RawValue>), StoreError> {
        let value: T = self.decode(tree, key, bytes)?;
        if !fits(&value) {
            return Err(self.bad_key(tree, key, "the key its value gives"));
        }
        let corrupt = |detail: String| StoreError::Corrupt {
            tree,
            key: keys::describe(tree, key),
            detail,
        };
        let json = codec::json_of(bytes).map_err(|_| corrupt("no version byte".into()))?;
        let text = std::str::from_utf8(json).map_err(|e| corrupt(e.to_string()))?;
        // JSON may hold line breaks between its tokens, where a line of a
        // backup cannot. This store never writes any (serde_json writes
        // compact JSON); a value that has them is written afresh.
        let json = if text.contains(['\n', '\r']) {
            serde_json::from_str::<serde_json::Value>(text)
                .and_then(|json| serde_json::to_string(&json))
                .and_then(RawValue::from_string)
        } else {
            RawValue::from_string(text.to_owned())
        };
        Ok((value, json.map_err(|e| corrupt(e.to_string()))?))
    }

    /// A key of `tree` that is not `expected`.
    fn bad_key(&self, tree: &'static str, key: &[u8], expected: &str) -> StoreError {
        StoreError::Corrupt {
            tree,
            key: keys::describe(tree, key),
            detail: format!("the key is not {expected}"),
        }
    }
}

/// The lines of a backup on their way out, counted: whichever store they
/// come from, the same header, records and closing line.
pub(in crate::store) struct Writer<'a, W: Write> {
    out: CountingWriter<'a, W>,
    counts: Counts,
    watch: &'a mut dyn FnMut(&Counts) -> ControlFlow<()>,
}

impl<'a, W: Write> Writer<'a, W> {
    /// Writes the header of a backup stamped `written_at`, of a store
    /// whose hash key is `tombstone_key` (if it drew one) and whose last
    /// round of circles was `last_circle_round` (0: none yet).
    pub(in crate::store) fn start(
        out: &'a mut W,
        watch: &'a mut dyn FnMut(&Counts) -> ControlFlow<()>,
        written_at: DateTime<Utc>,
        tombstone_key: Option<&[u8]>,
        last_circle_round: u32,
    ) -> Result<Self, BackupError> {
        let mut writer = Writer {
            out: CountingWriter { out, bytes: 0 },
            counts: Counts::default(),
            watch,
        };
        writer.line(&Header {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            schema_version: SCHEMA_VERSION,
            // To the second: what a person reading the header needs.
            written_at: written_at.trunc_subsecs(0),
            tombstone_key: tombstone_key.map(hex::encode),
            last_circle_round: Some(last_circle_round).filter(|&round| round > 0),
        })?;
        Ok(writer)
    }

    /// Writes the closing line; what the backup holds.
    pub(in crate::store) fn finish(mut self) -> Result<Exported, BackupError> {
        let counts = self.counts;
        self.line(&Closing {
            end: FORMAT_NAME,
            counts: &counts,
        })?;
        Ok(Exported {
            counts,
            bytes: self.out.bytes,
        })
    }

    fn line(&mut self, line: &impl serde::Serialize) -> Result<(), BackupError> {
        serde_json::to_writer(&mut self.out, line).map_err(|e| match e.io_error_kind() {
            Some(_) => BackupError::Write(e.into()),
            // Our lines are structs of strings, numbers and JSON that was
            // checked: should one not encode, it is reported, not a panic.
            None => BackupError::Write(std::io::Error::other(e)),
        })?;
        self.out.write_all(b"\n").map_err(BackupError::Write)
    }

    /// Writes one record of `tree`, keyed by `id` or `key` when its value
    /// does not say where it goes.
    pub(in crate::store) fn record(
        &mut self,
        tree: &'static str,
        id: Option<u64>,
        key: Option<&str>,
        value: &RawValue,
    ) -> Result<(), BackupError> {
        self.line(&Record {
            tree,
            id,
            key,
            value,
        })?;
        *self.counts.of(tree) += 1;
        if self.counts.total().is_multiple_of(WATCH_EVERY)
            && let ControlFlow::Break(()) = (self.watch)(&self.counts)
        {
            return Err(BackupError::Stopped);
        }
        Ok(())
    }
}

/// A writer that counts the bytes through it.
struct CountingWriter<'a, W: Write> {
    out: &'a mut W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A backup file being written, whole or not at all: to `PATH.partial`
/// beside its path, synced, then renamed, and the rename synced.
pub(crate) struct BackupFile {
    partial: PathBuf,
    path: PathBuf,
}

impl BackupFile {
    /// Creates the partial file of a backup to be written to `path`, and
    /// the buffer to write it through.
    pub(crate) fn create(path: &Path) -> Result<(BackupFile, BufWriter<fs::File>), BackupError> {
        let partial = partial_path(path);
        let file =
            fs::File::create(&partial).map_err(BackupError::file("cannot create", &partial))?;
        let file_of = BackupFile {
            partial,
            path: path.to_owned(),
        };
        Ok((file_of, BufWriter::with_capacity(FILE_BUFFER, file)))
    }

    /// Puts the backup in place once `exported` says it was written whole
    /// to `out`; otherwise, or if that fails, removes the partial file.
    pub(crate) fn finish(
        self,
        out: BufWriter<fs::File>,
        exported: Result<Exported, BackupError>,
    ) -> Result<Exported, BackupError> {
        let placed = exported.and_then(|exported| {
            let file = out
                .into_inner()
                .map_err(|e| BackupError::Write(e.into_error()))?;
            file.sync_all().map_err(BackupError::Write)?;
            fs::rename(&self.partial, &self.path)
                .map_err(BackupError::file("cannot rename", &self.partial))?;
            // The parent of a bare file name is "", which does not open.
            let folder = self
                .path
                .parent()
                .filter(|folder| !folder.as_os_str().is_empty());
            sync_folder(folder.unwrap_or(Path::new(".")))?;
            Ok(exported)
        });
        if placed.is_err() {
            let _ = fs::remove_file(&self.partial);
        }
        placed
    }
}

/// `FILE.partial`, beside `file`: where a backup goes before it is whole.
fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(PARTIAL);
    file.with_file_name(name)
}
