//! `/alliances <sub>`: help, status, snooze, pause, opt-out, shout-outs,
//! export, forget-me, intro, stats, and the admins' `digest now` and
//! `tick dry-run`; `allies` and `team` have files of their own.

use super::people::{Resolver, resolve};
use super::{Context, HandlerError, change_own_person, user_error};
use crate::commands::{
    AlliancesRequest, ChannelRef, Effect, Outcome, Reply, SlashText, help_text, parse_alliances,
};
use crate::domain::{CalendarModal, Confirm, LonelyLeaders, PairKey, ShownTeams, TeamId, UserId};
use crate::rules::{Snapshot, lonely_leaders};
use crate::scheduler::{nudge_snapshot, plan_messages};
use crate::slack::{MRKDWN_QUOTING, mrkdwn_text};
use chrono::Duration;
use std::collections::BTreeMap;

/// How many alliances `status` lists; the rest are counted.
/// Slack cuts message text at 40,000 characters; leave room for the framing.
const MAX_EXPORT_CHARS: usize = 35_000;

/// Answers `/alliances` for the person in `context`.
pub async fn handle_alliances(context: &Context<'_>, text: &str) -> Outcome {
    alliances(context, text)
        .await
        .unwrap_or_else(|err| err.into_reply().into())
}

async fn alliances(context: &Context<'_>, text: &str) -> Result<Outcome, HandlerError> {
    let request = parse_alliances(&SlashText::parse(text)?)?;
    let reply = match request {
        AlliancesRequest::Help {
            unknown,
            suggestion,
        } => help(context, unknown, suggestion),
        AlliancesRequest::Status => super::status::status(context).await?,
        AlliancesRequest::Snooze(span) => {
            let until = context.now + Duration::days(i64::from(span.days));
            change_own_person(context, |p| p.snoozed_until = Some(until)).await?;
            Reply::text(format!(
                ":zzz: Snoozed until {}: I won't nudge you, or anyone about you, until then. `/alliances snooze off` wakes me up.",
                until.format("%a %-d %b")
            ))
        }
        AlliancesRequest::SnoozeOff => {
            change_own_person(context, |p| p.snoozed_until = None).await?;
            Reply::text(":wave: Snooze is off: your nudges are back, at most one a week.")
        }
        AlliancesRequest::Pause(mention) => {
            let peer = resolve(context.store, &mention, "/alliances pause @bob").await?;
            change_own_person(context, |p| {
                p.paused.insert(peer.id.clone());
            })
            .await?;
            Reply::text(format!(
                "Done: I won't nudge you about <@{}> again. `/alliances unpause <@{}>` undoes it.",
                peer.id, peer.id
            ))
        }
        AlliancesRequest::Unpause(mention) => {
            let peer = resolve(context.store, &mention, "/alliances unpause @bob").await?;
            change_own_person(context, |p| {
                p.paused.remove(&peer.id);
            })
            .await?;
            Reply::text(format!(
                "Done: <@{}> can come up in your nudges again.",
                peer.id
            ))
        }
        AlliancesRequest::OptOut => {
            change_own_person(context, |p| p.opted_out = true).await?;
            Reply::text(
                "You're opted out: I won't nudge you, and I won't name you to anyone. Your history stays \
                 until you ask `/alliances forget-me`. `/alliances optin` brings you back.",
            )
        }
        AlliancesRequest::OptIn => {
            change_own_person(context, |p| p.opted_out = false).await?;
            Reply::text(
                ":tada: Welcome back! I'll remind you now and then of the people you'd like to keep in touch with.",
            )
        }
        AlliancesRequest::Shoutouts { on } => shoutouts(context, on).await?,
        AlliancesRequest::Export => export(context).await?,
        AlliancesRequest::ForgetMe => forget_me_confirmation(),
        AlliancesRequest::Intro { a, b, note } => return intro(context, &a, &b, note).await,
        AlliancesRequest::Stats => stats(context).await?,
        AlliancesRequest::Allies { teams } => super::allies::allies(context, &teams).await?,
        AlliancesRequest::Team => super::team_view::team(context).await?,
        AlliancesRequest::Calendar => return calendar(context).await,
        AlliancesRequest::CalendarOff => calendar_off(context).await?,
        AlliancesRequest::DigestNow { channel } => {
            require_admin(context, "/alliances digest now #alliances")?;
            let channel = channel.map(|c| match c {
                ChannelRef::Id(id) => id.to_string(),
                ChannelRef::Name(name) => name,
            });
            return Ok(Outcome {
                reply: Reply::text("Posting the digest now."),
                effect: Some(Effect::DigestNow { channel }),
            });
        }
        AlliancesRequest::TickDryRun => {
            require_admin(context, "/alliances tick dry-run")?;
            dry_run(context).await?
        }
    };
    Ok(reply.into())
}

/// `calendar`: the modal that asks for the address, where the operator
/// set the key that seals it.
async fn calendar(context: &Context<'_>) -> Result<Outcome, HandlerError> {
    if !context.calendars_on {
        return Ok(Reply::text(
            "Calendars aren't set up in this workspace yet: an admin sets the key that keeps \
             their addresses secret (`ALLIANCES_ENCRYPTION_KEY`). Meanwhile, `/met` logs a meeting.",
        )
        .into());
    }
    let since = context
        .store
        .calendar(context.user)
        .await?
        .map(|feed| feed.since);
    let reply = match since {
        Some(since) => format!(
            "I've been reading your calendar since {}; the form lets you give a new address. \
             `/alliances calendar off` stops it.",
            since.format("%-d %B")
        ),
        None => "Paste your calendar's iCal address in the form, and your meetings count \
                 without typing `/met`."
            .to_owned(),
    };
    Ok(Outcome {
        reply: Reply::text(reply),
        effect: Some(Effect::OpenCalendarModal(CalendarModal::Ask {
            since,
            problem: None,
        })),
    })
}

/// `calendar off`: the address deleted, and durable before they are told.
async fn calendar_off(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let removed = context.store.remove_calendar(context.user).await?;
    Ok(Reply::text(match removed {
        true => {
            "Done: I no longer read your calendar, and I've deleted its address. The \
                 meetings already counted stay in your history (`/alliances forget-me` deletes \
                 everything)."
        }
        false => {
            "I'm not reading your calendar: there was nothing to stop. \
                  `/alliances calendar` lets me count its meetings."
        }
    }))
}

fn help(context: &Context<'_>, unknown: Option<String>, suggestion: Option<&'static str>) -> Reply {
    let opening = match (unknown, suggestion) {
        (Some(word), Some(close)) => {
            format!("I don't know `{word}`. Did you mean `/alliances {close}`?\n\n")
        }
        (Some(word), None) => format!("I don't know `{word}`. Here is what I can do:\n\n"),
        _ => String::new(),
    };
    let for_admins = match context.is_admin() {
        true => format!("\n\n{}", uninstall_help(context.settings)),
        false => String::new(),
    };
    Reply::text(format!("{opening}{}{for_admins}", help_text()))
}

/// What admins are told of the data when the app's token is revoked or
/// the app uninstalled, as the settings have it: who can remove the app
/// should know what it takes with it.
fn uninstall_help(settings: &crate::config::Settings) -> String {
    let revoked =
        "Revoking the bot's token deletes nothing: I stop working until I have a working one.";
    let uninstalled = match (
        settings.events.purge_on_uninstall,
        settings.purge.grace_days,
    ) {
        (false, _) => {
            "Uninstalling the app deletes nothing either (`events.purge_on_uninstall` is off)."
                .to_owned()
        }
        (true, 0) => "Uninstalling the app deletes everything I hold, backups included.".to_owned(),
        (true, days) => format!(
            "Uninstalling the app deletes everything I hold but the newest backup, which is kept {days} days so that `alliances restore` can undo an uninstall by mistake, then deleted."
        ),
    };
    format!("For admins: {revoked} {uninstalled}")
}

fn require_admin(context: &Context<'_>, example: &str) -> Result<(), HandlerError> {
    if context.is_admin() {
        Ok(())
    } else {
        Err(user_error(
            "Only the admins listed in the bot's settings (`commands.admins`) can do that.",
            example,
        ))
    }
}

/// `shoutouts on|off`: records the choice and says what it means, including
/// that opting out still wins.
async fn shoutouts(context: &Context<'_>, on: bool) -> Result<Reply, HandlerError> {
    let mut opted_out = false;
    change_own_person(context, |p| {
        p.shoutouts = on;
        opted_out = p.opted_out;
    })
    .await?;
    let text = match (on, opted_out) {
        (true, false) => {
            ":raised_hands: Shout-outs are on: when you're among the people who built the most new \
             alliances, the digest may thank you by name. `/alliances shoutouts off` turns them off."
        }
        (true, true) => {
            "Noted: shout-outs are on, but you're opted out, so I won't name you anywhere. \
             `/alliances optin` brings you back."
        }
        (false, _) => {
            "Shout-outs are off: the digest won't thank you by name as a bridge-builder. \
             `/alliances shoutouts on` turns them back on."
        }
    };
    Ok(Reply::text(text))
}

async fn export(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let export = context.store.export_person(context.user).await?;
    let body = serde_json::to_string_pretty(&export).unwrap_or_else(|_| "{}".to_owned());
    if body.chars().count() > MAX_EXPORT_CHARS {
        return Ok(Reply::text(format!(
            "Your data is {} characters of JSON, too long for a Slack message. An admin can export it with `alliances export`.",
            body.len()
        )));
    }
    Ok(Reply::text(format!(
        "Here is everything I hold about you:\n```{body}```"
    )))
}

/// Asks whether to forget everything: the answer carries the *Forget me*
/// button, which confirms it.
fn forget_me_confirmation() -> Reply {
    Reply {
        text: "This deletes everything I hold about you — your meetings, your ties, your nudges — for good. \
               Other people's records of meeting you lose your name too. Sure?"
            .to_owned(),
        confirm: Some(Confirm::ForgetMe),
    }
}

/// Carries out `forget-me` once its button was pressed.
pub async fn confirm_forget_me(context: &Context<'_>) -> Reply {
    let forget = async {
        let forgotten = context.store.forget_person(context.user).await?;
        context.limits.forget(context.user);
        // They are told they are forgotten: on disk first.
        context.commit_before_answering();
        tracing::info!(
            interactions = forgotten.interactions_removed + forgotten.interactions_rewritten,
            "forgot a person"
        );
        Ok::<_, HandlerError>(Reply::text(
            "Done: I've forgotten you — every meeting, tie and nudge. If you use me again, I'll start from scratch.",
        ))
    };
    forget.await.unwrap_or_else(HandlerError::into_reply)
}

async fn intro(
    context: &Context<'_>,
    a: &crate::commands::Mention,
    b: &crate::commands::Mention,
    note: Option<String>,
) -> Result<Outcome, HandlerError> {
    const EXAMPLE: &str = "/alliances intro @alice @bob you both work on onboarding";
    let mut resolver = Resolver::new(context.store);
    let a = resolver.resolve(a, EXAMPLE).await?;
    let b = resolver.resolve(b, EXAMPLE).await?;
    // The pair is the cooldown's key; two of the same person make none.
    let pair = PairKey::new(&a.id, &b.id)
        .ok_or_else(|| user_error("Introduce two different people.", EXAMPLE))?;
    for person in [&a, &b] {
        // The same words whether they opted out or left: a refusal must not
        // tell who opted out.
        if !person.reachable() {
            return Err(user_error(
                format!(
                    "I can't introduce <@{}>. A message from you will do better.",
                    person.id
                ),
                EXAMPLE,
            ));
        }
    }
    context
        .limits
        .take_intro(context.user, &pair, context.now)
        .map_err(|refused| user_error(refused.sentence("introductions", context.now), EXAMPLE))?;
    Ok(Outcome {
        reply: Reply::text(format!(
            "I'm opening a group DM with you, <@{}> and <@{}>.",
            a.id, b.id
        )),
        effect: Some(Effect::Introduce {
            by: context.user.clone(),
            a: a.id,
            b: b.id,
            note,
        }),
    })
}

/// `stats`: alliances per team, for the teams [`ShownTeams`] shows only.
async fn stats(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let floor = context.settings.commands.k_anonymity_floor;
    let people = context.store.people().await?;
    let shown = ShownTeams::of(&people, floor);
    let team_of: BTreeMap<&UserId, &TeamId> = people
        .iter()
        .filter_map(|p| Some((&p.id, p.team.as_ref()?)))
        .collect();
    let ties = context.store.ties().await?;
    let mut alliances: BTreeMap<&TeamId, usize> = BTreeMap::new();
    for tie in &ties {
        let (Some(a), Some(b)) = (team_of.get(tie.pair.low()), team_of.get(tie.pair.high())) else {
            continue;
        };
        if a != b {
            *alliances.entry(a).or_default() += 1;
            *alliances.entry(b).or_default() += 1;
        }
    }
    let mut lines = vec![format!(
        "*Alliances by team* (teams of at least {floor} people):"
    )];
    for (team, count) in shown.shown_with_people() {
        let ties = alliances.get(team).copied().unwrap_or(0);
        lines.push(format!(
            "• {}: {count} people, {ties} alliances, {:.1} per person",
            mrkdwn_text(team.as_str()),
            ties as f64 / count as f64
        ));
    }
    let hidden = shown.held_back();
    if hidden > 0 {
        lines.push(format!(
            "({hidden} smaller teams are left out, so nobody can be singled out.)"
        ));
    }
    if context.is_admin() {
        let min_teams = context.settings.leaders.min_teams;
        let snapshot = Snapshot::new(people.iter().cloned(), ties, Vec::new());
        let policy = &context.settings.rules;
        let lonely = lonely_leaders(&snapshot, context.now, policy, min_teams, floor);
        lines.extend(lonely_leaders_line("For admins", lonely, min_teams, floor));
    }
    Ok(Reply::text(lines.join("\n")))
}

/// What admins are told of the leaders short of alliances, after
/// `label`: the figure, or that it is held back; nothing with the warning
/// off.
fn lonely_leaders_line(
    label: &str,
    lonely: Option<LonelyLeaders>,
    min_teams: u32,
    floor: u32,
) -> Option<String> {
    match lonely {
        Some(leaders) => Some(format!("{label}: {}", leaders.sentence())),
        None if min_teams > 0 => Some(format!(
            "{label}: with fewer than {floor} leaders, I don't say how many are short of alliances."
        )),
        None => None,
    }
}

/// The admins' dry run in Slack: the nudges due, each explained, and of
/// the early warnings only how many leaders are short of alliances, held
/// back under the floor, as `stats` says it: admins never see who.
async fn dry_run(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let policy = context.settings.rules;
    let mut snapshot = nudge_snapshot(context.store, context.now, &policy)
        .await?
        .with_partnerships(context.settings.partnerships.clone())
        .with_floor(context.settings.commands.k_anonymity_floor);
    let min_teams = context.settings.leaders.min_teams;
    let floor = context.settings.commands.k_anonymity_floor;
    let lonely = lonely_leaders(&snapshot, context.now, &policy, min_teams, floor);
    // Everyone who is due, whenever their local window opens. Planned
    // without the warnings, which would take their leaders' places in the
    // list and so hint at who they are.
    let (_, plan) = plan_messages(&mut snapshot, context.now, &policy.any_time(), 0);
    let mut lines = vec![format!(
        "*Dry run*: {} nudges are due, each sent in its person's next local window (nothing is sent now).",
        plan.len()
    )];
    lines.extend(lonely_leaders_line(
        "Early warnings",
        lonely,
        min_teams,
        floor,
    ));
    for nudge in plan.iter().take(20) {
        let kind = match nudge.reason.kind() {
            "introduction" => "an introduction".to_owned(),
            kind => format!("a {kind}"),
        };
        let about = format!("<@{}>", nudge.about);
        lines.push(format!(
            "• <@{}>, {kind}: {}",
            nudge.to,
            nudge.reason.explain(
                &about,
                &nudge.about_team,
                |u| format!("<@{u}>"),
                MRKDWN_QUOTING
            )
        ));
    }
    if plan.len() > 20 {
        lines.push(format!("…and {} more.", plan.len() - 20));
    }
    Ok(Reply::text(lines.join("\n")))
}

#[cfg(test)]
mod tests;
