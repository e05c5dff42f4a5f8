//! Test fixtures for the store's tests: users, instants, interactions and a
//! store in a temporary folder; the tie index recomputed from a log; a
//! search of every tree for a person's id. Compiled for tests only.

use super::{SledStore, Store, StoreError, StoreOptions, keys};
use crate::domain::{
    EarlyWarning, Interaction, InteractionKind, Nudge, Outgoing, PairKey, Person, SentNudge,
    TeamId, Tie, UserId, WarningStep,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;
use tempfile::TempDir;

/// A user id known to be valid.
pub(super) fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

/// A person with the given name and team, reachable.
pub(super) fn person(id: &str, name: &str, team: Option<&str>) -> Person {
    Person {
        team: team.map(|t| TeamId::parse(t).unwrap()),
        ..Person::new(user(id), name)
    }
}

/// `minutes` after Monday 2 March 2026, 09:00 UTC.
pub(super) fn at_minute(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// An early warning to `to`, planned at minute 0, with one step: meet
/// `peer` in Legal.
pub(super) fn early_warning(to: &str, peer: &str) -> Outgoing {
    Outgoing::EarlyWarning(EarlyWarning {
        to: user(to),
        planned_at: at_minute(0),
        live_teams: 1,
        min_teams: 3,
        steps: vec![WarningStep::Meet {
            peer: user(peer),
            team: TeamId::parse("Legal").unwrap(),
        }],
    })
}

/// A meeting logged with `/met` between `participants`.
pub(super) fn meeting(at: DateTime<Utc>, participants: &[&str], note: Option<&str>) -> Interaction {
    Interaction::new(
        at,
        InteractionKind::Meeting,
        participants.iter().map(|id| user(id)),
        Some(user(participants[0])),
        note.map(String::from),
    )
    .unwrap()
}

/// A store in a fresh temporary folder; keep the folder alive with it.
pub(crate) fn open_temp() -> (TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), &StoreOptions::default()).unwrap();
    (dir, store)
}

/// [`open_temp`], as the rest of the crate sees a store.
pub(crate) fn open_temp_store() -> (TempDir, Store) {
    let (dir, store) = open_temp();
    (dir, store.into())
}

/// Opens the store in `dir` again, once the store that had it open was
/// dropped.
pub(super) fn reopen(dir: &std::path::Path) -> Result<SledStore, StoreError> {
    SledStore::open(dir, &StoreOptions::default())
}

/// The tie index as it should be: a fold over the log, in log order.
pub(super) fn ties_folded_from(log: &[(u64, Interaction)]) -> Vec<Tie> {
    let mut ties: BTreeMap<PairKey, Tie> = BTreeMap::new();
    for (_, interaction) in log {
        for (a, b) in interaction.pairs() {
            let pair = PairKey::new(a, b).unwrap();
            match ties.get_mut(&pair) {
                Some(tie) => tie.record(interaction, crate::domain::HalfLife::DEFAULT),
                None => {
                    ties.insert(pair.clone(), Tie::first(pair, interaction));
                }
            }
        }
    }
    ties.into_values().collect()
}

/// An interaction of two to four people of `pool`, over two days in whole
/// hours (so instants repeat and arrive out of order), of any kind, with
/// or without a note.
pub(super) fn any_interaction(pool: &[&'static str]) -> impl Strategy<Value = Interaction> {
    (
        proptest::sample::subsequence(pool.to_vec(), 2..=4).prop_shuffle(),
        0_i64..48,
        prop_oneof![
            Just(InteractionKind::Meeting),
            Just(InteractionKind::WeMet),
            Just(InteractionKind::Passive),
        ],
        proptest::option::of(proptest::sample::select(vec![
            "coffee", "roadmap", "incident", " ",
        ])),
    )
        .prop_map(|(people, hour, kind, note)| {
            Interaction::new(
                at_minute(hour * 60),
                kind,
                people.iter().map(|id| user(id)),
                None,
                note.map(String::from),
            )
            .unwrap()
        })
}

/// Every place in the store whose raw bytes contain `id`: each tree's keys
/// and values, sled's default tree included, as `tree: key` lines. A plain
/// byte search, so pick ids that are not part of one another (`U1` is part
/// of `U12`) or of the binary keys (`UADA`, not `U1`).
pub(super) fn places_mentioning(store: &SledStore, id: &UserId) -> Vec<String> {
    places_holding(store, id.as_str().as_bytes())
}

/// Every place in the store whose raw bytes contain `needle`, as
/// [`places_mentioning`] lists them.
pub(super) fn places_holding(store: &SledStore, needle: &[u8]) -> Vec<String> {
    let contains = |bytes: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let mut places = Vec::new();
    let trees = store.trees().unwrap();
    for name in trees.db.tree_names() {
        let tree = trees.db.open_tree(&name).unwrap();
        let name = String::from_utf8_lossy(&name).into_owned();
        for entry in tree.iter() {
            let (key, value) = entry.unwrap();
            if contains(&key) || contains(&value) {
                places.push(format!("{name}: {}", keys::describe(&name, &key)));
            }
        }
    }
    places
}

/// Writes a value no build can read as the tie of `a` and `b`, for the
/// tests of what a failed read or write does; returns the pair.
pub(super) fn write_unreadable_tie(store: &SledStore, a: &str, b: &str) -> PairKey {
    let pair = PairKey::new(&user(a), &user(b)).unwrap();
    let trees = store.trees().unwrap();
    trees.ties.insert(keys::tie(&pair), b"\x01{oops").unwrap();
    pair
}

/// What a store's trees hold, to compare before and after a change that
/// must leave them as they were.
pub(super) type Contents = (
    Vec<Person>,
    Vec<(u64, Interaction)>,
    Vec<Tie>,
    Vec<SentNudge>,
    Vec<crate::domain::OutboxItem>,
    usize,
);

/// What `store`'s trees hold now (see [`Contents`]).
pub(super) fn contents(store: &SledStore) -> Contents {
    (
        store.people().unwrap(),
        store.interactions().unwrap(),
        store.ties().unwrap(),
        store.nudges_sent_since(at_minute(-100_000)).unwrap(),
        store.outbox().unwrap(),
        store.interaction_count(),
    )
}

/// A nudge to `to` about `about`, sent `minute` minutes after the fixtures' start.
pub(super) fn sent(to: &str, about: &str, minute: i64) -> SentNudge {
    SentNudge {
        to: user(to),
        about: user(about),
        at: at_minute(minute),
        reason: None,
        warning_step: false,
    }
}

/// The names of the entries of the folder `dir`, sorted.
pub(crate) fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file under `dir` (its folders too, but `backups/`) whose bytes
/// contain `needle`: what the folder holds on disk, whatever the trees say.
pub(crate) fn files_holding(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("backups") {
                    folders.push(path);
                }
            } else if std::fs::read(&path)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
            {
                found.push(path);
            }
        }
    }
    found
}

/// The tests' PostgreSQL cluster, started on first use and stopped when
/// the test process ends; `None`, said once, when PostgreSQL's server is
/// not installed (`scripts/install-postgres` installs it).
pub(crate) fn pg_cluster() -> Option<&'static throwaway_postgres::Cluster> {
    use throwaway_postgres::{Cluster, Durability};
    static CLUSTER: std::sync::OnceLock<Option<Cluster>> = std::sync::OnceLock::new();
    CLUSTER
        .get_or_init(|| Cluster::for_tests(Durability::NoFsync))
        .as_ref()
}

/// A PostgreSQL store on a fresh database of the tests' cluster, or
/// `None` without PostgreSQL.
pub(crate) async fn pg_store() -> Option<super::PgStore> {
    let url = pg_cluster()?.create_database().unwrap();
    Some(
        super::PgStore::connect(&url, crate::domain::HalfLife::DEFAULT)
            .await
            .unwrap(),
    )
}

/// Two replicas' stores on one fresh database of the tests' cluster, or
/// `None` without PostgreSQL.
pub(crate) async fn pg_replicas() -> Option<(super::PgStore, super::PgStore)> {
    let url = pg_cluster()?.create_database().unwrap();
    let connect = || super::PgStore::connect(&url, crate::domain::HalfLife::DEFAULT);
    Some((connect().await.unwrap(), connect().await.unwrap()))
}

/// Waits up to five seconds for `done`, failing with `what` after.
pub(crate) async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Ada of Payments, Bob of Search and Cy of Legal.
pub(crate) fn three_teams() -> [crate::domain::Person; 3] {
    [
        person_in("UADA", "Payments"),
        person_in("UBOB", "Search"),
        person_in("UCY", "Legal"),
    ]
}

/// The person `id`, named after their id, in `team`.
pub(crate) fn person_in(id: &str, team: &str) -> crate::domain::Person {
    crate::domain::Person {
        team: Some(TeamId::parse(team).unwrap()),
        ..crate::domain::Person::new(user(id), id)
    }
}

/// An introduction to `to` about `about`, sent `minute` minutes after the
/// fixtures' start, naming `contact` as someone both know (a reason that
/// names a third person, whom a forget or a record must leave out).
pub(crate) fn intro_naming(to: &str, about: &str, minute: i64, contact: &str) -> SentNudge {
    use crate::domain::{Intro, NudgeReason, SharedContact, TeamGap};
    SentNudge {
        reason: Some(NudgeReason::Intro(Intro {
            last_alliance_at: None,
            quiet_days: 90,
            gap: TeamGap {
                own_team: TeamId::parse("Search").unwrap(),
                alliances: 0,
                most: 0,
                boost: 2.0,
                figures_shown: true,
            },
            shared_contact: Some(SharedContact::Mutual(user(contact))),
        })),
        ..sent(to, about, minute)
    }
}

/// A reminder to `to` of their tie with `about`, quoting `note` as what
/// the two last talked about (a reason that holds a note, which a forget
/// of the note's writer must take out).
pub(crate) fn reminder_quoting(to: &str, about: &str, minute: i64, note: &str) -> Nudge {
    use crate::domain::{Neglected, NudgeReason, TeamGap};
    Nudge {
        to: user(to),
        about: user(about),
        about_team: TeamId::parse("Search").unwrap(),
        planned_at: at_minute(minute),
        reason: NudgeReason::Neglected(Neglected {
            last_met: at_minute(0),
            days_since: 94,
            cadence_days: 30,
            times_met: 3,
            last_note: Some(note.to_owned()),
            strength_then: 1.0,
            strength_now: 0.2,
            gap: TeamGap {
                own_team: TeamId::parse("Payments").unwrap(),
                alliances: 1,
                most: 4,
                boost: 1.5,
                figures_shown: true,
            },
        }),
    }
}
