//! Slack's rate limits, enforced when asked ([`FakeSlack::enforce_limits`];
//! off by default): a call over a limit is answered HTTP 429 with
//! `Retry-After`, has no effect, and is kept as a [`LimitViolation`].
//!
//! Slack gives each Web API method a tier, "N+ per minute", applied "per
//! API method per app per workspace", with bursts tolerated
//! (<https://docs.slack.dev/apis/web-api/rate-limits>):
//!
//! | tier | per minute | methods the fake answers |
//! | --- | --- | --- |
//! | 1 | 1+ | `apps.connections.open` |
//! | 2 | 20+ | `users.list`, `usergroups.list`, `usergroups.users.list`, `conversations.list` |
//! | 3 | 50+ | `conversations.open`, `chat.update`, `team.profile.get` |
//! | 4 | 100+ | `chat.postEphemeral`, `views.publish`, `views.open`, `views.update`, `users.profile.get`, `files.getUploadURLExternal`, `files.completeUploadExternal` |
//! | special | hundreds | `auth.test` |
//! | special | 1 per second per channel, several hundred per workspace | `chat.postMessage` |
//!
//! Each method's tier is the one on its page of Slack's reference
//! (<https://docs.slack.dev/reference/methods/conversations.open> and so
//! on), as Slack's own Java SDK lists them (`MethodsRateLimits.java`).
//!
//! The upload URL between the two `files.*` methods is no Web API method
//! and has no published limit: the fake does not limit it.
//!
//! Each budget is a token bucket: it holds up to `burst` calls and refills
//! at `per_minute`. For the tiers the burst is a whole minute's budget —
//! Slack tolerates bursts and judges by the minute. A rejected call takes
//! nothing from the bucket. `Retry-After` is the time until the bucket
//! holds a call again, rounded up to whole seconds as the header wants.

use super::FakeSlack;
use super::lock;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// How many calls a budget allows: `per_minute` on average, of which up to
/// `burst` back to back.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Budget {
    per_minute: f64,
    burst: f64,
}

impl Budget {
    /// A tier of Slack's: `per_minute` calls a minute, all of them at once
    /// if the client likes.
    const fn tier(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute as f64,
            burst: per_minute as f64,
        }
    }

    fn per_second(self) -> f64 {
        self.per_minute / 60.0
    }
}

/// Tier 1: "1+ per minute".
const TIER_1: Budget = Budget::tier(1);
/// Tier 2: "20+ per minute".
const TIER_2: Budget = Budget::tier(20);
/// Tier 3: "50+ per minute".
const TIER_3: Budget = Budget::tier(50);
/// Tier 4: "100+ per minute".
const TIER_4: Budget = Budget::tier(100);
/// `auth.test` is special: "hundreds of requests per minute"; 600, as
/// Slack's Java SDK counts it.
const AUTH_TEST: Budget = Budget::tier(600);
/// `chat.postMessage` across the workspace: "several hundred messages per
/// minute" (its reference page); 300, the low end, so that a bot that
/// stays under it stays under Slack's.
const POST_MESSAGE_PER_WORKSPACE: Budget = Budget::tier(300);
/// `chat.postMessage` into one channel: "1 per second … short bursts >1
/// allowed". The docs do not say how short; three back to back, then one
/// a second, lets a bot answer a burst of commands in one channel and
/// still catches a bot that floods a channel.
const POST_MESSAGE_PER_CHANNEL: Budget = Budget {
    per_minute: 60.0,
    burst: 3.0,
};

/// The methods with a per-channel budget besides their workspace budget.
const PER_CHANNEL_METHOD: &str = "chat.postMessage";

/// Slack's rate limits as the fake enforces them: a budget per method
/// across the workspace, and one per channel for `chat.postMessage`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    per_method: HashMap<&'static str, Budget>,
    per_channel: HashMap<&'static str, Budget>,
}

impl Limits {
    /// The limits Slack documents (see the module's table).
    pub fn slack() -> Self {
        let per_method = [
            ("apps.connections.open", TIER_1),
            ("users.list", TIER_2),
            ("usergroups.list", TIER_2),
            ("usergroups.users.list", TIER_2),
            ("conversations.list", TIER_2),
            ("conversations.open", TIER_3),
            ("chat.update", TIER_3),
            ("team.profile.get", TIER_3),
            ("chat.postEphemeral", TIER_4),
            ("views.publish", TIER_4),
            ("views.open", TIER_4),
            ("views.update", TIER_4),
            ("users.profile.get", TIER_4),
            ("files.getUploadURLExternal", TIER_4),
            ("files.completeUploadExternal", TIER_4),
            ("auth.test", AUTH_TEST),
            (PER_CHANNEL_METHOD, POST_MESSAGE_PER_WORKSPACE),
        ];
        Self {
            per_method: per_method.into_iter().collect(),
            per_channel: [(PER_CHANNEL_METHOD, POST_MESSAGE_PER_CHANNEL)]
                .into_iter()
                .collect(),
        }
    }

    /// Slack's limits with time running `factor` times faster: the same
    /// bursts, refilled `factor` times as often, so that a test or a
    /// benchmark meets them in seconds rather than minutes. `scaled(1.0)`
    /// is [`Limits::slack`]. `Retry-After` stays in whole seconds, so past
    /// a factor of about 60 it overstates the wait.
    ///
    /// # Panics
    ///
    /// If `factor` is not a positive finite number.
    pub fn scaled(factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor > 0.0,
            "a rate-limit scale must be a positive number, not {factor}"
        );
        let mut limits = Self::slack();
        for budget in limits
            .per_method
            .values_mut()
            .chain(limits.per_channel.values_mut())
        {
            budget.per_minute *= factor;
        }
        limits
    }

    /// How many calls a minute `method` is allowed across the workspace,
    /// on average; `None` for a method the fake does not limit.
    pub fn allowed_per_minute(&self, method: &str) -> Option<f64> {
        self.per_method.get(method).map(|budget| budget.per_minute)
    }

    /// How many calls a minute `method` is allowed into one channel, on
    /// average; `None` when it has no per-channel limit (only
    /// `chat.postMessage` has one).
    pub fn allowed_per_minute_per_channel(&self, method: &str) -> Option<f64> {
        self.per_channel.get(method).map(|budget| budget.per_minute)
    }

    /// How many calls to `method` may go back to back across the workspace
    /// before the average applies.
    pub fn burst(&self, method: &str) -> Option<f64> {
        self.per_method.get(method).map(|budget| budget.burst)
    }

    /// How many calls to `method` may go back to back into one channel.
    pub fn burst_per_channel(&self, method: &str) -> Option<f64> {
        self.per_channel.get(method).map(|budget| budget.burst)
    }
}

/// A call the fake refused because it was over one of Slack's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitViolation {
    /// The method called, such as `chat.postMessage`.
    pub method: String,
    /// The channel, when its per-channel limit was the one exceeded: the
    /// channel id, or the call's `channel` as given if it names none.
    pub channel: Option<String>,
    /// When the call came.
    pub at: Instant,
    /// How long until the call would have been allowed; the `Retry-After`
    /// header is this rounded up to whole seconds.
    pub retry_after: Duration,
    /// The average rate of the limit exceeded, in calls a minute.
    pub allowed_per_minute: f64,
}

impl LimitViolation {
    /// The `Retry-After` header's value: whole seconds, at least one.
    pub fn retry_after_secs(&self) -> u64 {
        // Slack never asks for a wait of 0 seconds; neither does the fake.
        (self.retry_after.as_secs_f64().ceil() as u64).max(1)
    }
}

/// A budget's state: calls it holds, as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    calls: f64,
    at: Instant,
}

/// Float rounding must not refuse a client paced exactly at the rate.
const ROUNDING: f64 = 1e-9;

impl Bucket {
    fn full(budget: Budget, now: Instant) -> Self {
        Self {
            calls: budget.burst,
            at: now,
        }
    }

    fn refill(&mut self, budget: Budget, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.calls = (self.calls + elapsed * budget.per_second()).min(budget.burst);
        self.at = self.at.max(now);
    }

    /// How long until the bucket holds one call; zero when it does now.
    fn wait(&self, budget: Budget) -> Duration {
        let missing = 1.0 - self.calls;
        if missing <= ROUNDING {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(missing / budget.per_second()).unwrap_or(Duration::MAX)
    }
}

/// Whose budget a bucket holds: a method's across the workspace, or a
/// method's in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BucketKey {
    method: String,
    channel: Option<String>,
}

impl BucketKey {
    fn new(method: &str, channel: Option<&str>) -> Self {
        Self {
            method: method.to_owned(),
            channel: channel.map(str::to_owned),
        }
    }
}

/// The limits in force and every budget's bucket.
#[derive(Debug)]
pub(super) struct Limiter {
    limits: Limits,
    buckets: HashMap<BucketKey, Bucket>,
}

impl Limiter {
    /// Full buckets: a client starts with every burst available.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            buckets: HashMap::new(),
        }
    }

    /// Admits a call to `method` (into `channel`, if it names one) at
    /// `now`, taking one call from each of its budgets; or refuses it,
    /// taking nothing, with the violation to report.
    pub fn admit(
        &mut self,
        method: &str,
        channel: Option<&str>,
        now: Instant,
    ) -> Result<(), LimitViolation> {
        let mut budgets = Vec::with_capacity(2);
        if let Some(budget) = self.limits.per_method.get(method) {
            budgets.push((BucketKey::new(method, None), *budget));
        }
        if let (Some(budget), Some(channel)) = (self.limits.per_channel.get(method), channel) {
            budgets.push((BucketKey::new(method, Some(channel)), *budget));
        }
        // The longest wait among the budgets that are empty, and which.
        let mut refusal: Option<(Duration, usize)> = None;
        for (index, (key, budget)) in budgets.iter().enumerate() {
            let bucket = self
                .buckets
                .entry(key.clone())
                .or_insert_with(|| Bucket::full(*budget, now));
            bucket.refill(*budget, now);
            let wait = bucket.wait(*budget);
            if wait > Duration::ZERO && refusal.is_none_or(|(longest, _)| wait > longest) {
                refusal = Some((wait, index));
            }
        }
        if let Some((retry_after, index)) = refusal {
            let (key, budget) = &budgets[index];
            return Err(LimitViolation {
                method: method.to_owned(),
                channel: key.channel.clone(),
                at: now,
                retry_after,
                allowed_per_minute: budget.per_minute,
            });
        }
        for (key, _) in budgets {
            if let Some(bucket) = self.buckets.get_mut(&key) {
                bucket.calls -= 1.0;
            }
        }
        Ok(())
    }
}

impl FakeSlack {
    /// Enforces `limits` from the next call on, every budget full; calling
    /// it again starts afresh with the new limits.
    pub fn enforce_limits(&self, limits: Limits) {
        lock(&self.state).limiter = Some(Limiter::new(limits));
    }

    /// Stops enforcing limits (the default). The violations seen so far
    /// are kept.
    pub fn lift_limits(&self) {
        lock(&self.state).limiter = None;
    }

    /// Every call refused for being over a limit so far, in order.
    pub fn violations(&self) -> Vec<LimitViolation> {
        lock(&self.state).recorder.violations().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn slacks_tiers_are_the_documented_ones() {
        let slack = Limits::slack();
        for (method, per_minute) in [
            ("apps.connections.open", 1.0),
            ("users.list", 20.0),
            ("usergroups.users.list", 20.0),
            ("conversations.list", 20.0),
            ("conversations.open", 50.0),
            ("chat.update", 50.0),
            ("views.publish", 100.0),
            ("chat.postEphemeral", 100.0),
            ("users.profile.get", 100.0),
            ("auth.test", 600.0),
            ("chat.postMessage", 300.0),
        ] {
            assert_eq!(
                slack.allowed_per_minute(method),
                Some(per_minute),
                "{method}"
            );
        }
        assert_eq!(
            slack.allowed_per_minute_per_channel("chat.postMessage"),
            Some(60.0)
        );
        assert_eq!(slack.allowed_per_minute_per_channel("users.list"), None);
        assert_eq!(slack.allowed_per_minute("chat.fly"), None);
    }

    #[test]
    fn scaling_speeds_the_rate_and_keeps_the_burst() {
        let fast = Limits::scaled(60.0);
        assert_eq!(fast.allowed_per_minute("conversations.open"), Some(3_000.0));
        assert_eq!(fast.burst("conversations.open"), Some(50.0));
        assert_eq!(
            fast.allowed_per_minute_per_channel("chat.postMessage"),
            Some(3_600.0)
        );
        assert_eq!(fast.burst_per_channel("chat.postMessage"), Some(3.0));
        assert_eq!(Limits::scaled(1.0), Limits::slack());
    }

    #[test]
    #[should_panic(expected = "positive number")]
    fn a_scale_of_zero_is_refused() {
        let _ = Limits::scaled(0.0);
    }

    #[test]
    fn a_burst_up_to_the_tier_passes_and_the_next_call_waits_for_a_refill() {
        let mut limiter = Limiter::new(Limits::slack());
        let start = Instant::now();
        for _ in 0..20 {
            assert!(limiter.admit("users.list", None, start).is_ok());
        }
        let refused = limiter
            .admit("users.list", None, start)
            .expect_err("the 21st call in a burst is over Tier 2");
        assert_eq!(refused.retry_after, seconds(3.0));
        assert_eq!(refused.retry_after_secs(), 3);
        assert_eq!(refused.allowed_per_minute, 20.0);
        assert_eq!(refused.channel, None);
        assert!(
            limiter
                .admit("users.list", None, start + seconds(3.0))
                .is_ok()
        );
    }

    #[test]
    fn a_client_paced_at_the_rate_is_never_refused() {
        let mut limiter = Limiter::new(Limits::slack());
        let start = Instant::now();
        let every = seconds(60.0 / 50.0);
        for n in 0..500 {
            let at = start + every * n;
            assert!(
                limiter.admit("conversations.open", None, at).is_ok(),
                "call {n}"
            );
        }
    }

    #[test]
    fn a_refused_call_takes_nothing_from_the_budget() {
        let mut limiter = Limiter::new(Limits::slack());
        let start = Instant::now();
        assert!(limiter.admit("apps.connections.open", None, start).is_ok());
        for _ in 0..10 {
            assert!(limiter.admit("apps.connections.open", None, start).is_err());
        }
        let later = start + seconds(60.0);
        assert!(limiter.admit("apps.connections.open", None, later).is_ok());
    }

    #[test]
    fn methods_have_budgets_of_their_own() {
        let mut limiter = Limiter::new(Limits::slack());
        let now = Instant::now();
        assert!(limiter.admit("apps.connections.open", None, now).is_ok());
        assert!(limiter.admit("apps.connections.open", None, now).is_err());
        assert!(limiter.admit("users.list", None, now).is_ok());
        assert!(limiter.admit("chat.fly", None, now).is_ok());
    }

    #[test]
    fn post_message_allows_a_short_burst_then_one_a_second_per_channel() {
        let mut limiter = Limiter::new(Limits::slack());
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit("chat.postMessage", Some("C1"), start).is_ok());
        }
        let refused = limiter
            .admit("chat.postMessage", Some("C1"), start)
            .expect_err("a fourth message at once is over the channel's limit");
        assert_eq!(refused.channel.as_deref(), Some("C1"));
        assert_eq!(refused.retry_after, seconds(1.0));
        assert_eq!(refused.allowed_per_minute, 60.0);
        assert!(limiter.admit("chat.postMessage", Some("C2"), start).is_ok());
        assert!(
            limiter
                .admit("chat.postMessage", Some("C1"), start + seconds(1.0))
                .is_ok()
        );
    }

    #[test]
    fn post_message_into_many_channels_meets_the_workspace_limit() {
        let mut limiter = Limiter::new(Limits::slack());
        let now = Instant::now();
        for n in 0..300 {
            let channel = format!("D{n}");
            assert!(
                limiter
                    .admit("chat.postMessage", Some(&channel), now)
                    .is_ok()
            );
        }
        let refused = limiter
            .admit("chat.postMessage", Some("D300"), now)
            .expect_err("the 301st message at once is over the workspace's limit");
        assert_eq!(refused.channel, None);
        assert_eq!(refused.allowed_per_minute, 300.0);
        assert_eq!(refused.retry_after, seconds(0.2));
        assert_eq!(refused.retry_after_secs(), 1);
    }
}
