//! The `interactions` and `ties` trees: the interaction log and the tie
//! index aggregated from it.
//!
//! Every write holds the log-writer lock and updates both trees (and the
//! count in `meta`) in one sled transaction, so the tie of a pair is always
//! the fold of [`Tie::first`] and [`Tie::record`] over that pair's
//! interactions in log order. The writes are here, in
//! [`log_interaction_once`](SledStore::log_interaction_once) (which shares
//! [`SledStore::append_in`]) and in
//! [`forget_person`](SledStore::forget_person).
//! The rules read ties, never the log; reading all of them is in
//! `tie_scan`.

use super::{SledStore, StoreError, codec, keys, meta, trees};
use crate::domain::{HalfLife, Interaction, PairKey, Tie};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};
use std::collections::btree_map::Entry::{Occupied, Vacant};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

/// How many interactions a bulk load writes per transaction. sled holds a
/// transaction's writes in memory and is memory-hungry on large writes (3.3
/// GB for a million small entries in one go), so a seed of a company's
/// history lands in slices this size: a few MB each.
pub(super) const BULK_CHUNK: usize = 10_000;

/// One interaction of a chunk, with the key it is logged once under, if
/// any.
pub(super) type Entry<'a> = (Option<&'a str>, &'a Interaction);

/// What logging one interaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its id in the log; ids grow in log order.
    pub id: u64,
    /// The pairs who met for the first time, in pair order: the new
    /// alliances the digest celebrates.
    pub new_ties: Vec<PairKey>,
}

impl SledStore {
    /// Appends `interaction` to the log and updates the tie of each pair in
    /// it, atomically. Does not flush: call [`SledStore::flush`] before telling
    /// anyone it was logged.
    pub fn log_interaction(&self, interaction: &Interaction) -> Result<Logged, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        let append = self.prepare_append(interaction, self.interaction_count() + 1)?;
        let new_ties = (&trees.interactions, &trees.ties, &trees.meta)
            .transaction(|(log_tx, ties_tx, meta_tx)| {
                self.append_in(&append, log_tx, ties_tx, meta_tx)
            })
            .map_err(from_transaction)?;
        Ok(self.appended(append, new_ties))
    }

    /// Draws the id of `interaction` and encodes it, ready for
    /// [`SledStore::append_in`], to bring the interaction count to `count`. The
    /// caller holds the writer lock.
    pub(super) fn prepare_append<'a>(
        &self,
        interaction: &'a Interaction,
        count: usize,
    ) -> Result<Append<'a>, StoreError> {
        let trees = self.trees()?;
        // Taken outside the transaction, which sled may retry: a retry must
        // not draw a second id.
        let id = trees.db.generate_id()?;
        let key = keys::interaction(id);
        let value = self.encode(trees::INTERACTIONS, &key, interaction)?;
        Ok(Append {
            id,
            interaction,
            key,
            value,
            pairs: pairs_of(interaction),
            count,
        })
    }

    /// Writes `append` inside a transaction over the log, the ties and
    /// `meta`: the interaction, the tie of each of its pairs and the new
    /// count. Returns the pairs that met for the first time.
    pub(super) fn append_in(
        &self,
        append: &Append<'_>,
        log_tx: &TransactionalTree,
        ties_tx: &TransactionalTree,
        meta_tx: &TransactionalTree,
    ) -> ConflictableTransactionResult<Vec<PairKey>, StoreError> {
        log_tx.insert(&append.key, append.value.as_slice())?;
        let mut new_ties = Vec::new();
        for pair in &append.pairs {
            let tie_key = keys::tie(pair);
            let known = match ties_tx.get(&tie_key)? {
                Some(bytes) => Some(
                    self.decode_tie(&tie_key, &bytes)
                        .map_err(ConflictableTransactionError::Abort)?,
                ),
                None => {
                    new_ties.push(pair.clone());
                    None
                }
            };
            let tie = next_tie(known, pair, append.interaction, self.half_life);
            let encoded = self
                .encode(trees::TIES, &tie_key, &tie)
                .map_err(ConflictableTransactionError::Abort)?;
            ties_tx.insert(tie_key, encoded)?;
        }
        meta_tx.insert(
            meta::INTERACTION_COUNT,
            &(append.count as u64).to_be_bytes(),
        )?;
        Ok(new_ties)
    }

    /// What logging did, once the transaction that wrote `append` committed.
    /// The caller still holds the writer lock.
    pub(super) fn appended(&self, append: Append<'_>, new_ties: Vec<PairKey>) -> Logged {
        self.interaction_count.store(append.count, Ordering::SeqCst);
        self.team_pairs.ties_added(&new_ties);
        self.tie_peers.ties_added(&new_ties);
        Logged {
            id: append.id,
            new_ties,
        }
    }

    /// Logs `batch` in order, as a seed of history: the same result as
    /// logging each one by one, written in transactions of `BULK_CHUNK`
    /// interactions. Returns how many were logged. Does not flush.
    pub fn log_interactions(&self, batch: &[Interaction]) -> Result<usize, StoreError> {
        self.log_interactions_in_chunks(batch, BULK_CHUNK)
    }

    /// [`SledStore::log_interactions`] with a chunk length of the caller's
    /// choosing, so that tests cross chunk boundaries with a few interactions.
    fn log_interactions_in_chunks(
        &self,
        batch: &[Interaction],
        chunk_len: usize,
    ) -> Result<usize, StoreError> {
        let _writer = self.lock_log_writer();
        let mut logged = 0;
        for chunk in batch.chunks(chunk_len.max(1)) {
            let chunk: Vec<Entry<'_>> = chunk.iter().map(|i| (None, i)).collect();
            self.log_chunk(&chunk)?;
            logged += chunk.len();
        }
        Ok(logged)
    }

    /// Logs one chunk in one transaction: each interaction, the ties it
    /// touches, the count and, beside each interaction that has one, its
    /// once-key (see [`SledStore::log_interaction_once`]). The caller holds the
    /// writer lock and has checked that no once-key is logged already.
    pub(super) fn log_chunk(&self, chunk: &[Entry<'_>]) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let mut log = sled::Batch::default();
        let mut once_keys = sled::Batch::default();
        // The ties this chunk touches, as they will be after it. Each is read
        // once from the tree, which already holds every earlier chunk, then
        // updated in memory in log order.
        let mut touched: BTreeMap<Vec<u8>, Tie> = BTreeMap::new();
        let mut new_ties = Vec::new();
        for (once_key, interaction) in chunk {
            let id = trees.db.generate_id()?;
            let key = keys::interaction(id);
            log.insert(&key, self.encode(trees::INTERACTIONS, &key, interaction)?);
            if let Some(once_key) = once_key {
                let once_key = keys::logged_key(once_key);
                once_keys.insert(once_key, self.encode(trees::LOGGED_KEYS, once_key, &id)?);
            }
            for pair in pairs_of(interaction) {
                match touched.entry(keys::tie(&pair)) {
                    Occupied(mut tie) => tie.get_mut().record(interaction, self.half_life),
                    Vacant(slot) => {
                        let known = match trees.ties.get(slot.key())? {
                            Some(bytes) => Some(self.decode_tie(slot.key(), &bytes)?),
                            None => {
                                new_ties.push(pair.clone());
                                None
                            }
                        };
                        slot.insert(next_tie(known, &pair, interaction, self.half_life));
                    }
                }
            }
        }
        let mut ties = sled::Batch::default();
        for (key, tie) in &touched {
            ties.insert(key.as_slice(), self.encode(trees::TIES, key, tie)?);
        }
        let count = self.interaction_count.load(Ordering::SeqCst) + chunk.len();
        (
            &trees.interactions,
            &trees.ties,
            &trees.meta,
            &trees.logged_keys,
        )
            .transaction(|(log_tx, ties_tx, meta_tx, keys_tx)| {
                log_tx.apply_batch(&log)?;
                ties_tx.apply_batch(&ties)?;
                keys_tx.apply_batch(&once_keys)?;
                meta_tx.insert(meta::INTERACTION_COUNT, &(count as u64).to_be_bytes())?;
                Ok(())
            })
            .map_err(from_transaction)?;
        self.interaction_count.store(count, Ordering::SeqCst);
        new_ties.sort();
        self.team_pairs.ties_added(&new_ties);
        self.tie_peers.ties_added(&new_ties);
        Ok(())
    }

    /// The whole log with ids, in log order. A full scan: the rules read
    /// [`SledStore::ties`] instead; this is for export and checks.
    pub fn interactions(&self) -> Result<Vec<(u64, Interaction)>, StoreError> {
        let trees = self.trees()?;
        trees
            .interactions
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                let id = keys::interaction_id(&key).ok_or_else(|| StoreError::Corrupt {
                    tree: trees::INTERACTIONS,
                    key: keys::describe(trees::INTERACTIONS, &key),
                    detail: "the key is not an 8-byte id".into(),
                })?;
                Ok((id, self.decode(trees::INTERACTIONS, &key, &bytes)?))
            })
            .collect()
    }

    /// How many interactions are logged, without a scan.
    pub fn interaction_count(&self) -> usize {
        self.interaction_count.load(Ordering::SeqCst)
    }

    /// The tie of `pair`, if the two ever met.
    pub fn tie(&self, pair: &PairKey) -> Result<Option<Tie>, StoreError> {
        let trees = self.trees()?;
        let key = keys::tie(pair);
        trees
            .ties
            .get(&key)?
            .map(|bytes| self.decode_tie(&key, &bytes))
            .transpose()
    }

    /// The tie stored at `key`, read by the ties' own faster reader.
    pub(super) fn decode_tie(&self, key: &[u8], bytes: &[u8]) -> Result<Tie, StoreError> {
        self.decoded(trees::TIES, key, codec::decode_tie(bytes))
    }
}

/// One interaction on its way into the log: drawn an id and encoded
/// outside the transaction, which sled may run more than once.
pub(super) struct Append<'a> {
    id: u64,
    interaction: &'a Interaction,
    key: [u8; 8],
    value: Vec<u8>,
    pairs: BTreeSet<PairKey>,
    /// The interaction count once it is logged.
    count: usize,
}

impl Append<'_> {
    /// The id the interaction is logged under.
    pub(super) fn id(&self) -> u64 {
        self.id
    }
}

/// The pairs of an interaction, each once. `Interaction::new` already drops
/// repeated participants, but its fields are public: a set keeps a
/// hand-built interaction from counting one meeting twice.
pub(super) fn pairs_of(interaction: &Interaction) -> BTreeSet<PairKey> {
    interaction
        .pairs()
        .filter_map(|(a, b)| PairKey::new(a, b))
        .collect()
}

/// The tie of `pair` after `interaction`, from what was known before it.
pub(super) fn next_tie(
    known: Option<Tie>,
    pair: &PairKey,
    interaction: &Interaction,
    half_life: HalfLife,
) -> Tie {
    match known {
        Some(mut tie) => {
            tie.record(interaction, half_life);
            tie
        }
        None => Tie::first(pair.clone(), interaction),
    }
}

/// A transaction's failure as the store error it carries.
pub(super) fn from_transaction(error: TransactionError<StoreError>) -> StoreError {
    match error {
        TransactionError::Abort(error) => error,
        TransactionError::Storage(error) => StoreError::Io(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{
        any_interaction, at_minute, meeting, open_temp, ties_folded_from, user,
    };
    use proptest::prelude::*;

    fn pair(a: &str, b: &str) -> PairKey {
        PairKey::new(&user(a), &user(b)).unwrap()
    }

    #[test]
    fn interactions_and_their_ties_round_trip() {
        let (_dir, store) = open_temp();
        let coffee = meeting(at_minute(10), &["U2", "U1"], Some("coffee"));
        let lunch = meeting(at_minute(0), &["U1", "U2", "U3"], None);
        let first = store.log_interaction(&coffee).unwrap();
        let second = store.log_interaction(&lunch).unwrap();
        assert!(first.id < second.id);

        assert_eq!(
            store.interactions().unwrap(),
            vec![(first.id, coffee), (second.id, lunch)]
        );
        assert_eq!(store.interaction_count(), 2);
        let tie = store.tie(&pair("U1", "U2")).unwrap().unwrap();
        // The lunch was logged late: it moves the first meeting back, not the last.
        assert_eq!(
            (tie.first_at, tie.last_at, tie.count),
            (at_minute(0), at_minute(10), 2)
        );
        assert_eq!(tie.last_note.as_deref(), Some("coffee"));
        let pairs: Vec<PairKey> = store.ties().unwrap().into_iter().map(|t| t.pair).collect();
        assert_eq!(
            pairs,
            [pair("U1", "U2"), pair("U1", "U3"), pair("U2", "U3")]
        );
        assert_eq!(store.tie(&pair("U1", "U4")).unwrap(), None);
    }

    #[test]
    fn a_new_tie_is_reported_only_the_first_time_a_pair_meets() {
        let (_dir, store) = open_temp();
        let once = store
            .log_interaction(&meeting(at_minute(0), &["U1", "U2"], None))
            .unwrap();
        assert_eq!(once.new_ties, [pair("U1", "U2")]);
        let again = store
            .log_interaction(&meeting(at_minute(5), &["U2", "U1"], None))
            .unwrap();
        assert!(again.new_ties.is_empty());
        let group = store
            .log_interaction(&meeting(at_minute(9), &["U3", "U1", "U2"], None))
            .unwrap();
        assert_eq!(group.new_ties, [pair("U1", "U3"), pair("U2", "U3")]);
    }

    #[test]
    fn the_ties_of_a_person_are_every_pair_they_are_in_and_no_other() {
        let (_dir, store) = open_temp();
        for people in [&["U1", "U2"][..], &["U12", "U3"], &["U3", "U1", "U4"]] {
            store
                .log_interaction(&meeting(at_minute(0), people, None))
                .unwrap();
        }
        let pairs = |id: &str| -> Vec<PairKey> {
            let ties = store.ties_of(&user(id)).unwrap();
            ties.into_iter().map(|t| t.pair).collect()
        };
        assert_eq!(
            pairs("U1"),
            [pair("U1", "U2"), pair("U1", "U3"), pair("U1", "U4")]
        );
        // U12 starts with U1, U3 and U4 follow it: neither confuses the scan.
        assert_eq!(pairs("U12"), [pair("U12", "U3")]);
        assert_eq!(
            pairs("U3"),
            [pair("U1", "U3"), pair("U12", "U3"), pair("U3", "U4")]
        );
        assert!(pairs("U9").is_empty());
    }

    #[test]
    fn a_bulk_load_equals_logging_one_by_one() {
        let batch: Vec<Interaction> = (0..9)
            .map(|i| {
                let people = [["U1", "U2"], ["U2", "U3"], ["U3", "U1"]][i % 3];
                let note = (i % 2 == 0).then_some("sync");
                meeting(at_minute(100 - 7 * i as i64), &people, note)
            })
            .collect();
        let (_one_dir, one_by_one) = open_temp();
        for interaction in &batch {
            one_by_one.log_interaction(interaction).unwrap();
        }
        let (_bulk_dir, bulk) = open_temp();
        assert_eq!(bulk.log_interactions_in_chunks(&batch[..4], 2).unwrap(), 4);
        assert_eq!(bulk.log_interactions(&batch[4..]).unwrap(), 5);

        let logged = |store: &SledStore| -> Vec<Interaction> {
            store
                .interactions()
                .unwrap()
                .into_iter()
                .map(|(_, i)| i)
                .collect()
        };
        assert_eq!(logged(&bulk), logged(&one_by_one));
        assert_eq!(bulk.ties().unwrap(), one_by_one.ties().unwrap());
        assert_eq!(bulk.interaction_count(), 9);
    }

    const POOL: [&str; 6] = ["U1", "U2", "U3", "U4", "U5", "W6"];

    #[derive(Debug, Clone)]
    enum Step {
        One(Interaction),
        Bulk {
            batch: Vec<Interaction>,
            chunk_len: usize,
        },
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            any_interaction(&POOL).prop_map(Step::One),
            (
                proptest::collection::vec(any_interaction(&POOL), 0..12),
                prop_oneof![Just(1), Just(3), Just(BULK_CHUNK)],
            )
                .prop_map(|(batch, chunk_len)| Step::Bulk { batch, chunk_len }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_tie_index_is_always_the_fold_of_the_log(steps in proptest::collection::vec(any_step(), 1..8)) {
            let (_dir, store) = open_temp();
            let mut expected_log = Vec::new();
            for step in steps {
                match step {
                    Step::One(interaction) => {
                        let unmet: Vec<PairKey> = pairs_of(&interaction)
                            .into_iter()
                            .filter(|pair| store.tie(pair).unwrap().is_none())
                            .collect();
                        let logged = store.log_interaction(&interaction).unwrap();
                        prop_assert_eq!(logged.new_ties, unmet);
                        expected_log.push(interaction);
                    }
                    Step::Bulk { batch, chunk_len } => {
                        prop_assert_eq!(
                            store.log_interactions_in_chunks(&batch, chunk_len).unwrap(),
                            batch.len()
                        );
                        expected_log.extend(batch);
                    }
                }
            }
            let log = store.interactions().unwrap();
            prop_assert!(log.windows(2).all(|w| w[0].0 < w[1].0), "ids grow in log order");
            let logged: Vec<Interaction> = log.iter().map(|(_, i)| i.clone()).collect();
            prop_assert_eq!(&logged, &expected_log);
            prop_assert_eq!(store.interaction_count(), log.len());
            prop_assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
        }
    }
}
