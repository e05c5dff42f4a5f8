//! *New alliances*: what the digest celebrates.
//!
//! A new alliance is the first interaction ever between two people of
//! different teams; a bridge is the first ever between two teams. People who
//! opted out are counted, never named. Two parts have their own files: who
//! is thanked by name ([`bridge_builders`]) and which teams' figures may be
//! shown ([`team_figures`]).

mod bridge_builders;
mod team_figures;

use super::team_sizes::TeamSizes;
use super::{Snapshot, first_ties_between};
use crate::domain::{Bridge, Digest, DigestPolicy, NewAlliance, TeamId, Tie};
use chrono::{DateTime, Utc};

/// A new alliance of the period, whether or not its two people may be named.
struct Formed<'a> {
    tie: &'a Tie,
    /// The team of `tie.pair.low()`.
    low_team: &'a TeamId,
    /// The team of `tie.pair.high()`.
    high_team: &'a TeamId,
}

/// Plans the digest of the period `(since, until]`.
pub fn plan_digest(
    snapshot: &Snapshot,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    policy: &DigestPolicy,
) -> Digest {
    let in_period = |at: DateTime<Utc>| since < at && at <= until;
    let mut formed = Vec::new();
    let first_between = first_ties_between(snapshot, until, |tie, low_team, high_team| {
        if in_period(tie.first_at) {
            formed.push(Formed {
                tie,
                low_team,
                high_team,
            });
        }
    });

    let mut new_alliances: Vec<NewAlliance> = formed
        .iter()
        .filter(|f| named_pair(snapshot, f.tie))
        .map(|f| NewAlliance {
            a: (f.tie.pair.low().clone(), f.low_team.clone()),
            b: (f.tie.pair.high().clone(), f.high_team.clone()),
            at: f.tie.first_at,
        })
        .collect();
    new_alliances.sort_by(|x, y| (x.at, &x.a.0, &x.b.0).cmp(&(y.at, &y.a.0, &y.b.0)));

    let bridges = first_between
        .iter()
        .filter(|(_, tie)| in_period(tie.first_at))
        .map(|((low, high), tie)| Bridge {
            teams: ((*low).clone(), (*high).clone()),
            builders: named_pair(snapshot, tie)
                .then(|| (tie.pair.low().clone(), tie.pair.high().clone())),
            at: tie.first_at,
        })
        .collect();

    let sizes = TeamSizes::of(snapshot, policy.k_anonymity_floor);
    let (team_figures, small_teams_held_back) = team_figures::per_team(&formed, &sizes);
    let unconnected_team_pairs = sizes
        .pairs_above_floor()
        .into_iter()
        .filter(|(low, high)| !first_between.contains_key(&(low, high)))
        .collect();

    Digest {
        since,
        until,
        unnamed_new_alliances: formed.len() - new_alliances.len(),
        new_alliances,
        bridges,
        unconnected_team_pairs,
        bridge_builders: bridge_builders::most_new_alliances(snapshot, &formed),
        team_figures,
        small_teams_held_back,
    }
}

fn named_pair(snapshot: &Snapshot, tie: &Tie) -> bool {
    snapshot.nameable(tie.pair.low()) && snapshot.nameable(tie.pair.high())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;
    use chrono::Duration;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    /// Every team's figures shown, however small: for the tests that are
    /// not about the floor.
    const NO_FLOOR: DigestPolicy = DigestPolicy {
        k_anonymity_floor: 1,
    };

    #[test]
    fn first_meetings_across_teams_in_the_period_are_new_alliances() {
        let since = at(2026, 6, 1);
        let until = since + Duration::days(7);
        let ties = vec![
            tie("U1", "U2", at(2026, 1, 1), at(2026, 6, 3), 5), // old alliance, met again
            tie("U1", "U3", at(2026, 6, 2), at(2026, 6, 2), 1), // new, but Payments-Platform is not new
            tie("U2", "U3", at(2026, 6, 2), at(2026, 6, 2), 1), // same team
            tie("U4", "U5", at(2026, 6, 4), at(2026, 6, 4), 1), // new, and the first Design-Payments tie
            tie("U4", "U6", at(2026, 6, 9), at(2026, 6, 9), 1), // after the period
        ];
        let digest = plan_digest(
            &Snapshot::new(company(), ties, vec![]),
            since,
            until,
            &NO_FLOOR,
        );
        let pairs: Vec<_> = digest
            .new_alliances
            .iter()
            .map(|n| format!("{}-{}", n.a.0, n.b.0))
            .collect();
        assert_eq!(pairs, ["U1-U3", "U4-U5"]);
        assert_eq!(digest.unnamed_new_alliances, 0);
        assert_eq!(digest.bridges.len(), 1);
        assert_eq!(digest.bridges[0].teams, (team("Design"), team("Payments")));
        assert_eq!(digest.bridges[0].builders, Some((user("U4"), user("U5"))));
        // Design-Platform, Legal with everyone: still unconnected as of `until`.
        let unconnected: Vec<_> = digest
            .unconnected_team_pairs
            .iter()
            .map(|(a, b)| format!("{a}-{b}"))
            .collect();
        assert_eq!(
            unconnected,
            [
                "Design-Legal",
                "Design-Platform",
                "Legal-Payments",
                "Legal-Platform"
            ]
        );
    }

    #[test]
    fn people_who_opted_out_are_counted_but_never_named() {
        let since = at(2026, 6, 1);
        let mut people = company();
        people[3].opted_out = true; // U4
        let ties = vec![tie("U4", "U5", at(2026, 6, 4), at(2026, 6, 4), 1)];
        let digest = plan_digest(
            &Snapshot::new(people, ties, vec![]),
            since,
            since + Duration::days(7),
            &NO_FLOOR,
        );
        assert!(digest.new_alliances.is_empty());
        assert_eq!(digest.unnamed_new_alliances, 1);
        assert_eq!(digest.bridges[0].builders, None);
        assert!(!digest.is_quiet());
    }

    #[test]
    fn a_period_without_first_meetings_is_quiet() {
        let since = at(2026, 6, 1);
        let ties = vec![tie("U1", "U2", at(2026, 1, 1), at(2026, 6, 3), 5)];
        let digest = plan_digest(
            &Snapshot::new(company(), ties, vec![]),
            since,
            since + Duration::days(7),
            &NO_FLOOR,
        );
        assert!(digest.is_quiet());
    }
}
