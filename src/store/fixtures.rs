//! Test fixtures for the store's tests: users, instants, interactions and a
//! store in a temporary folder. Compiled for tests only.

use super::{Store, StoreOptions};
use crate::domain::{Interaction, InteractionKind, Person, TeamId, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
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
pub(super) fn open_temp() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    (dir, store)
}
