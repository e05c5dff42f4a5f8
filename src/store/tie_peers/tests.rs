//! Tests of the peer index: the ties it finds are those a scan of every
//! tie finds, as they are logged and forgotten.

use crate::domain::{Tie, UserId};
use crate::store::Store;
use crate::store::fixtures::{at_minute, meeting, open_temp, user};

/// What the index must give: the ties, by a scan.
fn scanned(store: &Store, around: &[&str]) -> Vec<Tie> {
    store
        .ties()
        .unwrap()
        .into_iter()
        .filter(|tie| around.iter().any(|id| tie.pair.contains(&user(id))))
        .collect()
}

fn log(store: &Store, people: &[&str], minute: i64) {
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
