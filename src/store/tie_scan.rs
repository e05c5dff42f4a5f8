//! Reading the whole tie index, as every nudge and digest job does first.
//!
//! Decoding the ties takes about half as long as reading them from
//! sled (50,000 ties: some 35 ms of decoding next to 70 ms of reading, in
//! a fresh process), so the two overlap: the calling thread walks the tree
//! and hands the stored bytes, in batches, to a thread that decodes them.
//! On two cores a scan then costs about what the reading does.

use super::{SledStore, StoreError};
use crate::domain::Tie;
use sled::IVec;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Ties handed to the decoding thread at a time: a channel message per
/// thousand ties costs nothing next to decoding them (about a millisecond),
/// and the decoder starts after the first thousand.
const BATCH: usize = 1024;

/// Batches the reader may be ahead of the decoder: bounds the stored bytes
/// held on the way (about 300 KB a batch).
const BATCHES_AHEAD: usize = 4;

/// What the reading thread hands on: keys and stored values.
type Batch = Vec<(IVec, IVec)>;

impl SledStore {
    /// Every tie, sorted by pair (the key order equals the pair order).
    pub fn ties(&self) -> Result<Vec<Tie>, StoreError> {
        std::thread::scope(|scope| {
            let (sender, batches) = sync_channel::<Batch>(BATCHES_AHEAD);
            let decoder = std::thread::Builder::new()
                .name("tie-decoder".into())
                .spawn_scoped(scope, move || self.decode_ties(batches));
            let Ok(decoder) = decoder else {
                // No thread to be had: decode here, one after the other.
                let mut ties = Vec::new();
                self.visit_tie_entries(|key, bytes| {
                    ties.push(self.decode_tie(&key, &bytes)?);
                    Ok(true)
                })?;
                return Ok(ties);
            };
            let read = self.send_tie_batches(&sender);
            // The decoder's queue ends here, and so does the decoder.
            drop(sender);
            let decoded = decoder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            read?;
            decoded
        })
    }

    /// Calls `visit` with the key and the stored bytes of every tie, in key
    /// order, decoding nothing: what reading the tie index costs by itself,
    /// the floor `benches/plan_tick` holds planning against.
    pub fn visit_tie_bytes(&self, mut visit: impl FnMut(&[u8], &[u8])) -> Result<(), StoreError> {
        self.visit_tie_entries(|key, bytes| {
            visit(&key, &bytes);
            Ok(true)
        })
    }

    /// Calls `visit` with every tie entry in key order, while it answers
    /// `true`.
    fn visit_tie_entries(
        &self,
        mut visit: impl FnMut(IVec, IVec) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        for entry in trees.ties.iter() {
            let (key, bytes) = entry?;
            if !visit(key, bytes)? {
                break;
            }
        }
        Ok(())
    }

    /// Reads every tie entry and sends them on in batches, until the tree
    /// ends or the decoder stops taking them (it found a value it cannot
    /// read, and reports it).
    fn send_tie_batches(&self, sender: &SyncSender<Batch>) -> Result<(), StoreError> {
        let mut batch = Vec::with_capacity(BATCH);
        self.visit_tie_entries(|key, bytes| {
            batch.push((key, bytes));
            if batch.len() < BATCH {
                return Ok(true);
            }
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            Ok(sender.send(full).is_ok())
        })?;
        if !batch.is_empty() {
            // A decoder that stopped has its error to report: nothing to add.
            let _ = sender.send(batch);
        }
        Ok(())
    }

    /// Decodes the batches in the order they come, stopping at the first
    /// value that does not decode.
    fn decode_ties(&self, batches: Receiver<Batch>) -> Result<Vec<Tie>, StoreError> {
        let mut ties = Vec::new();
        for batch in batches {
            for (key, bytes) in batch {
                ties.push(self.decode_tie(&key, &bytes)?);
            }
        }
        Ok(ties)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Interaction;
    use crate::store::StoreError;
    use crate::store::fixtures::{at_minute, meeting, open_temp};

    /// Everyone of `people` meets everyone else once: `n(n-1)/2` ties.
    fn everyone_meets(people: usize) -> Vec<Interaction> {
        let ids: Vec<String> = (0..people).map(|i| format!("U{i:03}")).collect();
        (0..people)
            .flat_map(|a| (a + 1..people).map(move |b| (a, b)))
            .map(|(a, b)| meeting(at_minute(0), &[ids[a].as_str(), ids[b].as_str()], None))
            .collect()
    }

    #[test]
    fn every_tie_comes_back_in_pair_order_across_batches() {
        let (_dir, store) = open_temp();
        // More ties than a batch holds, and not a whole number of batches.
        store.log_interactions(&everyone_meets(50)).unwrap();
        let ties = store.ties().unwrap();
        assert_eq!(ties.len(), 50 * 49 / 2);
        assert!(ties.len() > super::BATCH && ties.len() % super::BATCH != 0);
        assert!(ties.windows(2).all(|w| w[0].pair < w[1].pair));
        let mut visited = 0;
        store.visit_tie_bytes(|_, _| visited += 1).unwrap();
        assert_eq!(visited, ties.len());
    }

    #[test]
    fn an_unreadable_tie_in_a_later_batch_is_reported_with_its_key() {
        let (_dir, store) = open_temp();
        store.log_interactions(&everyone_meets(60)).unwrap();
        let late = store
            .trees()
            .unwrap()
            .ties
            .iter()
            .keys()
            .nth(1500)
            .unwrap()
            .unwrap();
        store
            .trees()
            .unwrap()
            .ties
            .insert(&late, &b"\x01{not json"[..])
            .unwrap();
        let error = store.ties().unwrap_err();
        assert!(
            matches!(&error, StoreError::Corrupt { tree: "ties", key, .. } if key.contains("U0")),
            "{error:?}"
        );
        let mut newer = store
            .trees()
            .unwrap()
            .ties
            .get(&late)
            .unwrap()
            .unwrap()
            .to_vec();
        newer[0] = 9;
        store.trees().unwrap().ties.insert(&late, newer).unwrap();
        assert!(matches!(
            store.ties().unwrap_err(),
            StoreError::NewerSchema { found: 9, .. }
        ));
    }
}
