//! How a section of the settings is declared: each field with its default
//! beside it, and counts that must be at least 1, read with a sentence that
//! says what to write instead of 0.

use serde::de::{Deserialize, Deserializer, Error as _};
use std::num::NonZeroU32;

/// Declares a section of the settings: a struct read from TOML that refuses
/// unknown keys, with each field's default written after it
/// (`pub keep: u32 = 7,`), as Rust's proposed default field values write
/// it. A key left out takes its default; `Default` is every default.
macro_rules! section {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_attr:meta])* $field_vis:vis $field:ident: $ty:ty = $default:expr,)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(deny_unknown_fields, default)]
        $vis struct $name {
            $($(#[$field_attr])* $field_vis $field: $ty,)*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }
    };
}
pub(super) use section;

/// `n` as a count that cannot be zero, checked when the crate compiles
/// (called in `const` blocks): a default mistyped as 0 does not build.
pub(super) const fn count(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => panic!("a default count must not be zero"),
    }
}

/// Reads a `T` into its non-zero form `N` (`NonZeroU32` from `u32`, …),
/// refusing 0 with `refusal` ("must be at least 1 day, e.g. 365"). Other
/// mistakes (a negative number, a string) get serde's own message.
pub(super) fn at_least_one<'de, D, T, N>(deserializer: D, refusal: &str) -> Result<N, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
    N: TryFrom<T>,
{
    N::try_from(T::deserialize(deserializer)?).map_err(|_| D::Error::custom(refusal))
}
