//! *New alliances*: what the digest celebrates.
//!
//! A new alliance is the first interaction ever between two people of
//! different teams; a bridge is the first ever between two teams. People who
//! opted out are counted, never named. Two parts have their own files: who
//! is thanked by name ([`bridge_builders`]) and which teams' figures may be
//! shown ([`team_figures`]).

mod bridge_builders;
mod team_figures;

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

/// Plans the digest of the period `(since, until]`. Every team in it is one
/// [`Snapshot::shown_teams`] shows: a person in a smaller team is named
/// without their team, and a bridge to a smaller team is not told at all.
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
    let shown = snapshot.shown_teams(policy.k_anonymity_floor);

    let mut new_alliances: Vec<NewAlliance> = formed
        .iter()
        .filter(|f| named_pair(snapshot, f.tie))
        .map(|f| NewAlliance {
            a: (f.tie.pair.low().clone(), shown.label(f.low_team)),
            b: (f.tie.pair.high().clone(), shown.label(f.high_team)),
            at: f.tie.first_at,
        })
        .collect();
    new_alliances.sort_by(|x, y| (x.at, &x.a.0, &x.b.0).cmp(&(y.at, &y.a.0, &y.b.0)));

    // A bridge to a team under the floor is left out, not counted apart:
    // "and 1 bridge with a smaller team" would, in a company with one small
    // team (or where the channel knows which small team had never met
    // anyone), say that one of its one or two people met someone outside it
    // for the first time, and that person may have opted out. Its alliance
    // is still in the period's company-wide total of new alliances, which
    // spans every team and so points at nobody.
    let bridges = first_between
        .iter()
        .filter(|((low, high), tie)| {
            in_period(tie.first_at) && shown.shows(low) && shown.shows(high)
        })
        .map(|((low, high), tie)| Bridge {
            teams: ((*low).clone(), (*high).clone()),
            builders: named_pair(snapshot, tie)
                .then(|| (tie.pair.low().clone(), tie.pair.high().clone())),
            at: tie.first_at,
        })
        .collect();

    let (team_figures, small_teams_held_back) = team_figures::per_team(&formed, &shown);
    let unconnected_team_pairs = shown
        .pairs()
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
        bridge_builders: bridge_builders::most_new_alliances(snapshot, &formed, &shown),
        team_figures,
        small_teams_held_back,
        partnerships: super::partnerships::standings(
            snapshot,
            until,
            &shown,
            policy.k_anonymity_floor,
        ),
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
    fn a_first_bridge_between_a_team_of_two_and_a_team_of_six_is_not_named() {
        let mut people = members("ULEG", "Legal", 2);
        people.extend(members("UPAY", "Payments", 6));
        let digest = digest_of_week(people, &[("ULEG1", "UPAY1")], 5);

        // "A first bridge between Legal and Payments" would tell the channel
        // that one of Legal's two people met someone in Payments.
        assert!(digest.bridges.is_empty(), "{:?}", digest.bridges);
        // The alliance itself is still celebrated: its two people by name,
        // Legal left unsaid.
        assert_eq!(digest.new_alliances.len(), 1);
        assert_eq!(digest.new_alliances[0].a, (user("ULEG1"), None));
        assert_eq!(
            digest.new_alliances[0].b,
            (user("UPAY1"), Some(team("Payments")))
        );
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
