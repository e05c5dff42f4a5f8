//! The rules engine: pure functions from a history snapshot, a time and the
//! policy to a plan — which key partnership needs a tie first, whom to
//! remind of whom, whom to introduce to whom, what goes in the digest.
//!
//! No I/O here: no sled, no Slack, no system clock. The scheduler reads a
//! [`Snapshot`] from the store and hands it in, with `now` from the `Clock`.
//! A new rule is a new file.

mod allies;
mod circles;
#[cfg(test)]
mod circles_properties;
mod intros;
#[cfg(test)]
mod leader_properties;
mod lonely_leaders;
mod neglected_peers;
mod network;
mod new_alliances;
mod partnerships;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod reads_properties;
mod recent_nudges;
mod recheck;
mod team_gaps;
mod team_view;

pub use allies::{AlliesAnswer, Ally, Listed, WarmPath, allies_in};
pub use circles::{CircleRound, FormedCircle, circle_eligible, circle_sizes, form_circles};
pub use lonely_leaders::{
    EarlyWarningNow, StepNow, lonely_leaders, plan_early_warnings, recheck_early_warning,
};
pub use neglected_peers::still_due;
pub use network::{insights, team_map};
pub use new_alliances::plan_digest;
pub use partnerships::PartnershipHistory;
pub use recheck::{NudgeNow, Side, Withdrawal, recheck_digest, recheck_nudge};
pub use team_view::{TeamReachLine, TeamView, team_view};

pub use crate::domain::Policy;

use crate::domain::{Nudge, Partnership, Person, SentNudge, ShownTeams, TeamId, Tie, UserId};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Plans this run's nudges: for each person whose window is open, at most
/// one — a key partnership's first, for those it binds without a live tie
/// across it; else a reminder of their most pressing neglected alliance,
/// or, when they have no active alliance, an introduction — in recipient
/// order.
pub fn plan_nudges(snapshot: &Snapshot, now: DateTime<Utc>, policy: &Policy) -> Vec<Nudge> {
    let mut recent = recent_nudges::RecentNudges::at(snapshot, now, policy);
    let mut plan = partnerships::plan_partnership_nudges(snapshot, now, policy, &mut recent);
    let gaps = team_gaps::TeamGaps::at(snapshot, now, policy);
    plan.extend(neglected_peers::plan_reminders(
        snapshot,
        now,
        policy,
        &mut recent,
        &gaps,
    ));
    let reminded: FxHashSet<&UserId> = plan.iter().map(|n| &n.to).collect();
    let intros = intros::plan_intros(snapshot, now, policy, &recent, &gaps, &reminded);
    plan.extend(intros);
    plan.sort_by(|x, y| x.to.cmp(&y.to));
    plan
}

/// The bridges as of `until`: the earliest tie between each pair of teams,
/// keyed by the two teams in name order. `each` is shown every alliance
/// formed by `until`, with the teams of its low and its high person, so a
/// caller counts or keeps them in the same walk through the ties.
fn first_ties_between<'a>(
    snapshot: &'a Snapshot,
    until: DateTime<Utc>,
    mut each: impl FnMut(&'a Tie, &'a TeamId, &'a TeamId),
) -> BTreeMap<(&'a TeamId, &'a TeamId), &'a Tie> {
    let mut first_between: BTreeMap<(&TeamId, &TeamId), &Tie> = BTreeMap::new();
    for tie in snapshot.ties.iter().filter(|t| t.first_at <= until) {
        let Some((low_team, high_team)) = snapshot.alliance_teams(tie) else {
            continue;
        };
        let teams = if low_team <= high_team {
            (low_team, high_team)
        } else {
            (high_team, low_team)
        };
        first_between
            .entry(teams)
            .and_modify(|earliest| keep_earliest(earliest, tie))
            .or_insert(tie);
        each(tie, low_team, high_team);
    }
    first_between
}

/// Keeps in `earliest` the first tie ever formed of the two, `tie` or the
/// one held (by first meeting, then by pair, so the choice is the same
/// whatever the order ties are read in): the bridge between two teams.
fn keep_earliest<'a>(earliest: &mut &'a Tie, tie: &'a Tie) {
    if (tie.first_at, &tie.pair) < (earliest.first_at, &earliest.pair) {
        *earliest = tie;
    }
}

/// What the rules read: the people, the tie index, the recent nudges and
/// the key partnerships the settings name. Aggregated ties, not raw
/// interactions, keep the working set compact.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Everyone the bot knows, by id. Hashed with FxHash, as every map of
    /// the rules: planning looks people up a few times per tie, and SipHash
    /// was half of its instructions. Shared: the store keeps everyone
    /// decoded and lends them (see [`Snapshot::of_shared`]); a rule that
    /// changes someone copies the map first (`Arc::make_mut`).
    pub people: Arc<FxHashMap<UserId, Person>>,
    /// Every tie.
    pub ties: Vec<Tie>,
    /// Nudges sent recently (at least as far back as the longest window the
    /// policy looks at).
    pub recent_nudges: Vec<SentNudge>,
    /// The key partnerships (`[[partnerships]]`), in the settings' order.
    pub partnerships: Vec<Partnership>,
    /// The teams a nudge may give figures of have at least this many
    /// active people (`commands.k_anonymity_floor`); none until it is set
    /// ([`Snapshot::with_floor`]).
    pub k_anonymity_floor: u32,
}

impl Snapshot {
    /// A snapshot of these people, ties and nudges.
    pub fn new(
        people: impl IntoIterator<Item = Person>,
        ties: Vec<Tie>,
        recent_nudges: Vec<SentNudge>,
    ) -> Self {
        Self::of_shared(
            Arc::new(people.into_iter().map(|p| (p.id.clone(), p)).collect()),
            ties,
            recent_nudges,
        )
    }

    /// A snapshot of people the store lends by id (see
    /// `Store::people_by_id`), with these ties and nudges: nobody is
    /// copied.
    pub fn of_shared(
        people: Arc<FxHashMap<UserId, Person>>,
        ties: Vec<Tie>,
        recent_nudges: Vec<SentNudge>,
    ) -> Self {
        Self {
            people,
            ties,
            recent_nudges,
            partnerships: Vec::new(),
            k_anonymity_floor: u32::MAX,
        }
    }

    /// With `floor` as the k-anonymity floor of the figures nudges tell.
    #[must_use]
    pub fn with_floor(self, floor: u32) -> Self {
        Self {
            k_anonymity_floor: floor,
            ..self
        }
    }

    /// The same snapshot, with the key partnerships the settings name.
    #[must_use]
    pub fn with_partnerships(self, partnerships: Vec<Partnership>) -> Self {
        Self {
            partnerships,
            ..self
        }
    }

    /// The team of `user`, if the bot knows the person and their team.
    pub fn team_of(&self, user: &UserId) -> Option<&TeamId> {
        self.people.get(user).and_then(|p| p.team.as_ref())
    }

    /// Whether `user` may be nudged or named: known, not opted out, not deactivated.
    pub fn reachable(&self, user: &UserId) -> bool {
        self.people.get(user).is_some_and(Person::reachable)
    }

    /// Whether `user` may be nudged, or nudged about, at `now`: reachable and
    /// not snoozed.
    pub fn nudgeable_at(&self, user: &UserId, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.people.get(user).is_some_and(|p| p.nudgeable_at(now))
    }

    /// Whether `user` asked never to be nudged about `peer`.
    pub fn paused(&self, user: &UserId, peer: &UserId) -> bool {
        self.people
            .get(user)
            .is_some_and(|p| p.paused.contains(peer))
    }

    /// Whether `user` may be named in public: known and not opted out.
    pub fn nameable(&self, user: &UserId) -> bool {
        self.people.get(user).is_some_and(|p| !p.opted_out)
    }

    /// The teams that may be shown under the k-anonymity `floor`: the one
    /// list every team figure the rules plan is drawn from.
    pub fn shown_teams(&self, floor: u32) -> ShownTeams<'_> {
        ShownTeams::of(self.people.values(), floor)
    }

    /// The two teams of a tie, when they differ: the tie is an alliance.
    pub fn alliance_teams(&self, tie: &Tie) -> Option<(&TeamId, &TeamId)> {
        let low = self.team_of(tie.pair.low())?;
        let high = self.team_of(tie.pair.high())?;
        (low != high).then_some((low, high))
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small company for the rules' tests.

    use super::*;
    use crate::domain::{Interaction, InteractionKind, PairKey};
    use chrono::{DateTime, TimeZone, Utc};

    pub fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    pub fn person(id: &str, team: &str) -> Person {
        Person {
            team: Some(TeamId::parse(team).unwrap()),
            ..Person::new(user(id), id.to_lowercase())
        }
    }

    /// The default policy with a delivery window that never closes, for the
    /// tests that are not about the window.
    pub fn always_open() -> Policy {
        Policy::default().any_time()
    }

    /// `n` people of `team`, with ids `{prefix}1`…`{prefix}n`.
    pub fn members(prefix: &str, team: &str, n: usize) -> Vec<Person> {
        (1..=n)
            .map(|i| person(&format!("{prefix}{i}"), team))
            .collect()
    }

    /// Payments, Platform and Design of five people each (`UPAY1`…,
    /// `UPLA1`…, `UDES1`…); Legal of two (`ULEG1`, `ULEG2`).
    pub fn four_teams() -> Vec<Person> {
        let mut people = members("UPAY", "Payments", 5);
        people.extend(members("UPLA", "Platform", 5));
        people.extend(members("UDES", "Design", 5));
        people.extend(members("ULEG", "Legal", 2));
        people
    }

    /// Six people in four teams; U6 (Legal) has met nobody.
    pub fn company() -> Vec<Person> {
        vec![
            person("U1", "Payments"),
            person("U2", "Platform"),
            person("U3", "Platform"),
            person("U4", "Design"),
            person("U5", "Payments"),
            person("U6", "Legal"),
        ]
    }

    /// The digest of the week of 1 June 2026, in which each pair of
    /// `meetings` first met (on 3 June), with the k-anonymity `floor`.
    pub fn digest_of_week(
        people: Vec<Person>,
        meetings: &[(&str, &str)],
        floor: u32,
    ) -> crate::domain::Digest {
        let since = at(2026, 6, 1);
        let ties = meetings
            .iter()
            .map(|(a, b)| tie(a, b, at(2026, 6, 3), at(2026, 6, 3), 1))
            .collect();
        super::plan_digest(
            &Snapshot::new(people, ties, vec![]),
            since,
            since + chrono::Duration::days(7),
            &crate::domain::DigestPolicy {
                k_anonymity_floor: floor,
            },
        )
    }

    /// A nudge sent to `to` about `about` at `at`, with no reason kept.
    pub fn sent_nudge(to: &str, about: &str, at: DateTime<Utc>) -> SentNudge {
        SentNudge {
            to: user(to),
            about: user(about),
            at,
            reason: None,
            warning_step: false,
        }
    }

    pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    /// A tie of `count` meetings, the first on `first`, the last on `last`.
    pub fn tie(a: &str, b: &str, first: DateTime<Utc>, last: DateTime<Utc>, count: u32) -> Tie {
        let meeting = |when| {
            Interaction::new(
                when,
                InteractionKind::Meeting,
                [user(a), user(b)],
                None,
                Some("coffee".into()),
            )
            .unwrap()
        };
        let half_life = Policy::default().half_life;
        let mut tie = Tie::first(PairKey::new(&user(a), &user(b)).unwrap(), &meeting(first));
        for _ in 1..count.max(2) - 1 {
            tie.record(&meeting(first), half_life);
        }
        if count > 1 {
            tie.record(&meeting(last), half_life);
        }
        tie
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn the_first_tie_between_two_teams_is_the_earliest_formed_by_until_keyed_in_name_order() {
        let ties = vec![
            tie("U3", "U1", at(2026, 3, 1), at(2026, 3, 1), 1), // Payments–Platform, later
            tie("U1", "U2", at(2026, 2, 1), at(2026, 2, 1), 1), // Payments–Platform, first
            tie("U2", "U3", at(2026, 1, 1), at(2026, 1, 1), 1), // same team
            tie("U1", "U4", at(2026, 1, 9), at(2026, 1, 9), 1), // Payments–Design
            tie("U4", "U6", at(2026, 4, 1), at(2026, 4, 1), 1), // Design–Legal, after `until`
        ];
        let snapshot = Snapshot::new(company(), ties, vec![]);
        let mut seen = Vec::new();
        let first = first_ties_between(&snapshot, at(2026, 3, 31), |tie, low, high| {
            seen.push(format!(
                "{}-{} {low}-{high}",
                tie.pair.low(),
                tie.pair.high()
            ));
        });

        assert_eq!(
            seen,
            [
                "U1-U3 Payments-Platform",
                "U1-U2 Payments-Platform",
                "U1-U4 Payments-Design"
            ],
            "every alliance by `until`, with the teams of its low and high person"
        );
        let bridges: Vec<String> = first
            .iter()
            .map(|((low, high), tie)| format!("{low}-{high} {}", tie.first_at.date_naive()))
            .collect();
        assert_eq!(
            bridges,
            ["Design-Payments 2026-01-09", "Payments-Platform 2026-02-01"]
        );
    }
}
