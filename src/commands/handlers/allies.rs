//! `/alliances allies Sales [Marketing …]`: for an initiative, the asker's
//! live alliances in those teams, the fading ones worth reviving, and warm
//! paths in (see [`crate::rules::allies_in`]), answered to them alone.
//!
//! Anyone may ask. The team names are read against the teams someone
//! still works in (a typo gets the closest one suggested); team names are
//! escaped for Slack, as they are everywhere. Into a team under the
//! k-anonymity floor no warm path is offered, and the answer says so in a
//! sentence.

use super::{Context, HandlerError, user_error};
use crate::commands::{Reply, TeamNamesError, read_team_names};
use crate::domain::{ShownTeams, TeamId, ago, days_ago, in_a_sentence, plural, times, zone_of};
use crate::rules::{AlliesAnswer, Listed, Snapshot, allies_in};
use crate::slack::{mrkdwn_text, unescape_mrkdwn};
use std::sync::Arc;

/// How many of each list the answer names; the rest are counted. Five is
/// what a person can act on this week.
const LISTED: usize = 5;

/// How many of the workspace's teams an answer to an unknown team lists.
const TEAMS_LISTED: usize = 12;

const EXAMPLE: &str = "/alliances allies Sales Marketing";

/// Answers `allies` with `typed`, the team names as typed.
pub(super) async fn allies(context: &Context<'_>, typed: &str) -> Result<Reply, HandlerError> {
    let people = context.store.people_by_id().await?;
    // One count of everyone, for both: the names typed are read against
    // every team someone still works in, and warm paths lead only into
    // the teams shown under the floor.
    let shown = ShownTeams::of(people.values(), context.settings.commands.k_anonymity_floor);
    let known: Vec<TeamId> = shown.every_team().cloned().collect();
    let teams = read_team_names(typed, &known).map_err(|err| refusal(err, typed, &known))?;
    let me = people.get(context.user).cloned();
    // Allies are across teams: a tie within the asker's own is no alliance.
    let own = me.as_ref().and_then(|p| p.team.clone());
    let (own, teams): (Vec<TeamId>, Vec<TeamId>) = teams
        .into_iter()
        .partition(|team| Some(team) == own.as_ref());
    let own_left_out = own.first().map(|team| {
        format!(
            "{} is your own team: allies for an initiative are in the other teams it needs.",
            mrkdwn_text(team.as_str())
        )
    });
    if teams.is_empty() {
        let said = own_left_out.unwrap_or_default();
        return Ok(Reply::text(format!(
            "{said} Name the others, as in `{EXAMPLE}`."
        )));
    }
    // The asker's ties and those of the people they know are all the rule
    // reads of the tie index: read by key, not by a scan of every tie.
    let around = context.store.ties_around(context.user).await?;
    let snapshot = Snapshot::of_shared(Arc::clone(&people), around, Vec::new());
    let answer = allies_in(
        &snapshot,
        context.user,
        &teams,
        context.now,
        &context.settings.rules,
        &shown,
        LISTED,
    );
    let tz = zone_of(me.as_ref());
    let names = in_words(&teams);
    let team_of = |ally: &crate::rules::Ally| mrkdwn_text(ally.team.as_str()).into_owned();
    let mut lines = vec![format!("*Your allies for {names}*")];
    let held_back = held_back(&answer.no_warm_paths_into, context);
    if answer_is_empty(&answer) {
        let nobody = if held_back.is_none() {
            ", and nobody you know well works with them"
        } else {
            ""
        };
        lines.push(format!(
            "You have no alliances in {names} yet{nobody}. \
             A coffee with someone there is a fine start — `/met @name coffee` logs it, and I'll keep track from there."
        ));
        lines.extend(held_back);
        lines.extend(own_left_out);
        return Ok(Reply::text(lines.join("\n")));
    }
    // A list under its heading, each ally with when they last met.
    let mut list = |heading: &str, allies: &Listed<crate::rules::Ally>, met: &str| {
        if allies.is_empty() {
            return;
        }
        lines.push(heading.to_owned());
        for ally in &allies.shown {
            lines.push(format!(
                "• <@{}> ({}): {met} {}, {} in all",
                ally.peer,
                team_of(ally),
                ago(days_ago(ally.last_met, context.now, tz)),
                times(ally.times_met)
            ));
        }
        lines.extend(more(allies));
    };
    list("On your side now, strongest first:", &answer.live, "met");
    list("Worth reviving:", &answer.fading, "last met");
    if !answer.warm_paths.is_empty() {
        lines.push("Warm paths — people you know well who work with them:".to_owned());
        for path in &answer.warm_paths.shown {
            let team = path
                .via_team
                .as_ref()
                .map(|t| format!(" ({})", mrkdwn_text(t.as_str())))
                .unwrap_or_default();
            lines.push(format!(
                "• <@{}>{team} works with people in {}",
                path.via,
                in_words(&path.into)
            ));
        }
        lines.extend(more(&answer.warm_paths));
    }
    if answer.live.is_empty() && answer.fading.is_empty() {
        lines.push(format!(
            "You have no alliance in {names} yet: one of the people above could introduce you."
        ));
    }
    lines.extend(held_back);
    lines.extend(own_left_out);
    Ok(Reply::text(lines.join("\n")))
}

/// The sentence that says into which teams asked about no warm path is
/// offered, and why: they are under the k-anonymity floor.
fn held_back(small: &[TeamId], context: &Context<'_>) -> Option<String> {
    let floor = context.settings.commands.k_anonymity_floor;
    let which = match small {
        [] => return None,
        [_] => "it has",
        _ => "each has",
    };
    Some(format!(
        "I point to no warm paths into {}: {which} fewer than {floor} active people, \
         and a path into a team that small would single someone out.",
        in_words(small)
    ))
}

fn answer_is_empty(answer: &AlliesAnswer) -> bool {
    answer.live.is_empty() && answer.fading.is_empty() && answer.warm_paths.is_empty()
}

/// "…and 3 more." under a list that was cut.
fn more<T>(list: &Listed<T>) -> Option<String> {
    (list.more > 0).then(|| format!("…and {} more.", list.more))
}

/// Team names in words, escaped: "Sales", "Sales and Marketing",
/// "Sales, Legal and Marketing".
fn in_words(teams: &[TeamId]) -> String {
    let names: Vec<String> = teams
        .iter()
        .map(|t| mrkdwn_text(t.as_str()).into_owned())
        .collect();
    in_a_sentence(&names)
}

/// The sentence for team names that could not be read, with an example
/// that would have worked.
fn refusal(err: TeamNamesError, typed: &str, known: &[TeamId]) -> HandlerError {
    match err {
        TeamNamesError::Missing => user_error(
            "Which teams does your initiative need? Name one or more.",
            EXAMPLE,
        ),
        TeamNamesError::TooMany => user_error(
            format!(
                "That is more teams than one answer can hold; name at most {}.",
                crate::commands::MAX_TEAMS_ASKED
            ),
            EXAMPLE,
        ),
        TeamNamesError::Unknown {
            typed: word,
            suggestion: Some(team),
        } => {
            let fixed = unescape_mrkdwn(typed).replacen(&word, team.as_str(), 1);
            user_error(
                format!(
                    "I don't know a team called `{}`. Did you mean {}?",
                    mrkdwn_text(&word),
                    mrkdwn_text(team.as_str())
                ),
                &format!("/alliances allies {}", mrkdwn_text(&fixed)),
            )
        }
        TeamNamesError::Unknown {
            typed: word,
            suggestion: None,
        } => {
            let listed: Vec<String> = known
                .iter()
                .take(TEAMS_LISTED)
                .map(|t| mrkdwn_text(t.as_str()).into_owned())
                .collect();
            let others = known.len().saturating_sub(TEAMS_LISTED);
            let tail = match others {
                0 => String::new(),
                n => format!(" and {}", plural(n, "other", "others")),
            };
            let example = known.first().map_or(EXAMPLE.to_owned(), |t| {
                format!("/alliances allies {}", mrkdwn_text(t.as_str()))
            });
            let problem = if listed.is_empty() {
                format!(
                    "I don't know a team called `{}`: I know of no teams yet.",
                    mrkdwn_text(&word)
                )
            } else {
                format!(
                    "I don't know a team called `{}`. The teams I know: {}{tail}.",
                    mrkdwn_text(&word),
                    listed.join(", ")
                )
            };
            user_error(problem, &example)
        }
    }
}
