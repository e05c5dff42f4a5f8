//! Whole numbers that must be at least 1: how their defaults are written,
//! and how the settings read them with a sentence that says what to write
//! instead of 0.

use serde::de::{Deserialize, Deserializer, Error as _};
use std::num::NonZeroU32;

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
