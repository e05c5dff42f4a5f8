//! Tests of the peer index: the ties it finds are those a scan of every
//! tie finds, whichever way the ties were written or removed, and whenever
//! the index was built.

use super::super::commit::LogOnce;
use super::super::recent_logs::RecentLogs;
use crate::domain::{Interaction, Tie, UserId};
use crate::store::backup::{Replacing, import_backup};
use crate::store::fixtures::{any_interaction, at_minute, meeting, open_temp, user};
use crate::store::{SledStore, StoreOptions};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use tempfile::TempDir;

/// What the index must give: the ties, by a scan.
fn scanned(store: &SledStore, around: &[&str]) -> Vec<Tie> {
    store
        .ties()
        .unwrap()
        .into_iter()
        .filter(|tie| around.iter().any(|id| tie.pair.contains(&user(id))))
        .collect()
}

fn log(store: &SledStore, people: &[&str], minute: i64) {
    store
        .log_interaction(&meeting(at_minute(minute), people, None))
        .unwrap();
}

#[test]
fn a_persons_ties_and_their_peers_ties_are_found_as_they_are_logged_and_forgotten() {
    let (_dir, store) = open_temp();
    log(&store, &["UADA", "UBOB"], 1);
    log(&store, &["UBOB", "UCY"], 2);
    log(&store, &["UCY", "UDAN"], 3);
    let ada = user("UADA");
    assert_eq!(store.ties_of(&ada).unwrap(), scanned(&store, &["UADA"]));
    // Built now; the next meetings are added to it.
    log(&store, &["UZED", "UADA", "UEVE"], 4);
    log(&store, &["UADA", "UBOB"], 5);
    assert_eq!(store.ties_of(&ada).unwrap(), scanned(&store, &["UADA"]));
    let peers = ["UADA", "UBOB", "UZED", "UEVE"];
    assert_eq!(store.ties_around(&ada).unwrap(), scanned(&store, &peers));
    assert!(
        !store
            .ties_around(&ada)
            .unwrap()
            .iter()
            .any(|t| t.pair.contains(&user("UDAN"))),
        "two steps away"
    );
    store.forget_person(&user("UBOB")).unwrap();
    assert_eq!(
        store.ties_around(&ada).unwrap(),
        scanned(&store, &["UADA", "UZED", "UEVE"])
    );
    assert!(
        store
            .ties_of(&UserId::parse("UNOBODY").unwrap())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_ties_among_some_people_are_those_of_two_of_them_whichever_id_is_lower() {
    let (_dir, store) = open_temp();
    log(&store, &["UA", "UB", "UC"], 1);
    log(&store, &["UC", "UD"], 2);
    log(&store, &["UB", "UE"], 3);
    let among = |ids: &[&str]| -> Vec<String> {
        let ids: Vec<UserId> = ids.iter().map(|id| user(id)).collect();
        store
            .ties_among(&ids)
            .unwrap()
            .iter()
            .map(|t| format!("{}-{}", t.pair.low(), t.pair.high()))
            .collect()
    };
    assert_eq!(among(&["UD", "UA", "UC"]), ["UA-UC", "UC-UD"]);
    assert_eq!(among(&["UB", "UE", "UB"]), ["UB-UE"]);
    assert!(among(&["UA", "UE"]).is_empty());
}

/// The people of the property test: ids that are not part of one another.
const POOL: [&str; 6] = ["UADA", "UBOB", "UCY", "UDAN", "UEVE", "UFAY"];

/// One thing done to the store: each way ties are written or removed, and
/// a read, which builds the index if it is not built.
#[derive(Debug, Clone)]
enum Step {
    /// `log_interaction`: a calendar's meeting, a passive signal.
    Log(Interaction),
    /// `log_interaction_once`: a *We met* button, a retried event.
    LogOnce(&'static str, Interaction),
    /// What the flusher does for the `/met` requests waiting together.
    Batch(Vec<(&'static str, Option<&'static str>, Interaction)>),
    /// `log_interactions`: a seed of history.
    Seed(Vec<Interaction>),
    /// `forget-me`.
    Forget(&'static str),
    /// Rewriting the store into fresh files, as a forget or purge asks.
    Rewrite,
    /// An uninstall's purge.
    Purge,
    /// A backup taken and imported into a new data folder, whose store
    /// is used from then on.
    Import,
    /// The tie index folded again from the log (a new half-life).
    Refold,
    /// Every person's ties read through the index, and checked.
    Read,
}

fn any_step() -> impl Strategy<Value = Step> {
    let key = || proptest::sample::select(vec!["K1", "K2", "K3", "K4"]);
    let content = proptest::option::of(proptest::sample::select(vec!["coffee", "lunch"]));
    prop_oneof![
        4 => any_interaction(&POOL).prop_map(Step::Log),
        2 => (key(), any_interaction(&POOL)).prop_map(|(k, i)| Step::LogOnce(k, i)),
        2 => proptest::collection::vec((key(), content, any_interaction(&POOL)), 1..4)
            .prop_map(Step::Batch),
        1 => proptest::collection::vec(any_interaction(&POOL), 0..4).prop_map(Step::Seed),
        1 => proptest::sample::select(POOL.to_vec()).prop_map(Step::Forget),
        1 => Just(Step::Rewrite),
        1 => Just(Step::Purge),
        1 => Just(Step::Import),
        1 => Just(Step::Refold),
        3 => Just(Step::Read),
    ]
}

/// Does `step` to the store in `held`, which an import replaces.
fn take(held: &mut (TempDir, SledStore), step: Step) {
    let store = &held.1;
    match step {
        Step::Log(interaction) => {
            store.log_interaction(&interaction).unwrap();
        }
        Step::LogOnce(key, interaction) => {
            store.log_interaction_once(key, &interaction).unwrap();
        }
        Step::Batch(logs) => {
            let batch: Vec<LogOnce> = logs
                .into_iter()
                .map(|(key, content, interaction)| LogOnce {
                    key: key.to_owned(),
                    content: content.map(RecentLogs::digest),
                    interaction,
                    done: tokio::sync::oneshot::channel().0,
                })
                .collect();
            for logged in store.log_batch_once(&batch) {
                logged.unwrap();
            }
        }
        Step::Seed(history) => {
            store.log_interactions(&history).unwrap();
        }
        Step::Forget(id) => {
            store.forget_person(&user(id)).unwrap();
        }
        Step::Rewrite => {
            store.rewrite_if_due().unwrap();
        }
        Step::Purge => store.purge_everything().unwrap(),
        Step::Import => {
            let file = held.0.path().join("backup.jsonl");
            let mut out = std::fs::File::create(&file).unwrap();
            store
                .export_backup(&mut out, at_minute(0), |_| ControlFlow::Continue(()))
                .unwrap();
            let data = tempfile::tempdir().unwrap();
            let options = StoreOptions::default();
            import_backup(
                data.path(),
                &file,
                &options,
                Replacing::EmptyOnly,
                |_, _| {},
            )
            .unwrap();
            let imported = SledStore::open(data.path(), &options).unwrap();
            *held = (data, imported);
        }
        Step::Refold => {
            store.rebuild_ties().unwrap();
        }
        Step::Read => check_every_read(store).unwrap(),
    }
}

/// Every person's ties, ties around them, and the ties among the first
/// half of the pool, as the index gives them, against a scan.
fn check_every_read(store: &SledStore) -> Result<(), TestCaseError> {
    for id in POOL {
        let me = user(id);
        prop_assert_eq!(
            store.ties_of(&me).unwrap(),
            scanned(store, &[id]),
            "ties of {}",
            id
        );
        let mut around: BTreeSet<&str> = BTreeSet::from([id]);
        let peers: Vec<String> = scanned(store, &[id])
            .iter()
            .filter_map(|t| t.pair.other(&me).map(|p| p.as_str().to_owned()))
            .collect();
        around.extend(peers.iter().map(String::as_str));
        let around: Vec<&str> = around.into_iter().collect();
        prop_assert_eq!(
            store.ties_around(&me).unwrap(),
            scanned(store, &around),
            "ties around {}",
            id
        );
    }
    let half: Vec<UserId> = POOL[..3].iter().map(|id| user(id)).collect();
    let among: Vec<Tie> = store
        .ties()
        .unwrap()
        .into_iter()
        .filter(|t| half.contains(t.pair.low()) && half.contains(t.pair.high()))
        .collect();
    prop_assert_eq!(store.ties_among(&half).unwrap(), among);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_index_finds_what_a_scan_finds_after_any_writes_and_removals(
        steps in proptest::collection::vec(any_step(), 1..16),
    ) {
        let mut held = open_temp();
        for step in steps {
            take(&mut held, step);
        }
        check_every_read(&held.1)?;
    }
}
