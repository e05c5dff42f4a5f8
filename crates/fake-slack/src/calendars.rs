//! The calendar host: the fake also serves people's iCalendar feeds, as
//! Google and Outlook publish them at a secret address, for the bot's
//! calendar sync to fetch — `GET /calendars/{token}.ics` on the Web API's
//! listener, the token random and unguessable like a real secret address.
//!
//! [`FakeSlack::publish_calendar`] writes a person's [`FakeCalendar`] once
//! ([`super::ical`]) and gives its address; each answer carries
//! `Content-Type: text/calendar; charset=utf-8`, an `ETag` (a hash of the
//! feed) and `Last-Modified`, and a request whose `If-None-Match` (or
//! `If-Modified-Since`) still matches gets 304 without the feed, as a
//! client that polls politely expects. Every fetch is recorded
//! ([`CalendarFetch`]); a [`CalendarFault`] makes a person's feed
//! misbehave as feeds do in the wild until it is cleared.

use super::calendar::FakeCalendar;
use super::{FakeSlack, Gate, SharedState, lock};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

/// What a feed is served as.
const CALENDAR_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";
/// How much [`CalendarFault::TooLarge`] streams: 11 MiB, over a 10 MB cap
/// however it is counted.
const TOO_LARGE_BYTES: usize = 11 * 1024 * 1024;
/// The pieces it streams them in.
const TOO_LARGE_CHUNK: usize = 64 * 1024;
/// HTTP dates (RFC 9110 §5.6.7), as `Last-Modified` carries them.
const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

/// How a person's feed misbehaves, until [`FakeSlack::set_calendar_fault`]
/// clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarFault {
    /// 404 and an HTML page: the owner reset their secret address.
    NotFound,
    /// This status (a 5xx, say) and an HTML page: the provider is down.
    ServerError(u16),
    /// The answer comes this much later, so that a client's time-out fires.
    Slow(Duration),
    /// The answer, the feed's as without a fault, waits until the gate is
    /// opened: a read kept in flight as long as a test needs.
    Held(Gate),
    /// A 200 whose body streams more than 10 MB, with no `Content-Length`
    /// to warn the client: it must stop reading itself.
    TooLarge,
    /// A 200 with an HTML page, as a calendar's public web page (not its
    /// iCalendar address) answers when given by mistake.
    NotICalendar,
    /// 302 to this address, as a provider moving a feed answers.
    RedirectTo(String),
}

/// One fetch of a person's feed, as the fake answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFetch {
    /// The request carried `If-None-Match` or `If-Modified-Since`.
    pub conditional: bool,
    /// The status answered: 200, 304, or the fault's.
    pub status: u16,
    /// The fault in force, if any.
    pub fault: Option<CalendarFault>,
}

/// One published feed.
#[derive(Debug)]
struct PublishedFeed {
    /// The user id of the person it belongs to.
    user: String,
    body: Bytes,
    /// A strong validator: a hash of the body, quoted.
    etag: String,
    /// When its content last changed, to the second.
    last_modified: DateTime<Utc>,
}

/// The feeds published, their faults and every fetch.
#[derive(Debug)]
pub(super) struct Calendars {
    /// `http://127.0.0.1:PORT`, which the addresses start with.
    base: String,
    feeds: HashMap<String, PublishedFeed>,
    /// Each person's token: one address per person, as providers give.
    tokens: HashMap<String, String>,
    faults: HashMap<String, CalendarFault>,
    fetches: Vec<(String, CalendarFetch)>,
}

/// What a fetch is answered with, decided under the lock and turned into
/// a response after it.
enum Answer {
    Feed {
        body: Bytes,
        etag: String,
        last_modified: String,
    },
    NotModified {
        etag: String,
        last_modified: String,
    },
    Fault(CalendarFault),
}

impl Calendars {
    /// No feeds yet; their addresses will start with `address`.
    pub fn new(address: SocketAddr) -> Self {
        Self {
            base: format!("http://{address}"),
            feeds: HashMap::new(),
            tokens: HashMap::new(),
            faults: HashMap::new(),
            fetches: Vec::new(),
        }
    }

    /// Publishes `body` as `user`'s feed (replacing theirs, at the same
    /// address) and answers its address.
    fn publish(&mut self, user: &str, body: String) -> String {
        let token = self
            .tokens
            .entry(user.to_owned())
            .or_insert_with(|| {
                let secret: u128 = rand::rng().random();
                format!("{secret:032x}")
            })
            .clone();
        let etag = format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(body.as_bytes())[..16])
        );
        let unchanged = self.feeds.get(&token).filter(|feed| feed.etag == etag);
        let last_modified = unchanged.map_or_else(now_to_the_second, |feed| feed.last_modified);
        self.feeds.insert(
            token.clone(),
            PublishedFeed {
                user: user.to_owned(),
                body: Bytes::from(body),
                etag,
                last_modified,
            },
        );
        self.address(&token)
    }

    fn address(&self, token: &str) -> String {
        format!("{}/calendars/{token}.ics", self.base)
    }

    /// The answer to a fetch of the feed at `token` with these headers,
    /// recorded, and the fault in force, which may hold it back; `None`
    /// for no such feed.
    fn answer(
        &mut self,
        token: &str,
        headers: &HeaderMap,
    ) -> Option<(Answer, Option<CalendarFault>)> {
        let feed = self.feeds.get(token)?;
        let conditional =
            headers.contains_key(IF_NONE_MATCH) || headers.contains_key(IF_MODIFIED_SINCE);
        let fault = self.faults.get(&feed.user).cloned();
        let in_force = fault.clone();
        let last_modified = feed.last_modified.format(HTTP_DATE).to_string();
        let (answer, status) = match fault.clone() {
            None | Some(CalendarFault::Slow(_) | CalendarFault::Held(_))
                if still_fresh(feed, headers) =>
            {
                (
                    Answer::NotModified {
                        etag: feed.etag.clone(),
                        last_modified,
                    },
                    304,
                )
            }
            None | Some(CalendarFault::Slow(_) | CalendarFault::Held(_)) => (
                Answer::Feed {
                    body: feed.body.clone(),
                    etag: feed.etag.clone(),
                    last_modified,
                },
                200,
            ),
            Some(fault) => {
                let status = match &fault {
                    CalendarFault::NotFound => 404,
                    CalendarFault::ServerError(status) => server_status(*status).as_u16(),
                    CalendarFault::RedirectTo(_) => 302,
                    CalendarFault::TooLarge
                    | CalendarFault::NotICalendar
                    | CalendarFault::Slow(_)
                    | CalendarFault::Held(_) => 200,
                };
                (Answer::Fault(fault), status)
            }
        };
        let fetch = CalendarFetch {
            conditional,
            status,
            fault,
        };
        tracing::debug!(user = %feed.user, ?fetch, "fake calendar host answered a fetch");
        self.fetches.push((feed.user.clone(), fetch));
        Some((answer, in_force))
    }
}

/// Whether the client's copy is still the feed: a matching `If-None-Match`
/// (which, when present, decides alone, as RFC 9110 §13.1.3 says), or an
/// `If-Modified-Since` not before the last change.
fn still_fresh(feed: &PublishedFeed, headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(tags) = header(IF_NONE_MATCH) {
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == feed.etag);
    }
    header(IF_MODIFIED_SINCE)
        .and_then(|since| NaiveDateTime::parse_from_str(since, HTTP_DATE).ok())
        .is_some_and(|since| since.and_utc() >= feed.last_modified)
}

fn now_to_the_second() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default()
}

/// `status` if it is one; 500 otherwise.
fn server_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The routes, over the shared state.
pub(super) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/calendars/{file}", get(fetch_feed))
        .with_state(state)
}

/// Answers one fetch, late if the feed is slow or held.
async fn fetch_feed(
    State(state): State<SharedState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let decided = file
        .strip_suffix(".ics")
        .and_then(|token| lock(&state).calendars.answer(token, &headers));
    let Some((answer, in_force)) = decided else {
        return page(StatusCode::NOT_FOUND, "Not Found");
    };
    match in_force {
        Some(CalendarFault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(CalendarFault::Held(gate)) => gate.passed().await,
        _ => {}
    }
    respond(answer)
}

fn respond(answer: Answer) -> Response {
    match answer {
        Answer::Feed {
            body,
            etag,
            last_modified,
        } => (
            [
                (CONTENT_TYPE, CALENDAR_CONTENT_TYPE.to_owned()),
                (ETAG, etag),
                (LAST_MODIFIED, last_modified),
                (CACHE_CONTROL, "private, max-age=0".to_owned()),
            ],
            body,
        )
            .into_response(),
        Answer::NotModified {
            etag,
            last_modified,
        } => (
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag), (LAST_MODIFIED, last_modified)],
        )
            .into_response(),
        Answer::Fault(CalendarFault::NotFound) => page(StatusCode::NOT_FOUND, "Not Found"),
        Answer::Fault(CalendarFault::ServerError(status)) => {
            let status = server_status(status);
            page(status, status.canonical_reason().unwrap_or("Error"))
        }
        Answer::Fault(CalendarFault::RedirectTo(to)) => {
            (StatusCode::FOUND, [(LOCATION, to)]).into_response()
        }
        Answer::Fault(CalendarFault::NotICalendar) => page(StatusCode::OK, "Calendar"),
        Answer::Fault(CalendarFault::TooLarge) => too_large(),
        // A slow or held feed's answer was decided as a feed's.
        Answer::Fault(CalendarFault::Slow(_) | CalendarFault::Held(_)) => {
            page(StatusCode::OK, "Calendar")
        }
    }
}

/// An HTML page, as a provider's web server answers what is not a feed.
fn page(status: StatusCode, title: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title></head><body><h1>{title}</h1>\
         <p>Sign in to see this calendar.</p></body></html>\n"
    );
    (status, Html(html)).into_response()
}

/// A feed that never ends soon enough: a calendar's start, then padding
/// lines, [`TOO_LARGE_BYTES`] in all, streamed without a length.
fn too_large() -> Response {
    let line = format!("X-PADDING:{}\r\n", "x".repeat(62));
    let chunk = Bytes::from(line.repeat(TOO_LARGE_CHUNK / line.len()));
    let first = Bytes::from_static(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    let count = TOO_LARGE_BYTES / chunk.len() + 1;
    let chunks = std::iter::once(first).chain(std::iter::repeat_n(chunk, count));
    let stream = futures_util::stream::iter(chunks.map(Ok::<Bytes, Infallible>));
    (
        [(CONTENT_TYPE, CALENDAR_CONTENT_TYPE)],
        Body::from_stream(stream),
    )
        .into_response()
}

impl FakeSlack {
    /// Publishes `calendar` as the feed of `user` (a user id) and answers
    /// its address, `http://127.0.0.1:PORT/calendars/<token>.ics`.
    /// Publishing again replaces the feed at the same address, as an
    /// edited calendar does; its `ETag` and `Last-Modified` change if its
    /// bytes do.
    pub fn publish_calendar(&self, user: impl AsRef<str>, calendar: FakeCalendar) -> String {
        // Written before the lock is taken: a large feed takes a while.
        let body = super::ical::write(&calendar);
        lock(&self.state).calendars.publish(user.as_ref(), body)
    }

    /// The address of `user`'s feed, if one was published.
    pub fn calendar_url(&self, user: impl AsRef<str>) -> Option<String> {
        let state = lock(&self.state);
        let calendars = &state.calendars;
        calendars
            .tokens
            .get(user.as_ref())
            .map(|token| calendars.address(token))
    }

    /// Every fetch of `user`'s feed so far, in order.
    pub fn calendar_fetches(&self, user: impl AsRef<str>) -> Vec<CalendarFetch> {
        let user = user.as_ref();
        lock(&self.state)
            .calendars
            .fetches
            .iter()
            .filter(|(whose, _)| whose == user)
            .map(|(_, fetch)| fetch.clone())
            .collect()
    }

    /// Makes `user`'s feed misbehave as `fault` says from now on, or
    /// behave again with `None`.
    pub fn set_calendar_fault(&self, user: impl AsRef<str>, fault: Option<CalendarFault>) {
        let user = user.as_ref().to_owned();
        let faults = &mut lock(&self.state).calendars.faults;
        match fault {
            Some(fault) => faults.insert(user, fault),
            None => faults.remove(&user),
        };
    }
}
