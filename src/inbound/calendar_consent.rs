//! A person gives their calendar: the modal's submission answered within
//! Slack's 3 seconds, then the calendar read at once, and the modal shows
//! what it found or what went wrong.
//!
//! Nothing is kept unless the read succeeds: an address that fails is
//! their own to fix, and the modal asks again with the reason. The
//! address is sealed before it is stored, and it is never logged: a log
//! line says whose calendar failed and why, in the same words its owner
//! reads.

use super::FrontDoor;
use super::requests::CalendarSubmission;
use crate::calendars::{
    CalendarKey, CalendarReader, EmailDirectory, Read, Validators, check_address,
};
use crate::domain::{CalendarFeed, CalendarModal, ModalAnswer, Person};
use secrecy::{ExposeSecret as _, SecretString};
use std::sync::Arc;
use tracing::Instrument as _;

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
        let owner = match self.store.person(&submission.user) {
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
        let front = self.clone();
        let address = submission.address.0;
        let view_id = submission.view_id;
        self.follow_ups.spawn(
            async move {
                front
                    .read_given_calendar(key, owner, address, view_id)
                    .await
            }
            .in_current_span(),
        );
        ModalAnswer::Show(CalendarModal::Reading)
    }

    /// Reads the calendar `owner` just gave at `address`; keeps it, sealed,
    /// if the read succeeds; and shows the outcome in the modal `view_id`.
    async fn read_given_calendar(
        &self,
        key: Arc<CalendarKey>,
        owner: Person,
        address: SecretString,
        view_id: String,
    ) {
        let now = self.clock.now();
        let days = self.settings.calendars.lookback_days.get();
        let directory = match self.store.people_by_id() {
            Ok(people) => Arc::new(EmailDirectory::of(people.values())),
            Err(err) => {
                tracing::error!(error = %err, "could not read the people to find attendees");
                return self
                    .show(
                        &view_id,
                        &asked_again(
                            None,
                            "something went wrong on my side, and it has been logged",
                        ),
                    )
                    .await;
            }
        };
        let reader = CalendarReader {
            store: self.store.clone(),
            settings: self.settings.calendars,
            key: Arc::clone(&key),
            directory,
        };
        let read = reader
            .read(&owner, address.expose_secret(), &Validators::default(), now)
            .await;
        let modal = match read {
            Ok(read) => {
                let (found, validators) = match read {
                    Read::Changed { found, validators } => (found, validators),
                    // Sent no validators, so no 304 is due; a server that
                    // answers one all the same gave nothing to read.
                    Read::Unchanged => Default::default(),
                };
                match self.keep(&key, &owner, address.expose_secret(), validators, now) {
                    Ok(()) => {
                        tracing::info!(
                            meetings = found.meetings,
                            new = found.new,
                            "a calendar given and read"
                        );
                        CalendarModal::Read {
                            meetings: found.meetings,
                            colleagues: found.colleagues,
                            days,
                        }
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "could not keep a calendar read");
                        asked_again(
                            None,
                            "something went wrong on my side, and it has been logged",
                        )
                    }
                }
            }
            Err(err) => {
                tracing::info!(error = %err, "a calendar given could not be read");
                let since = self
                    .store
                    .calendar(&owner.id)
                    .ok()
                    .flatten()
                    .map(|feed| feed.since);
                asked_again(since, &err.to_string())
            }
        };
        self.show(&view_id, &modal).await;
    }

    /// Seals `address` for `owner` and stores it as read at `now`.
    fn keep(
        &self,
        key: &CalendarKey,
        owner: &Person,
        address: &str,
        validators: Validators,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let sealed = key.seal(&owner.id, address)?;
        let mut feed = CalendarFeed::new(owner.id.clone(), sealed, now);
        feed.read_well(now, validators.etag, validators.last_modified);
        self.store.put_calendar(&feed)?;
        Ok(())
    }

    async fn show(&self, view_id: &str, modal: &CalendarModal) {
        if let Err(err) = self.slack.update_calendar_modal(view_id, modal).await {
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
