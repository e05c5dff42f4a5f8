//! The concrete Slack client: slack-morphism over hyper with rustls, its
//! base URL from config so the same code reaches Slack and the fake Slack.

use super::channel_ids::ChannelIdCache;
use super::error::SlackError;
use super::home::{HomeContent, render_home};
use super::rate_control::RateControl;
use super::render::Message;
use super::response_url::https_config;
use crate::domain::{ChannelId, UserId};
use crate::metrics::{CallStatus, Metrics};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A person as Slack lists them, read from Slack's user JSON (in a
/// `team_join` or `user_change` event) through [`SlackUser`]. Its `Debug`
/// leaves the email out.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "SlackUser")]
pub struct SlackPerson {
    /// Their Slack id (`U…`), checked.
    pub id: UserId,
    /// Their handle (`alice.moreau`).
    pub handle: String,
    /// The name to show: display name, else real name, else handle.
    pub name: String,
    /// Their IANA time zone.
    pub tz: Option<String>,
    /// A bot or app user.
    pub is_bot: bool,
    /// Deactivated.
    pub deleted: bool,
    /// Their email, when the app may read it (`users:read.email`): held
    /// only while it is hashed, never stored.
    pub email: Option<String>,
}

impl std::fmt::Debug for SlackPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackPerson")
            .field("id", &self.id)
            .field("handle", &self.handle)
            .field("name", &self.name)
            .field("tz", &self.tz)
            .field("is_bot", &self.is_bot)
            .field("deleted", &self.deleted)
            .field("email", &self.email.as_ref().map(|_| "…"))
            .finish()
    }
}

type Connector = SlackClientHyperHttpsConnector;

/// The bot's Slack client. Cheap to clone; its `Debug` shows no token.
#[derive(Clone)]
pub struct SlackClient {
    client: Arc<slack_morphism::SlackClient<Connector>>,
    token: SlackApiToken,
    api_url: String,
    // For `response_url`s: plain HTTPS POSTs to a URL Slack gave us, no token.
    http: reqwest::Client,
    rate: RateControl,
    call_timeout: Duration,
    /// Where each call is counted: the bot's metrics, when it handed them
    /// over ([`SlackClient::with_metrics`]); a client without counts none.
    metrics: Option<Metrics>,
    channel_ids: ChannelIdCache,
    /// Slack said the bot token was revoked (`tokens_revoked`), and no
    /// call has succeeded with it since. Shared by every clone.
    token_revoked: Arc<AtomicBool>,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackClient")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// A `go` that never breaks: the call is always made.
async fn always() -> ControlFlow<Infallible> {
    ControlFlow::Continue(())
}

/// How a call ended, for its metric.
fn call_status<T>(result: &Result<T, SlackError>) -> CallStatus {
    match result {
        Ok(_) => CallStatus::Ok,
        Err(SlackError::RateLimited { .. }) => CallStatus::RateLimited,
        Err(
            SlackError::Api { .. }
            | SlackError::Unexpected { .. }
            | SlackError::ChannelNotFound { .. }
            | SlackError::NotSlacksResponseUrl { .. },
        ) => CallStatus::ApiError,
        Err(SlackError::Transport { .. } | SlackError::Setup(_)) => CallStatus::TransportError,
    }
}

/// How long a Web API call may take before it counts as failed (and is
/// retried by its caller): Slack answers in well under a second.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times one call is tried again after a 429, each after the
/// `Retry-After`, before the caller sees the rate limit.
const RATE_LIMIT_RETRIES: u32 = 3;

/// Pages of a cursor-paged list (`users.list`, `conversations.list`):
/// Slack recommends no more than 200 items per page.
pub(super) const PAGE_SIZE: u16 = 200;

impl SlackClient {
    /// A client for the Web API at `api_url` (`https://slack.com/api`, or the
    /// fake Slack's `http://127.0.0.1:PORT/api`) with the bot token.
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<Self, SlackError> {
        let tls = hyper_rustls::HttpsConnectorBuilder::new();
        let tls = match tls.with_native_roots() {
            Ok(builder) => builder,
            // Plain HTTP (the fake Slack on 127.0.0.1) needs no roots: the plain
            // HTTPS clients' configuration, with none here, will do, and a
            // machine without CA certificates can still run the demo and tests.
            Err(_) if api_url.starts_with("http://") => hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(https_config().map_err(SlackError::Setup)?),
            Err(err) => {
                return Err(SlackError::Setup(format!(
                    "no CA certificates found ({err}); install your system's CA certificates"
                )));
            }
        };
        let https = tls.https_or_http().enable_http1().enable_http2().build();
        let connector = SlackClientHyperConnector::with_connector(https)
            .with_slack_api_url(api_url.trim_end_matches('/'));
        Ok(Self {
            client: Arc::new(slack_morphism::SlackClient::new(connector)),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_owned())),
            api_url: api_url.to_owned(),
            http: super::response_url::client()?,
            rate: RateControl::new(1.0),
            call_timeout: CALL_TIMEOUT,
            metrics: None,
            channel_ids: ChannelIdCache::default(),
            token_revoked: Arc::default(),
        })
    }

    /// The same client, counting each call (its method and how it ended)
    /// into `metrics`, which the bot owns (see [`crate::metrics`]).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Notes that Slack revoked the bot token (a `tokens_revoked` event):
    /// the bot is not ready until a check finds the token working again.
    pub fn note_token_revoked(&self) {
        self.token_revoked.store(true, Ordering::SeqCst);
    }

    /// Notes that a check made after a revocation found the token working.
    /// Only such a check may say so: a call answered before the revocation
    /// but finished after it would say so wrongly.
    pub fn note_token_works(&self) {
        self.token_revoked.store(false, Ordering::SeqCst);
    }

    /// Whether the bot token was revoked and no check has found it working
    /// since.
    pub fn token_revoked(&self) -> bool {
        self.token_revoked.load(Ordering::SeqCst)
    }

    /// The scopes the bot token was granted, as Slack names them in the
    /// `x-oauth-scopes` header of an `auth.test` answer, or `None` if it
    /// names none.
    pub async fn granted_scopes(&self) -> Result<Option<Vec<String>>, SlackError> {
        const METHOD: &str = "auth.test";
        self.rate.acquire(METHOD, None).await;
        let transport = |err: reqwest::Error| SlackError::Transport {
            method: METHOD,
            detail: err.without_url().to_string(),
        };
        let response = self
            .http
            .post(format!("{}/auth.test", self.api_url.trim_end_matches('/')))
            .bearer_auth(self.token.token_value.0.as_str())
            .send()
            .await
            .map_err(transport)?;
        let scopes = response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(',')
                    .map(|scope| scope.trim().to_owned())
                    .filter(|scope| !scope.is_empty())
                    .collect()
            });
        let body: Value = response.json().await.map_err(transport)?;
        if body["ok"].as_bool() != Some(true) {
            return Err(SlackError::Api {
                method: METHOD,
                code: body["error"].as_str().unwrap_or("unknown_error").to_owned(),
            });
        }
        Ok(scopes)
    }

    /// Who the token belongs to (`auth.test`): the workspace's name and the
    /// bot's user id. A cheap call, for readiness and `doctor`.
    pub async fn auth_test(&self) -> Result<(String, UserId), SlackError> {
        const METHOD: &str = "auth.test";
        let response = self
            .call(METHOD, None, || async { self.session().auth_test().await })
            .await?;
        let user = UserId::parse(&response.user_id.0).map_err(SlackError::unexpected(METHOD))?;
        Ok((response.team, user))
    }

    /// The same client, paced `speedup` times faster than Slack's limits
    /// allow and with time-outs as much shorter: for the built-in fake
    /// Slack only, whose limits can be scaled alike. 1 for Slack; so is
    /// anything but a positive, finite number.
    pub fn with_speedup(mut self, speedup: f64) -> Self {
        let speedup = if speedup.is_finite() && speedup > 0.0 {
            speedup
        } else {
            1.0
        };
        self.rate = RateControl::new(speedup);
        self.call_timeout = CALL_TIMEOUT
            .div_f64(speedup)
            .max(Duration::from_millis(200));
        self
    }

    /// Takes `1 / replicas` of Slack's limits from now on: `replicas`
    /// replicas, this one included, call Slack with the same app (see
    /// [`RateControl::share_among`]).
    pub fn share_limits_among(&self, replicas: u32) {
        self.rate.share_among(replicas);
    }

    /// Whether this client called Slack since the last time this was asked.
    pub fn called_since_last_look(&self) -> bool {
        self.rate.called_since_last_look()
    }

    /// Calls `method` (`call` makes the request) under rate control and a
    /// time-out. A 429 pauses the method for its `Retry-After` and the call
    /// is made again, up to [`RATE_LIMIT_RETRIES`] times; other failures go
    /// to the caller, who knows whether to retry.
    pub(super) async fn call<T, F, Fut>(
        &self,
        method: &'static str,
        channel: Option<&str>,
        call: F,
    ) -> Result<T, SlackError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SlackClientError>>,
    {
        let ControlFlow::Continue(answer) = self.call_unless(method, channel, always, call).await?;
        Ok(answer)
    }

    /// [`Self::call`], asking `go` each time the call's turn has come (after
    /// the wait for Slack's limits, before each try): once it breaks, no
    /// call is made and its answer is returned. The wait can be long, and
    /// what was true before it may not be after. `go` is async, as the
    /// store it reads is.
    async fn call_unless<T, B, F, Fut, Go>(
        &self,
        method: &'static str,
        channel: Option<&str>,
        mut go: impl FnMut() -> Go,
        mut call: F,
    ) -> Result<ControlFlow<B, T>, SlackError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SlackClientError>>,
        Go: Future<Output = ControlFlow<B>>,
    {
        let mut retries = 0;
        loop {
            self.rate.acquire(method, channel).await;
            if let ControlFlow::Break(stop) = go().await {
                return Ok(ControlFlow::Break(stop));
            }
            let result = match tokio::time::timeout(self.call_timeout, call()).await {
                Ok(result) => result.map_err(|err| SlackError::from_client(method, err)),
                Err(_) => Err(SlackError::Transport {
                    method,
                    detail: format!("no answer within {:?}", self.call_timeout),
                }),
            };
            if let Some(metrics) = &self.metrics {
                metrics.slack_call(method, call_status(&result));
            }
            match result {
                Ok(answer) => return Ok(ControlFlow::Continue(answer)),
                Err(SlackError::RateLimited { retry_after, .. }) => {
                    self.rate.pause(method, retry_after);
                    tracing::debug!(method, ?retry_after, "Slack rate-limited a call");
                    if retries == RATE_LIMIT_RETRIES {
                        return Err(SlackError::RateLimited {
                            method,
                            retry_after,
                        });
                    }
                    retries += 1;
                }
                other => return other.map(ControlFlow::Continue),
            }
        }
    }

    /// The plain HTTP client, for `response_url`s; and the Web API's base
    /// URL, whose host may serve them too (the fake Slack).
    pub(super) fn plain_http(&self) -> (&reqwest::Client, &str) {
        (&self.http, &self.api_url)
    }

    /// A session of the Web API with the bot token, to make a call in.
    pub(super) fn session(&self) -> SlackClientSession<'_, Connector> {
        self.client.open_session(&self.token)
    }

    /// The ids of the channels looked up by name (see [`super::channels`]).
    pub(super) fn channel_ids(&self) -> &ChannelIdCache {
        &self.channel_ids
    }

    /// The slack-morphism client underneath, for the Socket Mode listener.
    pub(crate) fn morphism(&self) -> Arc<slack_morphism::SlackClient<Connector>> {
        self.client.clone()
    }

    /// Opens (or finds) the DM channel with `user`.
    pub async fn open_dm(&self, user: &UserId) -> Result<ChannelId, SlackError> {
        self.open_group_dm(std::slice::from_ref(user)).await
    }

    /// Posts `message` to `channel` (an id, or a channel name) and returns the
    /// message's `ts`.
    pub async fn post(&self, channel: &str, message: &Message) -> Result<String, SlackError> {
        let ControlFlow::Continue(ts) = self.post_unless(channel, message, always).await?;
        Ok(ts)
    }

    /// Posts `message` to `channel` as [`Self::post`] does, unless `go`
    /// breaks when the post's turn has come: then nothing is posted and its
    /// answer is returned. For a message that may no longer be wanted by
    /// the time Slack's limits let it go.
    pub async fn post_unless<B, Go>(
        &self,
        channel: &str,
        message: &Message,
        go: impl FnMut() -> Go,
    ) -> Result<ControlFlow<B, String>, SlackError>
    where
        Go: Future<Output = ControlFlow<B>>,
    {
        const METHOD: &str = "chat.postMessage";
        let blocks = block_kit(METHOD, "the message's blocks", message.blocks.clone())?;
        let content = SlackMessageContent::new()
            .with_text(message.text.clone())
            .with_blocks(blocks);
        let request =
            SlackApiChatPostMessageRequest::new(SlackChannelId(channel.to_owned()), content);
        let posted = self
            .call_unless(METHOD, Some(channel), go, || async {
                self.session().chat_post_message(&request).await
            })
            .await?;
        Ok(posted.map_continue(|response| response.ts.0))
    }

    /// Opens (or finds) the conversation of the bot with `users`: a DM for
    /// one person, a group DM for several (an introduction).
    pub async fn open_group_dm(&self, users: &[UserId]) -> Result<ChannelId, SlackError> {
        const METHOD: &str = "conversations.open";
        let ids = users.iter().map(|u| SlackUserId(u.to_string())).collect();
        let request = SlackApiConversationsOpenRequest::new().with_users(ids);
        let response = self
            .call(METHOD, None, || async {
                self.session().conversations_open(&request).await
            })
            .await?;
        ChannelId::parse(&response.channel.id.0).map_err(SlackError::unexpected(METHOD))
    }

    /// Publishes `user`'s App Home: a `home` view of `content`.
    pub async fn publish_home(
        &self,
        user: &UserId,
        content: &HomeContent,
    ) -> Result<(), SlackError> {
        const METHOD: &str = "views.publish";
        let blocks = block_kit(METHOD, "the App Home blocks", render_home(content))?;
        let request = SlackApiViewsPublishRequest::new(
            SlackUserId(user.to_string()),
            SlackView::Home(SlackHomeView::new(blocks)),
        );
        self.call(METHOD, None, || async {
            self.session().views_publish(&request).await
        })
        .await?;
        Ok(())
    }

    /// Everyone in the workspace, following `next_cursor` to the last page.
    pub async fn list_people(&self) -> Result<Vec<SlackPerson>, SlackError> {
        const METHOD: &str = "users.list";
        let mut people = Vec::new();
        let request = SlackApiUsersListRequest::new().with_limit(PAGE_SIZE);
        self.page_through(METHOD, &request, |page| {
            for member in page.members {
                people.push(SlackPerson::try_from(member).map_err(SlackError::unexpected(METHOD))?);
            }
            Ok(ControlFlow::<()>::Continue(()))
        })
        .await?;
        Ok(people)
    }

    /// Calls the cursor-paged list `method` from its first page, each page
    /// through [`Self::call`], following `next_cursor`: `on_page` reads each
    /// page until it breaks with what it looked for, or the last page is
    /// read (`None`). An error from `on_page` stops the walk there.
    pub(super) async fn page_through<RQ, T>(
        &self,
        method: &'static str,
        first: &RQ,
        mut on_page: impl FnMut(RQ::ResponseType) -> Result<ControlFlow<T>, SlackError>,
    ) -> Result<Option<T>, SlackError>
    where
        RQ: SlackApiScrollableRequest<Connector, CursorType = SlackCursorId> + Sync,
        RQ::ResponseType: SlackApiScrollableResponse<CursorType = SlackCursorId>,
    {
        let mut cursor: Option<SlackCursorId> = None;
        loop {
            let request = first.with_new_cursor(cursor.as_ref());
            let page = self
                .call(method, None, || async {
                    request.scroll(&self.session()).await
                })
                .await?;
            cursor = page.next_cursor().filter(|next| !next.0.is_empty());
            if let ControlFlow::Break(found) = on_page(page)? {
                return Ok(Some(found));
            }
            if cursor.is_none() {
                return Ok(None);
            }
        }
    }
}

/// `blocks`, Block Kit JSON, as the blocks of a `method` request; blocks
/// that are no valid Block Kit are [`SlackError::Unexpected`], the detail
/// naming them as `what`. slack-morphism reads a block of a type it does
/// not know as `Unknown` rather than fail: the bot sends none, so one is
/// refused here (a text object in a block's place is the usual slip).
pub(super) fn block_kit(
    method: &'static str,
    what: &str,
    blocks: Vec<Value>,
) -> Result<Vec<SlackBlock>, SlackError> {
    let invalid = |detail: String| SlackError::Unexpected {
        method,
        detail: format!("{what} are not valid Block Kit: {detail}"),
    };
    let blocks: Vec<SlackBlock> =
        serde_json::from_value(Value::Array(blocks)).map_err(|err| invalid(err.to_string()))?;
    if let Some(SlackBlock::Unknown(block)) = blocks
        .iter()
        .find(|block| matches!(block, SlackBlock::Unknown(_)))
    {
        return Err(invalid(format!("a block of no known type: {block}")));
    }
    Ok(blocks)
}

impl TryFrom<SlackUser> for SlackPerson {
    /// Why Slack's user is no person the bot can know: an invalid id.
    type Error = String;

    fn try_from(member: SlackUser) -> Result<Self, Self::Error> {
        let id = UserId::parse(&member.id.0).map_err(|err| err.to_string())?;
        let handle = member.name.clone().unwrap_or_else(|| id.to_string());
        let profile = member.profile.as_ref();
        let name = [
            profile.and_then(|p| p.display_name.clone()),
            profile.and_then(|p| p.real_name.clone()),
            member.real_name.clone(),
        ]
        .into_iter()
        .flatten()
        .find(|name| !name.trim().is_empty())
        .unwrap_or_else(|| handle.clone());
        Ok(SlackPerson {
            id,
            handle,
            name,
            tz: member.tz.filter(|tz| !tz.is_empty()),
            is_bot: member.flags.is_bot.unwrap_or(false)
                || member.flags.is_app_user.unwrap_or(false),
            deleted: member.deleted.unwrap_or(false),
            email: profile
                .and_then(|p| p.email.as_ref())
                .map(|email| email.0.clone())
                .filter(|email| !email.trim().is_empty()),
        })
    }
}
