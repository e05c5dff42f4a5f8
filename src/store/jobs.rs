//! The `jobs` tree: each scheduler job's last run, keyed by job name.
//!
//! The scheduler reads it at start-up to catch up on runs missed while the
//! process was down, and writes it after each run.

use super::{SledStore, StoreError, keys, trees};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One run of a scheduled job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    /// The slot of the schedule this run was for; catch-up compares the
    /// schedule against it, not against when the run started.
    pub scheduled_for: DateTime<Utc>,
    /// When the run began.
    pub started_at: DateTime<Utc>,
    /// What it did, in a line ("12 nudges sent"), for `doctor` and the logs.
    pub summary: String,
}

impl SledStore {
    /// The last recorded run of `job`, if it ever ran.
    pub fn last_run(&self, job: &str) -> Result<Option<JobRun>, StoreError> {
        let trees = self.trees()?;
        let key = keys::job(job);
        trees
            .jobs
            .get(key)?
            .map(|bytes| self.decode(trees::JOBS, key, &bytes))
            .transpose()
    }

    /// Records `run` as the last run of `job`. Does not flush.
    pub fn record_run(&self, job: &str, run: &JobRun) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::job(job);
        let value = self.encode(trees::JOBS, key, run)?;
        trees.jobs.insert(key, value)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::JobRun;
    use crate::store::fixtures::{at_minute, open_temp};

    #[test]
    fn the_last_run_of_each_job_is_the_one_recorded_last() {
        let (_dir, store) = open_temp();
        assert_eq!(store.last_run("digest").unwrap(), None);
        let run = |minute, summary: &str| JobRun {
            scheduled_for: at_minute(minute),
            started_at: at_minute(minute + 1),
            summary: summary.into(),
        };
        store.record_run("digest", &run(0, "quiet week")).unwrap();
        store
            .record_run("nudges", &run(5, "3 nudges sent"))
            .unwrap();
        store
            .record_run("digest", &run(10, "2 new alliances"))
            .unwrap();
        assert_eq!(
            store.last_run("digest").unwrap(),
            Some(run(10, "2 new alliances"))
        );
        assert_eq!(
            store.last_run("nudges").unwrap(),
            Some(run(5, "3 nudges sent"))
        );
    }
}
