//! The calendars job: every calendar given is read once a day, a few at a
//! time, each feed asked only whether it changed since the last read.
//!
//! A calendar is read only while its owner may be spoken to (not opted
//! out, not deactivated): their consent is theirs to use, and an opted-out
//! person's meetings are counted by nobody. A feed that fails is tried
//! again after a day, then two, four and weekly (see
//! [`CalendarFeed::due`]); after a week of failures its owner gets one DM
//! saying so, and nothing else changes.

use crate::calendars::{CalendarKey, CalendarReader, EmailDirectory, Read, ReadError, Validators};
use crate::config::CalendarSettings;
use crate::domain::{CalendarFailing, CalendarFeed, Outgoing, Person, number, plural};
use crate::store::Store;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret as _;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How many calendars are fetched at once: enough that a slow server does
/// not hold up the rest, few enough to be a polite client of each
/// provider and to keep the bot's memory flat (a feed is a few MB).
const AT_ONCE: usize = 4;

/// What one read came to, for the summary.
#[derive(Debug, Default)]
struct Tally {
    read: usize,
    unchanged: usize,
    failed: usize,
    new: usize,
    told: usize,
    sealed_otherwise: usize,
}

/// Reads every calendar due at `now` with `key`; returns the job's line.
pub(super) async fn run(
    store: &Store,
    settings: &CalendarSettings,
    key: Option<Arc<CalendarKey>>,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let feeds = store.calendars().await?;
    let Some(key) = key else {
        if !feeds.is_empty() {
            tracing::warn!(
                calendars = feeds.len(),
                "calendars were given but ALLIANCES_ENCRYPTION_KEY is not set: none is read"
            );
        }
        return Ok("calendars are off: ALLIANCES_ENCRYPTION_KEY is not set".to_owned());
    };
    let people = store.people_by_id().await?;
    let reader = CalendarReader {
        store: store.clone(),
        settings: *settings,
        key: Arc::clone(&key),
        directory: Arc::new(EmailDirectory::of(people.values())),
    };
    let permits = Arc::new(Semaphore::new(AT_ONCE));
    let mut reads = JoinSet::new();
    let mut tally = Tally::default();
    for feed in feeds.into_iter().filter(|feed| feed.due(now)) {
        let Some(owner) = people.get(&feed.owner).filter(|p| p.reachable()).cloned() else {
            continue;
        };
        let (reader, permits) = (reader.clone(), Arc::clone(&permits));
        reads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let read = read_one(&reader, &owner, &feed, now).await;
            (feed, read)
        });
    }
    while let Some(done) = reads.join_next().await {
        let Ok((mut feed, read)) = done else {
            tracing::error!("a calendar's read stopped half-way");
            continue;
        };
        match read {
            Ok(Read::Changed { found, validators }) => {
                tally.read += 1;
                tally.new += found.new;
                feed.read_well(now, validators.etag, validators.last_modified);
                feed.recount_at = found.recount_at;
            }
            Ok(Read::Unchanged) => {
                tally.unchanged += 1;
                feed.unchanged(now);
            }
            Err(Failed::Sealed) => {
                tally.sealed_otherwise += 1;
                continue;
            }
            // The bot's own failure is no fault of the feed's, and none
            // to count against it or tell its owner of.
            Err(Failed::Read(err @ (ReadError::Store(_) | ReadError::Interrupted))) => {
                tracing::error!(user = %feed.owner, error = %err, "a calendar's read failed on the bot's side");
                tally.failed += 1;
                continue;
            }
            Err(Failed::Read(err)) => {
                tally.failed += 1;
                tracing::info!(user = %feed.owner, error = %err, "a calendar could not be read");
                feed.failed(now, err.to_string());
                if feed.should_tell_failing(now) {
                    tell_failing(store, &mut feed, now).await?;
                    tally.told += 1;
                }
            }
        }
        // A calendar taken back while it was read stays taken back.
        store.update_calendar(&feed).await?;
    }
    store.flush().await?;
    Ok(tally.summary())
}

/// Why one calendar was not read.
enum Failed {
    /// Its address does not open with the key: the operator changed it.
    Sealed,
    /// The read failed, in words for its owner.
    Read(ReadError),
}

async fn read_one(
    reader: &CalendarReader,
    owner: &Person,
    feed: &CalendarFeed,
    now: DateTime<Utc>,
) -> Result<Read, Failed> {
    let address = reader.key.open(&feed.owner, &feed.address).map_err(|err| {
        tracing::error!(user = %feed.owner, error = %err, "a stored calendar address does not open");
        Failed::Sealed
    })?;
    let (etag, last_modified) = feed.validators_at(now);
    let last = Validators {
        etag,
        last_modified,
    };
    reader
        .read(owner, address.expose_secret(), &last, now)
        .await
        .map_err(Failed::Read)
}

/// Queues the one DM saying `feed` keeps failing, and marks it told.
async fn tell_failing(
    store: &Store,
    feed: &mut CalendarFeed,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let failing = CalendarFailing {
        to: feed.owner.clone(),
        since: feed.failing_since.unwrap_or(now),
        why: feed.last_error.clone().unwrap_or_default(),
    };
    store
        .enqueue(vec![Outgoing::CalendarFailing(failing)], now)
        .await?;
    feed.told_failing = true;
    Ok(())
}

impl Tally {
    fn summary(&self) -> String {
        let mut line = format!(
            "read {} ({} unchanged), {} logged",
            plural(self.read + self.unchanged, "calendar", "calendars"),
            number(self.unchanged),
            plural(self.new, "new interaction", "new interactions"),
        );
        if self.failed > 0 {
            line.push_str(&format!("; {} failed", number(self.failed)));
        }
        if self.told > 0 {
            line.push_str(&format!(
                ", {} told it keeps failing",
                plural(self.told, "owner", "owners")
            ));
        }
        if self.sealed_otherwise > 0 {
            line.push_str(&format!(
                "; {} do not open with ALLIANCES_ENCRYPTION_KEY (was it changed?)",
                plural(self.sealed_otherwise, "address", "addresses")
            ));
        }
        line
    }
}
