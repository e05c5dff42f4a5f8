//! Tests of opening, reopening and refusing a data folder, and of what the
//! errors tell the person who has to fix it.

use super::*;
use crate::domain::{PairKey, SentNudge};
use crate::store::fixtures::{at_minute, meeting, open_temp, person, user, write_unreadable_tie};
use std::io;

fn reopen(dir: &Path) -> Result<SledStore, StoreError> {
    crate::store::fixtures::reopen(dir)
}

/// Writes one record of every kind.
fn write_one_of_everything(store: &SledStore) {
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
            warning_step: false,
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
fn assert_everything_is_there(store: &SledStore) {
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
        .trees()
        .unwrap()
        .meta
        .insert(meta::SCHEMA_VERSION, &2_u32.to_be_bytes())
        .unwrap();
    store.flush().unwrap();
    drop(store);

    let error = reopen(dir.path()).unwrap_err();
    assert!(
        matches!(error, StoreError::WillNotOpen { ref problem, .. } if problem.contains("schema 2")),
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
fn a_store_that_will_not_open_names_the_latest_backup_and_the_command_that_restores_it() {
    let (dir, store) = open_temp();
    write_one_of_everything(&store);
    let folder = BackupFolder::of(dir.path());
    let go_on = |_: &Counts| std::ops::ControlFlow::Continue(());
    folder.take(&store, at_minute(0), 7, go_on).unwrap();
    let latest = folder.take(&store, at_minute(60), 7, go_on).unwrap().path;
    store
        .trees()
        .unwrap()
        .meta
        .insert(meta::INTERACTION_COUNT, &b"\x07"[..])
        .unwrap();
    store.flush().unwrap();
    drop(store);

    let error = reopen(dir.path()).unwrap_err();
    let data_dir = dir.path().display();
    assert_eq!(
        error.to_string(),
        format!(
            "cannot open the store in {data_dir}: its meta tree holds an unreadable value at \
             `interaction_count` (not an 8-byte count); restore the latest backup with \
             `alliances restore --data-dir {data_dir} {}` (the damaged store is kept aside, \
             not deleted)",
            latest.display()
        )
    );
}

#[test]
fn a_value_written_by_a_newer_version_is_refused() {
    let (_dir, store) = open_temp();
    let ada = person("U1", "Ada", None);
    store.put_person(&ada).unwrap();
    let mut bytes = store
        .trees()
        .unwrap()
        .people
        .get(b"U1")
        .unwrap()
        .unwrap()
        .to_vec();
    bytes[0] = 9;
    store.trees().unwrap().people.insert(b"U1", bytes).unwrap();

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
    let pair = write_unreadable_tie(&store, "U1", "U2");
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
    let error = SledStore::open(dir.path(), &StoreOptions::default()).unwrap_err();
    assert!(matches!(error, StoreError::InUse { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string())
    );
}

#[test]
fn a_store_dropped_a_moment_ago_opens_once_sled_lets_go_of_it() {
    let (dir, store) = open_temp();
    drop(store);
    // sled's threads, still holding the folder's lock for a moment.
    let lingering = super::sled_files::FolderLock::take(dir.path()).unwrap();
    let let_go = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(lingering);
    });
    SledStore::open(dir.path(), &StoreOptions::default()).unwrap();
    let_go.join().unwrap();
}

#[test]
fn errors_tell_the_reader_what_to_do() {
    let path = PathBuf::from("/var/lib/alliances");
    let in_use = StoreError::InUse { path: path.clone() };
    insta::assert_snapshot!(in_use, @"cannot open the store in /var/lib/alliances: only one alliances process may use a data folder at a time, and another one is using it; stop it first");
    let inaccessible = StoreError::Inaccessible {
        path: path.clone(),
        cause: io::Error::from(io::ErrorKind::PermissionDenied),
    };
    insta::assert_snapshot!(inaccessible, @"cannot open the store in /var/lib/alliances: permission denied; check that the user running alliances may read and write the folder");
    let damaged = StoreError::Io(sled::Error::Corruption { at: None, bt: () }).at_open(&path);
    insta::assert_snapshot!(damaged, @"cannot open the store in /var/lib/alliances: sled found damaged data in it; there is no backup in /var/lib/alliances/backups to restore: import one kept elsewhere with `alliances import --data-dir /var/lib/alliances --replace FILE`");
    let newer = StoreError::NewerSchema {
        path: path.clone(),
        found: 3,
        supported: 1,
    };
    insta::assert_snapshot!(newer, @"the data in /var/lib/alliances was written by a newer alliances (schema 3); this build understands up to schema 1: upgrade alliances");
    insta::assert_snapshot!(newer.at_open(&path), @"cannot open the store in /var/lib/alliances: it was written by a newer alliances (schema 3; this build reads up to schema 1); upgrade alliances (no backup in /var/lib/alliances/backups is one this build reads)");
    let corrupt = StoreError::Corrupt {
        tree: "ties",
        key: "U1 & U2".into(),
        detail: "the value is empty".into(),
    };
    insta::assert_snapshot!(corrupt, @"the store's ties tree holds an unreadable value at `U1 & U2`: the value is empty; stop alliances and restore the latest backup (`alliances restore --help`)");
    let unfinished = StoreError::RestoreUnfinished {
        path: PathBuf::from("/srv/my data"),
        backup: PathBuf::from("/srv/my data/backups/alliances-2026-11-25T0600Z.jsonl"),
    };
    insta::assert_snapshot!(unfinished, @"a restore into /srv/my data did not finish: run it again with `alliances restore --data-dir '/srv/my data' '/srv/my data/backups/alliances-2026-11-25T0600Z.jsonl'`");
}

#[test]
fn a_store_debugs_as_its_folder_only() {
    let (dir, store) = open_temp();
    write_one_of_everything(&store);
    assert_eq!(
        format!("{store:?}"),
        format!("SledStore {{ path: {:?} }}", dir.path())
    );
}

#[test]
fn the_default_cache_is_64_mib() {
    assert_eq!(StoreOptions::default().cache_capacity_bytes, 64 << 20);
}
