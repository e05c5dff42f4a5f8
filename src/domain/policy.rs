//! The policy the rules apply: the `[rules]` section of the settings.

use super::{HalfLife, Tie, Weights};
use chrono::{DateTime, Datelike, DurationRound, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// What the rules decide by, from the settings' `[rules]` section.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// An interaction counts half as much after this many days.
    pub half_life_days: f64,
    /// What each kind of interaction weighs (`[rules.weights]`).
    pub weights: Weights,
    /// A tie at least this strong (about a meeting a month, kept up) is
    /// held to the strong cadence.
    pub strong_tie: f64,
    /// A strong tie is neglected once its last interaction is older than this…
    pub cadence_strong_days: u32,
    /// …and a weak one (one meeting's worth or less) after this; ties in
    /// between get a cadence in between, in proportion to their strength.
    pub cadence_weak_days: u32,
    /// How much a peer in a team the person's team has few active alliances
    /// with is preferred: up to 1 + this, for a pair of teams with none.
    pub gap_boost: f64,
    /// An alliance is active while its last interaction is at most this
    /// old. A person with no active alliance gets introductions.
    pub active_days: u32,
    /// The same introduction is not suggested again for this long.
    pub intro_repeat_days: u32,
    /// At most this many nudges reach one person in any seven days.
    pub nudges_per_person_per_week: u32,
    /// After a nudge about a tie, neither side is nudged about it again for
    /// this long; nor does one person get introductions more often.
    pub tie_cooldown_days: u32,
    /// Nudges reach people from this hour of their local day…
    pub window_start_hour: u32,
    /// …until this hour (exclusive): 10 and 11 make 10:00–11:00.
    pub window_end_hour: u32,
    /// The local weekdays nudges go out on.
    pub working_days: WorkingDays,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            half_life_days: HalfLife::DEFAULT.in_days(),
            weights: Weights::default(),
            strong_tie: 4.0,
            cadence_strong_days: 30,
            cadence_weak_days: 90,
            gap_boost: 1.0,
            active_days: 90,
            intro_repeat_days: 182,
            nudges_per_person_per_week: 1,
            tie_cooldown_days: 28,
            window_start_hour: 10,
            window_end_hour: 11,
            working_days: WorkingDays::MONDAY_TO_FRIDAY,
        }
    }
}

impl Policy {
    /// The half-life of the settings (the default where the number is not
    /// one; the settings refuse such numbers at load).
    pub fn half_life(&self) -> HalfLife {
        HalfLife::days(self.half_life_days).unwrap_or_default()
    }

    /// The days `tie` may stay quiet before it is neglected: the weak
    /// cadence for a tie of one meeting's strength or less, the strong one
    /// from `strong_tie` up, in proportion between. Its strength right after
    /// the last interaction decides, so the cadence of a quiet tie does not
    /// drift while it waits.
    pub fn cadence_days(&self, tie: &Tie) -> u32 {
        let strength = tie.strength_at_last(&self.weights);
        let (strong, weak) = (
            f64::from(self.cadence_strong_days),
            f64::from(self.cadence_weak_days),
        );
        let share = ((strength - 1.0) / (self.strong_tie - 1.0)).clamp(0.0, 1.0);
        let share = if share.is_nan() { 0.0 } else { share };
        (weak - (weak - strong) * share).round() as u32
    }

    /// Whether `tie` has been quiet longer than its cadence at `now`.
    pub fn overdue(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        tie.quiet_longer_than(self.cadence_days(tie), now)
    }

    /// Whether `tie` was active (an interaction within `active_days`) at `now`.
    pub fn active(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        now - tie.last_at <= chrono::Duration::days(i64::from(self.active_days))
    }

    /// How far back the rules look at sent nudges: the scheduler must put at
    /// least this much history in the snapshot.
    pub fn nudge_memory(&self) -> chrono::Duration {
        let days = self.tie_cooldown_days.max(7).max(self.intro_repeat_days);
        chrono::Duration::days(i64::from(days))
    }

    /// Whether it is a working day inside the delivery window at `now` where
    /// the person lives (`tz`, Slack's IANA name; UTC when unknown). Local
    /// wall-clock time, so a daylight-saving change moves the window with
    /// the person's day.
    pub fn window_open(&self, tz: Option<&str>, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&zone(tz));
        self.working_days.contains(local.weekday())
            && (self.window_start_hour..self.window_end_hour).contains(&local.hour())
    }
}

impl Policy {
    /// The same policy with a window that never closes: for plans that say
    /// what would go out, whenever it would (dry runs).
    pub fn any_time(self) -> Self {
        Self {
            window_start_hour: 0,
            window_end_hour: 24,
            working_days: WorkingDays::EVERY_DAY,
            ..self
        }
    }

    /// When the person's delivery window is next open, from `now` (`now`
    /// itself when it is open), within the next eight days.
    pub fn next_window(&self, tz: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.window_open(tz, now) {
            return Some(now);
        }
        // Windows start on the hour in every zone with whole-hour offsets;
        // the quarter-hour steps also catch zones like Asia/Kolkata.
        let quarter = chrono::Duration::minutes(15);
        let start = now.duration_trunc(quarter).unwrap_or(now) + quarter;
        (0..8 * 24 * 4)
            .map(|step| start + quarter * step)
            .find(|at| self.window_open(tz, *at))
    }
}

/// The time zone Slack names (`Europe/Paris`), or UTC when it names none
/// or one this build does not know.
pub fn zone(tz: Option<&str>) -> Tz {
    tz.and_then(|name| name.parse().ok()).unwrap_or(Tz::UTC)
}

/// A set of weekdays, written in the settings as `["Mon", "Tue", …]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays(u8);

impl WorkingDays {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: Self = Self(0b001_1111);
    /// Every day of the week.
    pub const EVERY_DAY: Self = Self(0b111_1111);

    /// Whether `day` is one of them.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Whether there is no day at all.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Weekday> for WorkingDays {
    fn from_iter<I: IntoIterator<Item = Weekday>>(days: I) -> Self {
        Self(
            days.into_iter()
                .fold(0, |set, day| set | (1 << day.num_days_from_monday())),
        )
    }
}

impl<'de> Deserialize<'de> for WorkingDays {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names
            .iter()
            .map(|name| {
                name.parse::<Weekday>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{name}` is not a weekday; write them like [\"Mon\", \"Tue\"]"
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn the_window_is_local_time_on_working_days() {
        let policy = Policy::default();
        let paris = Some("Europe/Paris");
        // Tuesday 3 March 2026: Paris is UTC+1.
        assert!(policy.window_open(paris, utc(2026, 3, 3, 9, 0)));
        assert!(policy.window_open(paris, utc(2026, 3, 3, 9, 59)));
        assert!(!policy.window_open(paris, utc(2026, 3, 3, 10, 0)));
        assert!(!policy.window_open(paris, utc(2026, 3, 3, 8, 59)));
        // Saturday 7 March.
        assert!(!policy.window_open(paris, utc(2026, 3, 7, 9, 30)));
        // New York, UTC-5: its 10:00 is 15:00 UTC.
        assert!(policy.window_open(Some("America/New_York"), utc(2026, 3, 3, 15, 30)));
        // Unknown or missing zones count as UTC.
        assert!(policy.window_open(Some("Mars/Olympus"), utc(2026, 3, 3, 10, 30)));
        assert!(policy.window_open(None, utc(2026, 3, 3, 10, 30)));
    }

    #[test]
    fn the_window_follows_daylight_saving_changes() {
        let policy = Policy::default();
        let paris = Some("Europe/Paris");
        // Friday 27 March 2026, winter time (UTC+1): 10:00 local is 09:00 UTC.
        assert!(policy.window_open(paris, utc(2026, 3, 27, 9, 30)));
        // Monday 30 March, summer time (UTC+2) since Sunday: 10:00 local is 08:00 UTC.
        assert!(policy.window_open(paris, utc(2026, 3, 30, 8, 30)));
        assert!(!policy.window_open(paris, utc(2026, 3, 30, 9, 30)));
        // New York moved on 8 March: Monday 9 March, 10:00 EDT is 14:00 UTC.
        assert!(policy.window_open(Some("America/New_York"), utc(2026, 3, 9, 14, 15)));
        assert!(!policy.window_open(Some("America/New_York"), utc(2026, 3, 9, 15, 15)));
        // The person's own weekday counts: Sunday 10:30 in Tokyo is no
        // working day; Monday 10:30 there is Monday 01:30 UTC.
        assert!(!policy.window_open(Some("Asia/Tokyo"), utc(2026, 3, 8, 1, 30)));
        assert!(policy.window_open(Some("Asia/Tokyo"), utc(2026, 3, 9, 1, 30)));
    }

    #[test]
    fn the_next_window_is_found_in_the_persons_zone() {
        let policy = Policy::default();
        // Friday 27 March 2026 16:07 UTC: Paris has closed; its next window
        // is Monday 30 March, 10:00 summer time, 08:00 UTC.
        assert_eq!(
            policy.next_window(Some("Europe/Paris"), utc(2026, 3, 27, 16, 7)),
            Some(utc(2026, 3, 30, 8, 0))
        );
        assert_eq!(
            policy.next_window(None, utc(2026, 3, 27, 10, 7)),
            Some(utc(2026, 3, 27, 10, 7))
        );
        let never = Policy {
            working_days: [].into_iter().collect(),
            ..policy
        };
        assert_eq!(never.next_window(None, utc(2026, 3, 27, 10, 7)), None);
    }

    #[test]
    fn a_tie_s_cadence_follows_its_strength_within_the_bounds() {
        use crate::domain::{Interaction, InteractionKind, PairKey, UserId};
        let policy = Policy::default();
        let (a, b) = (UserId::parse("U1").unwrap(), UserId::parse("U2").unwrap());
        let meeting =
            |at, kind| Interaction::new(at, kind, [a.clone(), b.clone()], None, None).unwrap();
        let start = utc(2026, 1, 1, 12, 0);
        let mut tie = Tie::first(
            PairKey::new(&a, &b).unwrap(),
            &meeting(start, InteractionKind::Passive),
        );
        assert_eq!(
            policy.cadence_days(&tie),
            90,
            "a passing signal: the weak cadence"
        );
        tie.record(
            &meeting(start, InteractionKind::Meeting),
            policy.half_life(),
        );
        assert_eq!(
            policy.cadence_days(&tie),
            85,
            "1.25: a little more than one meeting"
        );
        for _ in 0..2 {
            tie.record(
                &meeting(start, InteractionKind::Meeting),
                policy.half_life(),
            );
        }
        // 3.25 of the strong 4.0: 90 − 60 × 2.25 / 3 = 45 days.
        assert_eq!(policy.cadence_days(&tie), 45);
        for _ in 0..5 {
            tie.record(&meeting(start, InteractionKind::WeMet), policy.half_life());
        }
        assert_eq!(
            policy.cadence_days(&tie),
            30,
            "strong ties are never held to less"
        );
        assert!(!policy.overdue(&tie, start + chrono::Duration::days(30)));
        assert!(policy.overdue(&tie, start + chrono::Duration::days(31)));
    }

    #[test]
    fn working_days_read_as_weekday_names() {
        let days: WorkingDays = serde_json::from_str(r#"["Mon", "Wednesday", "fri"]"#).unwrap();
        assert!(
            days.contains(Weekday::Mon)
                && days.contains(Weekday::Wed)
                && days.contains(Weekday::Fri)
        );
        assert!(!days.contains(Weekday::Tue));
        let err = serde_json::from_str::<WorkingDays>(r#"["Mon", "Funday"]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Funday"), "{err}");
    }
}
