//! The calendar host end to end: feeds fetched over HTTP as the bot's
//! calendar sync fetches them, read back line by line against RFC 5545's
//! rules (CRLF, 75-octet folding, escaping, parameters, nesting) and each
//! provider's habits, with their validators and every fault.

use super::tests::workspace;
use super::*;
use chrono::{DateTime, Duration, Utc};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use std::collections::BTreeSet;

fn now() -> DateTime<Utc> {
    "2024-11-08T16:00:00Z".parse().unwrap()
}

fn colleagues() -> Vec<String> {
    (2..=10)
        .map(|n| format!("person.{n}@{EMAIL_DOMAIN}"))
        .collect()
}

fn calendar(shape: CalendarShape) -> FakeCalendar {
    let owner = format!("person.1@{EMAIL_DOMAIN}");
    FakeCalendar::synthetic(&owner, &colleagues(), 42, now(), 90, shape)
}

fn http() -> reqwest::Client {
    crate::http_client()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A property read back: its name, parameters and raw value.
#[derive(Debug, Clone)]
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find_map(|(n, v)| (n == name).then_some(v.as_str()))
    }
}

/// Reads `body` as RFC 5545 demands, failing the test on any breach:
/// CRLF endings only, physical lines of at most 75 octets each valid
/// UTF-8 (a fold never splits a character), names of letters, digits and
/// dashes, parameter values quoted when they hold `:`, `;` or `,`, and
/// components nested properly inside one VCALENDAR. Answers the
/// components, each a list of its own properties.
fn read_feed(body: &[u8]) -> Vec<(String, Vec<Property>)> {
    assert!(body.ends_with(b"\r\n"), "the feed ends with CRLF");
    let mut logical: Vec<String> = Vec::new();
    for physical in body.split_inclusive(|b| *b == b'\n') {
        let physical = physical
            .strip_suffix(b"\r\n")
            .expect("every line break is CRLF");
        assert!(!physical.contains(&b'\r'), "a bare CR");
        assert!(physical.len() <= 75, "a line of {} octets", physical.len());
        let text = std::str::from_utf8(physical).expect("a fold splits no character");
        match text.strip_prefix(' ') {
            Some(continued) => logical
                .last_mut()
                .expect("a first line")
                .push_str(continued),
            None => logical.push(text.to_owned()),
        }
    }
    let mut components = Vec::new();
    let mut open: Vec<(String, Vec<Property>)> = Vec::new();
    for line in logical {
        let property = parse_line(&line);
        match property.name.as_str() {
            "BEGIN" => open.push((property.value, Vec::new())),
            "END" => {
                let (name, properties) = open.pop().expect("an END closes a BEGIN");
                assert_eq!(
                    name, property.value,
                    "END:{} closes BEGIN:{name}",
                    property.value
                );
                components.push((name, properties));
            }
            _ => open
                .last_mut()
                .expect("inside a component")
                .1
                .push(property),
        }
    }
    assert!(open.is_empty(), "unclosed {open:?}");
    assert_eq!(components.last().map(|c| c.0.as_str()), Some("VCALENDAR"));
    components
}

/// One unfolded content line: `name *(";" param) ":" value`.
fn parse_line(line: &str) -> Property {
    let name_end = line.find([';', ':']).expect("a name and a value");
    let name = &line[..name_end];
    assert!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "a bad name in {line}"
    );
    let mut rest = &line[name_end..];
    let mut params = Vec::new();
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=').expect("a parameter has a value");
        let param = after[..eq].to_owned();
        let after = &after[eq + 1..];
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let close = quoted.find('"').expect("a closing quote");
            (quoted[..close].to_owned(), &quoted[close + 1..])
        } else {
            let end = after.find([';', ':']).expect("more after a parameter");
            assert!(!after[..end].contains(','), "an unquoted comma in {line}");
            (after[..end].to_owned(), &after[end..])
        };
        params.push((param, value));
        rest = tail;
    }
    let value = rest
        .strip_prefix(':')
        .expect("a colon before the value")
        .to_owned();
    Property {
        name: name.to_owned(),
        params,
        value,
    }
}

/// A TEXT value unescaped (RFC 5545 §3.3.11).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            assert!(c != ';' && c != ',', "an unescaped {c} in {value}");
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(escaped @ ('\\' | ';' | ',')) => out.push(escaped),
            other => panic!("a bad escape \\{other:?} in {value}"),
        }
    }
    out
}

fn events(components: &[(String, Vec<Property>)]) -> Vec<&Vec<Property>> {
    components
        .iter()
        .filter(|(name, _)| name == "VEVENT")
        .map(|(_, properties)| properties)
        .collect()
}

fn first<'p>(event: &'p [Property], name: &str) -> Option<&'p Property> {
    event.iter().find(|p| p.name == name)
}

/// Checks what every feed must hold, whoever wrote it: each event has a
/// UID, a start and a stamp; every zone named has its VTIMEZONE; every
/// title, description and location reads back as written.
fn check_feed(calendar: &FakeCalendar, components: &[(String, Vec<Property>)]) {
    let zones: BTreeSet<&str> = components
        .iter()
        .filter(|(name, _)| name == "VTIMEZONE")
        .filter_map(|(_, p)| first(p, "TZID").map(|tz| tz.value.as_str()))
        .collect();
    let events = events(components);
    assert!(events.len() >= calendar.meetings.len());
    for event in &events {
        for name in ["UID", "DTSTART", "DTSTAMP", "SUMMARY"] {
            assert!(first(event, name).is_some(), "{name} missing");
        }
        for property in event.iter() {
            if let Some(tzid) = property.param("TZID") {
                assert!(zones.contains(tzid), "no VTIMEZONE for {tzid}");
            }
        }
    }
    for meeting in &calendar.meetings {
        let event = events
            .iter()
            .find(|e| first(e, "UID").is_some_and(|uid| uid.value == meeting.uid))
            .expect("each meeting has its event");
        assert_eq!(
            unescape(&first(event, "SUMMARY").unwrap().value),
            meeting.title
        );
        assert_eq!(
            unescape(&first(event, "DESCRIPTION").unwrap().value),
            meeting.description
        );
        assert_eq!(
            unescape(&first(event, "LOCATION").unwrap().value),
            meeting.location
        );
    }
}

#[tokio::test]
async fn a_google_feed_is_served_as_google_writes_it() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let calendar = calendar(CalendarShape::Google);
    let url = fake.publish_calendar("U0000001", calendar.clone());

    let response = http().get(&url).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    let body = response.bytes().await.unwrap();
    let components = read_feed(&body);
    check_feed(&calendar, &components);
    let text = String::from_utf8(body.to_vec()).unwrap();
    for expected in [
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n",
        "X-WR-TIMEZONE:Europe/Paris\r\n",
        "TZID:America/Los_Angeles\r\n",
        "DTSTART;TZID=Europe/Paris:",
        "EXDATE;TZID=Europe/Paris:",
        "RRULE:FREQ=WEEKLY;WKST=MO;COUNT=",
        "RRULE:FREQ=DAILY;COUNT=10\r\n",
        "STATUS:CANCELLED\r\n",
        "DTSTART;VALUE=DATE:",
    ] {
        assert!(text.contains(expected), "{expected} missing");
    }
    let attendees: Vec<&Property> = events(&components)
        .into_iter()
        .flatten()
        .filter(|p| p.name == "ATTENDEE")
        .collect();
    let person = attendees
        .iter()
        .find(|a| a.param("PARTSTAT") == Some("ACCEPTED"))
        .unwrap();
    let names: Vec<&str> = person.params.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["CUTYPE", "ROLE", "PARTSTAT", "CN", "X-NUM-GUESTS"]);
    assert!(person.value.starts_with("mailto:"));
    assert!(attendees.iter().any(|a| a.param("CUTYPE") == Some("ROOM")));
    // Overrides give their times in UTC and name the instance in the zone.
    let overrides: Vec<&Vec<Property>> = events(&components)
        .into_iter()
        .filter(|e| first(e, "RECURRENCE-ID").is_some())
        .collect();
    assert_eq!(overrides.len(), 6);
    for event in overrides {
        assert!(first(event, "DTSTART").unwrap().value.ends_with('Z'));
        assert_eq!(
            first(event, "RECURRENCE-ID").unwrap().param("TZID"),
            Some("Europe/Paris")
        );
    }
    assert!(text.contains("\r\n "), "long lines are folded");
    fake.stop().await;
}

#[tokio::test]
async fn an_outlook_feed_names_windows_zones_and_carries_exchanges_lines() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let calendar = calendar(CalendarShape::Outlook);
    let url = fake.publish_calendar("U0000002", calendar.clone());

    let body = http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let components = read_feed(&body);
    check_feed(&calendar, &components);
    let text = String::from_utf8(body.to_vec()).unwrap();
    for expected in [
        "PRODID:Microsoft Exchange Server 2010\r\n",
        "TZID:Romance Standard Time\r\n",
        "TZID:W. Europe Standard Time\r\n",
        "TZID:Pacific Standard Time\r\n",
        "DTSTART;TZID=Romance Standard Time:",
        "RECURRENCE-ID;TZID=Romance Standard Time:",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n",
        "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE\r\n",
        "CUTYPE=ROOM",
    ] {
        assert!(text.contains(expected), "{expected} missing");
    }
    assert!(
        !text.contains("Europe/Paris"),
        "Exchange names no IANA zone"
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_unchanged_feed_answers_304_to_its_validators_and_a_changed_one_200() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = fake.publish_calendar("U0000001", calendar(CalendarShape::Google));
    let http = http();
    let first = http.get(&url).send().await.unwrap();
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_owned();

    let same = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    let since = http
        .get(&url)
        .header(IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    let other = http
        .get(&url)
        .header(IF_NONE_MATCH, "\"other\"")
        .send()
        .await
        .unwrap();
    let mut edited = calendar(CalendarShape::Google);
    edited.meetings.pop();
    let again = fake.publish_calendar("U0000001", edited);
    let after_edit = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();

    assert!(etag.starts_with('"') && etag.len() > 20, "{etag}");
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers()[ETAG], etag.as_str());
    assert!(same.bytes().await.unwrap().is_empty());
    assert_eq!(since.status(), 304);
    assert_eq!(other.status(), 200);
    assert_eq!(again, url, "an edited calendar keeps its address");
    assert_eq!(after_edit.status(), 200);
    assert_ne!(after_edit.headers()[ETAG], etag.as_str());
    let fetches: Vec<(bool, u16)> = fake
        .calendar_fetches("U0000001")
        .iter()
        .map(|f| (f.conditional, f.status))
        .collect();
    assert_eq!(
        fetches,
        [
            (false, 200),
            (true, 304),
            (true, 304),
            (true, 200),
            (true, 200)
        ]
    );
    assert_eq!(fake.calendar_url("U0000001"), Some(url));
    fake.stop().await;
}

#[tokio::test]
async fn each_fault_answers_as_feeds_misbehave_in_the_wild() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = fake.publish_calendar("U0000001", calendar(CalendarShape::Google));
    let http = http();
    let fetch = |fault: CalendarFault| {
        fake.set_calendar_fault("U0000001", Some(fault));
        http.get(&url).send()
    };

    let gone = fetch(CalendarFault::NotFound).await.unwrap();
    let down = fetch(CalendarFault::ServerError(503)).await.unwrap();
    let page = fetch(CalendarFault::NotICalendar).await.unwrap();
    let moved = fetch(CalendarFault::RedirectTo(
        "https://calendar.example/new.ics".into(),
    ))
    .await
    .unwrap();
    let mut huge = fetch(CalendarFault::TooLarge).await.unwrap();
    let mut streamed = 0;
    while let Some(chunk) = huge.chunk().await.unwrap() {
        streamed += chunk.len();
    }
    fake.set_calendar_fault(
        "U0000001",
        Some(CalendarFault::Slow(std::time::Duration::from_millis(800))),
    );
    let late = http
        .get(&url)
        .timeout(std::time::Duration::from_millis(100))
        .send()
        .await;
    fake.set_calendar_fault("U0000001", None);
    let fine = http.get(&url).send().await.unwrap();

    assert_eq!(gone.status(), 404);
    assert_eq!(down.status(), 503);
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    assert_eq!(moved.status(), 302);
    assert_eq!(
        moved.headers()["location"],
        "https://calendar.example/new.ics"
    );
    assert!(streamed > 10_000_000, "{streamed} bytes");
    assert!(late.is_err_and(|error| error.is_timeout()));
    assert_eq!(fine.status(), 200);
    let faults: Vec<(u16, Option<CalendarFault>)> = fake
        .calendar_fetches("U0000001")
        .into_iter()
        .map(|f| (f.status, f.fault))
        .collect();
    assert_eq!(faults.len(), 7);
    assert_eq!(faults[0], (404, Some(CalendarFault::NotFound)));
    assert_eq!(faults[4], (200, Some(CalendarFault::TooLarge)));
    assert_eq!(faults[6], (200, None));
    fake.stop().await;
}

#[tokio::test]
async fn a_held_feed_is_answered_whole_once_its_gate_opens() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = fake.publish_calendar("U0000001", calendar(CalendarShape::Google));
    let gate = Gate::default();
    fake.set_calendar_fault("U0000001", Some(CalendarFault::Held(gate.clone())));
    let read = tokio::spawn(http().get(&url).send());

    crate::wait::eventually("the fetch arrived", || {
        !fake.calendar_fetches("U0000001").is_empty()
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!read.is_finished(), "the answer waits for the gate");
    gate.open();
    let answer = read.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().starts_with("BEGIN:VCALENDAR"));
    fake.stop().await;
}

#[tokio::test]
async fn a_guessed_address_is_not_found_and_not_counted_as_anyones_fetch() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = fake.publish_calendar("U0000001", calendar(CalendarShape::Google));
    let token = url.rsplit('/').next().unwrap().trim_end_matches(".ics");
    let guessed = url.replace(token, &"0".repeat(32));

    let answer = http().get(&guessed).send().await.unwrap();
    let without_suffix = http()
        .get(url.trim_end_matches(".ics"))
        .send()
        .await
        .unwrap();

    assert_eq!(token.len(), 32);
    assert_eq!(answer.status(), 404);
    assert_eq!(without_suffix.status(), 404);
    assert!(fake.calendar_fetches("U0000001").is_empty());
    fake.stop().await;
}

#[test]
fn a_large_feed_is_a_few_megabytes_of_well_formed_icalendar() {
    let owner = format!("person.1@{EMAIL_DOMAIN}");
    let calendar = FakeCalendar::large(&owner, &colleagues(), 7, now(), CalendarShape::Outlook);
    let body = ical::write(&calendar);
    assert!(
        (2_000_000..10_000_000).contains(&body.len()),
        "{} bytes",
        body.len()
    );
    check_feed(&calendar, &read_feed(body.as_bytes()));
    let counted = calendar.countable(now(), Duration::days(365), 8);
    assert!(counted.len() > 500, "{}", counted.len());
}
