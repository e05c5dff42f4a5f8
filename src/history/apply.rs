//! From a file's rows to interactions logged: who is who, what each row
//! logs under which key, and the one place that writes.
//!
//! Privacy is `/met`'s: someone who opted out, asked to be forgotten, left
//! the workspace or is not known is not logged; a row left with fewer than
//! two people is not logged at all. Emails reach this module only as
//! their keyed hashes ([`CalendarKey::email_hash`]).
//!
//! Each row is logged once ([`Store::log_interactions_once`]) under a
//! digest of its date as written, its kind, and the people the file names
//! in it, so that the same file imported twice, or the same meeting
//! exported from each attendee's calendar, is counted once.
//!
//! [`CalendarKey::email_hash`]: crate::calendars::CalendarKey::email_hash

use super::parse::{Participant, Row};
use crate::calendars::CalendarKey;
use crate::config::ENCRYPTION_KEY_VAR;
use crate::domain::{EmailHash, Interaction, InteractionKind, UserId};
use crate::store::{OnceKeys, Store, StoreError};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Someone a row names, as this module holds them: a Slack id, or the
/// keyed hash of an email.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    /// Named by Slack id.
    Id(UserId),
    /// Named by email: its keyed hash.
    Email(EmailHash),
}

/// A row names someone by email, and there is no key to hash it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "it names people by email, and emails are matched only by their keyed hash: set \
     {ENCRYPTION_KEY_VAR} to the bot's key, and let the people sync (`alliances tick` or \
     `serve`, with the key set) hash the workspace's emails first; or name people by Slack id"
)]
pub struct NoEmailKey;

/// The rows with each email replaced by its hash under `key`.
pub fn identify(rows: Vec<Row>, key: Option<&CalendarKey>) -> Result<Vec<Row<Who>>, NoEmailKey> {
    rows.into_iter()
        .map(|row| {
            let participants = row
                .participants
                .into_iter()
                .map(|participant| match participant {
                    Participant::Slack(id) => Ok(Who::Id(id)),
                    Participant::Email(email) => key
                        .map(|key| Who::Email(key.email_hash(email.as_str())))
                        .ok_or(NoEmailKey),
                })
                .collect::<Result<_, _>>()?;
            Ok(Row {
                line: row.line,
                written: row.written,
                at: row.at,
                kind: row.kind,
                participants,
            })
        })
        .collect()
}

/// The workspace's people that rows may log: neither opted out, nor
/// forgotten, nor gone; by id and by email hash.
#[derive(Debug, Default)]
pub struct Loggable {
    ids: HashSet<UserId>,
    by_email: HashMap<EmailHash, UserId>,
    /// Whether anyone's email hash is known at all: without, every email
    /// in a file is a stranger.
    pub any_email: bool,
    /// Whether the store knows anyone at all, loggable or not.
    pub anyone: bool,
}

impl Loggable {
    /// The people of `store` that may be logged.
    pub async fn of(store: &Store) -> Result<Self, StoreError> {
        let mut loggable = Self::default();
        for person in store.people().await? {
            loggable.anyone = true;
            loggable.any_email |= person.email.is_some();
            // A forgotten person has no record; one brought back by
            // mistake is still not logged.
            if !person.reachable() || store.is_forgotten(&person.id).await? {
                continue;
            }
            if let Some(hash) = person.email {
                loggable.by_email.insert(hash, person.id.clone());
            }
            loggable.ids.insert(person.id);
        }
        Ok(loggable)
    }

    /// The id under which `who` may be logged, if they may be.
    fn id_of(&self, who: &Who) -> Option<&UserId> {
        match who {
            Who::Id(id) => self.ids.get(id),
            Who::Email(hash) => self.by_email.get(hash),
        }
    }
}

/// One row, ready to log under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToLog {
    /// What it is logged once under.
    pub key: String,
    /// The meeting, between the people who may be logged.
    pub interaction: Interaction,
}

/// What the rows log, and what they leave out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The rows to log, in file order.
    pub to_log: Vec<ToLog>,
    /// Rows left with fewer than two people who may be logged.
    pub too_few: usize,
    /// People named in the file who may not be logged, each counted once.
    pub left_out: usize,
}

/// What `rows` log, with the people `loggable` lets in. Pure.
pub fn plan(rows: &[Row<Who>], loggable: &Loggable, once: &OnceKeys) -> Plan {
    let mut plan = Plan::default();
    let mut left_out: HashSet<&Who> = HashSet::new();
    for row in rows {
        let mut ids = Vec::with_capacity(row.participants.len());
        for who in &row.participants {
            match loggable.id_of(who) {
                Some(id) => ids.push(id.clone()),
                None => {
                    left_out.insert(who);
                }
            }
        }
        match Interaction::new(row.at, row.kind, ids, None, None) {
            Some(interaction) => plan.to_log.push(ToLog {
                key: key_of(row, once),
                interaction,
            }),
            None => plan.too_few += 1,
        }
    }
    plan.left_out = left_out.len();
    plan
}

/// The key `row` is logged once under: a digest of its date as written,
/// its kind and everyone the file names in it, sorted.
///
/// Everyone the file names, before the privacy filter, not only those
/// logged: the key is what the row says, not what the workspace makes of
/// it today. Keyed by the people logged, a row with someone who opted out
/// (or had not been synced yet) would have a new key once they are in,
/// and its meeting between the others would be counted a second time;
/// keyed by the file, it is counted once and stays so. What is lost is
/// only their part in it. (A row not logged, for lack of two people,
/// writes no key, and logs when imported again once they are there.)
/// Each person is named as the file names them, by id or by email's hash,
/// not by whom the store finds today, for the same reason: so the same
/// meeting written by id in one row and by email in another has two keys.
///
/// Never built from an email, only its keyed hash, and the whole is
/// hashed under the store's key (see `store::OnceKeys`): the key reads as
/// nothing, and a guess of who met when cannot be checked against it
/// without that key (which the data folder and its backups hold).
fn key_of(row: &Row<Who>, once: &OnceKeys) -> String {
    let named: BTreeSet<&Who> = row.participants.iter().collect();
    let kind = match row.kind {
        InteractionKind::Meeting => "meeting",
        InteractionKind::Calendar => "calendar",
        InteractionKind::WeMet => "we_met",
        InteractionKind::Passive => "passive",
    };
    let written = row.written.to_string();
    let named: Vec<Vec<u8>> = named
        .into_iter()
        .map(|who| match who {
            Who::Id(id) => [b"id:".as_slice(), id.as_str().as_bytes()].concat(),
            Who::Email(hash) => [b"email:".as_slice(), hash.as_bytes()].concat(),
        })
        .collect();
    let mut parts: Vec<&[u8]> = vec![written.as_bytes(), kind.as_bytes()];
    parts.extend(named.iter().map(Vec::as_slice));
    once.key("history", &parts)
}

/// What writing a plan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wrote {
    /// Rows logged now.
    pub new: usize,
    /// Rows already logged, by an earlier import or earlier in the file.
    pub already: usize,
}

/// How many rows [`write`] logs in one go, between two calls of its
/// `progress`: enough that the store writes them in one transaction, few
/// enough that the bar moves.
const ROWS_PER_WRITE: usize = 1_000;

/// Logs each row of `plan` once, calling `progress(done, total)` after
/// each thousand and at the end, then flushes: when this returns, what it
/// logged is on disk. A failure half-way leaves the rows before it logged,
/// and running the import again logs the rest, each once.
pub async fn write(
    store: &Store,
    plan: &Plan,
    mut progress: impl FnMut(usize, usize),
) -> Result<Wrote, StoreError> {
    let mut wrote = Wrote::default();
    let total = plan.to_log.len();
    let mut done = 0;
    for rows in plan.to_log.chunks(ROWS_PER_WRITE) {
        let batch: Vec<(&str, &Interaction)> = rows
            .iter()
            .map(|row| (row.key.as_str(), &row.interaction))
            .collect();
        let new = store.log_interactions_once(&batch).await?;
        wrote.new += new;
        wrote.already += rows.len() - new;
        done += rows.len();
        progress(done, total);
    }
    store.flush().await?;
    Ok(wrote)
}

#[cfg(test)]
mod tests;
