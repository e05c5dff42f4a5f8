//! Wiring: builds the store, the Slack client, the scheduler, the metrics
//! and the front door from the settings; `serve` (in `app/serve.rs`) binds
//! the bot's addresses and runs it, its background tasks supervised (in
//! `app/supervised.rs`), until stopped. The command line and the demo call
//! into this; nothing here decides anything.

mod serve;
mod supervised;

pub use serve::{Bound, Started};

use crate::calendars::CalendarKey;
use crate::config::{BOT_TOKEN_VAR, Secrets, Settings};
use crate::data_dir::open_store;
use crate::domain::Clock;
use crate::inbound::FrontDoor;
use crate::metrics::Metrics;
use crate::scheduler::{Dispatched, JobReport, Scheduler};
use crate::slack::SlackClient;
use crate::store::Store;
use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How Slack's requests reach the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A WebSocket the bot opens to Slack: no public URL needed.
    SocketMode,
    /// Slack posts to the bot's HTTP endpoints at this address (port 0:
    /// one the system chooses, which [`Started::bound`] tells).
    Http(SocketAddr),
}

/// What one [`App::tick`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// Who runs the scheduled jobs, when not this tick: another replica
    /// holds the scheduler's lease.
    pub led_by_another: bool,
    /// The jobs that ran.
    pub jobs: Vec<JobReport>,
    /// What the outbox sent.
    pub delivered: Dispatched,
}

/// The bot, wired.
#[derive(Clone)]
pub struct App {
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    store: Store,
    slack: SlackClient,
    scheduler: Scheduler,
    /// The one set of metrics of the bot: each part counts into it, and
    /// `/metrics` renders it.
    metrics: Metrics,
    /// What the front door spawned after acknowledging: awaited on shutdown.
    follow_ups: TaskTracker,
}

impl App {
    /// Builds the bot from its settings, with its data in `data_dir`.
    pub async fn build(
        settings: &Settings,
        secrets: &Secrets,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let token = secrets.bot_token.as_ref().with_context(|| {
            format!("the Slack bot token is missing: set {BOT_TOKEN_VAR} to the bot token (xoxb-…)")
        })?;
        let teams = settings
            .teams
            .clone()
            .read_file()
            .context("setting `teams.file`")?;
        let store = open_store(settings, data_dir).await?;
        let metrics = Metrics::new();
        let slack = SlackClient::new(settings.slack.api_url.as_str(), token)?
            .with_speedup(settings.delivery.speedup.get())
            .with_metrics(metrics.clone());
        let calendar_key = secrets
            .encryption_key
            .as_ref()
            .map(|key| CalendarKey::parse(key.expose_secret()))
            .transpose()?
            .map(Arc::new);
        let scheduler = Scheduler::new(
            settings,
            store.clone(),
            slack.clone(),
            clock.clone(),
            teams,
            metrics.clone(),
        )
        .with_calendar_key(calendar_key);
        Ok(Self {
            settings: Arc::new(settings.clone()),
            clock,
            store,
            slack,
            scheduler,
            metrics,
            follow_ups: TaskTracker::new(),
        })
    }

    /// Runs the jobs that are due now, once each, then sends what they
    /// queued (and anything queued before), trying again for at most
    /// `retry_for`: `alliances tick` runs once and exits, the demo runs
    /// it hour by hour.
    /// On a store that replicas share, the jobs run only if no replica
    /// holds the scheduler's lease: the tick takes it, renews it while the
    /// jobs run, and gives it back.
    pub async fn tick(&self, retry_for: Duration) -> anyhow::Result<Tick> {
        let leadership = self.scheduler.leadership();
        let leads = leadership
            .ask()
            .await
            .context("cannot learn whether another replica runs the scheduled jobs")?;
        let jobs = if leads {
            let renewing = CancellationToken::new();
            // Cancelled however this ends, a panic or a drop included.
            let stop_renewing = renewing.clone().drop_guard();
            let leadership = leadership.clone();
            let renewal = tokio::spawn(async move { leadership.run(renewing).await });
            let jobs = self.scheduler.run_due().await;
            drop(stop_renewing);
            // It gives the lease back as it ends.
            let _ = renewal.await;
            jobs?
        } else {
            Vec::new()
        };
        let delivered = self.scheduler.dispatcher().drain(retry_for).await?;
        Ok(Tick {
            led_by_another: !leads,
            jobs,
            delivered,
        })
    }

    /// The front door both transports call.
    pub fn front_door(&self) -> FrontDoor {
        FrontDoor::new(
            self.store.clone(),
            self.slack.clone(),
            self.settings.clone(),
            self.clock.clone(),
            self.scheduler.clone(),
            self.follow_ups.clone(),
            self.metrics.clone(),
        )
    }

    /// The admins' insights page, open to `token` (none: the page is off).
    pub fn insights_router(&self, token: Option<SecretString>) -> axum::Router {
        crate::inbound::insights::router(
            self.scheduler.clone(),
            self.settings.commands.k_anonymity_floor,
            token,
        )
    }

    /// The store the bot was built on, shared with every part it runs.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The scheduler, for running a job now (`tick`, the demo, the tests).
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }
}
