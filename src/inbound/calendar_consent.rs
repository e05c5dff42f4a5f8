//! A person gives their calendar: the modal's submission answered within
//! Slack's 3 seconds, then the calendar read at once, and the modal shows
//! what it found or what went wrong.
//!
//! The address is sealed and stored as soon as it is given, not yet read
//! (a consent pending), so that `calendar off` or forget-me while it is
//! read takes it back as they take back any calendar: the read then keeps
//! nothing. A read that fails gives back the calendar read before, if
//! there was one, and the modal asks again with the reason. The address
//! is never logged: a log line says whose calendar failed and why, in the
//! same words its owner reads.

use super::FrontDoor;
use super::requests::CalendarSubmission;
use crate::calendars::{
    CalendarKey, CalendarReader, EmailDirectory, Found, Read, Validators, check_address,
};
use crate::domain::{CalendarFeed, CalendarModal, ModalAnswer, Person};
use secrecy::{ExposeSecret as _, SecretString};
use std::sync::Arc;
use tracing::Instrument as _;

/// What the modal says when something failed on the bot's side.
const OUR_FAULT: &str = "something went wrong on my side, and it has been logged";

impl FrontDoor {
    /// Answers the calendar modal's submission: a refusal under the input
    /// for what can be told at once, else the modal shows that the
    /// calendar is being read, and the read runs after the answer.
    #[tracing::instrument(skip_all, fields(user = %submission.user))]
    pub(super) async fn calendar_submitted(&self, submission: CalendarSubmission) -> ModalAnswer {
        let Some(key) = self.scheduler.shared_calendar_key() else {
            return ModalAnswer::Refuse(
                "Calendars aren't set up in this workspace yet: an admin sets ALLIANCES_ENCRYPTION_KEY first."
                    .into(),
            );
        };
        let allow_private = self.settings.calendars.allow_private_hosts;
        if let Err(problem) = check_address(submission.address.0.expose_secret(), allow_private) {
            return ModalAnswer::Refuse(sentence(&problem.to_string()));
        }
        let owner = match self.store.person(&submission.user).await {
            Ok(Some(person)) if !person.deactivated => person,
            Ok(_) => {
                return ModalAnswer::Refuse(
                    "I don't know you yet: I learn the workspace's people once a day. Try again tomorrow."
                        .into(),
                );
            }
            Err(err) => {
                tracing::error!(error = %err, "could not read the person giving a calendar");
                return ModalAnswer::Refuse(
                    "Something went wrong on my side, and it has been logged. Try again in a moment."
                        .into(),
                );
            }
        };
        if owner.opted_out {
            return ModalAnswer::Refuse(
                "You're opted out, so I count nothing of yours: `/alliances optin` first.".into(),
            );
        }
        let address = submission.address.0;
        let pending = match self.give(&key, &owner, address.expose_secret()).await {
            Ok(pending) => pending,
            Err(err) => {
                tracing::error!(error = %err, "could not keep a calendar given");
                return ModalAnswer::Refuse(sentence(OUR_FAULT));
            }
        };
        let front = self.clone();
        let view_id = submission.view_id;
        self.follow_ups.spawn(
            async move {
                front
                    .read_given_calendar(key, owner, address, pending, view_id)
                    .await
            }
            .in_current_span(),
        );
        ModalAnswer::Show(CalendarModal::Reading)
    }

    /// Seals `address` for `owner` and stores it, not yet read, in place
    /// of any calendar they gave before; that one is handed back with it,
    /// to restore should the first read fail.
    async fn give(
        &self,
        key: &CalendarKey,
        owner: &Person,
        address: &str,
    ) -> anyhow::Result<(CalendarFeed, Option<CalendarFeed>)> {
        let before = self.store.calendar(&owner.id).await?;
        let sealed = key.seal(&owner.id, address)?;
        let pending = CalendarFeed::new(owner.id.clone(), sealed, self.clock.now());
        self.store.put_calendar(&pending).await?;
        Ok((pending, before))
    }

    /// Reads the calendar `owner` just gave at `address`, stored as
    /// `pending` in place of `before`; keeps it as read if it still is the
    /// one stored; and shows the outcome in the modal `view_id`.
    async fn read_given_calendar(
        &self,
        key: Arc<CalendarKey>,
        owner: Person,
        address: SecretString,
        (pending, before): (CalendarFeed, Option<CalendarFeed>),
        view_id: String,
    ) {
        let now = self.clock.now();
        let read = match self.store.people_by_id().await {
            Ok(people) => {
                let reader = CalendarReader {
                    store: self.store.clone(),
                    settings: self.settings.calendars,
                    key,
                    directory: Arc::new(EmailDirectory::of(people.values())),
                };
                reader
                    .read(&owner, address.expose_secret(), &Validators::default(), now)
                    .await
                    .map_err(|err| err.to_string())
            }
            Err(err) => {
                tracing::error!(error = %err, "could not read the people to find attendees");
                Err(OUR_FAULT.to_owned())
            }
        };
        let modal = match read {
            Ok(read) => {
                let (found, validators) = match read {
                    Read::Changed { found, validators } => (found, validators),
                    // Sent no validators, so no 304 is due; a server that
                    // answers one all the same gave nothing to read, and
                    // the fresh feed's `recount_at` stays `None`.
                    Read::Unchanged => (Found::default(), Validators::default()),
                };
                let mut feed = pending;
                feed.read_well(now, validators.etag, validators.last_modified);
                feed.recount_at = found.recount_at;
                match self.store.update_calendar(&feed).await {
                    Ok(true) => {
                        tracing::info!(
                            meetings = found.meetings,
                            new = found.new,
                            "a calendar given and read"
                        );
                        CalendarModal::Read {
                            meetings: found.meetings,
                            colleagues: found.colleagues,
                            days: self.settings.calendars.lookback_days.get(),
                        }
                    }
                    Ok(false) => asked_again(
                        None,
                        "you took your calendar back (`/alliances calendar off` or forget-me) while I read it",
                    ),
                    Err(err) => {
                        tracing::error!(error = %err, "could not keep a calendar read");
                        asked_again(None, OUR_FAULT)
                    }
                }
            }
            Err(why) => {
                tracing::info!(error = %why, "a calendar given could not be read");
                let restored = self
                    .store
                    .replace_calendar_if(&owner.id, &pending.address, before.as_ref())
                    .await
                    .unwrap_or_else(|err| {
                        tracing::error!(error = %err, "could not give back the calendar read before");
                        false
                    });
                let since = before.filter(|_| restored).map(|feed| feed.since);
                asked_again(since, &why)
            }
        };
        if let Err(err) = self.slack.update_calendar_modal(&view_id, &modal).await {
            tracing::warn!(error = %err, "could not show what became of a calendar given");
        }
    }
}

/// The modal asking again, saying why the last address failed.
fn asked_again(since: Option<chrono::DateTime<chrono::Utc>>, why: &str) -> CalendarModal {
    CalendarModal::Ask {
        since,
        problem: Some(format!("{} Nothing was kept.", sentence(why))),
    }
}

/// `text` as a sentence: a capital first, a full stop last.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}
