//! A calendar's address, sealed at rest, and people's emails, hashed.
//!
//! Whoever holds a calendar's iCal address can read every meeting in it:
//! the address is a password. The store keeps it only sealed with
//! ChaCha20-Poly1305 (ring's AEAD) under a key the operator gives in
//! `ALLIANCES_ENCRYPTION_KEY` (32 random bytes, base64: `openssl rand
//! -base64 32`), never in the data folder. Each seal has a random nonce,
//! and the owner's id is bound in as associated data, so a sealed address
//! copied onto another person's record does not open. Neither the key nor
//! an address opened is ever shown by `Debug` or in an error.
//!
//! The same key, through HKDF, gives a second one that hashes emails
//! (HMAC-SHA256 of the trimmed, lower-cased address): attendees are found
//! among the workspace's people by email, and the store holds only these
//! hashes, which say nothing to whoever reads the data folder without the
//! key, not even by trying every address of a company's domain.

use crate::config::ENCRYPTION_KEY_VAR;
use crate::domain::{EmailHash, SealedAddress, UserId};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use secrecy::SecretString;

/// The first byte of every sealed address: how it was sealed.
const SEALED_V1: u8 = 1;

/// What the email-hashing key is derived for: a new purpose would take
/// new words here, and so a key of its own.
const EMAIL_HASH_INFO: &[u8] = b"alliances email hash v1";

/// The operator's key: seals addresses, and hashes emails.
pub struct CalendarKey {
    sealing: LessSafeKey,
    emails: hmac::Key,
}

impl std::fmt::Debug for CalendarKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CalendarKey(…)")
    }
}

/// Why a key or a sealed address could not be used. Says nothing of
/// either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The key given is not 32 bytes in base64.
    #[error(
        "{ENCRYPTION_KEY_VAR} must be 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`"
    )]
    BadKey,
    /// A sealed address does not open with this key: another key sealed
    /// it, or it was changed, or it belongs to someone else.
    #[error(
        "a stored calendar address does not open with {ENCRYPTION_KEY_VAR}: it was sealed with another key"
    )]
    WrongKey,
    /// The system gave no randomness for a nonce.
    #[error("the system gave no randomness to seal with")]
    NoRandomness,
}

impl CalendarKey {
    /// The key written as `text` (base64 of 32 bytes).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretError::BadKey)?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SecretError::BadKey)?;
        let info = [EMAIL_HASH_INFO];
        let derived = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(&bytes);
        let emails = derived
            .expand(&info, hmac::HMAC_SHA256)
            .map_err(|_| SecretError::BadKey)?;
        Ok(Self {
            sealing: LessSafeKey::new(key),
            emails: hmac::Key::from(emails),
        })
    }

    /// The hash of `email`, the same whatever its case or the spaces
    /// around it.
    pub fn email_hash(&self, email: &str) -> EmailHash {
        let normal = email.trim().to_lowercase();
        let tag = hmac::sign(&self.emails, normal.as_bytes());
        let mut bytes = [0_u8; 32];
        bytes.copy_from_slice(tag.as_ref());
        EmailHash::from_bytes(bytes)
    }

    /// `address`, sealed for `owner`.
    pub fn seal(&self, owner: &UserId, address: &str) -> Result<SealedAddress, SecretError> {
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SecretError::NoRandomness)?;
        let mut sealed = address.as_bytes().to_vec();
        self.sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_str().as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SecretError::NoRandomness)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(SealedAddress::from_sealed(STANDARD.encode(out)))
    }

    /// The address `sealed` for `owner`, opened.
    pub fn open(
        &self,
        owner: &UserId,
        sealed: &SealedAddress,
    ) -> Result<SecretString, SecretError> {
        let bytes = STANDARD
            .decode(sealed.as_str())
            .map_err(|_| SecretError::WrongKey)?;
        let (version, rest) = bytes.split_first().ok_or(SecretError::WrongKey)?;
        if *version != SEALED_V1 || rest.len() < NONCE_LEN {
            return Err(SecretError::WrongKey);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::WrongKey)?;
        let mut in_out = sealed.to_vec();
        let opened = self
            .sealing
            .open_in_place(nonce, Aad::from(owner.as_str().as_bytes()), &mut in_out)
            .map_err(|_| SecretError::WrongKey)?;
        let text = String::from_utf8(opened.to_vec()).map_err(|_| SecretError::WrongKey)?;
        Ok(SecretString::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    const ADDRESS: &str =
        "https://calendar.google.com/calendar/ical/ada%40example.com/private-5e2f/basic.ics";

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn an_address_sealed_opens_only_for_its_owner_with_its_key() {
        let key = CalendarKey::parse(KEY).unwrap();
        let sealed = key.seal(&user("U1"), ADDRESS).unwrap();
        assert!(!sealed.as_str().contains("private-5e2f") && !sealed.as_str().contains("google"));
        assert_eq!(
            key.open(&user("U1"), &sealed).unwrap().expose_secret(),
            ADDRESS
        );
        assert_eq!(
            key.open(&user("U2"), &sealed).unwrap_err(),
            SecretError::WrongKey,
            "moved onto someone else's record"
        );
        let other = CalendarKey::parse(&STANDARD.encode([7_u8; 32])).unwrap();
        assert_eq!(
            other.open(&user("U1"), &sealed).unwrap_err(),
            SecretError::WrongKey
        );
        let mut tampered = STANDARD.decode(sealed.as_str()).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        let tampered = SealedAddress::from_sealed(STANDARD.encode(tampered));
        assert_eq!(
            key.open(&user("U1"), &tampered).unwrap_err(),
            SecretError::WrongKey
        );
        assert_ne!(
            key.seal(&user("U1"), ADDRESS).unwrap(),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64_and_is_never_shown() {
        for bad in ["", "not base64!", "c2hvcnQ=", &STANDARD.encode([1_u8; 31])] {
            assert_eq!(
                CalendarKey::parse(bad).unwrap_err(),
                SecretError::BadKey,
                "{bad}"
            );
        }
        let err = SecretError::BadKey.to_string();
        assert!(
            err.contains("ALLIANCES_ENCRYPTION_KEY") && err.contains("openssl rand -base64 32")
        );
        let key = CalendarKey::parse(KEY).unwrap();
        assert_eq!(format!("{key:?}"), "CalendarKey(…)");
        let opened = key
            .open(&user("U1"), &key.seal(&user("U1"), ADDRESS).unwrap())
            .unwrap();
        assert!(!format!("{opened:?}").contains("private-5e2f"));
    }

    #[test]
    fn an_email_hashes_the_same_whatever_its_case_and_only_under_its_key() {
        let key = CalendarKey::parse(KEY).unwrap();
        let hash = key.email_hash("Ada.Lovelace@Example.com ");
        assert_eq!(hash, key.email_hash("ada.lovelace@example.com"));
        assert_ne!(hash, key.email_hash("bo@example.com"));
        let other = CalendarKey::parse(&STANDARD.encode([7_u8; 32])).unwrap();
        assert_ne!(hash, other.email_hash("ada.lovelace@example.com"));
        let json = serde_json::to_string(&hash).unwrap();
        assert!(!json.contains("ada") && !json.contains("example"));
    }
}
