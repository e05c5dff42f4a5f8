//! Reading one person's calendar, whole: fetch it, read its meetings,
//! keep those that count, find the people in them by email, and log each
//! meeting once. The consent modal reads a calendar this way at once, and
//! the daily job every calendar given.

use super::{
    CalendarKey, Counted, FeedError, FetchError, Fetched, ToLog, Validators, counted, fetch, log,
    read_feed, to_log,
};
use crate::config::CalendarSettings;
use crate::domain::{EmailHash, Person, UserId};
use crate::store::{OnceKeys, Store, StoreError, off_the_workers};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The workspace's people by the hash of their email, for one job or one
/// request: built once, looked up for every attendee.
#[derive(Debug, Default)]
pub struct EmailDirectory(HashMap<EmailHash, Person>);

impl EmailDirectory {
    /// Everyone in `people` whose email is known.
    pub fn of<'p>(people: impl IntoIterator<Item = &'p Person>) -> Self {
        Self(
            people
                .into_iter()
                .filter_map(|person| Some((person.email?, person.clone())))
                .collect(),
        )
    }

    /// The person whose email hashes to `hash`, if any.
    pub fn find(&self, hash: &EmailHash) -> Option<&Person> {
        self.0.get(hash)
    }
}

/// What a read found in a calendar that changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Found {
    /// Meetings that count, with someone the bot knows in another team.
    pub meetings: usize,
    /// The colleagues in them, each once.
    pub colleagues: usize,
    /// Of the meetings' pairs, those not logged before.
    pub new: usize,
    /// When the next meeting in the feed that had not ended ends: from
    /// then, the feed must be read again to count it.
    pub recount_at: Option<DateTime<Utc>>,
}

/// How far past now a read looks for the next meeting to end, so that a
/// calendar whose meetings keep ending is read whole again, and one with
/// none coming is still read whole once a week.
const RECOUNT_WITHIN: i64 = 7;

/// What a read of a calendar came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// The feed was read and its meetings logged.
    Changed {
        /// What it held.
        found: Found,
        /// What to send with the next fetch.
        validators: Validators,
    },
    /// The feed had not changed since the last read.
    Unchanged,
}

/// Why a calendar could not be read. Each says what went wrong in words
/// its owner can act on, and none names the address.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The feed could not be fetched.
    #[error("I couldn't fetch your calendar: {0}")]
    Fetch(#[from] FetchError),
    /// What came back is no calendar.
    #[error("{0}")]
    Feed(#[from] FeedError),
    /// Slack gives no email for the owner, so they cannot be found in
    /// their own meetings.
    #[error(
        "Slack doesn't give me your email, so I can't tell which attendee is you; an admin can add the users:read.email scope to the app"
    )]
    OwnerEmailUnknown,
    /// The store failed.
    #[error("something went wrong on my side, and it has been logged")]
    Store(#[from] StoreError),
    /// Reading the feed stopped half-way (a panic).
    #[error("something went wrong on my side, and it has been logged")]
    Interrupted,
}

/// What reading calendars takes: where to log, which meetings count, the
/// key that finds people by email, and the people. Cheap to clone: one
/// per job or request, shared by its reads.
#[derive(Clone)]
pub struct CalendarReader {
    /// Where meetings are logged.
    pub store: Store,
    /// Which meetings count, and from which hosts calendars are read.
    pub settings: CalendarSettings,
    /// The operator's key, which hashes attendees' emails.
    pub key: Arc<CalendarKey>,
    /// The workspace's people by email hash.
    pub directory: Arc<EmailDirectory>,
}

impl CalendarReader {
    /// Reads `owner`'s calendar at `address` at `now`, sending `last`'s
    /// validators: fetches it, and unless it is unchanged, logs the
    /// meetings of the last `settings.lookback_days` that count with the
    /// people of the directory in them (each once, see `logging`), and
    /// flushes.
    pub async fn read(
        &self,
        owner: &Person,
        address: &str,
        last: &Validators,
        now: DateTime<Utc>,
    ) -> Result<Read, ReadError> {
        let owner_email = owner.email.ok_or(ReadError::OwnerEmailUnknown)?;
        let Fetched::Feed { text, validators } =
            fetch(address, last, self.settings.allow_private_hosts).await?
        else {
            return Ok(Read::Unchanged);
        };
        let (reader, owner) = (self.clone(), owner.clone());
        // Reading a feed of a few MB, hashing its attendees, and logging
        // thousands of pairs in a transaction then flushing a store of a
        // GB or more: work for a thread of the blocking pool, not for a
        // worker that serves requests.
        let found = off_the_workers(move || async move {
            let once = reader.store.once_keys().await?;
            let meetings = reader.meetings_to_log(&owner, owner_email, &text, &once, now)?;
            reader.log_meetings(&owner, meetings).await
        })
        .await
        .map_err(|_| ReadError::Interrupted)??;
        Ok(Read::Changed { found, validators })
    }

    /// The meetings of the feed `text` that count for `owner`, ready to
    /// log under keys of `once`.
    fn meetings_to_log(
        &self,
        owner: &Person,
        owner_email: EmailHash,
        text: &str,
        once: &OnceKeys,
        now: DateTime<Utc>,
    ) -> Result<MeetingsToLog, ReadError> {
        let (settings, key) = (&self.settings, &self.key);
        let lookback = Duration::days(i64::from(settings.lookback_days.get()));
        let zone = owner
            .tz
            .as_deref()
            .and_then(|tz| tz.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        let ahead = now + Duration::days(RECOUNT_WITHIN);
        let feed = read_feed(text, now - lookback, ahead, zone)?;
        let recount_at = feed
            .meetings
            .iter()
            .filter(|m| m.end > now && !m.cancelled && !m.all_day)
            .map(|m| m.end)
            .min()
            .unwrap_or(ahead);
        let meetings = counted(
            &feed,
            |email| key.email_hash(email) == owner_email,
            now,
            lookback,
            settings.max_attendees.get(),
        );
        let attendees = hashed_attendees(&meetings, key);
        let to_log = to_log(
            owner,
            &meetings,
            |email| {
                attendees
                    .get(email)
                    .and_then(|hash| self.directory.find(hash))
            },
            once,
        );
        Ok(MeetingsToLog { to_log, recount_at })
    }

    /// Logs `meetings` of `owner`'s calendar, and flushes; what they held.
    async fn log_meetings(
        &self,
        owner: &Person,
        meetings: MeetingsToLog,
    ) -> Result<Found, ReadError> {
        let MeetingsToLog { to_log, recount_at } = meetings;
        let new = log(&self.store, &to_log).await?;
        self.store.flush().await?;
        let colleagues: BTreeSet<&UserId> = to_log
            .iter()
            .flat_map(|one| one.interaction.participants.iter())
            .filter(|id| **id != owner.id)
            .collect();
        let meetings: BTreeSet<usize> = to_log.iter().map(|one| one.meeting).collect();
        Ok(Found {
            meetings: meetings.len(),
            colleagues: colleagues.len(),
            new,
            recount_at: Some(recount_at),
        })
    }
}

/// What a feed holds to log, read off the async workers.
struct MeetingsToLog {
    /// Each meeting's pairs, keyed.
    to_log: Vec<ToLog>,
    /// When the next meeting that had not ended ends (see [`Found`]).
    recount_at: DateTime<Utc>,
}

/// The hash of every attendee of `meetings` under `key`, each hashed once
/// however many meetings they are in.
pub fn hashed_attendees<'f>(
    meetings: &[Counted<'f>],
    key: &CalendarKey,
) -> HashMap<&'f str, EmailHash> {
    meetings
        .iter()
        .flat_map(|meeting| meeting.with.iter().copied())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(|email| (email, key.email_hash(email)))
        .collect()
}
