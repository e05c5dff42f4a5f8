//! The `[slack]` section: where the bot reaches Slack's Web API.

use super::section::section;
use crate::domain::checked;

/// Slack's Web API, where the bot talks by default.
pub const SLACK_API_URL: &str = "https://slack.com/api";

section! {
    /// How to reach Slack. The bot token is not here: see [`Secrets`](super::Secrets).
    pub struct SlackSettings {
        /// The Web API base URL; `ALLIANCES_SLACK_API_URL` overrides it.
        pub api_url: ApiUrl = ApiUrl(SLACK_API_URL.to_owned()),
    }
}

checked! {
    /// The base URL of a Slack Web API: Slack's own, the built-in fake Slack's
    /// or a test double's. Always `http://` or `https://`.
    #[derive(Eq)]
    pub struct ApiUrl(String) if |url| url.starts_with("https://") || url.starts_with("http://");
    else "must be an http:// or https:// URL, e.g. \"https://slack.com/api\""
}

impl ApiUrl {
    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_or_https_url_is_an_api_url() {
        assert_eq!(SlackSettings::default().api_url.as_str(), SLACK_API_URL);
        assert!(ApiUrl::try_from("http://127.0.0.1:9/api".to_owned()).is_ok());
        for url in ["slack.com/api", "ftp://slack.com/api", ""] {
            assert!(ApiUrl::try_from(url.to_owned()).is_err(), "{url}");
        }
    }
}
