//! A person's consent to read their calendar, as the store keeps it: the
//! address sealed, what the last read said, and how reading it has gone;
//! and what the modal that asks for it shows. The sealing itself, and the
//! reading, are `calendars/`'s; the modal's Block Kit is `slack/`'s.

use super::UserId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A calendar's address, sealed (see `calendars::CalendarKey`): base64
/// text that opens only with the operator's key, for its owner. It can be
/// stored, backed up and shown in a `Debug` without giving the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedAddress(String);

impl SealedAddress {
    /// The sealed text, as sealing produced it.
    pub fn from_sealed(text: String) -> Self {
        Self(text)
    }

    /// The sealed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, hashed with a key of the operator's: people are
/// matched by email without the store holding anyone's email.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailHash([u8; 32]);

impl EmailHash {
    /// The hash of these bytes, as hashing produced them.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for EmailHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmailHash({}…)", hex::encode(&self.0[..4]))
    }
}

impl Serialize for EmailHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for EmailHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text)
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| serde::de::Error::custom("an email hash is 64 hex digits"))?;
        Ok(Self(bytes))
    }
}

/// Feeds that keep failing are tried less often: after the first failure
/// the next day, then two days later, then four, and weekly from then on,
/// so a server that is down is not asked daily for ever, and a week of
/// failures is still seen within a week.
const MOST_DAYS_BETWEEN_TRIES: i64 = 7;

/// How long a feed fails before its owner is told, once.
pub const TELL_FAILING_AFTER_DAYS: i64 = 7;

/// Someone's calendar, read with their consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// Whose calendar it is: who gave the address.
    pub owner: UserId,
    /// Its iCal address, sealed.
    pub address: SealedAddress,
    /// When they gave it.
    pub since: DateTime<Utc>,
    /// The `ETag` of the last read, sent back to skip an unchanged feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` of the last read, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When it was last read whole (or found unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    /// When a meeting of the last read ends that had not ended then: from
    /// that time the feed must be read whole again even if it did not
    /// change, since which meetings count depends on the time too. Until
    /// then, an unchanged feed (`304`) is not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recount_at: Option<DateTime<Utc>>,
    /// When reading it was last tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tried_at: Option<DateTime<Utc>>,
    /// The first failure of the failures since the last good read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    /// How many reads in a row failed.
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub failures: u32,
    /// Why the last read failed, in words for its owner (never the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Whether its owner was told that it keeps failing (once per spell).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub told_failing: bool,
}

impl CalendarFeed {
    /// A calendar just given by `owner` at `now`, not yet read.
    pub fn new(owner: UserId, address: SealedAddress, now: DateTime<Utc>) -> Self {
        Self {
            owner,
            address,
            since: now,
            etag: None,
            last_modified: None,
            read_at: None,
            recount_at: None,
            tried_at: None,
            failing_since: None,
            failures: 0,
            last_error: None,
            told_failing: false,
        }
    }

    /// Whether the daily job should try it at `now`: always, unless it
    /// failed lately and its back-off has not passed (with an hour's slack,
    /// so a job that runs a little earlier than yesterday still tries).
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        let (Some(tried), true) = (self.tried_at, self.failures > 0) else {
            return true;
        };
        let days = 1_i64 << self.failures.saturating_sub(1).min(3);
        now >= tried + Duration::days(days.min(MOST_DAYS_BETWEEN_TRIES)) - Duration::hours(1)
    }

    /// Records a good read at `now`, with what the server said of its
    /// version.
    pub fn read_well(
        &mut self,
        now: DateTime<Utc>,
        etag: Option<String>,
        modified: Option<String>,
    ) {
        self.etag = etag;
        self.last_modified = modified;
        self.read_at = Some(now);
        self.tried_at = Some(now);
        self.failing_since = None;
        self.failures = 0;
        self.last_error = None;
        self.told_failing = false;
    }

    /// What to send the feed's server at `now` to skip an unchanged feed:
    /// the last read's validators, unless a meeting has ended since (see
    /// [`CalendarFeed::recount_at`]).
    pub fn validators_at(&self, now: DateTime<Utc>) -> (Option<String>, Option<String>) {
        match self.recount_at {
            Some(recount) if now < recount => (self.etag.clone(), self.last_modified.clone()),
            _ => (None, None),
        }
    }

    /// Records a read found unchanged at `now`.
    pub fn unchanged(&mut self, now: DateTime<Utc>) {
        let (etag, modified) = (self.etag.take(), self.last_modified.take());
        self.read_well(now, etag, modified);
    }

    /// Records a failed read at `now`, and why.
    pub fn failed(&mut self, now: DateTime<Utc>, why: String) {
        self.tried_at = Some(now);
        self.failing_since.get_or_insert(now);
        self.failures = self.failures.saturating_add(1);
        self.last_error = Some(why);
    }

    /// Whether its owner should now be told, once, that it keeps failing:
    /// it has failed for [`TELL_FAILING_AFTER_DAYS`] and they were not told.
    /// With an hour's slack, as [`CalendarFeed::due`]: the job starts a
    /// little later or earlier from one day to the next, and a week's
    /// failures must not wait for the next try a week on.
    pub fn should_tell_failing(&self, now: DateTime<Utc>) -> bool {
        let week = Duration::days(TELL_FAILING_AFTER_DAYS) - Duration::hours(1);
        !self.told_failing && self.failing_since.is_some_and(|since| now - since >= week)
    }
}

/// The one message to someone whose calendar has not been read for
/// [`TELL_FAILING_AFTER_DAYS`]: nothing else changes, and it is theirs to
/// mend or to stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFailing {
    /// Whose calendar it is.
    pub to: UserId,
    /// Since when it has failed.
    pub since: DateTime<Utc>,
    /// Why the last read failed, in their words (never the address).
    pub why: String,
}

/// The `callback_id` of the modal that asks for a calendar's address:
/// Slack sends it back with the submission.
pub const CALENDAR_MODAL_ID: &str = "calendar_consent";

/// What the calendar modal shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarModal {
    /// Asks for the address: what is read and what is not, where to find
    /// it in Google Calendar and Outlook, and an input.
    Ask {
        /// When they gave the calendar read now, if they did: a new address
        /// replaces it.
        since: Option<DateTime<Utc>>,
        /// Why the last address given could not be read, asked again.
        problem: Option<String>,
    },
    /// The address was taken, and the calendar is being read.
    Reading,
    /// The calendar was read, and will be from now on.
    Read {
        /// Meetings that count, with colleagues in other teams.
        meetings: usize,
        /// The colleagues in them.
        colleagues: usize,
        /// How far back it was read.
        days: u32,
    },
}

/// The bot's answer to a modal's submission, within Slack's 3 seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModalAnswer {
    /// The modal stays, with this sentence under its input.
    Refuse(String),
    /// The modal shows this instead.
    Show(CalendarModal),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_time::utc;

    fn feed() -> CalendarFeed {
        CalendarFeed::new(
            UserId::parse("U1").unwrap(),
            SealedAddress::from_sealed("c2VhbGVk".into()),
            utc(2026, 12, 1, 9, 0),
        )
    }

    #[test]
    fn a_failing_feed_is_tried_after_one_two_four_then_seven_days() {
        let mut feed = feed();
        let start = utc(2026, 12, 1, 5, 0);
        assert!(feed.due(start));
        let mut now = start;
        let mut tries = vec![];
        for hour in 0..(24 * 30) {
            now = start + Duration::hours(hour);
            if now.format("%H").to_string() == "05" && feed.due(now) {
                tries.push((now - start).num_days());
                feed.failed(now, "its server answered 500".into());
            }
        }
        assert_eq!(tries, [0, 1, 3, 7, 14, 21, 28]);
        assert!(now > start);
        feed.read_well(now, Some("\"v2\"".into()), None);
        assert!(feed.due(now) && feed.failures == 0 && feed.failing_since.is_none());
    }

    #[test]
    fn an_unchanged_feed_is_read_whole_again_once_one_of_its_meetings_has_ended() {
        let mut feed = feed();
        let read = utc(2026, 12, 1, 6, 30);
        feed.read_well(read, Some("\"v1\"".into()), None);
        assert_eq!(
            feed.validators_at(read),
            (None, None),
            "no meeting end known"
        );
        feed.recount_at = Some(utc(2026, 12, 1, 10, 0));
        assert_eq!(feed.validators_at(read), (Some("\"v1\"".into()), None));
        assert_eq!(feed.validators_at(utc(2026, 12, 2, 6, 30)), (None, None));
    }

    #[test]
    fn its_owner_is_told_once_after_a_week_of_failures() {
        let mut feed = feed();
        let start = utc(2026, 12, 1, 5, 0);
        feed.failed(start, "its server answered 404".into());
        assert!(!feed.should_tell_failing(start + Duration::days(6)));
        // The job started a second earlier than a week before.
        let week_on = start + Duration::days(7) - Duration::seconds(1);
        feed.failed(week_on, "its server answered 404".into());
        assert!(feed.should_tell_failing(week_on));
        feed.told_failing = true;
        assert!(!feed.should_tell_failing(start + Duration::days(14)));
        feed.unchanged(start + Duration::days(15));
        feed.failed(start + Duration::days(16), "its server answered 404".into());
        assert!(!feed.told_failing, "a new spell of failures is told again");
    }

    #[test]
    fn an_email_hash_is_stored_as_hex_and_shown_only_in_part() {
        let hash = EmailHash::from_bytes([0xab; 32]);
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{}\"", "ab".repeat(32)));
        assert_eq!(serde_json::from_str::<EmailHash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<EmailHash>("\"abcd\"").is_err());
        assert_eq!(format!("{hash:?}"), "EmailHash(abababab…)");
    }
}
