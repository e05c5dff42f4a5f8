//! Wiring: builds the store, the Slack client, the scheduler and the front
//! door from the settings, and runs them until stopped. The command line
//! and the demo call into this; nothing here decides anything.

use crate::config::{
    APP_TOKEN_VAR, BOT_TOKEN_VAR, INSIGHTS_TOKEN_VAR, SIGNING_SECRET_VAR, Secrets, Settings,
};
use crate::data_dir::open_store;
use crate::domain::{Clock, SystemClock};
use crate::inbound::server::{self, Limits};
use crate::inbound::socket::SocketConnections;
use crate::inbound::{FrontDoor, http, socket};
use crate::metrics::Metrics;
use crate::scheduler::{Dispatched, JobKind, JobReport, Scheduler, TeamOrigin};
use crate::slack::SlackClient;
use crate::store::Store;
use anyhow::Context as _;
use secrecy::SecretString;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

/// How often `serve` looks for due jobs. The shortest schedule people set is
/// a few minutes; a job runs at most this late.
const SCHEDULER_PERIOD: Duration = Duration::from_secs(30);

/// How long `serve` waits before it tries a failed rewrite of the store
/// again: each try holds every request for as long as the copy takes, so
/// a disk that keeps failing (full, say) is not hammered every period.
const REWRITE_RETRY: Duration = Duration::from_secs(10 * 60);

/// How Slack's requests reach the bot.
#[derive(Debug)]
pub enum Transport {
    /// A WebSocket the bot opens to Slack: no public URL needed.
    SocketMode,
    /// Slack posts to the bot's HTTP endpoints on this listener.
    Http(tokio::net::TcpListener),
}

impl Transport {
    /// HTTP on `addr`, bound now so that a taken port is reported at start.
    pub async fn http(addr: SocketAddr) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        Ok(Self::Http(listener))
    }
}

/// A transport with the secret it needs.
enum Ready {
    Http(tokio::net::TcpListener, SecretString),
    SocketMode(SecretString),
}

/// What one [`App::tick`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
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
    pub fn build(
        settings: &Settings,
        secrets: &Secrets,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let token = secrets.bot_token.as_ref().with_context(|| {
            format!("the Slack bot token is missing: set {BOT_TOKEN_VAR} to the bot token (xoxb-…)")
        })?;
        let teams = TeamOrigin::from_settings(&settings.teams).context("setting `teams.file`")?;
        let store = open_store(settings, data_dir)?;
        let metrics = Metrics::new();
        let slack = SlackClient::new(&settings.slack.api_url, token)?
            .with_speedup(settings.delivery.speedup)
            .with_metrics(metrics.clone());
        let scheduler = Scheduler::new(
            settings,
            store.clone(),
            slack.clone(),
            clock.clone(),
            teams,
            metrics.clone(),
        );
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
    pub async fn tick(&self, retry_for: Duration) -> anyhow::Result<Tick> {
        let jobs = self.scheduler.run_due().await?;
        let delivered = self.scheduler.dispatcher().drain(retry_for).await?;
        Ok(Tick { jobs, delivered })
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

    /// Serves Slack over `transport` and runs the scheduler until `shutdown`
    /// completes; then stops taking requests, lets in-flight ones finish,
    /// and flushes the store.
    pub async fn serve(
        &self,
        transport: Transport,
        secrets: &Secrets,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Every secret the transport needs is checked before anything starts.
        let transport = match transport {
            Transport::Http(listener) => Ready::Http(
                listener,
                secrets.signing_secret.clone().with_context(|| {
                    format!("the Slack signing secret is missing: set {SIGNING_SECRET_VAR} (the app's Basic Information page shows it)")
                })?,
            ),
            Transport::SocketMode => Ready::SocketMode(secrets.app_token.clone().with_context(|| {
                format!("the Slack app-level token is missing: set {APP_TOKEN_VAR} (xapp-…), or serve over HTTP with --http ADDR")
            })?),
        };
        // The health address is bound first: a taken port stops start-up.
        let health_address = self.settings.health.address;
        let health_listener = tokio::net::TcpListener::bind(health_address)
            .await
            .with_context(|| format!("cannot listen on {health_address} for health and metrics (setting `health.address`)"))?;
        let (stop, stopped) = watch::channel(false);
        let stop = Arc::new(stop);
        let until_stopped = move |mut stopped: watch::Receiver<bool>| async move {
            // Either a send or the sender going away means: stop.
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        // When stopping began: every part's shutdown grace counts from it.
        let stopping_since = Arc::new(OnceLock::new());
        let signalled = Arc::clone(&stop);
        let signalled_at = Arc::clone(&stopping_since);
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("stopping: finishing in-flight work");
            signalled_at.get_or_init(tokio::time::Instant::now);
            let _ = signalled.send(true);
        });
        let grace = Duration::from_secs(u64::from(self.settings.delivery.shutdown_grace_seconds));

        if let Err(err) = self.scheduler.run(JobKind::People, self.clock.now()).await {
            tracing::warn!(
                error = format!("{err:#}"),
                "could not refresh people at start; the daily job will retry"
            );
        }
        let scheduler = tokio::spawn(run_scheduler(self.clone(), until_stopped(stopped.clone())));
        if let Ok(address) = health_listener.local_addr() {
            tracing::info!(%address, "health and metrics: /healthz, /readyz, /metrics");
            if secrets.insights_token.is_some() {
                tracing::info!(%address, "insights for admins: /insights");
            } else {
                tracing::info!("insights page off: set {INSIGHTS_TOKEN_VAR} to turn it on");
            }
        }
        // Socket Mode's connections, which /readyz reports when it is the
        // transport.
        let socket = SocketConnections::default();
        let reported = matches!(transport, Ready::SocketMode(_)).then(|| socket.clone());
        let operator = crate::inbound::health::router(
            self.store.clone(),
            self.slack.clone(),
            reported,
            self.metrics.clone(),
        )
        .merge(self.insights_router(secrets.insights_token.clone()));
        let health = tokio::spawn(server::serve(
            health_listener,
            operator,
            Limits::OPERATOR,
            until_stopped(stopped.clone()),
            grace,
        ));
        let backups = tokio::spawn(crate::backups::keep_backups(
            self.store.clone(),
            self.settings.backup.clone(),
            self.clock.clone(),
            until_stopped(stopped.clone()),
        ));
        let erasing = tokio::spawn(erase_what_was_forgotten(
            self.store.clone(),
            until_stopped(stopped.clone()),
        ));
        let dispatcher = self.scheduler.dispatcher().clone();
        let dispatching = {
            let stopped = stopped.clone();
            tokio::spawn(async move { dispatcher.run(stopped).await })
        };

        let served = match transport {
            Ready::Http(listener, secret) => {
                if let Ok(address) = listener.local_addr() {
                    tracing::info!(%address, "serving Slack over HTTP");
                }
                let router = http::router(self.front_door(), secret, Arc::new(SystemClock));
                let stopped = until_stopped(stopped.clone());
                server::serve(listener, router, Limits::SLACK, stopped, grace).await;
                Ok(())
            }
            Ready::SocketMode(token) => {
                socket::run(
                    self.front_door(),
                    self.slack.morphism(),
                    &token,
                    socket,
                    until_stopped(stopped.clone()),
                )
                .await
            }
        };
        // Whatever stopped the transport stops the scheduler and the
        // dispatcher too; a send in flight gets the rest of the grace
        // period to finish.
        let deadline = *stopping_since.get_or_init(tokio::time::Instant::now) + grace;
        let _ = stop.send(true);
        drop(stopped);
        let _ = scheduler.await;
        let _ = health.await;
        // A backup in progress stops within seconds (see `backups`); a
        // rewrite in progress is let finish, as a restart would finish it.
        let _ = backups.await;
        let _ = erasing.await;
        if tokio::time::timeout_at(deadline, dispatching)
            .await
            .is_err()
        {
            tracing::warn!(
                ?grace,
                "a send did not finish in time; it stays queued for the next start"
            );
        }
        // And what requests set off after their answer (an introduction,
        // `digest now`, an event's handling) gets the rest of it.
        self.follow_ups.close();
        if tokio::time::timeout_at(deadline, self.follow_ups.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                unfinished = self.follow_ups.len(),
                "follow-ups of acknowledged requests did not finish in time"
            );
        }
        self.store.flush()?;
        tracing::info!("stopped; the store is flushed");
        served
    }

    /// The admins' insights page, open to `token` (none: the page is off).
    pub fn insights_router(&self, token: Option<SecretString>) -> axum::Router {
        crate::inbound::insights::router(
            self.scheduler.clone(),
            self.settings.commands.k_anonymity_floor,
            token,
        )
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

    /// What the bot counted since it was built, as `/metrics` shows it.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

/// Runs due jobs every [`SCHEDULER_PERIOD`] until `stopped`, and forgets
/// event ids older than the dedupe window.
async fn run_scheduler(app: App, stopped: impl Future<Output = ()>) {
    let mut period = tokio::time::interval(SCHEDULER_PERIOD);
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = period.tick() => {}
        }
        if let Err(err) = app.scheduler.run_due().await {
            tracing::error!(
                error = format!("{err:#}"),
                "a scheduled job failed; it will be retried"
            );
        }
        let window = chrono::Duration::minutes(crate::inbound::DEDUPE_WINDOW_MINUTES);
        if let Err(err) = app.store.prune_deliveries(app.clock.now() - window) {
            tracing::warn!(error = %err, "could not forget old event ids");
        }
    }
}

/// Rewrites the store into fresh files whenever a forget-me (or a purge)
/// asks, so that what it erased from the trees leaves sled's files too
/// (see `store::rewrite`): at once when woken, and every
/// [`SCHEDULER_PERIOD`] while one is still due (after a restart, or
/// [`REWRITE_RETRY`] after a failure). The copy blocks the store, so it runs
/// on a blocking thread.
async fn erase_what_was_forgotten(store: Store, stopped: impl Future<Output = ()>) {
    let mut period = tokio::time::interval(SCHEDULER_PERIOD);
    let mut not_before = tokio::time::Instant::now();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            () = store.rewrite_wanted() => {}
            _ = period.tick() => {}
        }
        if tokio::time::Instant::now() < not_before {
            continue;
        }
        let rewriting = store.clone();
        let rewritten = tokio::task::spawn_blocking(move || rewriting.rewrite_if_due()).await;
        match rewritten {
            Ok(Ok(None)) => {}
            Ok(Ok(Some(rewritten))) => tracing::info!(
                records = rewritten.records,
                took = ?rewritten.took,
                "rewrote the store into fresh files: what was forgotten is off the disk"
            ),
            Ok(Err(error)) => {
                not_before = tokio::time::Instant::now() + REWRITE_RETRY;
                tracing::error!(
                    error = format!("{:#}", anyhow::Error::new(error)),
                    retry_in = ?REWRITE_RETRY,
                    "could not rewrite the store after a forget; the old files still hold what was forgotten"
                );
            }
            Err(panicked) => {
                not_before = tokio::time::Instant::now() + REWRITE_RETRY;
                tracing::error!(error = %panicked, "the rewrite of the store panicked");
            }
        }
    }
}
