//! Group commit of `/met`'s writes on PostgreSQL, as the sled store has
//! its own (`store::commit`): every writer of the log holds the log-writer
//! lock until its transaction ends, so transactions of one meeting each
//! would take turns at one synced commit apiece, a few hundred a second
//! whatever the cores. Instead each replica has one writer task: a
//! meeting to log waits in its queue, and the writer takes everything
//! queued (up to [`MOST_AT_ONCE`]), logs it in one transaction under the
//! lock, commits once, and answers each. The meetings are logged in the
//! order they were queued, each with the same checks as alone (its
//! once-key, its recent content), and a failed transaction answers every
//! meeting in it with the failure: none of them is acknowledged.

use super::super::{KEEP_RECENT_FOR, Logged, StoreError};
use super::PgStore;
use crate::domain::Interaction;
use std::collections::HashSet;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::Type;

/// The most meetings one transaction logs.
const MOST_AT_ONCE: usize = 512;

/// How many meetings may wait for the writer before a request waits to
/// queue its own.
const QUEUE: usize = 4_096;

/// A meeting waiting to be logged, and who waits for the answer.
pub(super) struct Pending {
    key: String,
    /// The keyed hash of its content, as a once-key of the kind `recent`.
    recent: Option<String>,
    interaction: Interaction,
    answer: oneshot::Sender<Result<Option<Logged>, StoreError>>,
}

/// The queue of a replica's writer.
pub(super) type Queue = mpsc::Sender<Pending>;

impl PgStore {
    /// Starts the writer of this store's group commit, and returns its
    /// queue. The writer ends when every handle of the queue is dropped.
    pub(super) fn start_group_commit(&self) -> Queue {
        let (queue, mut waiting) = mpsc::channel::<Pending>(QUEUE);
        let writer = self.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MOST_AT_ONCE);
            while waiting.recv_many(&mut batch, MOST_AT_ONCE).await > 0 {
                // Each batch in a task of its own: one that panics answers
                // its waiters with an error (their answers are dropped)
                // and the writer goes on with the next.
                let (writer, batch) = (writer.clone(), std::mem::take(&mut batch));
                if let Err(panicked) =
                    tokio::spawn(async move { writer.log_batch(batch).await }).await
                {
                    tracing::error!(error = %panicked, "a group commit failed; its meetings were not logged");
                }
            }
        });
        queue
    }

    /// Logs `interaction` once under `key` (and, with `recent`, unless its
    /// content was logged lately) through the group commit, and returns
    /// once it is committed.
    pub(super) async fn log_through_group_commit(
        &self,
        queue: &Queue,
        key: &str,
        recent: Option<String>,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            key: key.to_owned(),
            recent,
            interaction: interaction.clone(),
            answer,
        };
        let stopped = || StoreError::Database {
            place: self.place.clone(),
            problem: "its writer stopped".into(),
        };
        queue.send(pending).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    /// Logs one meeting as a batch of its own would, waiting for no
    /// writer: for a handle without a queue.
    pub(super) async fn log_alone(
        &self,
        key: &str,
        recent: Option<String>,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let alone = [Pending {
            key: key.to_owned(),
            recent,
            interaction: interaction.clone(),
            answer: oneshot::channel().0,
        }];
        let mut logged = self.write_batch(&alone).await?;
        Ok(logged.pop().flatten())
    }

    /// Logs `batch` in one transaction and answers each of its meetings.
    async fn log_batch(&self, batch: Vec<Pending>) {
        match self.write_batch(&batch).await {
            Ok(logged) => {
                for (pending, logged) in batch.into_iter().zip(logged) {
                    let _ = pending.answer.send(Ok(logged));
                }
            }
            Err(error) => {
                for pending in batch {
                    let _ = pending.answer.send(Err(self.same_error(&error)));
                }
            }
        }
    }

    /// `error` again, for another of the batch's waiters: the database's
    /// errors as they are, any other in the database's words.
    fn same_error(&self, error: &StoreError) -> StoreError {
        match error {
            StoreError::Database { place, problem } => StoreError::Database {
                place: place.clone(),
                problem: problem.clone(),
            },
            StoreError::DatabaseUnsure { place, problem } => StoreError::DatabaseUnsure {
                place: place.clone(),
                problem: problem.clone(),
            },
            other => StoreError::Database {
                place: self.place.clone(),
                problem: format!("the meetings logged with this one failed: {other}"),
            },
        }
    }

    /// The transaction of one batch: what each of its meetings did, in
    /// order.
    async fn write_batch(&self, batch: &[Pending]) -> Result<Vec<Option<Logged>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        let recents: Vec<&str> = batch.iter().filter_map(|p| p.recent.as_deref()).collect();
        let mut seen: HashSet<String> = HashSet::new();
        if !recents.is_empty() {
            let rows = tx
                .query_typed(
                    "SELECT key FROM recent_logs WHERE key = ANY($1) \
                     AND logged_at > clock_timestamp() - make_interval(secs => $2)",
                    &[
                        (&recents, Type::TEXT_ARRAY),
                        (&KEEP_RECENT_FOR.as_secs_f64(), Type::FLOAT8),
                    ],
                )
                .await
                .map_err(|e| self.failed(e))?;
            seen.extend(rows.iter().map(|row| row.get::<_, String>(0)));
        }
        // A content logged lately, or by a meeting earlier in this batch,
        // is a repeat; a meeting whose key was logged is one whatever its
        // content, and marks no content as logged.
        let all: Vec<_> = batch
            .iter()
            .map(|pending| (Some(pending.key.as_str()), &pending.interaction))
            .collect();
        let fresh = self.fresh(&tx, &all).await?;
        let mut written = Vec::with_capacity(batch.len());
        let mut entries = Vec::with_capacity(batch.len());
        for ((pending, fresh), entry) in batch.iter().zip(fresh).zip(all) {
            let repeat = !fresh
                || pending
                    .recent
                    .as_ref()
                    .is_some_and(|recent| !seen.insert(recent.clone()));
            written.push(!repeat);
            if !repeat {
                entries.push(entry);
            }
        }
        let mut logged = self.append_fresh(&tx, &entries).await?.into_iter();
        let mut answers = Vec::with_capacity(batch.len());
        let mut fresh_recents = Vec::new();
        for (pending, written) in batch.iter().zip(written) {
            let answer = match written {
                true => Some(logged.next().ok_or_else(|| self.lost("a meeting"))?),
                false => None,
            };
            if let (Some(_), Some(recent)) = (&answer, &pending.recent) {
                fresh_recents.push(recent.as_str());
            }
            answers.push(answer);
        }
        if !fresh_recents.is_empty() {
            tx.execute_typed(
                "INSERT INTO recent_logs (key, logged_at) \
                 SELECT key, clock_timestamp() FROM unnest($1::text[]) AS r(key) \
                 ON CONFLICT (key) DO UPDATE SET logged_at = EXCLUDED.logged_at",
                &[(&fresh_recents, Type::TEXT_ARRAY)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        }
        self.commit_tx(tx).await?;
        self.learn_team_ties(&answers).await;
        Ok(answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, meeting, pg_store};

    fn pending(pg: &PgStore, key: &str, content: &str) -> Pending {
        let recent = pg_keys(pg).key("recent", &[content.as_bytes()]);
        Pending {
            key: key.to_owned(),
            recent: Some(recent),
            interaction: meeting(at_minute(5), &["UADA", "UBOB"], None),
            answer: oneshot::channel().0,
        }
    }

    fn pg_keys(pg: &PgStore) -> crate::store::OnceKeys {
        let key = pg.hash_key.lock().clone().map(|(_, key)| key).unwrap();
        crate::store::OnceKeys::with_key(&key).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_answers_each_meeting_as_logging_it_alone_would() {
        let Some(pg) = pg_store().await else { return };
        // Logged long ago under the key `a`, its content no longer recent.
        let met = meeting(at_minute(1), &["UADA", "UBOB"], None);
        pg.log_once_and_commit("a", None, &met)
            .await
            .unwrap()
            .unwrap();
        pg.hash_key_now().await.unwrap();
        // `a` delivered again, and a new meeting `b` of the same words, in
        // one batch: `a` is the repeat, `b` is logged, as each alone.
        let batch = [pending(&pg, "a", "coffee"), pending(&pg, "b", "coffee")];
        let answers = pg.write_batch(&batch).await.unwrap();
        assert!(answers[0].is_none(), "a was logged before");
        assert!(answers[1].is_some(), "b is new");
        // And its words are now recent: a third key with them is a repeat.
        let again = pg
            .write_batch(&[pending(&pg, "c", "coffee")])
            .await
            .unwrap();
        assert!(again[0].is_none());
    }
}
