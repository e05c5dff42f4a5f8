//! A synthetic company, generated from a seed: people in teams with time
//! zones, and months of meetings between them — some alliances strong, some
//! fading, a few people opted out. The demo, the tests and the benchmarks
//! use it; the same seed always gives the same company.

mod leadership;
mod names;

use crate::domain::{
    Binds, Interaction, InteractionKind, Partnership, Person, Roles, TeamId, UserId,
};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeSet;

/// How big a company to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompanySize {
    /// How many people.
    pub people: usize,
    /// How many teams.
    pub teams: usize,
    /// How many days of history before `until`.
    pub days: i64,
}

/// One person of the synthetic company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPerson {
    /// Their Slack id.
    pub id: UserId,
    /// Their Slack handle.
    pub handle: String,
    /// Their full name.
    pub real_name: String,
    /// The team they are drawn into, one of the company's `teams`.
    pub team: TeamId,
    /// Their IANA time zone.
    pub tz: String,
    /// Whether they have opted out of the bot.
    pub opted_out: bool,
    /// Whether they keep to their own team (a newcomer, or a specialist
    /// heads-down): nobody outside it meets them until a nudge does.
    pub keeps_to_team: bool,
    /// Whether they sit with the company's leaders, and which team they
    /// lead: the teams file says so (`leaders`, each team's `leads`).
    pub roles: Roles,
}

impl SyntheticPerson {
    /// The person the store keeps of them, as the people sync would record
    /// them: their team, time zone, choice and roles, and nothing chosen
    /// in the bot yet.
    pub fn to_person(&self) -> Person {
        Person {
            team: Some(self.team.clone()),
            tz: Some(self.tz.clone()),
            opted_out: self.opted_out,
            roles: self.roles.clone(),
            ..Person::new(self.id.clone(), self.real_name.clone())
        }
    }
}

/// A relationship the generator drives: how often the two meet, and from
/// when they stop (a fading tie).
#[derive(Debug, Clone, PartialEq)]
struct Relationship {
    a: usize,
    b: usize,
    mean_gap_days: f64,
    starts: DateTime<Utc>,
    fades: Option<DateTime<Utc>>,
}

/// The synthetic company: people, teams and history.
#[derive(Debug, Clone)]
pub struct Company {
    /// The company's name.
    pub name: String,
    /// Its teams, in the order the generator named them.
    pub teams: Vec<TeamId>,
    /// Its people, by id.
    pub people: Vec<SyntheticPerson>,
    /// Its history, oldest first.
    pub history: Vec<Interaction>,
    relationships: Vec<Relationship>,
    /// The people whose story the generator plants (see `leadership`): no
    /// chance first meeting changes it.
    planted: BTreeSet<usize>,
}

const COMPANY_NAMES: &[&str] = &[
    "Fernhill Labs",
    "Northwind Works",
    "Bluebird Systems",
    "Calder & Finch",
    "Tidewater Co",
];
/// The teams, first to last: every company with two teams or more has
/// [`ENGINEERING`] and [`PRODUCT`], the key partnership it plants.
const TEAM_NAMES: &[&str] = &[
    ENGINEERING,
    PRODUCT,
    "Sales",
    "Marketing",
    "Design",
    "Data",
    "Payments",
    "Support",
    "Legal",
    "Security",
];
/// The first team of the company's key partnership.
pub const ENGINEERING: &str = "Engineering";
/// The second team of the company's key partnership.
pub const PRODUCT: &str = "Product";
const TIME_ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Singapore",
];
const NOTES: &[&str] = &[
    "coffee about the roadmap",
    "lunch",
    "pairing on the release",
    "1:1 on hiring",
    "incident review",
    "walk and talk about onboarding",
    "planning the offsite",
    "demo of the new dashboard",
    "chat about career growth",
    "design critique",
];

impl Company {
    /// Generates a company of `size` whose history ends just before `until`.
    #[expect(
        clippy::expect_used,
        reason = "team names and ids come from the generator's own constants, which its tests cover"
    )]
    pub fn generate(seed: u64, size: CompanySize, until: DateTime<Utc>) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let name = COMPANY_NAMES[(seed as usize) % COMPANY_NAMES.len()].to_owned();
        let team_count = size.teams.clamp(1, TEAM_NAMES.len());
        let teams: Vec<TeamId> = TEAM_NAMES[..team_count]
            .iter()
            .map(|name| TeamId::parse(name).expect("team names are valid"))
            .collect();
        let team_tz: Vec<&str> = (0..team_count)
            .map(|i| TIME_ZONES[(i + seed as usize) % TIME_ZONES.len()])
            .collect();

        let names = names::unique_names(&mut rng, size.people);
        let mut people = Vec::with_capacity(size.people);
        for (i, real_name) in names.into_iter().enumerate() {
            let team = i % team_count;
            let handle = real_name.to_lowercase().replace(' ', ".");
            people.push(SyntheticPerson {
                id: UserId::parse(&format!("U{:08}", 1001 + i)).expect("generated ids are valid"),
                handle,
                real_name,
                team: teams[team].clone(),
                tz: team_tz[team].to_owned(),
                // About one in fifteen people keep to themselves.
                opted_out: rng.random_ratio(1, 15),
                // About one in twelve: someone for the rules to introduce.
                keeps_to_team: rng.random_ratio(1, 12),
                roles: Roles::default(),
            });
        }
        appoint_leaders(&mut rng, &mut people, &teams);

        let start = until - Duration::days(size.days);
        let mut relationships = relationships(&mut rng, &people, start, until);
        let leadership::Planted {
            people: planted,
            meetings: planted_meetings,
        } = leadership::plant(&mut rng, &people, &mut relationships, start, until);
        let mut company = Self {
            name,
            teams,
            people,
            history: Vec::new(),
            relationships,
            planted,
        };
        let mut day = start;
        while day < until {
            let meetings = company.meetings_on(&mut rng, day);
            company.history.extend(meetings);
            day += Duration::days(1);
        }
        for (a, b, day) in planted_meetings
            .into_iter()
            .filter(|m| (start..until).contains(&m.2))
        {
            let (a, b) = (&company.people[a].id, &company.people[b].id);
            company.history.extend(meeting(&mut rng, a, b, day));
        }
        company.history.sort_by_key(|meeting| meeting.at);
        company
    }

    /// The teams file of this company (see `config/teams.example.toml`):
    /// its teams, their leads, and the company's leaders.
    pub fn teams_file(&self) -> String {
        let quoted = |people: &mut dyn Iterator<Item = &SyntheticPerson>| {
            people
                .map(|p| format!("\"{}\"", p.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let leaders = quoted(&mut self.people.iter().filter(|p| p.roles.leader));
        let mut text = format!(
            "# Teams of {}, generated.\n\n# The company's leaders.\nleaders = [{leaders}]\n",
            self.name
        );
        for team in &self.teams {
            let members = quoted(&mut self.people.iter().filter(|p| &p.team == team));
            let leads = quoted(
                &mut self
                    .people
                    .iter()
                    .filter(|p| p.roles.leads.as_ref() == Some(team)),
            );
            text.push_str(&format!(
                "\n[[team]]\nname = \"{team}\"\nmembers = [{members}]\nleads = [{leads}]\n"
            ));
        }
        text
    }

    /// The company's key partnerships: Engineering ↔ Product, binding both
    /// teams' leads at the default cadence, when the company has both.
    pub fn partnerships(&self) -> Vec<Partnership> {
        let [Some(engineering), Some(product)] =
            [ENGINEERING, PRODUCT].map(|name| self.teams.iter().find(|t| t.as_str() == name))
        else {
            return Vec::new();
        };
        Partnership::new(
            engineering.clone(),
            product.clone(),
            Partnership::DEFAULT_CADENCE_DAYS,
            Binds::Leads,
        )
        .into_iter()
        .collect()
    }

    /// [`Company::partnerships`] as a settings file writes them (see
    /// `config/alliances.example.toml`), for `alliances seed` to print.
    pub fn partnerships_settings(&self) -> String {
        self.partnerships()
            .iter()
            .map(|p| {
                let (first, second) = p.teams();
                format!(
                    "[[partnerships]]\nteams = [\"{first}\", \"{second}\"]\ncadence_days = {}\n",
                    p.cadence_days()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A day of the company's life: the meetings its relationships produce
    /// on `day`, and now and then a first meeting across teams. Weekends are
    /// quiet. `rng` drives the chance; the same sequence gives the same days.
    pub fn meetings_on(&mut self, rng: &mut StdRng, day: DateTime<Utc>) -> Vec<Interaction> {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            return Vec::new();
        }
        let mut meetings = Vec::new();
        for rel in &self.relationships {
            let active = rel.starts <= day && rel.fades.is_none_or(|fades| day < fades);
            if active && rng.random_bool((1.0 / rel.mean_gap_days).min(1.0)) {
                let (a, b) = (&self.people[rel.a].id, &self.people[rel.b].id);
                meetings.extend(meeting(rng, a, b, day));
            }
        }
        // A new alliance forms somewhere about twice a week.
        if self.people.len() >= 2 && rng.random_ratio(2, 5) {
            let a = rng.random_range(0..self.people.len());
            let b = rng.random_range(0..self.people.len());
            let known = self
                .relationships
                .iter()
                .any(|r| (r.a, r.b) == (a, b) || (r.a, r.b) == (b, a));
            let outgoing = !self.people[a].keeps_to_team
                && !self.people[b].keeps_to_team
                && !self.planted.contains(&a)
                && !self.planted.contains(&b);
            if self.people[a].team != self.people[b].team && outgoing && !known {
                meetings.extend(meeting(rng, &self.people[a].id, &self.people[b].id, day));
                self.relationships.push(Relationship {
                    a,
                    b,
                    mean_gap_days: rng.random_range(20.0..45.0),
                    starts: day + Duration::days(1),
                    fades: None,
                });
            }
        }
        meetings.sort_by_key(|m| m.at);
        meetings
    }
}

/// The company's leaders: the first person of each team leads it and sits
/// with the company's leaders, reachable and outgoing as leading asks; in
/// about half the teams a second person is a leader too (and keeps the
/// choices drawn for them, so a leader may have opted out).
fn appoint_leaders(rng: &mut StdRng, people: &mut [SyntheticPerson], teams: &[TeamId]) {
    for (index, team) in teams.iter().enumerate() {
        if let Some(lead) = people.get_mut(index) {
            lead.roles = Roles {
                leader: true,
                leads: Some(team.clone()),
            };
            lead.opted_out = false;
            lead.keeps_to_team = false;
        }
        let second = rng.random_bool(0.5);
        if let Some(leader) = people.get_mut(index + teams.len())
            && second
        {
            leader.roles.leader = true;
        }
    }
}

/// Every relationship of the company: colleagues in a team meet often;
/// each person has a few allies in other teams, and about a third of those
/// alliances faded some months ago. People who keep to their team have no
/// allies of their own and are nobody else's.
fn relationships(
    rng: &mut StdRng,
    people: &[SyntheticPerson],
    start: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Relationship> {
    let span_days = (until - start).num_days().max(1);
    let mut relationships = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add = |rels: &mut Vec<Relationship>, a: usize, b: usize, rel: Relationship| {
        if a != b && seen.insert((a.min(b), a.max(b))) {
            rels.push(rel);
        }
    };
    // People by team, once: a scan of everyone per person is quadratic.
    let mut by_team: std::collections::HashMap<&TeamId, Vec<usize>> =
        std::collections::HashMap::new();
    for (index, person) in people.iter().enumerate() {
        by_team.entry(&person.team).or_default().push(index);
    }
    for (a, person) in people.iter().enumerate() {
        let colleagues: Vec<usize> = by_team
            .get(&person.team)
            .map(|team| team.iter().copied().filter(|&b| b != a).collect())
            .unwrap_or_default();
        let others = if person.keeps_to_team {
            Vec::new()
        } else {
            others_for(rng, people, a, 3)
        };
        for &b in colleagues.sample(rng, 3) {
            let rel = Relationship {
                a,
                b,
                mean_gap_days: rng.random_range(7.0..15.0),
                starts: start,
                fades: None,
            };
            add(&mut relationships, a, b, rel);
        }
        let allies = rng.random_range(1..=3);
        for &b in others.iter().take(allies) {
            let starts = start + Duration::days(rng.random_range(0..(span_days / 3).max(1)));
            // A fading alliance stops between 70 and 200 days before `until`,
            // so it is overdue against the default 60-day cadence.
            let fades = rng
                .random_ratio(2, 5)
                .then(|| until - Duration::days(rng.random_range(70..200.min(span_days).max(71))));
            let rel = Relationship {
                a,
                b,
                mean_gap_days: rng.random_range(14.0..35.0),
                starts,
                fades,
            };
            add(&mut relationships, a, b, rel);
        }
    }
    relationships
}

/// Up to `count` different people outside `a`'s team, drawn at random: a
/// draw that lands in the team is drawn again, a bounded number of times
/// (a company of one team has nobody outside it).
fn others_for(rng: &mut StdRng, people: &[SyntheticPerson], a: usize, count: usize) -> Vec<usize> {
    let mut others: Vec<usize> = Vec::with_capacity(count);
    for _ in 0..count * 20 {
        if others.len() == count {
            break;
        }
        let b = rng.random_range(0..people.len());
        if people[b].team != people[a].team && !people[b].keeps_to_team && !others.contains(&b) {
            others.push(b);
        }
    }
    others
}

/// A meeting of `a` and `b` at a working hour of `day`, perhaps with a
/// note, as the company's days hold and as the demo's people log when a
/// nudge moves them to reach out; none if `a` and `b` are one person.
pub fn meeting(
    rng: &mut StdRng,
    a: &UserId,
    b: &UserId,
    day: DateTime<Utc>,
) -> Option<Interaction> {
    let at = Utc
        .with_ymd_and_hms(
            day.year(),
            day.month(),
            day.day(),
            rng.random_range(8..17),
            rng.random_range(0..4) * 15,
            0,
        )
        .single()
        .unwrap_or(day);
    let note = rng
        .random_bool(0.6)
        .then(|| NOTES.choose(rng).unwrap_or(&"coffee").to_string());
    let logged_by = if rng.random_bool(0.5) { a } else { b };
    Interaction::new(
        at,
        InteractionKind::Meeting,
        [a.clone(), b.clone()],
        Some(logged_by.clone()),
        note,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn until() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
    }

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn size() -> CompanySize {
        CompanySize {
            people: 60,
            teams: 7,
            days: 270,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_company() {
        let a = Company::generate(7, size(), until());
        let b = Company::generate(7, size(), until());
        assert_eq!(a.people, b.people);
        assert_eq!(a.history, b.history);
        let c = Company::generate(8, size(), until());
        assert_ne!(a.history, c.history);
    }

    #[test]
    fn a_company_has_teams_history_fading_ties_and_some_opted_out_people() {
        let company = Company::generate(7, size(), until());
        assert_eq!(company.teams.len(), 7);
        assert_eq!(company.people.len(), 60);
        assert!(
            company.history.len() > 1000,
            "{} interactions",
            company.history.len()
        );
        assert!(company.history.iter().all(|i| i.at < until()));
        assert!(company.people.iter().any(|p| p.opted_out));
        assert!(company.relationships.iter().any(|r| r.fades.is_some()));
        let ids: BTreeSet<_> = company.people.iter().map(|p| &p.id).collect();
        assert_eq!(ids.len(), 60);
        let names: BTreeSet<_> = company.people.iter().map(|p| &p.real_name).collect();
        assert_eq!(names.len(), 60, "everyone has a name of their own");
    }

    #[test]
    fn the_teams_file_lists_everyone_once_with_the_leaders_and_each_team_s_lead() {
        let company = Company::generate(7, size(), until());
        let roster = crate::config::Roster::parse(&company.teams_file()).unwrap();
        for person in &company.people {
            assert_eq!(roster.team_of(&person.id, "nobody"), Some(&person.team));
            assert_eq!(roster.roles_of(&person.id, "nobody"), person.roles);
        }
        for team in &company.teams {
            let leads: Vec<_> = company
                .people
                .iter()
                .filter(|p| p.roles.leads.as_ref() == Some(team))
                .collect();
            assert_eq!(leads.len(), 1, "one lead in {team}");
            assert!(leads[0].roles.leader && !leads[0].opted_out);
            let leaders = company
                .people
                .iter()
                .filter(|p| p.roles.leader && &p.team == team)
                .count();
            assert!((1..=2).contains(&leaders), "{leaders} leaders in {team}");
        }
    }

    #[test]
    fn engineering_and_product_are_the_key_partnership_of_a_company_with_both() {
        let company = Company::generate(7, size(), until());
        assert_eq!(&company.teams[..2], &[team(ENGINEERING), team(PRODUCT)]);
        let partnerships = company.partnerships();
        assert_eq!(partnerships.len(), 1);
        assert_eq!(partnerships[0].name(), "Engineering ↔ Product");
        let written = company.partnerships_settings();
        assert_eq!(
            written,
            "[[partnerships]]\nteams = [\"Engineering\", \"Product\"]\ncadence_days = 14\n"
        );
        let one_team = Company::generate(7, CompanySize { teams: 1, ..size() }, until());
        assert!(one_team.partnerships().is_empty());
        assert_eq!(one_team.partnerships_settings(), "");
    }

    #[test]
    fn the_engineering_lead_last_met_product_weeks_ago_and_one_leader_is_lonely() {
        let company = Company::generate(7, size(), until());
        let last_met = |who: usize, with: &dyn Fn(&SyntheticPerson) -> bool| {
            company
                .history
                .iter()
                .filter(|i| i.participants.contains(&company.people[who].id))
                .filter(|i| {
                    i.participants.iter().any(|p| {
                        *p != company.people[who].id
                            && company.people.iter().any(|q| &q.id == p && with(q))
                    })
                })
                .map(|i| i.at)
                .max()
        };
        // Person 0 leads Engineering; the last of the seven teams' leads is 6.
        let product = last_met(0, &|p| p.team.as_str() == PRODUCT).unwrap();
        let quiet = (until() - product).num_days();
        assert!((21..60).contains(&quiet), "quiet for {quiet} days");
        let lonely = &company.people[6];
        assert!(lonely.roles.leads.is_some());
        let outside = last_met(6, &|p| p.team != lonely.team).unwrap();
        assert!((until() - outside).num_days() >= 70, "{outside}");
        let others = last_met(1, &|p| p.team != company.people[1].team).unwrap();
        assert!((until() - others).num_days() < 30, "{others}");
    }
}
