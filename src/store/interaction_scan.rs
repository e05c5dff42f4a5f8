//! Reading the whole interaction log one interaction at a time, for what
//! the tie index cannot answer: whether a pair had met within some days of
//! a past moment (how each key partnership stood week by week).
//!
//! The log is in log order, not time order (a meeting may be logged days
//! late, and a seed logs a year at once), so there is no range to read: a
//! full scan, each value decoded and handed on, none kept.

use super::{SledStore, StoreError, codec, keys, trees};
use crate::domain::Interaction;
use chrono::{DateTime, Utc};

impl SledStore {
    /// Calls `visit` with every logged interaction, in log order, holding
    /// one at a time. A full scan of the log: for pages an admin asks for,
    /// not for planning.
    pub fn visit_interactions(&self, mut visit: impl FnMut(Interaction)) -> Result<(), StoreError> {
        let trees = self.trees()?;
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            check_key(&key)?;
            visit(self.decode(trees::INTERACTIONS, &key, &bytes)?);
        }
        Ok(())
    }

    /// Calls `visit` with every logged interaction that happened from
    /// `from` to `until` (both included), in log order. Still a scan of the
    /// whole log, but one that decodes only those: the instant is read from
    /// the start of each stored value, and the rest skipped unread when it
    /// is outside. The partnerships' 26 weeks need about half of a year's
    /// log, and decoding was most of the scan's cost.
    pub fn visit_interactions_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        mut visit: impl FnMut(Interaction),
    ) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let within = |at: DateTime<Utc>| from <= at && at <= until;
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            check_key(&key)?;
            if codec::interaction_at(&bytes).is_some_and(|at| !within(at)) {
                continue;
            }
            let interaction: Interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            if within(interaction.at) {
                visit(interaction);
            }
        }
        Ok(())
    }
}

/// Whether `key` is the key of a logged interaction (an 8-byte id).
fn check_key(key: &[u8]) -> Result<(), StoreError> {
    match keys::interaction_id(key) {
        Some(_) => Ok(()),
        None => Err(StoreError::Corrupt {
            tree: trees::INTERACTIONS,
            key: keys::describe(trees::INTERACTIONS, key),
            detail: "the key is not an 8-byte id".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::*;

    #[test]
    fn every_logged_interaction_is_visited_in_log_order() {
        let (_dir, store) = open_temp();
        let first = meeting(at_minute(5), &["UADA", "UBOB"], None);
        let second = meeting(at_minute(1), &["UBOB", "UCY"], Some("late"));
        store.log_interaction(&first).unwrap();
        store.log_interaction(&second).unwrap();
        let mut seen = Vec::new();
        store.visit_interactions(|i| seen.push(i)).unwrap();
        assert_eq!(seen, [first, second]);
    }

    #[test]
    fn only_the_interactions_within_the_window_are_visited() {
        let (_dir, store) = open_temp();
        let early = meeting(at_minute(1), &["UADA", "UBOB"], None);
        let inside = meeting(at_minute(5), &["UBOB", "UCY"], Some("in"));
        let edge = meeting(at_minute(9), &["UADA", "UCY"], None);
        let late = meeting(at_minute(10), &["UADA", "UDAN"], None);
        for interaction in [&late, &inside, &early, &edge] {
            store.log_interaction(interaction).unwrap();
        }
        let mut seen = Vec::new();
        store
            .visit_interactions_between(at_minute(2), at_minute(9), |i| seen.push(i))
            .unwrap();
        assert_eq!(seen, [inside, edge]);
    }
}
