use super::*;
use crate::domain::test_time::utc;
use crate::domain::{InteractionKind, Person};
use crate::history::parse::parse;
use crate::store::fixtures::open_temp_store;

const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn key() -> CalendarKey {
    CalendarKey::parse(KEY).unwrap()
}

/// A workspace: Ada (by email too) and Bo, reachable; Cy opted out; Di
/// gone; Ed forgotten.
async fn workspace(store: &Store) {
    let mut ada = Person::new(user("U01"), "Ada");
    ada.email = Some(key().email_hash("ada@example.com"));
    let bo = Person::new(user("U02"), "Bo");
    let mut cy = Person::new(user("U03"), "Cy");
    cy.opted_out = true;
    cy.email = Some(key().email_hash("cy@example.com"));
    let mut di = Person::new(user("U04"), "Di");
    di.deactivated = true;
    let ed = Person::new(user("U05"), "Ed");
    store.put_people(&[ada, bo, cy, di, ed]).await.unwrap();
    store.forget_person(&user("U05")).await.unwrap();
}

fn rows(file: &str) -> Vec<Row<Who>> {
    let parsed = parse(file.as_bytes(), utc(2026, 12, 1, 9, 0)).unwrap();
    assert_eq!(parsed.bad, []);
    identify(parsed.rows, Some(&key())).unwrap()
}

fn logged(plan: &Plan) -> Vec<Vec<&str>> {
    plan.to_log
        .iter()
        .map(|row| {
            row.interaction
                .participants
                .iter()
                .map(UserId::as_str)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn people_who_opted_out_left_were_forgotten_or_are_unknown_are_not_logged() {
    let (_dir, store) = open_temp_store();
    workspace(&store).await;
    let rows = rows(
        "date,participants,kind\n\
         2026-11-20,ADA@example.com;U02;cy@example.com,meeting\n\
         2026-11-21,U01;CY@example.com;U04;U05;U99;zed@example.com,calendar\n\
         2026-11-22,U02;U04,meeting\n",
    );
    let plan = plan(
        &rows,
        &Loggable::of(&store).await.unwrap(),
        &store.once_keys().await.unwrap(),
    );
    assert_eq!(logged(&plan), [vec!["U01", "U02"]]);
    assert_eq!(plan.to_log[0].interaction.at, utc(2026, 11, 20, 12, 0));
    assert_eq!(plan.to_log[0].interaction.kind, InteractionKind::Meeting);
    assert_eq!(plan.to_log[0].interaction.logged_by, None);
    assert_eq!(plan.too_few, 2, "Ada alone, and Bo alone");
    assert_eq!(
        plan.left_out, 5,
        "Cy (once, though named twice), Di, Ed, U99 and zed"
    );
}

#[tokio::test]
async fn a_row_is_logged_once_however_often_it_is_imported_or_repeated() {
    let (_dir, store) = open_temp_store();
    workspace(&store).await;
    let file = "date,participants\n\
                2026-11-20T14:00:00Z,U01;U02\n\
                2026-11-20T15:00:00+01:00,U02;U01\n\
                2026-11-20,U01;U02\n";
    let loggable = Loggable::of(&store).await.unwrap();
    let first = write(
        &store,
        &plan(&rows(file), &loggable, &store.once_keys().await.unwrap()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(first, Wrote { new: 2, already: 1 });
    let again = write(
        &store,
        &plan(&rows(file), &loggable, &store.once_keys().await.unwrap()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(again, Wrote { new: 0, already: 3 });
    assert_eq!(store.interaction_count().await.unwrap(), 2);
}

#[tokio::test]
async fn a_row_keeps_its_key_when_someone_left_out_opts_in_so_nothing_is_doubled() {
    let (_dir, store) = open_temp_store();
    workspace(&store).await;
    let file = "date,participants\n2026-11-20,U01;U02;U03\n";
    let before = plan(
        &rows(file),
        &Loggable::of(&store).await.unwrap(),
        &store.once_keys().await.unwrap(),
    );
    write(&store, &before, |_, _| {}).await.unwrap();

    store
        .update_person(&user("U03"), |cy| cy.opted_out = false)
        .await
        .unwrap();
    let after = plan(
        &rows(file),
        &Loggable::of(&store).await.unwrap(),
        &store.once_keys().await.unwrap(),
    );
    assert_eq!(logged(&after), [vec!["U01", "U02", "U03"]]);
    assert_eq!(after.to_log[0].key, before.to_log[0].key);
    assert_eq!(
        write(&store, &after, |_, _| {}).await.unwrap(),
        Wrote { new: 0, already: 1 }
    );
    assert_eq!(store.interaction_count().await.unwrap(), 1);
}

#[tokio::test]
async fn a_key_differs_by_date_kind_and_people_and_is_a_digest() {
    let rows = rows(
        "date,participants,kind\n\
         2026-11-20,U01;U02,meeting\n\
         2026-11-21,U01;U02,meeting\n\
         2026-11-20,U01;U02,calendar\n\
         2026-11-20,U01;U03,meeting\n\
         2026-11-20,U02;U01,meeting\n\
         2026-11-20,ada@example.com;U02,meeting\n",
    );
    let (_dir, store) = crate::store::fixtures::open_temp_store();
    let once = store.once_keys().await.unwrap();
    let keys: Vec<String> = rows.iter().map(|row| key_of(row, &once)).collect();
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 5, "the fifth is the first, reordered");
    assert_eq!(keys[0], keys[4]);
    for key in &keys {
        let digest = key.strip_prefix("history:").unwrap();
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[test]
fn an_email_without_the_key_is_refused_with_the_variable_and_the_sync() {
    let parsed = parse(
        "date,participants\n2026-11-20,ada@example.com;U02\n".as_bytes(),
        utc(2026, 12, 1, 9, 0),
    )
    .unwrap();
    let err = identify(parsed.rows, None).unwrap_err().to_string();
    assert!(
        err.contains("ALLIANCES_ENCRYPTION_KEY") && err.contains("people sync"),
        "{err}"
    );
    assert!(!err.contains("ada"));
}

#[tokio::test]
async fn writing_reports_its_progress_after_each_thousand_rows_and_at_the_end() {
    let (_dir, store) = open_temp_store();
    workspace(&store).await;
    let mut file = String::from("date,participants\n2026-11-20,U01;U02\n");
    file.push_str(&"2026-11-21,U01;U02\n".repeat(2_499));
    let mut seen = Vec::new();
    let wrote = write(
        &store,
        &plan(
            &rows(&file),
            &Loggable::of(&store).await.unwrap(),
            &store.once_keys().await.unwrap(),
        ),
        |done, total| seen.push((done, total)),
    )
    .await
    .unwrap();
    assert_eq!(seen, [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]);
    assert_eq!(
        wrote,
        Wrote {
            new: 2,
            already: 2_498
        }
    );
    assert_eq!(store.interaction_count().await.unwrap(), 2);
}
