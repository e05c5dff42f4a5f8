//! The leaders' part of the synthetic company's life, planted so that each
//! of the bot's messages for leaders has someone to go to in the demo and
//! in a dry run:
//!
//! - leaders know a few leaders of other teams, and meet them every few
//!   weeks (about one such alliance in four faded months ago): enough for
//!   most to reach three teams, and for circles to prefer those who know
//!   each other least;
//! - the Engineering lead met the Product lead every week or two until a
//!   few weeks ago, longer than the key partnership's cadence, and no tie
//!   of theirs with Product is more recent: their first nudge is the
//!   partnership's;
//! - the lead of the last team (in a company of three teams or more) has
//!   kept to their team for months, and every alliance of theirs has
//!   faded: a lonely leader, for the early warning.
//!
//! The Engineering lead and the lonely leader make no chance first
//! meetings: their stories stay as planted.

use super::{ENGINEERING, PRODUCT, Relationship, SyntheticPerson};
use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::{BTreeSet, HashSet};

/// How many leaders of other teams a leader knows.
const LEADER_ALLIES: usize = 3;

/// What [`plant`] planted beside the relationships.
pub(super) struct Planted {
    /// The people whose story is planted, by index.
    pub(super) people: BTreeSet<usize>,
    /// Meetings that must be in the history, whatever chance does: two
    /// people and the day.
    pub(super) meetings: Vec<(usize, usize, DateTime<Utc>)>,
}

/// Plants the leaders' relationships into `relationships`.
pub(super) fn plant(
    rng: &mut StdRng,
    people: &[SyntheticPerson],
    relationships: &mut Vec<Relationship>,
    start: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Planted {
    let lead_of = |name: &str| {
        people
            .iter()
            .position(|p| p.roles.leads.as_ref().is_some_and(|t| t.as_str() == name))
    };
    let team_count = people
        .iter()
        .map(|p| &p.team)
        .collect::<BTreeSet<_>>()
        .len();
    // The lead of the last team: team `i`'s lead is person `i`.
    let lonely = (team_count >= 3)
        .then(|| team_count - 1)
        .filter(|&i| i < people.len());
    let mut planted = Planted {
        people: BTreeSet::new(),
        meetings: Vec::new(),
    };

    leaders_meet_leaders(rng, people, relationships, start, until, lonely);

    if let (Some(engineering), Some(product)) = (lead_of(ENGINEERING), lead_of(PRODUCT)) {
        // Three to five weeks: past the partnership's two, and the policy's
        // cadence of a close tie may not have noticed yet.
        let quiet_since = until - Duration::days(rng.random_range(21..36));
        let mut known = false;
        for rel in relationships.iter_mut() {
            let Some(other) = other_side(rel, engineering) else {
                continue;
            };
            if other == product {
                // They met every week or two, until a few weeks ago.
                known = true;
                rel.starts = start;
                rel.mean_gap_days = rel.mean_gap_days.min(12.0);
                rel.fades = Some(quiet_since);
            } else if people[other].team.as_str() == PRODUCT {
                rel.fades = Some(rel.fades.map_or(quiet_since, |f| f.min(quiet_since)));
            }
        }
        if !known {
            relationships.push(Relationship {
                a: engineering,
                b: product,
                mean_gap_days: rng.random_range(7.0..12.0),
                starts: start,
                fades: Some(quiet_since),
            });
        }
        // Their last meeting, the day before it went quiet.
        planted
            .meetings
            .push((engineering, product, quiet_since - Duration::days(1)));
        planted.people.insert(engineering);
    }

    if let Some(lonely) = lonely {
        for rel in relationships.iter_mut() {
            let Some(other) = other_side(rel, lonely) else {
                continue;
            };
            if people[other].team != people[lonely].team {
                let faded = until - Duration::days(rng.random_range(70..150));
                rel.fades = Some(rel.fades.map_or(faded, |f| f.min(faded)));
            }
        }
        planted.people.insert(lonely);
    }
    planted
}

/// Each leader but the lonely one knows [`LEADER_ALLIES`] leaders of other
/// teams (fewer when there are not so many), one per team.
fn leaders_meet_leaders(
    rng: &mut StdRng,
    people: &[SyntheticPerson],
    relationships: &mut Vec<Relationship>,
    start: DateTime<Utc>,
    until: DateTime<Utc>,
    lonely: Option<usize>,
) {
    let span_days = (until - start).num_days().max(1);
    let leaders: Vec<usize> = (0..people.len())
        .filter(|&i| people[i].roles.leader && Some(i) != lonely && !people[i].keeps_to_team)
        .collect();
    let mut related: HashSet<(usize, usize)> = relationships
        .iter()
        .map(|r| (r.a.min(r.b), r.a.max(r.b)))
        .collect();
    for &a in &leaders {
        let mut others: Vec<usize> = leaders
            .iter()
            .copied()
            .filter(|&b| people[b].team != people[a].team)
            .collect();
        others.shuffle(rng);
        let mut teams = BTreeSet::new();
        for b in others {
            if teams.len() == LEADER_ALLIES {
                break;
            }
            if !teams.insert(&people[b].team) || !related.insert((a.min(b), a.max(b))) {
                continue;
            }
            let fades = rng
                .random_ratio(1, 4)
                .then(|| until - Duration::days(rng.random_range(70..200.min(span_days).max(71))));
            relationships.push(Relationship {
                a,
                b,
                // Every two or three weeks: a close tie, live at the end.
                mean_gap_days: rng.random_range(10.0..20.0),
                starts: start,
                fades,
            });
        }
    }
}

/// The other person of `rel` when `person` is one of its two.
fn other_side(rel: &Relationship, person: usize) -> Option<usize> {
    match (rel.a == person, rel.b == person) {
        (true, _) => Some(rel.b),
        (_, true) => Some(rel.a),
        _ => None,
    }
}
