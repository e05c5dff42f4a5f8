//! Purging the whole workspace: when the app is uninstalled or its tokens
//! are revoked, and the settings say so, nothing of anyone stays.

use super::{BackupFolder, Store, StoreError, backup, meta};
use std::sync::atomic::Ordering;

impl Store {
    /// Deletes every record — people, interactions, ties, nudges, queued
    /// messages, DM channels, job runs, delivery and logging keys — and keeps only the schema version, then
    /// flushes. Under the interaction-log lock, so no log lands half-purged.
    /// Then deletes the backups in the data folder, and the stores an
    /// import kept aside there: no copy of what was purged stays.
    pub fn purge_everything(&self) -> Result<(), StoreError> {
        // A backup compares this before and after it is written, and is
        // thrown away if a purge began or ended meanwhile.
        self.purges.fetch_add(1, Ordering::SeqCst);
        self.clear_every_tree()?;
        self.purges.fetch_add(1, Ordering::SeqCst);
        self.remove_copies();
        Ok(())
    }

    /// Removes the backups and the stores kept aside by imports. A file
    /// that cannot be removed is logged, not fatal: the purge of the
    /// store itself is done.
    fn remove_copies(&self) {
        if let Err(error) = BackupFolder::of(&self.path).remove_all() {
            tracing::error!(error = %error, "could not delete the backups after a purge");
        }
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(backup::ASIDE_PREFIX)
                && let Err(error) = std::fs::remove_dir_all(entry.path())
            {
                tracing::error!(error = %error, path = %entry.path().display(), "could not delete a replaced store after a purge");
            }
        }
    }

    fn clear_every_tree(&self) -> Result<(), StoreError> {
        let _writer = self.lock_log_writer();
        for tree in [
            &self.interactions,
            &self.ties,
            &self.nudges,
            &self.jobs,
            &self.logged_keys,
            &self.deliveries,
            &self.outbox,
            &self.dm_channels,
        ] {
            tree.clear()?;
        }
        self.meta
            .insert(meta::INTERACTION_COUNT, &0u64.to_be_bytes())?;
        self.interaction_count.store(0, Ordering::SeqCst);
        // People last: whoever sees nobody left sees no history either.
        self.people.clear()?;
        self.team_pairs.people_changed();
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::SentNudge;
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, user};
    use crate::store::{JobRun, SCHEMA_VERSION, Store, StoreOptions};

    #[test]
    fn a_purged_store_holds_nobody_and_stays_usable_after_reopening() {
        let (dir, store) = open_temp();
        store
            .put_person(&person("U1", "Alice", Some("Payments")))
            .unwrap();
        store
            .log_interaction(&meeting(at_minute(0), &["U1", "U2"], Some("lunch")))
            .unwrap();
        store
            .log_interaction_once("k", &meeting(at_minute(1), &["U1", "U3"], None))
            .unwrap();
        store
            .record_nudge_sent(&SentNudge {
                to: user("U1"),
                about: user("U2"),
                at: at_minute(2),
                reason: None,
            })
            .unwrap();
        store
            .record_run(
                "digest",
                &JobRun {
                    scheduled_for: at_minute(3),
                    started_at: at_minute(3),
                    summary: "x".into(),
                },
            )
            .unwrap();
        store.first_delivery("event:Ev1", at_minute(4)).unwrap();

        store.purge_everything().unwrap();
        drop(store);

        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert!(store.people().unwrap().is_empty());
        assert!(store.interactions().unwrap().is_empty());
        assert!(store.ties().unwrap().is_empty());
        assert_eq!(store.interaction_count(), 0);
        assert!(store.nudges_sent_since(at_minute(-10)).unwrap().is_empty());
        assert!(store.last_run("digest").unwrap().is_none());
        assert!(store.first_delivery("event:Ev1", at_minute(5)).unwrap());
        store
            .log_interaction(&meeting(at_minute(6), &["U1", "U2"], None))
            .unwrap();
        assert_eq!(store.interaction_count(), 1);
    }
}

#[cfg(test)]
mod race {
    use crate::store::fixtures::{at_minute, meeting, open_temp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_purge_after_a_committed_log_leaves_a_zero_count() {
        for round in 0..200 {
            let (_dir, store) = open_temp();
            let logged = store
                .log_once_and_commit(
                    &format!("k{round}"),
                    None,
                    &meeting(at_minute(0), &["U1", "U2"], None),
                )
                .await
                .unwrap();
            assert!(logged.is_some());
            store.purge_everything().unwrap();
            assert_eq!(store.interaction_count(), 0, "round {round}");
        }
    }
}
