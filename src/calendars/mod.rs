//! People's calendars, read with their own consent for who met whom and
//! when (never a title, a description, a location or a link).
//!
//! So far: reading one iCalendar feed into its meetings ([`read_feed`]),
//! recurrences expanded, and which of them count for the feed's owner,
//! with whom ([`counted`]). Consent, fetching, matching attendees to
//! people and logging the meetings build on these.

mod counting;
mod feed;

pub use counting::{Counted, counted};
pub use feed::{Attendee, Feed, FeedError, FeedMeeting, read_feed};
