//! The `deliveries` tree: the Slack deliveries seen lately, keyed by the
//! caller's dedupe key, valued by when the key was first seen.
//!
//! Slack retries an event up to 3 times when it gets no timely answer, and
//! may deliver a slash command twice; the inbound transports ask
//! [`first_delivery`](SledStore::first_delivery) before acting, and the
//! scheduler prunes what is older than [`KEEP_DELIVERIES_FOR`].
//!
//! Privacy: the keys are Slack's opaque ids (`event_id`, a command's trigger
//! id) and the values are instants, so this tree holds no personal data and
//! [`SledStore::forget_person`] does not look in it. Callers must keep it so:
//! never build a key from a user id.

use super::{SledStore, StoreError, keys, trees};
use chrono::{DateTime, Duration, Utc};

/// How long a delivery must be remembered. Slack retries an event 3 times,
/// the last about 5 minutes after the first, so 10 minutes covers every
/// retry with room for a slow first answer.
pub const KEEP_DELIVERIES_FOR: Duration = Duration::minutes(10);

impl SledStore {
    /// Records the delivery `key`, seen at `at`, and says whether this is its
    /// first delivery: true the first time, false for every repeat until it
    /// is pruned. One compare-and-swap, so of two deliveries racing, exactly
    /// one is first. Does not flush: after a crash a retry may be handled
    /// again, which is what Slack's retry asks for anyway.
    pub fn first_delivery(&self, key: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = keys::delivery(key);
        let value = self.encode(trees::DELIVERIES, key, &at)?;
        let swapped = self
            .trees()?
            .deliveries
            .compare_and_swap(key, None::<&[u8]>, Some(value))?;
        Ok(swapped.is_ok())
    }

    /// Forgets the deliveries first seen before `before`, and returns how
    /// many. Callers keep at least [`KEEP_DELIVERIES_FOR`]. A scan: the tree
    /// holds about ten minutes of deliveries, a few thousand at most.
    pub fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let trees = self.trees()?;
        let mut pruned = 0;
        for entry in trees.deliveries.iter() {
            let (key, bytes) = entry?;
            let seen: DateTime<Utc> = self.decode(trees::DELIVERIES, &key, &bytes)?;
            if seen < before {
                // Only if it is still the record read: a delivery key is
                // never rewritten, so this fails only if it is already gone.
                let removed =
                    trees
                        .deliveries
                        .compare_and_swap(&key, Some(&bytes), None::<&[u8]>)?;
                pruned += usize::from(removed.is_ok());
            }
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::KEEP_DELIVERIES_FOR;
    use crate::store::fixtures::{at_minute, open_temp};
    use std::sync::Barrier;

    #[test]
    fn a_delivery_is_first_once_and_first_again_after_it_is_pruned() {
        let (_dir, store) = open_temp();
        assert!(store.first_delivery("Ev01", at_minute(0)).unwrap());
        assert!(!store.first_delivery("Ev01", at_minute(5)).unwrap());
        assert!(store.first_delivery("Ev02", at_minute(5)).unwrap());

        // Pruning goes by when a key was first seen, not by its repeats.
        assert_eq!(store.prune_deliveries(at_minute(5)).unwrap(), 1);
        assert!(!store.first_delivery("Ev02", at_minute(6)).unwrap());
        assert!(store.first_delivery("Ev01", at_minute(6)).unwrap());
        assert!(!store.first_delivery("Ev01", at_minute(7)).unwrap());
    }

    #[test]
    fn pruning_keeps_what_was_seen_at_or_after_the_cutoff() {
        let (_dir, store) = open_temp();
        for (key, minute) in [("Ev1", 0), ("Ev2", 10), ("Ev3", 11)] {
            assert!(store.first_delivery(key, at_minute(minute)).unwrap());
        }
        let cutoff = at_minute(20) - KEEP_DELIVERIES_FOR;
        assert_eq!(store.prune_deliveries(cutoff).unwrap(), 1);
        assert_eq!(store.prune_deliveries(cutoff).unwrap(), 0);
        assert!(store.first_delivery("Ev1", at_minute(20)).unwrap());
        assert!(!store.first_delivery("Ev2", at_minute(20)).unwrap());
        assert!(!store.first_delivery("Ev3", at_minute(20)).unwrap());
    }

    #[test]
    fn of_deliveries_racing_on_one_key_exactly_one_is_first() {
        let (_dir, store) = open_temp();
        let start = Barrier::new(8);
        let firsts = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..8)
                .map(|i| {
                    let (store, start) = (&store, &start);
                    scope.spawn(move || {
                        start.wait();
                        store.first_delivery("Ev42", at_minute(i)).unwrap()
                    })
                })
                .collect();
            racers
                .into_iter()
                .map(|racer| racer.join().unwrap())
                .filter(|&first| first)
                .count()
        });
        assert_eq!(firsts, 1);
    }
}
