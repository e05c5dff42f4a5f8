//! The HTTP edge: `GET|POST /api/{method}`, as Slack's Web API answers it.
//!
//! It reads the parameters from wherever the client put them (query string,
//! form body or JSON body), checks the bearer token (and that it is the kind
//! of token the method takes: the app token opens Socket Mode, the bot token
//! does everything else), hands the call to [`super::methods`], records it,
//! and answers JSON with HTTP 200 — Slack reports its errors (`not_authed`,
//! `invalid_auth`, `not_allowed_token_type`, …) in the body, not in the
//! status.
//!
//! Two things may come first. A fault drawn from [`super::faults`] answers
//! instead (a 429, a 5xx, no answer at all) or besides (late, or lost after
//! the call took effect). When limits are enforced, a call over one of
//! Slack's rate limits ([`super::limits`]) gets Slack's 429 with
//! `Retry-After` and has no effect.

use super::directory::Directory;
use super::faults::Fault;
use super::methods::{self, Params, SlackError, TokenKind};
use super::recorder::{CallOutcome, RecordedCall};
use super::{SharedState, State, lock};
use axum::body::{Body, Bytes};
use axum::extract::{self, FromRequest, Path, Query, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde_json::{Map, Value, json};
use std::io;
use tokio::time::Instant;

/// The routes, over the shared state.
pub(super) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/api/{method}", get(call).post(call))
        .with_state(state)
}

/// One call as it arrived, its parameters read.
struct Call {
    method: String,
    token: Option<String>,
    params: Params,
    /// The error to answer when part of the parameters could not be read.
    unreadable: Option<SlackError>,
}

/// Answers one Web API call and records it.
async fn call(
    extract::State(state): extract::State<SharedState>,
    Path(method): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let token = bearer_token(&parts.headers);
    let (params, unreadable) = read_params(parts, body).await;
    let call = Call {
        method: method.clone(),
        token,
        params,
        unreadable,
    };
    answer_under_fault(&state, &method, call, answer_call, |call| {
        Value::Object(call.params.0)
    })
    .await
}

/// Answers one call under the fault drawn for `method`, if any. Unless the
/// fault stops the call first, `apply` applies, records and answers it with
/// the outcome it is given; a fault that lets the call through then holds
/// its answer back (`Slow`, `Held`) or loses it (`DroppedAfterEffect`). A
/// call the fault stops is answered by the fault and recorded with the
/// parameters `params_of` reads from it.
pub(super) async fn answer_under_fault<C>(
    state: &SharedState,
    method: &str,
    call: C,
    apply: impl FnOnce(&mut State, C, CallOutcome) -> Response,
    params_of: impl FnOnce(C) -> Value,
) -> Response {
    // Decide and record under one short lock: it is never held across an
    // await, which is why a std Mutex is enough; a held answer waits after.
    let (answer, held) = {
        let mut guard = lock(state);
        let state = &mut *guard;
        match state.faults.draw(method) {
            None => (apply(state, call, CallOutcome::Answered), None),
            Some(Fault::DroppedAfterEffect) => {
                apply(state, call, CallOutcome::Faulted(Fault::DroppedAfterEffect));
                // The call took effect; its answer is lost.
                (dropped_connection(), None)
            }
            Some(fault) if fault.takes_effect() => {
                let answer = apply(state, call, CallOutcome::Faulted(fault.clone()));
                (answer, Some(fault))
            }
            Some(fault) => {
                tracing::debug!(%method, ?fault, "fake Slack faulted a call");
                let (answer, error) = fault_answer(&fault);
                state.recorder.record_call(RecordedCall {
                    method: method.to_owned(),
                    params: params_of(call),
                    ok: false,
                    error: error.map(str::to_owned),
                    outcome: CallOutcome::Faulted(fault),
                });
                (answer, None)
            }
        }
    };
    if let Some(fault) = held {
        fault.hold_answer().await;
    }
    answer
}

/// Checks the call as Slack does, holds it to the rate limits when they
/// are enforced, applies it, records it with `outcome`, and answers.
fn answer_call(state: &mut State, call: Call, outcome: CallOutcome) -> Response {
    let Call {
        method,
        token,
        params,
        unreadable,
    } = call;
    let checked = check_token(&state.directory, &method, token.as_deref())
        .and_then(|()| unreadable.map_or(Ok(()), Err));
    if checked.is_ok()
        && let Some(limiter) = &mut state.limiter
    {
        let channel = channel_key(&state.directory, &params);
        if let Err(violation) = limiter.admit(&method, channel.as_deref(), Instant::now()) {
            let retry_after_secs = violation.retry_after_secs();
            let retry_after = violation.retry_after;
            tracing::debug!(%method, ?retry_after, "fake Slack refused a call over a rate limit");
            state.recorder.record_violation(violation);
            state.recorder.record_call(RecordedCall {
                method,
                params: Value::Object(params.0),
                ok: false,
                error: Some(RATE_LIMITED.to_owned()),
                outcome: CallOutcome::OverLimit { retry_after },
            });
            return rate_limited(retry_after_secs);
        }
    }
    let answered = checked.and_then(|()| methods::dispatch(state, &method, &params));
    let error = answered
        .as_ref()
        .err()
        .map(|SlackError(code)| (*code).to_owned());
    tracing::debug!(%method, ok = answered.is_ok(), error = ?error, "fake Slack answered a call");
    state.recorder.record_call(RecordedCall {
        method,
        params: Value::Object(params.0),
        ok: answered.is_ok(),
        error,
        outcome,
    });
    let mut response = Json(match answered {
        Ok(mut fields) => {
            fields.insert("ok".to_owned(), Value::Bool(true));
            Value::Object(fields)
        }
        Err(SlackError(code)) => json!({ "ok": false, "error": code }),
    })
    .into_response();
    if let Some(scopes) = state.directory.granted_scopes()
        && let Ok(value) = axum::http::HeaderValue::from_str(&scopes)
    {
        response.headers_mut().insert("x-oauth-scopes", value);
    }
    response
}

/// The answer to a fault that stops a call before it takes effect, and the
/// error recorded for it: Slack's 429 (`ratelimited`), a proxy's 5xx page,
/// or no answer at all.
fn fault_answer(fault: &Fault) -> (Response, Option<&'static str>) {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            (rate_limited(*retry_after_secs), Some(RATE_LIMITED))
        }
        Fault::ServerError { status } => (server_error(*status), None),
        _ => (dropped_connection(), None),
    }
}

/// Slack's error code for a call over a rate limit.
const RATE_LIMITED: &str = "ratelimited";

/// Slack's answer to a call over a rate limit: HTTP 429, the wait in
/// `Retry-After`, and the error in JSON.
fn rate_limited(retry_after_secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(RETRY_AFTER, retry_after_secs.to_string())],
        Json(json!({ "ok": false, "error": RATE_LIMITED })),
    )
        .into_response()
}

/// What a proxy in front of a Slack that is down answers: a 5xx and an
/// HTML page, not JSON.
fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(StatusCode::is_server_error)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let page = format!(
        "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>\n"
    );
    (status, Html(page)).into_response()
}

/// No answer at all. A body that fails before its first byte makes hyper
/// give up on the connection before it writes the status line it holds, so
/// the client sees the connection close without a response — a transport
/// error, as when a load balancer drops a connection.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(std::future::ready(Err::<Bytes, _>(io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the fake Slack dropped the connection",
    ))));
    Body::from_stream(failing).into_response()
}

/// Slack's token checks, in its order: an unknown method before the
/// token, then a missing, unknown, revoked or wrong kind of token.
fn check_token(directory: &Directory, method: &str, token: Option<&str>) -> Result<(), SlackError> {
    let wanted = methods::token_kind_for(method);
    let given = token.map(|token| token_kind(directory, token));
    match (wanted, given) {
        (None, _) => Err(SlackError("unknown_method")),
        (Some(_), None) => Err(SlackError("not_authed")),
        (Some(_), Some(None)) => Err(SlackError("invalid_auth")),
        (Some(_), Some(Some(TokenKind::Bot))) if directory.bot_token_revoked() => {
            Err(SlackError("token_revoked"))
        }
        (Some(wanted), Some(Some(given))) if wanted != given => {
            Err(SlackError("not_allowed_token_type"))
        }
        (Some(_), Some(Some(_))) => Ok(()),
    }
}

impl super::FakeSlack {
    /// Revokes the bot token, as an admin does in the app's settings:
    /// every later call with it is refused with `token_revoked`. Slack
    /// also sends the app a `tokens_revoked` event; a test delivers it.
    pub fn revoke_bot_token(&self) {
        lock(&self.state).directory.revoke_bot_token();
    }
}

/// The channel a call names, for a per-channel rate limit: its id when the
/// workspace knows it (by id or by name), else the text as given.
fn channel_key(directory: &Directory, params: &Params) -> Option<String> {
    let channel = params.text("channel")?;
    let resolved = directory.resolve(&channel);
    Some(resolved.map_or(channel, |destination| destination.channel))
}

/// Which of the workspace's tokens `token` is, if any.
fn token_kind(directory: &Directory, token: &str) -> Option<TokenKind> {
    if token == directory.bot_token() {
        Some(TokenKind::Bot)
    } else if token == directory.app_token() {
        Some(TokenKind::App)
    } else {
        None
    }
}

/// The token of an `Authorization: Bearer <token>` header; `None` when the
/// header is missing, empty or of another scheme (Slack's `not_authed`).
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The query string, then the body (form or JSON), merged into one set of
/// parameters; a later source wins on a repeated name. Also the error to
/// answer if part of it could not be read.
async fn read_params(parts: Parts, body: Body) -> (Params, Option<SlackError>) {
    let mut params = Map::new();
    let mut unreadable = None;
    match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
        Ok(Query(pairs)) => extend_with_text(&mut params, pairs),
        Err(_) => unreadable = Some(SlackError("invalid_arguments")),
    }
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let request = Request::from_parts(parts, body);
    if content_type.starts_with("application/json") {
        match Bytes::from_request(request, &()).await {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(fields)) => params.extend(fields),
                Ok(_) | Err(_) => unreadable = Some(SlackError("invalid_json")),
            },
            Err(_) => unreadable = Some(SlackError("invalid_json")),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        match Form::<Vec<(String, String)>>::from_request(request, &()).await {
            Ok(Form(pairs)) => extend_with_text(&mut params, pairs),
            Err(_) => unreadable = Some(SlackError("invalid_form_data")),
        }
    }
    (Params(params), unreadable)
}

fn extend_with_text(params: &mut Map<String, Value>, pairs: Vec<(String, String)>) {
    params.extend(
        pairs
            .into_iter()
            .map(|(name, value)| (name, Value::String(value))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn only_a_non_empty_bearer_token_counts() {
        assert_eq!(
            bearer_token(&headers("Bearer xoxb-1")),
            Some("xoxb-1".into())
        );
        assert_eq!(
            bearer_token(&headers("bearer  xoxb-1 ")),
            Some("xoxb-1".into())
        );
        assert_eq!(bearer_token(&headers("Basic abc")), None);
        assert_eq!(bearer_token(&headers("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
