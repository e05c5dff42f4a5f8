//! The store's hash key, in `meta` as in sled's: drawn on first use, it
//! keys the once-keys, the recent contents and the tombstones.

use super::super::{OnceKeys, StoreError, meta};
use super::PgStore;

/// The hash key's length, in bytes.
const KEY_LEN: usize = 32;

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
    /// Read once, then kept: `/met` needs it on every request. Only a
    /// purge (an uninstall, after which no request comes) and an import
    /// (run with the replicas stopped) change it, and they forget it here.
    async fn hash_key(&self) -> Result<Vec<u8>, StoreError> {
        if let Some(key) = self.hash_key.lock().clone() {
            return Ok(key);
        }
        let key = self.read_hash_key().await?;
        *self.hash_key.lock() = Some(key.clone());
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
fn meta_name(key: &'static [u8]) -> &'static str {
    std::str::from_utf8(key).unwrap_or("?")
}
