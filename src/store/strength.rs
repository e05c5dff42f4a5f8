//! The half-life the tie index was built with, and its rebuild.
//!
//! Each tie keeps its interactions' decayed sums (see
//! [`crate::domain::KindSums`]), which depend on the half-life. The `meta`
//! tree records the half-life the index was built with; opening the store
//! with another one (a changed `rules.half_life_days`), or a store from
//! before tie strength, folds the index afresh from the interaction log.

use super::interactions::{next_tie, pairs_of};
use super::{Store, StoreError, keys, meta, trees};
use crate::domain::Tie;
use std::collections::BTreeMap;

impl Store {
    /// Makes sure the tie index decays with this store's half-life,
    /// rebuilding it from the log when it was built with another.
    pub(super) fn match_tie_half_life(&self) -> Result<(), StoreError> {
        let wanted = self.half_life.in_days();
        let built_with = match self.meta.get(meta::TIE_HALF_LIFE)? {
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
        if !self.interactions.is_empty() {
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
        self.meta
            .insert(meta::TIE_HALF_LIFE, &wanted.to_be_bytes())?;
        self.flush()
    }

    /// Folds every tie afresh from the log, in log order, and replaces the
    /// index with the result. Holds the log writer lock throughout; the
    /// folded ties are held in memory (about 200 bytes each).
    pub(super) fn rebuild_ties(&self) -> Result<usize, StoreError> {
        let _writer = self.lock_log_writer();
        let mut ties: BTreeMap<Vec<u8>, Tie> = BTreeMap::new();
        for entry in self.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            for pair in pairs_of(&interaction) {
                let key = keys::tie(&pair);
                let known = ties.remove(&key);
                ties.insert(key, next_tie(known, &pair, &interaction, self.half_life));
            }
        }
        let mut batch = sled::Batch::default();
        for (key, tie) in &ties {
            batch.insert(key.as_slice(), self.encode(trees::TIES, key, tie)?);
        }
        // Every pair in the log has a tie, and every tie has a pair in the
        // log (forgetting removes both), so the rebuilt index replaces each
        // entry of the old one.
        self.ties.apply_batch(batch)?;
        Ok(ties.len())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{HalfLife, Weights};
    use crate::store::fixtures::{at_minute, meeting};
    use crate::store::{Store, StoreOptions};

    #[test]
    fn a_new_half_life_rebuilds_the_tie_index_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let at_day = |day: i64| at_minute(day * 24 * 60);
        {
            let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
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
            half_life: HalfLife::days(45.0).unwrap(),
            ..StoreOptions::default()
        };
        let store = Store::open(dir.path(), &faster).unwrap();
        let tie = &store.ties().unwrap()[0];
        assert!((tie.strength_at_last(&Weights::default()) - 1.25).abs() < 1e-9);
        assert_eq!(tie.count, 2);
    }
}
