//! The tasks a serving bot runs beside its front door — the scheduler, the
//! dispatcher, the health server, periodic backups, the rewrite after a
//! forget, the transport itself — supervised: one `JoinSet` under one
//! `CancellationToken`.
//!
//! Each task runs until the token is cancelled. One that ends before —
//! returns, fails or panics — leaves the bot half alive (a dead scheduler
//! sends no nudge while the front door still answers), so it is logged by
//! name and stops the bot with an error: the process exits non-zero and
//! whatever runs it (systemd, Kubernetes) starts it again. Nothing here
//! restarts a task in place: a fresh process starts from what is on disk.

use anyhow::anyhow;
use std::collections::HashMap;
use std::future::Future;
use tokio::task::{Id, JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

/// The running tasks, by name, and the token that stops them.
#[derive(Default)]
pub(super) struct SupervisedTasks {
    running: JoinSet<anyhow::Result<()>>,
    names: HashMap<Id, &'static str>,
    token: CancellationToken,
}

impl SupervisedTasks {
    /// Runs `task` now, given the token, as `name` in the logs and errors.
    pub(super) fn spawn<T>(&mut self, name: &'static str, task: impl FnOnce(CancellationToken) -> T)
    where
        T: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let id = self.running.spawn(task(self.token.clone())).id();
        self.names.insert(id, name);
    }

    /// Waits until the token is cancelled (`Ok`), or until a task ends
    /// before it is: then the error says which task and how it ended, and
    /// is logged once here.
    pub(super) async fn until_stop_or_death(&mut self) -> anyhow::Result<()> {
        tokio::select! {
            // A task that ends because stopping began is not a death.
            biased;
            () = self.token.cancelled() => Ok(()),
            Some(joined) = self.running.join_next_with_id() => {
                let (name, death) = self.how_it_ended(joined);
                let death = death.unwrap_or_else(|| anyhow!("{name} ended on its own"));
                tracing::error!(
                    task = name,
                    error = format!("{death:#}"),
                    "a background task died: stopping the bot, so that it is restarted"
                );
                Err(death)
            }
        }
    }

    /// Cancels the token, and waits until every task has ended; one that
    /// fails or panics on its way out is logged.
    pub(super) async fn stop(&mut self) {
        self.token.cancel();
        while let Some(joined) = self.running.join_next_with_id().await {
            if let (name, Some(error)) = self.how_it_ended(joined) {
                tracing::error!(
                    task = name,
                    error = format!("{error:#}"),
                    "a background task failed while stopping"
                );
            }
        }
    }

    /// The name of the task that ended, and its error, if it failed or
    /// panicked.
    fn how_it_ended(
        &mut self,
        joined: Result<(Id, anyhow::Result<()>), JoinError>,
    ) -> (&'static str, Option<anyhow::Error>) {
        let (id, error) = match joined {
            Ok((id, ended)) => (id, ended.err()),
            Err(join) => (join.id(), Some(join_error(join))),
        };
        let name = self.names.remove(&id).unwrap_or("a task");
        let error = error.map(|error| error.context(format!("{name} failed")));
        (name, error)
    }
}

/// A panic's message, or why else a task did not finish.
fn join_error(join: JoinError) -> anyhow::Error {
    match join.try_into_panic() {
        Ok(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            anyhow!("panicked: {message}")
        }
        Err(join) => anyhow!("{join}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_task_that_panics_is_named_with_its_message() {
        let mut tasks = SupervisedTasks::default();
        tasks.spawn("waiting", |stop| async move {
            stop.cancelled().await;
            Ok(())
        });
        tasks.spawn("doomed", |_| async { panic!("the disk is on fire") });
        let died = tasks.until_stop_or_death().await.unwrap_err();
        assert_eq!(
            format!("{died:#}"),
            "doomed failed: panicked: the disk is on fire"
        );
        tokio::time::timeout(Duration::from_secs(5), tasks.stop())
            .await
            .expect("the other task stops when told");
    }

    #[tokio::test]
    async fn a_task_that_returns_early_or_fails_stops_the_bot() {
        let mut tasks = SupervisedTasks::default();
        tasks.spawn("quitter", |_| async { Ok(()) });
        let died = tasks.until_stop_or_death().await.unwrap_err();
        assert_eq!(format!("{died:#}"), "quitter ended on its own");

        let mut tasks = SupervisedTasks::default();
        tasks.spawn("failing", |_| async { Err(anyhow!("no route to Slack")) });
        let died = tasks.until_stop_or_death().await.unwrap_err();
        assert_eq!(format!("{died:#}"), "failing failed: no route to Slack");
    }

    #[tokio::test]
    async fn tasks_that_end_because_the_token_was_cancelled_are_no_death() {
        let mut tasks = SupervisedTasks::default();
        for name in ["one", "two"] {
            tasks.spawn(name, |stop| async move {
                stop.cancelled().await;
                Ok(())
            });
        }
        tasks.token.cancel();
        tasks.until_stop_or_death().await.expect("a clean stop");
        tasks.stop().await;
        assert!(tasks.running.is_empty());
    }
}
