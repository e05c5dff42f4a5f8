//! The handlers: a parsed command becomes store writes and an answer.
//!
//! Each handler first decides (parse, resolve people, check dates), then
//! acts in one visible place (the store writes), then answers. Every
//! failure a person can fix is a [`UserError`] sentence with an example;
//! anything else is logged with its cause and answered with an apology.
//!
//! Handlers are async, as the store's reads and writes are. No handler
//! flushes, so that a blocking fsync per request never holds up the async
//! workers. A handler whose answer tells of a write says so with
//! [`Context::commit_before_answering`], and the transport awaits the
//! store's group commit ([`Store::commit`]) before it sends the answer.
//! `/met`, the busiest, awaits its write and flush together instead,
//! shared with the other `/met`s waiting at the same moment.

mod alliances;
mod allies;
mod buttons;
mod circle_buttons;
mod met;
mod people;
mod status;
mod team_view;

pub use alliances::handle_alliances;
pub use buttons::{Pressed, handle_button};
pub use met::handle_met;

use super::limits::RequestLimits;
use super::{Reply, UserError};
use crate::config::Settings;
use crate::domain::{Person, UserId};
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::atomic::{AtomicBool, Ordering};

/// Who is asking, when, and what they may touch.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Where the command reads and writes.
    pub store: &'a Store,
    /// The policy, limits and admins the command obeys.
    pub settings: &'a Settings,
    /// Now, from the bot's clock.
    pub now: DateTime<Utc>,
    /// The person who typed the command.
    pub user: &'a UserId,
    /// Whether the answer tells of a write, which must be on disk before
    /// the person reads it.
    pub commit: &'a PendingCommit,
    /// How much each person may still ask this hour.
    pub limits: &'a RequestLimits,
    /// Whether calendars can be given here: the operator set the key that
    /// seals their addresses.
    pub calendars_on: bool,
}

/// Whether a handler's answer tells of a write: set by the handler, read by
/// the transport, which then awaits [`Store::commit`] before answering.
/// Atomic rather than a `Cell` so that a context can be held across an
/// await by a `Send` future.
#[derive(Debug, Default)]
pub struct PendingCommit(AtomicBool);

impl PendingCommit {
    /// Whether the answer may only be sent once the store has committed.
    pub fn is_needed(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Context<'_> {
    /// Says that the answer being built tells the person of a write: it may
    /// only reach them once the write is on disk, so the transport awaits
    /// the store's commit first. Call it right after the write.
    pub fn commit_before_answering(&self) {
        self.commit.0.store(true, Ordering::Relaxed);
    }

    /// The person who typed the command, if the bot knows them.
    pub async fn me(&self) -> Result<Option<Person>, StoreError> {
        self.store.person(self.user).await
    }

    /// Today, where the person who typed the command lives.
    pub fn today(&self, me: Option<&Person>) -> NaiveDate {
        self.now
            .with_timezone(&crate::domain::zone_of(me))
            .date_naive()
    }

    /// Whether the person who typed the command is an admin.
    pub fn is_admin(&self) -> bool {
        self.settings.commands.admins.contains(self.user)
    }
}

/// A handler's failure: the person's mistake, or ours.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Something the person can fix: answered as a sentence with an example.
    #[error(transparent)]
    User(#[from] UserError),
    /// Something that went wrong on our side: logged, answered with an
    /// apology that says whether the change may have been saved (see
    /// [`StoreError::may_have_saved`]).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The handler panicked: logged where it was caught, answered with an
    /// apology that promises nothing either way.
    #[error("the handler panicked")]
    Panicked,
}

/// The words for a failure after which nothing was written.
const NOTHING_CHANGED: &str = "Sorry, something went wrong on my side and nothing was changed. It has been logged; please try again in a moment.";

/// The words for a failure after the write was made but before it was
/// known to be on disk: it may yet survive, so "nothing was changed" would
/// be untrue, and a second try might count it twice.
const MAY_NOT_BE_SAVED: &str = "Sorry, something went wrong on my side while saving: this may not have been saved. `/alliances status` shows what I have. It has been logged.";

impl HandlerError {
    /// The answer a person sees for this failure.
    pub fn into_reply(self) -> Reply {
        match self {
            Self::User(err) => Reply::text(format!(":thinking_face: {err}")),
            Self::Store(err) => {
                tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "a command failed");
                Reply::text(if err.may_have_saved() {
                    MAY_NOT_BE_SAVED
                } else {
                    NOTHING_CHANGED
                })
            }
            Self::Panicked => Reply::text(MAY_NOT_BE_SAVED),
        }
    }
}

/// A `UserError` from a problem and an example.
pub(crate) fn user_error(problem: impl Into<String>, example: &str) -> HandlerError {
    HandlerError::User(UserError {
        problem: problem.into(),
        example: example.to_owned(),
    })
}

/// Changes the person who typed the command or pressed the button, and asks
/// for a commit before the answer: they are told it changed, so it must
/// survive a crash. Someone the bot has not met yet (they joined since the
/// last sync) is remembered from now on, under their id until the sync
/// names them.
///
/// Someone who asked to be forgotten comes back opted out, and stays
/// unnamed (the sync leaves them out) until they opt in, which lifts their
/// tombstone: using the bot again is not consent to be nudged or named.
pub(crate) async fn change_own_person(
    context: &Context<'_>,
    mut change: impl FnMut(&mut Person),
) -> Result<(), HandlerError> {
    let store = context.store;
    let fresh = Person::new(context.user.clone(), context.user.to_string());
    let person = match store
        .change_or_add_person(fresh.clone(), &mut change)
        .await?
    {
        Some(person) => person,
        // Back opted out; the sync leaves them out, so nobody else saves
        // them meanwhile.
        None => {
            let mut person = Person {
                opted_out: true,
                ..fresh
            };
            change(&mut person);
            store.put_person(&person).await?;
            person
        }
    };
    if !person.opted_out {
        store.lift_tombstone(context.user).await?;
    }
    context.commit_before_answering();
    Ok(())
}
