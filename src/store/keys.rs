//! Key encoding: how each tree addresses its records.
//!
//! Keys are chosen so that sled's byte order is the order callers ask for
//! (people by id, interactions in log order, ties by pair, nudges by time),
//! which turns "sorted" into a plain scan and "since" into a range scan.
//! This file knows bytes only; it does not read or write sled.

use super::trees;
use crate::domain::{PairKey, SentNudge, UserId};
use chrono::{DateTime, Utc};

/// The length of an encoded instant: 8 bytes of seconds, 4 of nanoseconds.
pub(super) const INSTANT_LEN: usize = 12;

/// Separates the two ids of a tie key and the two ids of a nudge key. Slack
/// ids are upper-case letters and digits, so 0 never occurs inside one, and
/// as the smallest byte it keeps `U1` before `U12` just as string order does.
const SEPARATOR: u8 = 0;

/// A person's key: their Slack id.
pub(super) fn person(id: &UserId) -> &[u8] {
    id.as_str().as_bytes()
}

/// An interaction's key: its id, big-endian, so that byte order is log order.
pub(super) fn interaction(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The id back from an interaction key, if the key has the right length.
pub(super) fn interaction_id(key: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(key).ok().map(u64::from_be_bytes)
}

/// A tie's key: the lower id, a 0 byte, the higher id. Byte order equals
/// `PairKey` order (see [`SEPARATOR`]).
pub(super) fn tie(pair: &PairKey) -> Vec<u8> {
    tie_of_ids(pair.low().as_str(), pair.high().as_str())
}

/// A tie's key from its two ids, the lower first (see [`tie`]).
pub(super) fn tie_of_ids(low: &str, high: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(low.len() + 1 + high.len());
    key.extend_from_slice(low.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(high.as_bytes());
    key
}

/// An instant as bytes that sort in time order: the seconds since the epoch
/// with the sign bit flipped (so instants before 1970 sort first), then the
/// nanoseconds, both big-endian. Lossless, so no two instants share a key.
pub(super) fn instant(at: DateTime<Utc>) -> [u8; INSTANT_LEN] {
    let seconds = (at.timestamp() as u64) ^ (1 << 63);
    let mut key = [0; INSTANT_LEN];
    key[..8].copy_from_slice(&seconds.to_be_bytes());
    key[8..].copy_from_slice(&at.timestamp_subsec_nanos().to_be_bytes());
    key
}

/// The instant back from the first [`INSTANT_LEN`] bytes of a key.
fn instant_from(key: &[u8]) -> Option<DateTime<Utc>> {
    let seconds = <[u8; 8]>::try_from(key.get(..8)?).ok()?;
    let nanos = <[u8; 4]>::try_from(key.get(8..INSTANT_LEN)?).ok()?;
    let seconds = (u64::from_be_bytes(seconds) ^ (1 << 63)) as i64;
    DateTime::from_timestamp(seconds, u32::from_be_bytes(nanos))
}

/// A sent nudge's key: when, then the recipient, then whom it was about.
///
/// The scheduler stamps every nudge of one run with the same clock reading,
/// so one person can get two nudges at the same instant; the peer at the end
/// keeps the second from overwriting the first.
pub(super) fn nudge(nudge: &SentNudge) -> Vec<u8> {
    let (to, about) = (nudge.to.as_str(), nudge.about.as_str());
    let mut key = Vec::with_capacity(INSTANT_LEN + to.len() + 1 + about.len());
    key.extend_from_slice(&instant(nudge.at));
    key.extend_from_slice(to.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(about.as_bytes());
    key
}

/// An outbox item's key: its id, big-endian, so that byte order is the
/// order items were queued in.
pub(super) fn outbox(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// A circle's key: its round, then its place in the round, both
/// big-endian, so that byte order is the order circles were formed in.
pub(super) fn circle(key: crate::domain::CircleKey) -> [u8; 8] {
    let mut bytes = [0; 8];
    bytes[..4].copy_from_slice(&key.round.to_be_bytes());
    bytes[4..].copy_from_slice(&key.index.to_be_bytes());
    bytes
}

/// The circle back from its key (see [`circle`]), if the key has the
/// right length.
pub(super) fn circle_key(key: &[u8]) -> Option<crate::domain::CircleKey> {
    let round = <[u8; 4]>::try_from(key.get(..4)?).ok()?;
    let index = <[u8; 4]>::try_from(key.get(4..)?).ok()?;
    Some(crate::domain::CircleKey {
        round: u32::from_be_bytes(round),
        index: u32::from_be_bytes(index),
    })
}

/// A job's key: its name.
pub(super) fn job(name: &str) -> &[u8] {
    name.as_bytes()
}

/// A delivery's key: the caller's dedupe key (an `event_id`, a slash
/// command's trigger id), as given.
pub(super) fn delivery(key: &str) -> &[u8] {
    key.as_bytes()
}

/// A logged key's key: the caller's idempotency key, as given.
pub(super) fn logged_key(key: &str) -> &[u8] {
    key.as_bytes()
}

/// The two ids of the tie key `key` (see [`tie`]), read from the key alone
/// so that a scan need not decode values; `None` if it is not a tie key.
pub(super) fn tie_ids(key: &[u8]) -> Option<(&str, &str)> {
    let separator = key.iter().position(|&byte| byte == SEPARATOR)?;
    let low = std::str::from_utf8(&key[..separator]).ok()?;
    let high = std::str::from_utf8(&key[separator + 1..]).ok()?;
    (!low.is_empty() && !high.is_empty()).then_some((low, high))
}

/// Whether the tie key `key` (see [`tie`]) is of a pair that includes
/// `user`, read from the key alone so that a scan need not decode values.
pub(super) fn tie_includes(key: &[u8], user: &UserId) -> bool {
    let user = user.as_str().as_bytes();
    let mut ids = key.splitn(2, |&byte| byte == SEPARATOR);
    ids.next() == Some(user) || ids.next() == Some(user)
}

/// Whether the nudge key `key` (see [`nudge`]) is of a nudge to `user` or
/// about them, read from the key alone.
pub(super) fn nudge_includes(key: &[u8], user: &UserId) -> bool {
    // After the instant come two ids around a separator, as in a tie key.
    key.get(INSTANT_LEN..)
        .is_some_and(|ids| tie_includes(ids, user))
}

/// A key of `tree` as a person would read it in an error message.
pub(super) fn describe(tree: &str, key: &[u8]) -> String {
    let readable = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace('\0', " & ");
    match tree {
        trees::INTERACTIONS => match interaction_id(key) {
            Some(id) => format!("interaction {id}"),
            None => format!("{key:02x?}"),
        },
        trees::OUTBOX => match interaction_id(key) {
            Some(id) => format!("item {id}"),
            None => format!("{key:02x?}"),
        },
        trees::NUDGES => match (instant_from(key), key.get(INSTANT_LEN..)) {
            (Some(at), Some(rest)) => format!("{} {}", at.to_rfc3339(), readable(rest)),
            _ => format!("{key:02x?}"),
        },
        trees::CIRCLES => match circle_key(key) {
            Some(circle) => format!("circle {circle}"),
            None => format!("{key:02x?}"),
        },
        // A keyed hash: bytes, not text.
        trees::TOMBSTONES => format!("tombstone {}", hex::encode(key)),
        _ => readable(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, user};
    use proptest::prelude::*;

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // From 1900 to 2100, with sub-second parts, so that the sign flip and
        // the nanoseconds are both exercised.
        (-2_208_988_800_i64..4_102_444_800, 0_u32..1_000_000_000)
            .prop_filter_map("a valid instant", |(s, n)| DateTime::from_timestamp(s, n))
    }

    fn any_user() -> impl Strategy<Value = UserId> {
        "[UW][A-Z0-9]{0,6}".prop_map(|id| user(&id))
    }

    proptest! {
        #[test]
        fn instant_keys_sort_like_the_instants_and_read_back(a in any_instant(), b in any_instant()) {
            prop_assert_eq!(instant(a).cmp(&instant(b)), a.cmp(&b));
            prop_assert_eq!(instant_from(&instant(a)), Some(a));
        }

        #[test]
        fn tie_keys_sort_like_pair_keys(a in any_user(), b in any_user(), c in any_user(), d in any_user()) {
            if let (Some(first), Some(second)) = (PairKey::new(&a, &b), PairKey::new(&c, &d)) {
                prop_assert_eq!(tie(&first).cmp(&tie(&second)), first.cmp(&second));
            }
        }
    }

    #[test]
    fn a_shorter_id_sorts_before_a_longer_one_it_prefixes() {
        let short = PairKey::new(&user("U1"), &user("U9")).unwrap();
        let long = PairKey::new(&user("U12"), &user("U13")).unwrap();
        assert!(short < long);
        assert!(tie(&short) < tie(&long));
    }

    #[test]
    fn keys_are_described_readably_in_error_messages() {
        let pair = PairKey::new(&user("U2"), &user("U1")).unwrap();
        assert_eq!(describe(trees::TIES, &tie(&pair)), "U1 & U2");
        assert_eq!(
            describe(trees::INTERACTIONS, &interaction(42)),
            "interaction 42"
        );
        let sent = SentNudge {
            to: user("U1"),
            about: user("U2"),
            at: at_minute(0),
            reason: None,
            warning_step: false,
        };
        assert_eq!(
            describe(trees::NUDGES, &nudge(&sent)),
            "2026-03-02T09:00:00+00:00 U1 & U2"
        );
        assert_eq!(describe(trees::INTERACTIONS, b"abc"), "[61, 62, 63]");
    }

    #[test]
    fn tie_and_nudge_keys_include_exactly_their_two_people() {
        let key = tie(&PairKey::new(&user("U12"), &user("U3")).unwrap());
        assert!(tie_includes(&key, &user("U12")));
        assert!(tie_includes(&key, &user("U3")));
        // Prefixes and suffixes of an id are other people.
        assert!(!tie_includes(&key, &user("U1")));
        assert!(!tie_includes(&key, &user("U2")));
        assert!(!tie_includes(&key, &user("U33")));
        assert_eq!(tie_ids(&key), Some(("U12", "U3")));
        assert_eq!(tie_ids(b"U12"), None);

        let sent = SentNudge {
            to: user("U12"),
            about: user("U3"),
            at: at_minute(0),
            reason: None,
            warning_step: false,
        };
        let key = nudge(&sent);
        assert!(nudge_includes(&key, &user("U12")) && nudge_includes(&key, &user("U3")));
        assert!(!nudge_includes(&key, &user("U1")) && !nudge_includes(b"short", &user("U1")));
    }
}
