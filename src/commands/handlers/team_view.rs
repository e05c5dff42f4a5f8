//! `/alliances team`: a lead's view of their team's reach, for coaching
//! (see [`crate::rules::team_view`]), answered to them alone.
//!
//! Only someone who leads a team gets it: the team they are the lead of,
//! or, for one of the company's leaders, the team they are in. Aggregated
//! only, and only for teams at or above the k-anonymity floor: nobody in
//! the team, or anywhere else, is named. The key partnerships the team is
//! in get the digest's line each, under the digest's floor rules.

use super::{Context, HandlerError};
use crate::commands::Reply;
use crate::domain::{Person, TeamId, plural};
use crate::rules::{Snapshot, team_view};
use crate::slack::{mrkdwn_text, partnership_standing_line};

/// Answers `team` for the person in `context`.
pub(super) async fn team(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let me = context.me().await?;
    let Some(team) = me.as_ref().and_then(led_team) else {
        return Ok(Reply::text(
            "`/alliances team` shows a team's lead how far their team reaches across the company, \
             and I don't have you down as leading a team. Leads are set by your admins: in the \
             teams file (a team's `leads`) or a Slack user group per team (`leaders.lead_usergroups`). \
             `/alliances status` shows your own alliances, and `/alliances stats` every team's.",
        ));
    };
    let floor = context.settings.commands.k_anonymity_floor;
    let snapshot = Snapshot::of_shared(
        context.store.people_by_id().await?,
        context.store.ties().await?,
        Vec::new(),
    )
    .with_partnerships(context.settings.partnerships.clone());
    let name = mrkdwn_text(team.as_str()).into_owned();
    let Some(view) = team_view(
        &snapshot,
        &team,
        context.now,
        &context.settings.rules,
        floor,
    ) else {
        return Ok(Reply::text(format!(
            "{name} has fewer than {floor} active people, and I give figures only for teams of at \
             least {floor}, so that nobody in a small team can be singled out. `/alliances status` \
             shows your own alliances."
        )));
    };
    let mut lines = vec![format!("*How far {name} reaches*")];
    if view.reach.is_empty() {
        lines.push(format!(
            "{name} has no alliance yet with any team I can show."
        ));
    }
    for line in &view.reach {
        let fading = match line.fading {
            0 => String::new(),
            n => format!(", {n} fading"),
        };
        lines.push(format!(
            "• {}: {}{fading}",
            mrkdwn_text(line.team.as_str()),
            plural(line.live, "live alliance", "live alliances")
        ));
    }
    if !view.without.is_empty() {
        let teams: Vec<String> = view
            .without
            .iter()
            .map(|t| mrkdwn_text(t.as_str()).into_owned())
            .collect();
        lines.push(format!(
            "No alliance yet with {}: a good place for someone in {name} to start.",
            teams.join(", ")
        ));
    }
    // The digest's own line for each key partnership the team is in, so a
    // lead reads the same figure the channel does.
    if !view.partnerships.is_empty() {
        lines.push("*Key partnerships*".to_owned());
        lines.extend(
            view.partnerships
                .iter()
                .map(|standing| format!("• {}", partnership_standing_line(standing))),
        );
    }
    if view.smaller_teams > 0 {
        lines.push(format!(
            "({} under {floor} people left out, so nobody can be singled out.)",
            plural(view.smaller_teams, "team", "teams")
        ));
    }
    Ok(Reply::text(lines.join("\n")))
}

/// The team `person` leads: the one they are the lead of, or the one they
/// are in as one of the company's leaders.
fn led_team(person: &Person) -> Option<TeamId> {
    person
        .roles
        .leads
        .clone()
        .or_else(|| person.team.clone().filter(|team| person.leads_team(team)))
}
