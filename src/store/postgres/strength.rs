//! The half-life the ties were folded with, and their rebuild: the sled
//! store's `strength`, for replicas.
//!
//! Each tie keeps its interactions' decayed sums (see
//! [`crate::domain::KindSums`]), which depend on the half-life. The `meta`
//! row `tie_half_life_days` records the one the ties were folded with
//! (days, a big-endian `f64`, as in sled's `meta` tree). A replica that
//! connects with another (a changed `rules.half_life_days`), or to a
//! database from before the record, folds every tie afresh from the log
//! with its own and records it, in one transaction under the log-writer
//! lock: the other replicas' writes wait until it commits, and their reads
//! see the old ties until then. A replica connecting meanwhile waits too,
//! then finds the ties folded as it wants them or folds them again.
//!
//! What every writer of the ties folds with is the recorded half-life,
//! read under the log-writer lock, not its own setting. So during a
//! rolling restart that changes the half-life, the replicas not yet
//! restarted fold their meetings as the rebuilt ties were folded, and no
//! tie mixes two half-lives; each of them warns, once, that its setting
//! differs from the ties'. Replicas that go on disagreeing fold the ties
//! again at every start of either, and each time the one that starts warns
//! with both values.

use super::super::interactions::{next_tie, pairs_of};
use super::super::{StoreError, meta, trees};
use super::keys::meta_name;
use super::{PgStore, decoded, json};
use crate::domain::{HalfLife, Interaction, PairKey, Tie};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use tokio_postgres::Transaction;
use tokio_postgres::types::{Json, Type};

/// How many ties a statement of a rebuild inserts: as many as an import
/// inserts records at a time.
const TIES_AT_ONCE: usize = 1_000;

/// The `meta` row of the half-life the ties were folded with.
fn half_life_row() -> &'static str {
    meta_name(meta::TIE_HALF_LIFE)
}

impl PgStore {
    /// Makes sure the ties were folded with this replica's half-life,
    /// folding them afresh from the log when they were folded with
    /// another, or when nothing says with which (see the module's doc).
    pub(super) async fn match_tie_half_life(&self) -> Result<(), StoreError> {
        let wanted = self.half_life;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        // Another replica's rebuild may take longer than `lock_timeout`:
        // wait for it, then find what it recorded.
        tx.batch_execute("SET LOCAL lock_timeout = 0")
            .await
            .map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        let recorded = self.recorded_half_life(&tx).await?;
        if recorded.map(HalfLife::in_days) == Some(wanted.in_days()) {
            return self.commit_tx(tx).await;
        }
        let started = std::time::Instant::now();
        let logged: bool = tx
            .query_one("SELECT EXISTS (SELECT 1 FROM interactions)", &[])
            .await
            .map_err(|e| self.failed(e))?
            .get(0);
        let ties = match logged {
            true => Some(self.fold_ties_afresh(&tx, wanted).await?),
            false => None,
        };
        self.record_half_life(&tx, wanted).await?;
        self.commit_tx(tx).await?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match (ties, recorded) {
            (Some(ties), Some(was)) => tracing::warn!(
                ties,
                half_life_days = wanted.in_days(),
                was_days = was.in_days(),
                elapsed_ms,
                "rebuilt the ties for this replica's rules.half_life_days; the replicas \
                 still running with the old one fold with this one from now on, and a \
                 replica that starts with the old one will rebuild them again: give every \
                 replica the same setting"
            ),
            (Some(ties), None) => tracing::info!(
                ties,
                half_life_days = wanted.in_days(),
                elapsed_ms,
                "rebuilt the ties: nothing said which half-life they were folded with"
            ),
            (None, _) => {}
        }
        Ok(())
    }

    /// The half-life a writer of the ties folds with within `tx`, whose
    /// caller holds the log-writer lock: the one the ties were folded
    /// with, or this replica's while nothing says (a database purged, or
    /// not yet reached by a build that records it).
    pub(super) async fn folding_half_life(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<HalfLife, StoreError> {
        let Some(recorded) = self.recorded_half_life(tx).await? else {
            return Ok(self.half_life);
        };
        let (own, used) = (self.half_life.in_days(), recorded.in_days());
        // The bits of the ties' half-life while it differs from this
        // replica's (never 0, as no positive number's are), else 0.
        let differing = if own == used { 0 } else { used.to_bits() };
        let before = self.half_life_differs.swap(differing, Ordering::Relaxed);
        if differing != 0 && before != differing {
            tracing::warn!(
                half_life_days = own,
                ties_half_life_days = used,
                "replicas disagree on rules.half_life_days: the ties were folded again with \
                 another than this replica's, by a replica that started since or an import, \
                 and this one folds its meetings with theirs until it restarts with the same"
            );
        }
        Ok(recorded)
    }

    /// Records, within `tx`, that the ties were folded with `half_life`.
    pub(super) async fn record_half_life(
        &self,
        tx: &Transaction<'_>,
        half_life: HalfLife,
    ) -> Result<(), StoreError> {
        let days = half_life.in_days().to_be_bytes();
        tx.execute_typed(
            "INSERT INTO meta (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            &[(&half_life_row(), Type::TEXT), (&&days[..], Type::BYTEA)],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// The half-life the ties were folded with, if `meta` says.
    async fn recorded_half_life(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<Option<HalfLife>, StoreError> {
        let rows = tx
            .query_typed(
                "SELECT value FROM meta WHERE name = $1",
                &[(&half_life_row(), Type::TEXT)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let bytes: &[u8] = row.get(0);
        <[u8; 8]>::try_from(bytes)
            .ok()
            .and_then(|days| HalfLife::try_from(f64::from_be_bytes(days)).ok())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt {
                tree: trees::META,
                key: half_life_row().to_owned(),
                detail: "not a positive 8-byte number of days".into(),
            })
    }

    /// Replaces every tie with the fold of its pair's interactions in log
    /// order with `half_life`, within `tx`, whose caller holds the
    /// log-writer lock; how many ties there are. The ties are held in
    /// memory meanwhile, the log read a page at a time.
    pub(super) async fn fold_ties_afresh(
        &self,
        tx: &Transaction<'_>,
        half_life: HalfLife,
    ) -> Result<usize, StoreError> {
        let mut ties: BTreeMap<PairKey, Tie> = BTreeMap::new();
        let sql = "SELECT id, interaction FROM interactions ORDER BY id";
        self.each_row(tx, sql, &[], |row| {
            let id: i64 = row.get("id");
            let interaction: Interaction =
                decoded(row, "interaction", "interactions", || id.to_string())?;
            for pair in pairs_of(&interaction) {
                let known = ties.remove(&pair);
                let tie = next_tie(known, &pair, &interaction, half_life);
                ties.insert(pair, tie);
            }
            Ok::<_, StoreError>(())
        })
        .await?;
        // Every pair in the log has a tie, and every tie a pair in the log
        // (a forget removes both): the fold replaces every row. A DELETE,
        // not a TRUNCATE, which would keep every reader waiting meanwhile.
        tx.execute("DELETE FROM ties", &[])
            .await
            .map_err(|e| self.failed(e))?;
        let ties: Vec<Tie> = ties.into_values().collect();
        for chunk in ties.chunks(TIES_AT_ONCE) {
            let lows: Vec<&str> = chunk.iter().map(|t| t.pair.low().as_str()).collect();
            let highs: Vec<&str> = chunk.iter().map(|t| t.pair.high().as_str()).collect();
            let values: Vec<Json<&Tie>> = chunk.iter().map(json).collect();
            tx.execute_typed(
                "INSERT INTO ties (low, high, tie) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])",
                &[
                    (&lows, Type::TEXT_ARRAY),
                    (&highs, Type::TEXT_ARRAY),
                    (&values, Type::JSONB_ARRAY),
                ],
            )
            .await
            .map_err(|e| self.failed(e))?;
        }
        Ok(ties.len())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{HalfLife, Interaction, Weights};
    use crate::store::fixtures::{at_minute, meeting, pg_cluster};
    use crate::store::postgres::PgStore;
    use crate::store::{Replacing, SledStore, StoreOptions};

    /// Meetings over four months, of three pairs, the first pair's last.
    fn four_months() -> Vec<Interaction> {
        let at_day = |day: i64| at_minute(day * 24 * 60);
        vec![
            meeting(at_day(0), &["U1", "U2"], None),
            meeting(at_day(45), &["U1", "U2", "U3"], Some("roadmap")),
            meeting(at_day(90), &["U1", "U2"], None),
            meeting(at_day(60), &["U2", "U3"], None),
        ]
    }

    /// What `log` folds into from scratch with `half_life`, in sled.
    fn ties_from_scratch(log: &[Interaction], half_life: HalfLife) -> Vec<crate::domain::Tie> {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            half_life,
            ..StoreOptions::default()
        };
        let sled = SledStore::open(dir.path(), &options).unwrap();
        sled.log_interactions(log).unwrap();
        sled.ties().unwrap()
    }

    #[tokio::test]
    async fn a_replica_with_a_new_half_life_rebuilds_the_ties_from_the_log() {
        let Some(cluster) = pg_cluster() else { return };
        let url = cluster.create_database().unwrap();
        let log = four_months();
        {
            let old = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
            old.log_interactions(&log).await.unwrap();
            assert_eq!(
                old.ties().await.unwrap(),
                ties_from_scratch(&log, HalfLife::DEFAULT)
            );
        }
        let faster = HalfLife::try_from(45.0).unwrap();
        let new = PgStore::connect(&url, faster).await.unwrap();
        let ties = new.ties().await.unwrap();
        assert_eq!(ties, ties_from_scratch(&log, faster));
        // U1 and U2 met on days 0, 45 and 90: at day 90, with 45 days,
        // 0.25 + 0.5 + 1.
        let first = &ties[0];
        assert!((first.strength_at_last(&Weights::default()) - 1.75).abs() < 1e-9);
        assert_eq!(first.count, 3);
        // `alliances migrate`, which knows no half-life, leaves them so.
        let migrated = PgStore::connect_to_migrate(&url).await.unwrap();
        assert_eq!(recorded(&migrated).await, Some(45.0));
        assert_eq!(migrated.ties().await.unwrap(), ties);
    }

    /// The half-life `store`'s database says the ties were folded with.
    async fn recorded(store: &PgStore) -> Option<f64> {
        let mut client = store.client().await.unwrap();
        let tx = client.transaction().await.unwrap();
        let recorded = store.recorded_half_life(&tx).await.unwrap();
        recorded.map(HalfLife::in_days)
    }

    #[tokio::test]
    async fn a_replica_not_yet_restarted_folds_with_the_half_life_the_ties_were_rebuilt_with() {
        let Some(cluster) = pg_cluster() else { return };
        let url = cluster.create_database().unwrap();
        let log = four_months();
        let old = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
        old.log_interactions(&log[..2]).await.unwrap();
        // A rolling restart to 45 days: one replica is restarted, the
        // other still runs with 90 and logs the rest.
        let faster = HalfLife::try_from(45.0).unwrap();
        let new = PgStore::connect(&url, faster).await.unwrap();
        assert_eq!(recorded(&new).await, Some(45.0));
        old.log_interactions(&log[2..3]).await.unwrap();
        new.log_interactions(&log[3..]).await.unwrap();
        assert_eq!(new.ties().await.unwrap(), ties_from_scratch(&log, faster));
        // The old one said so (once: the value it said is kept).
        let said = old
            .half_life_differs
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(said, 45.0_f64.to_bits());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replicas_starting_together_with_a_new_half_life_fold_the_ties_as_one_would() {
        let Some(cluster) = pg_cluster() else { return };
        let url = cluster.create_database().unwrap();
        let log = four_months();
        let old = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
        old.log_interactions(&log).await.unwrap();
        let faster = HalfLife::try_from(45.0).unwrap();
        let starting: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { PgStore::connect(&url, faster).await })
            })
            .collect();
        for replica in starting {
            let replica = replica.await.unwrap().unwrap();
            assert_eq!(
                replica.ties().await.unwrap(),
                ties_from_scratch(&log, faster)
            );
        }
    }

    #[tokio::test]
    async fn an_import_records_the_half_life_it_folded_the_ties_with() {
        let Some(cluster) = pg_cluster() else { return };
        let log = four_months();
        let source = PgStore::connect(&cluster.create_database().unwrap(), HalfLife::DEFAULT)
            .await
            .unwrap();
        source.log_interactions(&log).await.unwrap();
        let mut backup = Vec::new();
        source
            .export_backup(&mut backup, at_minute(0), |_| {
                std::ops::ControlFlow::Continue(())
            })
            .await
            .unwrap();
        let faster = HalfLife::try_from(45.0).unwrap();
        let url = cluster.create_database().unwrap();
        let copy = PgStore::connect(&url, faster).await.unwrap();
        copy.import_backup(backup.as_slice(), Replacing::EmptyOnly, |_| {})
            .await
            .unwrap();
        assert_eq!(recorded(&copy).await, Some(45.0));
        assert_eq!(copy.ties().await.unwrap(), ties_from_scratch(&log, faster));
        // After a purge nothing says, and the next replica records its own.
        copy.purge_everything().await.unwrap();
        assert_eq!(recorded(&copy).await, None);
        let next = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
        assert_eq!(recorded(&next).await, Some(90.0));
    }
}
