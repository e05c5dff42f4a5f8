//! Erasing on disk what a forget erased from the store: the store copied
//! into fresh files, which take the place of the old ones while the bot
//! serves.
//!
//! sled 0.34 writes every change to a log and keeps what it replaced in
//! the log's segments until it happens to reuse them, so a person removed
//! from every tree is still in the folder's `db` file, byte for byte. Only
//! a copy of what the trees hold now, into a new sled database, leaves
//! them out. A forget (and a purge) marks the store as due for one
//! (`meta.rewrite_due`, in the same transaction) and wakes whoever waits
//! on [`SledStore::rewrite_wanted`]; `serve` then runs
//! [`SledStore::rewrite_if_due`] at once, and again every half minute
//! while one is due (one the process stopped before), or ten minutes
//! after one that failed.
//!
//! The rewrite holds the store's write lock throughout (see `handles`):
//! requests wait for it, and no write lands in the old files after they
//! were copied. The copy takes about as long as an import of the same
//! store (docs/performance.md gives figures); people's requests wait that
//! long.
//!
//! The files, inside the data folder (one file system, so every move is a
//! rename; see `backup::replace` for why inside):
//!
//! 1. The fresh store is built in `rewriting/`: every tree copied in
//!    batches, but the rewrite's own mark; flushed, closed, and its id
//!    counter set above every id the old store drew. Then the mark
//!    `rewriting/whole` is written and synced.
//! 2. The old store's files are moved into `rewritten-from/`, and the mark
//!    `rewritten-from/all-here` is written and synced.
//! 3. The fresh store's files are moved into the data folder (`db` last),
//!    the folder is synced, `rewriting/whole` is removed, then
//!    `rewriting/`.
//! 4. The fresh store is opened and its handles take the old ones' place;
//!    then `rewritten-from/` is deleted.
//!
//! Crash safety. Until `whole` exists, the data folder holds the old store
//! untouched: a process that dies then leaves a partial copy, which the
//! next open deletes, and the store still due, so the rewrite runs again.
//! Once `whole` exists, the fresh store is complete on disk and the next
//! open finishes steps 2 and 3 from wherever they stopped: without
//! `all-here`, every sled file in the data folder is an old one still to
//! move out; with it, every sled file in the data folder is a new one and
//! those left in `rewriting/` still move in. `whole` goes only once the
//! data folder holds the whole fresh store, so neither copy is ever the
//! only one while it is being moved. `rewritten-from/` without `whole` is
//! only old files, deleted at the next open.
//!
//! Should the fresh store not open in step 4 (a disk failing), the store
//! is closed (every call fails with [`StoreError::Closed`]) rather than go
//! on writing into files that are no longer in the folder; a restart opens
//! the fresh store.

use super::handles::Trees;
use super::sled_files::{
    draw_ids_above, move_sled_entries, remove_entry, sync_folder, wait_until_closed, write_synced,
};
use super::{SledStore, StoreError, StoreOptions, meta, trees};
use std::path::Path;
use std::time::{Duration, Instant};

/// Where the fresh store is built, inside the data folder.
pub(super) const REWRITING: &str = "rewriting";

/// The mark in `rewriting/` that the fresh store is whole and closed.
pub(super) const WHOLE: &str = "whole";

/// Where the old store's files go on their way out.
pub(super) const REWRITTEN_FROM: &str = "rewritten-from";

/// The mark in `rewritten-from/` that every old file is in it.
pub(super) const ALL_HERE: &str = "all-here";

/// Records copied per sled batch, as an import writes them (see
/// `backup::read`).
const BATCH: usize = super::backup::WRITE_BATCH;

/// What a rewrite did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rewritten {
    /// The records copied, of every tree.
    pub records: u64,
    /// How long the store was held for it.
    pub took: Duration,
}

impl SledStore {
    /// Whether a forget (or a purge) left something in sled's files that a
    /// rewrite has not erased yet.
    pub fn rewrite_due(&self) -> Result<bool, StoreError> {
        Ok(self.trees()?.meta.contains_key(meta::REWRITE_DUE)?)
    }

    /// Returns once a forget or a purge asks for a rewrite (at once if one
    /// asked since the last call returned).
    pub async fn rewrite_wanted(&self) {
        self.rewrite_wanted.notified().await;
    }

    /// Marks the store as due for a rewrite, for writers outside a
    /// transaction, and wakes whoever waits for one. Does not flush.
    pub(super) fn ask_for_rewrite(&self) -> Result<(), StoreError> {
        self.trees()?.meta.insert(meta::REWRITE_DUE, DUE)?;
        self.rewrite_wanted.notify_one();
        Ok(())
    }

    /// Copies the store into fresh files and puts them in place of the old
    /// ones (see the module doc), if a forget or a purge asked for it.
    /// Blocks every other call of the store meanwhile: run it off the
    /// async workers.
    pub fn rewrite_if_due(&self) -> Result<Option<Rewritten>, StoreError> {
        if !self.rewrite_due()? {
            return Ok(None);
        }
        let started = Instant::now();
        let mut current = self.current.write();
        let Some(old) = current.as_ref() else {
            return Err(StoreError::Closed {
                path: self.path.clone(),
            });
        };
        // Another caller may have rewritten it while this one waited.
        if !old.meta.contains_key(meta::REWRITE_DUE)? {
            return Ok(None);
        }
        let rewriting = self.path.join(REWRITING);
        // Left by a rewrite that failed: old files, or a partial copy.
        for leftover in [&rewriting, &self.path.join(REWRITTEN_FROM)] {
            if leftover.exists() {
                remove_entry(leftover)?;
            }
        }
        let records = match self.build_copy(old, &rewriting) {
            Ok(records) => records,
            Err(error) => {
                let _ = remove_entry(&rewriting);
                return Err(error);
            }
        };
        let options = StoreOptions {
            cache_capacity_bytes: self.cache_capacity_bytes,
            half_life: self.half_life,
        };
        let fresh = finish_swap(&self.path).and_then(|()| Trees::open(&self.path, &options));
        match fresh {
            // The old handles go here: sled writes what it holds into the
            // old files, by then out of the folder, and lets go of them.
            Ok(fresh) => *current = Some(fresh),
            Err(error) => {
                *current = None;
                return Err(error);
            }
        }
        drop(current);
        let took = started.elapsed();
        let removed =
            remove_entry(&self.path.join(REWRITTEN_FROM)).and_then(|()| sync_folder(&self.path));
        if let Err(error) = removed {
            // The old files still hold what was erased: try again later.
            self.ask_for_rewrite()?;
            return Err(error);
        }
        // The same records in new files; read them from those.
        self.people_cache.outdated();
        Ok(Some(Rewritten { records, took }))
    }

    /// Step 1: the fresh store in `rewriting`, whole, closed and marked so.
    /// The caller holds the write lock, so `old` changes no more.
    fn build_copy(&self, old: &Trees, rewriting: &Path) -> Result<u64, StoreError> {
        old.db.flush()?;
        // Above every id the old store ever drew, written or not yet.
        let highest = old.db.generate_id()?;
        std::fs::create_dir(rewriting).map_err(|cause| StoreError::File {
            doing: "cannot create",
            path: rewriting.to_path_buf(),
            cause,
        })?;
        let fresh = sled::Config::new()
            .path(rewriting)
            .cache_capacity(self.cache_capacity_bytes)
            .open()?;
        let mut records = 0;
        for name in old.db.tree_names() {
            let (from, to) = (old.db.open_tree(&name)?, fresh.open_tree(&name)?);
            let mut batch = sled::Batch::default();
            let mut batched = 0;
            for entry in from.iter() {
                let (key, value) = entry?;
                if *name == *trees::META.as_bytes() && *key == *meta::REWRITE_DUE {
                    continue;
                }
                batch.insert(key, value);
                batched += 1;
                if batched == BATCH {
                    to.apply_batch(std::mem::take(&mut batch))?;
                    records += batched as u64;
                    batched = 0;
                }
            }
            to.apply_batch(batch)?;
            records += batched as u64;
        }
        fresh.flush()?;
        drop(fresh);
        wait_until_closed(rewriting)?;
        draw_ids_above(rewriting, highest)?;
        write_synced(&rewriting.join(WHOLE), "")?;
        sync_folder(rewriting)?;
        Ok(records)
    }
}

/// What `meta.rewrite_due` holds when set.
pub(super) const DUE: &[u8] = &[1];

/// Finishes a rewrite that a process stopped in, or undoes one that had
/// not copied the store whole yet (see the module doc), once sled's
/// threads have let go of a store this process dropped a moment ago. Run
/// while holding the folder (`sled_files::FolderHold`), before opening
/// the store in `dir`: a running bot's rewrite looks the same.
pub(super) fn recover(dir: &Path) -> Result<(), StoreError> {
    wait_until_closed(dir)?;
    let rewriting = dir.join(REWRITING);
    if rewriting.join(WHOLE).exists() {
        tracing::warn!(path = %dir.display(), "finishing a rewrite of the store that was stopped half-way");
        finish_swap(dir)?;
    } else if rewriting.exists() {
        remove_entry(&rewriting)?;
    }
    let outgoing = dir.join(REWRITTEN_FROM);
    if outgoing.exists() {
        remove_entry(&outgoing)?;
        sync_folder(dir)?;
    }
    Ok(())
}

/// Steps 2 and 3: the old files out of `dir`, the fresh ones in, from
/// wherever a stopped process left them.
fn finish_swap(dir: &Path) -> Result<(), StoreError> {
    let (rewriting, outgoing) = (dir.join(REWRITING), dir.join(REWRITTEN_FROM));
    if !outgoing.join(ALL_HERE).exists() {
        std::fs::create_dir_all(&outgoing).map_err(|cause| StoreError::File {
            doing: "cannot create",
            path: outgoing.clone(),
            cause,
        })?;
        move_sled_entries(dir, &outgoing)?;
        sync_folder(&outgoing)?;
        write_synced(&outgoing.join(ALL_HERE), "")?;
        sync_folder(dir)?;
    }
    move_sled_entries(&rewriting, dir)?;
    sync_folder(dir)?;
    remove_entry(&rewriting.join(WHOLE))?;
    remove_entry(&rewriting)?;
    sync_folder(dir)
}

#[cfg(test)]
mod tests;
