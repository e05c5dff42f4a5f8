//! Tests of opening, reopening and refusing a data folder, and of what the
//! errors tell the person who has to fix it.

use super::*;
use crate::domain::{PairKey, SentNudge};
use crate::store::fixtures::{at_minute, meeting, open_temp, person, user};
use std::io;

fn reopen(dir: &Path) -> Result<Store, StoreError> {
    crate::store::fixtures::reopen(dir)
}

/// Writes one record of every kind.
fn write_one_of_everything(store: &Store) {
    store
        .put_person(&person("U1", "Ada", Some("Payments")))
        .unwrap();
    store
        .log_interaction(&meeting(at_minute(0), &["U1", "U2"], Some("coffee")))
        .unwrap();
    store
        .record_nudge_sent(&SentNudge {
            to: user("U1"),
            about: user("U2"),
            at: at_minute(1),
            reason: None,
        })
        .unwrap();
    let run = JobRun {
        scheduled_for: at_minute(1),
        started_at: at_minute(2),
        summary: "1 nudge sent".into(),
    };
    store.record_run("nudges", &run).unwrap();
}

/// Checks that what [`write_one_of_everything`] wrote is all there.
fn assert_everything_is_there(store: &Store) {
    assert_eq!(
        store.people().unwrap(),
        [person("U1", "Ada", Some("Payments"))]
    );
    assert_eq!(store.interactions().unwrap().len(), 1);
    assert_eq!(store.interaction_count(), 1);
    let pair = PairKey::new(&user("U1"), &user("U2")).unwrap();
    assert_eq!(store.tie(&pair).unwrap().map(|t| t.count), Some(1));
    assert_eq!(store.nudges_sent_since(at_minute(0)).unwrap().len(), 1);
    assert_eq!(
        store.last_run("nudges").unwrap().map(|r| r.summary),
        Some("1 nudge sent".into())
    );
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_new_folder_gets_a_store_of_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("not").join("there").join("yet");
    let store = reopen(&folder).unwrap();
    assert_eq!(store.path(), folder);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.interaction_count(), 0);
}

#[test]
fn everything_survives_reopening_after_a_flush() {
    let (dir, store) = open_temp();
    write_one_of_everything(&store);
    store.flush().unwrap();
    drop(store);
    assert_everything_is_there(&reopen(dir.path()).unwrap());
}

#[test]
fn everything_survives_reopening_after_a_drop_without_flush() {
    let (dir, store) = open_temp();
    write_one_of_everything(&store);
    let clone = store.clone();
    drop(store);
    drop(clone);
    let reopened = reopen(dir.path()).unwrap();
    assert_everything_is_there(&reopened);
    // The count read back from `meta` goes on from where it was.
    reopened
        .log_interaction(&meeting(at_minute(3), &["U2", "U3"], None))
        .unwrap();
    drop(reopened);
    assert_eq!(reopen(dir.path()).unwrap().interaction_count(), 2);
}

#[test]
fn a_store_written_by_a_newer_version_is_refused() {
    let (dir, store) = open_temp();
    store
        .meta
        .insert(meta::SCHEMA_VERSION, &2_u32.to_be_bytes())
        .unwrap();
    store.flush().unwrap();
    drop(store);

    let error = reopen(dir.path()).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("upgrade alliances"), "{message}");
}

#[test]
fn a_value_written_by_a_newer_version_is_refused() {
    let (_dir, store) = open_temp();
    let ada = person("U1", "Ada", None);
    store.put_person(&ada).unwrap();
    let mut bytes = store.people.get(b"U1").unwrap().unwrap().to_vec();
    bytes[0] = 9;
    store.people.insert(b"U1", bytes).unwrap();

    for error in [
        store.person(&ada.id).unwrap_err(),
        store.people().unwrap_err(),
    ] {
        assert!(
            matches!(error, StoreError::NewerSchema { found: 9, supported: 1, ref path } if path == store.path()),
            "{error:?}"
        );
    }
}

#[test]
fn an_unreadable_value_is_reported_with_its_tree_and_key() {
    let (_dir, store) = open_temp();
    let pair = PairKey::new(&user("U1"), &user("U2")).unwrap();
    store.ties.insert(keys::tie(&pair), b"\x01{oops").unwrap();
    let error = store.tie(&pair).unwrap_err();
    let StoreError::Corrupt { tree, key, .. } = &error else {
        panic!("expected Corrupt, got {error:?}");
    };
    assert_eq!((*tree, key.as_str()), ("ties", "U1 & U2"));
    // Logging over it refuses too, and leaves the log as it was.
    let logged = store.log_interaction(&meeting(at_minute(0), &["U1", "U2"], None));
    assert!(
        matches!(logged, Err(StoreError::Corrupt { .. })),
        "{logged:?}"
    );
    assert!(store.interactions().unwrap().is_empty());
    assert_eq!(store.interaction_count(), 0);
}

#[test]
fn a_folder_already_in_use_is_refused_with_its_path() {
    let (dir, _store) = open_temp();
    let error = Store::open(dir.path(), &StoreOptions::default()).unwrap_err();
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string())
    );
}

#[test]
fn errors_tell_the_reader_what_to_do() {
    let path = PathBuf::from("/var/lib/alliances");
    let open = StoreError::Open {
        path: path.clone(),
        source: sled::Error::Io(io::Error::other("could not acquire lock")),
    };
    insta::assert_snapshot!(open, @"cannot open the store in /var/lib/alliances: only one alliances process may use a data folder at a time, so stop any other one using it; if none is, check the folder's permissions, or restore it from a backup (`alliances import`)");
    let newer = StoreError::NewerSchema {
        path,
        found: 3,
        supported: 1,
    };
    insta::assert_snapshot!(newer, @"the data in /var/lib/alliances was written by a newer alliances (schema 3); this build understands up to schema 1: upgrade alliances, or restore a backup");
    let corrupt = StoreError::Corrupt {
        tree: "ties",
        key: "U1 & U2".into(),
        detail: "the value is empty".into(),
    };
    insta::assert_snapshot!(corrupt, @"the store's ties tree holds an unreadable value at `U1 & U2`: the value is empty; restore a backup (`alliances import`)");
}

#[test]
fn a_store_debugs_as_its_folder_only() {
    let (dir, store) = open_temp();
    write_one_of_everything(&store);
    assert_eq!(
        format!("{store:?}"),
        format!("Store {{ path: {:?} }}", dir.path())
    );
}

#[test]
fn the_default_cache_is_64_mib() {
    assert_eq!(StoreOptions::default().cache_capacity_bytes, 64 << 20);
}
