//! `/alliances snooze 2w` and `/alliances snooze off`: how long to hold a
//! person's nudges.
//!
//! Only the length is read here; when the snooze ends is the handler's to
//! work out from the clock.

use super::{split_count, split_first_word, typed_between};
use crate::commands::UserError;

/// The shortest snooze is a day, the longest 26 weeks: half a year away is
/// longer than any holiday, and past it opting out is the honest choice.
const MAX_SNOOZE_DAYS: u64 = 26 * 7;

/// Every snooze error shows the shortest way to write one.
const EXAMPLE: &str = "/alliances snooze 2w";

/// How long to snooze: `2w`, `10d`, `1 week`, `3 weeks`, `5 days`; 1 day to
/// 26 weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnoozeSpan {
    /// The length in days, from 1 to 182.
    pub days: u32,
}

/// Reads what follows `snooze`: a span, or `None` for `off`.
pub(super) fn read_snooze(rest: &str) -> Result<Option<SnoozeSpan>, UserError> {
    let Some((first, after_first)) = split_first_word(rest) else {
        return Err(UserError::new(
            "How long should I hold your nudges? Say `2w`, `10d` or `3 weeks`, or `off`.",
            EXAMPLE,
        ));
    };
    let (span, typed, after) = if first.eq_ignore_ascii_case("off") {
        (None, first, after_first)
    } else {
        let (span, after) = read_span(rest, first)?;
        (Some(span), typed_between(rest, after), after)
    };
    if !after.trim().is_empty() {
        return Err(UserError::new(
            format!("`snooze {typed}` takes nothing after it, so I did nothing."),
            if span.is_some() {
                EXAMPLE
            } else {
                "/alliances snooze off"
            },
        ));
    }
    Ok(span)
}

/// A span at the start of `rest`, whose first word is `first`, with what
/// follows it.
fn read_span<'a>(rest: &'a str, first: &str) -> Result<(SnoozeSpan, &'a str), UserError> {
    let Some((count, unit, after)) = split_count(rest) else {
        return Err(UserError::new(
            format!("`{first}` is not a length of time I know; say `2w`, `10d` or `3 weeks`."),
            EXAMPLE,
        ));
    };
    let typed = typed_between(rest, after);
    let days = unit.days(count);
    if days == 0 {
        return Err(UserError::new(
            format!("`{typed}` is no time at all: I snooze for at least a day."),
            EXAMPLE,
        ));
    }
    if days > MAX_SNOOZE_DAYS {
        return Err(UserError::new(
            format!(
                "`{typed}` is longer than I snooze: at most 26 weeks. \
                 To stop nudges for good, use `/alliances optout`."
            ),
            EXAMPLE,
        ));
    }
    // At most MAX_SNOOZE_DAYS, checked just above, so this always fits.
    let days = u32::try_from(days).unwrap_or(u32::MAX);
    Ok((SnoozeSpan { days }, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snooze(rest: &str) -> Result<Option<SnoozeSpan>, UserError> {
        read_snooze(rest)
    }

    #[test]
    fn every_length_form_is_read_in_days() {
        for (typed, days) in [
            ("2w", 14),
            ("10d", 10),
            ("1 week", 7),
            ("3 weeks", 21),
            ("5 days", 5),
            ("1d", 1),
            ("2W", 14),
            ("26w", 182),
            ("182 days", 182),
        ] {
            assert_eq!(snooze(typed), Ok(Some(SnoozeSpan { days })), "for {typed}");
        }
    }

    #[test]
    fn off_in_any_case_ends_a_snooze() {
        assert_eq!(snooze(" OFF "), Ok(None));
    }

    #[test]
    fn lengths_outside_a_day_to_twenty_six_weeks_are_refused() {
        let error = snooze("27w").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`27w` is longer than I snooze: at most 26 weeks. To stop nudges for good, use `/alliances optout`. Try: `/alliances snooze 2w`");
        assert!(snooze("183 days").is_err());
        let error = snooze("0d").unwrap_err();
        assert_eq!(
            error.problem,
            "`0d` is no time at all: I snooze for at least a day."
        );
        assert!(snooze("99999999999w").is_err());
    }

    #[test]
    fn a_missing_or_unreadable_length_asks_how_long() {
        assert!(snooze("").is_err());
        let error = snooze("forever").unwrap_err();
        assert_eq!(
            error.problem,
            "`forever` is not a length of time I know; say `2w`, `10d` or `3 weeks`."
        );
    }

    #[test]
    fn words_after_the_length_or_off_are_refused() {
        let error = snooze("2 weeks please").unwrap_err();
        assert_eq!(
            error.problem,
            "`snooze 2 weeks` takes nothing after it, so I did nothing."
        );
        assert!(snooze("off now").is_err());
    }
}
