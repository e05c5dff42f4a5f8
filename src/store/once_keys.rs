//! Keys to log a meeting once under, built from who met whom and when:
//! keyed hashes, never the ids themselves.
//!
//! A calendar meeting or an imported row has no id of its own that Slack
//! chose, so its key is built from what it is (a calendar event's `UID`
//! and instance, a row's date, and the people in it). `logged_keys` keeps
//! every key for good and names nobody, and forget-me leaves it as it is;
//! a plain hash of those parts would let anyone who sees the keys (a copy
//! of that tree, a key in a log line) confirm a guess ("did these two meet
//! that day?"). So the parts are hashed with HMAC-SHA256 under the store's
//! own hash key, the one that keys the tombstones (drawn on first use,
//! kept in `meta`, carried by backups so that a restore keeps logging each
//! meeting once), the two uses told apart by what is hashed. As with the
//! tombstones, whoever holds the whole folder or a backup holds the key
//! too, and can still test a guess; the keys alone cannot.

use super::{SledStore, StoreError};
use hmac::{KeyInit, Mac};

type KeyedHash = hmac::Hmac<sha2::Sha256>;

/// What every once-key's hash begins with, so that no once-key can equal
/// a tombstone.
const DOMAIN: &[u8] = b"alliances once-key v1";

/// The store's hash key, lent to build once-keys with.
pub struct OnceKeys(KeyedHash);

impl std::fmt::Debug for OnceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnceKeys(…)")
    }
}

impl OnceKeys {
    /// The once-keys of the store whose hash key is `key`; `None` if it
    /// cannot key a hash.
    pub(super) fn with_key(key: &[u8]) -> Option<OnceKeys> {
        <KeyedHash as KeyInit>::new_from_slice(key)
            .ok()
            .map(OnceKeys)
    }

    /// The key of `parts` for a log of `kind` (`calendar`, `history`):
    /// `kind:` and 64 hex digits. Each part goes in with its length, so
    /// that no two lists of parts hash alike.
    pub fn key(&self, kind: &str, parts: &[&[u8]]) -> String {
        let mut mac = self.0.clone();
        mac.update(DOMAIN);
        for part in std::iter::once(kind.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        format!("{kind}:{}", hex::encode(mac.finalize().into_bytes()))
    }
}

impl SledStore {
    /// The once-keys of this store; draws its hash key on first use.
    pub fn once_keys(&self) -> Result<OnceKeys, StoreError> {
        let key = self.tombstone_key()?;
        OnceKeys::with_key(&key)
            .ok_or_else(|| self.corrupt_meta(super::meta::TOMBSTONE_KEY, "it cannot key a hash"))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::open_temp;

    #[test]
    fn a_once_key_is_the_same_in_one_store_and_says_nothing_of_its_parts() {
        let (_dir, store) = open_temp();
        let keys = store.once_keys().unwrap();
        let key = keys.key("calendar", &[b"uid-1", b"UADA", b"UBOB"]);
        assert_eq!(
            key,
            store
                .once_keys()
                .unwrap()
                .key("calendar", &[b"uid-1", b"UADA", b"UBOB"])
        );
        assert!(key.starts_with("calendar:") && key.len() == "calendar:".len() + 64);
        assert!(!key.contains("UADA"));
        assert_ne!(
            key,
            keys.key("calendar", &[b"uid-1UADA", b"UBOB"]),
            "parts kept apart"
        );
        let (_other_dir, other) = open_temp();
        assert_ne!(
            key,
            other
                .once_keys()
                .unwrap()
                .key("calendar", &[b"uid-1", b"UADA", b"UBOB"])
        );
    }
}
