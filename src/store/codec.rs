//! Value encoding: one version byte, then JSON.
//!
//! The version byte lets a later build migrate values written by this one,
//! and lets this build refuse values written by a later one instead of
//! misreading them. JSON keeps a store inspectable and makes `export` a
//! re-encoding rather than a translation. This file knows bytes only; the
//! store turns its errors into [`StoreError`](super::StoreError)s that name
//! the folder, tree and key.
//!
//! Ties have a faster reader of the same bytes, [`decode_tie`]: the nudge
//! job decodes every tie on every run.

use super::SCHEMA_VERSION;
use crate::domain::{KindSums, PairKey, Tie};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The version byte this build writes: the schema version, which must
/// therefore fit in a byte.
const VALUE_VERSION: u8 = {
    assert!(SCHEMA_VERSION <= u8::MAX as u32);
    SCHEMA_VERSION as u8
};

/// Why a value did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DecodeError {
    /// The value was written by a build with a newer schema.
    Newer(u32),
    /// The value is not one this build (or any earlier one) writes.
    Malformed(String),
}

/// `value` as stored: the version byte, then its JSON.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = vec![VALUE_VERSION];
    serde_json::to_writer(&mut bytes, value)?;
    Ok(bytes)
}

/// A value back from its stored bytes.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(json_of(bytes)?)
        .map_err(|e| DecodeError::Malformed(format!("the JSON does not decode: {e}")))
}

/// The JSON of a stored value, behind a version byte this build reads. A
/// backup carries this text as it is, so that a value comes back from one
/// byte for byte.
pub(super) fn json_of(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let Some((&version, json)) = bytes.split_first() else {
        return Err(DecodeError::Malformed("the value is empty".into()));
    };
    match version {
        VALUE_VERSION => Ok(json),
        newer if newer > VALUE_VERSION => Err(DecodeError::Newer(u32::from(newer))),
        // Schema 1 is the first: no build ever wrote an older version byte.
        older => Err(DecodeError::Malformed(format!(
            "version byte {older} was never written by any alliances"
        ))),
    }
}

/// A tie back from its stored bytes: what [`decode`] gives, faster.
///
/// Planning decodes every tie (some 50,000 for 10,000 people), and with
/// the derived decoder a quarter to a third of that went to chrono's date
/// parser, which accepts every form RFC 3339 allows. The instants of a tie are written
/// the one way chrono writes a UTC instant (`2026-03-01T09:30:00Z`,
/// fractions of a second when there are any), and [`Instant`] reads that
/// form directly; any other goes to chrono's parser. A value this reader
/// does not take, it leaves to [`decode`], whose answer (or error) stands.
pub(super) fn decode_tie(bytes: &[u8]) -> Result<Tie, DecodeError> {
    if let Some((&VALUE_VERSION, json)) = bytes.split_first()
        && let Ok(stored) = serde_json::from_slice::<StoredTie>(json)
    {
        return Ok(stored.into_tie());
    }
    decode(bytes)
}

/// A [`Tie`] as stored: its fields, by the same names, with the instants
/// read by [`Instant`].
#[derive(Deserialize)]
struct StoredTie {
    pair: PairKey,
    first_at: Instant,
    last_at: Instant,
    count: u32,
    last_note: Option<String>,
    last_note_at: Option<Instant>,
    #[serde(default)]
    sums: KindSums,
}

impl StoredTie {
    fn into_tie(self) -> Tie {
        // Every field by name: a field added to `Tie` fails to compile here
        // rather than being dropped on the way.
        Tie {
            pair: self.pair,
            first_at: self.first_at.0,
            last_at: self.last_at.0,
            count: self.count,
            last_note: self.last_note,
            last_note_at: self.last_note_at.map(|at| at.0),
            sums: self.sums,
        }
    }
}

/// A UTC instant read from its JSON string.
struct Instant(DateTime<Utc>);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InstantVisitor;
        impl Visitor<'_> for InstantVisitor {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 instant")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Instant, E> {
                match utc_instant(text) {
                    Some(at) => Ok(Instant(at)),
                    // What chrono's own deserializer does.
                    None => text.parse().map(Instant).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_str(InstantVisitor)
    }
}

/// When a stored interaction happened, read from the start of its JSON
/// alone: `{"at":"…"` begins every interaction written (`at` is its first
/// field), so a reader that wants only some days skips the others without
/// decoding them. `None` for a value that does not begin so, which the
/// caller then decodes whole.
pub(super) fn interaction_at(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let (&VALUE_VERSION, json) = bytes.split_first()? else {
        return None;
    };
    let rest = json.strip_prefix(br#"{"at":""#)?;
    let end = rest.iter().position(|&b| b == b'"')?;
    utc_instant(std::str::from_utf8(&rest[..end]).ok()?)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form chrono writes a UTC instant
/// in, or `None` for anything else (a leap second among them).
fn utc_instant(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let (head, tail) = bytes.split_at_checked(19)?;
    let number = |from: usize, to: usize| -> Option<u32> {
        head.get(from..to)?.iter().try_fold(0_u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, sep)| head[at] != sep) {
        return None;
    }
    let nanos = match tail {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            let digits = fraction.iter().try_fold(0_u32, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })?;
            digits * 10_u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let time = date.and_hms_nano_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?, nanos)?;
    Some(time.and_utc())
}

/// A value as stored, from JSON of this schema that the caller checked.
pub(super) fn from_json(json: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(1 + json.len());
    bytes.push(VALUE_VERSION);
    bytes.extend_from_slice(json);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, meeting, user};
    use proptest::prelude::*;

    #[test]
    fn a_value_round_trips_behind_its_version_byte() {
        let interaction = meeting(at_minute(5), &["U1", "U2"], Some("coffee"));
        let pair = PairKey::new(&user("U1"), &user("U2")).unwrap();
        let tie = Tie::first(pair, &interaction);
        let bytes = encode(&tie).unwrap();
        assert_eq!(bytes[0], 1);
        assert_eq!(decode::<Tie>(&bytes), Ok(tie));
    }

    #[test]
    fn an_interactions_instant_is_read_from_the_start_of_its_value() {
        let at = at_minute(5) + chrono::Duration::nanoseconds(250);
        for interaction in [
            meeting(at, &["U1", "U2"], Some("coffee \"at\":")),
            meeting(at_minute(7), &["U1", "U2"], None),
        ] {
            let bytes = encode(&interaction).unwrap();
            assert_eq!(interaction_at(&bytes), Some(interaction.at));
        }
        assert_eq!(interaction_at(b"\x01{\"kind\":\"meeting\"}"), None);
        assert_eq!(interaction_at(b""), None);
    }

    /// A tie with every field set, notes with escapes and instants with
    /// and without fractions, as proptest draws them.
    fn any_tie() -> impl Strategy<Value = Tie> {
        let instant = (
            -2_000_000_000_i64..8_000_000_000,
            prop_oneof![
                Just(0_u32),
                0_u32..1_000_000_000,
                (0_u32..1000).prop_map(|ms| ms * 1_000_000),
            ],
        )
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap());
        (
            (
                instant.clone(),
                instant.clone(),
                proptest::option::of(instant),
            ),
            any::<u32>(),
            proptest::option::of(".*"),
            // Eighths: exact in binary, so the comparison is of the reader,
            // not of float printing.
            [
                0_u32..100_000,
                0_u32..100_000,
                0_u32..100_000,
                0_u32..100_000,
            ]
            .prop_map(|n| n.map(|n| f64::from(n) / 8.0)),
        )
            .prop_map(|((first_at, last_at, note_at), count, note, sums)| Tie {
                pair: PairKey::new(&user("U1"), &user("W22")).unwrap(),
                first_at,
                last_at,
                count,
                last_note: note,
                last_note_at: note_at,
                sums: KindSums {
                    meeting: sums[0],
                    we_met: sums[1],
                    passive: sums[2],
                    calendar: sums[3],
                },
            })
    }

    proptest! {
        #[test]
        fn the_fast_tie_reader_reads_what_the_general_one_does(tie in any_tie()) {
            let bytes = encode(&tie).unwrap();
            prop_assert_eq!(decode_tie(&bytes), Ok(tie.clone()));
            prop_assert_eq!(decode_tie(&bytes), decode::<Tie>(&bytes));
        }

        #[test]
        fn instants_read_fast_are_the_instants_chrono_reads(
            secs in -62_000_000_000_i64..250_000_000_000,
            nanos in 0_u32..2_000_000_000,
        ) {
            let Some(at) = DateTime::from_timestamp(secs, nanos) else {
                return Ok(());
            };
            let text = serde_json::to_string(&at).unwrap();
            let text = text.trim_matches('"');
            let chrono: DateTime<Utc> = text.parse().unwrap();
            if let Some(fast) = utc_instant(text) {
                prop_assert_eq!(fast, chrono);
            }
            prop_assert_eq!(serde_json::from_str::<Instant>(&format!("\"{text}\"")).unwrap().0, at);
        }
    }

    #[test]
    fn the_forms_chrono_writes_are_read_directly_and_others_are_not() {
        let at = |text: &str| utc_instant(text).map(|at| at.to_rfc3339());
        assert_eq!(
            at("2026-03-01T09:30:05Z").as_deref(),
            Some("2026-03-01T09:30:05+00:00")
        );
        assert_eq!(
            at("2026-03-01T09:30:05.25Z").as_deref(),
            Some("2026-03-01T09:30:05.250+00:00")
        );
        for other in [
            "2026-03-01T09:30:05+00:00",
            "2026-03-01 09:30:05Z",
            "2026-02-30T09:30:05Z",
            "2026-03-01T23:59:60Z",
            "2026-03-01T09:30:05.1234567890Z",
            "2026-03-01T09:30Z",
            "+12026-03-01T09:30:05Z",
        ] {
            assert_eq!(at(other), None, "{other}");
        }
    }

    #[test]
    fn a_tie_the_fast_reader_leaves_is_read_or_refused_as_before() {
        let interaction = meeting(at_minute(5), &["U1", "U2"], Some("coffee"));
        let tie = Tie::first(
            PairKey::new(&user("U1"), &user("U2")).unwrap(),
            &interaction,
        );
        // Another way of writing the same instant, which chrono reads.
        let json = serde_json::to_string(&tie).unwrap();
        let written = serde_json::to_string(&tie.first_at).unwrap();
        let offset = written.replace('Z', "+00:00");
        let bytes = [&[1_u8][..], json.replace(&written, &offset).as_bytes()].concat();
        assert_eq!(decode_tie(&bytes), Ok(tie.clone()));
        let mut newer = encode(&tie).unwrap();
        newer[0] = 9;
        assert_eq!(decode_tie(&newer), Err(DecodeError::Newer(9)));
        assert!(matches!(
            decode_tie(b"\x01{\"pair\":1}"),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn stored_json_comes_back_as_it_was_and_goes_in_behind_the_version_byte() {
        let bytes = encode(&vec![1.5, 0.1]).unwrap();
        assert_eq!(json_of(&bytes), Ok(&b"[1.5,0.1]"[..]));
        assert_eq!(from_json(b"[1.5,0.1]"), bytes);
    }

    #[test]
    fn a_newer_version_byte_is_reported_as_newer() {
        let mut bytes = encode(&"anything").unwrap();
        bytes[0] = 9;
        assert_eq!(decode::<String>(&bytes), Err(DecodeError::Newer(9)));
    }

    #[test]
    fn empty_unversioned_and_garbled_values_are_malformed() {
        assert!(matches!(
            decode::<String>(b""),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode::<String>(b"\0\"x\""),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode::<String>(b"\x01{not json"),
            Err(DecodeError::Malformed(_))
        ));
    }
}
