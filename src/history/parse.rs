//! A history file, read: its rows, and its bad lines with what is wrong
//! with each. Pure: no store, no key, no clock but the `now` it is given.
//!
//! The file is CSV as spreadsheets and admin exports write it (quoted
//! fields, CRLF, Excel's byte-order mark), read by the `csv` crate, with a
//! header naming the columns `date`, `participants` and, optionally,
//! `kind`. A line's problem is said without its content: a participant is
//! named by its place in the row, never by what was written there, which
//! may be someone's email.

use crate::domain::{InteractionKind, UserId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::fmt;

/// What a file's header must say, in the words an error shows.
pub const HEADER_EXAMPLE: &str = "date,participants,kind";

/// The time zone furthest ahead (Kiribati's Line Islands) is UTC+14: a
/// day is still to come only once it has begun nowhere on Earth, so a
/// meeting dated "today" in Auckland is not refused in London.
const FURTHEST_AHEAD: Duration = Duration::hours(14);

/// Someone named in a row: by Slack id, or by email.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Participant {
    /// A Slack user id, `U…` or `W…`.
    Slack(UserId),
    /// An email address, lower-cased; only ever hashed, never stored or
    /// shown.
    Email(Email),
}

impl fmt::Debug for Participant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Slack(id) => write!(f, "Slack({id})"),
            Self::Email(_) => f.write_str("Email(…)"),
        }
    }
}

/// An email address read from a file. Its `Debug` does not show it, and
/// it has no `Display`: it is for hashing only.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// The address, to hash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When a row's meeting happened, as the file says it: a day, or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// `2026-11-20`.
    Day(NaiveDate),
    /// `2026-11-20T14:00:00Z`, or with an offset, in UTC.
    Time(DateTime<Utc>),
}

impl fmt::Display for Written {
    /// The same text for the same moment however the file wrote it (an
    /// offset, or UTC): what a row's key is built from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day(day) => write!(f, "{day}"),
            Self::Time(time) => f.write_str(&time.to_rfc3339()),
        }
    }
}

/// A good line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<P = Participant> {
    /// Its line number in the file, the header being line 1.
    pub line: u64,
    /// Its date, as written.
    pub written: Written,
    /// When it is logged at: the time given; for a day, its midday UTC
    /// (or now, for a day not yet past its midday).
    pub at: DateTime<Utc>,
    /// `meeting` (the default) or `calendar`.
    pub kind: InteractionKind,
    /// The people in it, each once, two or more.
    pub participants: Vec<P>,
}

/// A line that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// Its line number in the file.
    pub line: u64,
    /// What is wrong with it.
    pub problem: Problem,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// What is wrong with a line: said without what the line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Another number of fields than the header has.
    Columns {
        /// How many the line has.
        found: usize,
        /// How many the header has.
        expected: usize,
    },
    /// Bytes that are not UTF-8.
    NotText,
    /// An empty date.
    NoDate,
    /// A date that is neither a day nor an RFC 3339 time.
    BadDate,
    /// A date still to come.
    Future(Written),
    /// No one named.
    NoParticipants,
    /// One person named (maybe more than once).
    OneParticipant,
    /// A participant that is neither an email nor a Slack user id: the
    /// first such, counted from 1.
    NotAPerson(usize),
    /// A kind other than `meeting` or `calendar`.
    UnknownKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Columns { found, expected } => write!(
                f,
                "it has {found} fields where the header has {expected} (a field with a comma in it needs \"quotes\")"
            ),
            Self::NotText => f.write_str("it is not UTF-8 text (save the file as CSV UTF-8)"),
            Self::NoDate => f.write_str("it has no date"),
            Self::BadDate => f.write_str(
                "its date is neither a day (2026-11-20) nor a time (2026-11-20T14:00:00Z, or with an offset such as +01:00)",
            ),
            Self::Future(written) => write!(
                f,
                "its date, {written}, is still to come: only meetings that happened can be imported"
            ),
            Self::NoParticipants => f.write_str("it names no participants"),
            Self::OneParticipant => {
                f.write_str("it names only one person: a meeting takes two or more")
            }
            Self::NotAPerson(place) => write!(
                f,
                "participant {place} is neither an email nor a Slack user id (U… or W…); separate people with `;`"
            ),
            Self::UnknownKind => f.write_str("its kind is neither `meeting` nor `calendar`"),
        }
    }
}

/// A file read: its good rows and its bad lines, each in file order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The lines that can be imported.
    pub rows: Vec<Row>,
    /// The lines that cannot.
    pub bad: Vec<BadLine>,
}

impl Parsed {
    /// Whether any row names someone by email (and so needs the key).
    pub fn names_emails(&self) -> bool {
        self.rows.iter().any(|row| {
            row.participants
                .iter()
                .any(|p| matches!(p, Participant::Email(_)))
        })
    }
}

/// Why a file cannot be read at all, whatever `--skip-bad` says.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The header lacks a column the rows need: often a file without a
    /// header, whose first row is taken for one.
    #[error(
        "its first line must be the header `{HEADER_EXAMPLE}` (kind is optional), and it has no `{0}` column"
    )]
    MissingColumn(&'static str),
    /// The header names a column this import does not read: a misspelled
    /// `kind` would otherwise quietly make every row a meeting.
    #[error(
        "its header names a column `{0}`, which is not one this import reads: keep only date, participants and kind"
    )]
    UnknownColumn(String),
    /// The header names a column twice.
    #[error("its header names the column `{0}` twice")]
    RepeatedColumn(&'static str),
    /// The file could not be read.
    #[error("it could not be read: {0}")]
    Read(csv::Error),
}

/// Where each column is in the file's rows.
struct Columns {
    date: usize,
    participants: usize,
    kind: Option<usize>,
    count: usize,
}

/// Reads `input`, a history file, at `now`: its rows and bad lines.
pub fn parse(input: &[u8], now: DateTime<Utc>) -> Result<Parsed, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let columns = columns(reader.byte_headers().map_err(FileError::Read)?)?;
    let mut parsed = Parsed::default();
    let mut lines = LineNumbers::of(input);
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(FileError::Read)?
    {
        let line = lines.at(record.position().map_or(0, csv::Position::byte));
        match row(&record, &columns, line, now) {
            Ok(row) => parsed.rows.push(row),
            Err(problem) => parsed.bad.push(BadLine { line, problem }),
        }
    }
    Ok(parsed)
}

/// The line numbers of the records of a file, as an editor shows them.
///
/// Counted here from where each record starts, rather than taken from the
/// csv crate's, which lag behind after blank lines and CRLF endings: a
/// person is sent to the line to fix, and it must be the right one.
struct LineNumbers<'a> {
    input: &'a [u8],
    /// How far the line breaks have been counted.
    counted_to: usize,
    /// The line at `counted_to`, from 1.
    line: u64,
}

impl<'a> LineNumbers<'a> {
    fn of(input: &'a [u8]) -> Self {
        Self {
            input,
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the record whose bytes start at `byte` or after the
    /// line breaks there; records come in file order.
    fn at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .clamp(self.counted_to, self.input.len());
        while self
            .input
            .get(start)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            start += 1;
        }
        let passed = &self.input[self.counted_to..start];
        // A line ends with `\n`, `\r\n`, or (old Macs) a lone `\r`.
        let breaks = passed
            .iter()
            .enumerate()
            .filter(|&(at, &b)| b == b'\n' || (b == b'\r' && passed.get(at + 1) != Some(&b'\n')))
            .count();
        self.line += breaks as u64;
        self.counted_to = start;
        self.line
    }
}

fn columns(header: &csv::ByteRecord) -> Result<Columns, FileError> {
    let (mut date, mut participants, mut kind) = (None, None, None);
    for (at, name) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(name);
        // Excel's "CSV UTF-8" starts with a byte-order mark, which the
        // csv crate leaves on the first name.
        let name = name.trim_start_matches('\u{feff}').trim().to_lowercase();
        let slot = match name.as_str() {
            "date" => (&mut date, "date"),
            "participants" => (&mut participants, "participants"),
            "kind" => (&mut kind, "kind"),
            // A header without `date` is no header: its names may be a
            // row's emails, so they are not repeated.
            _ if !names_date_and_participants(header) => continue,
            _ => return Err(FileError::UnknownColumn(name)),
        };
        if slot.0.replace(at).is_some() {
            return Err(FileError::RepeatedColumn(slot.1));
        }
    }
    Ok(Columns {
        date: date.ok_or(FileError::MissingColumn("date"))?,
        participants: participants.ok_or(FileError::MissingColumn("participants"))?,
        kind,
        count: header.len(),
    })
}

fn names_date_and_participants(header: &csv::ByteRecord) -> bool {
    let named = |wanted: &str| {
        header.iter().any(|name| {
            String::from_utf8_lossy(name)
                .trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case(wanted)
        })
    };
    named("date") && named("participants")
}

fn row(
    record: &csv::ByteRecord,
    columns: &Columns,
    line: u64,
    now: DateTime<Utc>,
) -> Result<Row, Problem> {
    if record.len() != columns.count {
        return Err(Problem::Columns {
            found: record.len(),
            expected: columns.count,
        });
    }
    let field = |at: usize| {
        std::str::from_utf8(record.get(at).unwrap_or_default()).map_err(|_| Problem::NotText)
    };
    let (written, at) = when(field(columns.date)?, now)?;
    let participants = participants(field(columns.participants)?)?;
    let kind = match columns.kind.map(field).transpose()? {
        None | Some("") => InteractionKind::Meeting,
        Some(kind) if kind.eq_ignore_ascii_case("meeting") => InteractionKind::Meeting,
        Some(kind) if kind.eq_ignore_ascii_case("calendar") => InteractionKind::Calendar,
        Some(_) => return Err(Problem::UnknownKind),
    };
    Ok(Row {
        line,
        written,
        at,
        kind,
        participants,
    })
}

/// The date of a row, and when to log it at `now`.
fn when(text: &str, now: DateTime<Utc>) -> Result<(Written, DateTime<Utc>), Problem> {
    if text.is_empty() {
        return Err(Problem::NoDate);
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if day > (now + FURTHEST_AHEAD).date_naive() {
            return Err(Problem::Future(Written::Day(day)));
        }
        // Midday, as `/met` logs a past day (in UTC here: a file has no
        // one's time zone); not later than now, for a day still young.
        let midday = day.and_hms_opt(12, 0, 0).map(|noon| noon.and_utc());
        return Ok((Written::Day(day), midday.map_or(now, |noon| noon.min(now))));
    }
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| Problem::BadDate)?
        .with_timezone(&Utc);
    if time > now {
        return Err(Problem::Future(Written::Time(time)));
    }
    Ok((Written::Time(time), time))
}

/// The people of a row: separated by `;`, `,` or spaces, each once.
fn participants(text: &str) -> Result<Vec<Participant>, Problem> {
    let mut people = Vec::new();
    let words = text
        .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|word| !word.is_empty());
    for (place, word) in words.enumerate() {
        let person = if let Ok(id) = UserId::parse(word) {
            Participant::Slack(id)
        } else if is_email(word) {
            Participant::Email(Email(word.to_lowercase()))
        } else {
            return Err(Problem::NotAPerson(place + 1));
        };
        if !people.contains(&person) {
            people.push(person);
        }
    }
    match people.len() {
        0 => Err(Problem::NoParticipants),
        1 => Err(Problem::OneParticipant),
        _ => Ok(people),
    }
}

/// Whether `word` looks like an email address: something, one `@`, and a
/// domain with a dot inside it. Not RFC 5322: just enough to tell an
/// address from a name or a typo, which the people sync's hashes then
/// match or not.
fn is_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !word.contains(['<', '>', '"'])
}

#[cfg(test)]
mod tests;
