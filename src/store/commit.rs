//! Group commit: [`SledStore::commit`], the durable write that request paths
//! await, and [`SledStore::log_once_and_commit`], which also writes.
//!
//! Every write a person is told about must be on disk first (see the
//! module doc of `store`). An fsync per request would cap the bot at one
//! request per fsync and block a tokio worker for each. Instead, a request
//! path awaits [`SledStore::commit`], which queues a waiter for one flusher
//! thread owned by the store. The thread takes every job queued so far,
//! runs one `db.flush()` (sled's write-out and fsync) and wakes them all, so
//! the requests waiting at the same moment share one fsync, and tokio's
//! workers go on serving while it runs.
//!
//! `/met`, the busiest write, goes one step further: its interaction is
//! queued with its waiter ([`SledStore::log_once_and_commit`]), and the thread
//! logs every interaction of the batch in one sled transaction before the
//! flush (see `durable_log`). sled writes out and syncs its log buffer
//! twice for every transaction or batch, whatever its size, so one
//! transaction per batch rather than per request is most of the cost saved.
//!
//! Why a write is covered: a caller writes, then calls `commit`, which
//! queues its waiter; so the write happened before the waiter was queued.
//! The thread receives a waiter before it starts the flush that answers it
//! (it takes the batch, then flushes), so every flush that answers a waiter
//! started after that waiter's write, and sled's flush makes durable every
//! write made before it is called. A waiter queued while a flush runs is
//! not taken by it: it waits for the next one. The writes the thread makes
//! itself for a batch are made before that batch's flush starts.
//!
//! The thread starts on the first commit, not when the store opens (most
//! stores, in tests and in `tick`, never commit), and ends when the last
//! clone of the store is dropped: that drops the queue's sender, the
//! thread's wait for a job ends, and the drop joins the thread, so the
//! folder is free to be opened again as soon as the store is gone. The
//! thread logs through a clone of the store of its own, whose own group
//! commit is never started, so that it does not hold its queue open.
//!
//! Use [`SledStore::flush`] (synchronous) off the request paths: at start-up,
//! in jobs and at shutdown.

use super::recent_logs::ContentDigest;
use super::{Logged, SledStore, StoreError};
use crate::domain::Interaction;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// What the flusher runs: sled's flush, or a stand-in in tests.
type Flush = dyn Fn() -> sled::Result<()> + Send + Sync;

/// A commit waiting for a flush, woken with its outcome.
type Waiter = oneshot::Sender<Result<(), StoreError>>;

/// What the flusher thread is asked for.
pub(super) enum Job {
    /// Wake the waiter once every write made before is on disk.
    Commit(Waiter),
    /// Log an interaction once under a key, then wake its caller once it
    /// is on disk.
    LogOnce(LogOnce),
}

/// An interaction waiting to be logged by the flusher thread.
pub(super) struct LogOnce {
    /// Its idempotency key (see [`SledStore::log_interaction_once`]).
    pub(super) key: String,
    /// The digest of its content, when a repeat of the same content within
    /// a few minutes is a repeat too (see `recent_logs`).
    pub(super) content: Option<ContentDigest>,
    pub(super) interaction: Interaction,
    /// Told what logging did, once it is on disk.
    pub(super) done: oneshot::Sender<Result<Option<Logged>, StoreError>>,
}

impl SledStore {
    /// Returns once every write made before the call is on disk: call it,
    /// and await it, before telling a person that a write happened. Callers
    /// that wait at the same time share one flush (see the module doc).
    pub async fn commit(&self) -> Result<(), StoreError> {
        let (waiter, flushed) = oneshot::channel();
        self.group_commit.enqueue(Job::Commit(waiter))?;
        // The flusher answers every waiter it takes; should it ever drop one
        // unanswered, the write is not known to be on disk.
        flushed.await.unwrap_or(Err(StoreError::FlusherStopped))
    }
}

/// The group committer of one store: its queue of jobs and the flusher
/// thread that serves it.
pub(super) struct GroupCommit {
    flush: Arc<Flush>,
    /// The store the thread logs into (see the module doc); `None` in the
    /// tests of the queue alone, and in the writer's own clone.
    writer: Option<SledStore>,
    /// `None` until the first commit. A std Mutex: it is held for a send on
    /// an unbounded channel (and, once, a thread start), never across an
    /// await.
    flusher: Mutex<Option<Flusher>>,
}

/// A running flusher thread and the sending end of its queue.
struct Flusher {
    jobs: mpsc::Sender<Job>,
    thread: JoinHandle<()>,
}

impl GroupCommit {
    /// A group committer that makes writes durable with `flush`, and logs
    /// into `writer`.
    pub(super) fn new(
        flush: impl Fn() -> sled::Result<()> + Send + Sync + 'static,
        writer: Option<SledStore>,
    ) -> Self {
        Self {
            flush: Arc::new(flush),
            writer,
            flusher: Mutex::new(None),
        }
    }

    /// Queues `job` for the next flush to start, starting the flusher
    /// thread on the first one.
    pub(super) fn enqueue(&self, job: Job) -> Result<(), StoreError> {
        let mut flusher = self.lock();
        let running = match flusher.as_mut() {
            Some(running) => running,
            None => flusher.insert(Flusher::start(
                Arc::clone(&self.flush),
                self.writer.clone(),
            )?),
        };
        // The thread runs until `self` is dropped and survives panics in
        // what it runs, so its queue is open here.
        running
            .jobs
            .send(job)
            .map_err(|_| StoreError::FlusherStopped)
    }

    /// Locks the flusher slot. Poisoning is ignored: the slot is replaced
    /// whole, never left half-written.
    fn lock(&self) -> MutexGuard<'_, Option<Flusher>> {
        self.flusher
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for GroupCommit {
    /// Stops the flusher thread and waits for it, so that its handle on the
    /// database is gone when the store is. No commit can be waiting: a
    /// commit borrows a store, and this runs when the last one is dropped.
    fn drop(&mut self) {
        let slot = self
            .flusher
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(Flusher { jobs, thread }) = slot.take() {
            drop(jobs);
            let _ = thread.join();
        }
    }
}

impl Flusher {
    fn start(flush: Arc<Flush>, writer: Option<SledStore>) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || serve(&queue, flush.as_ref(), writer.as_ref()))
            .map_err(|e| StoreError::Io(sled::Error::Io(e)))?;
        Ok(Self { jobs, thread })
    }
}

/// The flusher thread: while anyone waits, one transaction for the
/// batch's logs and one flush for all of them. Ends when the queue's sender
/// is dropped and the queue is empty.
fn serve(queue: &mpsc::Receiver<Job>, flush: &Flush, writer: Option<&SledStore>) {
    while let Ok(first) = queue.recv() {
        let (mut commits, mut logs) = (Vec::new(), Vec::new());
        for job in std::iter::once(first).chain(queue.try_iter()) {
            match job {
                Job::Commit(waiter) => commits.push(waiter),
                Job::LogOnce(log) => logs.push(log),
            }
        }
        // Panics in logging or flushing are caught so that the thread keeps
        // serving; the jobs of the batch are told it failed.
        let logged = log_all(writer, &logs);
        // Every job in the batch was received, and its interaction logged,
        // before this line: this flush covers all of their writes.
        let flushed = std::panic::catch_unwind(AssertUnwindSafe(flush));
        if flushed.is_err() {
            tracing::error!(
                jobs = commits.len() + logs.len(),
                "a flush of the store panicked"
            );
        }
        let outcome = || match &flushed {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StoreError::Unflushed(error.clone())),
            Err(_) => Err(StoreError::FlusherStopped),
        };
        // A job whose request was dropped meanwhile needs no answer.
        for waiter in commits {
            let _ = waiter.send(outcome());
        }
        for (log, logged) in logs.into_iter().zip(logged) {
            let _ = log
                .done
                .send(logged.and_then(|logged| outcome().map(|()| logged)));
        }
    }
}

/// Logs `logs` into `writer`, in one transaction when it can.
fn log_all(
    writer: Option<&SledStore>,
    logs: &[LogOnce],
) -> Vec<Result<Option<Logged>, StoreError>> {
    if logs.is_empty() {
        return Vec::new();
    }
    let logged = writer
        .map(|store| std::panic::catch_unwind(AssertUnwindSafe(|| store.log_batch_once(logs))));
    match logged {
        Some(Ok(logged)) => logged,
        Some(Err(_)) => {
            tracing::error!(
                logs = logs.len(),
                "logging a batch of interactions panicked"
            );
            logs.iter()
                .map(|_| Err(StoreError::FlusherStopped))
                .collect()
        }
        // Only the tests of the queue alone have no store to log into.
        None => logs
            .iter()
            .map(|_| Err(StoreError::FlusherStopped))
            .collect(),
    }
}

#[cfg(test)]
impl SledStore {
    /// This store with every later flush of its commits failing, as on a
    /// full disk: for tests of what people are told then. Its writes still
    /// land in memory, as sled's would.
    pub(crate) fn with_failing_commits(self) -> Self {
        self.with_failing_flushes(usize::MAX)
    }

    /// This store with its next `count` flushes failing, then flushing as
    /// it should: a disk that was full and has room again.
    pub(crate) fn with_failing_flushes(mut self, count: usize) -> Self {
        let writer = self.clone();
        let current = self.current.clone();
        let failures = std::sync::atomic::AtomicUsize::new(0);
        self.group_commit = Arc::new(GroupCommit::new(
            move || {
                if failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < count {
                    return Err(sled::Error::Io(std::io::Error::other(
                        "no space left on device",
                    )));
                }
                super::handles::flush_current(&current)
            },
            Some(writer),
        ));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, user};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// Waits until `done` holds, for a second at most.
    fn eventually(mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(1);
        while !done() {
            assert!(Instant::now() < deadline, "the condition never held");
            std::thread::yield_now();
        }
    }

    /// A queued waiter and what it is told.
    fn waiter(group: &GroupCommit) -> oneshot::Receiver<Result<(), StoreError>> {
        let (waiter, flushed) = oneshot::channel();
        group.enqueue(Job::Commit(waiter)).unwrap();
        flushed
    }

    #[test]
    fn commits_queued_during_a_flush_share_the_next_flush_and_not_the_running_one() {
        // Each flush waits for the test to let it finish.
        let (finish, finishes) = mpsc::channel::<()>();
        let finishes = Mutex::new(finishes);
        let flushes = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&flushes);
        let group = GroupCommit::new(
            move || {
                counted.fetch_add(1, Ordering::SeqCst);
                finishes.lock().unwrap().recv().unwrap();
                Ok(())
            },
            None,
        );

        let mut first = waiter(&group);
        eventually(|| flushes.load(Ordering::SeqCst) == 1);
        // The first flush is running: these are written after it started.
        let mut later: Vec<_> = (0..50).map(|_| waiter(&group)).collect();
        finish.send(()).unwrap();
        eventually(|| first.try_recv().is_ok_and(|flushed| flushed.is_ok()));
        for flushed in &mut later {
            assert!(
                flushed.try_recv().is_err(),
                "a flush that started before a write does not cover it"
            );
        }

        eventually(|| flushes.load(Ordering::SeqCst) == 2);
        finish.send(()).unwrap();
        for flushed in later {
            assert!(flushed.blocking_recv().unwrap().is_ok());
        }
        assert_eq!(flushes.load(Ordering::SeqCst), 2, "one flush for all fifty");
    }

    #[test]
    fn a_failed_flush_fails_every_commit_it_answers_and_the_next_one_can_succeed() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let group = GroupCommit::new(
            move || match counted.fetch_add(1, Ordering::SeqCst) {
                0 => Err(sled::Error::Io(std::io::Error::other("disk full"))),
                _ => Ok(()),
            },
            None,
        );
        let failed = waiter(&group).blocking_recv().unwrap();
        assert!(
            matches!(&failed, Err(StoreError::Unflushed(sled::Error::Io(e))) if e.to_string().contains("disk full")),
            "{failed:?}"
        );
        assert!(waiter(&group).blocking_recv().unwrap().is_ok());
    }

    #[test]
    fn a_flush_that_panics_fails_its_commits_and_the_flusher_serves_the_next() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let group = GroupCommit::new(
            move || {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("a flush that panics, on purpose");
                }
                Ok(())
            },
            None,
        );
        let panicked = waiter(&group).blocking_recv().unwrap();
        assert!(
            matches!(panicked, Err(StoreError::FlusherStopped)),
            "{panicked:?}"
        );
        assert!(waiter(&group).blocking_recv().unwrap().is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_concurrent_commits_all_complete_with_their_writes() {
        let (_dir, store) = open_temp();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("U{}", 1000 + i);
                store.put_person(&person(&id, "Someone", None))?;
                store.commit().await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.people().unwrap().len(), 200);
    }

    #[tokio::test]
    async fn a_committed_write_is_there_after_reopening() {
        let (dir, store) = open_temp();
        let copy = store.clone();
        store
            .log_interaction_once("T1", &meeting(at_minute(0), &["U1", "U2"], None))
            .unwrap();
        copy.commit().await.unwrap();
        drop(copy);
        drop(store);

        // The flusher thread ended with the last clone, so sled's lock on
        // the folder is free again.
        let store = crate::store::fixtures::reopen(dir.path()).unwrap();
        assert_eq!(store.interaction_count(), 1);
        assert!(
            store
                .log_interaction_once("T1", &meeting(at_minute(0), &["U1", "U2"], None))
                .unwrap()
                .is_none()
        );
        store.put_person(&person("U3", "Chen", None)).unwrap();
        store.commit().await.unwrap();
        assert!(store.person(&user("U3")).unwrap().is_some());
    }
}
