//! How much one person may ask of the bot: at most so many `/met` and
//! `/alliances intro` an hour, and the same two people introduced at most
//! once within a cooldown.
//!
//! The limits keep one person (or a script with their token) from filling
//! the store or flooding colleagues with group DMs; they are far above what
//! anyone logs by hand. They live in memory, per process: a restart forgets
//! them, which is harmless, since they only bound a burst. Time is the
//! bot's clock, so tests move it forward as they do everything else.

use crate::config::CommandSettings;
use crate::domain::{PairKey, UserId, plural};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

/// The window the hourly limits count over.
const HOUR: Duration = Duration::hours(1);

/// The kinds of request that are counted per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counted {
    /// A `/met`.
    Met,
    /// An `/alliances intro`.
    Intro,
}

/// Why a request was turned away, and when it may come again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The person made `limit` such requests within the last hour.
    Hourly {
        /// The limit reached.
        limit: u32,
        /// When the oldest of them leaves the hour.
        again_at: DateTime<Utc>,
    },
    /// The two people were introduced less than the cooldown ago.
    PairCooldown {
        /// When the cooldown ends.
        again_at: DateTime<Utc>,
    },
}

/// The per-person limits of one process. Shared by every request: a std
/// `Mutex`, since it is held for a few map operations and never across an
/// await.
#[derive(Debug)]
pub struct RequestLimits {
    met_per_hour: u32,
    intros_per_hour: u32,
    intro_cooldown: Duration,
    state: Mutex<State>,
}

/// The map of recent requests is first walked for people idle for an hour
/// once it holds this many.
const PRUNE_FROM: usize = 1024;

#[derive(Debug)]
struct State {
    /// Each person's counted requests of the last hour, oldest first; at
    /// most the limit's worth, so a person costs a bounded amount.
    recent: HashMap<(UserId, Counted), VecDeque<DateTime<Utc>>>,
    /// When each pair was last introduced, while in its cooldown.
    introduced: HashMap<PairKey, DateTime<Utc>>,
    /// How many people in `recent` set off the next walk for idle ones.
    prune_at: usize,
}

impl State {
    /// Whether `user` may make one more request of `kind` at `now` under
    /// `limit` an hour; forgets what left the hour on the way.
    fn room(
        &mut self,
        user: &UserId,
        kind: Counted,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<(), Refused> {
        // Forget whoever has nothing left in the hour, so that the map holds
        // only people active lately: a walk of the map each time it has
        // doubled since the last, so that its cost per request stays flat.
        if self.recent.len() >= self.prune_at {
            self.recent
                .retain(|_, times| times.back().is_some_and(|last| now - *last < HOUR));
            self.prune_at = (self.recent.len() * 2).max(PRUNE_FROM);
        }
        let times = self.recent.entry((user.clone(), kind)).or_default();
        while times.front().is_some_and(|first| now - *first >= HOUR) {
            times.pop_front();
        }
        match times.front() {
            Some(oldest) if times.len() >= limit as usize => Err(Refused::Hourly {
                limit,
                again_at: *oldest + HOUR,
            }),
            _ => Ok(()),
        }
    }

    /// Counts a request of `kind` by `user` at `now`.
    fn count(&mut self, user: &UserId, kind: Counted, now: DateTime<Utc>) {
        self.recent
            .entry((user.clone(), kind))
            .or_default()
            .push_back(now);
    }
}

impl Default for State {
    fn default() -> Self {
        Self {
            recent: HashMap::new(),
            introduced: HashMap::new(),
            prune_at: PRUNE_FROM,
        }
    }
}

impl RequestLimits {
    /// The limits the settings give.
    pub fn new(settings: &CommandSettings) -> Self {
        Self {
            met_per_hour: settings.met_per_hour.get(),
            intros_per_hour: settings.intros_per_hour.get(),
            intro_cooldown: Duration::days(i64::from(settings.intro_cooldown_days)),
            state: Mutex::default(),
        }
    }

    /// Counts a request of `kind` by `user` at `now`, or says why not and
    /// until when, counting nothing.
    pub fn take(&self, user: &UserId, kind: Counted, now: DateTime<Utc>) -> Result<(), Refused> {
        let mut state = self.lock();
        state.room(user, kind, self.limit_of(kind), now)?;
        state.count(user, kind, now);
        Ok(())
    }

    /// Counts an introduction of `pair` by `user` at `now`, both against
    /// the user's hour and the pair's cooldown, or says why not and until
    /// when, counting neither: one lock for both checks, so that a refused
    /// introduction never holds a place in the hour, even for a moment.
    pub fn take_intro(
        &self,
        user: &UserId,
        pair: &PairKey,
        now: DateTime<Utc>,
    ) -> Result<(), Refused> {
        let cooldown = self.intro_cooldown;
        let mut state = self.lock();
        state.room(user, Counted::Intro, self.intros_per_hour, now)?;
        state.introduced.retain(|_, at| now - *at < cooldown);
        if let Some(at) = state.introduced.get(pair) {
            return Err(Refused::PairCooldown {
                again_at: *at + cooldown,
            });
        }
        if cooldown > Duration::zero() {
            state.introduced.insert(pair.clone(), now);
        }
        state.count(user, Counted::Intro, now);
        Ok(())
    }

    /// Forgets what is counted of `user`, and the pairs introduced with
    /// them: for a forget-me, which leaves no trace of them in memory
    /// either.
    pub fn forget(&self, user: &UserId) {
        let mut state = self.lock();
        state.recent.retain(|(person, _), _| person != user);
        state
            .introduced
            .retain(|pair, _| pair.low() != user && pair.high() != user);
    }

    fn limit_of(&self, kind: Counted) -> u32 {
        match kind {
            Counted::Met => self.met_per_hour,
            Counted::Intro => self.intros_per_hour,
        }
    }

    /// Locks the state. Poisoning is ignored: every change leaves the maps
    /// whole.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Refused {
    /// The sentence a person reads: what the limit is and when to try again.
    pub fn sentence(&self, what: &str, now: DateTime<Utc>) -> String {
        match self {
            Refused::Hourly { limit, again_at } => format!(
                "That's {limit} {what} within an hour, as many as I take from one person. Try again in {}.",
                wait_words(*again_at - now)
            ),
            Refused::PairCooldown { again_at } => format!(
                "Those two were introduced lately, and one introduction is enough for a while. Try again in {}.",
                wait_words(*again_at - now)
            ),
        }
    }
}

/// A wait in words, rounded up: "1 minute", "12 minutes", "3 hours", "5 days".
fn wait_words(wait: Duration) -> String {
    let minutes = (wait.num_seconds().max(1) + 59) / 60;
    let (count, unit) = if minutes < 120 {
        (minutes, "minute")
    } else if minutes < 48 * 60 {
        ((minutes + 59) / 60, "hour")
    } else {
        ((minutes + 24 * 60 - 1) / (24 * 60), "day")
    };
    plural(count as usize, unit, &format!("{unit}s"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn limits() -> RequestLimits {
        RequestLimits::new(&CommandSettings::default())
    }

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn sixty_meetings_an_hour_are_taken_and_the_next_waits_for_the_oldest_to_leave_the_hour() {
        let limits = limits();
        for minute in 0..60 {
            limits.take(&user("U1"), Counted::Met, at(minute)).unwrap();
        }
        let refused = limits
            .take(&user("U1"), Counted::Met, at(60 - 1))
            .unwrap_err();
        assert_eq!(
            refused,
            Refused::Hourly {
                limit: 60,
                again_at: at(60)
            }
        );
        assert_eq!(
            refused.sentence("meetings", at(59)),
            "That's 60 meetings within an hour, as many as I take from one person. Try again in 1 minute."
        );
        // Someone else, and another kind of request, are counted apart.
        limits.take(&user("U2"), Counted::Met, at(59)).unwrap();
        limits.take(&user("U1"), Counted::Intro, at(59)).unwrap();
        // An hour after the first, there is room for one more.
        limits.take(&user("U1"), Counted::Met, at(60)).unwrap();
        assert!(limits.take(&user("U1"), Counted::Met, at(60)).is_err());
    }

    #[test]
    fn an_introduction_refused_for_its_pair_leaves_room_in_the_hour() {
        let limits = limits();
        let pair = |n: u32| PairKey::new(&user("U2"), &user(&format!("U{}", 100 + n))).unwrap();
        for n in 0..9 {
            limits.take_intro(&user("U1"), &pair(n), at(0)).unwrap();
        }
        // The same pair again is refused, and not counted.
        assert!(matches!(
            limits.take_intro(&user("U1"), &pair(0), at(1)),
            Err(Refused::PairCooldown { .. })
        ));
        limits.take_intro(&user("U1"), &pair(9), at(1)).unwrap();
        assert!(matches!(
            limits.take_intro(&user("U1"), &pair(10), at(1)),
            Err(Refused::Hourly { limit: 10, .. })
        ));
    }

    #[test]
    fn a_pair_is_introduced_again_only_after_the_cooldown_whoever_asks() {
        let limits = limits();
        let pair = PairKey::new(&user("U2"), &user("U3")).unwrap();
        limits.take_intro(&user("U1"), &pair, at(0)).unwrap();
        let days = i64::from(CommandSettings::default().intro_cooldown_days);
        let refused = limits.take_intro(&user("U4"), &pair, at(60)).unwrap_err();
        assert_eq!(
            refused,
            Refused::PairCooldown {
                again_at: at(0) + Duration::days(days)
            }
        );
        assert!(
            refused
                .sentence("", at(60))
                .ends_with(&format!("Try again in {} days.", days))
        );
        limits
            .take_intro(&user("U4"), &pair, at(0) + Duration::days(days))
            .unwrap();
    }

    #[test]
    fn a_forgotten_person_leaves_no_count_and_no_pair_behind() {
        let limits = limits();
        let pair = PairKey::new(&user("U1"), &user("U3")).unwrap();
        let others = PairKey::new(&user("U2"), &user("U3")).unwrap();
        for _ in 0..60 {
            limits.take(&user("U1"), Counted::Met, at(0)).unwrap();
        }
        limits.take_intro(&user("U2"), &pair, at(0)).unwrap();
        limits.take_intro(&user("U1"), &others, at(0)).unwrap();
        limits.forget(&user("U1"));
        let state = limits.lock();
        assert!(
            state
                .recent
                .keys()
                .all(|(counted, _)| counted.as_str() != "U1")
        );
        assert_eq!(state.introduced.keys().collect::<Vec<_>>(), [&others]);
    }

    #[test]
    fn waits_read_in_the_largest_sensible_unit_rounded_up() {
        for (seconds, words) in [
            (1, "1 minute"),
            (61, "2 minutes"),
            (119 * 60, "119 minutes"),
            (3 * 3600, "3 hours"),
            (47 * 3600 + 1, "48 hours"),
            (3 * 86_400, "3 days"),
        ] {
            assert_eq!(wait_words(Duration::seconds(seconds)), words);
        }
    }
}
