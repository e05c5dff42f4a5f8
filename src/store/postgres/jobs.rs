//! The `jobs` table: each scheduled job's last run.

use super::super::{JobRun, StoreError};
use super::{PgStore, decoded, json};

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
        tx.execute(
            "INSERT INTO jobs (name, run) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET run = EXCLUDED.run",
            &[&job, &json(run)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        self.commit_tx(tx).await
    }
}
