//! Button presses: the four buttons on a nudge, the *Forget me* confirm,
//! the App Home's settings buttons, and a leadership circle's check-in
//! (`circle_buttons`).
//!
//! Like the commands, each press decides, writes to the store, and returns
//! what Slack should show; the transport sends it.

use super::alliances::confirm_forget_me;
use super::{Context, HandlerError, change_own_person};
use crate::commands::Reply;
use crate::domain::{
    CalendarModal, CircleAction, FORGET_ME_CONFIRM, HomeAction, Interaction, InteractionKind,
    Neglected, NudgeAction, PairKey, Person, PressAnswer, TeamGap, UserId,
};
use crate::slack::MRKDWN_QUOTING;
use chrono::Duration;

/// The snooze a nudge's *Snooze 2 weeks* button sets.
const SNOOZE_DAYS: i64 = 14;

/// What a button press changes on screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pressed {
    /// The answer for the press's `response_url`, if it has one.
    pub response: Option<PressAnswer>,
    /// The App Home shows something that changed: publish it again.
    pub refresh_home: bool,
    /// A modal to open in answer, with the press's trigger id.
    pub modal: Option<CalendarModal>,
}

/// Handles the press of `action_id` (with the button's `value`) by the
/// person in `context`. A press Slack delivers again logs nothing twice.
pub async fn handle_button(context: &Context<'_>, action_id: &str, value: &str) -> Pressed {
    press(context, action_id, value)
        .await
        .unwrap_or_else(Pressed::failed)
}

impl Pressed {
    /// What a press that failed shows: the failure's sentence, to the
    /// presser only, and nothing refreshed.
    pub fn failed(error: HandlerError) -> Self {
        Self {
            response: Some(PressAnswer::Below(error.into_reply())),
            refresh_home: false,
            modal: None,
        }
    }
}

async fn press(
    context: &Context<'_>,
    action_id: &str,
    value: &str,
) -> Result<Pressed, HandlerError> {
    if action_id == FORGET_ME_CONFIRM {
        return Ok(Pressed {
            response: Some(PressAnswer::Replacing(confirm_forget_me(context).await)),
            refresh_home: true,
            modal: None,
        });
    }
    if let Some(action) = CircleAction::ALL
        .into_iter()
        .find(|a| a.action_id() == action_id)
    {
        return super::circle_buttons::circle_button(context, action, value).await;
    }
    if let Some(action) = NudgeAction::ALL
        .into_iter()
        .find(|a| a.action_id() == action_id)
    {
        return nudge_button(context, action, value).await;
    }
    let Some(action) = HomeAction::ALL
        .into_iter()
        .find(|a| a.action_id() == action_id)
    else {
        tracing::warn!(action_id, "a button the bot does not know");
        return Ok(Pressed::default());
    };
    if action == HomeAction::Calendar {
        return calendar_button(context).await;
    }
    let change: fn(&mut Person, &Context<'_>) = match action {
        HomeAction::Snooze => |p, c| p.snoozed_until = Some(c.now + Duration::days(SNOOZE_DAYS)),
        HomeAction::Wake => |p, _| p.snoozed_until = None,
        HomeAction::OptOut => |p, _| p.opted_out = true,
        HomeAction::OptIn => |p, _| p.opted_out = false,
        HomeAction::ShoutoutsOn => |p, _| p.shoutouts = true,
        HomeAction::ShoutoutsOff => |p, _| p.shoutouts = false,
        HomeAction::Calendar => return Ok(Pressed::default()),
    };
    change_own_person(context, |p| change(p, context)).await?;
    Ok(Pressed {
        response: None,
        refresh_home: true,
        modal: None,
    })
}

/// *Your calendar* on the App Home: the modal `/alliances calendar` opens,
/// or why it cannot be.
async fn calendar_button(context: &Context<'_>) -> Result<Pressed, HandlerError> {
    if !context.calendars_on {
        return Ok(Pressed {
            response: Some(PressAnswer::Below(Reply::text(
                "Calendars aren't set up in this workspace yet: an admin sets ALLIANCES_ENCRYPTION_KEY first.",
            ))),
            refresh_home: false,
            modal: None,
        });
    }
    let since = context
        .store
        .calendar(context.user)
        .await?
        .map(|feed| feed.since);
    Ok(Pressed {
        response: None,
        refresh_home: false,
        modal: Some(CalendarModal::Ask {
            since,
            problem: None,
        }),
    })
}

async fn nudge_button(
    context: &Context<'_>,
    action: NudgeAction,
    value: &str,
) -> Result<Pressed, HandlerError> {
    // The value is "to:about". Only the person nudged may act on it, and
    // only about someone else.
    let peer = value
        .split_once(':')
        .filter(|(to, about)| *to == context.user.as_str() && to != about)
        .and_then(|(_, about)| UserId::parse(about).ok());
    let Some(peer) = peer else {
        tracing::warn!(value, "a nudge button with a value not for this person");
        return Ok(Pressed::default());
    };
    let reply = match action {
        NudgeAction::WeMet => {
            return we_met(context, peer).await;
        }
        NudgeAction::Snooze => {
            let until = context.now + Duration::days(SNOOZE_DAYS);
            change_own_person(context, |p| p.snoozed_until = Some(until)).await?;
            Reply::text(format!(
                ":zzz: Snoozed until {}. `/alliances snooze off` wakes me up sooner.",
                until.format("%a %-d %b")
            ))
        }
        NudgeAction::NotRelevant => {
            // Someone forgotten since the nudge is nudged about no more,
            // and their id is kept nowhere.
            if context.store.person(&peer).await?.is_some() {
                change_own_person(context, |p| {
                    p.paused.insert(peer.clone());
                })
                .await?;
            }
            Reply::text(format!(
                "Got it: I won't nudge you about <@{peer}> again. `/alliances unpause <@{peer}>` undoes it."
            ))
        }
        NudgeAction::Why => why(context, &peer).await?,
    };
    Ok(Pressed {
        response: Some(PressAnswer::Below(reply)),
        refresh_home: false,
        modal: None,
    })
}

/// *We met* on a nudge about `peer`: logs a meeting of the two today,
/// once however often it is pressed that day, where the presser lives (a
/// double click, a second device, Slack's retry, or the other side's own
/// press on their nudge about the presser). Not with someone who has
/// opted out, left or asked to be forgotten since the nudge went: nobody
/// logs them, and the answer tells no more than `/met`'s which it is.
async fn we_met(context: &Context<'_>, peer: UserId) -> Result<Pressed, HandlerError> {
    let loggable = context
        .store
        .person(&peer)
        .await?
        .is_some_and(|person| person.reachable());
    let answer = if loggable {
        let meeting = Interaction::new(
            context.now,
            InteractionKind::WeMet,
            [context.user.clone(), peer.clone()],
            Some(context.user.clone()),
            None,
        );
        if let Some(meeting) = meeting
            && let Some(pair) = PairKey::new(context.user, &peer)
        {
            let day = context.today(context.me().await?.as_ref()).to_string();
            let key = context.store.once_keys().await?.key(
                "we_met",
                &[
                    pair.low().as_str().as_bytes(),
                    pair.high().as_str().as_bytes(),
                    day.as_bytes(),
                ],
            );
            context.store.log_interaction_once(&key, &meeting).await?;
            // The answer says it is logged: on disk first.
            context.commit_before_answering();
        }
        format!(
            ":white_check_mark: Logged: you and <@{peer}> met today. Thank you for keeping in touch!"
        )
    } else {
        format!(
            "I can't log meetings with that person (<@{peer}>) any more, so nothing was logged."
        )
    };
    Ok(Pressed {
        response: Some(PressAnswer::Replacing(Reply::text(answer))),
        refresh_home: loggable,
        modal: None,
    })
}

/// *Why this?*: the reason the rules gave when they sent the nudge, or,
/// for a nudge from before reasons were kept, the tie's facts as they
/// stand now.
async fn why(context: &Context<'_>, peer: &UserId) -> Result<Reply, HandlerError> {
    let policy = &context.settings.rules;
    let Some(team) = context.store.person(peer).await?.and_then(|p| p.team) else {
        return Ok(Reply::text(
            "I no longer know which team they are in, so I won't nudge you about them.",
        ));
    };
    let about = format!("<@{peer}>");
    let sent = context
        .store
        .nudges_sent_since(context.now - policy.nudge_memory())
        .await?
        .into_iter()
        .rev()
        .find(|n| &n.to == context.user && &n.about == peer);
    let explained = match sent.and_then(|n| n.reason) {
        Some(reason) => reason.explain(&about, &team, |u| format!("<@{u}>"), MRKDWN_QUOTING),
        None => {
            let tie = match PairKey::new(context.user, peer) {
                Some(pair) => context.store.tie(&pair).await?,
                None => None,
            };
            let Some(tie) = tie else {
                return Ok(Reply::text(
                    "I have no meetings of you two on record any more.",
                ));
            };
            let gap = TeamGap {
                own_team: team.clone(),
                alliances: 0,
                most: 0,
                boost: 1.0,
                // Not counted for this nudge: no figures to tell.
                figures_shown: false,
            };
            Neglected::of(&tie, policy, context.now, gap).explain(&about, &team, MRKDWN_QUOTING)
        }
    };
    Ok(Reply::text(format!(
        "*Why this?* {explained} I send at most {} a week, and never about someone who opted out, is snoozed or you paused.",
        match policy.nudges_per_person_per_week {
            1 => "one nudge".to_owned(),
            n => format!("{n} nudges"),
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::handlers::PendingCommit;
    use crate::config::Settings;
    use crate::store::{Store, StoreOptions};
    use chrono::Utc;

    #[tokio::test]
    async fn the_app_home_shout_outs_buttons_turn_them_on_and_off() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let ada = UserId::parse("U1").unwrap();
        store
            .put_person(&Person::new(ada.clone(), "Ada"))
            .await
            .unwrap();
        let settings = Settings::default();
        let press = async |action: HomeAction| {
            let commit = PendingCommit::default();
            let context = Context {
                store: &store,
                settings: &settings,
                now: Utc::now(),
                user: &ada,
                commit: &commit,
                limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
                calendars_on: false,
            };
            let pressed = handle_button(&context, action.action_id(), "").await;
            assert!(
                commit.is_needed(),
                "the new setting is on disk before the home shows it"
            );
            pressed
        };
        let shoutouts = async || store.person(&ada).await.unwrap().unwrap().shoutouts;

        assert!(press(HomeAction::ShoutoutsOn).await.refresh_home);
        assert!(shoutouts().await);
        assert!(press(HomeAction::ShoutoutsOff).await.refresh_home);
        assert!(!shoutouts().await);
    }
}
