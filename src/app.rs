//! Wiring: builds the store, the Slack client and the scheduler from the
//! settings. The command line and the demo call into this; nothing here
//! decides anything.

use crate::config::{BOT_TOKEN_VAR, Secrets, Settings, TeamDirectory};
use crate::domain::Clock;
use crate::scheduler::{JobReport, Scheduler};
use crate::slack::SlackClient;
use crate::store::{Store, StoreOptions};
use anyhow::Context as _;
use std::path::Path;
use std::sync::Arc;

/// The bot, wired.
#[derive(Clone)]
pub struct App {
    store: Store,
    slack: SlackClient,
    scheduler: Scheduler,
}

impl App {
    /// Builds the bot from its settings, with its data in `data_dir`.
    pub fn build(
        settings: &Settings,
        secrets: &Secrets,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let token = secrets.bot_token.as_ref().with_context(|| {
            format!("the Slack bot token is missing: set {BOT_TOKEN_VAR} to the bot token (xoxb-…)")
        })?;
        let teams = match &settings.teams.file {
            Some(path) => TeamDirectory::load(path).context("setting `teams.file`")?,
            None => TeamDirectory::default(),
        };
        let options = StoreOptions {
            cache_capacity_bytes: settings.store.cache_capacity_mb.saturating_mul(1024 * 1024),
        };
        let store = Store::open(data_dir, &options)?;
        let slack = SlackClient::new(&settings.slack.api_url, token)?;
        let scheduler = Scheduler::new(settings, store.clone(), slack.clone(), clock, teams);
        Ok(Self {
            store,
            slack,
            scheduler,
        })
    }

    /// Runs the jobs that are due now, once each.
    pub async fn tick(&self) -> anyhow::Result<Vec<JobReport>> {
        self.scheduler.run_due().await
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The Slack client.
    pub fn slack(&self) -> &SlackClient {
        &self.slack
    }

    /// The scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }
}
