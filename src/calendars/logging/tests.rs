use super::*;
use crate::calendars::{counted, read_feed};
use crate::domain::TeamId;
use crate::store::OnceKeys;
use crate::store::fixtures::open_temp_store;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn person(id: &str, name: &str, team: &str) -> Person {
    Person {
        team: Some(TeamId::parse(team).unwrap()),
        ..Person::new(UserId::parse(id).unwrap(), name)
    }
}

/// Ada (Engineering), Bo (Product), Cy (Engineering), Dee (Sales, opted
/// out), by email.
fn company() -> HashMap<&'static str, Person> {
    let mut dee = person("U4", "Dee", "Sales");
    dee.opted_out = true;
    HashMap::from([
        ("ada@example.com", person("U1", "Ada", "Engineering")),
        ("bo@example.com", person("U2", "Bo", "Product")),
        ("cy@example.com", person("U3", "Cy", "Engineering")),
        ("dee@example.com", dee),
    ])
}

/// The feed both Ada's and Bo's calendars publish: a weekly planning of
/// four colleagues and a stranger, and a stand-up of Ada and Cy.
const FEED: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
BEGIN:VEVENT\r\n\
UID:planning-7f3a@calendar.example.com\r\n\
DTSTART:20260302T150000Z\r\n\
DTEND:20260302T160000Z\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\n\
SUMMARY:Zanzibar acquisition war room\r\n\
DESCRIPTION:Dial-in 555-0199 and the Quokka numbers\r\n\
LOCATION:Moonbase conference room\r\n\
ATTENDEE:mailto:ada@example.com\r\n\
ATTENDEE:mailto:bo@example.com\r\n\
ATTENDEE:mailto:cy@example.com\r\n\
ATTENDEE:mailto:dee@example.com\r\n\
ATTENDEE:mailto:stranger@elsewhere.example\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:standup-1@calendar.example.com\r\n\
DTSTART:20260303T090000Z\r\n\
DTEND:20260303T091500Z\r\n\
SUMMARY:Zanzibar stand-up\r\n\
ATTENDEE:mailto:ada@example.com\r\n\
ATTENDEE:mailto:cy@example.com\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

/// What `owner`'s calendar logs on 1 April.
fn logged_from(owner: &str, people: &HashMap<&'static str, Person>, once: &OnceKeys) -> Vec<ToLog> {
    let now = at("2026-04-01T00:00:00Z");
    let feed = read_feed(FEED, now - Duration::days(180), now, Tz::UTC).unwrap();
    let meetings = counted(&feed, |email| email == owner, now, Duration::days(180), 8);
    to_log(&people[owner], &meetings, |email| people.get(email), once)
}

#[tokio::test]
async fn a_calendar_logs_its_owner_s_meetings_across_teams_each_once() {
    let people = company();
    let (dir, store) = open_temp_store();
    let known: Vec<Person> = people.values().cloned().collect();
    store.put_people(&known).await.unwrap();
    let once = store.once_keys().await.unwrap();
    let ada = logged_from("ada@example.com", &people, &once);
    // Three plannings, each Ada with Bo and with Cy; Dee opted out, the
    // stranger is nobody here; the stand-up is within Engineering.
    let pairs: Vec<(String, DateTime<Utc>)> = ada
        .iter()
        .map(|m| (m.interaction.participants[1].to_string(), m.interaction.at))
        .collect();
    assert_eq!(
        pairs,
        [
            ("U2".to_owned(), at("2026-03-02T15:00:00Z")),
            ("U3".to_owned(), at("2026-03-02T15:00:00Z")),
            ("U2".to_owned(), at("2026-03-09T15:00:00Z")),
            ("U3".to_owned(), at("2026-03-09T15:00:00Z")),
            ("U2".to_owned(), at("2026-03-16T15:00:00Z")),
            ("U3".to_owned(), at("2026-03-16T15:00:00Z")),
        ]
    );
    assert!(
        ada.iter()
            .all(|m| m.interaction.participants[0].as_str() == "U1"
                && m.interaction.kind == InteractionKind::Calendar
                && m.interaction.note.is_none()
                && m.interaction.logged_by.is_none())
    );

    assert_eq!(log(&store, &ada).await.unwrap(), 6);
    assert_eq!(
        log(&store, &ada).await.unwrap(),
        0,
        "read again: nothing new"
    );
    // Bo's calendar holds the same plannings: Bo with Ada is logged
    // already; Bo with Cy is new.
    let bo = logged_from("bo@example.com", &people, &once);
    assert_eq!(bo.len(), 6);
    assert_eq!(log(&store, &bo).await.unwrap(), 3);
    assert_eq!(store.interaction_count().await.unwrap(), 9);

    // Who and when only: no title, description or place anywhere on disk.
    store.flush().await.unwrap();
    drop(store);
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        for secret in [
            "Zanzibar",
            "Quokka",
            "555-0199",
            "Moonbase",
            "planning-7f3a",
            "calendar.example",
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {}",
                entry.display()
            );
        }
    }
}

#[tokio::test]
async fn a_meeting_within_the_owner_s_team_logs_nothing() {
    // Cy's calendar: the plannings are across teams (Bo is in Product),
    // and log Cy with Ada too; the stand-up with Ada alone is not.
    let (_dir, store) = open_temp_store();
    let cy = logged_from(
        "cy@example.com",
        &company(),
        &store.once_keys().await.unwrap(),
    );
    assert_eq!(cy.len(), 6, "{cy:?}");
    assert!(
        !cy.iter()
            .any(|m| m.interaction.at == at("2026-03-03T09:00:00Z"))
    );
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn someone_who_opted_out_or_was_forgotten_while_the_feed_was_read_is_not_logged() {
    let people = company();
    let (_dir, store) = open_temp_store();
    let known: Vec<Person> = people.values().cloned().collect();
    store.put_people(&known).await.unwrap();
    let ada = logged_from(
        "ada@example.com",
        &people,
        &store.once_keys().await.unwrap(),
    );
    // Read with Bo and Cy in it; then Bo opts out and Cy is forgotten.
    store
        .update_person(&UserId::parse("U2").unwrap(), |bo| bo.opted_out = true)
        .await
        .unwrap();
    store
        .forget_person(&UserId::parse("U3").unwrap())
        .await
        .unwrap();
    assert_eq!(log(&store, &ada).await.unwrap(), 0);
    assert_eq!(store.interaction_count().await.unwrap(), 0);
}
