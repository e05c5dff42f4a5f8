//! The HTTP transport: Slack's Events API, slash commands and
//! interactivity, as axum routes.
//!
//! Every request to `/slack/*` is checked and read once, at the edge, by
//! the [`Signed`] extractor: a body over 64 KiB gets 413, a forged,
//! unsigned or stale one gets 401, one that cannot be read gets 400 and a
//! sentence that says why, and none of these reaches a handler or the
//! store. The handlers receive a [`CommandRequest`], an [`EventRequest`]
//! or an [`Interaction`], never bytes.

use super::requests::CommandFields;
use super::signature::{self, SignatureError};
use super::{EventCallback, FrontDoor, Interaction, SlashCommand};
use crate::domain::Clock;
use crate::slack::{render_modal_answer, render_reply};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::SecretString;
use serde::Deserialize;
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

/// A request from Slack, its signature verified and its body read as `T`.
pub struct Signed<T>(pub T);

/// What a route reads Slack's body as.
pub trait SlackBody: Sized {
    /// The body read, or the sentence a 400 answers with.
    fn parse(body: &[u8]) -> Result<Self, &'static str>;
}

impl<T: SlackBody + Send> FromRequest<HttpState> for Signed<T> {
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
        T::parse(&body)
            .map(Self)
            .map_err(|what| (StatusCode::BAD_REQUEST, format!("{what}\n")).into_response())
    }
}

fn unauthorised(err: SignatureError) -> Response {
    tracing::warn!(reason = %err, "refused an unsigned or forged request");
    (StatusCode::UNAUTHORIZED, format!("{err}\n")).into_response()
}

/// What Slack posts to `/slack/commands`: a slash command, or its check
/// that the URL answers (`ssl_check`).
pub enum CommandRequest {
    /// Slack checking the certificate: answered 200, nothing more.
    SslCheck,
    /// A slash command.
    Command(SlashCommand),
}

/// The form Slack posts for a slash command: the command's fields, or
/// Slack's check that the URL answers (`ssl_check`).
#[derive(Debug, Deserialize)]
struct CommandForm {
    ssl_check: Option<String>,
    #[serde(flatten)]
    fields: CommandFields,
}

impl SlackBody for CommandRequest {
    fn parse(body: &[u8]) -> Result<Self, &'static str> {
        let form = serde_urlencoded::from_bytes::<CommandForm>(body)
            .map_err(|_| "the slash command form could not be read")?;
        if form.ssl_check.is_some() {
            return Ok(Self::SslCheck);
        }
        form.fields.into_command().map(Self::Command)
    }
}

/// What Slack posts to `/slack/events`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventRequest {
    /// Slack checking that the URL is the app's, when it is set.
    UrlVerification {
        /// What to answer with.
        challenge: Option<String>,
    },
    /// An `event_callback`: everything else the Events API sends.
    EventCallback(EventCallback),
}

impl SlackBody for EventRequest {
    fn parse(body: &[u8]) -> Result<Self, &'static str> {
        serde_json::from_slice(body).map_err(|err| {
            if err.is_data() {
                "unknown event envelope type"
            } else {
                "the event is not JSON"
            }
        })
    }
}

/// The form Slack posts for a button press: one field, `payload`, of JSON.
#[derive(Debug, Deserialize)]
struct InteractionForm {
    payload: String,
}

impl SlackBody for Interaction {
    fn parse(body: &[u8]) -> Result<Self, &'static str> {
        serde_urlencoded::from_bytes::<InteractionForm>(body)
            .ok()
            .and_then(|form| serde_json::from_str(&form.payload).ok())
            .ok_or("the interaction payload could not be read")
    }
}

async fn slash_command(
    State(state): State<HttpState>,
    Signed(request): Signed<CommandRequest>,
) -> Response {
    match request {
        CommandRequest::SslCheck => StatusCode::OK.into_response(),
        CommandRequest::Command(command) => {
            Json(render_reply(&state.front.slash_command(command).await)).into_response()
        }
    }
}

async fn event(State(state): State<HttpState>, Signed(request): Signed<EventRequest>) -> Response {
    match request {
        EventRequest::UrlVerification { challenge } => {
            Json(serde_json::json!({ "challenge": challenge })).into_response()
        }
        EventRequest::EventCallback(callback) => {
            state.front.event(callback).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn interaction(
    State(state): State<HttpState>,
    Signed(interaction): Signed<Interaction>,
) -> Response {
    match state.front.interaction(interaction).await {
        Some(answer) => Json(render_modal_answer(&answer)).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_events_body_is_a_verification_a_callback_or_a_sentence_that_says_why_not() {
        let challenge = br#"{"token":"x","challenge":"3eZbrw","type":"url_verification"}"#;
        assert!(matches!(
            EventRequest::parse(challenge),
            Ok(EventRequest::UrlVerification { challenge: Some(c) }) if c == "3eZbrw"
        ));
        let callback =
            br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"app_uninstalled"}}"#;
        assert!(matches!(
            EventRequest::parse(callback),
            Ok(EventRequest::EventCallback(EventCallback { event_id: Some(id), .. })) if id == "Ev1"
        ));
        for unknown in [&br#"{"type":"app_rate_limited"}"#[..], b"{}", b"[]", b"3"] {
            assert_eq!(
                EventRequest::parse(unknown).err(),
                Some("unknown event envelope type")
            );
        }
        for broken in [
            &b"{"[..],
            b"",
            b"type=event_callback",
            br#"{"type":"url_verification"} x"#,
        ] {
            assert_eq!(
                EventRequest::parse(broken).err(),
                Some("the event is not JSON")
            );
        }
    }

    #[test]
    fn a_commands_body_is_a_command_an_ssl_check_or_a_sentence_that_says_why_not() {
        let command = CommandRequest::parse(b"command=%2Fmet&text=hi&user_id=U1&trigger_id=t");
        assert!(matches!(command, Ok(CommandRequest::Command(c)) if c.text == "hi"));
        assert!(matches!(
            CommandRequest::parse(b"ssl_check=1&token=x"),
            Ok(CommandRequest::SslCheck)
        ));
        assert_eq!(
            CommandRequest::parse(b"command=%2Fmet&text=hi").err(),
            Some("the slash command has no valid user_id")
        );
        assert_eq!(
            CommandRequest::parse(b"text=%ZZ&text=twice").err(),
            Some("the slash command form could not be read")
        );
    }

    #[test]
    fn an_interactions_body_is_any_json_in_a_payload_field() {
        assert!(matches!(
            Interaction::parse(b"payload=%7B%22type%22%3A%22shortcut%22%7D"),
            Ok(Interaction::Other)
        ));
        for unreadable in [&b"payload=%7Bnot"[..], b"other=1", b""] {
            assert_eq!(
                Interaction::parse(unreadable).err(),
                Some("the interaction payload could not be read")
            );
        }
    }
}
