//! Serving: [`App::start`] checks the secrets a transport needs and binds
//! the bot's addresses; [`Started::serve`] then runs the front door and the
//! background tasks, supervised (see `supervised`), until a shutdown signal
//! or until one of them dies, finishes the work in flight and flushes the
//! store.

use super::supervised::SupervisedTasks;
use super::{App, Transport};
use crate::config::{APP_TOKEN_VAR, INSIGHTS_TOKEN_VAR, SIGNING_SECRET_VAR, Secrets};
use crate::domain::SystemClock;
use crate::inbound::server::{self, Limits};
use crate::inbound::socket::SocketConnections;
use crate::inbound::{health, http, socket};
use crate::store::{Store, off_the_workers};
use anyhow::Context as _;
use secrecy::SecretString;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How often `serve` looks for due jobs. The shortest schedule people set is
/// a few minutes; a job runs at most this late.
const SCHEDULER_PERIOD: Duration = Duration::from_secs(30);

/// How long `serve` waits before it tries a failed rewrite of the store
/// again: each try holds every request for as long as the copy takes, so
/// a disk that keeps failing (full, say) is not hammered every period.
const REWRITE_RETRY: Duration = Duration::from_secs(10 * 60);

/// How often a replica on a shared store notes whether it called Slack,
/// and counts those that did, to take its share of Slack's limits: a
/// replica joining another's burst is counted by it within this, and
/// meanwhile the two may send half as much again as the limit, a second's
/// worth, which Slack's bursts tolerate.
const COUNT_SLACK_CALLERS_EVERY: Duration = Duration::from_secs(1);

/// A replica counts among Slack's callers for this long after its last
/// call: longer than a dispatcher's pause between two sends (three
/// seconds when idle), so that a busy replica is not left out between
/// them.
const SLACK_CALLER_FOR: Duration = Duration::from_secs(10);

/// The addresses a started bot listens on, as bound: with port 0 asked
/// for, the ports the system chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// Slack's requests, over HTTP; `None` over Socket Mode.
    pub slack: Option<SocketAddr>,
    /// Health, readiness, metrics and the insights page
    /// (`health.address`).
    pub health: SocketAddr,
}

/// A transport with the secret it needs.
enum Ready {
    Http(TcpListener, SecretString),
    SocketMode(SecretString),
}

/// A bot whose secrets are checked and whose addresses are bound, not yet
/// serving: what [`App::start`] gives, and [`Started::serve`] runs.
pub struct Started {
    app: App,
    transport: Ready,
    health: TcpListener,
    insights_token: Option<SecretString>,
    bound: Bound,
    tasks: SupervisedTasks,
}

impl App {
    /// Checks the secrets `transport` needs, then binds Slack's address
    /// (over HTTP) and the health address, so that a missing secret or a
    /// taken port stops start-up before anything runs.
    pub async fn start(&self, transport: Transport, secrets: &Secrets) -> anyhow::Result<Started> {
        let (transport, slack) = match transport {
            Transport::Http(address) => {
                let secret = secrets.signing_secret.clone().with_context(|| {
                    format!("the Slack signing secret is missing: set {SIGNING_SECRET_VAR} (the app's Basic Information page shows it)")
                })?;
                let listener = TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address}"))?;
                let bound = listener.local_addr()?;
                (Ready::Http(listener, secret), Some(bound))
            }
            Transport::SocketMode => {
                let token = secrets.app_token.clone().with_context(|| {
                    format!("the Slack app-level token is missing: set {APP_TOKEN_VAR} (xapp-…), or serve over HTTP with --http ADDR")
                })?;
                (Ready::SocketMode(token), None)
            }
        };
        let health_address = self.settings.health.address;
        let health = TcpListener::bind(health_address)
            .await
            .with_context(|| format!("cannot listen on {health_address} for health and metrics (setting `health.address`)"))?;
        Ok(Started {
            app: self.clone(),
            bound: Bound {
                slack,
                health: health.local_addr()?,
            },
            transport,
            health,
            insights_token: secrets.insights_token.clone(),
            tasks: SupervisedTasks::default(),
        })
    }
}

impl Started {
    /// The addresses it listens on.
    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// Runs `task` now, beside the bot's own tasks and supervised as they
    /// are: it is given the token that says stop, and should return once it
    /// is cancelled; ending before, failing or panicking stops the bot, and
    /// `serve` returns the error, named `name`.
    pub fn supervise<T>(&mut self, name: &'static str, task: impl FnOnce(CancellationToken) -> T)
    where
        T: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.tasks.spawn(name, task);
    }

    /// Serves Slack and runs the scheduled jobs, the dispatcher, the health
    /// server, backups and the store's rewrites until `shutdown` completes;
    /// then stops taking requests, lets in-flight work finish and flushes
    /// the store. A task that dies first stops the bot the same way, and
    /// its error is returned, so that the process exits non-zero.
    pub async fn serve(
        mut self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Listened for from now on: a signal during the first people sync
        // stops the bot as soon as the sync is done.
        self.tasks.spawn("the shutdown signal", |stop| async move {
            if stop.run_until_cancelled(shutdown).await.is_some() {
                tracing::info!("stopping: finishing in-flight work");
                stop.cancel();
            }
            Ok(())
        });
        let app = self.app.clone();
        let grace = Duration::from_secs(u64::from(app.settings.delivery.shutdown_grace_seconds));
        // Renewed from now on, so that a long first people sync on the
        // replica that leads keeps the lease.
        let leadership = app.scheduler.leadership().clone();
        self.tasks
            .spawn("the scheduler's lease", |stop| async move {
                leadership.run(stop).await;
                Ok(())
            });
        if let Err(err) = app.scheduler.sync_people_at_start().await {
            tracing::warn!(
                error = format!("{err:#}"),
                "could not refresh people at start; the daily job will retry"
            );
        }
        spawn_background(&app, &mut self.tasks, grace);
        let mut tasks = self.spawn_servers(grace);

        let served = tasks.until_stop_or_death().await;
        // When stopping began: the follow-ups' grace counts from it, as the
        // servers' and the dispatcher's do.
        let deadline = tokio::time::Instant::now() + grace;
        tasks.stop().await;
        // What requests set off after their answer (an introduction,
        // `digest now`, an event's handling) gets the rest of the grace.
        app.follow_ups.close();
        if tokio::time::timeout_at(deadline, app.follow_ups.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                unfinished = app.follow_ups.len(),
                "follow-ups of acknowledged requests did not finish in time"
            );
        }
        app.store.flush().await?;
        tracing::info!("stopped; the store is flushed");
        served
    }

    /// Runs the health server, with the insights page when its token is
    /// set, and Slack's transport, answered by the front door; gives back
    /// the tasks, theirs among them.
    fn spawn_servers(self, grace: Duration) -> SupervisedTasks {
        let (app, mut tasks) = (self.app, self.tasks);
        // Socket Mode's connections, which /readyz reports when it is the
        // transport.
        let socket = SocketConnections::default();
        let reported = matches!(self.transport, Ready::SocketMode(_)).then(|| socket.clone());
        if self.insights_token.is_some() {
            tracing::info!("insights for admins: /insights on the health address");
        } else {
            tracing::info!("insights page off: set {INSIGHTS_TOKEN_VAR} to turn it on");
        }
        let operator = health::router(
            app.store.clone(),
            app.slack.clone(),
            reported,
            app.metrics.clone(),
        )
        .merge(app.insights_router(self.insights_token));
        tracing::info!(address = %self.bound.health, "health and metrics: /healthz, /readyz, /metrics");
        tasks.spawn("the health server", move |stop| async move {
            server::serve(self.health, operator, Limits::OPERATOR, stop, grace).await;
            Ok(())
        });
        let front = app.front_door();
        match self.transport {
            Ready::Http(listener, secret) => {
                if let Some(address) = self.bound.slack {
                    tracing::info!(%address, "serving Slack over HTTP");
                }
                let router = http::router(front, secret, Arc::new(SystemClock));
                tasks.spawn("the HTTP server for Slack", move |stop| async move {
                    server::serve(listener, router, Limits::SLACK, stop, grace).await;
                    Ok(())
                });
            }
            Ready::SocketMode(token) => {
                tasks.spawn("Socket Mode", move |stop| async move {
                    socket::run(front, &token, socket, stop.cancelled_owned()).await
                });
            }
        }
        tasks
    }
}

/// The scheduler, the dispatcher, periodic backups and the rewrite after
/// a forget, each stopping within `grace` of the token's cancel or sooner.
fn spawn_background(app: &App, tasks: &mut SupervisedTasks, grace: Duration) {
    tasks.spawn("the scheduler", |stop| run_scheduler(app.clone(), stop));
    // A send in flight gets the shutdown grace to finish; one that takes
    // longer stays queued for the next start.
    let dispatcher = app.scheduler.dispatcher().clone();
    tasks.spawn("the dispatcher", move |stop| async move {
        tokio::select! {
            () = dispatcher.run(stop.clone()) => {}
            () = out_of_grace(&stop, grace) => tracing::warn!(
                ?grace,
                "a send did not finish in time; it stays queued for the next start"
            ),
        }
        Ok(())
    });
    // A backup in progress stops within seconds (see `backups`).
    let (store, clock) = (app.store.clone(), app.clock.clone());
    let settings = app.settings.backup.clone();
    tasks.spawn("periodic backups", |stop| async move {
        crate::backups::keep_backups(store, settings, clock, stop.cancelled_owned()).await;
        Ok(())
    });
    if app.store.is_shared() {
        tasks.spawn("the share of Slack's limits", |stop| {
            share_slack_limits(app.clone(), stop)
        });
    }
    // A rewrite in progress is let finish, as a restart would finish it.
    tasks.spawn("the store's rewrite", |stop| {
        erase_what_was_forgotten(app.store.clone(), stop)
    });
}

/// Every [`COUNT_SLACK_CALLERS_EVERY`] until `stop` is cancelled: notes in
/// the shared store whether this replica called Slack, and takes its
/// share of Slack's limits: among the replicas that called lately, while
/// it calls; among every replica up, while it is quiet, so that a burst
/// it starts with the others (a digest, the nudges) starts at its share.
/// When the store cannot be asked, the last share stands.
async fn share_slack_limits(app: App, stop: CancellationToken) -> anyhow::Result<()> {
    // As much faster as the delivery speedup, like every other wait.
    let pace = app.settings.delivery.speedup.get();
    let mut every = tokio::time::interval(COUNT_SLACK_CALLERS_EVERY.div_f64(pace));
    let within = SLACK_CALLER_FOR.div_f64(pace);
    while stop.run_until_cancelled(every.tick()).await.is_some() {
        let called = app.slack.called_since_last_look();
        match app.store.slack_callers(called, within).await {
            Ok(callers) => app.slack.share_limits_among(match called {
                true => callers.calling.max(1),
                false => callers.up,
            }),
            Err(error) => tracing::warn!(
                %error,
                "could not count the replicas calling Slack; keeping the last share of its limits"
            ),
        }
    }
    Ok(())
}

/// Completes `grace` after `stop` is cancelled.
async fn out_of_grace(stop: &CancellationToken, grace: Duration) {
    stop.cancelled().await;
    tokio::time::sleep(grace).await;
}

/// Runs due jobs every [`SCHEDULER_PERIOD`] while this replica leads, and
/// forgets event ids older than the dedupe window; on another replica,
/// follows the leader's people sync. Until `stop` is cancelled.
async fn run_scheduler(app: App, stop: CancellationToken) -> anyhow::Result<()> {
    let mut period = tokio::time::interval(SCHEDULER_PERIOD);
    while stop.run_until_cancelled(period.tick()).await.is_some() {
        if !app.scheduler.leadership().leads() {
            if let Err(err) = app.scheduler.follow_people().await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "could not follow the leader's people sync; trying again later"
                );
            }
            // The old event ids are the shared store's: the leader prunes.
            continue;
        }
        if let Err(err) = app.scheduler.run_due().await {
            tracing::error!(
                error = format!("{err:#}"),
                "a scheduled job failed; it will be retried"
            );
        }
        let window = chrono::Duration::minutes(crate::inbound::DEDUPE_WINDOW_MINUTES);
        if let Err(err) = app.store.prune_deliveries(app.clock.now() - window).await {
            tracing::warn!(error = %err, "could not forget old event ids");
        }
    }
    Ok(())
}

/// Rewrites the store into fresh files whenever a forget-me (or a purge)
/// asks, so that what it erased from the trees leaves sled's files too
/// (see `store::rewrite`): at once when woken, and every
/// [`SCHEDULER_PERIOD`] while one is still due (after a restart, or
/// [`REWRITE_RETRY`] after a failure), until `stop` is cancelled. The copy
/// blocks the store, so it runs on a blocking thread ([`off_the_workers`]).
async fn erase_what_was_forgotten(store: Store, stop: CancellationToken) -> anyhow::Result<()> {
    let mut period = tokio::time::interval(SCHEDULER_PERIOD);
    let mut not_before = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = store.rewrite_wanted() => {}
            _ = period.tick() => {}
        }
        if tokio::time::Instant::now() < not_before {
            continue;
        }
        let rewriting = store.clone();
        let rewritten =
            off_the_workers(move || async move { rewriting.rewrite_if_due().await }).await;
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
