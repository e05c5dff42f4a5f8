//! Key partnerships: two teams that must stay joined (Engineering and
//! Product), with a tighter cadence than the policy's, and whom each binds.
//!
//! The settings name them (`[[partnerships]]`); the rules raise a missing
//! or fading partnership tie before anything else, and the digest and the
//! insights page say how each partnership stands, team-level only.

use super::{Person, TeamId, Tie};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Two teams that must stay joined, and how tightly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    first: TeamId,
    second: TeamId,
    cadence_days: u32,
    binds: Binds,
}

/// Whom a partnership asks to keep a live tie with the other team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binds {
    /// Everyone who leads either team.
    #[default]
    Leads,
    /// Everyone who leads either team, and every member of the first.
    Everyone,
}

impl Binds {
    /// Whom a partnership binds, in words for a report or a message;
    /// `first` is its first team's name as the caller writes it (escaped
    /// for Slack or HTML). With `count`, the words name how many, as in a
    /// figure ("7 of 9 leads"): "9 leads", "40 people in Engineering and
    /// the leads of both teams"; without, who they are: "the leads of
    /// both teams", "everyone in Engineering and the leads of both teams".
    pub fn whom(self, first: &str, count: Option<usize>) -> String {
        match (self, count) {
            (Self::Leads, None) => "the leads of both teams".to_owned(),
            (Self::Leads, Some(n)) => super::plural(n, "lead", "leads"),
            (Self::Everyone, None) => {
                format!("everyone in {first} and the leads of both teams")
            }
            (Self::Everyone, Some(n)) => format!(
                "{} in {first} and the leads of both teams",
                super::plural(n, "person", "people")
            ),
        }
    }
}

impl Partnership {
    /// The days a partnership tie may stay quiet when none is said: two
    /// weeks, the rhythm of a product and an engineering team that plan
    /// together.
    pub const DEFAULT_CADENCE_DAYS: u32 = 14;

    /// The partnership of `first` and `second`, whose ties may stay quiet
    /// `cadence_days`; `None` for a team with itself or a cadence of 0.
    pub fn new(first: TeamId, second: TeamId, cadence_days: u32, binds: Binds) -> Option<Self> {
        (first != second && cadence_days >= 1).then_some(Self {
            first,
            second,
            cadence_days,
            binds,
        })
    }

    /// The two teams, as the settings name them; with [`Binds::Everyone`],
    /// the first is the one whose members are all bound.
    pub fn teams(&self) -> (&TeamId, &TeamId) {
        (&self.first, &self.second)
    }

    /// How long a partnership tie may stay quiet and still be live.
    pub fn cadence_days(&self) -> u32 {
        self.cadence_days
    }

    /// Whether it binds the leads of both teams only, or every member of
    /// the first team too: the words of its figures follow.
    pub fn binds(&self) -> Binds {
        self.binds
    }

    /// The side of the partnership `person` is bound to keep joined to the
    /// other, as `(own, other)`, or `None` when it does not bind them. It
    /// binds only people the bot may speak to (see [`Person::reachable`]):
    /// whoever leads either team, and with [`Binds::Everyone`] every member
    /// of the first. Someone who leads both sides stands on the side of the
    /// team they are in, else on the first.
    pub fn side_of(&self, person: &Person) -> Option<(&TeamId, &TeamId)> {
        if !person.reachable() {
            return None;
        }
        let (first, second) = (&self.first, &self.second);
        let in_first = person.team.as_ref() == Some(first);
        let in_second = person.team.as_ref() == Some(second);
        let leads_first = person.leads_team(first);
        let leads_second = person.leads_team(second);
        let bound_in_first = leads_first || (self.binds == Binds::Everyone && in_first);
        if bound_in_first && !in_second {
            Some((first, second))
        } else if leads_second {
            Some((second, first))
        } else {
            // A member of the second team who leads the first: their own
            // team is the second, their partnership ties are with the first.
            bound_in_first.then_some((second, first))
        }
    }

    /// Whether `tie` is live for this partnership at `now`: quiet no longer
    /// than the partnership's own cadence, not the policy's.
    pub fn live(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        !tie.quiet_longer_than(self.cadence_days, now)
    }

    /// "Engineering ↔ Product", for reports; messages quote the names.
    pub fn name(&self) -> String {
        format!("{} ↔ {}", self.first, self.second)
    }
}

/// How a partnership stands at one moment, for the digest: of the people
/// it binds, how many have a live partnership tie. Only planned when both
/// teams may be shown and the people bound are at least the k-anonymity
/// floor, so it never speaks of a handful of people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipStanding {
    /// The two teams, as the settings name them.
    pub teams: (TeamId, TeamId),
    /// The leads only, or the first team's members too: the words of the
    /// figure follow ([`Binds::whom`]).
    pub binds: Binds,
    /// The people it binds who have a live partnership tie…
    pub live: usize,
    /// …out of all the people it binds.
    pub bound: usize,
}

/// A partnership's health week by week, for the insights page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnershipHealth {
    /// The two teams, as the settings name them.
    pub teams: (TeamId, TeamId),
    /// The leads only, or the first team's members too: the row's words
    /// follow ([`Binds::whom`]).
    pub binds: Binds,
    /// Its cadence, in days.
    pub cadence_days: u32,
    /// One entry a week, oldest first.
    pub weeks: Vec<PartnershipWeek>,
}

/// One week of a partnership's health: at the week's end (or now, for the
/// week under way), how many of the people it binds had a live
/// partnership tie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipWeek {
    /// The Monday the week starts on.
    pub monday: chrono::NaiveDate,
    /// `(live, bound)`, or `None` when the figure is held back: a team
    /// under the k-anonymity floor, or fewer people bound than the floor.
    pub live_of_bound: Option<(usize, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn member(id: &str, of: &str) -> Person {
        Person {
            team: Some(team(of)),
            ..Person::new(UserId::parse(id).unwrap(), id)
        }
    }

    fn engineering_and_product(binds: Binds) -> Partnership {
        Partnership::new(team("Engineering"), team("Product"), 14, binds).unwrap()
    }

    fn side(partnership: &Partnership, person: &Person) -> Option<String> {
        partnership
            .side_of(person)
            .map(|(own, other)| format!("{own}→{other}"))
    }

    #[test]
    fn a_partnership_joins_two_different_teams_at_a_cadence_of_a_day_or_more() {
        assert!(Partnership::new(team("Sales"), team("Sales"), 14, Binds::Leads).is_none());
        assert!(Partnership::new(team("Sales"), team("Legal"), 0, Binds::Leads).is_none());
        let joined = Partnership::new(team("Sales"), team("Legal"), 1, Binds::Leads).unwrap();
        assert_eq!(joined.name(), "Sales ↔ Legal");
    }

    #[test]
    fn it_binds_the_leads_of_either_team_and_with_everyone_the_first_team() {
        let leads = engineering_and_product(Binds::Leads);
        let everyone = engineering_and_product(Binds::Everyone);
        let engineer = member("U1", "Engineering");
        let mut eng_lead = member("U2", "Engineering");
        eng_lead.roles.leads = Some(team("Engineering"));
        let mut product_leader = member("U3", "Product");
        product_leader.roles.leader = true;
        let product_manager = member("U4", "Product");

        assert_eq!(side(&leads, &engineer), None);
        assert_eq!(side(&everyone, &engineer).unwrap(), "Engineering→Product");
        assert_eq!(side(&leads, &eng_lead).unwrap(), "Engineering→Product");
        assert_eq!(
            side(&leads, &product_leader).unwrap(),
            "Product→Engineering"
        );
        assert_eq!(side(&everyone, &product_manager), None);

        let mut design_lead_of_product = member("U5", "Design");
        design_lead_of_product.roles.leads = Some(team("Product"));
        assert_eq!(
            side(&leads, &design_lead_of_product).unwrap(),
            "Product→Engineering"
        );
        let mut product_member_leads_engineering = member("U6", "Product");
        product_member_leads_engineering.roles.leads = Some(team("Engineering"));
        assert_eq!(
            side(&leads, &product_member_leads_engineering).unwrap(),
            "Product→Engineering",
            "they stand in the team they are in"
        );
    }

    #[test]
    fn whom_a_partnership_binds_is_said_with_or_without_a_count() {
        assert_eq!(
            Binds::Leads.whom("Engineering", None),
            "the leads of both teams"
        );
        assert_eq!(Binds::Leads.whom("Engineering", Some(1)), "1 lead");
        assert_eq!(
            Binds::Everyone.whom("Engineering", None),
            "everyone in Engineering and the leads of both teams"
        );
        assert_eq!(
            Binds::Everyone.whom("Engineering", Some(40)),
            "40 people in Engineering and the leads of both teams"
        );
    }

    #[test]
    fn nobody_opted_out_or_deactivated_is_bound() {
        let everyone = engineering_and_product(Binds::Everyone);
        let mut opted_out = member("U1", "Engineering");
        opted_out.opted_out = true;
        let mut gone = member("U2", "Engineering");
        gone.deactivated = true;
        assert_eq!(side(&everyone, &opted_out), None);
        assert_eq!(side(&everyone, &gone), None);
    }
}
