//! The `interactions`, `ties` and `logged_keys` tables: the log, the tie
//! of each pair folded from it, and the once-keys, written together.
//!
//! Every write is one transaction that first takes the log-writer lock
//! ([`LOG_WRITER`]), draws the ids of its interactions in order, folds
//! them into the ties it touches in memory (each tie read once, and
//! folded with the half-life recorded for the ties, see `strength`), and
//! writes the interactions, the keys, the ties and the count in a few
//! statements, whatever the batch's size. The result is what the sled
//! store's writes give: the same ties, the same new-tie reports, a key
//! logged once however often it comes.

use super::super::interactions::{BULK_CHUNK, next_tie, pairs_of};
use super::super::{Logged, StoreError};
use super::{LOG_WRITER, PgStore, decoded, json};
use crate::domain::{Interaction, PairKey, Tie, UserId};
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::collections::btree_map::Entry::{Occupied, Vacant};
use tokio_postgres::Transaction;
use tokio_postgres::types::{Json, Type};

/// The `meta` row of the interaction count.
const INTERACTION_COUNT: &str = "interaction_count";

impl PgStore {
    /// Appends `interaction` to the log and updates the tie of each pair
    /// in it, atomically (see [`SledStore::log_interaction`]). Committed
    /// when it returns.
    ///
    /// [`SledStore::log_interaction`]: crate::store::SledStore::log_interaction
    pub async fn log_interaction(&self, interaction: &Interaction) -> Result<Logged, StoreError> {
        let mut logged = self.append(&[(None, interaction)]).await?;
        logged
            .pop()
            .flatten()
            .ok_or_else(|| self.lost("an interaction"))
    }

    /// Logs `interaction` unless `key` was logged before: then nothing is
    /// written and the answer is `None`.
    pub async fn log_interaction_once(
        &self,
        key: &str,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let mut logged = self.append(&[(Some(key), interaction)]).await?;
        logged.pop().ok_or_else(|| self.lost("an interaction"))
    }

    /// Logs `batch` in order, in transactions of many; how many.
    pub async fn log_interactions(&self, batch: &[Interaction]) -> Result<usize, StoreError> {
        let mut logged = 0;
        for chunk in batch.chunks(BULK_CHUNK) {
            let entries: Vec<Entry<'_>> = chunk.iter().map(|i| (None, i)).collect();
            logged += self.append(&entries).await?.len();
        }
        Ok(logged)
    }

    /// Logs each of `batch` under its key unless the key was logged
    /// before, in order, in transactions of many; how many were new.
    pub async fn log_interactions_once(
        &self,
        batch: &[(&str, &Interaction)],
    ) -> Result<usize, StoreError> {
        let mut new = 0;
        for chunk in batch.chunks(BULK_CHUNK) {
            let entries: Vec<Entry<'_>> = chunk.iter().map(|&(k, i)| (Some(k), i)).collect();
            new += self.append(&entries).await?.iter().flatten().count();
        }
        Ok(new)
    }

    /// The whole log with ids, in log order.
    pub async fn interactions(&self) -> Result<Vec<(u64, Interaction)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id, interaction FROM interactions ORDER BY id", &[])
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id");
                let interaction = decoded(row, "interaction", "interactions", || id.to_string())?;
                Ok((id as u64, interaction))
            })
            .collect()
    }

    /// How many interactions are logged, without a scan.
    pub async fn interaction_count(&self) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT value FROM meta WHERE name = $1",
                &[&INTERACTION_COUNT],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.map_or(0, |row| count_of(row.get("value"))))
    }

    /// The tie of `pair`, if the two ever met.
    pub async fn tie(&self, pair: &PairKey) -> Result<Option<Tie>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT tie FROM ties WHERE low = $1 AND high = $2",
                &[&pair.low().as_str(), &pair.high().as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "tie", "ties", || describe(pair)))
            .transpose()
    }

    /// Every tie, in pair order.
    pub async fn ties(&self) -> Result<Vec<Tie>, StoreError> {
        self.ties_where("TRUE", None).await
    }

    /// The ties of `id`, in pair order.
    pub async fn ties_of(&self, id: &UserId) -> Result<Vec<Tie>, StoreError> {
        self.ties_where("low = $1 OR high = $1", Some(id.as_str()))
            .await
    }

    async fn ties_where(&self, filter: &str, id: Option<&str>) -> Result<Vec<Tie>, StoreError> {
        let client = self.client().await?;
        // `COLLATE "C"`: pairs sort as their ids' bytes, as sled's keys do.
        let sql = format!(
            "SELECT low, high, tie FROM ties WHERE {filter} \
             ORDER BY low COLLATE \"C\", high COLLATE \"C\""
        );
        let rows = match id {
            Some(id) => client.query(&sql, &[&id]).await,
            None => client.query(&sql, &[]).await,
        }
        .map_err(|e| self.failed(e))?;
        self.ties_of_rows(&rows)
    }

    /// Logs `interaction` once under `key`, as
    /// [`PgStore::log_interaction_once`] does, and returns once it is
    /// committed. With a `content`, it is also a repeat (`None`) when the
    /// same content was logged within [`KEEP_RECENT_FOR`](super::super::KEEP_RECENT_FOR), by any replica:
    /// the content is kept as a once-key of the kind `recent`, a keyed
    /// hash, and pruned with the deliveries.
    pub async fn log_once_and_commit(
        &self,
        key: &str,
        content: Option<&str>,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        let recent = match content {
            Some(content) => Some(self.once_keys().await?.key("recent", &[content.as_bytes()])),
            None => None,
        };
        match &self.group_commit {
            Some(queue) => {
                self.log_through_group_commit(queue, key, recent, interaction)
                    .await
            }
            // The writer's own handle: the same transaction, alone.
            None => self.log_alone(key, recent, interaction).await,
        }
    }

    /// Logs `entries` in order in one transaction of their own.
    async fn append(&self, entries: &[Entry<'_>]) -> Result<Vec<Option<Logged>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        let logged = self.append_in(&tx, entries).await?;
        self.commit_tx(tx).await?;
        self.learn_team_ties(&logged).await;
        Ok(logged)
    }

    /// Takes the log-writer lock until `tx` ends.
    pub(super) async fn lock_log(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        tx.execute_typed(
            "SELECT pg_advisory_xact_lock($1)",
            &[(&LOG_WRITER, Type::INT8)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Logs `entries` in order within `tx`, whose caller holds the
    /// log-writer lock: each interaction, unless its key was logged before
    /// or earlier in `entries` (then `None`).
    async fn append_in(
        &self,
        tx: &Transaction<'_>,
        entries: &[Entry<'_>],
    ) -> Result<Vec<Option<Logged>>, StoreError> {
        let fresh = self.fresh(tx, entries).await?;
        let to_append: Vec<Entry<'_>> = entries
            .iter()
            .zip(&fresh)
            .filter(|(_, is)| **is)
            .map(|(entry, _)| *entry)
            .collect();
        let mut logged = self.append_fresh(tx, &to_append).await?.into_iter();
        Ok(fresh
            .iter()
            .map(|is| if *is { logged.next() } else { None })
            .collect())
    }

    /// Logs every one of `entries` in order within `tx`, whose caller
    /// holds the log-writer lock and has found them [fresh](Self::fresh).
    pub(super) async fn append_fresh(
        &self,
        tx: &Transaction<'_>,
        entries: &[Entry<'_>],
    ) -> Result<Vec<Logged>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        // Both asked at once, in one round trip under the lock.
        let (ids, half_life) =
            tokio::try_join!(self.draw_ids(tx, entries.len()), self.folding_half_life(tx))?;
        let to_log: Vec<(i64, &Entry<'_>)> = ids.iter().copied().zip(entries).collect();
        let mut touched = self.ties_touched(tx, &to_log).await?;
        let mut logged = Vec::with_capacity(to_log.len());
        for (id, (_, interaction)) in &to_log {
            let mut new_ties = Vec::new();
            for pair in pairs_of(interaction) {
                match touched.entry(pair) {
                    Occupied(mut slot) => {
                        let known = slot.get_mut().0.take();
                        if known.is_none() {
                            new_ties.push(slot.key().clone());
                        }
                        let tie = next_tie(known, slot.key(), interaction, half_life);
                        *slot.get_mut() = (Some(tie), true);
                    }
                    Vacant(slot) => {
                        new_ties.push(slot.key().clone());
                        let tie = next_tie(None, slot.key(), interaction, half_life);
                        slot.insert((Some(tie), true));
                    }
                }
            }
            logged.push(Logged {
                id: *id as u64,
                new_ties,
            });
        }
        self.write(tx, &to_log, &touched).await?;
        Ok(logged)
    }

    /// The ids of `count` interactions to log, in order, drawn within
    /// `tx`, whose caller holds the log-writer lock.
    async fn draw_ids(&self, tx: &Transaction<'_>, count: usize) -> Result<Vec<i64>, StoreError> {
        let rows = tx
            .query_typed(
                "SELECT nextval('interaction_ids') FROM generate_series(1, $1::int) ORDER BY 1",
                &[(&(count as i32), Type::INT4)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Which of `entries` are to be logged: those without a key, and
    /// those whose key is neither logged nor earlier in `entries`.
    pub(super) async fn fresh(
        &self,
        tx: &Transaction<'_>,
        entries: &[Entry<'_>],
    ) -> Result<Vec<bool>, StoreError> {
        let keys: Vec<&str> = entries.iter().filter_map(|(key, _)| *key).collect();
        let logged: HashSet<String> = if keys.is_empty() {
            HashSet::new()
        } else {
            tx.query_typed(
                "SELECT key FROM logged_keys WHERE key = ANY($1)",
                &[(&keys, Type::TEXT_ARRAY)],
            )
            .await
            .map_err(|e| self.failed(e))?
            .iter()
            .map(|row| row.get(0))
            .collect()
        };
        let mut seen: HashSet<&str> = HashSet::new();
        Ok(entries
            .iter()
            .map(|(key, _)| match key {
                Some(key) => seen.insert(key) && !logged.contains(*key),
                None => true,
            })
            .collect())
    }

    /// The ties of every pair in `to_log` that is on record, as they are
    /// before it; `(tie, false)`: read, not yet changed.
    async fn ties_touched(
        &self,
        tx: &Transaction<'_>,
        to_log: &[(i64, &Entry<'_>)],
    ) -> Result<BTreeMap<PairKey, (Option<Tie>, bool)>, StoreError> {
        let pairs: std::collections::BTreeSet<PairKey> = to_log
            .iter()
            .flat_map(|(_, (_, interaction))| pairs_of(interaction))
            .collect();
        let lows: Vec<&str> = pairs.iter().map(|p| p.low().as_str()).collect();
        let highs: Vec<&str> = pairs.iter().map(|p| p.high().as_str()).collect();
        let rows = tx
            .query_typed(
                "SELECT t.low, t.high, t.tie FROM ties t \
                 JOIN unnest($1::text[], $2::text[]) AS p(low, high) \
                 ON t.low = p.low AND t.high = p.high",
                &[(&lows, Type::TEXT_ARRAY), (&highs, Type::TEXT_ARRAY)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let mut touched = BTreeMap::new();
        for row in &rows {
            let tie: Tie = decoded(row, "tie", "ties", || {
                format!(
                    "{} and {}",
                    row.get::<_, &str>("low"),
                    row.get::<_, &str>("high")
                )
            })?;
            touched.insert(tie.pair.clone(), (Some(tie), false));
        }
        Ok(touched)
    }

    /// Writes the interactions of `to_log`, their keys, the ties changed
    /// and the new count.
    async fn write(
        &self,
        tx: &Transaction<'_>,
        to_log: &[(i64, &Entry<'_>)],
        touched: &BTreeMap<PairKey, (Option<Tie>, bool)>,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = to_log.iter().map(|(id, _)| *id).collect();
        let ats: Vec<_> = to_log.iter().map(|(_, (_, i))| i.at).collect();
        let values: Vec<Json<&Interaction>> = to_log.iter().map(|(_, (_, i))| json(*i)).collect();
        tx.execute_typed(
            "INSERT INTO interactions (id, at, interaction) \
             SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::jsonb[])",
            &[
                (&ids, Type::INT8_ARRAY),
                (&ats, Type::TIMESTAMPTZ_ARRAY),
                (&values, Type::JSONB_ARRAY),
            ],
        )
        .await
        .map_err(|e| self.failed(e))?;
        let (keys, key_ids): (Vec<&str>, Vec<i64>) = to_log
            .iter()
            .filter_map(|(id, (key, _))| key.map(|key| (key, *id)))
            .unzip();
        if !keys.is_empty() {
            tx.execute_typed(
                "INSERT INTO logged_keys (key, interaction) \
                 SELECT * FROM unnest($1::text[], $2::bigint[])",
                &[(&keys, Type::TEXT_ARRAY), (&key_ids, Type::INT8_ARRAY)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        }
        let changed: Vec<&Tie> = touched
            .values()
            .filter(|(_, changed)| *changed)
            .filter_map(|(tie, _)| tie.as_ref())
            .collect();
        let lows: Vec<&str> = changed.iter().map(|t| t.pair.low().as_str()).collect();
        let highs: Vec<&str> = changed.iter().map(|t| t.pair.high().as_str()).collect();
        let ties: Vec<Json<&Tie>> = changed.iter().map(|t| json(*t)).collect();
        tx.execute_typed(
            "INSERT INTO ties (low, high, tie) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) \
             ON CONFLICT (low, high) DO UPDATE SET tie = EXCLUDED.tie",
            &[
                (&lows, Type::TEXT_ARRAY),
                (&highs, Type::TEXT_ARRAY),
                (&ties, Type::JSONB_ARRAY),
            ],
        )
        .await
        .map_err(|e| self.failed(e))?;
        tx.execute_typed(
            "INSERT INTO meta (name, value) VALUES ($1, int8send($2)) \
             ON CONFLICT (name) DO UPDATE SET value = int8send(CASE \
               WHEN length(meta.value) = 8 \
               THEN ('x' || encode(meta.value, 'hex'))::bit(64)::bigint + $2 \
               ELSE $2 END)",
            &[
                (&INTERACTION_COUNT, Type::TEXT),
                (&(to_log.len() as i64), Type::INT8),
            ],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    pub(super) fn lost(&self, what: &str) -> StoreError {
        StoreError::Database {
            place: self.place.clone(),
            problem: format!("{what} was written but not reported back"),
        }
    }
}

/// One interaction of a write, with the key it is logged once under.
type Entry<'a> = (Option<&'a str>, &'a Interaction);

/// A big-endian count as `meta` keeps it (the sled store's encoding).
fn count_of(bytes: &[u8]) -> usize {
    bytes
        .try_into()
        .map(|bytes: [u8; 8]| u64::from_be_bytes(bytes) as usize)
        .unwrap_or(0)
}

/// A pair, readably, for errors.
fn describe(pair: &PairKey) -> String {
    format!("{} and {}", pair.low(), pair.high())
}
