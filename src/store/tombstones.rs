//! The `tombstones` tree: who asked to be forgotten, without saying who.
//!
//! Forgetting a person removes every record of them (`forget`), but Slack
//! still lists them: without a trace, the next people sync or profile
//! change would bring them back as a stranger to nudge and introduce. So
//! the forget leaves a tombstone, keyed by a keyed hash of their id
//! (HMAC-SHA256), holding nothing. The store recognises them when Slack
//! names them again; the tree alone names nobody: not their id, and not a
//! plain hash of it, which anyone could compute from the ids Slack lists.
//!
//! The hash's key is 32 random bytes the store draws on its first forget
//! and keeps in `meta`. Whoever holds both the key and a list of ids can
//! still test which of them were forgotten — as the bot must, to keep its
//! word — but cannot read an id back from a tombstone.
//!
//! A tombstone is lifted when the person opts in again
//! ([`SledStore::lift_tombstone`]), and goes with everything else in a purge.
//! Backups carry the tombstones and the key (see `backup`), so that a
//! restore keeps them.

use super::{SledStore, StoreError, meta, trees};
use crate::domain::UserId;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sled::IVec;

type KeyedHash = hmac::Hmac<sha2::Sha256>;

/// The length of a tombstone, and of the key of their hash: SHA-256's.
pub(super) const HASH_LEN: usize = 32;

/// A tombstone's value: nothing but the version byte every value carries.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Tombstone {}

impl SledStore {
    /// Whether `id` was forgotten and has not opted in since.
    pub fn is_forgotten(&self, id: &UserId) -> Result<bool, StoreError> {
        let trees = self.trees()?;
        let Some(key) = trees.meta.get(meta::TOMBSTONE_KEY)? else {
            // No key: nobody was ever forgotten here.
            return Ok(false);
        };
        Ok(trees
            .tombstones
            .contains_key(self.tombstone_of(&key, id)?)?)
    }

    /// Lets `id` back in (they opted in again): removes their tombstone, if
    /// they have one. Does not flush.
    pub fn lift_tombstone(&self, id: &UserId) -> Result<(), StoreError> {
        let trees = self.trees()?;
        if let Some(key) = trees.meta.get(meta::TOMBSTONE_KEY)? {
            trees.tombstones.remove(self.tombstone_of(&key, id)?)?;
        }
        Ok(())
    }

    /// The key and value of `id`'s tombstone, for a forget to write; draws
    /// the store's hash key on the first forget.
    pub(super) fn tombstone_entry(
        &self,
        id: &UserId,
    ) -> Result<([u8; HASH_LEN], Vec<u8>), StoreError> {
        let key = self.tombstone_key()?;
        let tombstone = self.tombstone_of(&key, id)?;
        let value = self.encode(trees::TOMBSTONES, &tombstone, &Tombstone {})?;
        Ok((tombstone, value))
    }

    /// The store's hash key, if someone was ever forgotten: for a backup.
    pub(super) fn tombstone_key_if_drawn(&self) -> Result<Option<IVec>, StoreError> {
        Ok(self.trees()?.meta.get(meta::TOMBSTONE_KEY)?)
    }

    /// Keeps `key` as the store's hash key: the key a backup's tombstones
    /// were hashed with, loaded into a fresh store.
    pub(super) fn keep_tombstone_key(&self, key: &[u8; HASH_LEN]) -> Result<(), StoreError> {
        self.trees()?.meta.insert(meta::TOMBSTONE_KEY, &key[..])?;
        Ok(())
    }

    /// The store's hash key, drawn (from the operating system's random
    /// source, through rand's thread generator) on first use. Two first
    /// forgets at once keep the key written first.
    pub(super) fn tombstone_key(&self) -> Result<IVec, StoreError> {
        let trees = self.trees()?;
        if let Some(key) = trees.meta.get(meta::TOMBSTONE_KEY)? {
            return Ok(key);
        }
        let drawn: [u8; HASH_LEN] = rand::random();
        let none: Option<&[u8]> = None;
        match trees
            .meta
            .compare_and_swap(meta::TOMBSTONE_KEY, none, Some(&drawn[..]))?
        {
            Ok(()) => Ok(IVec::from(&drawn[..])),
            Err(taken) => taken
                .current
                .ok_or_else(|| self.corrupt_meta(meta::TOMBSTONE_KEY, "missing")),
        }
    }

    /// [`tombstone_of`], or the error of a key that cannot key a hash.
    fn tombstone_of(&self, key: &[u8], id: &UserId) -> Result<[u8; HASH_LEN], StoreError> {
        tombstone_of(key, id)
            .ok_or_else(|| self.corrupt_meta(meta::TOMBSTONE_KEY, "it cannot key a hash"))
    }
}

/// The tombstone of `id` under `key`: HMAC-SHA256 of the id's text.
/// HMAC takes keys of any length, so `None` never happens in practice; it
/// is reported as a broken key rather than a panic.
pub(super) fn tombstone_of(key: &[u8], id: &UserId) -> Option<[u8; HASH_LEN]> {
    let mut mac = <KeyedHash as KeyInit>::new_from_slice(key).ok()?;
    mac.update(id.as_str().as_bytes());
    Some(mac.finalize().into_bytes().into())
}
