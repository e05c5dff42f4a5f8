//! The demo's leaders-first steps, as its people live them: which message
//! the bot sent is which step (a circle formed, its check-in a week later,
//! the key partnership's nudge, an early warning), a circle answering its
//! check-in with a button a few hours after it is asked, and the
//! Engineering lead asking `/alliances allies` on the second afternoon.
//! People act through the bot's signed HTTP routes (`front_door.rs`); the
//! bot decides and writes, this only presses and reads.

use super::front_door;
use super::printing::{People, named, push_answer, step_line};
use super::{ALLIES_ASKED, DEMO_CHANNEL_ID, Demo};
use crate::domain::{Circle, CircleAction, InteractionKind, NudgeReason, UserId};
use crate::synthetic;
use chrono::{DateTime, Duration, Utc};
use fake_slack::PostedMessage;
use rand::RngExt;
use rand::seq::IndexedRandom;

/// When, counted from the demo's start, the Engineering lead asks for
/// allies: the second day at 14:00 UTC, once the first nudges are out.
const ALLIES_ASKED_AFTER: Duration = Duration::hours(24 + 14);

/// The check-ins the circles were asked and have not answered yet, each
/// with when one of the circle will press a button.
#[derive(Debug, Default)]
pub(super) struct CheckIns {
    waiting: Vec<(DateTime<Utc>, PostedMessage)>,
    answered: usize,
}

impl Demo {
    /// The leadership circle whose group DM is `channel`, if any.
    pub(super) async fn circle_in(&self, channel: &str) -> anyhow::Result<Option<Circle>> {
        Ok(self
            .app
            .store()
            .circles()
            .await?
            .into_iter()
            .find(|c| c.channel.as_ref().is_some_and(|ch| ch.as_str() == channel)))
    }

    /// Which leaders-first step `message`, sent at `now`, is: a circle's
    /// prompt or check-in (`circle` is the circle whose group DM it went
    /// to), the key partnership's nudge, or an early warning to a leader.
    pub(super) async fn leaders_first_step(
        &self,
        message: &PostedMessage,
        circle: Option<&Circle>,
        people: &People,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<&'static str>> {
        if circle.is_some() {
            return Ok(Some(if is_check_in(message) {
                "a week later, the circle's check-in"
            } else {
                "a leadership circle is formed, in a group DM of its leaders"
            }));
        }
        let Some(to) = message.dm_user.as_deref() else {
            return Ok(None);
        };
        let partnership = self
            .app
            .store()
            .nudges_sent_since(now - Duration::hours(1))
            .await?
            .into_iter()
            .any(|s| s.to.as_str() == to && matches!(s.reason, Some(NudgeReason::Partnership(_))));
        if partnership {
            return Ok(Some(
                "the key partnership's nudge, ranked before any other nudge",
            ));
        }
        let leader = people.get(to).is_some_and(|p| p.roles.leader);
        Ok((leader && front_door::buttons(message).next().is_none())
            .then_some("an early warning to a leader whose alliances have gone quiet"))
    }

    /// Remembers `message`, sent at `now`, when it is a circle's check-in:
    /// one of the circle answers it two to six hours later.
    pub(super) fn await_answer(
        &mut self,
        message: &PostedMessage,
        now: DateTime<Utc>,
        check_ins: &mut CheckIns,
    ) {
        if is_check_in(message) {
            let later = now + Duration::hours(self.rng.random_range(2..=6));
            check_ins.waiting.push((later, message.clone()));
        }
    }

    /// What the company's leaders do at `now`, as people would see it: the
    /// Engineering lead asks for allies at its hour, and circles answer
    /// the check-ins that are due (the first says it met; the others as it
    /// went).
    pub(super) async fn leaders_act(
        &mut self,
        people: &People,
        now: DateTime<Utc>,
        check_ins: &mut CheckIns,
    ) -> anyhow::Result<Vec<String>> {
        let mut shown = Vec::new();
        if now == self.start + ALLIES_ASKED_AFTER {
            shown.extend(self.ask_for_allies(people, now).await?);
        }
        let (due, later): (Vec<_>, Vec<_>) =
            check_ins.waiting.drain(..).partition(|(at, _)| *at <= now);
        check_ins.waiting = later;
        for (_, check_in) in due {
            let action = match (check_ins.answered, self.rng.random_range(0..10)) {
                (0, _) | (_, 0..6) => CircleAction::WeMet,
                (_, 6..8) => CircleAction::NotYet,
                _ => CircleAction::Skip,
            };
            shown.extend(self.answer_check_in(&check_in, action, people, now).await?);
            check_ins.answered += 1;
        }
        Ok(shown)
    }

    /// The Engineering lead asks for allies in Sales and Marketing, for an
    /// initiative, and reads the answer only they see; nothing when the
    /// company has no such lead.
    async fn ask_for_allies(
        &self,
        people: &People,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<String>> {
        let Some(lead) = self.company.people.iter().find(|p| {
            p.roles
                .leads
                .as_ref()
                .is_some_and(|t| t.as_str() == synthetic::ENGINEERING)
        }) else {
            return Ok(None);
        };
        let answer = self
            .front_door
            .alliances(&self.fake, &lead.id, ALLIES_ASKED, DEMO_CHANNEL_ID)
            .await?;
        let mut text = step_line("a lead asks who their allies are for an initiative");
        text.push_str(&format!(
            "{} UTC  {} types `/alliances {ALLIES_ASKED}`; only they see the answer:\n",
            now.format("%H:%M"),
            named(people, lead.id.as_str())
        ));
        push_answer(&mut text, &answer, people);
        Ok(Some(text))
    }

    /// Someone of the circle asked in `check_in` presses `action`'s button;
    /// what they saw, and, for *We met*, what the store now holds.
    async fn answer_check_in(
        &mut self,
        check_in: &PostedMessage,
        action: CircleAction,
        people: &People,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<String>> {
        let Some(circle) = self.circle_in(&check_in.channel).await? else {
            return Ok(None);
        };
        let Some(presser) = circle.members.choose(&mut self.rng).cloned() else {
            return Ok(None);
        };
        let answer = self
            .front_door
            .press(&self.fake, &presser, check_in, action.action_id())
            .await?;
        let mut text = step_line("the circle answers its check-in");
        text.push_str(&format!(
            "{} UTC  {} presses [{}] in their circle's group DM\n",
            now.format("%H:%M"),
            named(people, presser.as_str()),
            action.label()
        ));
        push_answer(&mut text, &answer, people);
        if action == CircleAction::WeMet && self.logged_together(&circle.members).await? {
            let n = circle.members.len();
            text.push_str(&format!(
                "       (logged: one meeting of all {n}, so each of their {} pairs has met today)\n",
                n * (n - 1) / 2
            ));
        }
        Ok(Some(text))
    }

    /// Whether the store holds a *We met* of exactly `members`.
    async fn logged_together(&self, members: &[UserId]) -> anyhow::Result<bool> {
        let mut members = members.to_vec();
        members.sort();
        Ok(self
            .app
            .store()
            .interactions()
            .await?
            .into_iter()
            .any(|(_, i)| i.kind == InteractionKind::WeMet && i.participants == members))
    }
}

/// Whether `message` is a circle's check-in: it carries the circle's
/// *We met* button.
fn is_check_in(message: &PostedMessage) -> bool {
    let we_met = CircleAction::WeMet.action_id();
    front_door::buttons(message).any(|b| b["action_id"] == we_met)
}
