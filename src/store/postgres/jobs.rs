//! The `jobs` table: each scheduled job's last run.

use super::super::{JobRun, StoreError};
use super::{PgStore, decoded, json};
use crate::domain::{OutboxItem, Outgoing};

impl PgStore {
    /// The last recorded run of `job`, if it ever ran.
    pub async fn last_run(&self, job: &str) -> Result<Option<JobRun>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT run FROM jobs WHERE name = $1", &[&job])
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "run", "jobs", || job.to_owned()))
            .transpose()
    }

    /// Records `run` as the last run of `job`.
    pub async fn record_run(&self, job: &str, run: &JobRun) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.check_fence(&tx).await?;
        self.record_run_in(&tx, job, run).await?;
        self.commit_tx(tx).await
    }

    /// Queues `outgoing` as of the run's start and records `run` as the
    /// last run of `job`, in one transaction: a job whose run says what it
    /// queued (the digest's, whose next run starts where this one ended)
    /// never queues it twice, whether its replica dies or loses the lease
    /// between the two.
    pub async fn queue_and_record_run(
        &self,
        outgoing: Outgoing,
        job: &str,
        run: &JobRun,
    ) -> Result<OutboxItem, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.check_fence(&tx).await?;
        let mut queued = self.enqueue_in(&tx, vec![outgoing], run.started_at).await?;
        self.record_run_in(&tx, job, run).await?;
        self.commit_tx(tx).await?;
        queued.pop().ok_or_else(|| self.lost("an outbox item"))
    }

    async fn record_run_in(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        job: &str,
        run: &JobRun,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO jobs (name, run) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET run = EXCLUDED.run",
            &[&job, &json(run)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }
}
