//! The `logged_keys` tree: the idempotency key of every interaction logged
//! with [`Store::log_interaction_once`], valued by the interaction's id.
//!
//! A *We met* click or a `/met` that Slack delivers twice must log one
//! meeting. The key is written in the same transaction as the interaction,
//! its ties and the count, so a crash leaves both or neither: never a key
//! without its interaction (a meeting lost), nor an interaction without its
//! key (a meeting logged twice on the retry). Keys are kept for good: they
//! are small, and a retry may come long after [`Store::prune_deliveries`]
//! forgot the delivery.
//!
//! Privacy: the keys are opaque ids chosen by the caller (a button's action
//! id, a command's trigger id) and the values are interaction ids, so this
//! tree holds no personal data and [`Store::forget_person`] leaves it as it
//! is; a key whose interaction was forgotten keeps a retry from logging it
//! again. Callers must keep it so: never build a key from a user id in
//! the clear, only through [`OnceKeys`](super::OnceKeys), which hashes
//! it under the store's key.

use super::interactions::from_transaction;
use super::{Logged, Store, StoreError, keys, trees};
use crate::domain::Interaction;
use sled::Transactional;

impl Store {
    /// Logs `interaction` as [`Store::log_interaction`] does, unless `key`
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
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{
        at_minute, meeting, open_temp, ties_folded_from, write_unreadable_tie,
    };
    use crate::store::{StoreError, keys};

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
}
