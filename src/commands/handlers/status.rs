//! `/alliances status`: your alliances, overdue first, and your settings;
//! for admins, how delivery stands (queued and failed messages).

use super::{Context, HandlerError};
use crate::commands::Reply;
use crate::domain::{FAILED_KEPT_DAYS, OutboxState, Person, Tie, UserId, days_ago, times};
use crate::slack::mrkdwn_text;
use chrono::Duration;
use std::collections::BTreeMap;

const STATUS_LIMIT: usize = 10;

/// At most this many failed messages are described one by one.
const FAILED_LISTED: usize = 3;

pub(super) async fn status(context: &Context<'_>) -> Result<Reply, HandlerError> {
    let me = context.me().await?;
    let people: BTreeMap<UserId, Person> = context
        .store
        .people()
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let my_team = me.as_ref().and_then(|m| m.team.clone());
    let policy = &context.settings.rules;
    let mut alliances: Vec<(&Person, Tie)> = context
        .store
        .ties_of(context.user)
        .await?
        .into_iter()
        .filter_map(|tie| {
            let peer = people.get(tie.pair.other(context.user)?)?;
            let other_team = peer.team.is_some() && peer.team != my_team;
            (other_team && !peer.opted_out && !peer.deactivated).then_some((peer, tie))
        })
        .collect();
    if alliances.is_empty() {
        let mut lines = vec![
            "You have no alliances yet — ties with people in other teams. Met someone? `/met @alice coffee` logs it."
                .to_owned(),
        ];
        if context.is_admin() {
            lines.extend(delivery(context, &people).await?);
        }
        return Ok(Reply::text(lines.join("\n")));
    }
    // Overdue first, the longest-quiet at the top; then the freshest.
    alliances.sort_by_key(|(peer, tie)| {
        let overdue = policy.overdue(tie, context.now);
        (
            !overdue,
            if overdue {
                tie.last_at.timestamp()
            } else {
                -tie.last_at.timestamp()
            },
            peer.id.clone(),
        )
    });
    let mut lines = vec![format!("*Your alliances* ({}):", alliances.len())];
    let tz = crate::domain::zone_of(me.as_ref());
    for (peer, tie) in alliances.iter().take(STATUS_LIMIT) {
        let days = days_ago(tie.last_at, context.now, tz);
        let team = mrkdwn_text(peer.team.as_ref().map(|t| t.as_str()).unwrap_or_default());
        let mark = if policy.overdue(tie, context.now) {
            " — time to catch up?"
        } else {
            ""
        };
        lines.push(format!(
            "• <@{}> ({team}): last met {days} days ago, {} in all{mark}",
            peer.id,
            times(tie.count)
        ));
    }
    if alliances.len() > STATUS_LIMIT {
        lines.push(format!("…and {} more.", alliances.len() - STATUS_LIMIT));
    }
    if let Some(me) = &me {
        if let Some(until) = me.snoozed_until.filter(|until| *until > context.now) {
            lines.push(format!(
                ":zzz: Snoozed until {}.",
                until.format("%a %-d %b")
            ));
        }
        if me.opted_out {
            lines.push("You're opted out: no nudges, and nobody sees your name.".to_owned());
        } else if me.shoutouts {
            lines.push(
                ":raised_hands: Shout-outs are on: the digest may thank you by name.".to_owned(),
            );
        }
        if !me.paused.is_empty() {
            let paused: Vec<String> = me.paused.iter().map(|id| format!("<@{id}>")).collect();
            lines.push(format!("Never nudged about: {}.", paused.join(", ")));
        }
    }
    if context.is_admin() {
        lines.extend(delivery(context, &people).await?);
    }
    Ok(Reply::text(lines.join("\n")))
}

/// How delivery stands, for admins: what waits in the outbox, and what was
/// given up on lately, with why. A failed reminder names its recipient
/// while they have not opted out or left, so that an admin can look into
/// why their DMs fail; nothing names whom it was about.
async fn delivery(
    context: &Context<'_>,
    people: &BTreeMap<UserId, Person>,
) -> Result<Vec<String>, HandlerError> {
    let outbox = context.store.outbox().await?;
    let queued = outbox.iter().filter(|item| item.is_pending()).count();
    let since = context.now - Duration::days(FAILED_KEPT_DAYS);
    let failed: Vec<_> = outbox
        .iter()
        .filter_map(|item| match &item.state {
            OutboxState::Failed { at, error } if *at >= since => Some((item, at, error)),
            _ => None,
        })
        .collect();
    let mut lines = vec![format!(
        "*Delivery* (admins only): {queued} queued, {} failed in the last {FAILED_KEPT_DAYS} days.",
        failed.len()
    )];
    for (item, at, error) in failed.iter().rev().take(FAILED_LISTED) {
        lines.push(format!(
            "• {}, given up on {} after {}: {}",
            item.outgoing
                .describe(|id| people.get(id).is_some_and(Person::reachable)),
            at.format("%a %-d %b %H:%M UTC"),
            crate::domain::plural(item.attempts as usize, "attempt", "attempts"),
            // Slack's words, or an error's: not the bot's mrkdwn.
            mrkdwn_text(error)
        ));
    }
    Ok(lines)
}
