//! The admins' insights page, `GET /insights`, on the health listener
//! (`health.address`): the team map, new alliances per week, the bridges
//! formed and the team pairs still without a tie, as server-rendered HTML
//! with inline SVG and no script.
//!
//! Admins only: the request must carry the access token from
//! `ALLIANCES_INSIGHTS_TOKEN`, as the password of HTTP Basic authentication
//! (any user name: the browser asks for it) or as a bearer token. Without
//! that variable the page is off. An address that offers ten wrong tokens
//! in a minute is refused (429) until the first leaves the minute
//! (`wrong_tokens`). Team-level figures only, under the same k-anonymity
//! floor as the digest: no person is named here.

pub(crate) mod page;
mod partnerships;
mod wrong_tokens;

pub use crate::config::INSIGHTS_TOKEN_VAR;

use crate::scheduler::Scheduler;
use crate::store::off_the_workers;
use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use wrong_tokens::WrongTokens;

/// How many weeks the growth chart shows: half a year, long enough to see
/// a trend, short enough for a bar a week to stay readable.
pub const WEEKS_SHOWN: usize = 26;

/// What the page reads: the figures come from the scheduler, which hands
/// the rules their snapshot.
#[derive(Clone)]
struct InsightsPage {
    scheduler: Scheduler,
    k_anonymity_floor: u32,
    token: Option<Arc<SecretString>>,
    wrong_tokens: Arc<WrongTokens>,
}

/// The route `GET /insights`, answered only with `token` (none: the page is
/// off and every request gets 401). The page says which floor held.
pub fn router(scheduler: Scheduler, k_anonymity_floor: u32, token: Option<SecretString>) -> Router {
    Router::new()
        .route("/insights", get(show))
        .with_state(InsightsPage {
            scheduler,
            k_anonymity_floor,
            token: token.map(Arc::new),
            wrong_tokens: Arc::default(),
        })
}

/// Whose requests share a count of wrong tokens when the server gives no
/// address (a router served without `ConnectInfo`): everyone's.
const UNKNOWN_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

async fn show(
    State(page_state): State<InsightsPage>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = &page_state.token else {
        return refused(&format!(
            "The insights page is off: set {INSIGHTS_TOKEN_VAR} for `alliances serve` to turn it on."
        ));
    };
    let address = client.map_or(UNKNOWN_ADDRESS, |Extension(ConnectInfo(peer))| peer.ip());
    let now = Instant::now();
    let offered = offered_token(&headers);
    let right = offered
        .as_deref()
        .is_some_and(|offered| matches(offered, token));
    // A browser asks first without credentials: only a token offered counts
    // as a wrong one. It is counted, or refused, in one step, so that
    // guesses sent side by side cannot all pass the count before any is in
    // it.
    let wait = if offered.is_some() && !right {
        page_state.wrong_tokens.refuse_or_record(address, now)
    } else {
        page_state.wrong_tokens.wait(address, now)
    };
    if let Some(wait) = wait {
        return too_many_wrong_tokens(wait);
    }
    if !right {
        if offered.is_some() {
            tracing::warn!(%address, "a wrong insights access token");
        }
        return refused(
            "This page is for admins: sign in with the insights access token as the password (any user name).",
        );
    }
    let scheduler = page_state.scheduler.clone();
    // Reading every tie is blocking work: off the async threads.
    let figures = off_the_workers(move || async move { scheduler.insights(WEEKS_SHOWN).await })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|read| Ok(read?));
    let answer = match figures {
        Ok(figures) => {
            let html = page::render(&figures, page_state.k_anonymity_floor);
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        Err(err) => {
            tracing::error!(
                error = format!("{err:#}"),
                "the insights page could not read the figures"
            );
            let sorry = "Something went wrong reading the figures; it has been logged.\n";
            (StatusCode::INTERNAL_SERVER_ERROR, sorry).into_response()
        }
    };
    with_headers(answer)
}

/// The token `headers` offer, if any: the password of `Authorization:
/// Basic`, or the token of `Authorization: Bearer`; a header of any other
/// shape offers an empty one.
fn offered_token(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(Vec::new());
    };
    let offered = if let Some(encoded) = strip_scheme(value, "Basic") {
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            // The password: what follows the user name's colon.
            .and_then(|pair| pair.splitn(2, |b| *b == b':').nth(1).map(<[u8]>::to_vec))
    } else {
        strip_scheme(value, "Bearer").map(|t| t.trim().as_bytes().to_vec())
    };
    Some(offered.unwrap_or_default())
}

/// Whether `offered` is `token`, compared in constant time, so that timing
/// tells nothing of the token.
fn matches(offered: &[u8], token: &SecretString) -> bool {
    bool::from(offered.ct_eq(token.expose_secret().as_bytes()))
}

/// The credentials after `scheme` (matched without regard to case).
fn strip_scheme<'v>(value: &'v str, scheme: &str) -> Option<&'v str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// 401, asking the browser for the token.
fn refused(why: &str) -> Response {
    let realm = r#"Basic realm="alliances insights", charset="UTF-8""#;
    let asks_for_token = [(header::WWW_AUTHENTICATE, realm)];
    with_headers((StatusCode::UNAUTHORIZED, asks_for_token, format!("{why}\n")).into_response())
}

/// 429: too many wrong tokens from this address; try again after `wait`.
fn too_many_wrong_tokens(wait: Duration) -> Response {
    // Whole seconds, rounded up: a client that waits that long gets in.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let why =
        format!("Too many wrong access tokens from your address: try again in {seconds} s.\n");
    let retry_after = [(header::RETRY_AFTER, seconds.to_string())];
    with_headers((StatusCode::TOO_MANY_REQUESTS, retry_after, why).into_response())
}

/// `response` with the headers every answer carries: never cached (the
/// figures are for admins), never framed, no script, nothing fetched from
/// elsewhere.
fn with_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests;
