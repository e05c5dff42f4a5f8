//! The peer index: whom each person has a tie with, so that one person's
//! ties (and their peers' ties) are read by key rather than by a scan of
//! every tie. `/alliances allies` and `status` answer one person; a scan
//! of the tie index costs about a nudge tick's reading, every time.
//!
//! Derived from the keys of the `ties` tree alone, so it lives in memory,
//! not on disk, like the team-pair index (`team_pairs`): built on the
//! first read (one scan of the tie keys, decoding nothing), kept current as
//! new pairs are logged (one by one or in batches, a seed's included), and
//! dropped, to be built again on the next read, after a write that
//! removes ties or replaces them (a forget, a purge, a backup's import).
//!
//! Consistency: see `derived_index`; the index never lacks a tie that is on
//! disk. An index that still names a pair whose tie is gone (a forget
//! racing a read) is harmless: every tie is read from the tree by its key,
//! and a missing one is skipped.

use super::derived_index::{DerivedIndex, TieIndex, tie_ids};
use super::{SledStore, StoreError, keys};
use crate::domain::{Tie, UserId};
use rustc_hash::{FxHashMap, FxHashSet};

/// The index in its slot; one per store, shared by its clones.
pub(super) type TiePeers = DerivedIndex<Index>;

/// Each person's peers, by a number per person: 10,000 people with 48,000
/// ties take about 2 MB (`plan_tick` measures it), so about 20 MB for ten
/// times as many.
#[derive(Debug, Default)]
pub(super) struct Index {
    number: FxHashMap<Box<str>, u32>,
    ids: Vec<Box<str>>,
    peers: Vec<Vec<u32>>,
}

impl Index {
    fn number_of(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.number.get(id) {
            return n;
        }
        let n = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.number.insert(id.into(), n);
        self.ids.push(id.into());
        self.peers.push(Vec::new());
        n
    }

    /// The ids of `id`'s peers.
    fn peers_of(&self, id: &str) -> Vec<Box<str>> {
        let Some(&n) = self.number.get(id) else {
            return Vec::new();
        };
        self.peers
            .get(n as usize)
            .into_iter()
            .flatten()
            .filter_map(|&peer| self.ids.get(peer as usize).cloned())
            .collect()
    }
}

impl TieIndex for Index {
    fn tie(&mut self, a: &str, b: &str) {
        let (a, b) = (self.number_of(a), self.number_of(b));
        for (one, other) in [(a, b), (b, a)] {
            if let Some(peers) = self.peers.get_mut(one as usize) {
                peers.push(other);
            }
        }
    }
}

impl SledStore {
    /// The ties of `user`, sorted by pair: a look-up in the peer index (see
    /// the module doc) and a read of each of their ties by key.
    pub fn ties_of(&self, user: &UserId) -> Result<Vec<Tie>, StoreError> {
        let peers = self.peers_of(&[user.as_str()])?;
        self.ties_by_key(peers.iter().map(|(person, peer)| (*person, &**peer)))
    }

    /// The ties of `user` and of everyone they have a tie with, sorted by
    /// pair, each once: all that `/alliances allies` reads of the tie index
    /// (the asker's alliances, and the alliances of those they know).
    pub fn ties_around(&self, user: &UserId) -> Result<Vec<Tie>, StoreError> {
        let first = self.peers_of(&[user.as_str()])?;
        let mut around: Vec<&str> = vec![user.as_str()];
        around.extend(first.iter().map(|(_, peer)| &**peer));
        let second = self.peers_of(&around)?;
        self.ties_by_key(second.iter().map(|(person, peer)| (*person, &**peer)))
    }

    /// The ties between any two of `people`, sorted by pair: each one's
    /// ties as the lower id of the pair, read by key prefix (every pair has
    /// a lower id), so neither the index nor a scan of every tie. What a
    /// round of leadership circles reads: the ties among the leaders.
    pub fn ties_among(&self, people: &[UserId]) -> Result<Vec<Tie>, StoreError> {
        let trees = self.trees()?;
        let wanted: FxHashSet<&str> = people.iter().map(UserId::as_str).collect();
        let mut ties = Vec::new();
        for person in people {
            // The key of a pair with nobody: the person and the separator,
            // which starts every key of a pair whose lower id is theirs.
            let prefix = keys::tie_of_ids(person.as_str(), "");
            for entry in trees.ties.scan_prefix(&prefix) {
                let (key, bytes) = entry?;
                let (_, high) = tie_ids(&key)?;
                if wanted.contains(high) {
                    ties.push(self.decode_tie(&key, &bytes)?);
                }
            }
        }
        ties.sort_by(|x, y| x.pair.cmp(&y.pair));
        ties.dedup_by(|x, y| x.pair == y.pair);
        Ok(ties)
    }

    /// Each of `people` with each of their peers, from the index (built
    /// first if need be).
    fn peers_of<'p>(&self, people: &[&'p str]) -> Result<Vec<(&'p str, Box<str>)>, StoreError> {
        let from = |index: &Index| {
            people
                .iter()
                .flat_map(|person| index.peers_of(person).into_iter().map(|p| (*person, p)))
                .collect()
        };
        self.tie_peers.read(self, Self::build_tie_peers, from)
    }

    /// The ties of the pairs `pairs` that are on disk, sorted by pair, each
    /// once.
    fn ties_by_key<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<Tie>, StoreError> {
        let trees = self.trees()?;
        let mut seen: FxHashSet<(&str, &str)> = FxHashSet::default();
        let mut ties = Vec::new();
        for (a, b) in pairs {
            let pair = if a < b { (a, b) } else { (b, a) };
            if !seen.insert(pair) {
                continue;
            }
            let key = keys::tie_of_ids(pair.0, pair.1);
            if let Some(bytes) = trees.ties.get(&key)? {
                ties.push(self.decode_tie(&key, &bytes)?);
            }
        }
        ties.sort_by(|x, y| x.pair.cmp(&y.pair));
        Ok(ties)
    }

    /// The index, from the keys of the `ties` tree. The caller holds the
    /// log-writer lock.
    fn build_tie_peers(&self) -> Result<Index, StoreError> {
        let mut index = Index::default();
        self.visit_tie_ids(|a, b| index.tie(a, b))?;
        Ok(index)
    }
}

#[cfg(test)]
mod tests;
