//! The `jobs` tree: each scheduler job's last run, keyed by job name.
//!
//! The scheduler reads it at start-up to catch up on runs missed while the
//! process was down, and writes it after each run.

use super::interactions::from_transaction;
use super::{SledStore, StoreError, keys, trees};
use crate::domain::{OutboxItem, Outgoing};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;

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

    /// Queues `outgoing` as of the run's start and records `run` as the
    /// last run of `job`, atomically: a job whose run says what it queued
    /// (the digest's, whose next run starts where this one ended) never
    /// queues it twice after a crash between the two. Does not flush.
    pub fn queue_and_record_run(
        &self,
        outgoing: Outgoing,
        job: &str,
        run: &JobRun,
    ) -> Result<OutboxItem, StoreError> {
        let trees = self.trees()?;
        let item = self.new_outbox_item(outgoing, run.started_at)?;
        let item_key = keys::outbox(item.id);
        let queued = self.encode(trees::OUTBOX, &item_key, &item)?;
        let job_key = keys::job(job);
        let recorded = self.encode(trees::JOBS, job_key, run)?;
        (&trees.outbox, &trees.jobs)
            .transaction(|(outbox, jobs)| {
                outbox.insert(item_key.as_slice(), queued.as_slice())?;
                jobs.insert(job_key, recorded.as_slice())?;
                Ok(())
            })
            .map_err(from_transaction)?;
        Ok(item)
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

    #[test]
    fn a_queued_message_and_the_run_that_queued_it_are_written_together() {
        let (_dir, store) = open_temp();
        let run = JobRun {
            scheduled_for: at_minute(0),
            started_at: at_minute(3),
            summary: "queued a digest".into(),
        };
        let outgoing = crate::domain::Outgoing::Digest {
            channel: "alliances".into(),
            digest: crate::domain::Digest::empty(at_minute(0), at_minute(3)),
            team_map: None,
        };
        let item = store
            .queue_and_record_run(outgoing, "digest", &run)
            .unwrap();
        assert_eq!(item.queued_at, at_minute(3));
        assert!(store.in_outbox(item.id).unwrap());
        assert_eq!(store.last_run("digest").unwrap(), Some(run));
    }
}
