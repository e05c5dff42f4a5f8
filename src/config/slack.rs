//! The `[slack]` section: where the bot reaches Slack's Web API.

use serde::Deserialize;

/// Slack's Web API, where the bot talks by default.
pub const SLACK_API_URL: &str = "https://slack.com/api";

/// How to reach Slack. The bot token is not here: see [`Secrets`](super::Secrets).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackSettings {
    /// The Web API base URL; `ALLIANCES_SLACK_API_URL` overrides it.
    pub api_url: String,
}

impl Default for SlackSettings {
    fn default() -> Self {
        Self {
            api_url: SLACK_API_URL.to_owned(),
        }
    }
}
