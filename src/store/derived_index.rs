//! What the store's in-memory indexes derived from the tie keys share: the
//! team-pair index (`team_pairs`) and the peer index (`tie_peers`). Each
//! lives in a slot that is empty until the first read builds it, is kept
//! current as new pairs are logged, and is emptied, to be built again on
//! the next read, after any write that may have changed it otherwise. Also
//! the read of every tie's two ids, which both builds start from.
//!
//! Consistency: ties are only written under the log-writer lock; a build
//! holds it too, and the writers of new pairs add them to the index before
//! they release it, so an index never lacks a tie that is on disk. Every
//! emptying bumps a generation, and a build installs its index only if the
//! generation it read before it scanned is still current: a write that
//! lands without that lock (a person's team, for the team pairs), or a
//! removal racing the build, cannot leave a stale index behind.

use super::{SledStore, StoreError, keys, trees};
use crate::domain::PairKey;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// An index that learns of each new tie.
pub(super) trait TieIndex {
    /// Records a tie between the people with ids `a` and `b`.
    fn tie(&mut self, a: &str, b: &str);
}

/// The slot of one derived index; one per store, shared by its clones.
#[derive(Debug)]
pub(super) struct DerivedIndex<I> {
    /// `None` until built, and after anything that may have made it stale.
    /// A std Mutex: held for a few look-ups, never across a read of sled.
    index: Mutex<Option<I>>,
    /// Bumped by every emptying (see the module doc).
    generation: AtomicU64,
}

impl<I> Default for DerivedIndex<I> {
    fn default() -> Self {
        Self {
            index: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }
}

impl<I: TieIndex> DerivedIndex<I> {
    fn lock(&self) -> MutexGuard<'_, Option<I>> {
        // Poisoning is ignored: every change is one insert or a replacement
        // of the whole, which a panic cannot leave half-way.
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// After a write has landed that may have changed the index otherwise
    /// than by new pairs (ties removed or added in bulk, people changed):
    /// it is built again on the next read.
    pub(super) fn outdated(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.lock() = None;
    }

    /// After `new_ties` were written, under the log-writer lock.
    pub(super) fn ties_added(&self, new_ties: &[PairKey]) {
        if let Some(index) = self.lock().as_mut() {
            for pair in new_ties {
                index.tie(pair.low().as_str(), pair.high().as_str());
            }
        }
    }

    /// `read` of the index of `store`, built first by `build` if it is not
    /// (see the module doc).
    pub(super) fn read<T>(
        &self,
        store: &SledStore,
        build: impl FnOnce(&SledStore) -> Result<I, StoreError>,
        read: impl Fn(&I) -> T,
    ) -> Result<T, StoreError> {
        if let Some(index) = self.lock().as_ref() {
            return Ok(read(index));
        }
        // Ties stand still while the index is built: their writers hold this.
        let _writer = store.lock_log_writer();
        if let Some(index) = self.lock().as_ref() {
            return Ok(read(index));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let index = build(store)?;
        let answer = read(&index);
        let mut slot = self.lock();
        if self.generation.load(Ordering::SeqCst) == generation {
            *slot = Some(index);
        }
        Ok(answer)
    }
}

impl SledStore {
    /// Calls `visit` with the two ids of every tie, lower first, from the
    /// keys of the `ties` tree alone (no value is read).
    pub(super) fn visit_tie_ids(
        &self,
        mut visit: impl FnMut(&str, &str),
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        for entry in trees.ties.iter().keys() {
            let key = entry?;
            let (a, b) = tie_ids(&key)?;
            visit(a, b);
        }
        Ok(())
    }
}

/// The two ids of the tie key `key`, or why it is not one.
pub(super) fn tie_ids(key: &[u8]) -> Result<(&str, &str), StoreError> {
    keys::tie_ids(key).ok_or_else(|| StoreError::Corrupt {
        tree: trees::TIES,
        key: keys::describe(trees::TIES, key),
        detail: "the key is not two ids".into(),
    })
}
