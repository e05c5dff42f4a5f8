//! The store's hash key, in `meta` as in sled's: drawn on first use, it
//! keys the once-keys, the recent contents and the tombstones.

use super::super::{OnceKeys, StoreError, meta};
use super::PgStore;

/// The hash key's length, in bytes.
const KEY_LEN: usize = 32;

/// The hash key a replica read, and when, shared by its handles.
pub(super) type KeptKey = std::sync::Arc<parking_lot::Mutex<Option<(std::time::Instant, Vec<u8>)>>>;

/// How long a replica uses the hash key it read before it reads it again:
/// long enough that `/met` does not read it per request, short enough
/// that a purge or an import on another replica reaches this one soon.
const HASH_KEY_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(10);

impl PgStore {
    /// The once-keys of this store; draws its hash key on first use.
    pub async fn once_keys(&self) -> Result<OnceKeys, StoreError> {
        let key = self.hash_key().await?;
        OnceKeys::with_key(&key).ok_or_else(|| self.corrupt_key())
    }

    /// The store's hash key, drawn on first use (from the operating
    /// system's random source, through rand's thread generator). Of two
    /// replicas drawing at once, the key written first is everyone's.
    ///
    /// Kept for [`HASH_KEY_FRESH_FOR`] once read: `/met` needs it on every
    /// request. Only a purge and an import change it; the replica that
    /// made the change forgets it at once, the others within that time,
    /// and a forget reads it afresh (see [`PgStore::hash_key_now`]).
    async fn hash_key(&self) -> Result<Vec<u8>, StoreError> {
        if let Some((at, key)) = self.hash_key.lock().clone()
            && at.elapsed() < HASH_KEY_FRESH_FOR
        {
            return Ok(key);
        }
        self.hash_key_now().await
    }

    /// The store's hash key as the database holds it now, drawn if need
    /// be, and kept.
    pub(super) async fn hash_key_now(&self) -> Result<Vec<u8>, StoreError> {
        let key = self.read_hash_key().await?;
        *self.hash_key.lock() = Some((std::time::Instant::now(), key.clone()));
        Ok(key)
    }

    /// Forgets the hash key kept: a purge or an import changed it.
    pub(super) fn forget_hash_key(&self) {
        *self.hash_key.lock() = None;
    }

    /// [`PgStore::hash_key`], from the database.
    async fn read_hash_key(&self) -> Result<Vec<u8>, StoreError> {
        let name = meta_name(meta::TOMBSTONE_KEY);
        let drawn: [u8; KEY_LEN] = rand::random();
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&name, &&drawn[..]],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let row = client
            .query_one("SELECT value FROM meta WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.failed(e))?;
        let key: Vec<u8> = row.get("value");
        match key.len() {
            KEY_LEN => Ok(key),
            _ => Err(self.corrupt_key()),
        }
    }

    pub(super) fn corrupt_key(&self) -> StoreError {
        StoreError::Corrupt {
            tree: "meta",
            key: meta_name(meta::TOMBSTONE_KEY).to_owned(),
            detail: "the store's hash key cannot key a hash".into(),
        }
    }
}

/// The name of a `meta` row: the sled store's key, which is ASCII.
pub(super) fn meta_name(key: &'static [u8]) -> &'static str {
    std::str::from_utf8(key).unwrap_or("?")
}
