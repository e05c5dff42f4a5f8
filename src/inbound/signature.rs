//! Slack's request signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`
//! with the app's signing secret, sent as `X-Slack-Signature: v0=<hex>`.
//!
//! A request is genuine when its signature matches (compared in constant
//! time) and its timestamp is within five minutes of now, which stops a
//! recorded request from being replayed later.

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Slack's advice: refuse requests whose timestamp is more than five minutes
/// away from now.
pub const MAX_SKEW_SECONDS: i64 = 5 * 60;

/// Why a request is not from Slack. Every variant answers 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header is missing.
    #[error("the request has no {0} header")]
    Missing(&'static str),
    /// The timestamp is not a number of seconds.
    #[error("the request timestamp is not a number")]
    BadTimestamp,
    /// The timestamp is too far from now.
    #[error("the request timestamp is {0} seconds away from now (more than 5 minutes)")]
    Stale(i64),
    /// The signature is malformed or does not match.
    #[error("the request signature does not match")]
    Mismatch,
}

/// Checks a request's signature headers against its raw body.
pub fn verify(
    secret: &SecretString,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let timestamp = timestamp.ok_or(SignatureError::Missing("X-Slack-Request-Timestamp"))?;
    let signature = signature.ok_or(SignatureError::Missing("X-Slack-Signature"))?;
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew = now.timestamp().saturating_sub(seconds);
    if skew.abs() > MAX_SKEW_SECONDS {
        return Err(SignatureError::Stale(skew));
    }
    let expected = signature
        .strip_prefix("v0=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(SignatureError::Mismatch)?;
    // verify_slice compares in constant time.
    mac_for(secret, timestamp, body)
        .ok_or(SignatureError::Mismatch)?
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The signature Slack would send for `body` at `timestamp`.
pub fn sign(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    let digest =
        mac_for(secret, timestamp, body).map(|mac| hex::encode(mac.finalize().into_bytes()));
    format!("v0={}", digest.unwrap_or_default())
}

/// The MAC of a request. HMAC takes keys of any length, so `None` never
/// happens in practice; it is handled as a mismatch rather than a panic.
fn mac_for(secret: &SecretString, timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(secret.expose_secret().as_bytes()).ok()?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn secret() -> SecretString {
        SecretString::from("8f742231b10e8888abcd99yyyzzz85a5".to_owned())
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_531_420_618, 0).unwrap()
    }

    /// Slack's documented example request.
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    #[test]
    fn slacks_documented_example_is_genuine() {
        let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(sign(&secret(), "1531420618", BODY.as_bytes()), signature);
        assert_eq!(
            verify(
                &secret(),
                Some("1531420618"),
                Some(signature),
                BODY.as_bytes(),
                now()
            ),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_or_secret_is_refused() {
        let signature = sign(&secret(), "1531420618", BODY.as_bytes());
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(
            verify(
                &secret(),
                Some("1531420618"),
                Some(&signature),
                tampered.as_bytes(),
                now()
            ),
            Err(SignatureError::Mismatch)
        );
        let other = SecretString::from("another".to_owned());
        assert_eq!(
            verify(
                &other,
                Some("1531420618"),
                Some(&signature),
                BODY.as_bytes(),
                now()
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &secret(),
                Some("1531420618"),
                Some("v0=zz"),
                BODY.as_bytes(),
                now()
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_request_older_or_newer_than_five_minutes_is_refused() {
        let body = b"x";
        let old = (now().timestamp() - 301).to_string();
        let signature = sign(&secret(), &old, body);
        assert_eq!(
            verify(&secret(), Some(&old), Some(&signature), body, now()),
            Err(SignatureError::Stale(301))
        );
        let edge = (now().timestamp() - 300).to_string();
        let signature = sign(&secret(), &edge, body);
        assert_eq!(
            verify(&secret(), Some(&edge), Some(&signature), body, now()),
            Ok(())
        );
        let future = (now().timestamp() + 301).to_string();
        let signature = sign(&secret(), &future, body);
        assert!(verify(&secret(), Some(&future), Some(&signature), body, now()).is_err());
    }

    #[test]
    fn missing_headers_are_named() {
        assert_eq!(
            verify(&secret(), None, Some("v0=00"), b"", now()),
            Err(SignatureError::Missing("X-Slack-Request-Timestamp"))
        );
        assert_eq!(
            verify(&secret(), Some("1531420618"), None, b"", now()),
            Err(SignatureError::Missing("X-Slack-Signature"))
        );
        assert_eq!(
            verify(&secret(), Some("soon"), Some("v0=00"), b"", now()),
            Err(SignatureError::BadTimestamp)
        );
    }
}
