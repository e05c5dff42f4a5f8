//! What was logged in the last few minutes, by content: a `/met` typed again
//! after an answer that said "this may not have been saved" carries a new
//! trigger id, so the idempotency key alone would log the meeting twice.
//!
//! Each entry is a SHA-256 digest of what the caller says the content is
//! (for `/met`: who logged it, with whom, on which day, with which note)
//! and the moment it was logged. It lives in memory only, never on disk, so
//! it holds nothing a forget-me would have to reach; and it is kept for
//! [`KEEP_RECENT_FOR`], so it stays small. A restart forgets it: a retry
//! after a crash is judged by its trigger id alone, as before.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a content is remembered: a person who reads "this may not
/// have been saved" tries again within seconds or minutes; ten minutes is
/// also how long Slack's deliveries are remembered.
pub const KEEP_RECENT_FOR: Duration = Duration::from_secs(10 * 60);

/// SHA-256 of a logged content: the memory keeps this, never the content.
pub(super) type ContentDigest = [u8; 32];

/// The contents logged lately. A std Mutex: held for a map operation,
/// never across an await.
#[derive(Debug, Default)]
pub(super) struct RecentLogs {
    logged: Mutex<Logged>,
}

/// Each content's latest log, and every log in the order made, so that
/// what is too old is dropped from the front without a walk of the map.
#[derive(Debug, Default)]
struct Logged {
    latest: HashMap<ContentDigest, Instant>,
    in_order: VecDeque<(Instant, ContentDigest)>,
}

impl RecentLogs {
    /// SHA-256 of `content`.
    pub(super) fn digest(content: &str) -> ContentDigest {
        Sha256::digest(content.as_bytes()).into()
    }

    /// Whether `digest` was logged within [`KEEP_RECENT_FOR`] of `now`.
    pub(super) fn contains(&self, digest: &ContentDigest, now: Instant) -> bool {
        self.lock()
            .latest
            .get(digest)
            .is_some_and(|at| now.duration_since(*at) < KEEP_RECENT_FOR)
    }

    /// Remembers that `digests` were logged at `now`, and forgets what is
    /// older than [`KEEP_RECENT_FOR`].
    pub(super) fn remember(&self, digests: impl IntoIterator<Item = ContentDigest>, now: Instant) {
        let mut logged = self.lock();
        while let Some(&(at, digest)) = logged.in_order.front() {
            if now.duration_since(at) < KEEP_RECENT_FOR {
                break;
            }
            logged.in_order.pop_front();
            // Only if it was not logged again since.
            if logged.latest.get(&digest) == Some(&at) {
                logged.latest.remove(&digest);
            }
        }
        for digest in digests {
            logged.latest.insert(digest, now);
            logged.in_order.push_back((now, digest));
        }
    }

    /// Forgets every content: for a forget-me, whose person's contents
    /// cannot be told apart from the rest.
    pub(super) fn forget_all(&self) {
        *self.lock() = Logged::default();
    }

    /// Locks the log. Poisoning is ignored: every change leaves it whole.
    fn lock(&self) -> MutexGuard<'_, Logged> {
        self.logged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_is_remembered_for_ten_minutes_and_no_longer() {
        let recent = RecentLogs::default();
        let start = Instant::now();
        let coffee = RecentLogs::digest("U1|U2|2026-12-01|coffee");
        let tea = RecentLogs::digest("U1|U2|2026-12-01|tea");
        recent.remember([coffee], start);
        assert!(recent.contains(&coffee, start + Duration::from_secs(599)));
        assert!(!recent.contains(&tea, start));
        assert!(!recent.contains(&coffee, start + KEEP_RECENT_FOR));
        // Remembering later forgets what is too old.
        recent.remember([tea], start + KEEP_RECENT_FOR);
        assert_eq!(recent.lock().latest.len(), 1);
        assert_eq!(recent.lock().in_order.len(), 1);
        recent.forget_all();
        assert!(!recent.contains(&tea, start + KEEP_RECENT_FOR));
    }
}
