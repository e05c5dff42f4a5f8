//! `alliances history import FILE.csv [--skip-bad]`: a cold start, for
//! admins. Past meetings from an export (a calendar system's, a
//! spreadsheet's) are logged, so that on the first day the bot knows who
//! has met whom.
//!
//! In two steps: `parse` reads the file into its rows and its bad lines
//! (pure); `apply` finds the people, decides what each row logs under
//! which key, and writes, in one place. A file with a bad line imports
//! nothing unless told to skip them, so that a file cut wrong is fixed
//! and imported whole rather than half. This module owns the file and
//! what a person at a terminal sees; the logging is the store's
//! ([`Store::log_interactions_once`]), and it must not keep or print an
//! email: emails are hashed with the operator's key, as the people sync
//! hashes the workspace's, and matched by hash.
//!
//! [`Store::log_interactions_once`]: crate::store::Store::log_interactions_once

mod apply;
mod parse;

use crate::backups::LateBar;
use crate::calendars::CalendarKey;
use crate::config::{ENCRYPTION_KEY_VAR, Secrets, Settings};
use crate::domain::plural;
use anyhow::Context as _;
use parse::BadLine;
use secrecy::ExposeSecret as _;
use std::fmt;
use std::path::Path;

/// How many bad lines an error or a summary names; past that they are
/// counted: a file exported with the wrong columns can have thousands,
/// and the first few say what is wrong with all of them.
const BAD_LINES_SHOWN: usize = 20;

/// What `history import` did, to print on standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The file, as given.
    file: String,
    /// The data folder.
    data_dir: String,
    /// Rows logged now.
    new: usize,
    /// Rows logged before, by an earlier import or earlier in the file.
    already: usize,
    /// Rows left with fewer than two people who may be logged.
    too_few: usize,
    /// People in the file who may not be logged.
    left_out: usize,
    /// The bad lines skipped (`--skip-bad`).
    skipped: Vec<BadLine>,
    /// The file names people by email and nobody's email hash is known.
    no_email_hashes: bool,
}

/// Imports the history in `file` into the store in `data_dir`: every row,
/// or, when a line is bad, nothing, unless `skip_bad`. Refuses a store in
/// use by the bot, as `import` does. What to print.
#[tracing::instrument(skip_all)]
pub async fn import(
    settings: &Settings,
    secrets: &Secrets,
    data_dir: &Path,
    file: &Path,
    skip_bad: bool,
) -> anyhow::Result<Imported> {
    let cannot = || format!("cannot import {}", file.display());
    // Decide: the file, whole, before the store is touched.
    let read = std::fs::read(file).with_context(cannot)?;
    let parsed = parse::parse(&read, chrono::Utc::now()).with_context(cannot)?;
    if !parsed.bad.is_empty() && !skip_bad {
        anyhow::bail!(
            "{}: {} bad, so nothing was imported:\n{}\nFix them and import it again, or add --skip-bad to import the other lines.",
            cannot(),
            plural(parsed.bad.len(), "line is", "lines are"),
            listed(&parsed.bad)
        );
    }
    let names_emails = parsed.names_emails();
    let key = match (&secrets.encryption_key, names_emails) {
        (Some(key), true) => Some(CalendarKey::parse(key.expose_secret()).with_context(cannot)?),
        _ => None,
    };
    let rows = apply::identify(parsed.rows, key.as_ref()).with_context(cannot)?;
    let store = crate::data_dir::open_store(settings, data_dir).await?;
    let loggable = apply::Loggable::of(&store).await?;
    if !loggable.anyone {
        anyhow::bail!(
            "{}: the store in {} knows nobody yet, so no one in the file could be found: let the people sync run first (the bot's first `serve` or `tick` runs it), then import again",
            cannot(),
            data_dir.display()
        );
    }
    let plan = apply::plan(&rows, &loggable, &store.once_keys().await?);

    // Do.
    let mut bar = LateBar::new(
        plan.to_log.len() as u64,
        "importing {bar:40} {pos}/{len} rows ({eta} left)",
    );
    let wrote = apply::write(&store, &plan, |done, _| bar.set(done as u64)).await?;
    bar.finish();
    // Counts only: a log is no place for who is in the file.
    tracing::info!(
        rows = rows.len(),
        new = wrote.new,
        already = wrote.already,
        too_few = plan.too_few,
        left_out = plan.left_out,
        skipped = parsed.bad.len(),
        "imported a history file"
    );
    Ok(Imported {
        file: file.display().to_string(),
        data_dir: data_dir.display().to_string(),
        new: wrote.new,
        already: wrote.already,
        too_few: plan.too_few,
        left_out: plan.left_out,
        skipped: parsed.bad,
        no_email_hashes: names_emails && !loggable.any_email,
    })
}

impl fmt::Display for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} into {}: {} new, {} already there",
            self.file, self.data_dir, self.new, self.already
        )?;
        if self.left_out > 0 {
            let people = match self.left_out {
                1 => "1 person in the file is".to_owned(),
                n => format!("{n} people in the file are"),
            };
            write!(
                f,
                "\n{people} not in the workspace or opted out; their rows were logged without them"
            )?;
        }
        if self.too_few > 0 {
            write!(
                f,
                "\n{} left with fewer than two people, and not logged",
                plural(self.too_few, "row was", "rows were")
            )?;
        }
        if self.no_email_hashes {
            write!(
                f,
                "\nno email matched: nobody in the store has an email hash yet; let the people sync run with {ENCRYPTION_KEY_VAR} set and the users:read.email scope granted, then import again"
            )?;
        }
        if !self.skipped.is_empty() {
            write!(
                f,
                "\nskipped {}:\n{}",
                plural(self.skipped.len(), "bad line", "bad lines"),
                listed(&self.skipped)
            )?;
        }
        Ok(())
    }
}

/// The first [`BAD_LINES_SHOWN`] of `bad`, one a line, then how many more.
fn listed(bad: &[BadLine]) -> String {
    let mut lines: Vec<String> = bad
        .iter()
        .take(BAD_LINES_SHOWN)
        .map(|line| format!("  {line}"))
        .collect();
    if bad.len() > BAD_LINES_SHOWN {
        lines.push(format!("  and {} more", bad.len() - BAD_LINES_SHOWN));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;
