//! The peer index: whom each person has a tie with, so that one person's
//! ties (and their peers' ties) are read by key rather than by a scan of
//! every tie. `/alliances allies` and `status` answer one person; a scan
//! of the tie index costs about a nudge tick's reading, every time.
//!
//! Derived from the keys of the `ties` tree alone, so it lives in memory,
//! not on disk, like the team-pair index (`team_pairs`): built on the
//! first read (one scan of the tie keys, decoding nothing), kept current as
//! new pairs are logged, and dropped, to be built again on the next read,
//! after a write that removes ties or adds them in bulk (a forget, a purge,
//! a seed or an import).
//!
//! Consistency: ties are only written under the log-writer lock, and so is
//! the index built, and new pairs are added to it before the lock is
//! released, so the index never lacks a tie that is on disk. Its drops
//! bump a generation, and a build installs its index only if no drop came
//! while it scanned. An index that still names a pair whose tie is gone
//! (a forget racing a read) is harmless: every tie is read from the tree by
//! its key, and a missing one is skipped.

use super::{Store, StoreError, keys, trees};
use crate::domain::{PairKey, Tie, UserId};
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The index and what keeps it honest; one per store, shared by its clones.
#[derive(Debug, Default)]
pub(super) struct TiePeers {
    /// `None` until built, and after anything that may have removed a tie.
    /// A std Mutex: held for a few look-ups, never across a read of sled.
    index: Mutex<Option<Index>>,
    /// Bumped by every drop (see the module doc).
    generation: AtomicU64,
}

/// Each person's peers, by a number per person: 100,000 people with half a
/// million ties take about 15 MB.
#[derive(Debug, Default)]
struct Index {
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

    /// Records a tie between the people with ids `a` and `b`.
    fn tie(&mut self, a: &str, b: &str) {
        let (a, b) = (self.number_of(a), self.number_of(b));
        for (one, other) in [(a, b), (b, a)] {
            if let Some(peers) = self.peers.get_mut(one as usize) {
                peers.push(other);
            }
        }
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

impl TiePeers {
    fn lock(&self) -> MutexGuard<'_, Option<Index>> {
        // Poisoning is ignored: every change is one push or a replacement
        // of the whole, which a panic cannot leave half-way.
        self.index
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// After a write that may have removed ties or added them in bulk: the
    /// index is built again on the next read.
    pub(super) fn ties_rewritten(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.lock() = None;
    }

    /// After `new_ties` were written, under the log-writer lock.
    pub(super) fn ties_added(&self, new_ties: &[PairKey]) {
        if let Some(index) = self.lock().as_mut() {
            for pair in new_ties {
                index.tie(pair.low().as_str(), pair.high().as_str());
            }
        }
    }
}

impl Store {
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
                let (_, high) = keys::tie_ids(&key).ok_or_else(|| StoreError::Corrupt {
                    tree: trees::TIES,
                    key: keys::describe(trees::TIES, &key),
                    detail: "the key is not two ids".into(),
                })?;
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
        if let Some(index) = self.tie_peers.lock().as_ref() {
            return Ok(from(index));
        }
        // Ties stand still while the index is built: their writers hold this.
        let _writer = self.lock_log_writer();
        if let Some(index) = self.tie_peers.lock().as_ref() {
            return Ok(from(index));
        }
        let generation = self.tie_peers.generation.load(Ordering::SeqCst);
        let index = self.build_tie_peers()?;
        let found = from(&index);
        let mut slot = self.tie_peers.lock();
        if self.tie_peers.generation.load(Ordering::SeqCst) == generation {
            *slot = Some(index);
        }
        Ok(found)
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
        let trees = self.trees()?;
        let mut index = Index::default();
        for entry in trees.ties.iter().keys() {
            let key = entry?;
            let (a, b) = keys::tie_ids(&key).ok_or_else(|| StoreError::Corrupt {
                tree: trees::TIES,
                key: keys::describe(trees::TIES, &key),
                detail: "the key is not two ids".into(),
            })?;
            index.tie(a, b);
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Tie, UserId};
    use crate::store::Store;
    use crate::store::fixtures::{at_minute, meeting, open_temp, user};

    /// What the index must give: the ties, by a scan.
    fn scanned(store: &Store, around: &[&str]) -> Vec<Tie> {
        store
            .ties()
            .unwrap()
            .into_iter()
            .filter(|tie| around.iter().any(|id| tie.pair.contains(&user(id))))
            .collect()
    }

    fn log(store: &Store, people: &[&str], minute: i64) {
        store
            .log_interaction(&meeting(at_minute(minute), people, None))
            .unwrap();
    }

    #[test]
    fn a_persons_ties_and_their_peers_ties_are_found_as_they_are_logged_and_forgotten() {
        let (_dir, store) = open_temp();
        log(&store, &["UADA", "UBOB"], 1);
        log(&store, &["UBOB", "UCY"], 2);
        log(&store, &["UCY", "UDAN"], 3);
        let ada = user("UADA");
        assert_eq!(store.ties_of(&ada).unwrap(), scanned(&store, &["UADA"]));
        // Built now; the next meetings are added to it.
        log(&store, &["UZED", "UADA", "UEVE"], 4);
        log(&store, &["UADA", "UBOB"], 5);
        assert_eq!(store.ties_of(&ada).unwrap(), scanned(&store, &["UADA"]));
        let peers = ["UADA", "UBOB", "UZED", "UEVE"];
        assert_eq!(store.ties_around(&ada).unwrap(), scanned(&store, &peers));
        assert!(
            !store
                .ties_around(&ada)
                .unwrap()
                .iter()
                .any(|t| t.pair.contains(&user("UDAN"))),
            "two steps away"
        );
        store.forget_person(&user("UBOB")).unwrap();
        assert_eq!(
            store.ties_around(&ada).unwrap(),
            scanned(&store, &["UADA", "UZED", "UEVE"])
        );
        assert!(
            store
                .ties_of(&UserId::parse("UNOBODY").unwrap())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn the_ties_among_some_people_are_those_of_two_of_them_whichever_id_is_lower() {
        let (_dir, store) = open_temp();
        log(&store, &["UA", "UB", "UC"], 1);
        log(&store, &["UC", "UD"], 2);
        log(&store, &["UB", "UE"], 3);
        let among = |ids: &[&str]| -> Vec<String> {
            let ids: Vec<UserId> = ids.iter().map(|id| user(id)).collect();
            store
                .ties_among(&ids)
                .unwrap()
                .iter()
                .map(|t| format!("{}-{}", t.pair.low(), t.pair.high()))
                .collect()
        };
        assert_eq!(among(&["UD", "UA", "UC"]), ["UA-UC", "UC-UD"]);
        assert_eq!(among(&["UB", "UE", "UB"]), ["UB-UE"]);
        assert!(among(&["UA", "UE"]).is_empty());
    }
}
