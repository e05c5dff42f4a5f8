//! Writing a [`FakeCalendar`] as the iCalendar feed (RFC 5545) its
//! provider publishes: Google's or Exchange's choice of properties, zone
//! names and order, on lines every reader must handle — CRLF endings,
//! lines folded at 75 octets without splitting a UTF-8 character (§3.1),
//! text values escaped (§3.3.11), parameter values quoted when they hold
//! `:`, `;` or `,` (§3.2).
//!
//! The output depends only on the calendar: the same calendar gives the
//! same bytes, so a feed's `ETag` changes only when its meetings do.

use super::calendar::{
    CalendarShape, FakeCalendar, FakeMeeting, Frequency, InstanceChange, InstanceOverride,
    MeetingStatus, MeetingTime, PartStat, Recurrence, RecurrenceEnd, name_from_email,
};
use super::time_zones::CalendarZone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets,
/// excluding the line break."
const MAX_LINE_OCTETS: usize = 75;

/// Google's `PRODID`, as its secret addresses give it.
const GOOGLE_PRODID: &str = "-//Google Inc//Google Calendar 70.9054//EN";
/// Exchange's `PRODID`, as Outlook's published calendars give it.
const OUTLOOK_PRODID: &str = "Microsoft Exchange Server 2010";

/// The feed, as its provider publishes it.
pub(super) fn write(calendar: &FakeCalendar) -> String {
    let mut feed = Feed::default();
    feed.line("BEGIN", &[], "VCALENDAR");
    match calendar.shape {
        CalendarShape::Google => {
            feed.line("PRODID", &[], GOOGLE_PRODID);
            feed.line("VERSION", &[], "2.0");
            feed.line("CALSCALE", &[], "GREGORIAN");
            feed.line("METHOD", &[], "PUBLISH");
            feed.line("X-WR-CALNAME", &[], &text(&calendar.owner));
            feed.line("X-WR-TIMEZONE", &[], calendar.zone.iana_name());
        }
        CalendarShape::Outlook => {
            feed.line("METHOD", &[], "PUBLISH");
            feed.line("PRODID", &[], OUTLOOK_PRODID);
            feed.line("VERSION", &[], "2.0");
            feed.line("X-WR-CALNAME", &[], "Calendar");
        }
    }
    for zone in zones(calendar) {
        let block = match calendar.shape {
            CalendarShape::Google => zone.google_vtimezone(),
            CalendarShape::Outlook => zone.outlook_vtimezone(),
        };
        for (name, value) in block {
            feed.line(&name, &[], &value);
        }
    }
    for meeting in &calendar.meetings {
        let event = Event {
            meeting,
            shape: calendar.shape,
            zone: meeting.zone.unwrap_or(calendar.zone),
        };
        event.write(&mut feed);
    }
    feed.line("END", &[], "VCALENDAR");
    feed.out
}

/// The zones the feed names: the calendar's, then each meeting's, once.
fn zones(calendar: &FakeCalendar) -> Vec<CalendarZone> {
    let mut zones = vec![calendar.zone];
    for zone in calendar.meetings.iter().filter_map(|m| m.zone) {
        if !zones.contains(&zone) {
            zones.push(zone);
        }
    }
    zones
}

/// The feed's text so far.
#[derive(Default)]
struct Feed {
    out: String,
}

impl Feed {
    /// Writes one content line, `NAME;PARAM=value:value`, folded. The
    /// value is written as given (escape text with [`text`]); parameter
    /// values are quoted when they must be.
    fn line(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::from(name);
        for (param, param_value) in params {
            line.push(';');
            line.push_str(param);
            line.push('=');
            line.push_str(&quoted(param_value));
        }
        line.push(':');
        line.push_str(value);
        fold(&line, &mut self.out);
    }
}

/// Writes `line` folded at [`MAX_LINE_OCTETS`], each piece ending in CRLF
/// and each continuation starting with a space (which counts), never
/// between the bytes of one character.
pub(super) fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut room = MAX_LINE_OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// A TEXT value escaped (§3.3.11): backslash, semicolon and comma behind a
/// backslash, a line break as `\n`.
pub(super) fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// A parameter value (§3.2): in double quotes when it holds `:`, `;` or
/// `,`; a double quote or a control character cannot be written at all
/// and is left out.
fn quoted(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_time(zone: CalendarZone, at: DateTime<Utc>) -> String {
    zone.to_local(at).format("%Y%m%dT%H%M%S").to_string()
}

fn date(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn partstat(status: PartStat) -> &'static str {
    match status {
        PartStat::Accepted => "ACCEPTED",
        PartStat::Declined => "DECLINED",
        PartStat::Tentative => "TENTATIVE",
        PartStat::NeedsAction => "NEEDS-ACTION",
    }
}

/// One meeting being written, in the zone it was scheduled in.
struct Event<'m> {
    meeting: &'m FakeMeeting,
    shape: CalendarShape,
    zone: CalendarZone,
}

impl Event<'_> {
    /// The zone's name as this provider writes it.
    fn tzid(&self) -> &'static str {
        match self.shape {
            CalendarShape::Google => self.zone.iana_name(),
            CalendarShape::Outlook => self.zone.windows_name(),
        }
    }

    /// The meeting's `VEVENT`, then one per override.
    fn write(&self, feed: &mut Feed) {
        let recurrence = match self.meeting.when {
            MeetingTime::Timed { .. } => self.meeting.recurrence.as_ref(),
            MeetingTime::AllDay { .. } => None,
        };
        match self.shape {
            CalendarShape::Google => self.google(feed, recurrence, None),
            CalendarShape::Outlook => self.outlook(feed, recurrence, None),
        }
        for change in recurrence.iter().flat_map(|r| &r.overrides) {
            match self.shape {
                CalendarShape::Google => self.google(feed, None, Some(change)),
                CalendarShape::Outlook => self.outlook(feed, None, Some(change)),
            }
        }
    }

    /// When this `VEVENT` starts and ends (an override's own times), and
    /// whether it is cancelled.
    fn times(&self, change: Option<&InstanceOverride>) -> (MeetingTime, bool) {
        let cancelled = self.meeting.status == MeetingStatus::Cancelled;
        let Some(change) = change else {
            return (self.meeting.when, cancelled);
        };
        let length = match self.meeting.when {
            MeetingTime::Timed { start, end } => end - start,
            MeetingTime::AllDay { .. } => Duration::zero(),
        };
        match change.change {
            InstanceChange::Moved { start, end } => (MeetingTime::Timed { start, end }, cancelled),
            InstanceChange::Cancelled => {
                let (start, end) = (change.instance, change.instance + length);
                (MeetingTime::Timed { start, end }, true)
            }
        }
    }

    /// `DTSTART` and `DTEND`: in the zone, in UTC (`utc`), or as dates.
    fn write_times(&self, feed: &mut Feed, when: MeetingTime, utc: bool) {
        match when {
            MeetingTime::Timed { start, end } if utc => {
                feed.line("DTSTART", &[], &utc_time(start));
                feed.line("DTEND", &[], &utc_time(end));
            }
            MeetingTime::Timed { start, end } => {
                let tzid = [("TZID", self.tzid())];
                feed.line("DTSTART", &tzid, &local_time(self.zone, start));
                feed.line("DTEND", &tzid, &local_time(self.zone, end));
            }
            MeetingTime::AllDay { start, days } => {
                let end = start + Duration::days(i64::from(days.max(1)));
                feed.line("DTSTART", &[("VALUE", "DATE")], &date(start));
                feed.line("DTEND", &[("VALUE", "DATE")], &date(end));
            }
        }
    }

    /// `RRULE` and `EXDATE`s, in this provider's order of rule parts.
    fn write_recurrence(&self, feed: &mut Feed, recurrence: &Recurrence) {
        let MeetingTime::Timed { start, .. } = self.meeting.when else {
            return;
        };
        let end = match recurrence.end {
            RecurrenceEnd::Count(count) => format!("COUNT={count}"),
            RecurrenceEnd::Until(until) => format!("UNTIL={}", utc_time(until)),
        };
        let day = weekday(self.zone.to_local(start).weekday());
        let rule = match (self.shape, recurrence.frequency) {
            (CalendarShape::Google, Frequency::Daily) => format!("FREQ=DAILY;{end}"),
            (CalendarShape::Google, Frequency::Weekly) => {
                format!("FREQ=WEEKLY;WKST=MO;{end};BYDAY={day}")
            }
            (CalendarShape::Outlook, Frequency::Daily) => format!("FREQ=DAILY;{end};INTERVAL=1"),
            (CalendarShape::Outlook, Frequency::Weekly) => {
                format!("FREQ=WEEKLY;{end};INTERVAL=1;BYDAY={day};WKST=MO")
            }
        };
        feed.line("RRULE", &[], &rule);
        for exdate in &recurrence.exdates {
            feed.line(
                "EXDATE",
                &[("TZID", self.tzid())],
                &local_time(self.zone, *exdate),
            );
        }
    }

    /// `RECURRENCE-ID`, in the zone of the series' `DTSTART`.
    fn write_recurrence_id(&self, feed: &mut Feed, change: Option<&InstanceOverride>) {
        if let Some(change) = change {
            let tzid = [("TZID", self.tzid())];
            feed.line(
                "RECURRENCE-ID",
                &tzid,
                &local_time(self.zone, change.instance),
            );
        }
    }

    /// The organizer's `CN`: their attendee name, or one made from the email.
    fn organizer_name(&self, email: &str) -> String {
        self.meeting
            .attendees
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(email))
            .map_or_else(|| name_from_email(email), |a| a.name.clone())
    }

    /// When the event was made, as `DTSTAMP`, `CREATED` and
    /// `LAST-MODIFIED` give it: a week before it first starts, a fixed
    /// instant so that the feed's bytes depend on the calendar alone.
    fn stamp(&self) -> String {
        let first = match self.meeting.when {
            MeetingTime::Timed { start, .. } => start,
            MeetingTime::AllDay { start, .. } => start.and_time(chrono::NaiveTime::MIN).and_utc(),
        };
        utc_time(first - Duration::weeks(1))
    }

    /// One `VEVENT` as Google writes it: times in the zone, but an
    /// override's in UTC; attendees with `CUTYPE`, `ROLE` and
    /// `X-NUM-GUESTS`.
    fn google(
        &self,
        feed: &mut Feed,
        recurrence: Option<&Recurrence>,
        change: Option<&InstanceOverride>,
    ) {
        let meeting = self.meeting;
        let (when, cancelled) = self.times(change);
        let stamp = self.stamp();
        feed.line("BEGIN", &[], "VEVENT");
        self.write_times(feed, when, change.is_some());
        if let Some(recurrence) = recurrence {
            self.write_recurrence(feed, recurrence);
        }
        feed.line("DTSTAMP", &[], &stamp);
        if let Some(organizer) = &meeting.organizer {
            let name = self.organizer_name(organizer);
            feed.line(
                "ORGANIZER",
                &[("CN", &name)],
                &format!("mailto:{organizer}"),
            );
        }
        feed.line("UID", &[], &text(&meeting.uid));
        for attendee in &meeting.attendees {
            let cutype = if attendee.room { "ROOM" } else { "INDIVIDUAL" };
            let mut params = vec![
                ("CUTYPE", cutype),
                ("ROLE", "REQ-PARTICIPANT"),
                ("PARTSTAT", partstat(attendee.status)),
            ];
            if attendee.status == PartStat::NeedsAction {
                params.push(("RSVP", "TRUE"));
            }
            params.push(("CN", &attendee.name));
            params.push(("X-NUM-GUESTS", "0"));
            feed.line("ATTENDEE", &params, &format!("mailto:{}", attendee.email));
        }
        self.write_recurrence_id(feed, change);
        feed.line("CREATED", &[], &stamp);
        feed.line("DESCRIPTION", &[], &text(&meeting.description));
        feed.line("LAST-MODIFIED", &[], &stamp);
        feed.line("LOCATION", &[], &text(&meeting.location));
        feed.line("SEQUENCE", &[], if change.is_some() { "1" } else { "0" });
        feed.line(
            "STATUS",
            &[],
            if cancelled { "CANCELLED" } else { "CONFIRMED" },
        );
        feed.line("SUMMARY", &[], &text(&meeting.title));
        let all_day = matches!(when, MeetingTime::AllDay { .. });
        feed.line(
            "TRANSP",
            &[],
            if all_day { "TRANSPARENT" } else { "OPAQUE" },
        );
        feed.line("END", &[], "VEVENT");
    }

    /// One `VEVENT` as Exchange writes it: Windows zone names throughout,
    /// `LANGUAGE` on the texts, and its `X-MICROSOFT-CDO-*` lines.
    fn outlook(
        &self,
        feed: &mut Feed,
        recurrence: Option<&Recurrence>,
        change: Option<&InstanceOverride>,
    ) {
        let meeting = self.meeting;
        let (when, cancelled) = self.times(change);
        let all_day = matches!(when, MeetingTime::AllDay { .. });
        let english = [("LANGUAGE", "en-US")];
        feed.line("BEGIN", &[], "VEVENT");
        if let Some(organizer) = &meeting.organizer {
            let name = self.organizer_name(organizer);
            feed.line(
                "ORGANIZER",
                &[("CN", &name)],
                &format!("mailto:{organizer}"),
            );
        }
        for attendee in &meeting.attendees {
            let mut params = Vec::new();
            if attendee.room {
                params.push(("CUTYPE", "ROOM"));
                params.push(("ROLE", "NON-PARTICIPANT"));
            } else {
                params.push(("ROLE", "REQ-PARTICIPANT"));
            }
            params.push(("PARTSTAT", partstat(attendee.status)));
            params.push(("RSVP", "TRUE"));
            params.push(("CN", &attendee.name));
            feed.line("ATTENDEE", &params, &format!("mailto:{}", attendee.email));
        }
        feed.line("DESCRIPTION", &english, &text(&meeting.description));
        if let Some(recurrence) = recurrence {
            self.write_recurrence(feed, recurrence);
        }
        self.write_recurrence_id(feed, change);
        feed.line("UID", &[], &text(&meeting.uid));
        feed.line("SUMMARY", &english, &text(&meeting.title));
        self.write_times(feed, when, false);
        feed.line("CLASS", &[], "PUBLIC");
        feed.line("PRIORITY", &[], "5");
        feed.line("DTSTAMP", &[], &self.stamp());
        let free = all_day || cancelled;
        feed.line("TRANSP", &[], if free { "TRANSPARENT" } else { "OPAQUE" });
        feed.line(
            "STATUS",
            &[],
            if cancelled { "CANCELLED" } else { "CONFIRMED" },
        );
        feed.line("SEQUENCE", &[], "0");
        feed.line("LOCATION", &english, &text(&meeting.location));
        let owner_id = meeting.uid.bytes().fold(7_u32, |hash, byte| {
            hash.wrapping_mul(31).wrapping_add(u32::from(byte))
        });
        let instance_type = match (recurrence, change) {
            (_, Some(_)) => "3",
            (Some(_), None) => "1",
            (None, None) => "0",
        };
        for (name, value) in [
            ("X-MICROSOFT-CDO-APPT-SEQUENCE", "0".to_owned()),
            ("X-MICROSOFT-CDO-OWNERAPPTID", (owner_id >> 1).to_string()),
            (
                "X-MICROSOFT-CDO-BUSYSTATUS",
                if free { "FREE" } else { "BUSY" }.to_owned(),
            ),
            ("X-MICROSOFT-CDO-INTENDEDSTATUS", "BUSY".to_owned()),
            (
                "X-MICROSOFT-CDO-ALLDAYEVENT",
                if all_day { "TRUE" } else { "FALSE" }.to_owned(),
            ),
            ("X-MICROSOFT-CDO-IMPORTANCE", "1".to_owned()),
            ("X-MICROSOFT-CDO-INSTTYPE", instance_type.to_owned()),
            ("X-MICROSOFT-DONOTFORWARDMEETING", "FALSE".to_owned()),
            ("X-MICROSOFT-DISALLOW-COUNTER", "FALSE".to_owned()),
        ] {
            feed.line(name, &[], &value);
        }
        feed.line("END", &[], "VEVENT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str) -> String {
        let mut out = String::new();
        fold(line, &mut out);
        out
    }

    #[test]
    fn a_long_line_folds_at_75_octets_without_splitting_a_character() {
        let line = format!("DESCRIPTION:{}", "Réunion ☕ ".repeat(30));
        let out = folded(&line);
        assert!(out.ends_with("\r\n"));
        for physical in out.split_terminator("\r\n") {
            assert!(
                physical.len() <= MAX_LINE_OCTETS,
                "{} octets",
                physical.len()
            );
        }
        assert_eq!(
            out.replace("\r\n ", "").strip_suffix("\r\n"),
            Some(line.as_str())
        );
        assert_eq!(folded("SHORT:yes"), "SHORT:yes\r\n");
    }

    #[test]
    fn text_values_escape_backslashes_separators_and_line_breaks() {
        assert_eq!(text("a\\b; c, d\r\ne"), "a\\\\b\\; c\\, d\\ne");
    }

    #[test]
    fn parameter_values_are_quoted_only_when_they_must_be() {
        assert_eq!(quoted("Ito, Alice"), "\"Ito, Alice\"");
        assert_eq!(quoted("W. Europe Standard Time"), "W. Europe Standard Time");
        assert_eq!(quoted("Say \"hi\""), "Say hi");
    }
}
