//! Where every rule and job reads the time from.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The one trait that exists for testing: rules and jobs ask it for "now",
/// so tests and the demo can move time forward by weeks in a second.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is told to move. Clones share one time.
#[derive(Debug, Clone)]
pub struct SettableClock {
    // A std Mutex: it is held for a copy, never across an await.
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl SettableClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Sets the time.
    pub fn set(&self, to: DateTime<Utc>) {
        *self.time() = to;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.time() += by;
    }

    /// The time, locked. A panic while another holder had it leaves a time
    /// that is still whole, so a poisoned lock is used as it is.
    fn time(&self) -> MutexGuard<'_, DateTime<Utc>> {
        self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for SettableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.time()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_settable_clock_moves_only_when_told_and_clones_share_it() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let clock = SettableClock::new(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(Duration::hours(2));
        assert_eq!(clock.now(), start + Duration::hours(2));
        clock.set(start);
        assert_eq!(other.now(), start);
    }
}
