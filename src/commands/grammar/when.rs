//! When a meeting happened, as typed after the people in `/met`, and the date
//! that names seen from a given day.
//!
//! Reading a `when` needs no clock; resolving it takes the person's local
//! date as an argument. Whether the date is allowed (not in the future, not
//! before the history window) needs the settings, so it is the handler's
//! call, not this module's.

use super::{Unit, split_count, split_first_word, typed_between};
use crate::commands::UserError;
use chrono::{Datelike, Days, NaiveDate, Weekday};

/// People log meetings from the last few weeks; ten years back is already
/// more history than any workspace keeps, and a bound turns a typo like
/// `20266d ago` into a sentence rather than a date before the calendar.
const MAX_COUNT_BACK: u32 = 3_650;

/// Every `when` error shows where a `when` goes in `/met`.
const EXAMPLE: &str = "/met @alice 3d ago coffee about the roadmap";

/// When a meeting happened, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `today`, and what an absent `when` means.
    Today,
    /// `yesterday`.
    Yesterday,
    /// `3d ago`, `3 days ago`.
    DaysAgo(u32),
    /// `2w ago`, `2 weeks ago`.
    WeeksAgo(u32),
    /// `last friday`, `last fri`: the most recent such day before today.
    Last(Weekday),
    /// An ISO date, `2026-11-20`.
    On(NaiveDate),
}

impl When {
    /// The date it names, seen from `today` (the person's local date).
    /// `Last(Friday)` on a Friday is a week ago; on a Saturday it is
    /// yesterday. A count reaching before the calendar's first day gives that
    /// first day, which any history window then refuses.
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        let days_back = match self {
            When::Today => 0,
            When::Yesterday => 1,
            When::DaysAgo(count) => Unit::Days.days(count),
            When::WeeksAgo(count) => Unit::Weeks.days(count),
            When::Last(weekday) => {
                let since = today.weekday().days_since(weekday);
                // "Last Friday" said on a Friday means the one a week ago.
                u64::from(if since == 0 { 7 } else { since })
            }
            When::On(date) => return date,
        };
        today
            .checked_sub_days(Days::new(days_back))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// Reads a `when` at the start of `text`, returning it with what follows.
/// `Ok(None)` when the text does not start with one (it is then the note);
/// `Err` when it plainly tries to be one and fails, such as `2026-13-45` or
/// `0d ago`.
pub(super) fn split_when(text: &str) -> Result<Option<(When, &str)>, UserError> {
    let Some((first, after_first)) = split_first_word(text) else {
        return Ok(None);
    };
    match first.to_lowercase().as_str() {
        "today" => return Ok(Some((When::Today, after_first))),
        "yesterday" => return Ok(Some((When::Yesterday, after_first))),
        "last" => {
            // "last time we…" is a note; only a day name makes it a `when`.
            let last = split_first_word(after_first).and_then(|(day, after_day)| {
                weekday_named(&day.to_lowercase()).map(|weekday| (When::Last(weekday), after_day))
            });
            return Ok(last);
        }
        _ => {}
    }
    if looks_like_a_date(first) {
        return match NaiveDate::parse_from_str(first, "%Y-%m-%d") {
            Ok(date) => Ok(Some((When::On(date), after_first))),
            Err(_) => Err(UserError::new(
                format!("`{first}` is not a date I know."),
                "/met @alice 2026-11-20 coffee about the roadmap",
            )),
        };
    }
    let Some((count, unit, after_count)) = split_count(text) else {
        return Ok(None);
    };
    let Some((ago, after_ago)) = split_first_word(after_count) else {
        return Ok(None);
    };
    if !ago.eq_ignore_ascii_case("ago") {
        return Ok(None);
    }
    let typed = typed_between(text, after_ago);
    if count == 0 {
        return Err(UserError::new(
            format!("`{typed}` is today, so say `today`, or count from 1."),
            EXAMPLE,
        ));
    }
    if count > MAX_COUNT_BACK {
        return Err(UserError::new(
            format!("`{typed}` is further back than I count: at most 3650 days or weeks."),
            EXAMPLE,
        ));
    }
    let when = match unit {
        Unit::Days => When::DaysAgo(count),
        Unit::Weeks => When::WeeksAgo(count),
    };
    Ok(Some((when, after_ago)))
}

/// Digits with `-` or `/` between them (`2026-11-20`, `20/11/2026`) are
/// surely meant as a date, so one that does not read is an error rather than
/// the start of a note: logging the meeting on the wrong day would be worse.
fn looks_like_a_date(word: &str) -> bool {
    let starts_and_ends_with_digits = word.starts_with(|c: char| c.is_ascii_digit())
        && word.ends_with(|c: char| c.is_ascii_digit());
    starts_and_ends_with_digits
        && word.contains(['-', '/'])
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '/')
}

/// A day's full name or its usual abbreviations, in lower case.
fn weekday_named(name: &str) -> Option<Weekday> {
    let weekday = match name {
        "monday" | "mon" => Weekday::Mon,
        "tuesday" | "tue" | "tues" => Weekday::Tue,
        "wednesday" | "wed" => Weekday::Wed,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thu,
        "friday" | "fri" => Weekday::Fri,
        "saturday" | "sat" => Weekday::Sat,
        "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    };
    Some(weekday)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn when(text: &str) -> Option<(When, &str)> {
        split_when(text).unwrap()
    }

    /// 2026-03-06, a Friday.
    fn friday() -> NaiveDate {
        date(2026, 3, 6)
    }

    #[test]
    fn today_and_yesterday_resolve_to_this_day_and_the_one_before() {
        assert_eq!(When::Today.resolve(friday()), friday());
        assert_eq!(When::Yesterday.resolve(friday()), date(2026, 3, 5));
    }

    #[test]
    fn yesterday_on_new_years_day_is_the_last_day_of_the_previous_year() {
        assert_eq!(
            When::Yesterday.resolve(date(2027, 1, 1)),
            date(2026, 12, 31)
        );
    }

    #[test]
    fn days_ago_cross_month_boundaries_including_a_leap_february() {
        assert_eq!(When::DaysAgo(6).resolve(friday()), date(2026, 2, 28));
        assert_eq!(
            When::DaysAgo(2).resolve(date(2028, 3, 1)),
            date(2028, 2, 28)
        );
        assert_eq!(
            When::DaysAgo(1).resolve(date(2028, 3, 1)),
            date(2028, 2, 29)
        );
    }

    #[test]
    fn weeks_ago_are_seven_days_each_and_cross_year_boundaries() {
        assert_eq!(When::WeeksAgo(1).resolve(friday()), date(2026, 2, 27));
        assert_eq!(
            When::WeeksAgo(2).resolve(date(2027, 1, 5)),
            date(2026, 12, 22)
        );
    }

    #[test]
    fn last_friday_on_a_friday_is_a_week_ago() {
        assert_eq!(
            When::Last(Weekday::Fri).resolve(friday()),
            date(2026, 2, 27)
        );
    }

    #[test]
    fn last_friday_on_a_saturday_is_yesterday() {
        assert_eq!(When::Last(Weekday::Fri).resolve(date(2026, 3, 7)), friday());
    }

    #[test]
    fn last_saturday_on_a_friday_is_six_days_ago() {
        assert_eq!(
            When::Last(Weekday::Sat).resolve(friday()),
            date(2026, 2, 28)
        );
    }

    #[test]
    fn last_monday_early_in_january_falls_in_the_previous_year() {
        // 2027-01-02 is a Saturday; the Monday before is 2026-12-28.
        assert_eq!(
            When::Last(Weekday::Mon).resolve(date(2027, 1, 2)),
            date(2026, 12, 28)
        );
    }

    #[test]
    fn an_iso_date_resolves_to_itself_whatever_today_is() {
        assert_eq!(
            When::On(date(2026, 11, 20)).resolve(friday()),
            date(2026, 11, 20)
        );
    }

    #[test]
    fn a_count_before_the_first_day_of_the_calendar_resolves_to_that_day() {
        assert_eq!(
            When::WeeksAgo(u32::MAX).resolve(NaiveDate::MIN),
            NaiveDate::MIN
        );
    }

    #[test]
    fn every_form_of_when_is_read_in_any_case() {
        assert_eq!(when("today x"), Some((When::Today, " x")));
        assert_eq!(when("YESTERDAY"), Some((When::Yesterday, "")));
        assert_eq!(when("3d ago lunch"), Some((When::DaysAgo(3), " lunch")));
        assert_eq!(when("3 days AGO"), Some((When::DaysAgo(3), "")));
        assert_eq!(when("1 day ago"), Some((When::DaysAgo(1), "")));
        assert_eq!(when("2W ago"), Some((When::WeeksAgo(2), "")));
        assert_eq!(when("2 weeks ago"), Some((When::WeeksAgo(2), "")));
        assert_eq!(when("3650d ago"), Some((When::DaysAgo(3650), "")));
        assert_eq!(when("Last Fri"), Some((When::Last(Weekday::Fri), "")));
        assert_eq!(when("last thursday"), Some((When::Last(Weekday::Thu), "")));
        assert_eq!(when("last tues"), Some((When::Last(Weekday::Tue), "")));
        assert_eq!(
            when("2026-11-20 x"),
            Some((When::On(date(2026, 11, 20)), " x"))
        );
    }

    #[test]
    fn words_that_only_resemble_a_when_start_the_note() {
        assert_eq!(when("last time we spoke"), None);
        assert_eq!(when("3d printing"), None);
        assert_eq!(when("3 days of pairing"), None);
        assert_eq!(when("coffee"), None);
        assert_eq!(when("last"), None);
        assert_eq!(when("3d"), None);
        assert_eq!(when(""), None);
    }

    #[test]
    fn an_unreadable_date_is_an_error_that_shows_the_format() {
        let error = split_when("2026-13-45 lunch").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`2026-13-45` is not a date I know. Try: `/met @alice 2026-11-20 coffee about the roadmap`");
        assert!(split_when("20/11/2026").is_err());
        assert!(split_when("2026-02-30").is_err());
    }

    #[test]
    fn zero_days_ago_is_refused_with_a_pointer_to_today() {
        let error = split_when("0d ago").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`0d ago` is today, so say `today`, or count from 1. Try: `/met @alice 3d ago coffee about the roadmap`");
        assert!(split_when("0 weeks ago").is_err());
    }

    #[test]
    fn counts_beyond_ten_years_are_refused() {
        let error = split_when("3651 days ago").unwrap_err();
        assert_eq!(
            error.problem,
            "`3651 days ago` is further back than I count: at most 3650 days or weeks."
        );
        assert!(split_when("99999999999w ago").is_err());
    }
}
