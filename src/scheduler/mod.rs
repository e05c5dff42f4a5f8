//! The scheduler: cron jobs from config, each run recorded in the store.
//!
//! A job is due when a time in its schedule has passed since the time it
//! last ran for. A job that missed several times while the bot was down runs
//! once, for the latest missed time, not once per miss. Each job reads a
//! snapshot from the store, asks the rules for a plan, sends it through the
//! Slack client and records what it did: decide, then do.
//!
//! On a store that replicas share, the jobs run on the one that holds the
//! scheduler's lease (`leadership`); the others keep their roster of
//! teams as fresh as the leader's people sync (`replicas`).

mod calendar_reads;
mod circles;
mod digest;
mod dispatch;
mod dry_run;
mod leadership;
mod nudges;
mod partnership_weeks;
mod people;
mod replicas;

pub use circles::circles_snapshot;
use digest::DigestRun;
pub use dispatch::{Dispatched, Dispatcher};
pub use dry_run::dry_run;
pub use leadership::Leadership;
pub use nudges::{nudge_snapshot, plan_messages};
pub use partnership_weeks::KEPT_FOR as PARTNERSHIP_WEEKS_KEPT_FOR;

use crate::calendars::CalendarKey;
use crate::config::{
    CalendarSettings, CircleSettings, CronSchedule, LeaderSettings, Settings, Teams,
};
use crate::domain::{Clock, DigestPolicy, FAILED_KEPT_DAYS, Insights, Partnership};
use crate::metrics::Metrics;
use crate::rules::{PartnershipHistory, Policy, Snapshot};
use crate::slack::SlackClient;
use crate::store::{JobRun, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::sync::Arc;
use std::sync::RwLock;

/// The jobs the scheduler runs, in the order it runs them when several are
/// due: people first, so that nudges and the digest see today's workspace,
/// then calendars, so that they see the meetings read from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// Refresh people and teams from Slack.
    People,
    /// Read the calendars people gave.
    Calendars,
    /// Nudge people about neglected alliances.
    Nudges,
    /// Post the digest of new alliances.
    Digest,
    /// Form leadership circles, and ask each whether they got together.
    Circles,
}

impl JobKind {
    /// Every job, in run order.
    pub const ALL: [JobKind; 5] = [
        Self::People,
        Self::Calendars,
        Self::Nudges,
        Self::Digest,
        Self::Circles,
    ];

    /// The job's name in the store and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Calendars => "calendars",
            Self::Nudges => "nudges",
            Self::Digest => "digest",
            Self::Circles => "circles",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How far back a job that never ran looks for a missed time, so that a
/// fresh install's first `tick` runs each job once (the longest default
/// schedule is weekly).
const FIRST_RUN_LOOKBACK_DAYS: i64 = 8;

/// What one run of a job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// Which of the scheduled jobs ran.
    pub job: JobKind,
    /// The schedule time it ran for.
    pub scheduled_for: DateTime<Utc>,
    /// A line saying what it did.
    pub summary: String,
}

/// Runs the jobs of the settings against a store and a Slack client.
///
/// Cheap to clone: the front door holds one, and is cloned per request and
/// per Socket Mode event, so the schedules and the teams file (a map entry
/// per person) are shared rather than copied.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    /// The store the scheduled jobs write through: fenced by the
    /// scheduler's lease, so that a replica that lost it mid-job queues
    /// nothing (see `leadership`).
    jobs: Store,
    /// Whether this replica runs the scheduled jobs.
    leadership: Leadership,
    /// When the last people job this replica's roster is as fresh as
    /// began, as that job recorded it (by its replica's clock): a replica
    /// that does not lead builds its roster again after the next one.
    roster_follows: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
    slack: SlackClient,
    clock: Arc<dyn Clock>,
    schedules: Arc<[(JobKind, CronSchedule)]>,
    policy: Policy,
    digest_policy: DigestPolicy,
    /// Whether the digest carries the team map.
    digest_team_map: bool,
    /// How late a missed time may still be run after downtime.
    catch_up_grace: Duration,
    /// Sends what the jobs queue.
    dispatcher: dispatch::Dispatcher,
    /// Where job durations and failures, and planned nudges, are counted.
    metrics: Metrics,
    // Shared, not copied: the scheduler is cloned into every request's
    // front door.
    digest_channel: Arc<str>,
    team_origin: Arc<Teams>,
    /// Who leads, from Slack's user groups, and when a leader is warned.
    leaders: Arc<LeaderSettings>,
    /// How leadership circles are formed.
    circles: CircleSettings,
    /// Which calendar meetings count, and where calendars may be read from.
    calendar_settings: CalendarSettings,
    /// The key partnerships, whose nudges come first.
    partnerships: Arc<[Partnership]>,
    /// The key partnerships' weeks on the insights page, kept a while.
    partnership_weeks: Arc<partnership_weeks::PartnershipWeeks>,
    /// The teams and leaders of the last people sync, for the people
    /// events bring between syncs. A std lock, held to take the roster
    /// (shared, not copied), never across the await of its use.
    teams: Arc<RwLock<Arc<people::KnownRoster>>>,
    /// The operator's key, when set: people's emails are kept hashed
    /// under it, and calendars are read with it.
    calendar_key: Option<Arc<CalendarKey>>,
}

impl Scheduler {
    /// A scheduler for the jobs in `settings`, counting what it does into
    /// `metrics`.
    pub fn new(
        settings: &Settings,
        store: Store,
        slack: SlackClient,
        clock: Arc<dyn Clock>,
        team_origin: Teams,
        metrics: Metrics,
    ) -> Self {
        let schedule = &settings.schedule;
        let dispatcher = dispatch::Dispatcher::new(
            store.clone(),
            slack.clone(),
            clock.clone(),
            settings.delivery.clone(),
            settings.rules,
            metrics.clone(),
        );
        let leadership = Leadership::new(store.clone());
        Self {
            jobs: store.fenced_by(leadership::NAME),
            leadership,
            roster_follows: Arc::default(),
            store,
            slack,
            clock,
            schedules: Arc::new([
                (JobKind::People, schedule.people.clone()),
                (JobKind::Calendars, schedule.calendars.clone()),
                (JobKind::Nudges, schedule.nudges.clone()),
                (JobKind::Digest, schedule.digest.clone()),
                (JobKind::Circles, schedule.circles.clone()),
            ]),
            policy: settings.rules,
            digest_policy: settings.digest_policy(),
            digest_team_map: settings.digest.team_map,
            catch_up_grace: Duration::hours(i64::from(schedule.catch_up_hours)),
            dispatcher,
            metrics,
            digest_channel: settings.digest.channel.name().into(),
            teams: Arc::new(RwLock::new(Arc::new(people::KnownRoster::before_a_sync(
                &team_origin,
                &settings.leaders,
            )))),
            team_origin: Arc::new(team_origin),
            leaders: Arc::new(settings.leaders.clone()),
            circles: settings.circles,
            calendar_settings: settings.calendars,
            partnerships: settings.partnerships.clone().into(),
            partnership_weeks: Arc::default(),
            calendar_key: None,
        }
    }

    /// This scheduler, keeping people's emails hashed under `key` and
    /// reading calendars with it.
    pub fn with_calendar_key(mut self, key: Option<Arc<CalendarKey>>) -> Self {
        self.calendar_key = key;
        self
    }

    /// The operator's key for calendars, if set.
    pub fn calendar_key(&self) -> Option<&CalendarKey> {
        self.calendar_key.as_deref()
    }

    /// The operator's key for calendars, if set, to hold across an await.
    pub fn shared_calendar_key(&self) -> Option<Arc<CalendarKey>> {
        self.calendar_key.clone()
    }

    /// The jobs due at `now`, each with the latest schedule time it missed.
    ///
    /// After downtime, a job that ran before catches up only on a time
    /// missed within the catch-up grace: a digest missed by days waits for
    /// its next time (and then covers the whole stretch since the last
    /// one) rather than arriving mid-week. A job that never ran looks back
    /// 8 days, so that a fresh install runs each once.
    pub async fn due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(JobKind, DateTime<Utc>)>, StoreError> {
        let mut due = Vec::new();
        for (job, schedule) in self.schedules.iter() {
            let (last, grace) = match self.store.last_run(job.name()).await? {
                Some(run) => (run.scheduled_for, self.catch_up_grace),
                None => {
                    let lookback = Duration::days(FIRST_RUN_LOOKBACK_DAYS);
                    (now - lookback, lookback)
                }
            };
            match latest_between(schedule, last, now) {
                Some(missed) if now - missed <= grace => due.push((*job, missed)),
                Some(missed) => {
                    tracing::info!(job = %job, %missed, "missed longer ago than the catch-up grace: waiting for the next time");
                }
                None => {}
            }
        }
        Ok(due)
    }

    /// Records every job as having run at its latest schedule time up to
    /// `at`, without running it: a fresh install starts from here.
    pub async fn anchor(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        for (job, schedule) in self.schedules.iter() {
            let since = at - Duration::days(FIRST_RUN_LOOKBACK_DAYS);
            let scheduled_for = latest_between(schedule, since, at).unwrap_or(at);
            let run = JobRun {
                scheduled_for,
                started_at: at,
                summary: "anchored: history starts here".to_owned(),
            };
            self.store.record_run(job.name(), &run).await?;
        }
        self.store.flush().await
    }

    /// Runs every due job once, in order, and returns what each did. A job
    /// that fails is not recorded as run, so the next tick tries it again.
    /// Messages given up on more than [`FAILED_KEPT_DAYS`] ago are pruned
    /// first, and the backup an uninstall kept is deleted once its grace
    /// (`purge.grace_days`) has ended.
    pub async fn run_due(&self) -> anyhow::Result<Vec<JobReport>> {
        let now = self.clock.now();
        if let Err(err) = self
            .store
            .prune_failed(now - chrono::Duration::days(FAILED_KEPT_DAYS))
            .await
        {
            tracing::warn!(error = %err, "could not prune old failed messages");
        }
        match self.store.discard_kept_backup(now).await {
            Ok(Some(path)) => tracing::warn!(
                backup = %path.display(),
                "the grace after the uninstall has ended: its backup is deleted"
            ),
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "could not look at the backup an uninstall kept")
            }
        }
        let mut reports = Vec::new();
        for (job, scheduled_for) in self.due(now).await? {
            // Asked again before each: a job may take minutes.
            if !self.leadership.leads() {
                tracing::warn!(
                    %job,
                    "this replica no longer runs the scheduled jobs: the rest are the new leader's"
                );
                break;
            }
            reports.push(self.run(job, scheduled_for).await?);
        }
        Ok(reports)
    }

    /// Runs one job for `scheduled_for` and records the run, and how long
    /// it took, in the metrics.
    #[tracing::instrument(skip_all, fields(job = %job, scheduled_for = %scheduled_for))]
    pub async fn run(
        &self,
        job: JobKind,
        scheduled_for: DateTime<Utc>,
    ) -> anyhow::Result<JobReport> {
        let timer = std::time::Instant::now();
        let result = self.run_job(job, scheduled_for).await;
        self.metrics()
            .job_ran(job.name(), timer.elapsed().as_secs_f64(), result.is_err());
        result
    }

    /// The metrics the bot counts into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    async fn run_job(
        &self,
        job: JobKind,
        scheduled_for: DateTime<Utc>,
    ) -> anyhow::Result<JobReport> {
        let started_at = self.clock.now();
        let summary = match job {
            JobKind::People => self.sync_people().await?,
            JobKind::Calendars => {
                calendar_reads::run(
                    &self.jobs,
                    &self.calendar_settings,
                    self.shared_calendar_key(),
                    started_at,
                )
                .await?
            }
            JobKind::Nudges => {
                nudges::run(
                    &self.jobs,
                    started_at,
                    &self.policy,
                    &self.partnerships,
                    self.leaders.min_teams,
                    self.digest_policy.k_anonymity_floor,
                    self.metrics(),
                )
                .await?
            }
            JobKind::Digest => {
                // Recorded with what it queued, in one write.
                let digest = self
                    .queue_digest(&self.jobs, &self.digest_channel, started_at, scheduled_for)
                    .await?;
                return Ok(self.job_done(job, scheduled_for, digest.summary(false)));
            }
            JobKind::Circles => {
                circles::run(&self.jobs, started_at, &self.policy, &self.circles).await?
            }
        };
        let run = JobRun {
            scheduled_for,
            started_at,
            summary: summary.clone(),
        };
        self.jobs.record_run(job.name(), &run).await?;
        self.jobs.flush().await?;
        Ok(self.job_done(job, scheduled_for, summary))
    }

    /// Wakes the dispatcher for what `job` queued, and reports it.
    fn job_done(&self, job: JobKind, scheduled_for: DateTime<Utc>, summary: String) -> JobReport {
        self.dispatcher.wake();
        tracing::info!(%summary, "job done");
        JobReport {
            job,
            scheduled_for,
            summary,
        }
    }

    /// Records a change Slack reported about one person (`team_join`,
    /// `user_change`), as the daily people job would; before this
    /// process's first sync, keeping the roles the last one recorded.
    pub async fn record_member(&self, member: crate::slack::SlackPerson) -> Result<(), StoreError> {
        let teams = Arc::clone(
            &self
                .teams
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        people::record_member(&self.store, &teams, member, self.calendar_key())
            .await
            .map(|_| ())
    }

    /// Posts the digest of everything since the last digest now, to
    /// `channel` or the configured one (`/alliances digest now`): queues it
    /// and sends what is due at once. It counts as the digest's run, so the
    /// next scheduled digest starts from here.
    pub async fn post_digest_now(&self, channel: Option<&str>) -> anyhow::Result<String> {
        let now = self.clock.now();
        let channel = channel.map_or(&*self.digest_channel, |c| c.trim_start_matches('#'));
        let digest = self.queue_digest(&self.store, channel, now, now).await?;
        self.dispatcher.send_due(None).await?;
        Ok(match digest {
            DigestRun::Queued { item, .. } if self.store.in_outbox(item).await? => format!(
                "{}; Slack did not take it yet, so it will be tried again",
                digest.summary(false)
            ),
            _ => digest.summary(true),
        })
    }

    /// Queues the digest of everything since the digest's last slot (or the
    /// week before, the first time) up to the slot `scheduled_for`, for
    /// `channel`, and records the run, begun `now`, in the same write.
    async fn queue_digest(
        &self,
        store: &Store,
        channel: &str,
        now: DateTime<Utc>,
        scheduled_for: DateTime<Utc>,
    ) -> Result<DigestRun, StoreError> {
        let since = self
            .store
            .last_run(JobKind::Digest.name())
            .await?
            .map_or(scheduled_for - Duration::days(7), |run| run.scheduled_for);
        let period = digest::Period {
            since,
            until: scheduled_for,
            started_at: now,
        };
        digest::run(
            store,
            period,
            channel,
            &self.digest_policy,
            self.digest_team_map.then_some(&self.policy),
            &self.partnerships,
        )
        .await
    }

    /// What the admins' insights page shows now: the figures of the whole
    /// network over the last `weeks` weeks, and how many leaders are short
    /// of alliances, under the digest's k-anonymity floor. Reads every tie,
    /// and with key partnerships the interaction log too: blocking work,
    /// for a blocking thread ([`off_the_workers`]).
    ///
    /// [`off_the_workers`]: crate::store::off_the_workers
    pub async fn insights(&self, weeks: usize) -> Result<Insights, StoreError> {
        let snapshot = Snapshot::of_shared(
            self.store.people_by_id().await?,
            self.store.ties().await?,
            Vec::new(),
        )
        .with_partnerships(self.partnerships.to_vec());
        let (now, floor) = (self.clock.now(), self.digest_policy.k_anonymity_floor);
        let mut insights = crate::rules::insights(&snapshot, now, &self.policy, floor, weeks);
        insights.lonely_leaders = crate::rules::lonely_leaders(
            &snapshot,
            now,
            &self.policy,
            self.leaders.min_teams,
            floor,
        );
        if !snapshot.partnerships.is_empty() {
            // How each partnership stood week by week needs its meetings,
            // which only the log keeps: a long read, kept a while.
            let people = partnership_weeks::PeopleKey::of(&snapshot.people);
            let (health, as_of) = self
                .partnership_weeks
                .at(now, people, async {
                    let mut history = PartnershipHistory::new(&snapshot, now, weeks);
                    let (from, until) = history.window();
                    self.store
                        .visit_interactions_between(from, until, |interaction| {
                            history.record(&interaction)
                        })
                        .await?;
                    Ok::<_, StoreError>(history.health(floor))
                })
                .await?;
            insights.partnerships = health;
            insights.partnerships_as_of = Some(as_of);
        }
        Ok(insights)
    }

    /// The dispatcher of the outbox the jobs fill.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }
}

/// The latest time of `schedule` in `(after, until]`.
fn latest_between(
    schedule: &CronSchedule,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    schedule
        .schedule()
        .after(&after)
        .take_while(|t| *t <= until)
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    /// Where nobody answers: for schedulers that call no Slack.
    const NO_SLACK: &str = "http://127.0.0.1:9/api";

    /// A scheduler with the default settings on `store`, calling the Slack
    /// API at `api_url`, its clock at `now`.
    fn scheduler_at(
        store: &Store,
        api_url: &str,
        now: DateTime<Utc>,
    ) -> (Scheduler, Arc<crate::domain::SettableClock>) {
        let slack = SlackClient::new(
            api_url,
            &secrecy::SecretString::from("xoxb-test".to_owned()),
        )
        .unwrap();
        let clock = Arc::new(crate::domain::SettableClock::new(now));
        let scheduler = Scheduler::new(
            &Settings::default(),
            store.clone(),
            slack,
            clock.clone(),
            Teams::listed([]),
            Metrics::new(),
        );
        (scheduler, clock)
    }

    #[tokio::test]
    async fn after_downtime_a_missed_job_catches_up_only_within_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::store::StoreOptions::default()).unwrap();
        let (scheduler, _) = scheduler_at(&store, NO_SLACK, at(2, 9));
        let ran = |at| JobRun {
            scheduled_for: at,
            started_at: at,
            summary: "ran".into(),
        };
        for job in JobKind::ALL {
            store.record_run(job.name(), &ran(at(9, 8))).await.unwrap();
        }
        store.record_run("digest", &ran(at(2, 9))).await.unwrap();
        let digest_due = async |now| {
            scheduler
                .due(now)
                .await
                .unwrap()
                .into_iter()
                .find(|(job, _)| *job == JobKind::Digest)
                .map(|(_, slot)| slot)
        };
        // Monday 9 March, 09:00 was missed; at 20:00 it is 11 hours late: run it.
        assert_eq!(digest_due(at(9, 20)).await, Some(at(9, 9)));
        // By Wednesday it is 49 hours late: wait for the next Monday.
        assert_eq!(digest_due(at(11, 10)).await, None);
        assert_eq!(
            digest_due(at(16, 9) + Duration::minutes(30)).await,
            Some(at(16, 9))
        );
    }

    #[tokio::test]
    async fn a_digest_run_late_tells_of_its_week_and_leaves_what_came_after_to_the_next() {
        use crate::domain::{Interaction, InteractionKind};
        use crate::rules::fixtures::{members, user};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::store::StoreOptions::default()).unwrap();
        let mut people = members("UPAY", "Payments", 5);
        people.extend(members("USAL", "Sales", 5));
        store.put_people(&people).await.unwrap();
        let (scheduler, clock) = scheduler_at(&store, NO_SLACK, at(2, 9));
        scheduler.run(JobKind::Digest, at(2, 9)).await.unwrap();
        // Monday 9 March's digest was due at 09:00; the bot was down until
        // 20:00. Two first meetings: on Sunday, and at noon.
        let first = |at, a: &str, b: &str| {
            Interaction::new(at, InteractionKind::Meeting, [user(a), user(b)], None, None).unwrap()
        };
        store
            .log_interactions(&[
                first(at(8, 12), "UPAY1", "USAL1"),
                first(at(9, 12), "UPAY2", "USAL2"),
            ])
            .await
            .unwrap();
        clock.set(at(9, 20));
        let late = scheduler.run(JobKind::Digest, at(9, 9)).await.unwrap();
        assert!(
            late.summary.contains(": 1 new alliances"),
            "{}",
            late.summary
        );
        clock.set(at(16, 9));
        let next = scheduler.run(JobKind::Digest, at(16, 9)).await.unwrap();
        assert!(
            next.summary.contains(": 1 new alliances"),
            "{}",
            next.summary
        );
    }

    #[tokio::test]
    async fn a_follower_syncs_once_per_leaders_sync_whatever_their_clocks_say() {
        use fake_slack::{FakeSlack, FakeUser, Workspace};
        let user = FakeUser {
            id: "U0000001".into(),
            name: "ada".into(),
            real_name: "Ada".into(),
            tz: "UTC".into(),
            team: None,
            is_bot: false,
            deleted: false,
        };
        let fake = FakeSlack::start(Workspace::new("xoxb-test", vec![user], vec![]))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::store::StoreOptions::default()).unwrap();
        // The leader's clock is an hour ahead of this replica's.
        let (scheduler, clock) = scheduler_at(&store, &fake.api_url(), at(9, 9));
        let leaders_sync = JobRun {
            scheduled_for: at(9, 10),
            started_at: at(9, 10),
            summary: "synced 1 people".into(),
        };
        store.record_run("people", &leaders_sync).await.unwrap();
        let lists = || {
            fake.calls()
                .iter()
                .filter(|call| call.method == "users.list")
                .count()
        };

        scheduler.follow_people().await.unwrap();
        assert_eq!(lists(), 1);
        clock.advance(Duration::seconds(30));
        scheduler.follow_people().await.unwrap();
        assert_eq!(lists(), 1, "the leader's sync is followed once");
        // A new leader, its clock behind this replica's, syncs: followed.
        let new_leaders_sync = JobRun {
            started_at: at(9, 8),
            ..leaders_sync
        };
        store.record_run("people", &new_leaders_sync).await.unwrap();
        scheduler.follow_people().await.unwrap();
        assert_eq!(lists(), 2);
    }

    #[test]
    fn the_latest_missed_time_is_found_once() {
        let weekdays_at_ten = CronSchedule::parse("0 0 10 * * Mon-Fri").unwrap();
        // Monday 2 March, 09:00 → Thursday 5 March, 12:00: four times missed, one run.
        assert_eq!(
            latest_between(&weekdays_at_ten, at(2, 9), at(5, 12)),
            Some(at(5, 10))
        );
        assert_eq!(latest_between(&weekdays_at_ten, at(5, 10), at(5, 12)), None);
        // Saturday and Sunday have no time.
        assert_eq!(latest_between(&weekdays_at_ten, at(7, 0), at(8, 23)), None);
    }
}
