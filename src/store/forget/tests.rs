//! Tests of forgetting a person: nothing of them is left in any tree, and
//! what is left of everyone else is consistent.
//!
//! The ids are words (`UADA`, `UBOB`), not `U1`: the check for traces is a
//! byte search, and `U1` is part of `U12` and of binary keys.

use super::Forgotten;
use crate::domain::{
    ChannelId, Interaction, InteractionKind, Nudge, NudgeReason, Outgoing, PairKey, Person,
    SentNudge, SharedContact, TeamId, UserId,
};
use crate::store::SledStore;
use crate::store::fixtures::{
    any_interaction, at_minute, contents, intro_naming, meeting, open_temp, person, places_holding,
    places_mentioning, reminder_quoting, reopen, sent, ties_folded_from, user,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn logged_by(mut interaction: Interaction, logger: &str) -> Interaction {
    interaction.logged_by = Some(user(logger));
    interaction
}

fn pair(a: &str, b: &str) -> PairKey {
    PairKey::new(&user(a), &user(b)).unwrap()
}

/// The log without its ids.
fn log_of(store: &SledStore) -> Vec<Interaction> {
    let log = store.interactions().unwrap();
    log.into_iter()
        .map(|(_, interaction)| interaction)
        .collect()
}

#[test]
fn forgetting_a_person_leaves_no_trace_and_the_rest_consistent() {
    let (_dir, store) = open_temp();
    let ada = person("UADA", "Ada", Some("Payments"));
    let mut bob = person("UBOB", "Bob", Some("Search"));
    bob.paused = BTreeSet::from([user("UADA"), user("UCY")]);
    let mut cy = person("UCY", "Cy", Some("Search"));
    cy.paused.insert(user("UADA"));
    let dee = person("UDEE", "Dee", None);
    store
        .put_people(&[ada, bob, cy, dee.clone(), person("WEVE", "Eve", None)])
        .unwrap();

    // `meeting` is logged by its first participant: Ada logged these two.
    let with_bob = meeting(at_minute(0), &["UADA", "UBOB"], Some("coffee"));
    let her_note = meeting(at_minute(20), &["UADA", "UBOB", "UCY"], Some("roadmap"));
    let without_her = logged_by(
        meeting(at_minute(5), &["UBOB", "UCY", "UDEE"], None),
        "UBOB",
    );
    let cy_note = logged_by(
        meeting(at_minute(30), &["UADA", "UCY", "UDEE"], Some("incident")),
        "UCY",
    );
    let we_met = Interaction::new(
        at_minute(40),
        InteractionKind::WeMet,
        [user("UDEE"), user("UADA")],
        None,
        None,
    )
    .unwrap();
    let sync = meeting(at_minute(10), &["UBOB", "UCY"], Some("sync"));
    let for_others = logged_by(
        meeting(at_minute(50), &["UBOB", "WEVE"], Some("intro")),
        "UADA",
    );
    for interaction in [&with_bob, &her_note, &without_her, &cy_note, &we_met, &sync] {
        store.log_interaction(interaction).unwrap();
    }
    store.log_interaction_once("A1", &for_others).unwrap();
    let retried = meeting(at_minute(60), &["UBOB", "UADA"], None);
    store.log_interaction_once("A2", &retried).unwrap();
    // Dee was introduced to Cy, with Ada named as someone both know.
    let intro = intro_naming("UDEE", "UCY", 101, "UADA");
    for nudge in [
        sent("UADA", "UBOB", 100),
        sent("UBOB", "UADA", 100),
        sent("UCY", "UDEE", 100),
        intro.clone(),
    ] {
        store.record_nudge_sent(&nudge).unwrap();
    }
    // Queued: an introduction naming her as the contact, and one that does not.
    let queued = |shared_contact: Option<SharedContact>| {
        let mut reason = intro.reason.clone().unwrap();
        if let NudgeReason::Intro(intro) = &mut reason {
            intro.shared_contact = shared_contact;
        }
        Outgoing::Nudge(Nudge {
            to: user("UCY"),
            about: user("UDEE"),
            about_team: TeamId::parse("Search").unwrap(),
            planned_at: at_minute(102),
            reason,
        })
    };
    let kept = store
        .enqueue(
            vec![
                queued(Some(SharedContact::Mutual(user("UADA")))),
                queued(None),
            ],
            at_minute(102),
        )
        .unwrap()
        .remove(1);
    store
        .remember_dm_channel(&user("UADA"), &ChannelId::parse("DADA").unwrap())
        .unwrap();
    assert!(store.first_delivery("Ev0001", at_minute(100)).unwrap());
    store
        .put_calendar(&crate::domain::CalendarFeed::new(
            user("UADA"),
            crate::domain::SealedAddress::from_sealed("c2VhbGVk".into()),
            at_minute(100),
        ))
        .unwrap();
    // The search finds her everywhere she is, before.
    let before = places_mentioning(&store, &user("UADA"));
    for tree in ["people:", "interactions:", "ties:", "nudges:", "calendars:"] {
        assert!(before.iter().any(|p| p.starts_with(tree)), "{before:?}");
    }

    let forgotten = store.forget_person(&user("UADA")).unwrap();
    assert_eq!(
        forgotten,
        Forgotten {
            interactions_removed: 3,
            interactions_rewritten: 3,
            ties_removed: 3,
            nudges_removed: 2,
            queued_removed: 1,
            circles_left: 0,
            calendar_removed: true,
        }
    );
    assert_eq!(
        places_mentioning(&store, &user("UADA")),
        Vec::<String>::new()
    );

    // The others keep their meetings, without her, her name and any note.
    let rest = |people: &[&str], logger: Option<&str>, minute| Interaction {
        participants: people.iter().map(|id| user(id)).collect(),
        logged_by: logger.map(user),
        note: None,
        at: at_minute(minute),
        kind: InteractionKind::Meeting,
    };
    assert_eq!(
        log_of(&store),
        [
            rest(&["UBOB", "UCY"], None, 20),
            without_her,
            rest(&["UCY", "UDEE"], Some("UCY"), 30),
            sync,
            rest(&["UBOB", "WEVE"], None, 50),
        ]
    );
    assert_eq!(store.interaction_count(), 5);
    let log = store.interactions().unwrap();
    assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
    // Her note no longer speaks for the pairs she shared it with.
    let note = |a, b| store.tie(&pair(a, b)).unwrap().unwrap().last_note;
    assert_eq!(note("UBOB", "UCY").as_deref(), Some("sync"));
    assert_eq!(note("UCY", "UDEE"), None);
    assert_eq!(store.tie(&pair("UBOB", "UCY")).unwrap().unwrap().count, 3);

    let people = store.people().unwrap();
    let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["UBOB", "UCY", "UDEE", "WEVE"]);
    assert_eq!(people[0].paused, BTreeSet::from([user("UCY")]));
    assert!(people[1].paused.is_empty());
    assert_eq!(people[2], dee);
    // The introduction stays, without her as its contact.
    let mut intro_without_her = intro;
    if let Some(NudgeReason::Intro(intro)) = &mut intro_without_her.reason {
        intro.shared_contact = None;
    }
    assert_eq!(
        store.nudges_sent_since(at_minute(0)).unwrap(),
        [sent("UCY", "UDEE", 100), intro_without_her]
    );
    assert_eq!(store.outbox().unwrap(), [kept]);
    assert_eq!(store.dm_channel(&user("UADA")).unwrap(), None);
    // Keys stay: a retry of a forgotten meeting does not bring it back.
    assert_eq!(store.log_interaction_once("A2", &retried).unwrap(), None);
    assert!(!store.first_delivery("Ev0001", at_minute(101)).unwrap());

    let after_once = contents(&store);
    assert_eq!(
        store.forget_person(&user("UADA")).unwrap(),
        Forgotten::default()
    );
    assert_eq!(contents(&store), after_once);
}

#[test]
fn her_note_leaves_the_reminders_to_others_that_quote_it_sent_or_queued() {
    let (_dir, store) = open_temp();
    store
        .put_people(&[
            person("UADA", "Ada", Some("Payments")),
            person("UBOB", "Bob", Some("Search")),
            person("UCY", "Cy", Some("Search")),
            person("UDEE", "Dee", Some("Payments")),
        ])
        .unwrap();
    // Ada noted the three's meeting; Bob and Dee noted their own.
    store
        .log_interaction(&meeting(
            at_minute(0),
            &["UADA", "UBOB", "UCY"],
            Some("layoffs"),
        ))
        .unwrap();
    store
        .log_interaction(&meeting(at_minute(1), &["UBOB", "UDEE"], Some("roadmap")))
        .unwrap();
    // Bob was reminded of Cy, quoting Ada's note; Cy's reminder of Bob
    // waits in the outbox; Bob's reminder of Dee quotes his own note.
    let to_bob = reminder_quoting("UBOB", "UCY", 100, "layoffs");
    store
        .record_nudge_sent(&SentNudge::of(&to_bob, at_minute(100)))
        .unwrap();
    let of_dee = SentNudge::of(
        &reminder_quoting("UBOB", "UDEE", 100, "roadmap"),
        at_minute(101),
    );
    store.record_nudge_sent(&of_dee).unwrap();
    let to_cy = reminder_quoting("UCY", "UBOB", 102, "layoffs");
    store
        .enqueue(vec![Outgoing::Nudge(to_cy.clone())], at_minute(102))
        .unwrap();

    store.forget_person(&user("UADA")).unwrap();

    assert_eq!(places_holding(&store, b"layoffs"), Vec::<String>::new());
    let unquoted = |mut nudge: Nudge| {
        nudge.reason.drop_quoted_note();
        nudge
    };
    assert_eq!(
        store.nudges_sent_since(at_minute(0)).unwrap(),
        [SentNudge::of(&unquoted(to_bob), at_minute(100)), of_dee]
    );
    let queued: Vec<Outgoing> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|i| i.outgoing)
        .collect();
    assert_eq!(queued, [Outgoing::Nudge(unquoted(to_cy))]);
}

#[test]
fn forgetting_someone_the_store_never_knew_changes_nothing() {
    let (_dir, store) = open_temp();
    store.put_person(&person("UBOB", "Bob", None)).unwrap();
    store
        .log_interaction(&meeting(at_minute(0), &["UBOB", "UCY"], Some("coffee")))
        .unwrap();
    let before = contents(&store);
    assert_eq!(
        store.forget_person(&user("UZED")).unwrap(),
        Forgotten::default()
    );
    assert_eq!(contents(&store), before);
}

#[test]
fn a_forget_leaves_a_tombstone_that_knows_them_again_and_names_nobody() {
    let (dir, store) = open_temp();
    store
        .put_people(&[person("UADA", "Ada", None), person("UBOB", "Bob", None)])
        .unwrap();
    assert!(!store.is_forgotten(&user("UADA")).unwrap());

    store.forget_person(&user("UADA")).unwrap();
    assert!(store.is_forgotten(&user("UADA")).unwrap());
    assert!(!store.is_forgotten(&user("UBOB")).unwrap());
    assert!(!store.is_forgotten(&user("UCY")).unwrap());

    // Nothing readable: not her id, and not its plain hash, which anyone
    // could compute from the ids Slack lists.
    assert_eq!(
        places_mentioning(&store, &user("UADA")),
        Vec::<String>::new()
    );
    let plain = <sha2::Sha256 as sha2::Digest>::digest(b"UADA");
    assert_eq!(places_holding(&store, &plain), Vec::<String>::new());
    let tombstones = |store: &SledStore| -> Vec<Vec<u8>> {
        let trees = store.trees().unwrap();
        trees
            .tombstones
            .iter()
            .keys()
            .map(|k| k.unwrap().to_vec())
            .collect()
    };
    let hers = tombstones(&store);
    assert_eq!(hers.len(), 1);
    // Keyed by the store's own key: another store's tombstone of her differs.
    let (_other_dir, other) = open_temp();
    other.forget_person(&user("UADA")).unwrap();
    assert_ne!(tombstones(&other), hers);

    store.flush().unwrap();
    drop(store);
    let store = reopen(dir.path()).unwrap();
    assert!(store.is_forgotten(&user("UADA")).unwrap(), "it lasts");
    // A second forget adds nothing.
    store.forget_person(&user("UADA")).unwrap();
    assert_eq!(tombstones(&store), hers);
}

#[test]
fn lifting_a_tombstone_lets_that_person_back_and_no_one_else() {
    let (_dir, store) = open_temp();
    for id in ["UADA", "UBOB"] {
        store.forget_person(&user(id)).unwrap();
    }
    store.lift_tombstone(&user("UADA")).unwrap();
    store.lift_tombstone(&user("UCY")).unwrap();
    assert!(!store.is_forgotten(&user("UADA")).unwrap());
    assert!(store.is_forgotten(&user("UBOB")).unwrap());
}

#[test]
fn a_purge_leaves_no_tombstone() {
    let (_dir, store) = open_temp();
    store.forget_person(&user("UADA")).unwrap();
    store.purge_everything().unwrap();
    assert!(!store.is_forgotten(&user("UADA")).unwrap());
}

const POOL: [&str; 5] = ["UADA", "UBOB", "UCY", "UDEE", "WEVE"];

/// The log as forgetting `id` should leave it.
fn without(log: Vec<Interaction>, id: &UserId) -> Vec<Interaction> {
    log.into_iter()
        .filter_map(|interaction| {
            let logged = interaction.logged_by.as_ref() == Some(id);
            if !interaction.participants.contains(id) && !logged {
                return Some(interaction);
            }
            // `new` keeps the order and needs two: what forgetting keeps.
            Interaction::new(
                interaction.at,
                interaction.kind,
                interaction.participants.into_iter().filter(|p| p != id),
                interaction.logged_by.filter(|logger| logger != id),
                None,
            )
        })
        .collect()
}

fn any_logged() -> impl Strategy<Value = (Interaction, Option<&'static str>)> {
    (
        any_interaction(&POOL),
        proptest::option::of(proptest::sample::select(POOL.to_vec())),
        // A few keys, so that some logs repeat one.
        proptest::option::of(proptest::sample::select(vec!["A1", "A2", "A3"])),
    )
        .prop_map(|(mut interaction, logger, key)| {
            interaction.logged_by = logger.map(user);
            (interaction, key)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn after_any_history_and_a_forget_the_ties_are_the_fold_and_the_person_is_nowhere(
        logs in proptest::collection::vec(any_logged(), 0..12),
        paused in proptest::collection::vec(proptest::sample::subsequence(POOL.to_vec(), 0..3), 5),
        nudges in proptest::collection::vec(
            (proptest::sample::select(POOL.to_vec()), proptest::sample::select(POOL.to_vec()), 0_i64..3),
            0..6,
        ),
        forgotten in proptest::sample::select(POOL.to_vec()),
    ) {
        let (_dir, store) = open_temp();
        let people: Vec<Person> = POOL
            .iter()
            .zip(&paused)
            .map(|(id, paused)| Person {
                paused: paused.iter().map(|p| user(p)).collect(),
                ..person(id, id, None)
            })
            .collect();
        store.put_people(&people).unwrap();
        let mut expected = Vec::new();
        for (interaction, key) in logs {
            let logged = match key {
                Some(key) => store.log_interaction_once(key, &interaction).unwrap().is_some(),
                None => store.log_interaction(&interaction).map(|_| true).unwrap(),
            };
            if logged {
                expected.push(interaction);
            }
        }
        for (to, about, minute) in nudges {
            store.record_nudge_sent(&sent(to, about, minute)).unwrap();
        }
        let id = user(forgotten);
        let theirs = store.export_person(&id).unwrap();

        let first = store.forget_person(&id).unwrap();
        let remaining = without(expected.clone(), &id);
        let removed = expected.len() - remaining.len();
        prop_assert_eq!(
            first,
            Forgotten {
                interactions_removed: removed,
                interactions_rewritten: theirs.interactions.len() - removed,
                ties_removed: theirs.ties.len() + theirs.unnamed_ties.len(),
                nudges_removed: theirs.nudges_received.len() + theirs.nudges_about.len(),
                queued_removed: 0,
                circles_left: 0,
                calendar_removed: false,
            }
        );
        prop_assert_eq!(log_of(&store), remaining);
        let log = store.interactions().unwrap();
        prop_assert_eq!(store.interaction_count(), log.len());
        prop_assert_eq!(store.ties().unwrap(), ties_folded_from(&log));
        prop_assert_eq!(places_mentioning(&store, &id), Vec::<String>::new());
        prop_assert_eq!(store.ties_of(&id).unwrap(), vec![]);

        let after_once = contents(&store);
        prop_assert_eq!(store.forget_person(&id).unwrap(), Forgotten::default());
        prop_assert_eq!(contents(&store), after_once);
    }
}
