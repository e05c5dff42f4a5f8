//! *A lead's view* (`/alliances team`): how far a team reaches across the
//! company, for the lead who coaches it.
//!
//! Aggregated only, and only where the k-anonymity floor allows: nothing
//! at all for a team under the floor (a figure about it is a figure about
//! its few people), and for each other team at or above it, the team's
//! live and fading alliances with it; the shown teams it has none with;
//! and how many smaller teams were left out, never what was counted with
//! them. Nobody is named. Deactivated people count for nothing, as they do
//! for the floor. The key partnerships the team is in are counted as the
//! digest counts them (see [`super::partnerships`]), under the same rules.

use super::{Policy, Snapshot};
use crate::domain::{PartnershipStanding, TeamId};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A team's reach, as its lead sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamView {
    /// The lead's team.
    pub team: TeamId,
    /// Each shown team it has alliances with, the most live first.
    pub reach: Vec<TeamReachLine>,
    /// The shown teams it has no alliance with, in name order.
    pub without: Vec<TeamId>,
    /// How many teams under the floor were left out.
    pub smaller_teams: usize,
    /// How each key partnership the team is in stands, as the digest says
    /// it: only those whose figure the digest may give, in the settings'
    /// order.
    pub partnerships: Vec<PartnershipStanding>,
}

/// The alliances between the lead's team and one other team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamReachLine {
    /// The other team.
    pub team: TeamId,
    /// Alliances within their cadence.
    pub live: usize,
    /// Alliances past it: worth reviving.
    pub fading: usize,
}

/// The reach of `team` at `now`, or `None` when `team` is under the
/// k-anonymity `floor` and nothing may be said of it.
pub fn team_view(
    snapshot: &Snapshot,
    team: &TeamId,
    now: DateTime<Utc>,
    policy: &Policy,
    floor: u32,
) -> Option<TeamView> {
    let shown = snapshot.shown_teams(floor);
    if !shown.shows(team) {
        return None;
    }
    let active_team = |user| {
        snapshot
            .people
            .get(user)
            .filter(|p| !p.deactivated)
            .and_then(|p| p.team.as_ref())
    };
    let mut counts: BTreeMap<&TeamId, (usize, usize)> = BTreeMap::new();
    for tie in &snapshot.ties {
        let (Some(low), Some(high)) = (active_team(tie.pair.low()), active_team(tie.pair.high()))
        else {
            continue;
        };
        let other = match (low == team, high == team) {
            (true, false) => high,
            (false, true) => low,
            _ => continue,
        };
        if !shown.shows(other) {
            continue;
        }
        let (live, fading) = counts.entry(other).or_default();
        if policy.live(tie, now) {
            *live += 1;
        } else {
            *fading += 1;
        }
    }
    let mut reach: Vec<TeamReachLine> = counts
        .iter()
        .map(|(other, (live, fading))| TeamReachLine {
            team: (*other).clone(),
            live: *live,
            fading: *fading,
        })
        .collect();
    reach.sort_by(|x, y| y.live.cmp(&x.live).then_with(|| x.team.cmp(&y.team)));
    let without = shown
        .shown()
        .into_iter()
        .filter(|other| *other != team && !counts.contains_key(other))
        .cloned()
        .collect();
    let partnerships = super::partnerships::standings(snapshot, now, &shown, floor)
        .into_iter()
        .filter(|standing| standing.teams.0 == *team || standing.teams.1 == *team)
        .collect();
    Some(TeamView {
        team: team.clone(),
        reach,
        without,
        smaller_teams: shown.held_back(),
        partnerships,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    #[test]
    fn a_team_sees_its_live_and_fading_alliances_per_shown_team_and_the_teams_it_lacks() {
        let now = at(2026, 6, 1);
        let days = |n| now - chrono::Duration::days(n);
        let ties = vec![
            tie("UPAY1", "UPLA1", days(100), days(5), 3),
            tie("UPAY2", "UPLA2", days(100), days(10), 3),
            tie("UPAY3", "UPLA3", days(300), days(200), 3), // fading
            tie("UPAY1", "ULEG1", days(100), days(5), 3),   // Legal: under the floor
            tie("UPLA1", "UDES1", days(100), days(5), 3),   // not Payments'
        ];
        let snapshot = Snapshot::new(four_teams(), ties, vec![]);
        let view = team_view(&snapshot, &team("Payments"), now, &Policy::default(), 5).unwrap();
        assert_eq!(
            view.reach,
            [TeamReachLine {
                team: team("Platform"),
                live: 2,
                fading: 1
            }]
        );
        assert_eq!(view.without, [team("Design")]);
        assert_eq!(view.smaller_teams, 1);
    }

    #[test]
    fn the_partnerships_the_team_is_in_stand_as_the_digest_counts_them_and_only_above_the_floor() {
        use crate::domain::{Binds, Partnership};
        let now = at(2026, 6, 1);
        let days = |n| now - chrono::Duration::days(n);
        let everyone =
            |a: &str, b: &str| Partnership::new(team(a), team(b), 14, Binds::Everyone).unwrap();
        let partnerships = vec![
            everyone("Payments", "Platform"),
            everyone("Design", "Platform"), // not Payments'
            everyone("Legal", "Payments"),  // Legal is under the floor
        ];
        let ties = vec![
            tie("UPAY1", "UPLA1", days(100), days(5), 3),  // live
            tie("UPAY2", "UPLA2", days(100), days(30), 3), // fading for the partnership
        ];
        let snapshot =
            Snapshot::new(four_teams(), ties, vec![]).with_partnerships(partnerships.clone());
        let view = team_view(&snapshot, &team("Payments"), now, &Policy::default(), 5).unwrap();
        let digest =
            super::super::partnerships::standings(&snapshot, now, &snapshot.shown_teams(5), 5);
        assert_eq!(view.partnerships, digest[..1], "the digest's own figure");
        assert_eq!(
            (view.partnerships[0].live, view.partnerships[0].bound),
            (1, 5)
        );

        let platform = team_view(&snapshot, &team("Platform"), now, &Policy::default(), 5);
        assert_eq!(platform.unwrap().partnerships, digest);
        let low_floor = team_view(&snapshot, &team("Payments"), now, &Policy::default(), 2);
        assert_eq!(
            low_floor.unwrap().partnerships.len(),
            2,
            "Legal's two people are enough under a floor of two"
        );
    }

    #[test]
    fn a_team_under_the_floor_gets_no_view_at_all() {
        let snapshot = Snapshot::new(four_teams(), vec![], vec![]);
        let now = at(2026, 6, 1);
        assert_eq!(
            team_view(&snapshot, &team("Legal"), now, &Policy::default(), 5),
            None
        );
        assert!(team_view(&snapshot, &team("Legal"), now, &Policy::default(), 2).is_some());
    }
}
