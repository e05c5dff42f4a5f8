//! The HTTP transport: Slack's Events API, slash commands and
//! interactivity, as axum routes.
//!
//! Every request to `/slack/*` is checked once, at the edge, by the
//! [`Signed`] extractor: a body over 64 KiB gets 413, a forged, unsigned or
//! stale one gets 401, and neither reaches a handler or the store.

use super::signature::{self, SignatureError};
use super::{CommandFields, FrontDoor, Reply};
use crate::domain::Clock;
use crate::slack::render_reply;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Slack's own payloads are far smaller; anything larger is refused before
/// it is read into memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the routes share. axum clones it for every request, so the front
/// door is behind an `Arc`: a count bump, not a copy of its handles.
#[derive(Clone)]
pub struct HttpState {
    front: Arc<FrontDoor>,
    signing_secret: Arc<SecretString>,
    /// The wall clock: Slack signs with real time, whatever the bot's
    /// calendar clock says.
    wall_clock: Arc<dyn Clock>,
}

/// The routes: `POST /slack/commands`, `POST /slack/events`,
/// `POST /slack/interactivity` and `GET /healthz`.
pub fn router(
    front: FrontDoor,
    signing_secret: SecretString,
    wall_clock: Arc<dyn Clock>,
) -> Router {
    let state = HttpState {
        front: Arc::new(front),
        signing_secret: Arc::new(signing_secret),
        wall_clock,
    };
    Router::new()
        .route("/slack/commands", post(slash_command))
        .route("/slack/events", post(event))
        .route("/slack/interactivity", post(interaction))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A request body whose Slack signature has been verified.
pub struct Signed(Bytes);

impl FromRequest<HttpState> for Signed {
    type Rejection = Response;

    async fn from_request(request: Request, state: &HttpState) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        signature::verify(
            &state.signing_secret,
            header("x-slack-request-timestamp"),
            header("x-slack-signature"),
            &body,
            state.wall_clock.now(),
        )
        .map_err(unauthorised)?;
        Ok(Self(body))
    }
}

fn unauthorised(err: SignatureError) -> Response {
    tracing::warn!(reason = %err, "refused an unsigned or forged request");
    (StatusCode::UNAUTHORIZED, format!("{err}\n")).into_response()
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("{what}\n")).into_response()
}

/// The form Slack posts for a slash command: the command's fields, or
/// Slack's check that the URL answers (`ssl_check`).
#[derive(Debug, Deserialize)]
struct CommandForm {
    #[serde(default)]
    ssl_check: Option<String>,
    #[serde(flatten)]
    fields: CommandFields,
}

async fn slash_command(State(state): State<HttpState>, Signed(body): Signed) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<CommandForm>(&body) else {
        return bad_request("the slash command form could not be read");
    };
    if form.ssl_check.is_some() {
        return StatusCode::OK.into_response();
    }
    match form.fields.into_command() {
        Ok(command) => reply_json(state.front.slash_command(command).await),
        Err(problem) => bad_request(problem),
    }
}

async fn event(State(state): State<HttpState>, Signed(body): Signed) -> Response {
    let Ok(envelope) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("the event is not JSON");
    };
    match envelope["type"].as_str() {
        Some("url_verification") => {
            Json(json!({ "challenge": envelope["challenge"] })).into_response()
        }
        Some("event_callback") => {
            state.front.event(envelope).await;
            StatusCode::OK.into_response()
        }
        _ => bad_request("unknown event envelope type"),
    }
}

/// The form Slack posts for a button press: one field, `payload`, of JSON.
#[derive(Debug, Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interaction(State(state): State<HttpState>, Signed(body): Signed) -> Response {
    let payload = serde_urlencoded::from_bytes::<InteractionForm>(&body)
        .ok()
        .and_then(|form| serde_json::from_str::<Value>(&form.payload).ok());
    let Some(payload) = payload else {
        return bad_request("the interaction payload could not be read");
    };
    match state.front.interaction(payload).await {
        Some(reply) => reply_json(reply),
        None => StatusCode::OK.into_response(),
    }
}

fn reply_json(reply: Reply) -> Response {
    Json(render_reply(&reply)).into_response()
}
