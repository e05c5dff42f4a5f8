//! `response_url`s: where the bot answers a slash command or a button
//! later, without a token. The fake mints them
//! ([`super::FakeSlack::response_url`]), serves `POST /response/{id}` on its
//! Web API port, and records each JSON post
//! ([`super::FakeSlack::responses`]).

use super::recorder::RecordedResponse;
use super::{FakeSlack, SharedState, lock, opaque_id};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Slack lets an app use a `response_url` five times (within 30 minutes;
/// the fake does not expire them).
const MAX_USES: u8 = 5;

/// The URLs minted so far and how often each was used.
#[derive(Debug)]
pub(super) struct ResponseUrls {
    /// `http://127.0.0.1:PORT/response/`.
    base: String,
    uses: HashMap<String, u8>,
}

impl ResponseUrls {
    /// URLs under `http://{address}/response/`.
    pub fn new(address: std::net::SocketAddr) -> Self {
        Self {
            base: format!("http://{address}/response/"),
            uses: HashMap::new(),
        }
    }

    /// A fresh URL.
    fn mint(&mut self) -> String {
        let id = opaque_id();
        self.uses.insert(id.clone(), 0);
        format!("{}{id}", self.base)
    }

    /// Counts one use of `id`: its full URL, or the error Slack answers.
    fn spend(&mut self, id: &str) -> Result<String, &'static str> {
        let uses = self.uses.get_mut(id).ok_or("no_such_url")?;
        if *uses >= MAX_USES {
            return Err("used_url");
        }
        *uses += 1;
        Ok(format!("{}{id}", self.base))
    }
}

/// The route, over the shared state.
pub(super) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/response/{id}", post(respond))
        .with_state(state)
}

/// Records one post: 200 `{"ok":true}`, 404 for a URL the fake did not
/// mint or used up, 400 for a body that is not a JSON object.
async fn respond(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "invalid_payload");
    };
    let mut state = lock(&state);
    match state.response_urls.spend(&id) {
        Ok(url) => {
            state.recorder.record_response(RecordedResponse {
                url,
                body: Value::Object(body),
            });
            (StatusCode::OK, Json(json!({ "ok": true })))
        }
        Err(error) => refusal(StatusCode::NOT_FOUND, error),
    }
}

fn refusal(status: StatusCode, error: &str) -> (StatusCode, Json<Value>) {
    (status, Json(json!({ "ok": false, "error": error })))
}

impl FakeSlack {
    /// A fresh `response_url` served by this fake.
    pub fn response_url(&self) -> String {
        lock(&self.state).response_urls.mint()
    }

    /// Every accepted post to a `response_url`, in order.
    pub fn responses(&self) -> Vec<RecordedResponse> {
        lock(&self.state).recorder.responses().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_works_five_times_and_only_if_minted() {
        let mut urls = ResponseUrls::new(([127, 0, 0, 1], 9).into());
        let url = urls.mint();
        let id = url.rsplit('/').next().unwrap().to_owned();
        for _ in 0..5 {
            assert_eq!(urls.spend(&id), Ok(url.clone()));
        }
        assert_eq!(urls.spend(&id), Err("used_url"));
        assert_eq!(urls.spend("nope"), Err("no_such_url"));
    }
}
