//! sled's handles on the data folder — the database and its trees — and
//! the lock they are read through, so that a rewrite (`rewrite`) can put
//! the handles of a fresh database in their place while the bot serves.
//!
//! Every method of the store reaches sled through [`SledStore::trees`], which
//! holds a read lock for as long as the method keeps what it returns. A
//! rewrite takes the write lock: it waits for the methods under way to
//! finish, and the ones that start meanwhile wait for it. So no write lands
//! in the old database after the rewrite copied it, and none is lost.
//!
//! The read lock is parking_lot's recursive one: a method that holds it
//! calls others that take it again (`forget_person` its scans, `ties` its
//! decoding thread), and a read that queued behind a waiting rewrite while
//! its own thread already held the lock would deadlock. A rewrite therefore
//! waits until no method holds the lock, which a store serving requests
//! (each a few milliseconds) reaches within moments.

use super::{SledStore, StoreError, StoreOptions, trees};
use parking_lot::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
use std::path::Path;
use std::sync::Arc;

/// The handles of one sled database: the database, for its ids and
/// flushes, and each tree the store uses.
pub(super) struct Trees {
    pub(super) db: sled::Db,
    pub(super) people: sled::Tree,
    pub(super) interactions: sled::Tree,
    pub(super) ties: sled::Tree,
    pub(super) nudges: sled::Tree,
    pub(super) jobs: sled::Tree,
    pub(super) logged_keys: sled::Tree,
    pub(super) deliveries: sled::Tree,
    pub(super) outbox: sled::Tree,
    pub(super) dm_channels: sled::Tree,
    pub(super) tombstones: sled::Tree,
    pub(super) circles: sled::Tree,
    pub(super) calendars: sled::Tree,
    pub(super) meta: sled::Tree,
}

/// The handles the store's clones share: `None` once a rewrite could not
/// open the fresh database it put in place (see `rewrite`), so that every
/// call fails rather than write to files that are gone.
pub(super) type Current = Arc<RwLock<Option<Trees>>>;

impl Trees {
    /// Opens the sled database in `dir` and its trees.
    pub(super) fn open(dir: &Path, options: &StoreOptions) -> Result<Trees, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_capacity_bytes)
            .open()?;
        let tree = |name: &str| db.open_tree(name);
        Ok(Trees {
            people: tree(trees::PEOPLE)?,
            interactions: tree(trees::INTERACTIONS)?,
            ties: tree(trees::TIES)?,
            nudges: tree(trees::NUDGES)?,
            jobs: tree(trees::JOBS)?,
            logged_keys: tree(trees::LOGGED_KEYS)?,
            deliveries: tree(trees::DELIVERIES)?,
            outbox: tree(trees::OUTBOX)?,
            dm_channels: tree(trees::DM_CHANNELS)?,
            tombstones: tree(trees::TOMBSTONES)?,
            circles: tree(trees::CIRCLES)?,
            calendars: tree(trees::CALENDARS)?,
            meta: tree(trees::META)?,
            db,
        })
    }
}

impl SledStore {
    /// The current handles, read-locked until the guard is dropped (see the
    /// module doc). Fails once a rewrite left the store closed.
    pub(super) fn trees(&self) -> Result<MappedRwLockReadGuard<'_, Trees>, StoreError> {
        RwLockReadGuard::try_map(self.current.read_recursive(), Option::as_ref).map_err(|_| {
            StoreError::Closed {
                path: self.path.clone(),
            }
        })
    }
}

/// Flushes the database `current` holds now: what the group commit runs.
pub(super) fn flush_current(current: &Current) -> sled::Result<()> {
    match current.read_recursive().as_ref() {
        Some(trees) => trees.db.flush().map(drop),
        None => Err(sled::Error::Io(std::io::Error::other(
            "the store is closed: a rewrite could not open it again",
        ))),
    }
}
