//! Trigger ids: Slack's leave to open a modal for someone. Every delivery
//! that carries one (a slash command, a button, a modal submission) issues
//! it for the person who acted, at the moment it is sent to the bot;
//! `views.open` exchanges it once, within 3 seconds of its issue.
//!
//! This keeps every trigger ever issued, so that a late or repeated one is
//! told apart from one the fake never issued, as Slack tells them apart.
//! It knows nothing of HTTP or of views.

use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// How long a trigger id may be exchanged after its issue: "3 seconds",
/// Slack's modal guide says, which is also how long Slack waits for the
/// bot to acknowledge the interaction that issued it.
pub(super) const TRIGGER_LIFETIME: Duration = Duration::from_secs(3);

/// Why a trigger id cannot be exchanged, as Slack's error codes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TriggerRefusal {
    /// Never issued (`invalid_trigger_id`).
    Invalid,
    /// Exchanged already (`exchanged_trigger_id`).
    Exchanged,
    /// Issued more than [`TRIGGER_LIFETIME`] ago (`expired_trigger_id`).
    Expired,
}

impl TriggerRefusal {
    /// Slack's error code for the refusal.
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "invalid_trigger_id",
            Self::Exchanged => "exchanged_trigger_id",
            Self::Expired => "expired_trigger_id",
        }
    }
}

/// One trigger id as issued.
#[derive(Debug, Clone)]
struct Issued {
    /// The user id of the person whose action issued it.
    user: String,
    at: Instant,
    exchanged: bool,
}

/// Every trigger id issued so far.
#[derive(Debug, Default)]
pub(super) struct Triggers {
    issued: HashMap<String, Issued>,
}

impl Triggers {
    /// Issues `trigger` for `user` at `now`. A delivery sent again (a
    /// retry) issues nothing new: the first issue's clock still runs.
    pub fn issue(&mut self, trigger: &str, user: &str, now: Instant) {
        self.issued
            .entry(trigger.to_owned())
            .or_insert_with(|| Issued {
                user: user.to_owned(),
                at: now,
                exchanged: false,
            });
    }

    /// Exchanges `trigger` at `now`: the person it was issued for, or why
    /// it cannot be exchanged. A refused exchange uses nothing up.
    pub fn exchange(&mut self, trigger: &str, now: Instant) -> Result<String, TriggerRefusal> {
        let issued = self
            .issued
            .get_mut(trigger)
            .ok_or(TriggerRefusal::Invalid)?;
        if issued.exchanged {
            return Err(TriggerRefusal::Exchanged);
        }
        if now.saturating_duration_since(issued.at) > TRIGGER_LIFETIME {
            return Err(TriggerRefusal::Expired);
        }
        issued.exchanged = true;
        Ok(issued.user.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trigger_is_exchanged_once_for_the_person_it_was_issued_for() {
        let mut triggers = Triggers::default();
        let now = Instant::now();
        triggers.issue("1.2.a", "U1", now);
        assert_eq!(triggers.exchange("1.2.a", now), Ok("U1".to_owned()));
        assert_eq!(
            triggers.exchange("1.2.a", now),
            Err(TriggerRefusal::Exchanged)
        );
        assert_eq!(
            triggers.exchange("1.2.b", now),
            Err(TriggerRefusal::Invalid)
        );
    }

    #[test]
    fn a_trigger_expires_three_seconds_after_its_first_issue() {
        let mut triggers = Triggers::default();
        let issued = Instant::now();
        triggers.issue("1.2.a", "U1", issued);
        triggers.issue("1.2.b", "U1", issued);
        // Sent again later: the first issue's clock still runs.
        triggers.issue("1.2.b", "U1", issued + TRIGGER_LIFETIME);
        let late = issued + TRIGGER_LIFETIME + Duration::from_millis(1);
        assert_eq!(
            triggers.exchange("1.2.b", late),
            Err(TriggerRefusal::Expired)
        );
        assert_eq!(
            triggers.exchange("1.2.a", issued + TRIGGER_LIFETIME),
            Ok("U1".to_owned())
        );
        assert_eq!(TriggerRefusal::Expired.code(), "expired_trigger_id");
    }
}
