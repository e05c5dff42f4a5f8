//! Health and metrics for the operator, on their own address (see
//! `health.address`): `/healthz` says the process answers, `/readyz` that it
//! can do its work (the store reads, Slack answers `auth.test`, and over
//! Socket Mode a connection is up), `/metrics` is Prometheus' text, with
//! how full PostgreSQL's notification queue is read at each scrape.
//!
//! Slack is asked at most every 30 seconds: probes come every
//! few seconds, and `auth.test` is a call like any other under the rate
//! limits. A revoked bot token (Slack's `tokens_revoked`) is the
//! exception: a success remembered from before it is not trusted, and the
//! bot stays not ready, saying why, until this check finds its token working
//! again (in practice, a restart with a working one).

use super::socket::SocketConnections;
use crate::config::BOT_TOKEN_VAR;
use crate::metrics::Metrics;
use crate::slack::SlackClient;
use crate::store::Store;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a Slack check's answer stands.
const SLACK_CHECK_EVERY: Duration = Duration::from_secs(30);

/// How long the store may take to answer a readiness check or a scrape's
/// question: a database that does not answer within it is as good as
/// away, and a probe or a scrape waits for no more than a few seconds.
const STORE_ANSWERS_WITHIN: Duration = Duration::from_secs(2);

/// The last Slack check: when, and the problem if there was one. Behind
/// parking_lot's lock, which no panic elsewhere leaves poisoned: the value
/// is replaced whole.
type SlackCheck = Option<(Instant, Option<String>)>;

/// What the health routes look at.
#[derive(Clone)]
struct Health {
    store: Store,
    slack: SlackClient,
    slack_checked: Arc<Mutex<SlackCheck>>,
    socket: Option<SocketConnections>,
    metrics: Metrics,
}

/// The routes: `GET /healthz`, `GET /readyz`, `GET /metrics` (which
/// renders `metrics`). `socket`: the Socket Mode connections, when that is
/// the transport.
pub fn router(
    store: Store,
    slack: SlackClient,
    socket: Option<SocketConnections>,
    metrics: Metrics,
) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(Health {
            store,
            slack,
            slack_checked: Arc::default(),
            socket,
            metrics,
        })
}

/// 200 when the store reads, Slack answers and (over Socket Mode) a
/// connection is up; 503 with the reasons when not.
async fn ready(State(health): State<Health>) -> Response {
    let mut problems = Vec::new();
    match tokio::time::timeout(STORE_ANSWERS_WITHIN, health.store.schema_version()).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => problems.push(format!("the store cannot be read: {err}")),
        Err(_) => problems.push(format!(
            "the store did not answer within {} s",
            STORE_ANSWERS_WITHIN.as_secs()
        )),
    }
    if let Some(problem) = health.slack_problem().await {
        problems.push(format!("Slack: {problem}"));
    }
    if let Some(problem) = health.socket.as_ref().and_then(SocketConnections::problem) {
        problems.push(format!("Socket Mode: {problem}"));
    }
    if problems.is_empty() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let text = format!("not ready: {}\n", problems.join("; "));
        (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
    }
}

async fn metrics_text(State(health): State<Health>) -> Response {
    let usage = tokio::time::timeout(
        STORE_ANSWERS_WITHIN,
        health.store.notification_queue_usage(),
    )
    .await;
    // No sample on sled, which has no notification queue, nor while the
    // database does not answer.
    let usage = usage.ok().and_then(Result::ok).flatten();
    health.metrics.notification_queue_usage(usage);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        health.metrics.render(),
    )
        .into_response()
}

impl Health {
    /// What is wrong with reaching Slack, as of the last check (made now
    /// if it is older than [`SLACK_CHECK_EVERY`], or if it found nothing
    /// wrong and the token has been revoked since).
    async fn slack_problem(&self) -> Option<String> {
        let revoked = self.slack.token_revoked();
        let fresh = self
            .slack_checked
            .lock()
            .as_ref()
            .filter(|(at, problem)| {
                at.elapsed() < SLACK_CHECK_EVERY && !(revoked && problem.is_none())
            })
            .map(|(_, problem)| problem.clone());
        if let Some(problem) = fresh {
            return problem;
        }
        let checked = self.slack.auth_test().await;
        if checked.is_ok() && revoked {
            self.slack.note_token_works();
        }
        let problem = checked.err().map(|err| {
            if self.slack.token_revoked() {
                format!(
                    "the bot token was revoked (Slack sent tokens_revoked): set a working one \
                     in {BOT_TOKEN_VAR} and restart ({err})"
                )
            } else {
                err.to_string()
            }
        });
        *self.slack_checked.lock() = Some((Instant::now(), problem.clone()));
        problem
    }
}
