//! Rate control: every Web API call waits for its turn under Slack's
//! published limits, and a 429 pauses its method for the `Retry-After`
//! (five minutes at most, see [`LONGEST_PAUSE`]).
//!
//! Slack limits each Web API method "per app per workspace" by tier (Tier 1:
//! 1+ per minute, Tier 2: 20+, Tier 3: 50+, Tier 4: 100+, with bursts
//! tolerated), and `chat.postMessage` specially: about one message per
//! second per channel, within a workspace-wide limit of a few hundred a
//! minute (see <https://api.slack.com/docs/rate-limits> and each method's
//! page). Each limit here is a token bucket holding most of a minute's
//! budget, refilled evenly, so a quiet bot may burst and a busy one settles
//! at the published rate. Both the burst and the rate keep a little back,
//! so that calls held up on the wire do not arrive over Slack's count.
//!
//! Replicas sharing a PostgreSQL store share Slack's limits too: each
//! counts the replicas that made a call lately, itself included, and
//! takes that share of every burst and rate ([`RateControl::share_among`];
//! the serving bot looks every few seconds). A replica that is not
//! calling Slack is not counted, so the others use its share.
//!
//! slack-morphism has a rate controller of its own, but it holds every
//! `chat.postMessage` of a workspace to one per second, which would send a
//! thousand DMs in a quarter of an hour instead of a few minutes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The name the upload POST goes by in rate control and metrics: it is no
/// Web API method, but it is a call to Slack that may fail or hang.
pub(super) const UPLOAD: &str = "files.upload_url";

/// The Web API methods the bot calls, by Slack's published tier: calls per
/// minute.
fn per_minute(method: &str) -> f64 {
    match method {
        // Tier 1.
        "apps.connections.open" => 1.0,
        // Tier 2.
        "users.list" | "usergroups.list" | "usergroups.users.list" | "conversations.list" => 20.0,
        // Tier 3.
        "conversations.open" | "chat.update" | "team.profile.get" => 50.0,
        // Tier 4.
        "users.profile.get"
        | "views.publish"
        | "views.open"
        | "views.update"
        | "chat.postEphemeral"
        | "auth.test"
        | "files.getUploadURLExternal"
        | "files.completeUploadExternal" => 100.0,
        // Not a Web API method and no published limit: the POST of a file's
        // bytes to its upload URL, one per `files.getUploadURLExternal`, so
        // paced as that method is.
        UPLOAD => 100.0,
        // Special: the workspace-wide part of chat.postMessage's limit.
        "chat.postMessage" => POST_MESSAGE_PER_MINUTE,
        // Anything else: Tier 2, which "most methods" have.
        _ => 20.0,
    }
}

/// `chat.postMessage` across the workspace: Slack says "several hundred
/// per minute"; 300 keeps well inside it.
const POST_MESSAGE_PER_MINUTE: f64 = 300.0;

/// `chat.postMessage` in one channel: one per second.
const POST_MESSAGE_PER_CHANNEL_PER_MINUTE: f64 = 60.0;

/// The share of each published rate the bot uses. Pacing at exactly the
/// limit leaves Slack's own bucket empty, and then any delay of one call on
/// the wire (which makes the next arrive early by comparison) is a 429; a
/// little headroom lets Slack's bucket refill and absorb that jitter.
const HEADROOM: f64 = 0.98;

/// The share of each minute's budget the bot spends in one burst. Slack
/// counts a call when it arrives, the bot when it sends it: a first call
/// slowed by opening the connection, or any call held up on a busy
/// machine, starts Slack's count later than the bot's, and a bot that
/// bursts the whole budget then meets an empty bucket. Keeping a tenth of
/// the burst back absorbs a delay of a tenth of a minute at Slack's rate.
const BURST_SHARE: f64 = 0.9;

/// How long a 429 without a `Retry-After` pauses its method: Slack's
/// answers name one, so this is only a fallback.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The longest a 429 pauses its method, whatever its `Retry-After` says.
/// Slack asks for seconds, a minute at most; a longer value comes from
/// something else (a proxy, a corrupt header), and taken at its word it
/// would stop the method for years, or overflow the clock. Five minutes is
/// the dispatcher's longest back-off between two tries of an item, well
/// inside the hour (`delivery.give_up_after_minutes`) before it gives up.
pub(super) const LONGEST_PAUSE: Duration = Duration::from_secs(5 * 60);

/// Slack's `retry_after` for a 429 on `method`, at most [`LONGEST_PAUSE`];
/// a longer one is logged, as no wait Slack means.
pub(super) fn within_reason(method: &str, retry_after: Option<Duration>) -> Option<Duration> {
    retry_after.map(|wait| {
        if wait > LONGEST_PAUSE {
            tracing::warn!(
                method,
                ?wait,
                longest = ?LONGEST_PAUSE,
                "Slack asked for a longer pause than it ever needs: pausing for the longest"
            );
        }
        wait.min(LONGEST_PAUSE)
    })
}

/// The shared rate control of one Slack client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RateControl {
    state: Arc<Mutex<State>>,
    speedup: f64,
}

#[derive(Debug, Default)]
struct State {
    methods: HashMap<&'static str, Bucket>,
    channels: HashMap<String, Bucket>,
    paused_until: HashMap<&'static str, Instant>,
    /// How many replicas share the budget (0 and 1 alike: this one alone).
    replicas: u32,
    /// Whether a call took its turn since [`RateControl::called_since_last_look`].
    called: bool,
}

impl State {
    /// This replica's share of every limit.
    fn share(&self) -> f64 {
        1.0 / f64::from(self.replicas.max(1))
    }
}

/// A token bucket: up to most of a minute's budget, refilled evenly.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    capacity: f64,
    per_second: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket of most of a minute's budget ([`BURST_SHARE`]) at
    /// Slack's rate, refilled `speedup` times faster: a faster clock, the
    /// same bursts.
    fn full(per_minute: f64, speedup: f64, now: Instant) -> Self {
        let capacity = (per_minute * BURST_SHARE).floor().max(1.0);
        Self {
            tokens: capacity,
            capacity,
            per_second: per_minute * speedup * HEADROOM / 60.0,
            updated: now,
        }
    }

    /// One channel holds one message at a time, refilled at "1 per second".
    fn channel(speedup: f64, now: Instant) -> Self {
        Self {
            tokens: 1.0,
            capacity: 1.0,
            ..Self::full(POST_MESSAGE_PER_CHANNEL_PER_MINUTE, speedup, now)
        }
    }

    /// Adds what `share` of the rate brought since the last refill, up to
    /// `share` of the burst (at least one call).
    fn refill(&mut self, now: Instant, share: f64) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        let capacity = (self.capacity * share).floor().max(1.0);
        self.tokens = (self.tokens + elapsed * self.per_second * share).min(capacity);
        self.updated = now;
    }

    /// How long until one token is there (zero if it is), at `share` of
    /// the rate.
    fn wait(&self, share: f64) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / (self.per_second * share))
        }
    }
}

impl RateControl {
    /// Rate control at Slack's published limits, or `speedup` times faster
    /// (for the built-in fake Slack, whose limits can be scaled alike): a
    /// positive, finite factor, as [`super::SlackClient::with_speedup`]
    /// makes sure.
    pub fn new(speedup: f64) -> Self {
        Self {
            state: Arc::default(),
            speedup,
        }
    }

    /// Waits until a call of `method` (to `channel`, for `chat.postMessage`)
    /// may go out, and takes its turn.
    pub async fn acquire(&self, method: &'static str, channel: Option<&str>) {
        loop {
            match self.try_take(method, channel, Instant::now()) {
                Duration::ZERO => return,
                wait => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Slack answered 429: no call of `method` before `retry_after` (or a
    /// default) has passed, and its budget starts empty then. Slack counted
    /// more calls than this process did (another process, or one before a
    /// restart, spent some), so the bucket's count was too generous. No
    /// pause is longer than [`LONGEST_PAUSE`], whoever asks.
    pub fn pause(&self, method: &'static str, retry_after: Option<Duration>) {
        let wait = retry_after
            .unwrap_or(DEFAULT_RETRY_AFTER)
            .min(LONGEST_PAUSE);
        let until = Instant::now() + wait;
        let mut state = self.lock();
        let paused = state.paused_until.entry(method).or_insert(until);
        *paused = (*paused).max(until);
        let until = *paused;
        let speedup = self.speedup;
        let bucket = state
            .methods
            .entry(method)
            .or_insert_with(|| Bucket::full(per_minute(method), speedup, until));
        bucket.tokens = 0.0;
        bucket.updated = bucket.updated.max(until);
    }

    /// Takes `1 / replicas` of every limit from now on: the share of this
    /// replica when `replicas` call Slack with the same app, itself
    /// included.
    pub fn share_among(&self, replicas: u32) {
        self.lock().replicas = replicas;
    }

    /// Whether a call took its turn since the last time this was asked.
    pub fn called_since_last_look(&self) -> bool {
        std::mem::take(&mut self.lock().called)
    }

    /// Takes a turn if one is free at `now`, or says how long to wait.
    fn try_take(&self, method: &'static str, channel: Option<&str>, now: Instant) -> Duration {
        let speedup = self.speedup;
        let mut state = self.lock();
        if let Some(until) = state.paused_until.get(method).copied() {
            if until > now {
                return until - now;
            }
            state.paused_until.remove(method);
        }
        let share = state.share();
        let method_bucket = state
            .methods
            .entry(method)
            .or_insert_with(|| Bucket::full(per_minute(method), speedup, now));
        method_bucket.refill(now, share);
        let mut wait = method_bucket.wait(share);
        let channel = channel.filter(|_| method == "chat.postMessage");
        if let Some(channel) = channel {
            let bucket = state
                .channels
                .entry(channel.to_owned())
                .or_insert_with(|| Bucket::channel(speedup, now));
            bucket.refill(now, share);
            wait = wait.max(bucket.wait(share));
        }
        if !wait.is_zero() {
            return wait;
        }
        // The readiness probe's `auth.test` is no sending: a replica that
        // only answers probes leaves its share to the others.
        state.called |= method != "auth.test";
        if let Some(bucket) = state.methods.get_mut(method) {
            bucket.tokens -= 1.0;
        }
        if let Some(bucket) = channel.and_then(|c| state.channels.get_mut(c)) {
            bucket.tokens -= 1.0;
        }
        // Channels idle for a minute are full again: forget them, so that
        // a long-running bot does not keep one entry per DM it ever sent.
        if state.channels.len() > 10_000 {
            state
                .channels
                .retain(|_, b| b.updated + Duration::from_secs(60) > now);
        }
        Duration::ZERO
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is counters only; a panic elsewhere leaves them usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_bursts_up_to_most_of_a_minute_s_budget_then_settles_at_its_tier() {
        let control = RateControl::new(1.0);
        let start = Instant::now();
        // Tier 3: 50 a minute, of which 45 at once.
        for _ in 0..45 {
            assert_eq!(
                control.try_take("conversations.open", None, start),
                Duration::ZERO
            );
        }
        // Then one every 1.2 s (less the headroom).
        let wait = control.try_take("conversations.open", None, start);
        assert!(
            (wait.as_secs_f64() - 1.2 / HEADROOM).abs() < 1e-6,
            "{wait:?}"
        );
        let later = start + Duration::from_millis(1225);
        assert_eq!(
            control.try_take("conversations.open", None, later),
            Duration::ZERO
        );
        // Another method has its own budget.
        assert_eq!(
            control.try_take("views.publish", None, start),
            Duration::ZERO
        );
    }

    #[test]
    fn one_message_a_second_per_channel_and_channels_are_independent() {
        let control = RateControl::new(1.0);
        let start = Instant::now();
        assert_eq!(
            control.try_take("chat.postMessage", Some("D1"), start),
            Duration::ZERO
        );
        assert_eq!(
            control.try_take("chat.postMessage", Some("D2"), start),
            Duration::ZERO
        );
        let wait = control.try_take("chat.postMessage", Some("D1"), start);
        assert!(
            (wait.as_secs_f64() - 1.0 / HEADROOM).abs() < 1e-6,
            "{wait:?}"
        );
        let later = start + Duration::from_millis(1021);
        assert_eq!(
            control.try_take("chat.postMessage", Some("D1"), later),
            Duration::ZERO
        );
    }

    #[test]
    fn a_speedup_scales_every_limit() {
        let control = RateControl::new(60.0);
        let start = Instant::now();
        assert_eq!(
            control.try_take("chat.postMessage", Some("D1"), start),
            Duration::ZERO
        );
        let wait = control.try_take("chat.postMessage", Some("D1"), start);
        assert!(
            (wait.as_secs_f64() - 1.0 / 60.0 / HEADROOM).abs() < 1e-6,
            "{wait:?}"
        );
    }

    #[test]
    fn replicas_sharing_the_budget_each_get_their_share_of_the_burst_and_the_rate() {
        let control = RateControl::new(1.0);
        control.share_among(2);
        let start = Instant::now();
        // Tier 3: 45 at once for one replica; 22 for each of two.
        for _ in 0..22 {
            assert_eq!(
                control.try_take("conversations.open", None, start),
                Duration::ZERO
            );
        }
        let wait = control.try_take("conversations.open", None, start);
        assert!(
            (wait.as_secs_f64() - 2.4 / HEADROOM).abs() < 1e-6,
            "{wait:?}"
        );
        // One message a second in a channel, between them.
        assert_eq!(
            control.try_take("chat.postMessage", Some("C1"), start),
            Duration::ZERO
        );
        let wait = control.try_take("chat.postMessage", Some("C1"), start);
        assert!(
            (wait.as_secs_f64() - 2.0 / HEADROOM).abs() < 1e-6,
            "{wait:?}"
        );
        // Alone again, it has the whole rate back.
        control.share_among(1);
        let later = start + Duration::from_secs(60);
        for _ in 0..45 {
            assert_eq!(
                control.try_take("conversations.open", None, later),
                Duration::ZERO
            );
        }
    }

    #[test]
    fn a_call_is_noticed_once_by_whoever_looks() {
        let control = RateControl::new(1.0);
        assert!(!control.called_since_last_look());
        control.try_take("auth.test", None, Instant::now());
        assert!(
            !control.called_since_last_look(),
            "a health check is no call"
        );
        control.try_take("conversations.open", None, Instant::now());
        assert!(control.called_since_last_look());
        assert!(!control.called_since_last_look());
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_its_method_for_the_retry_after_and_empties_its_budget() {
        let control = RateControl::new(1.0);
        control.pause("chat.postMessage", Some(Duration::from_secs(7)));
        let before = Instant::now();
        control.acquire("chat.postMessage", Some("D1")).await;
        // The Retry-After, then one turn of the workspace-wide budget
        // (300 a minute, less the headroom): about 0.2 s.
        let waited = Instant::now() - before;
        let turn = Duration::from_secs_f64(60.0 / POST_MESSAGE_PER_MINUTE / HEADROOM);
        assert!(
            waited >= Duration::from_secs(7) + turn - Duration::from_millis(1)
                && waited <= Duration::from_secs(7) + turn + Duration::from_millis(1),
            "{waited:?}"
        );
        // Other methods go on.
        let before = Instant::now();
        control.acquire("conversations.open", None).await;
        assert_eq!(Instant::now() - before, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn an_absurd_retry_after_pauses_its_method_for_five_minutes_at_most() {
        for absurd in [u64::MAX, 10_000_000_000] {
            let control = RateControl::new(1.0);
            control.pause("chat.postMessage", Some(Duration::from_secs(absurd)));
            let before = Instant::now();
            control.acquire("chat.postMessage", Some("D1")).await;
            let waited = Instant::now() - before;
            let turn = Duration::from_secs_f64(60.0 / POST_MESSAGE_PER_MINUTE / HEADROOM);
            assert!(
                waited >= LONGEST_PAUSE + turn - Duration::from_millis(1)
                    && waited <= LONGEST_PAUSE + turn + Duration::from_millis(1),
                "{absurd} s: {waited:?}"
            );
        }
    }

    #[test]
    fn slack_s_retry_after_is_taken_as_it_is_up_to_five_minutes() {
        let within =
            |secs: Option<u64>| within_reason("chat.postMessage", secs.map(Duration::from_secs));
        assert_eq!(within(None), None);
        assert_eq!(within(Some(7)), Some(Duration::from_secs(7)));
        assert_eq!(within(Some(300)), Some(LONGEST_PAUSE));
        assert_eq!(within(Some(301)), Some(LONGEST_PAUSE));
        assert_eq!(within(Some(u64::MAX)), Some(LONGEST_PAUSE));
    }
}
