//! The half-life the tie index was built with, and its rebuild.
//!
//! Each tie keeps its interactions' decayed sums (see
//! [`crate::domain::KindSums`]), which depend on the half-life. The `meta`
//! tree records the half-life the index was built with; opening the store
//! with another one (a changed `rules.half_life_days`), or a store from
//! before tie strength, folds the index afresh from the interaction log.

use super::backup::WRITE_BATCH;
use super::interactions::{next_tie, pairs_of};
use super::{SledStore, StoreError, keys, meta, trees};
use crate::domain::Tie;
use std::collections::BTreeMap;

impl SledStore {
    /// Makes sure the tie index decays with this store's half-life,
    /// rebuilding it from the log when it was built with another.
    pub(super) fn match_tie_half_life(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let wanted = self.half_life.in_days();
        let built_with = match trees.meta.get(meta::TIE_HALF_LIFE)? {
            Some(bytes) => Some(
                <[u8; 8]>::try_from(bytes.as_ref())
                    .map(f64::from_be_bytes)
                    .map_err(|_| self.corrupt_meta(meta::TIE_HALF_LIFE, "not an 8-byte number"))?,
            ),
            None => None,
        };
        if built_with == Some(wanted) {
            return Ok(());
        }
        if !trees.interactions.is_empty() {
            let started = std::time::Instant::now();
            let ties = self.rebuild_ties()?;
            tracing::info!(
                ties,
                half_life_days = wanted,
                was = ?built_with,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "rebuilt the tie index for a new half-life"
            );
        }
        trees
            .meta
            .insert(meta::TIE_HALF_LIFE, &wanted.to_be_bytes())?;
        self.flush()
    }

    /// Folds every tie afresh from the log, in log order, and replaces the
    /// index with the result; returns how many ties there are. Holds the log
    /// writer lock throughout.
    ///
    /// The fold goes a slice of the log at a time: the ties a slice touches
    /// are read from the tree, updated in memory and written in one batch,
    /// so memory stays that of a slice whatever the size of the log (sled
    /// is memory-hungry on large batches; see `WRITE_BATCH`). Should the
    /// process stop half-way, the half-life is not yet recorded (see
    /// [`SledStore::match_tie_half_life`]), so the next open folds again.
    pub(super) fn rebuild_ties(&self) -> Result<usize, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        // Every pair in the log has a tie, and every tie has a pair in the
        // log (forgetting removes both): the fold rebuilds every entry.
        trees.ties.clear()?;
        self.tie_peers.outdated();
        let mut touched: BTreeMap<Vec<u8>, Tie> = BTreeMap::new();
        let mut in_slice = 0;
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            for pair in pairs_of(&interaction) {
                let key = keys::tie(&pair);
                let known = match touched.remove(&key) {
                    Some(tie) => Some(tie),
                    None => match trees.ties.get(&key)? {
                        Some(bytes) => Some(self.decode(trees::TIES, &key, &bytes)?),
                        None => None,
                    },
                };
                touched.insert(key, next_tie(known, &pair, &interaction, self.half_life));
            }
            in_slice += 1;
            if in_slice == WRITE_BATCH {
                self.write_ties(std::mem::take(&mut touched))?;
                in_slice = 0;
            }
        }
        self.write_ties(touched)?;
        Ok(trees.ties.len())
    }

    /// Writes `ties` into the tie index in one batch.
    fn write_ties(&self, ties: BTreeMap<Vec<u8>, Tie>) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let mut batch = sled::Batch::default();
        for (key, tie) in &ties {
            batch.insert(key.as_slice(), self.encode(trees::TIES, key, tie)?);
        }
        trees.ties.apply_batch(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{HalfLife, Weights};
    use crate::store::fixtures::{at_minute, meeting};
    use crate::store::{SledStore, StoreOptions};

    #[test]
    fn a_new_half_life_rebuilds_the_tie_index_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let at_day = |day: i64| at_minute(day * 24 * 60);
        {
            let store = SledStore::open(dir.path(), &StoreOptions::default()).unwrap();
            store
                .log_interaction(&meeting(at_day(0), &["U1", "U2"], None))
                .unwrap();
            store
                .log_interaction(&meeting(at_day(90), &["U1", "U2"], None))
                .unwrap();
            let tie = &store.ties().unwrap()[0];
            assert!((tie.strength_at_last(&Weights::default()) - 1.5).abs() < 1e-9);
            store.flush().unwrap();
        }
        let faster = StoreOptions {
            half_life: HalfLife::try_from(45.0).unwrap(),
            ..StoreOptions::default()
        };
        let store = SledStore::open(dir.path(), &faster).unwrap();
        let tie = &store.ties().unwrap()[0];
        assert!((tie.strength_at_last(&Weights::default()) - 1.25).abs() < 1e-9);
        assert_eq!(tie.count, 2);
    }

    #[test]
    fn a_fold_across_many_slices_equals_the_fold_of_the_whole_log() {
        let (_dir, store) = crate::store::fixtures::open_temp();
        let pairs = [["U1", "U2"], ["U2", "U3"], ["U3", "U1"], ["U4", "U1"]];
        let log: Vec<_> = (0..2_500)
            .map(|i| meeting(at_minute(1_000 - i as i64 % 700), &pairs[i % 4], None))
            .collect();
        store.log_interactions(&log).unwrap();
        let before = store.ties().unwrap();
        assert_eq!(store.rebuild_ties().unwrap(), 4);
        assert_eq!(store.ties().unwrap(), before);
        let logged = store.interactions().unwrap();
        assert_eq!(before, crate::store::fixtures::ties_folded_from(&logged));
    }
}
