//! People's calendars, read with their own consent for who met whom and
//! when (never a title, a description, a location or a link).
//!
//! One read ([`CalendarReader::read`]) is, in order: fetching the feed
//! from public HTTPS addresses only, as a good citizen ([`fetch`]);
//! reading it into its meetings, recurrences expanded ([`read_feed`]);
//! keeping those that count for its owner, with whom ([`counted`]);
//! finding those people among the workspace's by their email's keyed hash
//! ([`EmailDirectory`]); and logging each meeting once ([`to_log`],
//! [`log`]). The address is sealed at rest, and emails hashed, with the
//! operator's key ([`CalendarKey`]).
//!
//! Who calls it: the consent modal (`inbound`), which reads a calendar at
//! once when it is given, and the daily job (`scheduler`), which reads
//! every calendar given. This module writes to the store only through
//! [`log`]; what to keep of a feed (its validators, its failures) is the
//! callers' to store.

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
pub use read::{CalendarReader, EmailDirectory, Found, Read, ReadError, hashed_attendees};
pub use secret::{CalendarKey, SecretError};
