//! The `logged_keys` tree: the idempotency key of every interaction logged
//! with [`SledStore::log_interaction_once`], valued by the interaction's id.
//!
//! A *We met* click or a `/met` that Slack delivers twice must log one
//! meeting. The key is written in the same transaction as the interaction,
//! its ties and the count, so a crash leaves both or neither: never a key
//! without its interaction (a meeting lost), nor an interaction without its
//! key (a meeting logged twice on the retry). Keys are kept for good: they
//! are small, and a retry may come long after [`SledStore::prune_deliveries`]
//! forgot the delivery.
//!
//! Privacy: the keys are opaque ids chosen by the caller (a command's
//! trigger id; a *We met* press's keyed hash of the two and the day) and
//! the values are interaction ids, so this
//! tree holds no personal data and [`SledStore::forget_person`] leaves it as it
//! is; a key whose interaction was forgotten keeps a retry from logging it
//! again. Callers must keep it so: never build a key from a user id in
//! the clear, only through [`OnceKeys`](super::OnceKeys), which hashes
//! it under the store's key.

use super::interactions::{BULK_CHUNK, Entry, from_transaction};
use super::{Logged, SledStore, StoreError, keys, trees};
use crate::domain::Interaction;
use rustc_hash::FxHashSet;
use sled::Transactional;

impl SledStore {
    /// Logs `interaction` as [`SledStore::log_interaction`] does, unless `key`
    /// was logged before: then nothing is written and the answer is `None`.
    /// The key, the interaction, its ties and the count are written in one
    /// transaction. Does not flush.
    pub fn log_interaction_once(
        &self,
        key: &str,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        let once_key = keys::logged_key(key);
        // Every writer of this tree holds the lock, so this answer stands
        // until the transaction; it saves drawing an id for a repeat.
        if trees.logged_keys.contains_key(once_key)? {
            return Ok(None);
        }
        let append = self.prepare_append(interaction, self.interaction_count() + 1)?;
        let id = self.encode(trees::LOGGED_KEYS, once_key, &append.id())?;
        let new_ties = (
            &trees.interactions,
            &trees.ties,
            &trees.meta,
            &trees.logged_keys,
        )
            .transaction(|(log_tx, ties_tx, meta_tx, keys_tx)| {
                if keys_tx.get(once_key)?.is_some() {
                    return Ok(None);
                }
                keys_tx.insert(once_key, id.as_slice())?;
                self.append_in(&append, log_tx, ties_tx, meta_tx).map(Some)
            })
            .map_err(from_transaction)?;
        Ok(new_ties.map(|new_ties| self.appended(append, new_ties)))
    }

    /// Logs each interaction of `batch` under its key as
    /// [`SledStore::log_interaction_once`] would, in order, and answers how
    /// many were new: a key logged before, or earlier in the batch, logs
    /// nothing. Written as [`SledStore::log_interactions`] writes, in
    /// transactions of many, each with its keys: a failure leaves the
    /// chunks before it logged, and the same batch again logs the rest.
    /// What a calendar read or a history import logs. Does not flush.
    pub fn log_interactions_once(
        &self,
        batch: &[(&str, &Interaction)],
    ) -> Result<usize, StoreError> {
        self.log_interactions_once_in_chunks(batch, BULK_CHUNK)
    }

    /// [`SledStore::log_interactions_once`] with a chunk length of the caller's
    /// choosing, so that tests cross chunk boundaries with a few.
    pub(super) fn log_interactions_once_in_chunks(
        &self,
        batch: &[(&str, &Interaction)],
        chunk_len: usize,
    ) -> Result<usize, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        let mut new = 0;
        for chunk in batch.chunks(chunk_len.max(1)) {
            // Every writer of the keys holds the lock, so what is absent
            // now stays absent until this chunk is written; the chunks
            // before it are written, so only this chunk can repeat a key.
            let mut in_chunk = FxHashSet::default();
            let mut fresh: Vec<Entry<'_>> = Vec::new();
            for &(key, interaction) in chunk {
                if in_chunk.insert(key) && !trees.logged_keys.contains_key(keys::logged_key(key))? {
                    fresh.push((Some(key), interaction));
                }
            }
            if !fresh.is_empty() {
                self.log_chunk(&fresh)?;
                new += fresh.len();
            }
        }
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Interaction;
    use crate::store::fixtures::{
        any_interaction, at_minute, meeting, open_temp, ties_folded_from, write_unreadable_tie,
    };
    use crate::store::interactions::BULK_CHUNK;
    use crate::store::{SledStore, StoreError, keys};
    use proptest::prelude::*;

    /// The interactions of `store`'s log, in log order, without their ids.
    fn logged(store: &SledStore) -> Vec<Interaction> {
        let log = store.interactions().unwrap();
        log.into_iter()
            .map(|(_, interaction)| interaction)
            .collect()
    }

    /// Every key of the `logged_keys` tree, in order.
    fn once_keys(store: &SledStore) -> Vec<Vec<u8>> {
        let keys = store.trees().unwrap().logged_keys.iter().keys();
        keys.map(|key| key.unwrap().to_vec()).collect()
    }

    #[test]
    fn an_interaction_under_a_repeated_key_is_logged_once() {
        let (_dir, store) = open_temp();
        let coffee = meeting(at_minute(0), &["U1", "U2"], Some("coffee"));
        let first = store.log_interaction_once("A1", &coffee).unwrap();
        let first = first.expect("the first delivery logs");
        assert_eq!(first.new_ties.len(), 1);
        for _ in 0..3 {
            assert_eq!(store.log_interaction_once("A1", &coffee).unwrap(), None);
        }
        assert_eq!(store.interactions().unwrap(), [(first.id, coffee.clone())]);
        assert_eq!(store.interaction_count(), 1);
        assert_eq!(store.ties().unwrap()[0].count, 1);

        // Another key is another meeting, even an identical one.
        let second = store.log_interaction_once("A2", &coffee).unwrap();
        assert!(second.is_some_and(|logged| logged.id > first.id));
        assert_eq!(store.interaction_count(), 2);
        let log = store.interactions().unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
    }

    #[test]
    fn when_logging_fails_its_key_is_not_recorded_so_the_retry_logs() {
        let (_dir, store) = open_temp();
        let pair = write_unreadable_tie(&store, "U1", "U2");
        let coffee = meeting(at_minute(0), &["U1", "U2"], None);
        let failed = store.log_interaction_once("A1", &coffee);
        assert!(
            matches!(failed, Err(StoreError::Corrupt { .. })),
            "{failed:?}"
        );
        assert!(store.trees().unwrap().logged_keys.is_empty());
        assert_eq!(store.interaction_count(), 0);

        store
            .trees()
            .unwrap()
            .ties
            .remove(keys::tie(&pair))
            .unwrap();
        assert!(store.log_interaction_once("A1", &coffee).unwrap().is_some());
        assert_eq!(store.log_interaction_once("A1", &coffee).unwrap(), None);
    }

    #[test]
    fn a_logged_key_is_remembered_across_reopening_and_agrees_with_the_count() {
        let (dir, store) = open_temp();
        let lunch = meeting(at_minute(5), &["U1", "U2", "U3"], None);
        assert!(store.log_interaction_once("T9", &lunch).unwrap().is_some());
        store
            .log_interaction(&meeting(at_minute(6), &["U2", "U3"], None))
            .unwrap();
        store.flush().unwrap();
        drop(store);

        let store = crate::store::fixtures::reopen(dir.path()).unwrap();
        assert_eq!(store.log_interaction_once("T9", &lunch).unwrap(), None);
        assert_eq!(store.interaction_count(), 2);
        assert_eq!(store.interactions().unwrap().len(), 2);
    }

    #[test]
    fn a_batch_logs_each_key_once_even_when_it_repeats_inside_the_batch() {
        let (_dir, store) = open_temp();
        let coffee = meeting(at_minute(0), &["U1", "U2"], None);
        let lunch = meeting(at_minute(60), &["U1", "U3"], None);
        assert!(store.log_interaction_once("C", &coffee).unwrap().is_some());

        let batch = [("C", &coffee), ("L", &lunch), ("L", &lunch), ("C", &coffee)];
        assert_eq!(store.log_interactions_once(&batch).unwrap(), 1);
        assert_eq!(logged(&store), [coffee.clone(), lunch.clone()]);
        assert_eq!(store.interaction_count(), 2);
        assert_eq!(store.log_interactions_once(&batch).unwrap(), 0);
        assert_eq!(store.log_interaction_once("L", &lunch).unwrap(), None);
        assert_eq!(store.log_interactions_once(&[]).unwrap(), 0);
    }

    #[test]
    fn when_a_batch_fails_its_chunk_leaves_neither_keys_nor_interactions() {
        let (_dir, store) = open_temp();
        let pair = write_unreadable_tie(&store, "U1", "U2");
        let fine = meeting(at_minute(0), &["U3", "U4"], None);
        let broken = meeting(at_minute(1), &["U1", "U2"], None);
        let batch = [("F", &fine), ("B", &broken)];
        let u3 = crate::store::fixtures::user("U3");
        assert!(store.ties_of(&u3).unwrap().is_empty(), "builds the index");
        let failed = store.log_interactions_once(&batch);
        assert!(
            matches!(failed, Err(StoreError::Corrupt { .. })),
            "{failed:?}"
        );
        assert!(once_keys(&store).is_empty());
        assert_eq!(store.interaction_count(), 0);
        assert!(store.ties_of(&u3).unwrap().is_empty());

        store
            .trees()
            .unwrap()
            .ties
            .remove(keys::tie(&pair))
            .unwrap();
        assert_eq!(store.log_interactions_once(&batch).unwrap(), 2);
        assert_eq!(logged(&store), [fine, broken]);
        assert_eq!(
            store.ties_of(&u3).unwrap().len(),
            1,
            "the index learnt the new tie"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Batches of any length, in chunks of any length, with keys that
        /// repeat within and across batches, do what logging each once
        /// does: the same log, ties, count, keys and number of new ones.
        #[test]
        fn a_batch_logged_once_equals_logging_each_once(
            batches in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        (proptest::sample::select(vec!["a", "b", "c", "d", "e", "f"]),
                         any_interaction(&["U1", "U2", "U3", "U4", "W5"])),
                        0..10,
                    ),
                    prop_oneof![Just(1), Just(3), Just(BULK_CHUNK)],
                ),
                1..5,
            )
        ) {
            let (_one_dir, one_by_one) = open_temp();
            let (_batch_dir, batched) = open_temp();
            for (batch, chunk_len) in &batches {
                let mut new = 0;
                for (key, interaction) in batch {
                    new += usize::from(one_by_one.log_interaction_once(key, interaction).unwrap().is_some());
                }
                let batch: Vec<(&str, &Interaction)> =
                    batch.iter().map(|(key, interaction)| (*key, interaction)).collect();
                prop_assert_eq!(
                    batched.log_interactions_once_in_chunks(&batch, *chunk_len).unwrap(),
                    new
                );
            }
            prop_assert_eq!(logged(&batched), logged(&one_by_one));
            prop_assert_eq!(batched.ties().unwrap(), ties_folded_from(&batched.interactions().unwrap()));
            prop_assert_eq!(batched.ties().unwrap(), one_by_one.ties().unwrap());
            prop_assert_eq!(batched.interaction_count(), one_by_one.interaction_count());
            prop_assert_eq!(once_keys(&batched), once_keys(&one_by_one));
        }
    }
}
