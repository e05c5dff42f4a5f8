//! The `[delivery]` section: how promised messages reach Slack.

use serde::Deserialize;

/// How promised messages (nudges, the digest) reach Slack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// A message Slack keeps refusing, or cannot be reached for, is given up
    /// on after this many minutes from when it was planned, and reported
    /// (in the logs, and to admins in `/alliances status`). A nudge later
    /// than its recipient's window would land at an odd hour anyway.
    pub give_up_after_minutes: u32,
    /// On shutdown, a send in flight gets this many seconds to finish.
    pub shutdown_grace_seconds: u32,
    /// Slack's rate limits, the retry back-off and the call time-outs, this
    /// many times faster. Only for the built-in fake Slack, whose limits
    /// can be scaled alike; leave it at 1 for Slack.
    pub speedup: f64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            give_up_after_minutes: 60,
            shutdown_grace_seconds: 10,
            speedup: 1.0,
        }
    }
}
