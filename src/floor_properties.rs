//! Property tests of the k-anonymity floor across everything that shows
//! teams to people: over random companies with small teams and people who
//! opted out, no digest, `/alliances stats` reply, insights page or team-map
//! picture ever names a team under the floor or a person who opted out.
//!
//! Each case is a real store in a temporary folder, read the way the
//! scheduler, the insights page and the handler read it, and each surface is
//! checked as people receive it: the digest's Block Kit JSON (and the digest
//! as the outbox keeps it), the reply's text, the page's HTML, the picture's
//! SVG and alt text.

use crate::charts::{team_map_alt_text, team_map_svg};
use crate::commands::handlers::{Context, PendingCommit, handle_alliances};
use crate::config::Settings;
use crate::domain::{Interaction, InteractionKind, Person, TeamId, TeamMap, UserId};
use crate::inbound::insights::{WEEKS_SHOWN, page};
use crate::rules::{Snapshot, insights, plan_digest, team_map};
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

/// One member of `team`: some opted out, some deactivated (who then do not
/// count towards the team's size), a few in no team at all.
fn any_member(index: usize, team: usize) -> impl Strategy<Value = Person> {
    (
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(opted_out, deactivated, teamless, shoutouts)| Person {
                team: (!teamless).then(|| TeamId::parse(TEAMS[team]).unwrap()),
                opted_out,
                deactivated,
                shoutouts,
                ..Person::new(id_of(index), format!("Quimby Farthingale {index:03}"))
            },
        )
}

/// A company of teams of one to eight people each, and its meetings: two or
/// three people on a day of the last eight weeks, most of them recent.
fn any_company() -> impl Strategy<Value = (Vec<Person>, Vec<Interaction>)> {
    let sizes = prop::collection::vec(1..=8_usize, 2..=TEAMS.len());
    let people = sizes.prop_flat_map(|sizes| {
        let mut members = Vec::new();
        for (team, size) in sizes.into_iter().enumerate() {
            for _ in 0..size {
                members.push(any_member(members.len(), team));
            }
        }
        members
    });
    people.prop_flat_map(|people| {
        let n = people.len();
        let meeting = (
            prop::collection::vec(0..n, 2..=3),
            prop_oneof![3 => 0_i64..14, 1 => 14_i64..56],
        );
        (Just(people), prop::collection::vec(meeting, 0..40)).prop_map(|(people, raw)| {
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
            (people, meetings)
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

/// The `/alliances stats` reply, as the handler gives it.
fn stats_reply(store: &Store, settings: &Settings) -> String {
    let commit = PendingCommit::default();
    let context = Context {
        store,
        settings,
        now: now(),
        user: &id_of(0),
        commit: &commit,
        limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
    };
    handle_alliances(&context, "stats").reply.text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_digest_stats_reply_page_or_picture_names_a_small_team_or_someone_opted_out(
        (people, meetings) in any_company(),
        floor in 2_u32..=6,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        store.put_people(&people).unwrap();
        store.log_interactions(&meetings).unwrap();
        let snapshot =
            Snapshot::new(store.people().unwrap(), store.ties().unwrap(), vec![]);
        let mut settings = Settings::default();
        settings.commands.k_anonymity_floor = floor;

        let since = now() - Duration::days(14);
        let digest = plan_digest(&snapshot, since, now(), &settings.digest_policy());
        let posted = render_digest(&digest)
            .map(|message| serde_json::to_string(&message).unwrap())
            .unwrap_or_default();
        let queued = serde_json::to_string(&digest).unwrap();
        let stats = stats_reply(&store, &settings);
        let page = page::render(
            &insights(&snapshot, now(), &settings.rules, floor, WEEKS_SHOWN),
            floor,
        );
        let map = team_map(&snapshot, now(), &settings.rules, floor)
            .most_connected(TeamMap::MOST_TEAMS_DRAWN);
        let picture = format!("{}\n{}", team_map_svg(&map), team_map_alt_text(&map));

        let (small, shown): (Vec<_>, Vec<_>) = active_members(&people)
            .into_iter()
            .partition(|(_, active)| *active < floor);
        let opted_out = people.iter().filter(|p| p.opted_out);
        let forbidden: Vec<String> = small
            .iter()
            .map(|(team, _)| (*team).to_owned())
            .chain(opted_out.flat_map(|p| [p.id.to_string(), p.name.clone()]))
            .collect();
        for (surface, text) in [
            ("digest", &posted),
            ("digest as queued", &queued),
            ("stats", &stats),
            ("insights page", &page),
            ("team map", &picture),
        ] {
            for name in &forbidden {
                prop_assert!(
                    !text.contains(name.as_str()),
                    "the {surface} names {name}:\n{text}"
                );
            }
        }
        // The search finds what may be shown: every team at or above the
        // floor has its line in the stats.
        for (team, _) in &shown {
            prop_assert!(stats.contains(team), "the stats leave out {team}:\n{stats}");
        }
    }
}
