//! A local Slack workspace: Slack's Web API and Socket Mode on 127.0.0.1,
//! for the demo, the tests and the benchmarks — and, on the same
//! listener, people's calendar feeds, as Google and Outlook publish them.
//!
//! [`FakeSlack::start`] serves a [`Workspace`] (people, channels, user
//! groups, the bot's and the app's tokens) on a free port; point the real
//! Slack client at [`FakeSlack::api_url`] and it cannot tell the difference
//! for the methods the bot uses: `auth.test`, `users.list`,
//! `users.profile.get`, `team.profile.get`, `usergroups.list`,
//! `usergroups.users.list`, `conversations.list`, `conversations.open`,
//! `chat.postMessage`, `chat.postEphemeral`, `chat.update`, `views.publish`,
//! `views.open`, `views.update`, `files.getUploadURLExternal` and
//! `files.completeUploadExternal` (with the upload URL between them) and
//! `apps.connections.open`. People have emails (`profile.email`, from
//! [`FakeUser::email`]) when the token has `users:read.email`. Every call
//! is recorded ([`FakeSlack::calls`]), and so is what people would have
//! seen ([`FakeSlack::messages`], [`FakeSlack::files_in`],
//! [`FakeSlack::ephemerals`], [`FakeSlack::home_view`],
//! [`FakeSlack::modals_opened`], [`FakeSlack::responses`]).
//!
//! It also plays Slack toward the bot's front door: it sends slash
//! commands, interactions and events ([`Delivery`]) over Socket Mode
//! ([`FakeSlack::deliver_over_socket`]) or as signed HTTP requests
//! ([`FakeSlack::deliver_over_http`]), and serves the `response_url`s they
//! carry. A delivery issues its trigger id as it is sent: `views.open`
//! takes it once, within 3 seconds, as Slack does, and a modal opened with
//! it is submitted back with [`FakeSlack::view_submission`].
//!
//! It hosts calendars: [`FakeSlack::publish_calendar`] serves a person's
//! [`FakeCalendar`] as an iCalendar feed at a secret address,
//! `/calendars/<token>.ics`, written as its [`CalendarShape`] (Google or
//! Outlook) writes it, with an `ETag`, `Last-Modified` and 304s for a
//! client that asks whether it changed; [`FakeSlack::calendar_fetches`]
//! says how each fetch was answered. [`FakeCalendar::synthetic`] and
//! [`FakeCalendar::large`] make seeded calendars, and
//! [`FakeCalendar::countable`] says which of their meetings count, so that
//! the bot's calendar sync can be checked against it.
//!
//! It can misbehave as Slack does, on request and at any time while it
//! runs, so that the bot's retries and rate control meet the real thing:
//! [`FakeSlack::set_faults`] injects [`Faults`] (a 429 with `Retry-After`,
//! a 5xx, a slow answer, an answer held until a test opens its [`Gate`],
//! a dropped connection before or after the call took effect), per method
//! or for all, for the next N calls or at a seeded rate;
//! [`FakeSlack::enforce_limits`] holds calls to Slack's documented rate
//! limits ([`Limits`]: each method's tier, and `chat.postMessage` per
//! channel), answers a call over one with Slack's 429 and reports it
//! ([`FakeSlack::violations`]). Both are off by default. Each recorded
//! call says what became of it ([`CallOutcome`]). A feed misbehaves as
//! feeds do ([`FakeSlack::set_calendar_fault`] with a [`CalendarFault`]:
//! gone, down, slow, held, too large, a web page, moved).
//!
//! It speaks plain JSON, as Slack does; it must not use slack-morphism's
//! types, so that it checks the client rather than agreeing with it. Its
//! tests drive it with the real slack-morphism client. It is a crate of its
//! own, beside the bot's, so that Cargo holds it to this: slack-morphism is
//! only among its dev-dependencies, and it knows nothing of the bot. Ids
//! are plain strings, as on the wire; what takes one takes anything that
//! is `AsRef<str>`.
//!
//! Layout: `workspace` holds the data and `directory` its checks and
//! look-ups, `methods` one file per Web API method, `api` the HTTP edge,
//! `recorder` what was seen, `response_url` the answers posted later,
//! `uploads` the files on their way and the upload URL that takes their
//! bytes; `faults` decides which call meets which fault and `limits` keeps
//! Slack's rate limits, both asked by `api`; `socket_hub` and
//! `socket_mode` are Socket Mode's bookkeeping and its WebSocket server;
//! `delivery` is what Slack sends the bot, `view_submission` a modal sent
//! back, `triggers` the trigger ids deliveries issue for `views.open`,
//! `http_delivery` and `signing` how it sends them over HTTP. The calendar
//! host: `calendar` is a feed's meetings and which of them count,
//! `synthetic_calendar` the seeded mixes, `time_zones` the zones they are
//! written in, `ical` the writing, and `calendars` the serving, its
//! validators, faults and fetches. `standalone` runs the fake by hand;
//! `wait` is how the tests that drive it wait.

// The fake's own code never names slack-morphism (it is only a
// dev-dependency); its tests drive it with that client, as the bot does.
#![cfg_attr(test, allow(clippy::disallowed_types))]

mod api;
mod calendar;
mod calendars;
mod delivery;
mod directory;
mod faults;
mod http_delivery;
mod ical;
mod limits;
mod methods;
mod recorder;
mod response_url;
mod signing;
mod socket_hub;
mod socket_mode;
mod standalone;
mod synthetic_calendar;
mod time_zones;
mod triggers;
mod uploads;
mod view_submission;
pub mod wait;
mod workspace;

#[cfg(test)]
mod calendar_tests;
#[cfg(test)]
mod channel_list_tests;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod front_tests;
#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod modal_tests;
#[cfg(test)]
mod socket_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod upload_tests;
#[cfg(test)]
mod wire_tests;

pub use calendar::{
    CalendarShape, FakeAttendee, FakeCalendar, FakeMeeting, Frequency, InstanceChange,
    InstanceOverride, MeetingInstance, MeetingStatus, MeetingTime, PartStat, Recurrence,
    RecurrenceEnd,
};
pub use calendars::{CalendarFault, CalendarFetch};
pub use delivery::{Delivery, DeliveryAnswer, DeliveryError, VERIFICATION_TOKEN};
pub use faults::{Fault, Faults, Gate, Methods};
pub use limits::{LimitViolation, Limits};
pub use recorder::{
    CallOutcome, FakeFile, MessageUpdate, PostedEphemeral, PostedMessage, RecordedCall,
    RecordedResponse,
};
pub use signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
pub use standalone::{Flakiness, run_standalone};
pub use synthetic_calendar::PRIVATE_TEXT_MARKER;
pub use time_zones::CalendarZone;
pub use uploads::UPLOAD;
pub use workspace::{
    APP_ID, BOT_ID, BOT_USER_ID, DEFAULT_APP_TOKEN, DEFAULT_SIGNING_SECRET,
    DEFAULT_TEAM_FIELD_LABEL, EMAIL_DOMAIN, FakeChannel, FakeUser, FakeUserGroup, TEAM_DOMAIN,
    TEAM_FIELD_ID, TEAM_ID, TEAM_NAME, Workspace,
};

use calendars::Calendars;
use directory::Directory;
use limits::Limiter;
use rand::RngExt;
use recorder::Recorder;
use response_url::ResponseUrls;
use socket_hub::SocketHub;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use triggers::Triggers;
use uploads::Uploads;

/// Everything a call may read or change.
#[derive(Debug)]
struct State {
    directory: Directory,
    recorder: Recorder,
    /// The workspace URL `auth.test` gives; it points back at the fake.
    team_url: String,
    /// Socket Mode's tickets, connections and pending acks.
    socket: SocketHub,
    /// The `response_url`s minted so far.
    response_urls: ResponseUrls,
    /// The files announced for upload, until they are shared.
    uploads: Uploads,
    /// The fault rules; none by default.
    faults: Faults,
    /// Slack's rate limits and their budgets, when enforced (not by default).
    limiter: Option<Limiter>,
    /// The trigger ids deliveries have issued, for `views.open`.
    triggers: Triggers,
    /// The calendar feeds served, their faults and their fetches.
    calendars: Calendars,
}

/// A std Mutex, not tokio's: every handler holds it for a few look-ups and
/// never across an await, and the accessors below are synchronous.
type SharedState = Arc<Mutex<State>>;

/// Locks the state. A handler that panicked while holding the lock left the
/// data usable (each change is one push or one insert), so a poisoned lock
/// is taken over rather than turned into a panic on every later call.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh opaque id in the shape of Slack's envelope ids (a UUID), for
/// tickets, envelopes and `response_url`s: random, so that one fake never
/// accepts another's.
fn opaque_id() -> String {
    let n: u128 = rand::rng().random();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        n >> 96,
        (n >> 80) & 0xffff,
        (n >> 64) & 0xffff,
        (n >> 48) & 0xffff,
        n & 0xffff_ffff_ffff
    )
}

/// The address a client on this machine reaches a listener bound to
/// `bound` at: an unspecified address (`0.0.0.0`, `::`) is served on every
/// interface, and the URLs the fake hands out name the loopback one.
fn reachable(bound: SocketAddr) -> SocketAddr {
    match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, bound.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, bound.port()).into(),
        _ => bound,
    }
}

/// A running fake Slack. Dropping it stops the servers too;
/// [`FakeSlack::stop`] also waits until they have finished.
pub struct FakeSlack {
    address: SocketAddr,
    bot_token: String,
    app_token: String,
    signing_secret: String,
    state: SharedState,
    /// Set to `true` to stop; dropping it stops the servers as well.
    stop: watch::Sender<bool>,
    server: JoinHandle<io::Result<()>>,
    socket_server: JoinHandle<io::Result<()>>,
    /// The client for HTTP deliveries to the bot.
    http: reqwest::Client,
}

/// A builder of the HTTP client the fake and its tests post with. The
/// fake speaks plain HTTP, but reqwest as the bot builds it carries rustls,
/// which builds no client until a crypto provider is chosen: this chooses
/// ring, as the bot does, once for the process.
pub fn http_client() -> reqwest::ClientBuilder {
    // Refused only when a provider is in place already, which will do.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

impl FakeSlack {
    /// Checks `workspace` and serves it on `127.0.0.1` at a free port, in
    /// spawned tasks. Fails if the workspace is inconsistent (duplicate ids
    /// or names, an empty token) or if no port can be bound.
    pub async fn start(workspace: Workspace) -> io::Result<FakeSlack> {
        Self::start_on((Ipv4Addr::LOCALHOST, 0).into(), workspace).await
    }

    /// Checks `workspace` and serves its Web API on `addr` and Socket Mode
    /// on a free port of the same interface, in spawned tasks.
    pub async fn start_on(addr: SocketAddr, workspace: Workspace) -> io::Result<FakeSlack> {
        let bot_token = workspace.bot_token.clone();
        let app_token = workspace.app_token.clone();
        let signing_secret = workspace.signing_secret.clone();
        let directory = Directory::new(workspace)?;
        let listener = TcpListener::bind(addr).await?;
        let address = reachable(listener.local_addr()?);
        let socket_listener = TcpListener::bind((addr.ip(), 0)).await?;
        let socket_address = reachable(socket_listener.local_addr()?);
        // Deliveries go to a bot on this machine: no proxy may stand between.
        let http = http_client().no_proxy().build().map_err(io::Error::other)?;
        let state = Arc::new(Mutex::new(State {
            directory,
            recorder: Recorder::default(),
            team_url: format!("http://{address}/"),
            socket: SocketHub::new(format!("ws://{socket_address}/link")),
            response_urls: ResponseUrls::new(address),
            uploads: Uploads::new(address),
            faults: Faults::default(),
            limiter: None,
            triggers: Triggers::default(),
            calendars: Calendars::new(address),
        }));
        let router = api::router(Arc::clone(&state))
            .merge(response_url::router(Arc::clone(&state)))
            .merge(uploads::router(Arc::clone(&state)))
            .merge(calendars::router(Arc::clone(&state)));
        let (stop, stop_requested) = watch::channel(false);
        let mut api_stop = stop_requested.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                // Either `stop` sent the signal or the FakeSlack was dropped
                // (the sender with it): both mean "finish and stop".
                .with_graceful_shutdown(async move {
                    let _ = api_stop.wait_for(|stopped| *stopped).await;
                })
                .await
        });
        let socket_server = tokio::spawn(socket_mode::serve(
            socket_listener,
            Arc::clone(&state),
            stop_requested,
        ));
        tracing::debug!(%address, %socket_address, "fake Slack started");
        Ok(FakeSlack {
            address,
            bot_token,
            app_token,
            signing_secret,
            state,
            stop,
            server,
            socket_server,
            http,
        })
    }

    /// The Web API's base URL, `http://127.0.0.1:PORT/api`, without a
    /// trailing slash: slack-morphism appends `/{method}`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.address)
    }

    /// The bot token the fake accepts.
    pub fn bot_token(&self) -> &str {
        &self.bot_token
    }

    /// The app-level token `apps.connections.open` accepts.
    pub fn app_token(&self) -> &str {
        &self.app_token
    }

    /// The secret the fake signs its HTTP deliveries with.
    pub fn signing_secret(&self) -> &str {
        &self.signing_secret
    }

    /// Every call so far, in the order they were answered.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.state).recorder.calls().to_vec()
    }

    /// Every message accepted by `chat.postMessage` (or sharing files, by
    /// `files.completeUploadExternal`) so far, in order, as `chat.update`
    /// last left it.
    pub fn messages(&self) -> Vec<PostedMessage> {
        lock(&self.state).recorder.messages().to_vec()
    }

    /// Every message accepted by `chat.postEphemeral` so far, in order.
    pub fn ephemerals(&self) -> Vec<PostedEphemeral> {
        lock(&self.state).recorder.ephemerals().to_vec()
    }

    /// Every accepted `chat.update` so far, in order.
    pub fn updates(&self) -> Vec<MessageUpdate> {
        lock(&self.state).recorder.updates().to_vec()
    }

    /// The view last published to the App Home of `user` (a user id), as
    /// the bot sent it.
    pub fn home_view(&self, user: impl AsRef<str>) -> Option<serde_json::Value> {
        lock(&self.state).recorder.home_view(user.as_ref()).cloned()
    }

    /// Every modal opened by `views.open` for `user` (a user id: the person
    /// whose action issued the trigger id), oldest first, as Slack answered
    /// it: the view the bot sent, with its `id`, `hash` and empty `state`.
    /// [`FakeSlack::view_submission`] submits one back.
    pub fn modals_opened(&self, user: impl AsRef<str>) -> Vec<serde_json::Value> {
        lock(&self.state).recorder.modals_opened(user.as_ref())
    }

    /// The user id of the person at the other end of a DM the fake has
    /// opened, given the DM's channel id.
    pub fn user_for_dm(&self, channel: impl AsRef<str>) -> Option<String> {
        lock(&self.state).directory.user_for_dm(channel.as_ref())
    }

    /// Gives the user group with this handle these members (user ids),
    /// as an admin editing it in Slack would. Fails for an unknown group.
    pub fn set_usergroup_members(&self, handle: &str, members: &[&str]) -> io::Result<()> {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        if lock(&self.state)
            .directory
            .set_usergroup_members(handle, members)
        {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "no user group with handle `{handle}`"
            )))
        }
    }

    /// The id of the public channel with this name (with or without `#`).
    pub fn channel_named(&self, name: &str) -> Option<String> {
        lock(&self.state).directory.channel_named(name)
    }

    /// Stops accepting calls and connections, lets the calls in flight
    /// finish, closes the Socket Mode connections, and waits for the server
    /// tasks to end.
    pub async fn stop(self) {
        // `send_replace` reaches the servers even if one has already stopped.
        self.stop.send_replace(true);
        for (name, task) in [
            ("Web API", self.server),
            ("Socket Mode", self.socket_server),
        ] {
            match task.await {
                Ok(Ok(())) => tracing::debug!(address = %self.address, name, "fake Slack stopped"),
                Ok(Err(error)) => tracing::warn!(%error, name, "fake Slack stopped with an error"),
                Err(error) => tracing::warn!(%error, name, "fake Slack's server task failed"),
            }
        }
    }
}

impl fmt::Debug for FakeSlack {
    // The token is left out: fake or not, tokens are never formatted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSlack")
            .field("api_url", &self.api_url())
            .finish_non_exhaustive()
    }
}
