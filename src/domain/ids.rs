//! Identifier newtypes, checked at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string was empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// The string does not look like an identifier of that kind.
    #[error("{kind} `{value}` is not valid: {expected}")]
    Invalid {
        /// Which kind of identifier.
        kind: &'static str,
        /// What was given.
        value: String,
        /// What a valid one looks like.
        expected: &'static str,
    },
}

/// Slack user and channel ids are upper-case letters and digits (`U024BE7LH`,
/// `D0123ABC`); Slack documents no length, so we only bound it to keep keys small.
const MAX_SLACK_ID_LEN: usize = 32;

/// Whether `value` is a Slack id of `kind`, without copying it: every tie
/// the store reads holds two ids, each already in a `String` of its own.
fn check_slack_id(kind: &'static str, value: &str, prefixes: &[char]) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    let well_formed = value.len() <= MAX_SLACK_ID_LEN
        && value.starts_with(prefixes)
        && value
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(IdError::Invalid {
            kind,
            value: value.chars().take(MAX_SLACK_ID_LEN).collect(),
            expected: "upper-case letters and digits, like U024BE7LH",
        })
    }
}

/// A Slack user id, such as `U024BE7LH` (or `W…` on Enterprise Grid).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

/// What a user id starts with: `U`, or `W` on Enterprise Grid.
const USER_ID_PREFIXES: &[char] = &['U', 'W'];

impl TryFrom<String> for UserId {
    type Error = IdError;
    /// Checks that `value` looks like a Slack user id, keeping it rather
    /// than copying it.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        check_slack_id("user id", &value, USER_ID_PREFIXES).map(|()| Self(value))
    }
}

/// A Slack channel id (`C…` public, `G…` private, `D…` direct message).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelId(String);

impl TryFrom<String> for ChannelId {
    type Error = IdError;
    /// Checks that `value` looks like a Slack channel id, keeping it rather
    /// than copying it.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        check_slack_id("channel id", &value, &['C', 'G', 'D']).map(|()| Self(value))
    }
}

/// The name of a team, as people know it ("Payments"). Teams come from a
/// profile field, a user group or the teams file, so a name is all they share.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamId(String);

/// Team names longer than this are almost certainly not team names.
const MAX_TEAM_NAME_LEN: usize = 80;

impl TryFrom<String> for TeamId {
    type Error = IdError;
    /// Checks that `value` is a usable team name: not blank, not too long.
    /// The name is kept trimmed.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty { kind: "team name" });
        }
        if trimmed.chars().count() > MAX_TEAM_NAME_LEN || trimmed.contains('\0') {
            return Err(IdError::Invalid {
                kind: "team name",
                value: trimmed.chars().take(MAX_TEAM_NAME_LEN).collect(),
                expected: "a name of at most 80 characters",
            });
        }
        Ok(Self(trimmed.to_owned()))
    }
}

/// What every identifier newtype has: `parse` from the text at the edge,
/// checked by its `TryFrom<String>`; `as_str`, `Display` and `AsRef<str>`
/// (the id as Slack writes it, or the team's name); and `String` back for
/// serde.
macro_rules! string_newtype_impls {
    ($($name:ident: $what:literal),*) => {$(
        impl $name {
            #[doc = concat!("Checks that `value` is ", $what, ", as its `TryFrom<String>` does, and keeps a copy.")]
            pub fn parse(value: &str) -> Result<Self, IdError> {
                Self::try_from(value.to_owned())
            }

            /// The id as Slack writes it, or the team's name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    )*};
}

string_newtype_impls!(
    UserId: "a Slack user id",
    ChannelId: "a Slack channel id",
    TeamId: "a usable team name, kept trimmed"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_ids_are_checked() {
        assert!(UserId::parse("U024BE7LH").is_ok());
        assert!(UserId::parse("W0123").is_ok());
        assert_eq!(UserId::parse(""), Err(IdError::Empty { kind: "user id" }));
        assert!(UserId::parse("u024").is_err());
        assert!(UserId::parse("C024").is_err());
        assert!(UserId::parse("U02 4").is_err());
        assert!(ChannelId::parse("D0123ABC").is_ok());
        assert!(ChannelId::parse("#general").is_err());
    }

    #[test]
    fn team_names_are_trimmed_and_bounded() {
        assert_eq!(TeamId::parse("  Payments ").unwrap().as_str(), "Payments");
        assert!(TeamId::parse("   ").is_err());
        assert!(TeamId::parse(&"x".repeat(81)).is_err());
    }

    #[test]
    fn ids_refuse_bad_values_when_deserialised() {
        assert!(serde_json::from_str::<UserId>("\"U1\"").is_ok());
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
        for value in ["U024BE7LH", "W1", "", "u1", "U-1", "UÉ1", &"U".repeat(33)] {
            assert_eq!(UserId::try_from(value.to_owned()), UserId::parse(value));
        }
    }
}
