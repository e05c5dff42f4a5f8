//! Value encoding: one version byte, then JSON.
//!
//! The version byte lets a later build migrate values written by this one,
//! and lets this build refuse values written by a later one instead of
//! misreading them. JSON keeps a store inspectable and makes `export` a
//! re-encoding rather than a translation. This file knows bytes only; the
//! store turns its errors into [`StoreError`](super::StoreError)s that name
//! the folder, tree and key.

use super::SCHEMA_VERSION;
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    use crate::domain::{PairKey, Tie};
    use crate::store::fixtures::{at_minute, meeting, user};

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
