use super::*;
use crate::domain::test_time::utc;

fn now() -> DateTime<Utc> {
    utc(2026, 12, 1, 9, 0)
}

fn read(text: &str) -> Parsed {
    read_at(text, now())
}

fn read_at(text: &str, now: DateTime<Utc>) -> Parsed {
    parse(text.as_bytes(), now).unwrap()
}

fn slack(id: &str) -> Participant {
    Participant::Slack(UserId::parse(id).unwrap())
}

fn email(address: &str) -> Participant {
    Participant::Email(Email(address.to_owned()))
}

fn problems(text: &str) -> Vec<(u64, Problem)> {
    let parsed = read(text);
    parsed
        .bad
        .into_iter()
        .map(|b| (b.line, b.problem))
        .collect()
}

#[test]
fn an_excel_export_with_a_byte_order_mark_crlf_and_quotes_gives_its_rows() {
    let file = "\u{feff}Date,Participants,Kind\r\n\
                2026-11-20,\"U01;U02\",meeting\r\n\
                \"2026-11-21\",\"ada@example.com, Bo@Example.com\",Calendar\r\n";
    let parsed = read(file);
    assert_eq!(parsed.bad, []);
    assert_eq!(
        parsed.rows,
        [
            Row {
                line: 2,
                written: Written::Day(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()),
                at: utc(2026, 11, 20, 12, 0),
                kind: InteractionKind::Meeting,
                participants: vec![slack("U01"), slack("U02")],
            },
            Row {
                line: 3,
                written: Written::Day(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()),
                at: utc(2026, 11, 21, 12, 0),
                kind: InteractionKind::Calendar,
                participants: vec![email("ada@example.com"), email("bo@example.com")],
            },
        ]
    );
    assert!(parsed.names_emails());
}

#[test]
fn people_are_separated_by_semicolons_commas_or_spaces_and_counted_once() {
    let file = "date,participants\n\
                2026-11-20,U01;U02\n\
                2026-11-20,U01 U02  W03\n\
                2026-11-20,\"U01,\tU02 ; U01\"\n\
                2026-11-20,ada@example.com;U02;ADA@example.com\n";
    let rows = read(file).rows;
    let people: Vec<_> = rows.iter().map(|r| r.participants.clone()).collect();
    assert_eq!(
        people,
        [
            vec![slack("U01"), slack("U02")],
            vec![slack("U01"), slack("U02"), slack("W03")],
            vec![slack("U01"), slack("U02")],
            vec![email("ada@example.com"), slack("U02")],
        ]
    );
    assert!(rows.iter().all(|r| r.kind == InteractionKind::Meeting));
}

#[test]
fn an_rfc_3339_time_is_read_with_its_offset_and_kept_in_utc() {
    let file = "date,participants\n\
                2026-11-20T14:00:00Z,U01;U02\n\
                2026-11-20T15:00:00+01:00,U01;U02\n\
                2026-11-20T09:30:00-04:30,U01;U02\n";
    let rows = read(file).rows;
    let at: Vec<_> = rows.iter().map(|r| r.at).collect();
    assert_eq!(
        at,
        [
            utc(2026, 11, 20, 14, 0),
            utc(2026, 11, 20, 14, 0),
            utc(2026, 11, 20, 14, 0)
        ]
    );
    assert_eq!(
        rows[0].written.to_string(),
        rows[1].written.to_string(),
        "the same moment, the same key"
    );
}

#[test]
fn today_is_logged_no_later_than_now_and_a_day_begun_somewhere_is_not_future() {
    // 10:30 UTC on 1 December: already 00:30 on the 2nd in Kiribati.
    let now = utc(2026, 12, 1, 10, 30);
    let file = "date,participants\n\
                2026-12-01,U01;U02\n\
                2026-12-02,U01;U02\n\
                2026-12-03,U01;U02\n\
                2026-12-01T10:29:00Z,U01;U02\n";
    let parsed = read_at(file, now);
    assert_eq!(
        parsed.bad,
        [BadLine {
            line: 4,
            problem: Problem::Future(Written::Day(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()))
        }]
    );
    let at: Vec<_> = parsed.rows.iter().map(|r| r.at).collect();
    assert_eq!(at, [now, now, utc(2026, 12, 1, 10, 29)]);
}

#[test]
fn line_numbers_count_blank_lines_and_every_kind_of_line_end() {
    let file = "date,participants\r\n\r\nnot a date,U01;U02\n\nsoon,U01;U02\rlater,U01;U02\r\n";
    let lines: Vec<u64> = read(file).bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [3, 5, 6]);
}

#[test]
fn every_kind_of_bad_line_is_named_with_its_number() {
    let file = "date,participants,kind\n\
                2026-11-20,U01;U02,meeting\n\
                20/11/2026,U01;U02,meeting\n\
                2027-01-03,U01;U02,meeting\n\
                2026-12-01T10:00:00Z,U01;U02,\n\
                2026-11-20,,meeting\n\
                2026-11-20,U01,meeting\n\
                2026-11-20,U01;U01,meeting\n\
                2026-11-20,U01;Ada Lovelace,meeting\n\
                2026-11-20,U01;ada@example,meeting\n\
                2026-11-20,U01;U02,coffee\n\
                2026-11-20,U01;U02\n\
                2026-11-20,U01,U02,meeting\n\
                ,U01;U02,meeting\n";
    assert_eq!(
        problems(file),
        [
            (3, Problem::BadDate),
            (
                4,
                Problem::Future(Written::Day(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap()))
            ),
            (5, Problem::Future(Written::Time(utc(2026, 12, 1, 10, 0)))),
            (6, Problem::NoParticipants),
            (7, Problem::OneParticipant),
            (8, Problem::OneParticipant),
            (9, Problem::NotAPerson(2)),
            (10, Problem::NotAPerson(2)),
            (11, Problem::UnknownKind),
            (
                12,
                Problem::Columns {
                    found: 2,
                    expected: 3
                }
            ),
            (
                13,
                Problem::Columns {
                    found: 4,
                    expected: 3
                }
            ),
            (14, Problem::NoDate),
        ]
    );
}

#[test]
fn a_bad_line_is_told_without_what_it_holds() {
    let file = "date,participants\n2026-11-20,ada@example.com;Bo Secret\n";
    let bad = read(file).bad;
    let said = bad[0].to_string();
    assert_eq!(
        said,
        "line 2: participant 2 is neither an email nor a Slack user id (U… or W…); separate people with `;`"
    );
    assert!(!said.contains("ada") && !said.contains("Secret"));
}

#[test]
fn a_line_that_is_not_utf8_is_bad_and_the_next_is_read() {
    let mut file = b"date,participants\n2026-11-20,U01;\xff\xfe\n".to_vec();
    file.extend_from_slice(b"2026-11-20,U01;U02\n");
    let parsed = parse(&file, now()).unwrap();
    assert_eq!(
        parsed.bad,
        [BadLine {
            line: 2,
            problem: Problem::NotText
        }]
    );
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn a_quoted_field_over_two_lines_keeps_the_line_numbers_of_the_file() {
    let file = "date,participants\n2026-11-20,\"U01;\nU02\"\nnot a date,U01;U02\n";
    let parsed = read(file);
    assert_eq!(parsed.rows[0].line, 2);
    assert_eq!(parsed.bad[0].line, 4);
}

#[test]
fn a_file_without_the_header_is_refused_without_repeating_its_first_line() {
    for (file, missing) in [
        ("2026-11-20,ada@example.com;bo@example.com\n", "date"),
        ("date,people\n2026-11-20,U01;U02\n", "participants"),
        ("", "date"),
    ] {
        let err = parse(file.as_bytes(), now()).unwrap_err();
        assert!(
            matches!(err, FileError::MissingColumn(m) if m == missing),
            "{file}: {err:?}"
        );
        let said = err.to_string();
        assert!(
            !said.contains("ada") && said.contains(HEADER_EXAMPLE),
            "{said}"
        );
    }
}

#[test]
fn a_header_with_an_unknown_or_repeated_column_is_refused() {
    let err = parse(
        "date,participants,type\n2026-11-20,U01;U02,calendar\n".as_bytes(),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "its header names a column `type`, which is not one this import reads: keep only date, participants and kind"
    );
    let err = parse("date,participants,Date\n".as_bytes(), now()).unwrap_err();
    assert!(matches!(err, FileError::RepeatedColumn("date")), "{err:?}");
}

#[test]
fn the_columns_may_come_in_any_order_and_blank_lines_are_skipped() {
    let file = "kind,participants,date\n\ncalendar,U01;U02,2026-11-20\n\n";
    let parsed = read(file);
    assert_eq!(parsed.bad, []);
    assert_eq!(parsed.rows[0].kind, InteractionKind::Calendar);
    assert_eq!(parsed.rows[0].line, 3);
}

#[test]
fn an_email_is_never_shown_by_debug() {
    let parsed = read("date,participants\n2026-11-20,ada@example.com;U02\n");
    let shown = format!("{parsed:?}");
    assert!(!shown.contains("ada"), "{shown}");
    assert!(shown.contains("Email(…)") && shown.contains("Slack(U02)"));
}
