//! Reading one iCalendar (RFC 5545) feed into the meetings it holds, as
//! far as the bot may know them: who was asked, when, and whether it was
//! cancelled or declined. Never a title, a description, a location or a
//! link: those properties are not read into anything.
//!
//! Recurring events are expanded within the window asked for: `RRULE`
//! (by the `rrule` crate, which implements the RFC's rules), `RDATE`,
//! `EXDATE`, and the overrides a feed gives as events of the same `UID`
//! with a `RECURRENCE-ID` (a moved, re-staffed or cancelled instance).
//! Each instance is known by its `UID` and its original start, so that the
//! same meeting read again, or from another attendee's feed, is one.
//!
//! Times: UTC (`…Z`), or local with a `TZID` that names an IANA zone
//! (Google's and Apple's feeds) or a Windows one (Outlook's); a time with
//! neither is read in the owner's zone. A `TZID` the bot cannot place skips that event, and is
//! counted ([`Feed::unknown_zones`]). All-day events are marked and kept,
//! for the caller to leave out. A `DURATION` the bot cannot read, or one
//! that would end a meeting past the last date there is, reads as none.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property, read_calendar, unfold};
use std::collections::{BTreeMap, BTreeSet};

/// The most instances one recurring event gives in a window: a meeting
/// every working hour for a year is fewer.
const MOST_INSTANCES: u16 = 5_000;

/// The most meetings one feed gives in a window, all its events together.
/// Someone in meetings every working hour has about 2,000 in a year, and
/// a calendar is read over half a year by default
/// (`calendars.lookback_days`): ten times a year of that is no one's
/// calendar, and a few MB to hold. Without it, a 10 MB feed of tiny
/// events that each repeat every minute would expand to hundreds of
/// millions of meetings; with it, reading stops after a few of them.
const MOST_MEETINGS: usize = 20_000;

/// A feed, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feed {
    /// Its meetings in the window, in the order of their start.
    pub meetings: Vec<FeedMeeting>,
    /// How many events were skipped for a `TZID` the bot cannot place.
    pub unknown_zones: usize,
}

/// One meeting of a feed: one instance of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMeeting {
    /// The event's `UID`.
    pub uid: String,
    /// Which instance: its start as first scheduled (its `RECURRENCE-ID`,
    /// or its start when it is not an override). With `uid`, the key.
    pub instance: DateTime<Utc>,
    /// When it starts and ends, as it stands.
    pub start: DateTime<Utc>,
    /// When it ends: `DTEND`, or the start plus `DURATION`, or the start
    /// (for a `DURATION` that is none, or that would end it past the last
    /// date there is).
    pub end: DateTime<Utc>,
    /// A whole day (a `DATE`, not a time): no meeting between people.
    pub all_day: bool,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// A group was asked (`CUTYPE=GROUP`, a mailing list): how many people
    /// that is, the feed does not say.
    pub group_asked: bool,
    /// The organizer's email, lower case.
    pub organizer: Option<String>,
    /// The people asked, by email (lower case), each once: rooms and
    /// resources left out.
    pub attendees: Vec<Attendee>,
}

/// Someone asked to a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// Their email, lower case.
    pub email: String,
    /// They declined (`PARTSTAT=DECLINED`).
    pub declined: bool,
}

/// Why a feed could not be read. Says nothing of what the feed holds: its
/// text may carry titles, and an error may be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Not iCalendar at all (a web page, say, from a wrong address).
    #[error("the address gave no calendar: its answer is not in iCalendar format")]
    NotACalendar,
    /// More meetings in the window than `MOST_MEETINGS` (20,000): no one's
    /// calendar, most likely events that repeat every minute or hour.
    #[error(
        "your calendar has more than 20,000 meetings in the months I read, more than anyone attends; events that repeat every minute or every hour may be why"
    )]
    TooManyMeetings,
}

/// The meetings of the feed `text` that start in `[from, until)`, times
/// without a zone read in `owner_zone`. A feed with more than
/// `MOST_MEETINGS` (20,000) of them is refused as soon as it has them.
pub fn read_feed(
    text: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    owner_zone: Tz,
) -> Result<Feed, FeedError> {
    let unfolded = unfold(text);
    let calendar = read_calendar(&unfolded).map_err(|_| FeedError::NotACalendar)?;
    let mut feed = Feed::default();
    // Events by UID: the main one, and its overrides by original start.
    let mut by_uid: BTreeMap<&str, (Option<&Component<'_>>, Vec<&Component<'_>>)> = BTreeMap::new();
    for event in calendar.components.iter().filter(|c| c.name == "VEVENT") {
        let Some(uid) = value(event, "UID") else {
            continue;
        };
        let entry = by_uid.entry(uid).or_default();
        if event.find_prop("RECURRENCE-ID").is_some() {
            entry.1.push(event);
        } else {
            entry.0 = Some(event);
        }
    }
    for (uid, (main, overrides)) in by_uid {
        // Times without a zone in an event whose start names one (an
        // exception, a moved instance) are in that zone; else the owner's.
        let floating = main
            .and_then(|m| m.find_prop("DTSTART"))
            .and_then(|start| param(start, "TZID"))
            .and_then(zone_named)
            .unwrap_or(owner_zone);
        let reader = Reader { floating };
        match reader.instances(uid, main, &overrides, from, until) {
            Some(meetings) => feed.meetings.extend(meetings),
            None => feed.unknown_zones += 1,
        }
        if feed.meetings.len() > MOST_MEETINGS {
            return Err(FeedError::TooManyMeetings);
        }
    }
    feed.meetings
        .sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
    Ok(feed)
}

struct Reader {
    /// The zone of a time written without one.
    floating: Tz,
}

/// A `DTSTART`, `DTEND` or `RECURRENCE-ID`, read.
#[derive(Debug, Clone, Copy)]
enum When {
    At(DateTime<Tz>),
    Day(NaiveDate),
}

impl When {
    fn utc(self, zone: Tz) -> Option<DateTime<Utc>> {
        match self {
            Self::At(at) => Some(at.with_timezone(&Utc)),
            Self::Day(day) => zone
                .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
                .earliest()
                .map(|at| at.with_timezone(&Utc)),
        }
    }
}

impl Reader {
    /// The instances of one event in the window; `None` when one of its
    /// times names a zone the bot cannot place.
    fn instances(
        &self,
        uid: &str,
        main: Option<&Component<'_>>,
        overrides: &[&Component<'_>],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<Vec<FeedMeeting>> {
        let in_window = |m: &FeedMeeting| m.start >= from && m.start < until;
        let mut replaced = BTreeSet::new();
        let mut meetings = Vec::new();
        for event in overrides {
            // An override the bot cannot read loses that instance alone:
            // the series' other meetings stand.
            let Some(instance) = event
                .find_prop("RECURRENCE-ID")
                .and_then(|id| self.when(id))
                .and_then(|original| original.utc(self.floating))
            else {
                continue;
            };
            replaced.insert(instance);
            if let Some(meeting) = self.meeting(uid, event, instance)
                && in_window(&meeting)
            {
                meetings.push(meeting);
            }
        }
        let Some(main) = main else {
            return Some(meetings);
        };
        let start = self.when(main.find_prop("DTSTART")?)?;
        let first = self.meeting(uid, main, start.utc(self.floating)?)?;
        let length = first.end - first.start;
        // Only a broken `DURATION` reaches past either end of time: then
        // the window's own start (instances before it are left out below
        // anyway), and an instance that ends as it starts.
        let from_before = from.checked_sub_signed(length).unwrap_or(from);
        for instance in self.starts(main, start, from_before, until)? {
            if replaced.contains(&instance) {
                continue;
            }
            let meeting = FeedMeeting {
                instance,
                start: instance,
                end: instance.checked_add_signed(length).unwrap_or(instance),
                ..first.clone()
            };
            if in_window(&meeting) {
                meetings.push(meeting);
            }
        }
        Some(meetings)
    }

    /// When each instance of `event` starts, from `from` until `until`:
    /// its start alone, or its recurrence expanded.
    fn starts(
        &self,
        event: &Component<'_>,
        start: When,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<Vec<DateTime<Utc>>> {
        let start_utc = start.utc(self.floating)?;
        let rules: Vec<&str> = values(event, "RRULE").collect();
        let dates = |name| -> Option<Vec<DateTime<Utc>>> {
            let mut all = Vec::new();
            for property in props(event, name) {
                for one in property.val.as_str().split(',') {
                    let when = self.when_value(property, one)?;
                    all.push(when.utc(self.floating)?);
                }
            }
            Some(all)
        };
        let (added, removed) = (dates("RDATE")?, dates("EXDATE")?);
        if rules.is_empty() {
            let mut all: Vec<DateTime<Utc>> = std::iter::once(start_utc).chain(added).collect();
            all.retain(|at| !removed.contains(at) && *at >= from && *at < until);
            return Some(all);
        }
        // Expanded in the event's own zone, so that a weekly 10:00 stays
        // at 10:00 across a change of summer time.
        let zone: rrule::Tz = zone_of(start, self.floating).into();
        let dt_start = start_utc.with_timezone(&zone);
        let mut set = rrule::RRuleSet::new(dt_start);
        for rule in rules {
            let rule = until_in_utc(rule, zone_of(start, self.floating))?;
            // A rule the crate refuses gives the event's first start only.
            if let Ok(rule) = rule.parse::<rrule::RRule<rrule::Unvalidated>>()
                && let Ok(rule) = rule.validate(dt_start)
            {
                set = set.rrule(rule);
            }
        }
        set = set.set_rdates(added.iter().map(|at| at.with_timezone(&zone)).collect());
        set = set.set_exdates(removed.iter().map(|at| at.with_timezone(&zone)).collect());
        let window = set
            .after(from.with_timezone(&zone))
            .before(until.with_timezone(&zone))
            .all(MOST_INSTANCES);
        let mut starts: Vec<DateTime<Utc>> = window
            .dates
            .iter()
            .map(|at| at.with_timezone(&Utc))
            .filter(|at| *at >= from && *at < until)
            .collect();
        if start_utc >= from && start_utc < until && !removed.contains(&start_utc) {
            starts.push(start_utc);
        }
        starts.sort_unstable();
        starts.dedup();
        Some(starts)
    }

    /// `event` as a meeting, known as the instance that starts at
    /// `instance`; `None` for a time in a zone the bot cannot place.
    fn meeting(
        &self,
        uid: &str,
        event: &Component<'_>,
        instance: DateTime<Utc>,
    ) -> Option<FeedMeeting> {
        let start = self.when(event.find_prop("DTSTART")?)?;
        let start_utc = start.utc(self.floating)?;
        let end = match (event.find_prop("DTEND"), value(event, "DURATION")) {
            (Some(end), _) => self.when(end)?.utc(self.floating)?,
            // A duration that is none, or would end past the last date there
            // is, is read as no time: the event stands, as it was written.
            (None, Some(duration)) => parse_duration(duration)
                .and_then(|length| start_utc.checked_add_signed(length))
                .unwrap_or(start_utc),
            (None, None) if matches!(start, When::Day(_)) => start_utc + Duration::days(1),
            (None, None) => start_utc,
        };
        let mut attendees: BTreeMap<String, bool> = BTreeMap::new();
        let mut group_asked = false;
        for attendee in props(event, "ATTENDEE") {
            // A room or a resource is no one met; a group (a mailing list)
            // is as many people as it has, which the feed does not say.
            match param(attendee, "CUTYPE")
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("ROOM" | "RESOURCE") => continue,
                Some("GROUP") => group_asked = true,
                _ => {}
            }
            if let Some(email) = email_of(attendee.val.as_str()) {
                let declined = param(attendee, "PARTSTAT")
                    .is_some_and(|status| status.eq_ignore_ascii_case("DECLINED"));
                *attendees.entry(email).or_default() |= declined;
            }
        }
        Some(FeedMeeting {
            uid: uid.to_owned(),
            instance,
            start: start_utc,
            end: end.max(start_utc),
            all_day: matches!(start, When::Day(_)),
            group_asked,
            cancelled: value(event, "STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")),
            organizer: props(event, "ORGANIZER")
                .next()
                .and_then(|p| email_of(p.val.as_str())),
            attendees: attendees
                .into_iter()
                .map(|(email, declined)| Attendee { email, declined })
                .collect(),
        })
    }

    fn when(&self, property: &Property<'_>) -> Option<When> {
        self.when_value(property, property.val.as_str())
    }

    /// One date or date-time `text` of `property`, in the zone its `TZID`
    /// names, in UTC with a `Z`, or else in the owner's zone.
    fn when_value(&self, property: &Property<'_>, text: &str) -> Option<When> {
        let text = text.trim();
        let is_date = param(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || (text.len() == 8 && !text.contains('T'));
        if is_date {
            return NaiveDate::parse_from_str(text, "%Y%m%d")
                .ok()
                .map(When::Day);
        }
        if let Some(utc) = text.strip_suffix('Z') {
            let local = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
            return Some(When::At(Tz::UTC.from_utc_datetime(&local)));
        }
        let local = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok()?;
        let zone = match param(property, "TZID") {
            Some(tzid) => zone_named(tzid)?,
            None => self.floating,
        };
        // A time skipped by a change of summer time is read an hour on.
        zone.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                zone.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(When::At)
    }
}

/// The zone `start` is in: its own, or `floating` for a date or a time
/// written without one.
fn zone_of(start: When, floating: Tz) -> Tz {
    match start {
        When::At(at) => at.timezone(),
        When::Day(_) => floating,
    }
}

/// `rule` with its `UNTIL` in UTC: the RFC lets it be a date (the end of
/// that day) or a local time (in the start's `zone`), which the `rrule`
/// crate would read in this machine's zone, or refuse. `None` for an
/// `UNTIL` that is not a date or a time.
fn until_in_utc(rule: &str, zone: Tz) -> Option<String> {
    let parts: Vec<String> = rule
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((name, until)) if name.eq_ignore_ascii_case("UNTIL") && !until.ends_with('Z') => {
                let local = match NaiveDate::parse_from_str(until, "%Y%m%d") {
                    Ok(day) => day.and_hms_opt(23, 59, 59)?,
                    Err(_) => NaiveDateTime::parse_from_str(until, "%Y%m%dT%H%M%S").ok()?,
                };
                let utc = zone
                    .from_local_datetime(&local)
                    .latest()?
                    .with_timezone(&Utc);
                Some(format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")))
            }
            _ => Some(part.to_owned()),
        })
        .collect::<Option<_>>()?;
    Some(parts.join(";"))
}

/// The zone a `TZID` names: an IANA name (Google, Apple), or a Windows
/// one (Outlook), placed by CLDR's table.
fn zone_named(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim_matches('"').trim();
    tzid.parse::<Tz>().ok().or_else(|| {
        tzid.parse::<windows_timezones::WindowsTimezone>()
            .ok()
            .map(Tz::from)
    })
}

fn props<'c, 'a>(
    event: &'c Component<'a>,
    name: &'static str,
) -> impl Iterator<Item = &'c Property<'a>> {
    event.properties.iter().filter(move |p| p.name == name)
}

fn value<'c>(event: &'c Component<'_>, name: &'static str) -> Option<&'c str> {
    props(event, name).next().map(|p| p.val.as_str())
}

fn values<'c>(event: &'c Component<'_>, name: &'static str) -> impl Iterator<Item = &'c str> {
    props(event, name).map(|p| p.val.as_str())
}

fn param<'p>(property: &'p Property<'_>, key: &str) -> Option<&'p str> {
    property
        .params
        .iter()
        .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|p| p.val.as_ref())
        .map(|v| v.as_str())
}

/// The email of a `mailto:` address, lower case; `None` for anything else.
fn email_of(address: &str) -> Option<String> {
    let address = address.trim();
    let (scheme, email) = address.split_once(':')?;
    (scheme.eq_ignore_ascii_case("mailto") && email.contains('@')).then(|| email.to_lowercase())
}

/// An RFC 5545 duration (`PT1H30M`, `P1D`, `P2W`, `-PT15M`); `None` if
/// it is not one, or is longer than a `Duration` holds (some 290 million
/// years: no meeting's).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut rest = text.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut in_time = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('T') {
            in_time = true;
            rest = after;
            continue;
        }
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let number: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let part = match (unit, in_time) {
            ('W', false) => Duration::try_weeks(number),
            ('D', false) => Duration::try_days(number),
            ('H', true) => Duration::try_hours(number),
            ('M', true) => Duration::try_minutes(number),
            ('S', true) => Duration::try_seconds(number),
            _ => return None,
        };
        total = total.checked_add(&part?)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests;
