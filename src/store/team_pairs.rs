//! The team-pair index: which teams are tied to which, so that `/met` can
//! tell a first bridge between two teams without reading every tie.
//!
//! Two teams are tied when some person of one has a tie with some person of
//! the other, by the teams people are in now. That is derived data (the
//! ties crossed with the `people` tree), so it lives in memory, not on disk:
//! built from the two trees on the first read, kept up to date as ties are
//! added, and dropped, to be rebuilt on the next read, whenever a write may
//! have changed it in another way — a person's team changing, someone
//! joining or being forgotten, a backup's import. New ties come one
//! `/met` at a time, many a second, or in a batch (a calendar, a seed);
//! the other writes come from the daily people sync,
//! an admin or a person's own request, so a rebuild (one scan of each tree)
//! is rare. Kept in memory, the index can never disagree with the disk after
//! a crash, and a team move needs no rewrite of stored data.
//!
//! Consistency: see `derived_index`. People are written without the
//! log-writer lock: each such write outdates the index after it lands, and
//! a rebuild installs its index only if no such write came since it began
//! to scan `people`. Whichever of the two comes last, a stale index does
//! not stay.

use super::derived_index::{DerivedIndex, TieIndex};
use super::{SledStore, StoreError, trees};
use crate::domain::{Person, TeamId};
use std::collections::{BTreeSet, HashMap};

/// The index in its slot; one per store, shared by its clones.
pub(super) type TeamPairs = DerivedIndex<Index>;

/// The teams of people and the team pairs their ties make.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// The team of each person who has one, by id.
    team_of: HashMap<String, TeamId>,
    /// For each team, the teams its people are tied to (both ways round).
    tied: HashMap<TeamId, BTreeSet<TeamId>>,
}

impl TieIndex for Index {
    fn tie(&mut self, a: &str, b: &str) {
        if let (Some(team_a), Some(team_b)) = (self.team_of.get(a), self.team_of.get(b)) {
            let (team_a, team_b) = (team_a.clone(), team_b.clone());
            self.tied
                .entry(team_a.clone())
                .or_default()
                .insert(team_b.clone());
            self.tied.entry(team_b).or_default().insert(team_a);
        }
    }
}

impl Index {
    fn tied_to(&self, team: &TeamId) -> BTreeSet<TeamId> {
        self.tied.get(team).cloned().unwrap_or_default()
    }
}

impl SledStore {
    /// The teams that people of `team` have a tie with, by the teams people
    /// are in now (`team` itself if two of its people are tied). Read from
    /// the team-pair index (see the module doc): a few map look-ups, and on
    /// the first call, or the first after people changed, a scan of the
    /// people and the tie keys.
    pub fn teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        self.team_pairs
            .read(self, Self::build_team_pairs, |index| index.tied_to(team))
    }

    /// The index, from the `people` tree and the keys of the `ties` tree.
    /// The caller holds the log-writer lock.
    fn build_team_pairs(&self) -> Result<Index, StoreError> {
        let trees = self.trees()?;
        let mut index = Index::default();
        for entry in trees.people.iter() {
            let (key, bytes) = entry?;
            let person: Person = self.decode(trees::PEOPLE, &key, &bytes)?;
            if let Some(team) = person.team {
                index.team_of.insert(person.id.to_string(), team);
            }
        }
        self.visit_tie_ids(|a, b| index.tie(a, b))?;
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Person, TeamId, UserId};
    use crate::store::SledStore;
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, user};
    use std::collections::BTreeSet;

    fn teams(names: &[&str]) -> BTreeSet<TeamId> {
        names.iter().map(|n| TeamId::parse(n).unwrap()).collect()
    }

    fn tied_to(store: &SledStore, team: &str) -> BTreeSet<TeamId> {
        store.teams_tied_to(&TeamId::parse(team).unwrap()).unwrap()
    }

    /// What the index must say: the ties crossed with the people, by a scan.
    fn scanned(store: &SledStore, team: &str) -> BTreeSet<TeamId> {
        let team_of = |id: &UserId| store.person(id).unwrap().and_then(|p: Person| p.team);
        let mut tied = BTreeSet::new();
        for tie in store.ties().unwrap() {
            if let (Some(a), Some(b)) = (team_of(tie.pair.low()), team_of(tie.pair.high())) {
                if a.as_str() == team {
                    tied.insert(b.clone());
                }
                if b.as_str() == team {
                    tied.insert(a);
                }
            }
        }
        tied
    }

    fn company(store: &SledStore) {
        store
            .put_people(&[
                person("UA1", "Ada", Some("Payments")),
                person("UA2", "Abe", Some("Payments")),
                person("UB1", "Bob", Some("Platform")),
                person("UC1", "Cy", Some("Design")),
                person("UN1", "Nan", None),
            ])
            .unwrap();
    }

    #[test]
    fn teams_are_tied_by_their_peoples_ties_as_they_are_logged() {
        let (_dir, store) = open_temp();
        company(&store);
        assert_eq!(tied_to(&store, "Payments"), teams(&[]));
        let log = |people: &[&str], key: &str| {
            store
                .log_interaction_once(key, &meeting(at_minute(0), people, None))
                .unwrap();
        };
        log(&["UA1", "UB1"], "1");
        assert_eq!(tied_to(&store, "Payments"), teams(&["Platform"]));
        assert_eq!(tied_to(&store, "Platform"), teams(&["Payments"]));
        // A person without a team ties no team; a tie within a team ties it
        // to itself; a group meeting ties every pair's teams.
        log(&["UA2", "UN1"], "2");
        log(&["UA1", "UA2"], "3");
        store
            .log_interaction(&meeting(at_minute(1), &["UB1", "UC1", "UN1"], None))
            .unwrap();
        for team in ["Payments", "Platform", "Design", "Nowhere"] {
            assert_eq!(tied_to(&store, team), scanned(&store, team), "{team}");
        }
        assert_eq!(tied_to(&store, "Design"), teams(&["Platform"]));
    }

    #[test]
    fn a_team_move_a_newcomer_a_forget_and_a_bulk_load_are_all_seen() {
        let (_dir, store) = open_temp();
        company(&store);
        store
            .log_interaction(&meeting(at_minute(0), &["UA1", "UN1"], None))
            .unwrap();
        // Built now, before the changes below.
        assert_eq!(tied_to(&store, "Payments"), teams(&[]));

        store
            .update_person(&user("UN1"), |p| p.team = TeamId::parse("Legal").ok())
            .unwrap();
        assert_eq!(tied_to(&store, "Payments"), teams(&["Legal"]));

        store
            .put_person(&person("UD1", "Dee", Some("Data")))
            .unwrap();
        store
            .log_interaction(&meeting(at_minute(1), &["UD1", "UC1"], None))
            .unwrap();
        assert_eq!(tied_to(&store, "Data"), teams(&["Design"]));

        store.forget_person(&user("UN1")).unwrap();
        assert_eq!(tied_to(&store, "Payments"), teams(&[]));

        store
            .log_interactions(&[meeting(at_minute(2), &["UA2", "UC1"], None)])
            .unwrap();
        assert_eq!(tied_to(&store, "Payments"), teams(&["Design"]));
        for team in ["Payments", "Platform", "Design", "Data", "Legal"] {
            assert_eq!(tied_to(&store, team), scanned(&store, team), "{team}");
        }
    }

    #[test]
    fn the_index_is_rebuilt_from_disk_after_reopening() {
        let (dir, store) = open_temp();
        company(&store);
        store
            .log_interaction(&meeting(at_minute(0), &["UA1", "UC1"], None))
            .unwrap();
        store.flush().unwrap();
        drop(store);
        let store = crate::store::fixtures::reopen(dir.path()).unwrap();
        assert_eq!(tied_to(&store, "Design"), teams(&["Payments"]));
    }
}
