//! `/met @a [@b …] [when] [note]`: log a meeting, and say what it changed.

use super::people::{Resolver, may_be_logged_with};
use super::{Context, HandlerError, user_error};
use crate::commands::limits::Counted;
use crate::commands::{Mention, MetRequest, Reply, SlashText, parse_met};
use crate::domain::{Interaction, InteractionKind, PairKey, Person, TeamId, UserId, in_a_sentence};
use crate::slack::{mrkdwn_text, quoted_from_slack};
use crate::store::Logged;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::collections::BTreeSet;

const EXAMPLE: &str = "/met @alice yesterday coffee about the roadmap";

/// Logs the meeting in `text` for the person in `context`, once per
/// `delivery_key` (Slack's `trigger_id`), and answers what it changed once
/// the meeting is on disk.
///
/// `/met` is the write people make most, so it awaits the store's shared
/// write and flush ([`Store::log_once_and_commit`]) rather than writing and
/// asking for a commit as the other handlers do.
///
/// [`Store::log_once_and_commit`]: crate::store::Store::log_once_and_commit
pub async fn handle_met(context: &Context<'_>, text: &str, delivery_key: &str) -> Reply {
    met(context, text, delivery_key)
        .await
        .unwrap_or_else(HandlerError::into_reply)
}

/// What a meeting changed: told once it is logged.
#[derive(Debug, Default)]
struct Changes {
    /// People of other teams met for the first time, with their team.
    new_alliances: Vec<(Person, TeamId)>,
    /// Teams tied for the first time, with the logger's team.
    bridges: BTreeSet<(TeamId, TeamId)>,
}

/// What a meeting may change, read before it is logged: the people of
/// other teams in it, and which teams the logger's team was tied to before
/// it (read after, they would include this meeting's own).
#[derive(Debug, Default)]
struct Candidates {
    /// The logger's team.
    my_team: Option<TeamId>,
    /// The people of other teams met, with their team.
    across: Vec<(Person, TeamId)>,
    /// The teams the logger's team was tied to, when anyone is in another.
    tied_teams: BTreeSet<TeamId>,
}

async fn met(context: &Context<'_>, text: &str, delivery_key: &str) -> Result<Reply, HandlerError> {
    // Decide.
    let request: MetRequest = parse_met(&SlashText::parse(text)?)?;
    let most = context.settings.commands.met_max_people.get() as usize;
    let named = request
        .people
        .iter()
        .filter(|mention| !matches!(mention, Mention::Id(id) if id == context.user))
        .count();
    if named > most {
        return Err(user_error(
            format!(
                "That's {named} people: I log a meeting with at most {most} others at a time. For a larger meeting, log the people you spoke with most."
            ),
            EXAMPLE,
        ));
    }
    let me = context.me().await?;
    let mut resolver = Resolver::new(context.store);
    let mut others = Vec::new();
    for mention in &request.people {
        let person = resolver.resolve(mention, EXAMPLE).await?;
        if &person.id != context.user && !others.iter().any(|o: &Person| o.id == person.id) {
            may_be_logged_with(&person, EXAMPLE)?;
            others.push(person);
        }
    }
    if others.is_empty() {
        return Err(user_error(
            "Meeting yourself counts as a good think, not a meeting. Name the people you met.",
            EXAMPLE,
        ));
    }
    let today = context.today(me.as_ref());
    let date = request.when.resolve(today);
    if date > today {
        return Err(user_error(
            format!(
                "{} is still to come: log a meeting once it has happened.",
                date.format("%a %-d %b")
            ),
            EXAMPLE,
        ));
    }
    let window = context.settings.commands.history_window_days.get();
    if today - date > Duration::days(i64::from(window)) {
        return Err(user_error(
            format!(
                "{} is more than {window} days ago, further back than I keep history.",
                date.format("%-d %b %Y")
            ),
            EXAMPLE,
        ));
    }
    let at = instant_of(context, me.as_ref(), date, today);
    let participants = others
        .iter()
        .map(|p| p.id.clone())
        .chain([context.user.clone()]);
    let interaction = Interaction::new(
        at,
        InteractionKind::Meeting,
        participants,
        Some(context.user.clone()),
        request.note.clone(),
    )
    .ok_or_else(|| user_error("Name at least one other person.", EXAMPLE))?;
    let candidates = candidates_of(context, me.as_ref(), &others).await?;
    context
        .limits
        .take(context.user, Counted::Met, context.now)
        .map_err(|refused| user_error(refused.sentence("meetings", context.now), EXAMPLE))?;

    // Do. The person is told it is logged, either way, so it must survive
    // a crash first: this returns once the meeting is on disk (for a
    // repeat, once the first delivery's is), sharing the transaction and
    // the flush with the other requests waiting at the same moment.
    let logged = context
        .store
        .log_once_and_commit(
            &format!("met:{delivery_key}"),
            Some(&content_of(context.user, &interaction, date)),
            &interaction,
        )
        .await?;
    let Some(logged) = logged else {
        return Ok(Reply::text(
            "That meeting is already logged: nothing changed.",
        ));
    };
    let changes = changes_of(context.user, candidates, &logged);

    Ok(Reply::text(answer(
        &others,
        date,
        today,
        request.note.as_deref(),
        &changes,
    )))
}

/// What makes two `/met`s the same meeting typed twice: who logged it,
/// with whom, on which day, about what. A second one within a few minutes
/// (after an answer that said it may not have been saved, say) is a repeat
/// whatever its trigger id.
fn content_of(logger: &UserId, interaction: &Interaction, date: NaiveDate) -> String {
    let people: Vec<&str> = interaction
        .participants
        .iter()
        .map(UserId::as_str)
        .collect();
    format!(
        "met|{logger}|{}|{date}|{}",
        people.join(","),
        interaction.note.as_deref().unwrap_or_default()
    )
}

/// When the meeting happened: now for today; midday, local time, otherwise.
fn instant_of(
    context: &Context<'_>,
    me: Option<&Person>,
    date: NaiveDate,
    today: NaiveDate,
) -> DateTime<Utc> {
    if date == today {
        return context.now;
    }
    let tz = crate::domain::zone_of(me);
    date.and_hms_opt(12, 0, 0)
        .and_then(|noon| tz.from_local_datetime(&noon).earliest())
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or(context.now)
}

/// Who in `others` is in another team than the logger, and, if anyone
/// is, which teams the logger's team is tied to now: from the store's
/// team-pair index, not a scan of every person and tie.
async fn candidates_of(
    context: &Context<'_>,
    me: Option<&Person>,
    others: &[Person],
) -> Result<Candidates, HandlerError> {
    let Some(my_team) = me.and_then(|m| m.team.clone()) else {
        return Ok(Candidates::default());
    };
    let across: Vec<(Person, TeamId)> = others
        .iter()
        .filter_map(|other| {
            let team = other.team.clone().filter(|t| *t != my_team)?;
            Some((other.clone(), team))
        })
        .collect();
    let tied_teams = match across.is_empty() {
        true => BTreeSet::new(),
        false => context.store.teams_tied_to(&my_team).await?,
    };
    Ok(Candidates {
        my_team: Some(my_team),
        across,
        tied_teams,
    })
}

/// What the meeting `logged` changed: a new alliance with each person of
/// another team whose tie it formed (the write says which, so two
/// replicas logging the same pair's first meeting at once do not both
/// call it new), and a bridge where their team was not tied to the
/// logger's before.
fn changes_of(logger: &UserId, candidates: Candidates, logged: &Logged) -> Changes {
    let mut changes = Changes::default();
    let Some(my_team) = candidates.my_team else {
        return changes;
    };
    for (other, their_team) in candidates.across {
        let formed =
            PairKey::new(logger, &other.id).is_some_and(|pair| logged.new_ties.contains(&pair));
        if !formed {
            continue;
        }
        if !candidates.tied_teams.contains(&their_team) {
            changes
                .bridges
                .insert((my_team.clone(), their_team.clone()));
        }
        changes.new_alliances.push((other, their_team));
    }
    changes
}

fn answer(
    others: &[Person],
    date: NaiveDate,
    today: NaiveDate,
    note: Option<&str>,
    changes: &Changes,
) -> String {
    let names: Vec<String> = others
        .iter()
        .map(|p| match &p.team {
            Some(team) => format!("<@{}> ({})", p.id, mrkdwn_text(team.as_str())),
            None => format!("<@{}>", p.id),
        })
        .collect();
    let day = match (today - date).num_days() {
        0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        _ => format!("on {}", date.format("%a %-d %b")),
    };
    let mut text = format!(
        ":white_check_mark: Logged: you met {} {day}",
        in_a_sentence(&names)
    );
    if let Some(note) = note {
        text.push_str(&format!(" — {}", quoted_from_slack(note)));
    }
    text.push('.');
    if !changes.new_alliances.is_empty() {
        let teams: BTreeSet<&str> = changes
            .new_alliances
            .iter()
            .map(|(_, t)| t.as_str())
            .collect();
        let teams: Vec<String> = teams
            .into_iter()
            .map(|team| mrkdwn_text(team).into_owned())
            .collect();
        let alliances = if changes.new_alliances.len() == 1 {
            "a new alliance"
        } else {
            "new alliances"
        };
        text.push_str(&format!(
            " That's {alliances} with {}! :handshake:",
            in_a_sentence(&teams)
        ));
    }
    for (mine, theirs) in &changes.bridges {
        text.push_str(&format!(
            " And the first bridge ever between {} and {}. :bridge_at_night:",
            mrkdwn_text(mine.as_str()),
            mrkdwn_text(theirs.as_str())
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ties_the_write_formed_are_new_and_only_untied_teams_are_bridges() {
        let team = |name: &str| TeamId::parse(name).unwrap();
        let id = |id: &str| UserId::parse(id).unwrap();
        let in_team = |who: &str, name: &str| {
            let mut person = Person::new(id(who), who);
            person.team = Some(team(name));
            person
        };
        let candidates = || Candidates {
            my_team: Some(team("Payments")),
            across: vec![
                (in_team("U2", "Platform"), team("Platform")),
                (in_team("U3", "Design"), team("Design")),
                (in_team("U4", "Sales"), team("Sales")),
            ],
            tied_teams: [team("Platform")].into(),
        };
        // The write formed the ties with U2 and U3; U4's tie was there
        // (formed meanwhile on another replica, say).
        let logged = Logged {
            id: 7,
            new_ties: [("U1", "U2"), ("U1", "U3")]
                .iter()
                .map(|(a, b)| PairKey::new(&id(a), &id(b)).unwrap())
                .collect(),
        };
        let changes = changes_of(&id("U1"), candidates(), &logged);
        let new: Vec<&str> = changes
            .new_alliances
            .iter()
            .map(|(p, _)| p.id.as_str())
            .collect();
        assert_eq!(new, ["U2", "U3"]);
        assert_eq!(changes.bridges, [(team("Payments"), team("Design"))].into());
        // A repeat of a meeting formed nothing.
        let nothing = Logged {
            id: 8,
            new_ties: vec![],
        };
        let changes = changes_of(&id("U1"), candidates(), &nothing);
        assert!(changes.new_alliances.is_empty() && changes.bridges.is_empty());
    }

    #[test]
    fn the_answer_escapes_team_names_and_shows_the_note_as_typed_with_nothing_live() {
        let team = |name: &str| TeamId::parse(name).unwrap();
        let mut bob = Person::new(UserId::parse("U2").unwrap(), "Bob");
        bob.team = Some(team("<!channel> & Co"));
        let changes = Changes {
            new_alliances: vec![(bob.clone(), team("<!channel> & Co"))],
            bridges: [(team("Platform"), team("<!channel> & Co"))].into(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        // The note as Slack sends it: `@here` made live, a typed `&` escaped.
        let text = answer(
            &[bob],
            today,
            today,
            Some("coffee about <!here> &amp; cake"),
            &changes,
        );
        insta::assert_snapshot!(text, @":white_check_mark: Logged: you met <@U2> (&lt;!channel&gt; &amp; Co) today — coffee about &lt;!here&gt; &amp; cake. That's a new alliance with &lt;!channel&gt; &amp; Co! :handshake: And the first bridge ever between Platform and &lt;!channel&gt; &amp; Co. :bridge_at_night:");
    }
}
