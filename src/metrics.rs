//! The bot's metrics, for Prometheus: what was planned, sent and failed,
//! which commands people use, how Slack answers, how long jobs take.
//!
//! One [`Metrics`] per running bot, made by the wiring (`App::build`) and
//! handed to the parts that count (the Slack client, the scheduler and its
//! dispatcher, the front door); the health server's `/metrics` renders it
//! in Prometheus' text format, after setting what it reads at each scrape
//! (how full PostgreSQL's notification queue is). Labels are few and
//! bounded: a method name, a status class, a command, a job — never a
//! person or a channel.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// A label of one value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

/// No label: the one series of a family that has a sample only while its
/// value is known.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Unlabelled {}

/// A Web API call's method and how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabel {
    job: String,
}

/// How a Web API call ended, for the `status` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    /// `ok: true`.
    Ok,
    /// A 429.
    RateLimited,
    /// `ok: false` with an error code.
    ApiError,
    /// No usable answer: a refused or dropped connection, a 5xx, a time-out.
    TransportError,
}

impl CallStatus {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::RateLimited => "rate_limited",
            Self::ApiError => "api_error",
            Self::TransportError => "transport_error",
        }
    }
}

/// The bot's metrics. Cheap to clone: clones count into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    nudges_planned: Counter,
    nudges_sent: Counter,
    nudges_failed: Counter,
    outbox_queued: Gauge,
    /// A family of one unlabelled gauge, so that it has no sample until
    /// there is a value: on PostgreSQL, while the database answers.
    notification_queue_usage: Family<Unlabelled, Gauge<f64, AtomicU64>>,
    commands: Family<KindLabel, Counter>,
    slack_calls: Family<CallLabels, Counter>,
    rate_limited: Family<MethodLabel, Counter>,
    events_deduplicated: Counter,
    job_duration: Family<JobLabel, Histogram>,
    job_failures: Family<JobLabel, Counter>,
}

/// Job durations: from a few milliseconds (a quiet nudge run) to a minute
/// (a people sync of a large workspace at Slack's pace).
const JOB_BUCKETS: [f64; 10] = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("alliances");
        let inner = Inner {
            nudges_planned: Counter::default(),
            nudges_sent: Counter::default(),
            nudges_failed: Counter::default(),
            outbox_queued: Gauge::default(),
            notification_queue_usage: Family::default(),
            commands: Family::default(),
            slack_calls: Family::default(),
            rate_limited: Family::default(),
            events_deduplicated: Counter::default(),
            job_duration: Family::new_with_constructor(|| Histogram::new(JOB_BUCKETS)),
            job_failures: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "nudges_planned",
            "Nudges (reminders and introductions) the rules planned",
            inner.nudges_planned.clone(),
        );
        registry.register(
            "nudges_sent",
            "Nudges Slack accepted",
            inner.nudges_sent.clone(),
        );
        registry.register(
            "nudges_failed",
            "Nudges given up on (kept as failed in the outbox)",
            inner.nudges_failed.clone(),
        );
        registry.register(
            "outbox_queued",
            "Messages in the outbox waiting to be sent",
            inner.outbox_queued.clone(),
        );
        registry.register(
            "notification_queue_usage",
            "How full PostgreSQL's notification queue is, from 0 to 1 (PostgreSQL only)",
            inner.notification_queue_usage.clone(),
        );
        registry.register(
            "commands",
            "Slash commands and buttons handled, by kind",
            inner.commands.clone(),
        );
        registry.register(
            "slack_calls",
            "Slack Web API calls, by method and how they ended",
            inner.slack_calls.clone(),
        );
        registry.register(
            "slack_rate_limited",
            "Slack Web API calls answered 429, by method",
            inner.rate_limited.clone(),
        );
        registry.register(
            "events_deduplicated",
            "Slack events seen again (retries) and not handled twice",
            inner.events_deduplicated.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "How long scheduled jobs took",
            inner.job_duration.clone(),
        );
        registry.register(
            "job_failures",
            "Scheduled jobs that failed (and are retried)",
            inner.job_failures.clone(),
        );
        Self {
            inner: Arc::new(Inner { registry, ..inner }),
        }
    }

    /// The rules planned `n` nudges.
    pub fn nudges_planned(&self, n: usize) {
        self.inner.nudges_planned.inc_by(n as u64);
    }

    /// Slack accepted a nudge.
    pub fn nudge_sent(&self) {
        self.inner.nudges_sent.inc();
    }

    /// A nudge was given up on.
    pub fn nudge_failed(&self) {
        self.inner.nudges_failed.inc();
    }

    /// The outbox holds `n` messages waiting.
    pub fn outbox_queued(&self, n: usize) {
        self.inner
            .outbox_queued
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// PostgreSQL's notification queue is this full (0 to 1), or `None`:
    /// not known now, and then no sample rather than an old one.
    pub fn notification_queue_usage(&self, usage: Option<f64>) {
        let family = &self.inner.notification_queue_usage;
        match usage {
            Some(usage) => {
                family.get_or_create(&Unlabelled {}).set(usage);
            }
            None => {
                family.remove(&Unlabelled {});
            }
        }
    }

    /// A command or button of `kind` was handled ("met", "alliances status",
    /// "button").
    pub fn command(&self, kind: &str) {
        self.inner
            .commands
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// A Web API call of `method` ended with `status`.
    pub fn slack_call(&self, method: &str, status: CallStatus) {
        self.inner
            .slack_calls
            .get_or_create(&CallLabels {
                method: method.to_owned(),
                status: status.label().to_owned(),
            })
            .inc();
        if status == CallStatus::RateLimited {
            self.inner
                .rate_limited
                .get_or_create(&MethodLabel {
                    method: method.to_owned(),
                })
                .inc();
        }
    }

    /// An event was a retry of one already handled.
    pub fn event_deduplicated(&self) {
        self.inner.events_deduplicated.inc();
    }

    /// `job` ran for `seconds`, and failed or not.
    pub fn job_ran(&self, job: &str, seconds: f64, failed: bool) {
        let label = JobLabel {
            job: job.to_owned(),
        };
        self.inner
            .job_duration
            .get_or_create(&label)
            .observe(seconds);
        if failed {
            self.inner.job_failures.get_or_create(&label).inc();
        }
    }

    /// Everything, in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.inner.registry);
        text
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_counted_is_rendered_with_its_labels_in_prometheus_text() {
        let metrics = Metrics::new();
        metrics.nudges_planned(3);
        metrics.nudge_sent();
        metrics.slack_call("chat.postMessage", CallStatus::Ok);
        metrics.slack_call("chat.postMessage", CallStatus::RateLimited);
        metrics.command("met");
        metrics.job_ran("nudges", 0.02, false);
        metrics.outbox_queued(2);
        let text = metrics.render();
        for line in [
            "alliances_nudges_planned_total 3",
            "alliances_nudges_sent_total 1",
            "alliances_outbox_queued 2",
            "alliances_commands_total{kind=\"met\"} 1",
            "alliances_slack_calls_total{method=\"chat.postMessage\",status=\"ok\"} 1",
            "alliances_slack_rate_limited_total{method=\"chat.postMessage\"} 1",
            "alliances_job_duration_seconds_count{job=\"nudges\"} 1",
        ] {
            assert!(text.contains(line), "{line} in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn the_notification_queue_s_usage_is_a_sample_only_while_it_is_known() {
        let metrics = Metrics::new();
        let sample = |metrics: &Metrics| {
            metrics
                .render()
                .lines()
                .find(|line| line.starts_with("alliances_notification_queue_usage "))
                .map(str::to_owned)
        };
        assert_eq!(sample(&metrics), None, "not known on sled");
        metrics.notification_queue_usage(Some(0.25));
        assert_eq!(
            sample(&metrics).as_deref(),
            Some("alliances_notification_queue_usage 0.25")
        );
        metrics.notification_queue_usage(None);
        assert_eq!(
            sample(&metrics),
            None,
            "not known while the database is away"
        );
    }
}
