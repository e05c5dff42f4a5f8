//! The network of teams as a whole: which teams have alliances with which,
//! how strong, and how that grew week by week. What the digest's team map
//! and the admins' insights page draw.
//!
//! Team-level only: nothing here names a person, and a team below the
//! k-anonymity floor is counted, never shown.

use super::TeamId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Which teams have alliances with which, as of a moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMap {
    /// When the figures hold.
    pub as_of: DateTime<Utc>,
    /// An alliance counts as active when its two people met within this many
    /// days (`rules.active_days`).
    pub active_days: u32,
    /// The teams shown, at or above the k-anonymity floor, in name order.
    pub teams: Vec<TeamId>,
    /// Every pair of shown teams, in name order (the upper triangle, row by
    /// row): `pairs` has `n × (n − 1) / 2` entries for `n` teams.
    pub pairs: Vec<TeamPair>,
    /// Teams below the floor: counted, not shown.
    pub small_teams_held_back: usize,
    /// Teams at or above the floor left out to keep the map readable: those
    /// with the fewest alliances, past [`TeamMap::MOST_TEAMS_DRAWN`].
    #[serde(default)]
    pub teams_left_out: usize,
}

impl TeamMap {
    /// The most teams a map draws. A grid of 40 × 40 is about as much as
    /// can be read at a glance; its picture is about 2,800 px a side and
    /// 750 KB. A picture of 200 teams would be over 12,000 px a side and
    /// take 600 MB to draw.
    pub const MOST_TEAMS_DRAWN: usize = 40;

    /// The map of at most `max` teams: those with the most active
    /// alliances with the other teams (then the strongest, then the most
    /// alliances ever, then the first by name), still in name order. The
    /// teams left out are counted in `teams_left_out`.
    #[must_use]
    pub fn most_connected(&self, max: usize) -> TeamMap {
        let n = self.teams.len();
        if n <= max {
            return self.clone();
        }
        // Per team: active alliances, strength, alliances ever.
        let mut reach = vec![(0_u64, 0.0_f64, 0_u64); n];
        for i in 0..n {
            for j in i + 1..n {
                let Some(pair) = self.pair(i, j) else {
                    continue;
                };
                for team in [i, j] {
                    reach[team].0 += u64::from(pair.active_alliances);
                    reach[team].1 += pair.strength;
                    reach[team].2 += u64::from(pair.alliances_ever);
                }
            }
        }
        let mut ranked: Vec<usize> = (0..n).collect();
        ranked.sort_by(|&x, &y| {
            let (a, b) = (reach[x], reach[y]);
            b.0.cmp(&a.0)
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| b.2.cmp(&a.2))
                .then_with(|| x.cmp(&y))
        });
        let mut kept = ranked[..max].to_vec();
        kept.sort_unstable();
        let pairs = super::every_pair(&kept)
            .filter_map(|(&i, &j)| self.pair(i, j).cloned())
            .collect();
        TeamMap {
            teams: kept.iter().map(|&i| self.teams[i].clone()).collect(),
            pairs,
            teams_left_out: self.teams_left_out + (n - max),
            ..*self
        }
    }

    /// The pair of `teams[i]` and `teams[j]`, in either order; `None` for a
    /// team with itself or an index out of range.
    pub fn pair(&self, i: usize, j: usize) -> Option<&TeamPair> {
        self.pairs.get(pair_index(self.teams.len(), i, j)?)
    }

    /// The weakest and the strongest strength of the pairs with an active
    /// alliance: what the map's shades are spread over. `(0, 0)` when no
    /// pair has one.
    pub fn strength_range(&self) -> (f64, f64) {
        let active = self.pairs.iter().filter(|p| p.active_alliances > 0);
        let strengths = active.map(|p| p.strength);
        // `f64::min` and `max` pass over a NaN, as the shades must.
        let weakest = strengths.clone().reduce(f64::min).unwrap_or(0.0);
        let strongest = strengths.fold(0.0, f64::max);
        (weakest, strongest)
    }

    /// Whether there is anything to draw: at least two teams.
    pub fn is_drawable(&self) -> bool {
        self.teams.len() >= 2
    }
}

/// Where the pair of teams `i` and `j` (in either order) sits in the
/// upper triangle, row by row, of `n` teams; `None` for a team with itself
/// or an index out of range.
pub fn pair_index(n: usize, i: usize, j: usize) -> Option<usize> {
    let (low, high) = (i.min(j), i.max(j));
    if low == high || high >= n {
        return None;
    }
    // Rows 0..low hold (n-1) + (n-2) + … + (n-low) pairs.
    Some(low * (2 * n - low - 1) / 2 + (high - low - 1))
}

/// Two teams' alliances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamPair {
    /// The two teams, in name order.
    pub teams: (TeamId, TeamId),
    /// Alliances between them whose people met within the active window.
    pub active_alliances: u32,
    /// Alliances between them ever: zero means the teams never had a tie.
    pub alliances_ever: u32,
    /// The summed strength of their alliances now.
    pub strength: f64,
}

impl TeamPair {
    /// Whether the two teams never had a tie at all.
    pub fn never_connected(&self) -> bool {
        self.alliances_ever == 0
    }
}

/// What the admins' insights page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    /// The team map now.
    pub map: TeamMap,
    /// New alliances and bridges per week, the oldest first, ending with
    /// the current week.
    pub weeks: Vec<WeekOfAlliances>,
    /// The first tie between two shown teams, the newest first.
    pub bridges: Vec<BridgeFormed>,
    /// Shown team pairs that still have no tie, in name order.
    pub unconnected: Vec<(TeamId, TeamId)>,
    /// People the bot knows, active (not deactivated), across all teams.
    pub people: usize,
    /// Each key partnership's health week by week, the same weeks as
    /// `weeks`; figures held back under the floor.
    #[serde(default)]
    pub partnerships: Vec<super::PartnershipHealth>,
    /// When `partnerships` were worked out: they are kept a while, as
    /// they read the interaction log.
    #[serde(default)]
    pub partnerships_as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// How many leaders are short of alliances, when that may be shown.
    #[serde(default)]
    pub lonely_leaders: Option<super::LonelyLeaders>,
}

/// One week's growth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekOfAlliances {
    /// The week's Monday (UTC).
    pub monday: NaiveDate,
    /// Alliances formed that week: first meetings across teams, company-wide.
    pub new_alliances: u32,
    /// Of those, first-ever ties between two teams.
    pub bridges: u32,
}

/// The first tie between two teams: when, not who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeFormed {
    /// The two teams, in name order.
    pub teams: (TeamId, TeamId),
    /// When.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(n: usize) -> TeamMap {
        let teams: Vec<TeamId> = (0..n)
            .map(|i| TeamId::parse(&format!("T{i}")).unwrap())
            .collect();
        let mut pairs = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                pairs.push(TeamPair {
                    teams: (teams[i].clone(), teams[j].clone()),
                    active_alliances: u32::try_from(10 * i + j).unwrap(),
                    alliances_ever: 1,
                    strength: 1.0,
                });
            }
        }
        TeamMap {
            as_of: DateTime::UNIX_EPOCH,
            active_days: 90,
            teams,
            pairs,
            small_teams_held_back: 0,
            teams_left_out: 0,
        }
    }

    #[test]
    fn a_map_of_too_many_teams_keeps_the_most_connected_in_name_order() {
        // In `map(n)`, T{i}–T{j} has 10 i + j active alliances: the later
        // a team, the more it has.
        let full = map(6);
        let trimmed = full.most_connected(3);
        let names: Vec<&str> = trimmed.teams.iter().map(TeamId::as_str).collect();
        assert_eq!(names, ["T3", "T4", "T5"]);
        assert_eq!(trimmed.teams_left_out, 3);
        assert_eq!(trimmed.pairs.len(), 3);
        for i in 0..3 {
            for j in 0..3 {
                if i != j {
                    let pair = trimmed.pair(i, j).unwrap();
                    assert_eq!(pair.teams.0, trimmed.teams[i.min(j)]);
                    assert_eq!(pair.teams.1, trimmed.teams[i.max(j)]);
                    assert_eq!(Some(pair), full.pair(i.min(j) + 3, i.max(j) + 3));
                }
            }
        }
        // A map within the bound is kept whole.
        assert_eq!(full.most_connected(6), full);
    }

    #[test]
    fn teams_equally_connected_are_kept_by_strength_then_by_name() {
        let mut full = map(4);
        for pair in &mut full.pairs {
            pair.active_alliances = 1;
        }
        // T2's pairs are the strongest; the rest tie, and T0 comes first.
        for i in [0, 1, 3] {
            let at = pair_index(4, 2, i).unwrap();
            full.pairs[at].strength = 2.0;
        }
        let names: Vec<String> = full
            .most_connected(2)
            .teams
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["T0", "T2"]);
    }

    #[test]
    fn the_shades_spread_over_the_active_pairs_only() {
        let mut map = map(3);
        for (pair, (active, strength)) in map.pairs.iter_mut().zip([(2, 3.0), (0, 0.5), (1, 1.5)]) {
            pair.active_alliances = active;
            pair.strength = strength;
        }
        assert_eq!(map.strength_range(), (1.5, 3.0));
        map.pairs.iter_mut().for_each(|p| p.active_alliances = 0);
        assert_eq!(map.strength_range(), (0.0, 0.0));
    }

    #[test]
    fn a_pair_is_found_by_its_two_indices_in_either_order() {
        let map = map(5);
        for i in 0..5 {
            for j in 0..5 {
                let pair = map.pair(i, j);
                if i == j {
                    assert!(pair.is_none());
                } else {
                    let (low, high) = (i.min(j), i.max(j));
                    assert_eq!(pair.unwrap().active_alliances as usize, 10 * low + high);
                }
            }
        }
        assert!(map.pair(0, 5).is_none());
    }
}
