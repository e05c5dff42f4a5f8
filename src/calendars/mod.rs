//! People's calendars, read with their own consent for who met whom and
//! when (never a title, a description, a location or a link).
//!
//! So far: reading one iCalendar feed into its meetings ([`read_feed`]),
//! recurrences expanded. Consent, fetching, matching attendees to people
//! and logging the meetings build on it.

mod feed;

pub use feed::{Attendee, Feed, FeedError, FeedMeeting, read_feed};
