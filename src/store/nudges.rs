//! The `nudges` tree: every nudge Slack accepted, keyed by time.
//!
//! The rules' weekly cap and per-tie cooldown look back a few weeks, so the
//! key starts with the instant (see [`keys::nudge`]) and "sent since" is a
//! range scan rather than a walk over all history.

use super::{SledStore, StoreError, keys, trees};
use crate::domain::SentNudge;
use chrono::{DateTime, Utc};

impl SledStore {
    /// Records that `nudge` was sent, outside the outbox's own record (see
    /// [`SledStore::mark_sent`]): for tests that start from nudges already
    /// sent. Does not flush.
    #[cfg(test)]
    pub(crate) fn record_nudge_sent(&self, nudge: &SentNudge) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::nudge(nudge);
        let value = self.encode(trees::NUDGES, &key, nudge)?;
        trees.nudges.insert(key, value)?;
        Ok(())
    }

    /// The nudges sent at or after `since`, oldest first.
    pub fn nudges_sent_since(&self, since: DateTime<Utc>) -> Result<Vec<SentNudge>, StoreError> {
        let trees = self.trees()?;
        trees
            .nudges
            .range(keys::instant(since)..)
            .map(|entry| {
                let (key, bytes) = entry?;
                self.decode(trees::NUDGES, &key, &bytes)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{at_minute, open_temp, sent};
    use chrono::Duration;

    #[test]
    fn nudges_sent_since_an_instant_come_back_oldest_first() {
        let (_dir, store) = open_temp();
        let (late, early, middle) = (
            sent("U1", "U2", 60),
            sent("U3", "U1", -60),
            sent("U2", "U3", 0),
        );
        for nudge in [&late, &early, &middle] {
            store.record_nudge_sent(nudge).unwrap();
        }
        assert_eq!(
            store.nudges_sent_since(at_minute(-61)).unwrap(),
            vec![early.clone(), middle.clone(), late.clone()]
        );
        // "Since" includes a nudge sent at that very instant.
        assert_eq!(
            store.nudges_sent_since(at_minute(0)).unwrap(),
            vec![middle, late.clone()]
        );
        assert_eq!(
            store
                .nudges_sent_since(at_minute(0) + Duration::nanoseconds(1))
                .unwrap(),
            vec![late]
        );
    }

    #[test]
    fn two_nudges_to_one_person_at_one_instant_are_both_kept() {
        let (_dir, store) = open_temp();
        let (first, second) = (sent("U1", "U2", 0), sent("U1", "U3", 0));
        store.record_nudge_sent(&first).unwrap();
        store.record_nudge_sent(&second).unwrap();
        assert_eq!(
            store.nudges_sent_since(at_minute(0)).unwrap(),
            vec![first, second]
        );
    }
}
