//! Tests of the rewrite: what a forget removed leaves the files, what
//! stays is all there, writes made meanwhile are kept, and a rewrite
//! stopped at any step is finished or undone by the next open.
//!
//! The ids are words (`UADA`), so that a byte search finds only them.

use super::{ALL_HERE, REWRITING, REWRITTEN_FROM, WHOLE};
use crate::store::fixtures::{
    Contents, at_minute, contents, file_names, files_holding, meeting, open_temp, person, reopen,
    sent, user,
};
use crate::store::sled_files::{move_sled_entries, sled_entries};
use crate::store::{SledStore, StoreError};
use std::path::Path;

/// Ada (`UADA`, "Ada Lovelace") met Bob and Cy, with notes; Bob and Cy met
/// without her. Everything is on disk.
fn a_store_with_ada(dir: &Path) -> SledStore {
    let store = SledStore::open(dir, &Default::default()).unwrap();
    store
        .put_people(&[
            person("UADA", "Ada Lovelace", Some("Payments")),
            person("UBOB", "Bob", Some("Search")),
            person("UCY", "Cy", Some("Search")),
        ])
        .unwrap();
    for interaction in [
        meeting(
            at_minute(0),
            &["UADA", "UBOB"],
            Some("coffee with Ada Lovelace"),
        ),
        meeting(at_minute(10), &["UBOB", "UCY"], Some("sync")),
        meeting(at_minute(20), &["UCY", "UADA"], None),
    ] {
        store.log_interaction(&interaction).unwrap();
    }
    store.record_nudge_sent(&sent("UBOB", "UCY", 30)).unwrap();
    store.flush().unwrap();
    store
}

/// The files of `dir` that hold Ada's id or name.
fn files_naming_ada(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = files_holding(dir, b"UADA");
    found.extend(files_holding(dir, b"Ada Lovelace"));
    found
}

#[test]
fn a_rewrite_after_a_forget_leaves_no_byte_of_them_in_the_files_and_all_the_rest_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = a_store_with_ada(dir.path());
    assert!(!store.rewrite_due().unwrap());
    assert_eq!(
        store.rewrite_if_due().unwrap(),
        None,
        "nothing asked for it"
    );
    assert!(
        !files_naming_ada(dir.path()).is_empty(),
        "the search finds her"
    );

    store.forget_person(&user("UADA")).unwrap();
    store.flush().unwrap();
    // The trees no longer hold her; sled's log still does.
    assert!(!files_naming_ada(dir.path()).is_empty());
    assert!(store.rewrite_due().unwrap());
    let before = contents(&store);

    let rewritten = store.rewrite_if_due().unwrap().expect("a rewrite was due");
    assert!(rewritten.records > 0);
    assert_eq!(
        files_naming_ada(dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(contents(&store), before);
    assert!(store.is_forgotten(&user("UADA")).unwrap());
    assert!(!store.rewrite_due().unwrap());
    assert_eq!(store.rewrite_if_due().unwrap(), None);
    let left = file_names(dir.path());
    assert!(
        !left.iter().any(|n| n == REWRITING || n == REWRITTEN_FROM),
        "{left:?}"
    );

    // It goes on working, and all of it survives a restart.
    store
        .log_interaction(&meeting(at_minute(40), &["UBOB", "UCY"], None))
        .unwrap();
    let after = contents(&store);
    drop(store);
    let store = reopen(dir.path()).unwrap();
    assert_eq!(contents(&store), after);
    assert!(store.is_forgotten(&user("UADA")).unwrap());
    assert_eq!(
        files_naming_ada(dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn ids_drawn_after_a_rewrite_are_above_every_id_drawn_before() {
    let (_dir, store) = open_temp();
    let first = store
        .log_interaction(&meeting(at_minute(0), &["UBOB", "UCY"], None))
        .unwrap();
    // Drawn and not written yet (a log in flight): a rewrite must not hand
    // it out again.
    let drawn = store.trees().unwrap().db.generate_id().unwrap();
    store.forget_person(&user("UADA")).unwrap();
    store.rewrite_if_due().unwrap().expect("due after a forget");
    let second = store
        .log_interaction(&meeting(at_minute(2), &["UBOB", "UCY"], None))
        .unwrap();
    assert!(second.id > drawn, "{} after {drawn}", second.id);
    assert!(drawn > first.id);
    let ids: Vec<u64> = store
        .interactions()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, [first.id, second.id]);
}

#[test]
fn writes_made_while_the_store_is_rewritten_are_all_kept() {
    let (_dir, store) = open_temp();
    store.forget_person(&user("UADA")).unwrap();
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let store = &store;
                scope.spawn(move || {
                    for n in 0..50 {
                        let people = ["UBOB", "UCY", "UDEE", "UEVE"];
                        let meeting = meeting(
                            at_minute(writer * 100 + n),
                            &[people[writer as usize], "UZED"],
                            None,
                        );
                        store.log_interaction(&meeting).unwrap();
                    }
                })
            })
            .collect();
        // Rewrites while they write: each asked for by another forget.
        for _ in 0..3 {
            store.forget_person(&user("UADA")).unwrap();
            store.rewrite_if_due().unwrap();
        }
        for writer in writers {
            writer.join().unwrap();
        }
    });
    let log = store.interactions().unwrap();
    assert_eq!(log.len(), 200);
    assert_eq!(store.interaction_count(), 200);
    let mut ids: Vec<u64> = log.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 200, "no two share an id");
    assert_eq!(store.ties().unwrap().len(), 4);
}

/// Where a process running a rewrite of Ada's forget may have died, as
/// the files show it.
#[derive(Debug, Clone, Copy)]
enum StoppedAt {
    /// Copying: `rewriting/` without `whole`.
    Copying,
    /// The copy whole, nothing moved.
    CopyWhole,
    /// Some old files moved out.
    MovingOut,
    /// Every old file out and marked so, some fresh ones moved in.
    MovingIn,
    /// The fresh store in place, the old files not deleted yet.
    Deleting,
}

/// A data folder as a rewrite stopped at `step` leaves it, with the
/// store closed.
fn stopped_rewrite(dir: &Path, step: StoppedAt) -> Contents {
    let store = a_store_with_ada(dir);
    store.forget_person(&user("UADA")).unwrap();
    store.flush().unwrap();
    let rewriting = dir.join(REWRITING);
    {
        let current = store.current.read();
        store
            .build_copy(current.as_ref().unwrap(), &rewriting)
            .unwrap();
    }
    let expected = contents(&store);
    drop(store);
    crate::store::sled_files::wait_until_closed(dir).unwrap();
    let outgoing = dir.join(REWRITTEN_FROM);
    let move_one = |from: &Path, to: &Path| {
        let entry = sled_entries(from).unwrap().remove(0);
        std::fs::rename(&entry, to.join(entry.file_name().unwrap())).unwrap();
    };
    match step {
        StoppedAt::Copying => std::fs::remove_file(rewriting.join(WHOLE)).unwrap(),
        StoppedAt::CopyWhole => {}
        StoppedAt::MovingOut => {
            std::fs::create_dir(&outgoing).unwrap();
            move_one(dir, &outgoing);
        }
        StoppedAt::MovingIn | StoppedAt::Deleting => {
            std::fs::create_dir(&outgoing).unwrap();
            move_sled_entries(dir, &outgoing).unwrap();
            std::fs::write(outgoing.join(ALL_HERE), "").unwrap();
            if let StoppedAt::MovingIn = step {
                move_one(&rewriting, dir);
            } else {
                move_sled_entries(&rewriting, dir).unwrap();
                std::fs::remove_dir_all(&rewriting).unwrap();
            }
        }
    }
    expected
}

#[test]
fn a_rewrite_stopped_at_any_step_is_finished_or_undone_by_the_next_open() {
    for step in [
        StoppedAt::Copying,
        StoppedAt::CopyWhole,
        StoppedAt::MovingOut,
        StoppedAt::MovingIn,
        StoppedAt::Deleting,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let expected = stopped_rewrite(dir.path(), step);

        let store = reopen(dir.path()).unwrap();
        assert_eq!(contents(&store), expected, "{step:?}");
        assert!(store.is_forgotten(&user("UADA")).unwrap(), "{step:?}");
        let left = file_names(dir.path());
        assert!(
            !left.iter().any(|n| n == REWRITING || n == REWRITTEN_FROM),
            "{step:?}: {left:?}"
        );
        if let StoppedAt::Copying = step {
            // Undone: the old files stay, and the rewrite is still due.
            assert!(store.rewrite_due().unwrap());
            store.rewrite_if_due().unwrap();
        } else {
            // Finished: the fresh store, which is not due again.
            assert!(!store.rewrite_due().unwrap(), "{step:?}");
        }
        assert_eq!(
            files_naming_ada(dir.path()),
            Vec::<std::path::PathBuf>::new(),
            "{step:?}"
        );
    }
}

#[test]
fn another_process_opening_the_store_mid_rewrite_is_refused_and_leaves_it_be() {
    for moved_out in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = a_store_with_ada(dir.path());
        store.forget_person(&user("UADA")).unwrap();
        // The bot, still serving, has copied the store whole; past step 2
        // it has also moved its own files, and sled's lock on them, out of
        // the folder.
        let rewriting = dir.path().join(REWRITING);
        {
            let current = store.current.read();
            store
                .build_copy(current.as_ref().unwrap(), &rewriting)
                .unwrap();
        }
        if moved_out {
            let outgoing = dir.path().join(REWRITTEN_FROM);
            std::fs::create_dir(&outgoing).unwrap();
            move_sled_entries(dir.path(), &outgoing).unwrap();
            std::fs::write(outgoing.join(ALL_HERE), "").unwrap();
        }
        let before = file_names(dir.path());

        // Another process's open, made from this one: an flock keeps out
        // a second open file in the same process too.
        let refused = SledStore::open(dir.path(), &Default::default()).unwrap_err();
        assert!(matches!(refused, StoreError::InUse { .. }), "{refused:?}");
        assert_eq!(file_names(dir.path()), before, "moved out: {moved_out}");
        assert!(rewriting.join(WHOLE).exists(), "moved out: {moved_out}");
        if !moved_out {
            // The bot's rewrite starts its copy again, and finishes.
            assert!(store.rewrite_if_due().unwrap().is_some());
            assert!(!store.is_forgotten(&user("UBOB")).unwrap());
        }
    }
}
