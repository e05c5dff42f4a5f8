//! Property tests of the k-anonymity floor across everything that shows
//! teams to people: over random companies with small teams, people who
//! opted out, leaders, leads and key partnerships, no digest (its
//! partnership lines included), `/alliances stats` reply (with the admins'
//! count of leaders short of alliances), lead's `/alliances team` reply,
//! insights page (its partnership table and leaders count included) or
//! team-map picture ever names a team under the floor or a person who
//! opted out, and no figure counts fewer people than the floor.
//!
//! Two namings are not figures and are allowed: the insights page lists
//! every partnership the settings name, and one with a team under the floor
//! gets a row of dashes and no number; a lead of a team under the floor is
//! told that their own team is too small for figures.
//!
//! Each case is a real store in a temporary folder, read the way the
//! scheduler, the insights page and the handler read it, and each surface is
//! checked as people receive it: the digest's Block Kit JSON (and the digest
//! as the outbox keeps it), the replies' text, the page's HTML, the
//! picture's SVG and alt text.

use crate::charts::{team_map_alt_text, team_map_svg};
use crate::commands::handlers::{Context, PendingCommit, handle_alliances};
use crate::config::Settings;
use crate::domain::{
    Binds, Interaction, InteractionKind, Partnership, Person, Roles, TeamId, TeamMap, UserId,
};
use crate::inbound::insights::{WEEKS_SHOWN, page};
use crate::rules::{PartnershipHistory, Snapshot, insights, lonely_leaders, plan_digest, team_map};
use crate::slack::render_digest;
use crate::store::{Store, StoreOptions};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Team names no text of the bot contains and none of which contains
/// another, so that finding one in a rendered text means it was named.
/// Shorter than the team map's longest label, so a name is drawn whole.
const TEAMS: [&str; 6] = [
    "Quillfeather",
    "Marrowgate",
    "Tundrastar",
    "Ossifrage",
    "Brackenhold",
    "Wyvernmoor",
];

/// When every surface is read: the digest covers the two weeks before.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap()
}

/// The id of the `index`th person: fixed width and a letter after, so that
/// no id is found inside another.
fn id_of(index: usize) -> UserId {
    UserId::parse(&format!("UQ{index:03}Z")).unwrap()
}

fn team(index: usize) -> TeamId {
    TeamId::parse(TEAMS[index]).unwrap()
}

/// One member of `team`: some opted out, some deactivated (who then do not
/// count towards the team's size), a few in no team at all; some of the
/// company's leaders, some leads of their team.
fn any_member(index: usize, of: usize) -> impl Strategy<Value = Person> {
    (
        (
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.05),
        ),
        prop::bool::weighted(0.3),
        (prop::bool::weighted(0.3), prop::bool::weighted(0.25)),
    )
        .prop_map(
            move |((opted_out, deactivated, teamless), shoutouts, (leader, lead))| {
                let team = (!teamless).then(|| team(of));
                Person {
                    roles: Roles {
                        leader,
                        leads: team.clone().filter(|_| lead),
                    },
                    team,
                    opted_out,
                    deactivated,
                    shoutouts,
                    ..Person::new(id_of(index), format!("Quimby Farthingale {index:03}"))
                }
            },
        )
}

/// None to two key partnerships between the company's `teams`, each
/// binding the leads or everyone in its first team, at a cadence of a day
/// to a month.
fn any_partnerships(teams: usize) -> impl Strategy<Value = Vec<Partnership>> {
    let one = (0..teams, 0..teams, 1_u32..=30, prop::bool::ANY).prop_filter_map(
        "two different teams",
        |(first, second, cadence_days, everyone)| {
            let binds = if everyone {
                Binds::Everyone
            } else {
                Binds::Leads
            };
            Partnership::new(team(first), team(second), cadence_days, binds)
        },
    );
    prop::collection::vec(one, 0..=2)
}

/// A company: its people, its meetings and its key partnerships.
#[derive(Debug, Clone)]
struct Company {
    people: Vec<Person>,
    meetings: Vec<Interaction>,
    partnerships: Vec<Partnership>,
}

/// A company of teams of one to eight people each, its key partnerships,
/// and its meetings: two or three people on a day of the last eight weeks,
/// most of them recent.
fn any_company() -> impl Strategy<Value = Company> {
    let sizes = prop::collection::vec(1..=8_usize, 2..=TEAMS.len());
    let people = sizes.prop_flat_map(|sizes| {
        let mut members = Vec::new();
        for (team, size) in sizes.iter().enumerate() {
            for _ in 0..*size {
                members.push(any_member(members.len(), team));
            }
        }
        (members, any_partnerships(sizes.len()))
    });
    people.prop_flat_map(|(people, partnerships)| {
        let n = people.len();
        let meeting = (
            prop::collection::vec(0..n, 2..=3),
            prop_oneof![3 => 0_i64..14, 1 => 14_i64..56],
        );
        (
            Just(people),
            Just(partnerships),
            prop::collection::vec(meeting, 0..40),
        )
            .prop_map(|(people, partnerships, raw)| {
                let meetings = raw
                    .into_iter()
                    .filter_map(|(who, days_ago)| {
                        Interaction::new(
                            now() - Duration::days(days_ago) - Duration::hours(1),
                            InteractionKind::Meeting,
                            who.into_iter().map(id_of),
                            None,
                            None,
                        )
                    })
                    .collect();
                Company {
                    people,
                    meetings,
                    partnerships,
                }
            })
    })
}

/// The active people of each team someone is in (deactivated people are
/// counted as none), counted here from the people themselves, not by the
/// code under test.
fn active_members(people: &[Person]) -> BTreeMap<&str, u32> {
    let mut active = BTreeMap::new();
    for person in people {
        if let Some(team) = &person.team {
            *active.entry(team.as_str()).or_default() += u32::from(!person.deactivated);
        }
    }
    active
}

/// The reply to `/alliances {text}` from `user`, as the handler gives it.
async fn reply_to(store: &Store, settings: &Settings, user: &UserId, text: &str) -> String {
    let commit = PendingCommit::default();
    let context = Context {
        store,
        settings,
        now: now(),
        user,
        commit: &commit,
        limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
        calendars_on: false,
    };
    handle_alliances(&context, text).await.reply.text
}

/// The insights page as the admins read it: the figures of the network,
/// the leaders short of alliances and each partnership's weeks, put
/// together as the scheduler puts them together.
async fn insights_page(store: &Store, snapshot: &Snapshot, settings: &Settings) -> String {
    let floor = settings.commands.k_anonymity_floor;
    let mut read = insights(snapshot, now(), &settings.rules, floor, WEEKS_SHOWN);
    read.lonely_leaders = lonely_leaders(
        snapshot,
        now(),
        &settings.rules,
        settings.leaders.min_teams,
        floor,
    );
    let mut history = PartnershipHistory::new(snapshot, now(), WEEKS_SHOWN);
    store
        .visit_interactions(|interaction| history.record(&interaction))
        .await
        .unwrap();
    read.partnerships = history.health(floor);
    page::render(&read, floor)
}

/// The page without the rows of partnerships it gives no figure for: a
/// row of dashes may name a partnership the settings name, whatever the
/// size of its teams.
fn without_held_back_rows(page: &str) -> String {
    let mut kept = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find(r#"<tr class="partnership">"#) {
        let end = rest[start..]
            .find("</tr>")
            .map_or(rest.len(), |at| start + at + "</tr>".len());
        let row = &rest[start..end];
        kept.push_str(&rest[..start]);
        if !row.contains("with a live alliance") {
            kept.push_str(r#"<tr class="partnership">(held back)</tr>"#);
        } else {
            kept.push_str(row);
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    kept
}

/// Every count of people a text gives as "7 of 9 leads", "31 of 40 people
/// in …", "2 of 8 leaders …" or "2 of 3 with a live alliance": the 9, 40,
/// 8 and 3.
fn counted_of(text: &str) -> Vec<usize> {
    let number_before = |at: usize| {
        let digits: String = text[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        !digits.is_empty()
    };
    text.match_indices(" of ")
        .filter(|(at, _)| number_before(*at))
        .filter_map(|(at, of)| {
            let after = &text[at + of.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let word = &after[digits.len()..];
            let counts_people = [" lead", " people", " person", " with a live"]
                .iter()
                .any(|noun| word.starts_with(noun));
            if counts_people {
                digits.parse().ok()
            } else {
                None
            }
        })
        .collect()
}

/// The team `person` would get a lead's view of: the one they lead, or
/// the one they are in as a leader.
fn led_team(person: &Person) -> Option<&TeamId> {
    person
        .roles
        .leads
        .as_ref()
        .or_else(|| person.team.as_ref().filter(|t| person.leads_team(t)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_digest_reply_page_or_picture_names_a_small_team_or_someone_opted_out(
        company in any_company(),
        floor in 2_u32..=6,
    ) {
        let Company { people, meetings, partnerships } = company;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        // Proptest's cases are synchronous: the store is reached through a
        // runtime of the test's own.
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let snapshot = runtime.block_on(async {
            store.put_people(&people).await.unwrap();
            store.log_interactions(&meetings).await.unwrap();
            Snapshot::new(store.people().await.unwrap(), store.ties().await.unwrap(), vec![])
        })
        .with_partnerships(partnerships.clone());
        let mut settings = Settings::default();
        settings.commands.k_anonymity_floor = floor;
        settings.commands.admins = vec![id_of(0)];
        settings.partnerships = partnerships;

        let since = now() - Duration::days(14);
        let digest = plan_digest(&snapshot, since, now(), &settings.digest_policy());
        let posted = render_digest(&digest)
            .map(|message| serde_json::to_string(&message).unwrap())
            .unwrap_or_default();
        let queued = serde_json::to_string(&digest).unwrap();
        let stats = runtime.block_on(reply_to(&store, &settings, &id_of(0), "stats"));
        let page = runtime.block_on(insights_page(&store, &snapshot, &settings));
        let map = team_map(&snapshot, now(), &settings.rules, floor)
            .most_connected(TeamMap::MOST_TEAMS_DRAWN);
        let picture = format!("{}\n{}", team_map_svg(&map), team_map_alt_text(&map));

        let active = active_members(&people);
        let (small, shown): (Vec<_>, Vec<_>) =
            active.iter().partition(|(_, active)| **active < floor);
        let opted_out = people.iter().filter(|p| p.opted_out);
        let forbidden: Vec<String> = small
            .iter()
            .map(|(team, _)| (**team).to_owned())
            .chain(opted_out.flat_map(|p| [p.id.to_string(), p.name.clone()]))
            .collect();
        let mut surfaces = vec![
            ("digest".to_owned(), posted.clone()),
            ("digest as queued".to_owned(), queued),
            ("stats".to_owned(), stats.clone()),
            ("insights page".to_owned(), without_held_back_rows(&page)),
            ("team map".to_owned(), picture),
        ];
        for lead in people.iter().filter(|p| !p.roles.is_none()) {
            let view = runtime.block_on(reply_to(&store, &settings, &lead.id, "team"));
            match led_team(lead) {
                // Told their own team is too small, and nothing else.
                Some(own) if active.get(own.as_str()).is_none_or(|n| *n < floor) => {
                    prop_assert!(
                        !view.contains("How far"),
                        "a view of a team under the floor:\n{view}"
                    );
                }
                _ => surfaces.push((format!("team view of {}", lead.id), view)),
            }
        }
        for (surface, text) in &surfaces {
            for name in &forbidden {
                prop_assert!(
                    !text.contains(name.as_str()),
                    "the {surface} names {name}:\n{text}"
                );
            }
            for counted in counted_of(text) {
                prop_assert!(
                    counted >= floor as usize,
                    "the {surface} counts {counted} people, under the floor of {floor}:\n{text}"
                );
            }
        }
        prop_assert!(
            counted_of(&page).iter().all(|counted| *counted >= floor as usize),
            "the insights page counts under the floor:\n{page}"
        );
        // The search finds what may be shown: every team at or above the
        // floor has its line in the stats, and the leaders are counted
        // exactly when there are enough of them.
        for (team, _) in &shown {
            prop_assert!(stats.contains(*team), "the stats leave out {team}:\n{stats}");
        }
        let leaders = people.iter().filter(|p| p.roles.leader && p.reachable()).count();
        let counts_leaders = leaders >= floor as usize;
        prop_assert_eq!(page.contains("lonely-leaders"), counts_leaders, "{}", page);
        prop_assert_eq!(stats.contains(" leaders "), counts_leaders, "{}", stats);
    }
}
