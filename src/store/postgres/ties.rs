//! What the sled store answers from its in-memory indexes of the ties,
//! answered here by the database from the `ties` table and its indexes
//! (see the sled store's `tie_peers`), and the scans of the log. Which
//! teams are tied is in `team_ties`.

use super::super::StoreError;
use super::{PgStore, decoded};
use crate::domain::{Interaction, Tie, UserId};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;

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
