//! The HTTP edge: `GET|POST /api/{method}`, as Slack's Web API answers it.
//!
//! It reads the parameters from wherever the client put them (query string,
//! form body or JSON body), checks the bearer token (and that it is the kind
//! of token the method takes: the app token opens Socket Mode, the bot token
//! does everything else), hands the call to [`super::methods`], records it,
//! and answers JSON with HTTP 200 — Slack reports its errors (`not_authed`,
//! `invalid_auth`, `not_allowed_token_type`, …) in the body, not in the
//! status.

use super::methods::{self, Params, SlackError, TokenKind};
use super::recorder::RecordedCall;
use super::workspace::Directory;
use super::{SharedState, lock};
use axum::body::{Body, Bytes};
use axum::extract::{self, FromRequest, Path, Query, Request};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Form, Json, Router};
use serde_json::{Map, Value, json};

/// The routes, over the shared state.
pub(super) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/api/{method}", get(call).post(call))
        .with_state(state)
}

/// Answers one Web API call and records it.
async fn call(
    extract::State(state): extract::State<SharedState>,
    Path(method): Path<String>,
    request: Request,
) -> Json<Value> {
    let (parts, body) = request.into_parts();
    let token = bearer_token(&parts.headers);
    let (params, unreadable) = read_params(parts, body).await;

    // Decide and record under one short lock: it is never held across an
    // await, which is why a std Mutex is enough.
    let mut state = lock(&state);
    let wanted = methods::token_kind_for(&method);
    let given = token
        .as_deref()
        .map(|token| token_kind(&state.directory, token));
    let outcome = match (wanted, given) {
        (None, _) => Err(SlackError("unknown_method")),
        (Some(_), None) => Err(SlackError("not_authed")),
        (Some(_), Some(None)) => Err(SlackError("invalid_auth")),
        (Some(wanted), Some(Some(given))) if wanted != given => {
            Err(SlackError("not_allowed_token_type"))
        }
        (Some(_), Some(Some(_))) => match unreadable {
            Some(error) => Err(error),
            None => methods::dispatch(&mut state, &method, &params),
        },
    };
    let error = outcome
        .as_ref()
        .err()
        .map(|SlackError(code)| (*code).to_owned());
    tracing::debug!(%method, ok = outcome.is_ok(), error = ?error, "fake Slack answered a call");
    state.recorder.record_call(RecordedCall {
        method,
        params: Value::Object(params.0),
        ok: outcome.is_ok(),
        error,
    });
    drop(state);

    Json(match outcome {
        Ok(mut fields) => {
            fields.insert("ok".to_owned(), Value::Bool(true));
            Value::Object(fields)
        }
        Err(SlackError(code)) => json!({ "ok": false, "error": code }),
    })
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
