//! The front door: the transports that bring Slack's requests in — Socket
//! Mode and HTTP — and the one [`FrontDoor`] both call.
//!
//! A request is read into a type where it enters, the same over both
//! transports: a [`SlashCommand`], an [`Interaction`] (a [`ButtonPress`]),
//! an [`EventCallback`] carrying an [`InboundEvent`]. Past the transports,
//! nothing reads Slack's fields by name, and nothing here builds Slack's
//! JSON: `slack` renders the answers.
//!
//! Acknowledge first: Slack wants every request answered within 3
//! seconds, so a slash command, a button press or an event is answered
//! before any Slack call it causes. The handler writes to the store and
//! answers; anything that calls Slack (opening a group DM, posting the
//! digest, answering a press through its `response_url`, publishing an
//! App Home) runs after the answer, tracked so that shutdown waits for it.
//! An answer that tells of a write, and the acknowledgement of a press,
//! wait for the store's group commit ([`Store::commit`]) first. Events are
//! deduplicated by `event_id`. Nothing here decides: `commands` does.

// One of the two modules that may name slack-morphism's types (clippy.toml
// disallows them everywhere else).
#![allow(clippy::disallowed_types)]

mod calendar_consent;
mod event_callback;
mod events;
pub mod health;
pub mod http;
pub mod insights;
mod passive;
mod requests;
pub mod server;
pub mod signature;
pub mod socket;

pub use event_callback::{EventCallback, InboundEvent, SeenMessage};
pub use events::DEDUPE_WINDOW_MINUTES;
pub use requests::{Button, ButtonPress, Interaction, SlashCommand};

use crate::commands::grammar::command_kind;
use crate::commands::handlers::{
    Context, HandlerError, PendingCommit, Pressed, handle_alliances, handle_button, handle_met,
};
use crate::commands::limits::RequestLimits;
use crate::commands::{Effect, Outcome, Reply};
use crate::config::Settings;
use crate::domain::{Clock, ModalAnswer, UserId};
use crate::metrics::Metrics;
use crate::scheduler::Scheduler;
use crate::slack::{SlackClient, mrkdwn_text, render_introduction};
use crate::store::{Store, off_the_workers};
use std::sync::Arc;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

/// What both transports call.
#[derive(Clone)]
pub struct FrontDoor {
    store: Store,
    slack: SlackClient,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    scheduler: Scheduler,
    /// The work spawned after an acknowledgement (an introduction, `digest
    /// now`, an event's handling), so that shutdown can wait for it.
    follow_ups: TaskTracker,
    /// How much each person may still ask this hour.
    limits: Arc<RequestLimits>,
    /// Where commands, presses and retried events are counted.
    metrics: Metrics,
}

impl FrontDoor {
    /// The front door of a wired bot.
    pub fn new(
        store: Store,
        slack: SlackClient,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
        scheduler: Scheduler,
        follow_ups: TaskTracker,
        metrics: Metrics,
    ) -> Self {
        Self {
            follow_ups,
            metrics,
            limits: Arc::new(RequestLimits::new(&settings.commands)),
            store,
            slack,
            settings,
            clock,
            scheduler,
        }
    }

    fn context<'a>(&'a self, user: &'a UserId, commit: &'a PendingCommit) -> Context<'a> {
        Context {
            store: &self.store,
            settings: &self.settings,
            now: self.clock.now(),
            user,
            commit,
            limits: &self.limits,
            calendars_on: self.scheduler.calendar_key().is_some(),
        }
    }

    /// Whether the writes a handler asked to commit are on disk: at once if
    /// it asked for none.
    ///
    /// This is where "flush before telling the person" happens on the
    /// request paths. The handler wrote and said its answer tells of it;
    /// the answer goes out only after this await, once a flush that started
    /// after the write has finished. The store's group commit shares that
    /// flush among every request waiting, and awaiting it leaves the worker
    /// free for other requests meanwhile.
    async fn committed(&self, commit: &PendingCommit) -> Result<(), HandlerError> {
        if commit.is_needed() {
            self.store.commit().await?;
        }
        Ok(())
    }

    /// Answers a slash command.
    #[tracing::instrument(skip_all, fields(user = %command.user, command = %command.command))]
    pub async fn slash_command(&self, command: SlashCommand) -> Reply {
        self.metrics
            .command(&command_kind(&command.command, &command.text));
        let (outcome, commit) = match command.command.as_str() {
            // It waits for its own write and flush (see `handle_met`).
            "/met" => {
                let commit = PendingCommit::default();
                let context = self.context(&command.user, &commit);
                let outcome = handle_met(&context, &command.text, &command.trigger_id).await;
                (outcome.into(), commit)
            }
            "/alliances" => self.alliances_off_the_workers(&command).await,
            other => {
                let unknown = format!("I don't know the command `{other}`. Try `/alliances help`.");
                (Reply::text(unknown).into(), PendingCommit::default())
            }
        };
        // Never "Logged" for a write that is not on disk: a failed commit
        // answers the apology instead, and carries out nothing.
        if let Err(err) = self.committed(&commit).await {
            return err.into_reply();
        }
        if let Some(effect) = outcome.effect {
            // After the answer: Slack wants one within 3 seconds.
            let front = self.clone();
            self.follow_ups
                .spawn(async move { front.carry_out(effect, command).await });
        }
        outcome.reply
    }

    /// Answers `/alliances` on tokio's blocking pool: `stats`, `status`,
    /// `export` and `tick dry-run` read whole trees of the store, which
    /// would hold up every other request on an async worker meanwhile.
    async fn alliances_off_the_workers(&self, command: &SlashCommand) -> (Outcome, PendingCommit) {
        let front = self.clone();
        let (user, text) = (command.user.clone(), command.text.clone());
        let answered = off_the_workers(move || async move {
            let commit = PendingCommit::default();
            let outcome = handle_alliances(&front.context(&user, &commit), &text).await;
            (outcome, commit)
        })
        .await;
        answered.unwrap_or_else(|err| {
            tracing::error!(error = %err, "an /alliances command panicked");
            (
                HandlerError::Panicked.into_reply().into(),
                PendingCommit::default(),
            )
        })
    }

    /// Carries out what `command` asked of Slack, and tells the person if it
    /// failed: through the command's `response_url`, and a modal opens with
    /// its `trigger_id`.
    async fn carry_out(&self, effect: Effect, command: SlashCommand) {
        let result = match &effect {
            Effect::OpenCalendarModal(modal) => self
                .slack
                .open_calendar_modal(&command.trigger_id, modal)
                .await
                .map_err(anyhow::Error::from),
            Effect::Introduce { by, a, b, note } => self.introduce(by, a, b, note.as_deref()).await,
            Effect::DigestNow { channel } => {
                let posted = self.scheduler.post_digest_now(channel.as_deref()).await;
                if let (Ok(summary), Some(url)) = (&posted, &command.response_url) {
                    // The summary names the channel, which an admin typed.
                    let done = Reply::text(format!("Digest: {}.", mrkdwn_text(summary)));
                    if let Err(err) = self.slack.answer_command(url, &done).await {
                        tracing::warn!(error = %err, "could not report the digest");
                    }
                }
                posted.map(drop)
            }
        };
        if let Err(err) = result {
            tracing::error!(error = format!("{err:#}"), "a command's follow-up failed");
            if let Some(url) = &command.response_url {
                let sorry = Reply::text(
                    "Sorry, I couldn't finish that: Slack said no. It has been logged.",
                );
                if let Err(err) = self.slack.answer_command(url, &sorry).await {
                    tracing::warn!(error = %err, "could not tell the person either");
                }
            }
        }
    }

    async fn introduce(
        &self,
        by: &UserId,
        a: &UserId,
        b: &UserId,
        note: Option<&str>,
    ) -> anyhow::Result<()> {
        let group = [by.clone(), a.clone(), b.clone()];
        let channel = self.slack.open_group_dm(&group).await?;
        let message = render_introduction(by, a, b, note);
        self.slack.post(channel.as_str(), &message).await?;
        Ok(())
    }

    /// Handles an interaction: a button press, a modal submitted, or one
    /// the bot has no part in. Only a modal's submission is answered over
    /// the transport (`slack::render_modal_answer` renders it); a press is
    /// answered through its `response_url`.
    pub async fn interaction(&self, interaction: Interaction) -> Option<ModalAnswer> {
        match interaction {
            Interaction::ButtonPress(press) => self.button_press(press).await,
            Interaction::CalendarSubmitted(submission) => {
                self.metrics.command("calendar modal");
                return Some(self.calendar_submitted(submission).await);
            }
            Interaction::PressWithoutUser => tracing::warn!("an interaction without a user"),
            Interaction::Other => {}
        }
        None
    }

    /// Handles a button press.
    ///
    /// What the press changes is written, and on disk, before this
    /// returns and the transport acknowledges: Slack delivers a press it
    /// has seen acknowledged only once. The Slack calls the press causes
    /// (its answer, the App Home published again) wait under rate control
    /// and could miss Slack's 3-second deadline, so they run after.
    #[tracing::instrument(skip_all, fields(user = %press.user))]
    async fn button_press(&self, press: ButtonPress) {
        let mut answers = Vec::new();
        let mut refresh_home = false;
        let mut modal = None;
        for button in &press.buttons {
            self.metrics.command("button");
            let commit = PendingCommit::default();
            let context = self.context(&press.user, &commit);
            let mut pressed = handle_button(&context, &button.action_id, &button.value).await;
            // The press's answer tells of its write only once it is on disk.
            if let Err(err) = self.committed(&commit).await {
                pressed = Pressed::failed(err);
            }
            answers.extend(pressed.response);
            refresh_home |= pressed.refresh_home;
            modal = modal.or(pressed.modal);
        }
        let answers_to_send = press.response_url.is_some() && !answers.is_empty();
        if !answers_to_send && !refresh_home && modal.is_none() {
            return;
        }
        let front = self.clone();
        let shown = async move {
            // First: the trigger id lasts 3 seconds.
            if let (Some(modal), Some(trigger)) = (&modal, &press.trigger_id)
                && let Err(err) = front.slack.open_calendar_modal(trigger, modal).await
            {
                tracing::warn!(error = %err, "could not open the calendar modal");
            }
            if let Some(url) = &press.response_url {
                for answer in &answers {
                    if let Err(err) = front.slack.answer_press(url, answer).await {
                        tracing::warn!(error = %err, "could not answer a button press");
                    }
                }
            }
            if refresh_home {
                front.publish_home(&press.user).await;
            }
        };
        self.follow_ups.spawn(shown.in_current_span());
    }

    /// Handles an `event_callback`, once per `event_id`. Slack wants its
    /// acknowledgement within 3 seconds and some events mean Slack calls of
    /// our own (publishing an App Home), so the handling runs after the
    /// acknowledgement.
    pub async fn event(&self, callback: EventCallback) {
        let front = self.clone();
        self.follow_ups
            .spawn(async move { events::handle(&front, callback).await });
    }
}

#[cfg(test)]
mod tests;
