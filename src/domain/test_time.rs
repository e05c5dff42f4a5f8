//! Times for the tests of the domain's calendar rules, written as a person
//! reads them.

use chrono::{DateTime, TimeZone, Utc};

/// The UTC time `y`-`m`-`d` `h`:`min`.
pub(crate) fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}
