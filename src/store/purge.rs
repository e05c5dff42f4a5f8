//! Purging the whole workspace when the app is uninstalled and the
//! settings say so: nothing of anyone stays, but, when asked, the newest
//! backup, for a grace period after which the scheduler deletes it
//! ([`SledStore::discard_kept_backup`]), so that an uninstall by mistake can be
//! undone with `alliances restore`. A revoked token purges nothing.
//!
//! The kept backup is remembered in `meta` (its file name and the end of
//! its grace): the purged store says which backup outlives it and until
//! when, and a restore, which replaces the store with one that does not
//! say so, ends the grace by itself.

use super::{BackupFolder, SledStore, StoreError, backup, meta};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// The backup an uninstall's purge kept, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBackup {
    /// The backup's file, in the data folder's `backups/`.
    pub path: PathBuf,
    /// When its grace ends and it is deleted.
    pub until: DateTime<Utc>,
}

impl SledStore {
    /// Deletes every record — people, interactions, ties, nudges, queued
    /// messages, DM channels, job runs, delivery and logging keys,
    /// tombstones, leadership circles, calendars — and keeps only the schema version
    /// and the last circle round's number (it names nobody, and a check-in
    /// still in Slack must not be taken for a later circle's), then flushes. Under the
    /// interaction-log lock, so no log lands half-purged. Then deletes the
    /// backups in the data folder, and the stores an import kept aside
    /// there: no copy of what was purged stays, and asks for a rewrite,
    /// which erases it from sled's files (see `rewrite`).
    pub fn purge_everything(&self) -> Result<(), StoreError> {
        self.purge(None)
    }

    /// Purges as [`SledStore::purge_everything`] does, but keeps the newest
    /// backup until `until` (what it returns; nothing when there is no
    /// backup). While a backup is kept no periodic backup is taken, so it
    /// stays the newest, the one `alliances restore` picks. A purge while
    /// one is already kept (a second uninstall) keeps that one, and its
    /// end.
    pub fn purge_keeping_newest_backup(
        &self,
        until: DateTime<Utc>,
    ) -> Result<Option<KeptBackup>, StoreError> {
        let kept = match self.kept_backup()? {
            Some(already) => Some(already),
            None => match BackupFolder::of(&self.path).latest() {
                Ok(newest) => newest.map(|path| KeptBackup { path, until }),
                Err(error) => {
                    tracing::error!(error = %error, "cannot read the backups to keep the newest; purging them all");
                    None
                }
            },
        };
        self.purge(kept.as_ref())?;
        Ok(kept)
    }

    /// The backup an uninstall's purge kept, if its grace has not ended.
    pub fn kept_backup(&self) -> Result<Option<KeptBackup>, StoreError> {
        let trees = self.trees()?;
        let (Some(name), Some(until)) = (
            trees.meta.get(meta::KEPT_BACKUP)?,
            trees.meta.get(meta::KEPT_BACKUP_UNTIL)?,
        ) else {
            return Ok(None);
        };
        let corrupt = |key: &[u8], detail: &str| StoreError::Corrupt {
            tree: super::trees::META,
            key: String::from_utf8_lossy(key).into_owned(),
            detail: detail.to_owned(),
        };
        let name = std::str::from_utf8(&name)
            .map_err(|_| corrupt(meta::KEPT_BACKUP, "not a file name"))?;
        let until = <[u8; 8]>::try_from(until.as_ref())
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(i64::from_be_bytes(seconds), 0))
            .ok_or_else(|| corrupt(meta::KEPT_BACKUP_UNTIL, "not a time"))?;
        Ok(Some(KeptBackup {
            path: BackupFolder::of(&self.path).path().join(name),
            until,
        }))
    }

    /// Deletes the backup an uninstall's purge kept, once its grace has
    /// ended at `now`: the path it deleted, if it did. A file that cannot
    /// be deleted is logged and tried again next time.
    pub fn discard_kept_backup(&self, now: DateTime<Utc>) -> Result<Option<PathBuf>, StoreError> {
        let Some(kept) = self.kept_backup()?.filter(|kept| kept.until <= now) else {
            return Ok(None);
        };
        match std::fs::remove_file(&kept.path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::error!(error = %error, path = %kept.path.display(), "could not delete the backup an uninstall kept");
                return Ok(None);
            }
        }
        self.forget_kept_backup()?;
        self.flush()?;
        Ok(Some(kept.path))
    }

    fn remember_kept_backup(&self, kept: &KeptBackup) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let name = kept
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        trees.meta.insert(meta::KEPT_BACKUP, name.as_bytes())?;
        trees.meta.insert(
            meta::KEPT_BACKUP_UNTIL,
            &kept.until.timestamp().to_be_bytes(),
        )?;
        Ok(())
    }

    fn forget_kept_backup(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        trees.meta.remove(meta::KEPT_BACKUP)?;
        trees.meta.remove(meta::KEPT_BACKUP_UNTIL)?;
        Ok(())
    }

    /// Clears every tree, notes the backup `keep` in `meta` (or that none
    /// is kept), flushes, and only then deletes the copies: every backup
    /// but `keep`, and the stores kept aside by imports. A crash in
    /// between leaves copies of a purged store, never a store unpurged
    /// without its backups.
    fn purge(&self, keep: Option<&KeptBackup>) -> Result<(), StoreError> {
        // A backup compares this before and after it is written, and is
        // thrown away if a purge began or ended meanwhile.
        self.purges.fetch_add(1, Ordering::SeqCst);
        self.clear_every_tree()?;
        match keep {
            Some(kept) => self.remember_kept_backup(kept)?,
            None => self.forget_kept_backup()?,
        }
        self.flush()?;
        self.purges.fetch_add(1, Ordering::SeqCst);
        self.remove_copies(keep.map(|kept| kept.path.as_path()));
        Ok(())
    }

    /// Removes the backups but `keep`, and the stores kept aside by
    /// imports. A file that cannot be removed is logged, not fatal: the
    /// purge of the store itself is done.
    fn remove_copies(&self, keep: Option<&Path>) {
        let folder = BackupFolder::of(&self.path);
        let removed = match keep {
            Some(kept) => folder.remove_all_except(kept),
            None => folder.remove_all(),
        };
        if let Err(error) = removed {
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
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        for tree in [
            &trees.interactions,
            &trees.ties,
            &trees.nudges,
            &trees.jobs,
            &trees.logged_keys,
            &trees.deliveries,
            &trees.outbox,
            &trees.dm_channels,
            &trees.tombstones,
            &trees.circles,
            &trees.calendars,
        ] {
            tree.clear()?;
        }
        trees.meta.remove(meta::TOMBSTONE_KEY)?;
        trees
            .meta
            .insert(meta::INTERACTION_COUNT, &0u64.to_be_bytes())?;
        self.interaction_count.store(0, Ordering::SeqCst);
        // People last: whoever sees nobody left sees no history either.
        trees.people.clear()?;
        self.team_pairs.outdated();
        self.tie_peers.outdated();
        self.people_cache.outdated();
        // sled's files still hold everything: erase them too (see `rewrite`).
        self.ask_for_rewrite()
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::SentNudge;
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, reopen, user};
    use crate::store::{JobRun, SCHEMA_VERSION};

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
                warning_step: false,
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
        let round = [vec![user("U1"), user("U2")]];
        store
            .save_circles_and_enqueue(&[], &round, at_minute(5))
            .unwrap();

        store.purge_everything().unwrap();
        drop(store);

        let store = reopen(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert!(store.people().unwrap().is_empty());
        assert!(store.interactions().unwrap().is_empty());
        assert!(store.ties().unwrap().is_empty());
        assert_eq!(store.interaction_count(), 0);
        assert!(store.nudges_sent_since(at_minute(-10)).unwrap().is_empty());
        assert!(store.last_run("digest").unwrap().is_none());
        assert!(store.first_delivery("event:Ev1", at_minute(5)).unwrap());
        assert!(store.circles().unwrap().is_empty());
        assert!(
            store.pending_outbox().unwrap().is_empty(),
            "nor their prompt"
        );
        store
            .log_interaction(&meeting(at_minute(6), &["U1", "U2"], None))
            .unwrap();
        assert_eq!(store.interaction_count(), 1);
        let next = store
            .save_circles_and_enqueue(&[], &round, at_minute(7))
            .unwrap();
        assert_eq!(
            next.formed[0].key.round, 2,
            "a round's number is not given again: old check-ins may still be pressed"
        );
    }
}

#[cfg(test)]
mod kept_backup {
    use crate::store::BackupFolder;
    use crate::store::fixtures::{at_minute, file_names, open_temp, person};
    use chrono::Duration;
    use std::ops::ControlFlow;

    #[test]
    fn an_uninstall_keeps_only_the_newest_backup_until_its_grace_ends() {
        let (dir, store) = open_temp();
        store.put_person(&person("U1", "Ada", None)).unwrap();
        let folder = BackupFolder::of(dir.path());
        for hour in 0..3 {
            folder
                .take(&store, at_minute(60 * hour), 7, |_| {
                    ControlFlow::Continue(())
                })
                .unwrap();
        }
        let until = at_minute(0) + Duration::days(7);

        let kept = store.purge_keeping_newest_backup(until).unwrap().unwrap();
        assert!(store.people().unwrap().is_empty());
        assert_eq!(
            file_names(folder.path()),
            ["alliances-2026-03-02T1100Z.jsonl"]
        );
        assert_eq!(
            kept.path,
            folder.path().join("alliances-2026-03-02T1100Z.jsonl")
        );
        assert_eq!(store.kept_backup().unwrap(), Some(kept.clone()));

        let later = until + Duration::days(3);
        let again = store.purge_keeping_newest_backup(later).unwrap();
        assert_eq!(
            again,
            Some(kept.clone()),
            "a second uninstall keeps the first's end"
        );

        assert_eq!(
            store
                .discard_kept_backup(until - Duration::minutes(1))
                .unwrap(),
            None
        );
        assert!(kept.path.exists());
        assert_eq!(
            store.discard_kept_backup(until).unwrap(),
            Some(kept.path.clone())
        );
        assert!(!kept.path.exists());
        assert_eq!(store.kept_backup().unwrap(), None);
    }

    #[test]
    fn with_no_grace_or_no_backup_nothing_is_kept() {
        let (dir, store) = open_temp();
        assert_eq!(
            store.purge_keeping_newest_backup(at_minute(0)).unwrap(),
            None
        );
        let folder = BackupFolder::of(dir.path());
        folder
            .take(&store, at_minute(0), 7, |_| ControlFlow::Continue(()))
            .unwrap();
        store.purge_keeping_newest_backup(at_minute(9)).unwrap();
        store.purge_everything().unwrap();
        assert!(!folder.path().exists());
        assert_eq!(
            store.kept_backup().unwrap(),
            None,
            "nothing is left to keep"
        );
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
