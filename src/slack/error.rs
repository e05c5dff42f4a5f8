//! Why a call to Slack failed, in kinds a caller can branch on, with the
//! hint an operator needs to fix it.

use super::rate_control;
use slack_morphism::errors::SlackClientError;
use std::time::Duration;

/// Why a call to Slack failed. The caller branches on the kind: a rate
/// limit waits, an API error is about the request, a transport error may
/// pass. No variant carries a token.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `ok: false` with this error code.
    #[error("Slack refused {method}: {code}{}", hint_for(code))]
    Api {
        /// The Web API method.
        method: &'static str,
        /// Slack's error code (`channel_not_found`, `invalid_auth`, …).
        code: String,
    },
    /// Slack answered 429: wait `retry_after` before the next call.
    #[error("Slack rate-limited {method} (retry after {retry_after:?})")]
    RateLimited {
        /// The Web API method.
        method: &'static str,
        /// Slack's `Retry-After`, when it gave one: five minutes at most,
        /// the longest a 429 pauses a method.
        retry_after: Option<Duration>,
    },
    /// Slack could not be reached or answered something unreadable.
    #[error("cannot reach Slack for {method}: {detail}")]
    Transport {
        /// The Web API method.
        method: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// Slack answered with data the bot cannot use (an invalid id).
    #[error("Slack answered {method} with unusable data: {detail}")]
    Unexpected {
        /// The Web API method.
        method: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// No channel the bot can see has this name (`conversations.list`):
    /// the settings name a channel that does not exist, is archived, or is
    /// private without the bot in it.
    #[error(
        "Slack has no channel named #{name} that the bot can see{}",
        hint_for("channel_not_found")
    )]
    ChannelNotFound {
        /// The name, without its `#`.
        name: String,
    },
    /// The client could not be built (TLS set-up).
    #[error("cannot set up the Slack client: {0}")]
    Setup(String),
    /// A `response_url` that is not Slack's (nor the configured API's
    /// host): nothing was posted to it.
    #[error("refused to post to a response_url on {host}, which is not Slack's")]
    NotSlacksResponseUrl {
        /// Its host (the rest of a `response_url` is a credential).
        host: String,
    },
}

impl SlackError {
    /// Whether the same call may succeed later: a rate limit, a failed or
    /// timed-out connection, a 5xx, or one of Slack's own passing errors.
    /// Everything else is about the request and fails the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport { .. } => true,
            Self::Api { code, .. } => matches!(
                code.as_str(),
                "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
                    | "ratelimited"
            ),
            Self::Unexpected { .. }
            | Self::ChannelNotFound { .. }
            | Self::Setup(_)
            | Self::NotSlacksResponseUrl { .. } => false,
        }
    }

    /// Whether Slack said the channel does not exist: a remembered DM
    /// channel or channel id that is gone, or a name no channel has.
    pub fn is_channel_not_found(&self) -> bool {
        match self {
            Self::Api { code, .. } => code == "channel_not_found",
            Self::ChannelNotFound { .. } => true,
            _ => false,
        }
    }

    /// How long Slack asked to wait, for a rate limit that said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What turns `err`, a value in `method`'s answer the bot cannot use
    /// (an invalid id, say), into [`SlackError::Unexpected`].
    pub(super) fn unexpected<E: std::fmt::Display>(method: &'static str) -> impl Fn(E) -> Self {
        move |err| Self::Unexpected {
            method,
            detail: err.to_string(),
        }
    }

    pub(super) fn from_client(method: &'static str, err: SlackClientError) -> Self {
        match err {
            SlackClientError::ApiError(api) => Self::Api {
                method,
                code: api.code,
            },
            SlackClientError::RateLimitError(limit) => Self::RateLimited {
                method,
                retry_after: rate_control::within_reason(method, limit.retry_after),
            },
            SlackClientError::HttpProtocolError(protocol) => Self::Transport {
                method,
                detail: protocol
                    .cause
                    .as_deref()
                    .map(|cause| root_cause(cause))
                    .unwrap_or_else(|| "the connection failed".to_owned()),
            },
            other => Self::Transport {
                method,
                detail: other.to_string(),
            },
        }
    }
}

/// What to do about the API errors an operator can fix.
fn hint_for(code: &str) -> &'static str {
    match code {
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
            " (check the bot token in ALLIANCES_SLACK_BOT_TOKEN)"
        }
        "missing_scope" => " (add the scope to the Slack app and reinstall it)",
        "channel_not_found" | "not_in_channel" => " (check the channel, and invite the bot to it)",
        _ => "",
    }
}

/// The innermost cause of a transport error ("Connection refused (os error
/// 111)"): hyper's outer layers only say that a request failed.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::SlackClient;
    use fake_slack::{FakeSlack, Fault, Faults, Workspace};
    use secrecy::SecretString;

    const TOKEN: &str = "xoxb-error-test";

    #[tokio::test]
    async fn a_429_asking_to_wait_forever_reaches_the_bot_as_five_minutes() {
        let fake = FakeSlack::start(Workspace::new(TOKEN, vec![], vec![]))
            .await
            .unwrap();
        fake.set_faults(Faults::default().next_calls(
            "auth.test",
            1,
            Fault::RateLimited {
                retry_after_secs: u64::MAX,
            },
        ));
        let client =
            SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned())).unwrap();

        let refused = client.session().auth_test().await.unwrap_err();
        let err = SlackError::from_client("auth.test", refused);

        assert_eq!(
            err.retry_after(),
            Some(rate_control::LONGEST_PAUSE),
            "{err}"
        );
        assert!(err.is_transient());
        fake.stop().await;
    }
}
