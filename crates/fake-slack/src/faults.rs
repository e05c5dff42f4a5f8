//! Faults on request: the fake answering as a flaky Slack (or the proxies
//! in front of it) would — a 429 with `Retry-After`, a 5xx, a slow answer,
//! a connection dropped before or after the call took effect — and an
//! answer held until a test lets it go.
//!
//! [`Faults`] holds the rules and decides, call by call, which fault (if
//! any) hits a call; it knows nothing of HTTP. The edge in [`super::api`]
//! asks it first, then answers the fault. A rule applies to one method or
//! to all, either to the next N calls or at a rate. Rates are drawn from a
//! seeded generator, one draw per call in the order the calls arrive, so a
//! client that makes the same calls in the same order meets the same
//! faults on every run.

use super::FakeSlack;
use super::lock;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::Duration;
use tokio::sync::watch;

/// What a fault does to a call instead of, or besides, answering it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After` in whole seconds and the body
    /// `{"ok":false,"error":"ratelimited"}`, as Slack answers a call over
    /// its rate limit. The call has no effect.
    RateLimited {
        /// The `Retry-After` header's value, in seconds.
        retry_after_secs: u64,
    },
    /// An HTTP 5xx with an HTML body, as a proxy or load balancer in front
    /// of Slack answers when Slack is down. The call has no effect.
    ServerError {
        /// The status, such as 500 or 503; anything outside 500–599 is
        /// answered as 500.
        status: u16,
    },
    /// The call takes effect at once, but its answer comes after `delay`,
    /// as when Slack did the work and the network is slow: a client that
    /// gives up sooner has posted all the same. The wait is an await, so
    /// other calls go on meanwhile.
    Slow {
        /// How long the answer waits.
        delay: Duration,
    },
    /// The call takes effect at once, but its answer waits until `until`
    /// is opened: a slow answer as long as a test needs, so that it can
    /// act while the call is in flight, and neither wait longer than that
    /// nor count on a fixed delay outlasting what it does meanwhile. A
    /// gate never opened holds the answer until the client gives up, and
    /// [`FakeSlack::stop`], which lets calls in flight finish, as long.
    Held {
        /// What the answer waits for.
        until: Gate,
    },
    /// The connection is closed without an HTTP answer; the call has no
    /// effect. The client sees a transport error, not a status.
    DroppedConnection,
    /// The call takes effect, then the connection is closed without an
    /// answer: the client cannot tell this from
    /// [`Fault::DroppedConnection`], and a retry posts twice. The classic
    /// duplicate-send window.
    DroppedAfterEffect,
}

impl Fault {
    /// Whether the call still takes effect (is applied to the workspace)
    /// when this fault hits it.
    pub fn takes_effect(&self) -> bool {
        matches!(
            self,
            Fault::Slow { .. } | Fault::Held { .. } | Fault::DroppedAfterEffect
        )
    }

    /// Waits as long as this fault holds back the answer of a call it let
    /// through: a slow answer's delay, a held one's gate; not at all for
    /// the others.
    pub(super) async fn hold_answer(&self) {
        match self {
            Fault::Slow { delay } => tokio::time::sleep(*delay).await,
            Fault::Held { until } => until.passed().await,
            _ => {}
        }
    }
}

/// What a [`Fault::Held`] answer waits for: shut when made, open for good
/// once [`Gate::open`] is called, whether before or after an answer comes
/// to wait at it. Clones are the same gate.
#[derive(Clone, Default)]
pub struct Gate(watch::Sender<bool>);

impl Gate {
    /// Lets every answer held at this gate go, and any held at it later.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    /// Returns once the gate is open.
    pub(super) async fn passed(&self) {
        // The sender lives in `self`, so the wait ends only by opening.
        let _ = self.0.subscribe().wait_for(|open| *open).await;
    }
}

impl PartialEq for Gate {
    /// The same gate, not one in the same state.
    fn eq(&self, other: &Self) -> bool {
        self.0.same_channel(&other.0)
    }
}

impl std::fmt::Debug for Gate {
    /// `Gate(open)` or `Gate(shut)`, as a recorded call shows it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if *self.0.borrow() { "open" } else { "shut" };
        write!(f, "Gate({state})")
    }
}

impl Eq for Gate {}

/// Which calls a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Methods {
    /// Every call, whatever its method.
    All,
    /// Calls to one method, such as `chat.postMessage`.
    Only(String),
}

impl Methods {
    fn matches(&self, method: &str) -> bool {
        match self {
            Methods::All => true,
            Methods::Only(only) => only == method,
        }
    }
}

impl From<&str> for Methods {
    /// One method, by its name.
    fn from(method: &str) -> Self {
        Methods::Only(method.to_owned())
    }
}

/// When a rule fires.
#[derive(Debug, Clone, PartialEq)]
enum Trigger {
    /// On each of the next calls it applies to, this many still.
    Next(u32),
    /// On each call it applies to, with this probability.
    Rate(f64),
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    methods: Methods,
    trigger: Trigger,
    fault: Fault,
}

/// The share of calls [`Faults::flaky`] fails, split evenly over its five
/// kinds.
const FLAKY_KINDS: f64 = 5.0;
/// [`Faults::flaky`]'s `Retry-After`: short, so that a person trying the
/// bot by hand sees it recover.
const FLAKY_RETRY_AFTER_SECS: u64 = 1;
/// [`Faults::flaky`]'s slow answer: long enough to notice, shorter than
/// the tens of seconds an HTTP client usually waits.
const FLAKY_DELAY: Duration = Duration::from_secs(3);

/// The fault rules of a running fake, set with [`FakeSlack::set_faults`].
///
/// Rules for the next N calls are looked at first, in the order they were
/// added; the first that applies to a call fires and counts down. Failing
/// that, the rate rules that apply to the call share one draw: with rules
/// at rates 0.1 and 0.2, a call meets the first fault 10% of the time and
/// the second 20% of the time (rates adding up past 1 are cut at 1).
#[derive(Debug)]
pub struct Faults {
    rules: Vec<Rule>,
    /// One draw per call, whether or not a rate rule applies to it, so that
    /// the k-th call's fate depends only on the seed and k.
    rng: StdRng,
}

impl Default for Faults {
    /// No faults.
    fn default() -> Self {
        Self::seeded(0)
    }
}

impl Faults {
    /// No rules yet; rates will be drawn from a generator seeded with
    /// `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Adds a rule: the next `count` calls to `methods` meet `fault`.
    pub fn next_calls(mut self, methods: impl Into<Methods>, count: u32, fault: Fault) -> Self {
        self.rules.push(Rule {
            methods: methods.into(),
            trigger: Trigger::Next(count),
            fault,
        });
        self
    }

    /// Adds a rule: each call to `methods` meets `fault` with probability
    /// `rate` (taken into 0–1).
    pub fn at_rate(mut self, methods: impl Into<Methods>, rate: f64, fault: Fault) -> Self {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.rules.push(Rule {
            methods: methods.into(),
            trigger: Trigger::Rate(rate),
            fault,
        });
        self
    }

    /// A flaky Slack: every call fails with probability `rate`, evenly as
    /// a 429 (`Retry-After: 1`), a 503, an answer 3 seconds late, a dropped
    /// connection and a dropped answer after the call took effect. What
    /// `alliances fake-slack --fault-rate` serves.
    pub fn flaky(seed: u64, rate: f64) -> Self {
        let each = rate / FLAKY_KINDS;
        Self::seeded(seed)
            .at_rate(
                Methods::All,
                each,
                Fault::RateLimited {
                    retry_after_secs: FLAKY_RETRY_AFTER_SECS,
                },
            )
            .at_rate(Methods::All, each, Fault::ServerError { status: 503 })
            .at_rate(Methods::All, each, Fault::Slow { delay: FLAKY_DELAY })
            .at_rate(Methods::All, each, Fault::DroppedConnection)
            .at_rate(Methods::All, each, Fault::DroppedAfterEffect)
    }

    /// Whether there is no rule left that could fire.
    pub fn is_empty(&self) -> bool {
        self.rules.iter().all(|rule| match rule.trigger {
            Trigger::Next(left) => left == 0,
            Trigger::Rate(rate) => rate == 0.0,
        })
    }

    /// The fault that hits this call to `method`, if any.
    pub(super) fn draw(&mut self, method: &str) -> Option<Fault> {
        let roll: f64 = self.rng.random();
        for rule in &mut self.rules {
            if let Trigger::Next(left) = &mut rule.trigger
                && *left > 0
                && rule.methods.matches(method)
            {
                *left -= 1;
                return Some(rule.fault.clone());
            }
        }
        let mut below = 0.0;
        for rule in &self.rules {
            if let Trigger::Rate(rate) = rule.trigger
                && rule.methods.matches(method)
            {
                below += rate;
                if roll < below {
                    return Some(rule.fault.clone());
                }
            }
        }
        None
    }
}

impl FakeSlack {
    /// Replaces the fault rules, from the next call on; calls in flight
    /// keep the fault they drew.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.state).faults = faults;
    }

    /// Removes every fault rule: calls are answered as Slack would again.
    pub fn clear_faults(&self) {
        self.set_faults(Faults::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dropped() -> Fault {
        Fault::DroppedConnection
    }

    #[test]
    fn no_rules_means_no_faults() {
        let mut faults = Faults::default();
        assert!(faults.is_empty());
        assert!((0..100).all(|_| faults.draw("auth.test").is_none()));
    }

    #[test]
    fn a_next_calls_rule_hits_exactly_that_many_calls_of_its_method() {
        let mut faults = Faults::seeded(1).next_calls("chat.postMessage", 2, dropped());
        assert_eq!(faults.draw("auth.test"), None);
        assert_eq!(faults.draw("chat.postMessage"), Some(dropped()));
        assert_eq!(faults.draw("chat.postMessage"), Some(dropped()));
        assert_eq!(faults.draw("chat.postMessage"), None);
        assert!(faults.is_empty());
    }

    #[test]
    fn next_calls_rules_fire_in_the_order_they_were_added() {
        let slow = Fault::Slow {
            delay: Duration::from_millis(5),
        };
        let mut faults = Faults::seeded(1)
            .next_calls(Methods::All, 1, slow.clone())
            .next_calls("users.list", 1, dropped());
        assert_eq!(faults.draw("users.list"), Some(slow));
        assert_eq!(faults.draw("users.list"), Some(dropped()));
        assert_eq!(faults.draw("users.list"), None);
    }

    #[test]
    fn the_same_seed_hits_the_same_calls() {
        let pattern = |seed| {
            let mut faults = Faults::seeded(seed).at_rate(Methods::All, 0.3, dropped());
            (0..200)
                .map(|_| faults.draw("chat.postMessage").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(pattern(42), pattern(42));
        assert_ne!(pattern(42), pattern(43));
    }

    #[test]
    fn a_rate_is_roughly_the_share_of_calls_hit() {
        let mut faults = Faults::seeded(7).at_rate(Methods::All, 0.2, dropped());
        let hit = (0..10_000)
            .filter(|_| faults.draw("users.list").is_some())
            .count();
        assert!((1_800..2_200).contains(&hit), "{hit} of 10000");
    }

    #[test]
    fn rates_share_one_draw_so_they_add_up() {
        let server_error = Fault::ServerError { status: 503 };
        let mut faults = Faults::seeded(7)
            .at_rate(Methods::All, 0.5, dropped())
            .at_rate(Methods::All, 0.5, server_error.clone());
        let drawn: Vec<_> = (0..1_000).map(|_| faults.draw("auth.test")).collect();
        assert!(drawn.iter().all(Option::is_some));
        assert!(drawn.contains(&Some(server_error)));
    }

    #[test]
    fn a_rate_rule_for_another_method_leaves_a_call_alone() {
        let mut faults = Faults::seeded(7).at_rate("chat.postMessage", 1.0, dropped());
        assert_eq!(faults.draw("users.list"), None);
        assert_eq!(faults.draw("chat.postMessage"), Some(dropped()));
    }

    #[test]
    fn rates_outside_zero_to_one_are_taken_into_it() {
        let mut faults = Faults::seeded(7)
            .at_rate(Methods::All, -3.0, dropped())
            .at_rate(Methods::All, f64::NAN, dropped());
        assert!(faults.is_empty());
        assert!((0..100).all(|_| faults.draw("auth.test").is_none()));
        let mut always = Faults::seeded(7).at_rate(Methods::All, 9.0, dropped());
        assert!((0..100).all(|_| always.draw("auth.test").is_some()));
    }

    #[test]
    fn a_flaky_slack_fails_about_its_rate_with_every_kind() {
        let mut faults = Faults::flaky(3, 0.5);
        let drawn: Vec<Fault> = (0..2_000)
            .filter_map(|_| faults.draw("chat.postMessage"))
            .collect();
        assert!((900..1_100).contains(&drawn.len()), "{}", drawn.len());
        for kind in [
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            Fault::ServerError { status: 503 },
            Fault::Slow { delay: FLAKY_DELAY },
            Fault::DroppedConnection,
            Fault::DroppedAfterEffect,
        ] {
            assert!(drawn.contains(&kind), "{kind:?} never drawn");
        }
    }

    #[test]
    fn only_a_slow_or_held_answer_and_a_drop_after_effect_take_effect() {
        assert!(
            Fault::Slow {
                delay: Duration::ZERO
            }
            .takes_effect()
        );
        assert!(
            Fault::Held {
                until: Gate::default()
            }
            .takes_effect()
        );
        assert!(Fault::DroppedAfterEffect.takes_effect());
        assert!(!Fault::DroppedConnection.takes_effect());
        assert!(
            !Fault::RateLimited {
                retry_after_secs: 1
            }
            .takes_effect()
        );
        assert!(!Fault::ServerError { status: 500 }.takes_effect());
    }
}
