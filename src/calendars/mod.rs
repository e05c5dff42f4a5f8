//! People's calendars, read with their own consent for who met whom and
//! when (never a title, a description, a location or a link).
//!
//! So far: reading one iCalendar feed into its meetings ([`read_feed`]),
//! recurrences expanded; which of them count for the feed's owner, with
//! whom ([`counted`]); and the interactions they log, each meeting once
//! ([`to_log`], [`log`]); and fetching a feed from public HTTPS
//! addresses only ([`fetch`]); and the address sealed at rest
//! ([`CalendarKey`]). Consent, the daily job, and finding attendees among
//! the workspace's people by email build on these.

mod counting;
mod feed;
mod fetch;
mod logging;
mod read;
mod secret;

pub use counting::{Counted, counted};
pub use feed::{Attendee, Feed, FeedError, FeedMeeting, read_feed};
pub use fetch::{
    FETCH_TIMEOUT, FetchError, Fetched, MOST_BYTES, MOST_REDIRECTS, Validators, check_address,
    fetch, is_public,
};
pub use logging::{ToLog, log, to_log};
pub use read::{CalendarReader, EmailDirectory, Found, Read, ReadError};
pub use secret::{CalendarKey, SecretError};
