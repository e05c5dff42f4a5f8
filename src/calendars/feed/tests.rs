use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap()
}

/// A feed of `events`, as calendars write them: CRLF line ends.
fn feed(events: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//Calendar//EN\n{}END:VCALENDAR\n",
        events
    )
    .replace('\n', "\r\n")
}

fn read(events: &str) -> Feed {
    read_feed(
        &feed(events),
        at("2026-01-01T00:00:00Z"),
        at("2026-07-01T00:00:00Z"),
        zone("America/New_York"),
    )
    .unwrap()
}

#[test]
fn a_meeting_is_read_as_who_and_when_and_nothing_else() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:budget-1@example.com\n\
         DTSTART:20260310T150000Z\n\
         DTEND:20260310T153000Z\n\
         SUMMARY:Secret merger with Initech\n\
         DESCRIPTION:Bring the layoff list\n\
         LOCATION:Board room 7\n\
         URL:https://meet.example.com/xyz\n\
         ORGANIZER;CN=Ada:mailto:Ada@Example.com\n\
         ATTENDEE;CN=Ada;PARTSTAT=ACCEPTED:mailto:ada@example.com\n\
         ATTENDEE;CN=Bo;PARTSTAT=DECLINED:MAILTO:bo@example.com\n\
         ATTENDEE;CN=Room;CUTYPE=ROOM:urn:uuid:room-7\n\
         ATTENDEE;CN=\"Cy, from Sales\";PARTSTAT=TENTATIVE:mailto:cy@example.c\n \
         om\n\
         END:VEVENT\n",
    );
    assert_eq!(read.unknown_zones, 0);
    assert_eq!(
        read.meetings,
        [FeedMeeting {
            uid: "budget-1@example.com".to_owned(),
            instance: at("2026-03-10T15:00:00Z"),
            start: at("2026-03-10T15:00:00Z"),
            end: at("2026-03-10T15:30:00Z"),
            all_day: false,
            cancelled: false,
            group_asked: false,
            organizer: Some("ada@example.com".to_owned()),
            attendees: vec![
                Attendee {
                    email: "ada@example.com".to_owned(),
                    declined: false
                },
                Attendee {
                    email: "bo@example.com".to_owned(),
                    declined: true
                },
                Attendee {
                    email: "cy@example.com".to_owned(),
                    declined: false
                },
            ],
        }]
    );
    let everything = format!("{read:?}");
    for secret in [
        "merger",
        "Initech",
        "layoff",
        "Board room",
        "meet.example",
        "Sales",
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}

#[test]
fn a_weekly_meeting_stays_at_its_local_hour_with_its_exceptions_and_overrides() {
    // Every Monday 10:00 in Berlin from 2 March; summer time from 29 March.
    // 16 March is taken out; 23 March moved to 14:00 with one more person;
    // 6 April cancelled; the rule ends after 20 April.
    let read = read(
        "BEGIN:VEVENT\n\
         UID:weekly@example.com\n\
         DTSTART;TZID=Europe/Berlin:20260302T100000\n\
         DTEND;TZID=Europe/Berlin:20260302T103000\n\
         RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260420T235959Z\n\
         EXDATE;TZID=Europe/Berlin:20260316T100000\n\
         SUMMARY:Weekly sync\n\
         ATTENDEE:mailto:ada@example.com\n\
         ATTENDEE:mailto:bo@example.com\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:weekly@example.com\n\
         RECURRENCE-ID;TZID=Europe/Berlin:20260323T100000\n\
         DTSTART;TZID=Europe/Berlin:20260323T140000\n\
         DURATION:PT45M\n\
         ATTENDEE:mailto:ada@example.com\n\
         ATTENDEE:mailto:bo@example.com\n\
         ATTENDEE:mailto:cy@example.com\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:weekly@example.com\n\
         RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000\n\
         DTSTART;TZID=Europe/Berlin:20260406T100000\n\
         STATUS:CANCELLED\n\
         END:VEVENT\n",
    );
    let seen: Vec<(DateTime<Utc>, DateTime<Utc>, usize, bool)> = read
        .meetings
        .iter()
        .map(|m| (m.instance, m.start, m.attendees.len(), m.cancelled))
        .collect();
    assert_eq!(
        seen,
        [
            (
                at("2026-03-02T09:00:00Z"),
                at("2026-03-02T09:00:00Z"),
                2,
                false
            ),
            (
                at("2026-03-09T09:00:00Z"),
                at("2026-03-09T09:00:00Z"),
                2,
                false
            ),
            (
                at("2026-03-23T09:00:00Z"),
                at("2026-03-23T13:00:00Z"),
                3,
                false
            ),
            (
                at("2026-03-30T08:00:00Z"),
                at("2026-03-30T08:00:00Z"),
                2,
                false
            ),
            (
                at("2026-04-06T08:00:00Z"),
                at("2026-04-06T08:00:00Z"),
                0,
                true
            ),
            (
                at("2026-04-13T08:00:00Z"),
                at("2026-04-13T08:00:00Z"),
                2,
                false
            ),
            (
                at("2026-04-20T08:00:00Z"),
                at("2026-04-20T08:00:00Z"),
                2,
                false
            ),
        ]
    );
    let moved = &read.meetings[2];
    assert_eq!(moved.end - moved.start, Duration::minutes(45));
    assert_eq!(
        read.meetings[3].end - read.meetings[3].start,
        Duration::minutes(30)
    );
}

#[test]
fn an_until_without_a_zone_and_exceptions_without_one_are_the_event_s_own() {
    // Read by an owner in New York: the event's times are Berlin's, its
    // UNTIL a date, its EXDATE and the moved instance's RECURRENCE-ID
    // written without a zone.
    let berlin = read(
        "BEGIN:VEVENT\n\
         UID:berlin@example.com\n\
         DTSTART;TZID=Europe/Berlin:20260302T100000\n\
         DTEND;TZID=Europe/Berlin:20260302T103000\n\
         RRULE:FREQ=WEEKLY;UNTIL=20260323\n\
         EXDATE:20260309T100000\n\
         ATTENDEE:mailto:ada@example.com\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:berlin@example.com\n\
         RECURRENCE-ID:20260316T100000\n\
         DTSTART;TZID=Europe/Berlin:20260316T150000\n\
         DTEND;TZID=Europe/Berlin:20260316T153000\n\
         END:VEVENT\n",
    );
    let starts: Vec<DateTime<Utc>> = berlin.meetings.iter().map(|m| m.start).collect();
    assert_eq!(
        starts,
        [
            at("2026-03-02T09:00:00Z"),
            at("2026-03-16T14:00:00Z"),
            at("2026-03-23T09:00:00Z"),
        ],
        "9 March taken out, 16 March moved, none after 23 March"
    );
    // A floating event with a floating UNTIL: the owner's zone for both.
    let floating = read(
        "BEGIN:VEVENT\n\
         UID:floating-weekly@example.com\n\
         DTSTART:20260302T090000\n\
         RRULE:FREQ=WEEKLY;UNTIL=20260316T090000\n\
         END:VEVENT\n",
    );
    assert_eq!(floating.meetings.len(), 3, "{floating:?}");
    assert_eq!(floating.meetings[2].start, at("2026-03-16T13:00:00Z"));
}

#[test]
fn an_override_that_cannot_be_read_loses_its_instance_alone() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:series@example.com\n\
         DTSTART:20260302T090000Z\n\
         RRULE:FREQ=WEEKLY;COUNT=3\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:series@example.com\n\
         RECURRENCE-ID:20260309T090000Z\n\
         DTSTART;TZID=Nowhere/Atlantis:20260309T150000\n\
         END:VEVENT\n",
    );
    let starts: Vec<DateTime<Utc>> = read.meetings.iter().map(|m| m.start).collect();
    assert_eq!(
        starts,
        [at("2026-03-02T09:00:00Z"), at("2026-03-16T09:00:00Z")]
    );
}

#[test]
fn rooms_are_no_one_and_a_group_is_marked() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:all-hands@example.com\n\
         DTSTART:20260310T150000Z\n\
         ATTENDEE:mailto:ada@example.com\n\
         ATTENDEE;CUTYPE=ROOM:mailto:room-7@resource.example.com\n\
         ATTENDEE;CUTYPE=RESOURCE:mailto:projector@resource.example.com\n\
         ATTENDEE;CUTYPE=GROUP:mailto:everyone@example.com\n\
         END:VEVENT\n",
    );
    let meeting = &read.meetings[0];
    assert!(meeting.group_asked);
    let emails: Vec<&str> = meeting.attendees.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "everyone@example.com"]);
}

#[test]
fn only_instances_in_the_window_are_read() {
    // A daily meeting since 2005: twenty years of instances before the
    // window, none of them read.
    let read = read(
        "BEGIN:VEVENT\n\
         UID:daily@example.com\n\
         DTSTART:20050101T140000Z\n\
         DTEND:20050101T141500Z\n\
         RRULE:FREQ=DAILY\n\
         END:VEVENT\n",
    );
    assert_eq!(
        read.meetings.len(),
        181,
        "every day from 1 January to 30 June"
    );
    assert_eq!(read.meetings[0].start, at("2026-01-01T14:00:00Z"));
    assert_eq!(read.meetings[180].start, at("2026-06-30T14:00:00Z"));
}

#[test]
fn all_day_events_are_marked_and_floating_times_are_the_owner_s() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:offsite@example.com\n\
         DTSTART;VALUE=DATE:20260415\n\
         DTEND;VALUE=DATE:20260417\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:floating@example.com\n\
         DTSTART:20260415T090000\n\
         DTEND:20260415T100000\n\
         END:VEVENT\n",
    );
    let [offsite, floating] = read.meetings.as_slice() else {
        panic!("two meetings: {read:?}");
    };
    assert!(offsite.all_day && !floating.all_day);
    assert_eq!(offsite.start, at("2026-04-15T04:00:00Z"));
    assert_eq!(offsite.end - offsite.start, Duration::days(2));
    assert_eq!(
        floating.start,
        at("2026-04-15T13:00:00Z"),
        "09:00 in New York"
    );
}

#[test]
fn outlook_s_windows_zone_names_are_placed() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:outlook@example.com\n\
         DTSTART;TZID=W. Europe Standard Time:20260415T090000\n\
         DTEND;TZID=\"Pacific Standard Time\":20260415T010000\n\
         END:VEVENT\n",
    );
    assert_eq!(read.unknown_zones, 0);
    let meeting = &read.meetings[0];
    assert_eq!(
        meeting.start,
        at("2026-04-15T07:00:00Z"),
        "09:00 in Berlin, summer"
    );
    assert_eq!(
        meeting.end,
        at("2026-04-15T08:00:00Z"),
        "01:00 in Los Angeles"
    );
}

#[test]
fn an_event_in_a_zone_that_cannot_be_placed_is_counted_and_skipped() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:outlook@example.com\n\
         DTSTART;TZID=Somewhere Standard Time:20260415T090000\n\
         DTEND;TZID=Somewhere Standard Time:20260415T100000\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:fine@example.com\n\
         DTSTART:20260415T090000Z\n\
         END:VEVENT\n",
    );
    assert_eq!(read.unknown_zones, 1);
    assert_eq!(read.meetings.len(), 1);
    assert_eq!(read.meetings[0].end, read.meetings[0].start);
}

#[test]
fn a_page_that_is_no_calendar_is_refused_without_its_text() {
    let page = "<html><title>Sign in to see the Q3 layoffs</title></html>";
    let err = read_feed(
        page,
        at("2026-01-01T00:00:00Z"),
        at("2026-07-01T00:00:00Z"),
        Tz::UTC,
    )
    .unwrap_err();
    assert_eq!(err, FeedError::NotACalendar);
    assert!(!err.to_string().contains("layoffs"));
}

#[test]
fn a_feed_of_more_meetings_than_anyone_attends_is_refused_with_a_reason() {
    // Each event repeats every minute from the window's start: 5,000
    // meetings each, the most one event gives.
    let every_minute = |n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "BEGIN:VEVENT\nUID:tick-{i}@example.com\nDTSTART:20260101T000000Z\n\
                     RRULE:FREQ=MINUTELY\nATTENDEE:mailto:ada@example.com\nEND:VEVENT\n"
                )
            })
            .collect()
    };
    let (from, until) = (at("2026-01-01T00:00:00Z"), at("2026-07-01T00:00:00Z"));
    let at_the_most = read_feed(&feed(&every_minute(4)), from, until, Tz::UTC).unwrap();
    assert_eq!(at_the_most.meetings.len(), MOST_MEETINGS);

    let too_many = read_feed(&feed(&every_minute(5)), from, until, Tz::UTC);
    let err = too_many.map(|read| read.meetings.len()).unwrap_err();
    assert_eq!(err, FeedError::TooManyMeetings);
    let most = format!("{},{:03}", MOST_MEETINGS / 1000, MOST_MEETINGS % 1000);
    assert!(err.to_string().contains(&most), "{err}");
}

#[test]
fn durations_are_read_as_the_rfc_writes_them() {
    for (text, minutes) in [
        ("PT1H30M", 90),
        ("P1D", 24 * 60),
        ("P1W", 7 * 24 * 60),
        ("P1DT2H", 26 * 60),
        ("-PT15M", -15),
        ("PT0S", 0),
    ] {
        assert_eq!(
            parse_duration(text),
            Some(Duration::minutes(minutes)),
            "{text}"
        );
    }
    for bad in ["1H", "PT1D", "P1H", "PTXM", ""] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn a_duration_longer_than_time_holds_is_none() {
    for absurd in [
        "P99999999999999W",
        "P99999999999999D",
        "PT9223372036854775807S",
        // Each part fits; together they do not.
        "P100000000000DT9000000000000000S",
    ] {
        assert_eq!(parse_duration(absurd), None, "{absurd}");
    }
}

#[test]
fn an_event_whose_duration_ends_past_the_last_date_is_read_as_taking_no_time() {
    let read = read(
        "BEGIN:VEVENT\n\
         UID:days@example.com\n\
         DTSTART:20260310T150000Z\n\
         DURATION:P99999999D\n\
         ATTENDEE:mailto:ada@example.com\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:weeks@example.com\n\
         DTSTART:20260311T150000Z\n\
         DURATION:P99999999999999W\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:since-year-one@example.com\n\
         DTSTART:00010101T150000Z\n\
         DURATION:P95700000D\n\
         RDATE:20260312T150000Z\n\
         END:VEVENT\n\
         BEGIN:VEVENT\n\
         UID:fine@example.com\n\
         DTSTART:20260313T150000Z\n\
         DURATION:PT30M\n\
         END:VEVENT\n",
    );
    let times: Vec<(&str, DateTime<Utc>, DateTime<Utc>)> = read
        .meetings
        .iter()
        .map(|m| (m.uid.as_str(), m.start, m.end))
        .collect();
    let day = |d: u32| at(&format!("2026-03-{d}T15:00:00Z"));
    assert_eq!(
        times,
        [
            ("days@example.com", day(10), day(10)),
            ("weeks@example.com", day(11), day(11)),
            // Its length fits from year 1, not from its instance in 2026.
            ("since-year-one@example.com", day(12), day(12)),
            ("fine@example.com", day(13), at("2026-03-13T15:30:00Z")),
        ]
    );
    assert_eq!(read.meetings[0].attendees.len(), 1);
}

/// RFC 5545's own recurrence examples (section 3.8.5.3), each with the
/// number of instances the RFC lists, at 09:00 New York time through the
/// change from daylight saving time on 26 October 1997.
#[test]
fn the_rfc_s_recurrence_examples_give_the_instances_it_lists() {
    let examples = [
        ("19970902T090000", "FREQ=DAILY;COUNT=10", 10),
        ("19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z", 113),
        ("19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5", 5),
        ("19970902T090000", "FREQ=WEEKLY;COUNT=10", 10),
        ("19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z", 17),
        (
            "19970901T090000",
            "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE,FR;UNTIL=19971224T000000Z",
            25,
        ),
        (
            "19970902T090000",
            "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
            10,
        ),
        ("19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", 10),
        (
            "19970907T090000",
            "FREQ=MONTHLY;COUNT=10;BYDAY=1SU,-1SU",
            10,
        ),
        ("19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", 6),
        ("19970610T090000", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", 10),
    ];
    for (start, rule, expected) in examples {
        let text = feed(&format!(
            "BEGIN:VEVENT\nUID:rfc-{rule}\nDTSTAMP:19970901T130000Z\n\
             DTSTART;TZID=America/New_York:{start}\nDURATION:PT1H\nRRULE:{rule}\n\
             END:VEVENT\n"
        ));
        let read = read_feed(
            &text,
            at("1997-01-01T00:00:00Z"),
            at("2002-01-01T00:00:00Z"),
            zone("America/New_York"),
        )
        .unwrap();
        assert_eq!(read.meetings.len(), expected, "{rule}");
    }

    // Daily until 24 December: 09:00 EDT then 09:00 EST, as the RFC says.
    let text = feed(
        "BEGIN:VEVENT\nUID:rfc-daily\nDTSTAMP:19970901T130000Z\n\
         DTSTART;TZID=America/New_York:19970902T090000\nDURATION:PT1H\n\
         RRULE:FREQ=DAILY;UNTIL=19971224T000000Z\nEND:VEVENT\n",
    );
    let read = read_feed(
        &text,
        at("1997-01-01T00:00:00Z"),
        at("1998-01-01T00:00:00Z"),
        zone("UTC"),
    )
    .unwrap();
    let starts: Vec<_> = read.meetings.iter().map(|m| m.start).collect();
    assert_eq!(starts.first(), Some(&at("1997-09-02T13:00:00Z")));
    assert!(starts.contains(&at("1997-10-25T13:00:00Z")));
    assert!(starts.contains(&at("1997-10-26T14:00:00Z")));
    assert_eq!(starts.last(), Some(&at("1997-12-23T14:00:00Z")));
}
