//! Logging on the request path: [`SledStore::log_once_and_commit`] logs an
//! interaction once under a key, as [`SledStore::log_interaction_once`] does,
//! and returns once it is on disk.
//!
//! Callers waiting at the same time share one sled transaction and one
//! flush: the interactions are queued for the store's flusher thread (see
//! `commit`), which logs the whole batch in one transaction, in arrival
//! order, then flushes. The result for each is what logging them one by one
//! in that order would give: the same ids in order, the same ties, the same
//! new-tie reports, a key repeated within the batch logged once. Should the
//! batch's transaction fail (an unreadable tie, say), each is logged on its
//! own, so that only those that cannot be logged fail; each is still
//! checked against the contents logged lately (see `recent_logs`).

use super::commit::{Job, LogOnce};
use super::interactions::{Append, from_transaction};
use super::recent_logs::{ContentDigest, RecentLogs};
use super::{Logged, SledStore, StoreError, keys, trees};
use crate::domain::Interaction;
use sled::Transactional;
use std::collections::HashSet;
use std::time::Instant;
use tokio::sync::oneshot;

impl SledStore {
    /// Logs `interaction` as [`SledStore::log_interaction_once`] does, unless
    /// `key` was logged before (then `None`), and returns once the log is on
    /// disk, the earlier logging of a repeated key included. Callers waiting
    /// at the same time share one transaction and one flush (see the module
    /// doc): this is the write to use where a person waits for the answer.
    ///
    /// With a `content`, it is also a repeat (`None`) when the same content
    /// was logged within [`KEEP_RECENT_FOR`](super::KEEP_RECENT_FOR) by
    /// this process: a person who was told "this may not have been saved"
    /// and types the same again gets no second copy, whatever its key.
    pub async fn log_once_and_commit(
        &self,
        key: &str,
        content: Option<&str>,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let (done, logged) = oneshot::channel();
        self.group_commit.enqueue(Job::LogOnce(LogOnce {
            key: key.to_owned(),
            content: content.map(RecentLogs::digest),
            interaction: interaction.clone(),
            done,
        }))?;
        // The flusher answers every job it takes; should it ever drop one
        // unanswered, the interaction is not known to be on disk.
        logged.await.unwrap_or(Err(StoreError::FlusherStopped))
    }

    /// Logs `batch` in order, in one transaction if it can, else one by
    /// one. Does not flush: the flusher thread does, next.
    pub(super) fn log_batch_once(
        &self,
        batch: &[LogOnce],
    ) -> Vec<Result<Option<Logged>, StoreError>> {
        match self.log_batch_in_one(batch) {
            Ok(logged) => logged.into_iter().map(Ok).collect(),
            Err(err) => {
                tracing::warn!(error = %err, logs = batch.len(), "a batch of logs failed; logging them one by one");
                let now = Instant::now();
                batch
                    .iter()
                    .map(|log| {
                        // The same content check as in the batch: only this
                        // thread logs with one, so check and record stay
                        // together.
                        if let Some(content) = &log.content
                            && self.recent_logs.contains(content, now)
                        {
                            return Ok(None);
                        }
                        let logged = self.log_interaction_once(&log.key, &log.interaction);
                        if let (Ok(Some(_)), Some(content)) = (&logged, log.content) {
                            self.recent_logs.remember([content], now);
                        }
                        logged
                    })
                    .collect()
            }
        }
    }

    /// Logs `batch` in order in one transaction, or nothing.
    fn log_batch_in_one(&self, batch: &[LogOnce]) -> Result<Vec<Option<Logged>>, StoreError> {
        let trees = self.trees()?;
        let _writer = self.lock_log_writer();
        // Every writer of `logged_keys` holds the lock, so which keys are
        // new is known now, and stays true until the transaction.
        let mut fresh: HashSet<&str> = HashSet::new();
        let mut fresh_content: HashSet<&ContentDigest> = HashSet::new();
        let now = Instant::now();
        let mut appends: Vec<Option<(Append<'_>, Vec<u8>)>> = Vec::with_capacity(batch.len());
        for log in batch {
            let once_key = keys::logged_key(&log.key);
            let repeated_content = log.content.as_ref().is_some_and(|content| {
                fresh_content.contains(content) || self.recent_logs.contains(content, now)
            });
            if repeated_content
                || fresh.contains(log.key.as_str())
                || trees.logged_keys.contains_key(once_key)?
            {
                appends.push(None);
                continue;
            }
            fresh.insert(&log.key);
            fresh_content.extend(&log.content);
            let count = self.interaction_count() + fresh.len();
            let append = self.prepare_append(&log.interaction, count)?;
            let id = self.encode(trees::LOGGED_KEYS, once_key, &append.id())?;
            appends.push(Some((append, id)));
        }
        if fresh.is_empty() {
            // All repeats: nothing to write, and no transaction to pay for.
            return Ok(appends.iter().map(|_| None).collect());
        }
        let new_ties = (
            &trees.interactions,
            &trees.ties,
            &trees.meta,
            &trees.logged_keys,
        )
            .transaction(|(log_tx, ties_tx, meta_tx, keys_tx)| {
                let mut new_ties = Vec::with_capacity(fresh.len());
                for (log, append) in batch.iter().zip(&appends) {
                    if let Some((append, id)) = append {
                        keys_tx.insert(keys::logged_key(&log.key), id.as_slice())?;
                        // Reads inside see the writes before them in the
                        // transaction: a pair's second meeting in the batch
                        // finds the tie its first one made.
                        new_ties.push(self.append_in(append, log_tx, ties_tx, meta_tx)?);
                    }
                }
                Ok(new_ties)
            })
            .map_err(from_transaction)?;
        // Written (if not yet on disk): a repeat of the content from now on
        // finds it, whatever the flush then says.
        self.recent_logs
            .remember(fresh_content.into_iter().copied(), now);
        let mut new_ties = new_ties.into_iter();
        Ok(appends
            .into_iter()
            .map(|append| {
                append.map(|(append, _)| self.appended(append, new_ties.next().unwrap_or_default()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PairKey;
    use crate::store::fixtures::{
        at_minute, meeting, open_temp, reopen, ties_folded_from, user, write_unreadable_tie,
    };

    /// A job for `log_batch_once`, whose answer nobody reads.
    fn job(key: &str, people: &[&str], minute: i64) -> LogOnce {
        LogOnce {
            key: key.to_owned(),
            content: None,
            interaction: meeting(at_minute(minute), people, None),
            done: oneshot::channel().0,
        }
    }

    #[test]
    fn a_batch_logs_as_one_by_one_would_repeats_and_new_ties_included() {
        let (_dir, store) = open_temp();
        store
            .log_interaction_once("K0", &meeting(at_minute(0), &["U1", "U2"], None))
            .unwrap();
        let batch = [
            job("K1", &["U1", "U3"], 1),
            job("K0", &["U1", "U2"], 2),
            job("K2", &["U3", "U1", "U2"], 3),
            job("K1", &["U1", "U3"], 4),
        ];
        let logged: Vec<Option<Logged>> = store
            .log_batch_once(&batch)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let pair = |a, b| PairKey::new(&user(a), &user(b)).unwrap();
        let new_ties: Vec<Option<Vec<PairKey>>> = logged
            .iter()
            .map(|l| l.as_ref().map(|l| l.new_ties.clone()))
            .collect();
        assert_eq!(
            new_ties,
            [
                Some(vec![pair("U1", "U3")]),
                None,
                Some(vec![pair("U2", "U3")]),
                None
            ]
        );
        let log = store.interactions().unwrap();
        assert_eq!(log.len(), 3);
        assert!(log.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(log[1].0, logged[0].as_ref().unwrap().id);
        assert_eq!(store.interaction_count(), 3);
        assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
        // The keys are remembered like any other.
        assert_eq!(
            store
                .log_interaction_once("K2", &meeting(at_minute(5), &["U1", "U2"], None))
                .unwrap(),
            None
        );
    }

    #[test]
    fn when_the_batch_cannot_be_logged_only_the_bad_ones_fail() {
        let (_dir, store) = open_temp();
        write_unreadable_tie(&store, "U8", "U9");
        let batch = [
            job("A", &["U1", "U2"], 0),
            job("B", &["U8", "U9"], 1),
            job("C", &["U2", "U3"], 2),
        ];
        let logged = store.log_batch_once(&batch);
        assert!(matches!(logged[0], Ok(Some(_))), "{logged:?}");
        assert!(
            matches!(logged[1], Err(StoreError::Corrupt { .. })),
            "{logged:?}"
        );
        assert!(matches!(logged[2], Ok(Some(_))), "{logged:?}");
        assert_eq!(store.interaction_count(), 2);
        assert_eq!(store.interactions().unwrap().len(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_logs_are_each_logged_once_and_survive_reopening() {
        let (dir, store) = open_temp();
        let mut tasks = Vec::new();
        for i in 0..300 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // Every key twice, at once: one of the two logs it.
                let key = format!("T{}", i / 2);
                let people = [format!("U{}", 100 + i % 7), format!("U{}", 200 + i % 5)];
                let people: Vec<&str> = people.iter().map(String::as_str).collect();
                store
                    .log_once_and_commit(&key, None, &meeting(at_minute(i), &people, None))
                    .await
            }));
        }
        let mut logged = 0;
        for task in tasks {
            logged += usize::from(task.await.unwrap().unwrap().is_some());
        }
        assert_eq!(logged, 150);
        assert_eq!(store.interaction_count(), 150);
        let log = store.interactions().unwrap();
        assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
        drop(store);

        let store = reopen(dir.path()).unwrap();
        assert_eq!(store.interactions().unwrap(), log);
        assert_eq!(store.interaction_count(), 150);
    }
}
