//! The `[slack]` and `[delivery]` sections: where the bot reaches Slack's
//! Web API, and how promised messages get there.

use super::section::{at_least_one, count, section};
use crate::domain::checked;
use serde::Deserializer;
use std::num::NonZeroU32;

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

section! {
    /// How promised messages (nudges, the digest) reach Slack.
    #[derive(PartialEq)]
    pub struct DeliverySettings {
        /// A message Slack keeps refusing, or cannot be reached for, is given up
        /// on after this many minutes from when it was planned, and reported
        /// (in the logs, and to admins in `/alliances status`). A nudge later
        /// than its recipient's window would land at an odd hour anyway.
        #[serde(deserialize_with = "minutes")]
        pub give_up_after_minutes: NonZeroU32 = const { count(60) },
        /// On shutdown, a send in flight gets this many seconds to finish.
        pub shutdown_grace_seconds: u32 = 10,
        /// Slack's rate limits, the retry back-off and the call time-outs, this
        /// many times faster.
        pub speedup: Speedup = Speedup::SLACK,
    }
}

/// Reads `delivery.give_up_after_minutes`, refusing 0 with the fix.
fn minutes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU32, D::Error> {
    at_least_one::<_, u32, _>(deserializer, "must be at least 1 minute, e.g. 60")
}

checked! {
    /// How many times faster than Slack's limits the bot paces itself: 1 for
    /// Slack, more only for the built-in fake Slack, whose limits can be
    /// scaled alike. A finite number of at least 1.
    #[derive(Copy)]
    pub struct Speedup(f64) if |factor| factor.is_finite() && factor >= 1.0;
    else "must be a number of at least 1 (1 for Slack; more only for the built-in fake Slack)"
}

impl Speedup {
    /// Slack's own pace.
    pub const SLACK: Self = Self(1.0);

    /// The factor, 1 for Slack.
    pub fn get(self) -> f64 {
        self.0
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

    #[test]
    fn a_speedup_is_at_least_slack_s_own_pace() {
        assert_eq!(Speedup::try_from(10.0).map(Speedup::get), Ok(10.0));
        for factor in [0.5, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Speedup::try_from(factor).is_err(), "{factor}");
        }
    }
}
