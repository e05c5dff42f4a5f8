//! The dispatcher: sends what the outbox holds, under Slack's limits, and
//! records what Slack accepted.
//!
//! An early warning to a leader is sent as a nudge is (`dm`), and recorded
//! on its leader; a circle's message goes to its group DM (`circles`).
//!
//! Each due item is tried once per round. The round reads the outbox once,
//! and under Slack's limits it can take minutes, so each item is checked
//! again against the store (`recheck`): a nudge, an early warning or a
//! circle's message before any call to Slack and again when its post's
//! turn has come, a digest before it is drawn.
//! A nudge whose two people met since it was planned is dropped unsent; one
//! whose people opted out, snoozed, paused the other, were deactivated or
//! forgotten meanwhile is withdrawn unsent; a digest names nobody who may
//! no longer be named. What Slack accepted leaves the
//! outbox in the same transaction that records the nudge as sent, and the
//! store commits before the next send, so a crash can repeat at most the
//! one item in flight. A transient failure (a 429, a 5xx, a time-out, a
//! dropped connection) is tried again after a capped exponential back-off
//! with jitter; a permanent one, or any past the deadline, is kept as
//! failed and logged — never dropped in silence. A DM channel is taken from
//! the store when known, so a repeat nudge skips `conversations.open`; one
//! Slack no longer knows is forgotten and opened afresh; one opened is
//! remembered with the record of the nudge, and neither is written for
//! someone forgotten while it was on its way.
//!
//! Replicas sharing a PostgreSQL store each run a dispatcher, and each
//! sends only what it claimed: [`CLAIM_AT_ONCE`] items at a time, each
//! claim renewed for [`CLAIM_FOR`] just before its item is tried, and by
//! every re-check, the last just before the post, so no two replicas send
//! one item. A replica that stalled past its claim (on a long pause after
//! a 429, or frozen) finds at that last check that another took the item
//! over, and leaves it to that one unsent and unwritten. A replica that
//! dies holds its claims until they run out, and then another sends them;
//! one that stops gives its unsent claims back at once. On sled, one
//! process claims everything due.

use crate::config::DeliverySettings;
use crate::domain::{
    ChannelId, CircleKey, Clock, Nudge, OutboxItem, OutboxState, Outgoing, Policy, SentNudge,
    UserId,
};
use crate::metrics::Metrics;
use crate::rules::Withdrawal;
use crate::slack::{SlackClient, SlackError, render_nudge};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use dm::DmSend;
use rand::RngExt;
use recheck::NotSent;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tokio_util::sync::CancellationToken;

mod calendar_failing;
mod circles;
mod digest;
mod dm;
mod early_warning;
mod recheck;

/// The first retry waits about this long; each next one twice as long.
const BACKOFF_BASE: Duration = Duration::from_secs(2);

/// No retry waits longer than this.
const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// The longest the loop sleeps before looking at the outbox again, in case
/// an item was queued without a wake-up (by another process's `tick`).
const IDLE_LOOK: Duration = Duration::from_secs(30);

/// The same on a shared store, where other replicas queue without waking
/// this one, and a dead replica's claims run out: a claim is one indexed
/// query, cheap enough to make every few seconds.
const IDLE_LOOK_SHARED: Duration = Duration::from_secs(3);

/// How many items a replica claims at a time on a shared store: few, so
/// that replicas share a burst rather than one taking it all.
const CLAIM_AT_ONCE: usize = 10;

/// How long a claim holds an item from other replicas: longer than one
/// send takes, waits for Slack's limits included; the longest a dead
/// replica's claimed items wait for another.
const CLAIM_FOR: Duration = Duration::from_secs(120);

/// What a round of sending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dispatched {
    /// Accepted by Slack, and recorded.
    pub sent: usize,
    /// Not sent: the two people met since it was planned.
    pub dropped: usize,
    /// Not sent: someone it names opted out, snoozed, paused the other,
    /// was deactivated or was forgotten since it was planned.
    pub withdrawn: usize,
    /// Failed for now; tried again later.
    pub retrying: usize,
    /// Given up on: kept as failed.
    pub failed: usize,
    /// The longest time between Slack's ok and the record of it on disk:
    /// the window in which a crash sends an item twice.
    pub longest_window: Duration,
}

impl Dispatched {
    /// Whether nothing was tried.
    pub fn is_empty(&self) -> bool {
        self.sent + self.dropped + self.withdrawn + self.retrying + self.failed == 0
    }

    fn add(&mut self, other: Dispatched) {
        self.sent += other.sent;
        self.dropped += other.dropped;
        self.withdrawn += other.withdrawn;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.longest_window = self.longest_window.max(other.longest_window);
    }
}

impl std::fmt::Display for Dispatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sent {}, failed {}", self.sent, self.failed)?;
        if self.retrying > 0 {
            write!(f, ", {} to retry", self.retrying)?;
        }
        if self.dropped > 0 {
            write!(f, ", dropped {} (they met since)", self.dropped)?;
        }
        if self.withdrawn > 0 {
            write!(
                f,
                ", withdrawn {} (someone in it opted out, snoozed, paused, left or was forgotten since)",
                self.withdrawn
            )?;
        }
        Ok(())
    }
}

/// How one attempt at one item ended.
enum Outcome {
    /// Sent; recorded on disk this long after Slack's ok.
    Sent(Duration),
    /// Not sent: the two met since it was planned.
    Dropped,
    /// Not sent: it no longer holds for another reason.
    Withdrawn,
    /// Not sent by this replica: another one took it over.
    TakenOver,
    Retrying,
    Failed,
}

/// Sends the outbox. Cheap to clone; clones share one turn to send, so that
/// the loop, `tick` and `digest now` never send one item twice at once.
#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    slack: SlackClient,
    clock: Arc<dyn Clock>,
    settings: DeliverySettings,
    /// What the rules decide by: a re-check judges by it as they did.
    policy: Policy,
    /// Where sent and failed nudges and the queue's length are counted.
    metrics: Metrics,
    turn: Arc<Mutex<()>>,
    wake: Arc<Notify>,
}

impl Dispatcher {
    /// A dispatcher of `store`'s outbox through `slack`, re-checking what
    /// it sends by `policy` and counting what it does into `metrics`.
    pub fn new(
        store: Store,
        slack: SlackClient,
        clock: Arc<dyn Clock>,
        settings: DeliverySettings,
        policy: Policy,
        metrics: Metrics,
    ) -> Self {
        Self {
            store,
            slack,
            clock,
            settings,
            policy,
            metrics,
            turn: Arc::default(),
            wake: Arc::default(),
        }
    }

    /// Something was queued: the loop looks now rather than later.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Tries every item due now once, in queue order, until `stop` is
    /// cancelled.
    pub async fn send_due(
        &self,
        stop: Option<&CancellationToken>,
    ) -> Result<Dispatched, StoreError> {
        Ok(self.send_round(stop).await?.0)
    }

    /// [`Self::send_due`], and when the earliest item left pending falls
    /// due: one read of what is left serves the queue gauge and the wait.
    async fn send_round(
        &self,
        stop: Option<&CancellationToken>,
    ) -> Result<(Dispatched, Option<DateTime<Utc>>), StoreError> {
        let _turn = self.turn.lock().await;
        let now = self.clock.now();
        let mut done = Dispatched::default();
        // What this round took: an item another replica gave back is not
        // tried twice in one round.
        let mut seen = HashSet::new();
        'claims: loop {
            let claimed = self
                .store
                .claim_due(CLAIM_AT_ONCE, self.claim_for(), now)
                .await?;
            if claimed.iter().all(|item| seen.contains(&item.id)) {
                for again in &claimed {
                    self.store.release_claim(again).await?;
                }
                break;
            }
            let mut claimed = claimed.into_iter();
            while let Some(item) = claimed.next() {
                if stop.is_some_and(CancellationToken::is_cancelled) {
                    // Another replica may send the rest at once.
                    for unsent in std::iter::once(item).chain(claimed) {
                        self.store.release_claim(&unsent).await?;
                    }
                    break 'claims;
                }
                if !seen.insert(item.id) {
                    // Tried this round already: another round tries again.
                    self.store.release_claim(&item).await?;
                    continue;
                }
                if !self.store.hold_claim(&item, self.claim_for()).await? {
                    continue;
                }
                let is_nudge = item.outgoing.nudge().is_some();
                match self.attempt(item).await? {
                    Outcome::Sent(window) => {
                        done.sent += 1;
                        done.longest_window = done.longest_window.max(window);
                        if is_nudge {
                            self.metrics.nudge_sent();
                        }
                    }
                    Outcome::Dropped => done.dropped += 1,
                    Outcome::Withdrawn => done.withdrawn += 1,
                    Outcome::TakenOver => {}
                    Outcome::Retrying => done.retrying += 1,
                    Outcome::Failed => {
                        done.failed += 1;
                        if is_nudge {
                            self.metrics.nudge_failed();
                        }
                    }
                }
            }
        }
        let (left, next_due) = self.store.pending_outlook().await?;
        self.metrics.outbox_queued(left);
        Ok((done, next_due))
    }

    /// Sends until nothing is pending or `bound` has passed: for `tick`,
    /// which runs once and exits. What is left stays queued for the next.
    pub async fn drain(&self, bound: Duration) -> Result<Dispatched, StoreError> {
        let until = tokio::time::Instant::now() + bound;
        let mut total = Dispatched::default();
        loop {
            let (round, next_due) = self.send_round(None).await?;
            total.add(round);
            total.retrying = round.retrying;
            let Some(next_due) = next_due else {
                return Ok(total);
            };
            let wait = self.wait_until(next_due);
            if tokio::time::Instant::now() + wait > until {
                return Ok(total);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends as items fall due until `stop` is cancelled; a send in flight
    /// then finishes (the caller bounds how long it may take).
    pub async fn run(&self, stop: CancellationToken) {
        loop {
            if stop.is_cancelled() {
                return;
            }
            let idle = match self.store.is_shared() {
                true => IDLE_LOOK_SHARED,
                false => IDLE_LOOK,
            };
            let wait = match self.send_round(Some(&stop)).await {
                Ok((_, Some(next_due))) => self.wait_until(next_due).min(idle),
                Ok((_, None)) => idle,
                Err(err) => {
                    tracing::error!(error = %err, "the outbox could not be read or written");
                    idle
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// How long from now until `at`: nothing once it has passed.
    fn wait_until(&self, at: DateTime<Utc>) -> Duration {
        (at - self.clock.now()).to_std().unwrap_or(Duration::ZERO)
    }

    /// One attempt at `item`.
    #[tracing::instrument(skip_all, fields(item = item.id))]
    async fn attempt(&self, mut item: OutboxItem) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        let deadline = item.queued_at
            + chrono::Duration::minutes(i64::from(self.settings.give_up_after_minutes.get()));
        if now > deadline {
            let error = format!(
                "not sent within {} minutes; last error: {}",
                self.settings.give_up_after_minutes,
                last_error(&item).unwrap_or("none (the bot was not running)")
            );
            return self.give_up(item, now, error).await;
        }
        let result = match &item.outgoing {
            Outgoing::Circle(message) => match self.send_circle_message(item.id, message).await {
                Ok(Err(why)) => return self.not_sent(&item, why).await,
                Ok(Ok((channel, holds))) => Ok(Accepted::Circle(message.circle, channel, holds)),
                Err(failure) => Err(failure),
            },
            Outgoing::Nudge(planned) => match self.send_nudge(item.id, planned).await {
                Ok(DmSend::NotSent(why)) => return self.not_sent(&item, why).await,
                Ok(DmSend::Posted { sent, opened }) => Ok(Accepted::Nudge(Box::new(sent), opened)),
                Err(failure) => Err(failure),
            },
            Outgoing::EarlyWarning(planned) => {
                match self.send_early_warning(item.id, planned).await {
                    Ok(Err(why)) => return self.not_sent(&item, why).await,
                    Ok(Ok((sent, opened))) => Ok(Accepted::EarlyWarning(Box::new(sent), opened)),
                    Err(failure) => Err(failure),
                }
            }
            Outgoing::CalendarFailing(planned) => {
                match self.send_calendar_failing(item.id, planned).await {
                    Ok(Err(why)) => return self.not_sent(&item, why).await,
                    Ok(Ok(opened)) => Ok(Accepted::CalendarFailing(opened)),
                    Err(failure) => Err(failure),
                }
            }
            Outgoing::Digest {
                channel,
                digest,
                team_map,
            } => match self
                .send_digest(item.id, channel, digest, team_map.as_ref())
                .await
            {
                Ok(Err(why)) => return self.not_sent(&item, why).await,
                Ok(Ok(())) => Ok(Accepted::Digest),
                Err(failure) => Err(failure),
            },
        };
        item.attempts += 1;
        match result {
            Ok(posted) => {
                let accepted = std::time::Instant::now();
                match posted {
                    Accepted::Nudge(nudge, opened) => {
                        let sent = SentNudge::of(&nudge, self.clock.now());
                        self.store
                            .mark_sent(&item, Some(&sent), opened.as_ref())
                            .await?;
                    }
                    Accepted::EarlyWarning(sent, opened) => {
                        let at = self.clock.now();
                        self.store
                            .mark_early_warning_sent(
                                &item,
                                &sent.introductions(at),
                                at,
                                opened.as_ref(),
                            )
                            .await?
                    }
                    Accepted::Digest => self.store.mark_sent(&item, None, None).await?,
                    Accepted::CalendarFailing(opened) => {
                        self.store.mark_sent(&item, None, opened.as_ref()).await?
                    }
                    Accepted::Circle(circle, channel, holds) => {
                        self.store
                            .mark_circle_message_sent(&item, circle, Some((&channel, &holds)))
                            .await?
                    }
                }
                // On disk before the next send: a crash repeats one item at most.
                self.store.commit().await?;
                Ok(Outcome::Sent(accepted.elapsed()))
            }
            Err(Failure::Store(err)) => Err(err),
            Err(Failure::Slack(err)) if err.is_transient() => {
                let wait = err
                    .retry_after()
                    .unwrap_or_else(|| self.backoff(item.attempts));
                let not_before = now + chrono::Duration::from_std(wait).unwrap_or_default();
                if not_before > deadline {
                    return self.give_up(item, now, err.to_string()).await;
                }
                tracing::info!(error = %err, attempts = item.attempts, ?wait, "will try again");
                item.state = OutboxState::Pending {
                    not_before,
                    last_error: Some(err.to_string()),
                };
                self.store.update_outbox_item(&item).await?;
                Ok(Outcome::Retrying)
            }
            Err(Failure::Slack(err)) => self.give_up(item, now, err.to_string()).await,
        }
    }

    /// Sends the nudge `planned` of the queued item `item_id` if it still
    /// holds (see `dm`): as it goes, which may leave out a shared contact
    /// who can no longer be named.
    async fn send_nudge(&self, item_id: u64, planned: &Nudge) -> Result<DmSend<Nudge>, Failure> {
        let as_now = || self.nudge_as_now(item_id, planned);
        self.send_in_dm(&planned.to, as_now, render_nudge).await
    }

    /// `item` is not sent after all: it leaves the outbox, recorded
    /// nowhere, and the log says why without naming anyone. One another
    /// replica took over is left to it as it is.
    async fn not_sent(&self, item: &OutboxItem, why: NotSent) -> Result<Outcome, StoreError> {
        if why == NotSent::TakenOver {
            tracing::info!(%why, "not sent: left to the replica that holds it");
            return Ok(Outcome::TakenOver);
        }
        self.store.mark_sent(item, None, None).await?;
        if why == NotSent::Withdrawn(Withdrawal::MetSince) {
            tracing::info!("they met since it was planned: not sent");
            Ok(Outcome::Dropped)
        } else {
            tracing::debug!(%why, "no longer holds: not sent");
            Ok(Outcome::Withdrawn)
        }
    }

    /// Keeps `item` as failed, and says so in the log.
    async fn give_up(
        &self,
        mut item: OutboxItem,
        now: DateTime<Utc>,
        error: String,
    ) -> Result<Outcome, StoreError> {
        // The operator's log names a reminder's recipient, as a command's
        // span names who ran it, and never whom it was about (see
        // `describe`): the pair would be a fading tie.
        let what = item.outgoing.describe(|_| true);
        tracing::warn!(%what, attempts = item.attempts, %error, "gave up on a message");
        item.state = OutboxState::Failed { at: now, error };
        self.store.update_outbox_item(&item).await?;
        self.store.flush().await?;
        Ok(Outcome::Failed)
    }

    /// How long a claim holds an item: [`CLAIM_FOR`], as much shorter as
    /// the pace is faster (the fake Slack's), like every other wait.
    fn claim_for(&self) -> Duration {
        CLAIM_FOR.div_f64(self.settings.speedup.get())
    }

    /// The wait before attempt `attempts + 1`: the base doubled per attempt,
    /// capped, then jittered to between half and all of it, so that many
    /// failed items do not all come back at once.
    fn backoff(&self, attempts: u32) -> Duration {
        let doubled = BACKOFF_BASE.saturating_mul(1 << attempts.saturating_sub(1).min(16));
        let capped = doubled
            .min(BACKOFF_CAP)
            .div_f64(self.settings.speedup.get());
        capped.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

fn last_error(item: &OutboxItem) -> Option<&str> {
    match &item.state {
        OutboxState::Pending { last_error, .. } => last_error.as_deref(),
        OutboxState::Failed { error, .. } => Some(error),
    }
}

/// What Slack accepted, to be recorded.
enum Accepted {
    /// A nudge, as sent (see [`DmSend::Posted`]), with the DM channel
    /// opened for it.
    Nudge(Box<Nudge>, Option<ChannelId>),
    /// An early warning, as sent (its steps that still held), with the DM
    /// channel opened for it.
    EarlyWarning(Box<crate::domain::EarlyWarning>, Option<ChannelId>),
    /// The digest.
    Digest,
    /// A calendar's failure told, with the DM channel opened for it.
    CalendarFailing(Option<ChannelId>),
    /// A circle's message, with the group DM it went to and whom it holds.
    Circle(CircleKey, ChannelId, Vec<UserId>),
}

/// Why an attempt did not go through.
enum Failure {
    Slack(SlackError),
    Store(StoreError),
}

impl From<SlackError> for Failure {
    fn from(err: SlackError) -> Self {
        Self::Slack(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

#[cfg(test)]
mod claim_tests;
#[cfg(test)]
mod leader_tests;
#[cfg(test)]
mod tests;
