//! Wrong tokens, counted per address: after [`WrongTokens::LIMIT`] in a
//! [`WrongTokens::WINDOW`], the page refuses that address until the oldest
//! leaves the window, so that the token cannot be guessed at the speed of
//! the network. Other addresses are not held up, nor is an admin who
//! types the token once wrong.

use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The wrong tokens each address offered lately.
#[derive(Debug, Default)]
pub(super) struct WrongTokens {
    // A blocking lock, held for a lookup and a push, never across an
    // await; parking_lot's, which no panic elsewhere leaves poisoned.
    recent: Mutex<Recent>,
}

/// Each address's wrong tokens in the window, oldest first.
#[derive(Debug, Default)]
struct Recent {
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
    /// How many addresses set off the next walk for idle ones: twice as
    /// many as the last walk left, so that its cost per guess stays flat
    /// however many addresses guess.
    tidy_at: usize,
}

impl WrongTokens {
    /// How many wrong tokens an address may offer in a window: a person
    /// who mistypes a few times is not held up.
    pub const LIMIT: usize = 10;
    /// The window: a minute.
    pub const WINDOW: Duration = Duration::from_secs(60);
    /// Past this many addresses, the ones whose wrong tokens have all left
    /// the window are forgotten (and again each time the map has doubled),
    /// so that many addresses cannot grow the map for ever.
    const TIDY_PAST: usize = 1024;

    /// How long `address` must wait at `now` before it may try again, if
    /// it has offered [`Self::LIMIT`] wrong tokens in the last
    /// [`Self::WINDOW`].
    pub fn wait(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        waiting(&mut self.recent.lock(), address, now)
    }

    /// How long `address` must wait, as [`Self::wait`] says; or, when it
    /// need not, counts a wrong token from it at `now`. One lock for both.
    pub fn refuse_or_record(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let mut recent = self.recent.lock();
        let wait = waiting(&mut recent, address, now);
        if wait.is_none() {
            recorded(&mut recent, address, now);
        }
        wait
    }

    /// Counts a wrong token from `address` at `now`.
    #[cfg(test)]
    pub fn record(&self, address: IpAddr, now: Instant) {
        recorded(&mut self.recent.lock(), address, now);
    }
}

/// How long `address` must wait at `now`, in `recent`.
fn waiting(recent: &mut Recent, address: IpAddr, now: Instant) -> Option<Duration> {
    let offered = recent.by_address.get_mut(&address)?;
    forget_before(offered, now);
    match offered.front() {
        Some(oldest) if offered.len() >= WrongTokens::LIMIT => {
            Some(WrongTokens::WINDOW.saturating_sub(now.duration_since(*oldest)))
        }
        _ => None,
    }
}

/// Counts a wrong token from `address` at `now`, in `recent`.
fn recorded(recent: &mut Recent, address: IpAddr, now: Instant) {
    if recent.by_address.len() >= recent.tidy_at {
        recent.by_address.retain(|_, offered| {
            forget_before(offered, now);
            !offered.is_empty()
        });
        recent.tidy_at = (recent.by_address.len() * 2).max(WrongTokens::TIDY_PAST + 1);
    }
    let offered = recent.by_address.entry(address).or_default();
    forget_before(offered, now);
    offered.push_back(now);
    // Only the last LIMIT matter for the wait.
    while offered.len() > WrongTokens::LIMIT {
        offered.pop_front();
    }
}

/// Drops what left the window before `now`.
fn forget_before(offered: &mut VecDeque<Instant>, now: Instant) {
    while offered
        .front()
        .is_some_and(|at| now.duration_since(*at) >= WrongTokens::WINDOW)
    {
        offered.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn ten_wrong_tokens_in_a_minute_hold_that_address_until_the_first_leaves_the_window() {
        let guard = WrongTokens::default();
        let start = Instant::now();
        for second in 0..10 {
            assert_eq!(guard.wait(address(1), start), None);
            guard.record(address(1), start + Duration::from_secs(second));
        }
        let now = start + Duration::from_secs(15);
        assert_eq!(guard.wait(address(1), now), Some(Duration::from_secs(45)));
        assert_eq!(guard.wait(address(2), now), None, "another address");
        assert_eq!(
            guard.wait(address(1), start + Duration::from_secs(60)),
            None,
            "the first left the window: one more try"
        );
    }

    #[test]
    fn a_wrong_token_is_counted_or_refused_in_one_step_and_a_refused_one_is_not_counted() {
        let guard = WrongTokens::default();
        let start = Instant::now();
        for _ in 0..10 {
            assert_eq!(guard.refuse_or_record(address(1), start), None);
        }
        let later = start + Duration::from_secs(30);
        assert_eq!(
            guard.refuse_or_record(address(1), later),
            Some(Duration::from_secs(30))
        );
        // The refused one did not move the window on.
        assert_eq!(
            guard.wait(address(1), start + Duration::from_secs(60)),
            None
        );
    }

    #[test]
    fn wrong_tokens_spread_over_more_than_a_minute_never_hold_anyone() {
        let guard = WrongTokens::default();
        let start = Instant::now();
        for try_number in 0..30 {
            let at = start + Duration::from_secs(7 * try_number);
            assert_eq!(guard.wait(address(1), at), None, "try {try_number}");
            guard.record(address(1), at);
        }
    }

    #[test]
    fn addresses_whose_tries_are_old_are_forgotten() {
        let guard = WrongTokens::default();
        let start = Instant::now();
        for n in 0..=WrongTokens::TIDY_PAST as u32 {
            guard.record(IpAddr::from(n.to_be_bytes()), start);
        }
        guard.record(address(1), start + WrongTokens::WINDOW);
        assert_eq!(guard.recent.lock().by_address.len(), 1);
    }

    #[test]
    fn many_live_addresses_are_walked_again_only_once_they_have_doubled() {
        let guard = WrongTokens::default();
        let start = Instant::now();
        for n in 0..=WrongTokens::TIDY_PAST as u32 + 1 {
            guard.record(IpAddr::from(n.to_be_bytes()), start);
        }
        // The walk at 1,025 addresses found every one still in the window.
        let recent = guard.recent.lock();
        assert_eq!(recent.by_address.len(), WrongTokens::TIDY_PAST + 2);
        assert_eq!(recent.tidy_at, 2 * (WrongTokens::TIDY_PAST + 1));
    }
}
