//! Reading the whole interaction log one interaction at a time, for what
//! the tie index cannot answer: whether a pair had met within some days of
//! a past moment (how each key partnership stood week by week).
//!
//! The log is in log order, not time order (a meeting may be logged days
//! late, and a seed logs a year at once), so there is no range to read: a
//! full scan, each value decoded and handed on, none kept.

use super::{Store, StoreError, keys, trees};
use crate::domain::Interaction;

impl Store {
    /// Calls `visit` with every logged interaction, in log order, holding
    /// one at a time. A full scan of the log: for pages an admin asks for,
    /// not for planning.
    pub fn visit_interactions(&self, mut visit: impl FnMut(Interaction)) -> Result<(), StoreError> {
        let trees = self.trees()?;
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            if keys::interaction_id(&key).is_none() {
                return Err(StoreError::Corrupt {
                    tree: trees::INTERACTIONS,
                    key: keys::describe(trees::INTERACTIONS, &key),
                    detail: "the key is not an 8-byte id".into(),
                });
            }
            visit(self.decode(trees::INTERACTIONS, &key, &bytes)?);
        }
        Ok(())
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
}
