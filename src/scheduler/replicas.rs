//! A scheduler beside other replicas on a shared store: whether it leads,
//! and, while it does not, keeping its roster of teams and leaders as
//! fresh as the leader's people sync (see `leadership`).

use super::{JobKind, Leadership, Scheduler, people};
use chrono::{DateTime, Utc};
use std::sync::Arc;

impl Scheduler {
    /// Whether this replica runs the scheduled jobs, and the lease that
    /// says so.
    pub fn leadership(&self) -> &Leadership {
        &self.leadership
    }

    /// On a replica that does not run the jobs: once the leader's people
    /// job has run since this replica's roster was built, builds it again
    /// from Slack, so that the profile changes this replica handles see
    /// the same teams and leaders. Records no run.
    ///
    /// The leader's job is known by the start it recorded, compared with
    /// the one this roster follows, never with this replica's clock: a
    /// clock behind the leader's would see its job as newer at every look,
    /// and one ahead would see it as older.
    pub async fn follow_people(&self) -> anyhow::Result<()> {
        let Some(last) = self.store.last_run(JobKind::People.name()).await? else {
            return Ok(());
        };
        if *self.roster_follows() == Some(last.started_at) {
            return Ok(());
        }
        self.sync_people().await.map(drop)
    }

    /// At start: the people job on the replica that leads; on another, the
    /// people sync alone, for this replica's roster.
    pub async fn sync_people_at_start(&self) -> anyhow::Result<()> {
        if self.leadership.try_once().await {
            self.run(JobKind::People, self.clock.now()).await.map(drop)
        } else {
            self.sync_people().await.map(drop)
        }
    }

    /// Reads everyone from Slack into the store and this replica's roster;
    /// what it did, in words.
    pub(super) async fn sync_people(&self) -> anyhow::Result<String> {
        // Read first: a job that starts meanwhile is followed again.
        let follows = self
            .store
            .last_run(JobKind::People.name())
            .await?
            .map(|run| run.started_at);
        let (teams, summary) = people::sync_people(
            &self.store,
            &self.slack,
            &self.team_origin,
            &self.leaders,
            self.calendar_key(),
        )
        .await?;
        *self
            .teams
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(teams);
        *self.roster_follows() = follows;
        Ok(summary)
    }

    fn roster_follows(&self) -> std::sync::MutexGuard<'_, Option<DateTime<Utc>>> {
        self.roster_follows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
