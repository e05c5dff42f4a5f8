//! What the sled store answers from its in-memory indexes of the ties,
//! answered here by the database from the `ties` table and its indexes
//! (see the sled store's `tie_peers` and `team_pairs`), and the scans of
//! the log.

use super::super::{Logged, StoreError};
use super::{PgStore, decoded};
use crate::domain::{Interaction, PairKey, TeamId, Tie, UserId};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use tokio_postgres::Row;

/// How long a replica answers which teams a team is tied to from its last
/// read (see [`PgStore::teams_tied_to`]).
const TEAM_TIES_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// Each team's tied teams as last read, and when.
pub(super) type TeamTies = std::sync::Arc<parking_lot::Mutex<KeptTeamTies>>;

/// The answers [`PgStore::teams_tied_to`] keeps.
#[derive(Default)]
pub(super) struct KeptTeamTies {
    /// Each team's tied teams, and when they were read.
    answers: std::collections::HashMap<TeamId, (std::time::Instant, BTreeSet<TeamId>)>,
    /// Counts every change to the answers: a read that began before one
    /// is not kept, or it would put back what the change took away or
    /// leave out what it added.
    changes: u64,
}

/// The ties' columns, in pair order as sled's keys sort.
const TIES_IN_ORDER: &str = "ORDER BY low COLLATE \"C\", high COLLATE \"C\"";

impl PgStore {
    /// The ties of `user` and of everyone they have a tie with, sorted by
    /// pair, each once: what `/alliances allies` reads.
    pub async fn ties_around(&self, user: &UserId) -> Result<Vec<Tie>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "WITH around AS ( \
                       SELECT $1::text AS id \
                       UNION SELECT high FROM ties WHERE low = $1 \
                       UNION SELECT low FROM ties WHERE high = $1) \
                     SELECT low, high, tie FROM ties \
                     WHERE low IN (SELECT id FROM around) OR high IN (SELECT id FROM around) \
                     {TIES_IN_ORDER}"
                ),
                &[&user.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        self.ties_of_rows(&rows)
    }

    /// The ties between any two of `people`, sorted by pair.
    pub async fn ties_among(&self, people: &[UserId]) -> Result<Vec<Tie>, StoreError> {
        let ids: Vec<&str> = people.iter().map(UserId::as_str).collect();
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT low, high, tie FROM ties \
                     WHERE low = ANY($1) AND high = ANY($1) {TIES_IN_ORDER}"
                ),
                &[&ids],
            )
            .await
            .map_err(|e| self.failed(e))?;
        self.ties_of_rows(&rows)
    }

    /// The teams that people of `team` have a tie with, by the teams
    /// people are in now (`team` itself if two of its people are tied).
    ///
    /// `/met` asks it for every meeting that forms a tie, to say "a new
    /// alliance with Platform", and the database answers it by reading
    /// every tie of the team's people: most of a replica's work under a
    /// burst. So each replica keeps the answer for ten seconds:
    /// a tie between two teams formed on another replica meanwhile may be
    /// called new once more. The digest counts from the log, not from this.
    pub async fn teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        let now = std::time::Instant::now();
        let changes = {
            let kept = self.team_ties.lock();
            if let Some((at, tied)) = kept.answers.get(team)
                && now.duration_since(*at) < TEAM_TIES_FRESH_FOR
            {
                return Ok(tied.clone());
            }
            kept.changes
        };
        let tied = self.read_teams_tied_to(team).await?;
        let mut kept = self.team_ties.lock();
        if kept.changes == changes {
            kept.answers.insert(team.clone(), (now, tied.clone()));
        }
        Ok(tied)
    }

    /// Adds what the ties this replica just formed and committed, `logged`,
    /// tell of which teams are tied to the answers it keeps (see
    /// [`PgStore::teams_tied_to`]): its own meetings are never called new
    /// twice. When the people cannot be read, the answers are forgotten
    /// instead: the write stands either way.
    pub(super) async fn learn_team_ties(&self, logged: &[Option<Logged>]) {
        if let Err(error) = self.add_team_ties(logged).await {
            tracing::warn!(%error, "could not note the teams newly tied; reading them again");
            self.forget_team_ties();
        }
    }

    async fn add_team_ties(&self, logged: &[Option<Logged>]) -> Result<(), StoreError> {
        let pairs: Vec<&PairKey> = logged.iter().flatten().flat_map(|l| &l.new_ties).collect();
        if pairs.is_empty() || self.team_ties.lock().answers.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = pairs
            .iter()
            .flat_map(|pair| [pair.low().as_str(), pair.high().as_str()])
            .collect();
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, person->>'team' FROM people WHERE id = ANY($1)",
                &[&ids],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let team_of: std::collections::HashMap<String, TeamId> = rows
            .iter()
            .filter_map(|row| {
                let team = row.get::<_, Option<&str>>(1)?;
                Some((row.get(0), TeamId::parse(team).ok()?))
            })
            .collect();
        let mut kept = self.team_ties.lock();
        kept.changes += 1;
        for pair in pairs {
            let teams = (
                team_of.get(pair.low().as_str()),
                team_of.get(pair.high().as_str()),
            );
            if let (Some(a), Some(b)) = teams {
                for (team, other) in [(a, b), (b, a)] {
                    if let Some((_, tied)) = kept.answers.get_mut(team) {
                        tied.insert(other.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Forgets every answer of [`PgStore::teams_tied_to`] kept: people
    /// changed teams, or ties went.
    pub(super) fn forget_team_ties(&self) {
        let mut kept = self.team_ties.lock();
        kept.answers.clear();
        kept.changes += 1;
    }

    /// [`PgStore::teams_tied_to`], from the database.
    async fn read_teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "WITH members AS (SELECT id FROM people WHERE person->>'team' = $1) \
                 SELECT DISTINCT p.person->>'team' AS team FROM ties t \
                 JOIN people p ON p.id = t.high WHERE t.low IN (SELECT id FROM members) \
                 UNION \
                 SELECT DISTINCT p.person->>'team' FROM ties t \
                 JOIN people p ON p.id = t.low WHERE t.high IN (SELECT id FROM members)",
                &[&team.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows
            .iter()
            .filter_map(|row| row.get::<_, Option<&str>>("team"))
            .filter_map(|name| TeamId::parse(name).ok())
            .collect())
    }

    /// Calls `visit` with every interaction of the log, in log order.
    pub async fn visit_interactions(
        &self,
        visit: impl FnMut(Interaction),
    ) -> Result<(), StoreError> {
        self.visit_log("TRUE", &[], visit).await
    }

    /// Calls `visit` with every interaction between `from` and `until`
    /// (both included), in log order.
    pub async fn visit_interactions_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        mut visit: impl FnMut(Interaction),
    ) -> Result<(), StoreError> {
        // The column is to the microsecond, a microsecond wider either
        // way; the interaction's own instant, to the nanosecond, decides.
        let within = |at: DateTime<Utc>| from <= at && at <= until;
        self.visit_log(
            "at >= $1::timestamptz - interval '1 microsecond' \
             AND at <= $2::timestamptz + interval '1 microsecond'",
            &[&from, &until],
            |interaction| {
                if within(interaction.at) {
                    visit(interaction);
                }
            },
        )
        .await
    }

    /// The interactions of the log that `filter` keeps, in log order, read
    /// a page at a time in one read-only snapshot.
    async fn visit_log(
        &self,
        filter: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        mut visit: impl FnMut(Interaction),
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT id, interaction FROM interactions WHERE {filter} ORDER BY id");
        self.each_row_in_snapshot(&sql, params, |row| {
            let id: i64 = row.get("id");
            visit(decoded(row, "interaction", "interactions", || {
                id.to_string()
            })?);
            Ok::<_, StoreError>(())
        })
        .await
    }

    /// Calls `visit` with the pair and the stored JSON of every tie, in
    /// pair order, decoding nothing: what reading the ties costs by
    /// itself, as the sled store's `visit_tie_bytes` measures it.
    pub async fn visit_tie_bytes(
        &self,
        mut visit: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT low || ':' || high, tie::text FROM ties {TIES_IN_ORDER}");
        self.each_row_in_snapshot(&sql, &[], |row| {
            let pair: &str = row.get(0);
            let tie: &str = row.get(1);
            visit(pair.as_bytes(), tie.as_bytes());
            Ok::<_, StoreError>(())
        })
        .await
    }

    /// The ties of `rows` (`low`, `high`, `tie`), decoded.
    pub(super) fn ties_of_rows(&self, rows: &[Row]) -> Result<Vec<Tie>, StoreError> {
        rows.iter()
            .map(|row| {
                decoded(row, "tie", "ties", || {
                    format!(
                        "{} and {}",
                        row.get::<_, &str>("low"),
                        row.get::<_, &str>("high")
                    )
                })
            })
            .collect()
    }
}
