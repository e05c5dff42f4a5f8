//! `forget-me` on PostgreSQL: a person removed from every table that names
//! people, in one transaction under the log-writer lock, with their
//! tombstone (see the sled store's `forget`, whose rules this follows:
//! what goes, what is rewritten without them, what stays).
//!
//! One transaction: a crash, or a replica dying, leaves the person either
//! wholly there or wholly gone and marked as forgotten. What the
//! transaction deletes stays in the database's files until the rewrite
//! it asks for (see `erase`).

use super::super::forget::{Fate, circle_without, fate_of, reason_without};
use super::super::interactions::{next_tie, pairs_of};
use super::super::{Forgotten, StoreError};
use super::{PgStore, decoded, json};
use crate::domain::{
    Circle, CircleOutcome, Interaction, OutboxItem, Outgoing, PairKey, Person, SentNudge, Tie,
    UserId,
};
use deadpool_postgres::Transaction;
use std::collections::BTreeSet;

impl PgStore {
    /// Removes every trace of `id`, as the sled store's `forget_person`
    /// does, and leaves their tombstone. Forgetting someone unknown leaves
    /// only the tombstone; forgetting twice does nothing more.
    pub async fn forget_person(&self, id: &UserId) -> Result<Forgotten, StoreError> {
        // Drawn, if need be, before the transaction, which it would
        // otherwise wait on; read afresh, in case another replica's purge
        // or import changed it.
        self.hash_key_now().await?;
        let tombstone = self
            .tombstone_if_keyed(id)
            .await?
            .ok_or_else(|| self.corrupt_key())?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        self.lock_log(&tx).await?;
        let who = id.as_str();
        // Their record, locked first: a nudge to or about them that is
        // being recorded (with their record locked to share) commits
        // before this goes on, so the deletes below see it; one recorded
        // after waits, and finds them gone. With it, the records of those
        // who paused them, which `forget_in_pauses` rewrites: every
        // people row this changes, in id order, before any outbox row.
        // That is the order in which a record of something sent locks
        // them (see `mark_sent`): the people it names in id order, then
        // its outbox row. Were a pauser's row taken after the outbox, a
        // nudge to them being recorded, holding their row and waiting on
        // its outbox row, would close a circle, and the database would
        // abort one of the two: a recording aborted leaves its message
        // claimed and pending, and it is sent again.
        tx.execute(
            "SELECT 1 FROM people WHERE id = $1 OR person -> 'paused' ? $1 \
             ORDER BY id FOR UPDATE",
            &[&who],
        )
        .await
        .map_err(|e| self.failed(e))?;
        let mut forgotten = Forgotten {
            calendar_removed: self
                .exec(&tx, "DELETE FROM calendars WHERE owner = $1", who)
                .await?
                == 1,
            ..Forgotten::default()
        };
        let renoted = self.forget_in_log(&tx, id, &mut forgotten).await?;
        forgotten.ties_removed = self
            .exec(&tx, "DELETE FROM ties WHERE low = $1 OR high = $1", who)
            .await? as usize;
        self.refold(&tx, &renoted).await?;
        forgotten.nudges_removed = self
            .exec(
                &tx,
                "DELETE FROM nudges WHERE to_id = $1 OR about = $1",
                who,
            )
            .await? as usize;
        self.forget_in_reasons(&tx, id, &renoted).await?;
        forgotten.queued_removed = self.forget_in_outbox(&tx, id, &renoted).await?;
        forgotten.circles_left = self.forget_in_circles(&tx, id).await?;
        self.exec(&tx, "DELETE FROM people WHERE id = $1", who)
            .await?;
        self.forget_in_pauses(&tx, id).await?;
        self.exec(&tx, "DELETE FROM dm_channels WHERE person = $1", who)
            .await?;
        tx.execute(
            "INSERT INTO tombstones (hash) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&&tombstone[..]],
        )
        .await
        .map_err(|e| self.failed(e))?;
        // The keyed hashes of recent /met contents may hold theirs, and
        // cannot be found by person: all go, as in sled.
        tx.execute("DELETE FROM recent_logs", &[])
            .await
            .map_err(|e| self.failed(e))?;
        // The tables' files still hold what this deletes (see `erase`).
        self.ask_for_rewrite(&tx).await?;
        let _changing = self.changing_people();
        self.commit_tx(tx).await?;
        self.rewrite_wanted.notify_one();
        Ok(forgotten)
    }

    /// Runs `sql` with `id` as its one parameter; how many rows it changed.
    async fn exec(&self, tx: &Transaction<'_>, sql: &str, id: &str) -> Result<u64, StoreError> {
        tx.execute(sql, &[&id]).await.map_err(|e| self.failed(e))
    }

    /// Deletes or rewrites every interaction that involves `id`, lowers the
    /// count, and returns the pairs whose tie may hold a note now cleared.
    async fn forget_in_log(
        &self,
        tx: &Transaction<'_>,
        id: &UserId,
        forgotten: &mut Forgotten,
    ) -> Result<BTreeSet<PairKey>, StoreError> {
        let rows = tx
            .query(
                "SELECT id, interaction FROM interactions \
                 WHERE interaction -> 'participants' ? $1 OR interaction ->> 'logged_by' = $1 \
                 ORDER BY id FOR UPDATE",
                &[&id.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let mut renoted = BTreeSet::new();
        for row in &rows {
            let key: i64 = row.get("id");
            let interaction: Interaction =
                decoded(row, "interaction", "interactions", || key.to_string())?;
            match fate_of(interaction, id) {
                Fate::Removed => {
                    tx.execute("DELETE FROM interactions WHERE id = $1", &[&key])
                        .await
                        .map_err(|e| self.failed(e))?;
                    forgotten.interactions_removed += 1;
                }
                Fate::Rewritten {
                    interaction,
                    note_cleared,
                } => {
                    tx.execute(
                        "UPDATE interactions SET interaction = $2 WHERE id = $1",
                        &[&key, &json(&interaction)],
                    )
                    .await
                    .map_err(|e| self.failed(e))?;
                    forgotten.interactions_rewritten += 1;
                    if note_cleared {
                        renoted.extend(pairs_of(&interaction));
                    }
                }
            }
        }
        let removed = forgotten.interactions_removed as i64;
        tx.execute(
            "UPDATE meta SET value = int8send(GREATEST( \
               ('x' || encode(value, 'hex'))::bit(64)::bigint - $1, 0)) \
             WHERE name = 'interaction_count' AND length(value) = 8",
            &[&removed],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(renoted)
    }

    /// Folds the ties of `pairs` afresh from the log as it now stands,
    /// with the half-life the ties were folded with.
    async fn refold(
        &self,
        tx: &Transaction<'_>,
        pairs: &BTreeSet<PairKey>,
    ) -> Result<(), StoreError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let half_life = self.folding_half_life(tx).await?;
        for pair in pairs {
            let both = [pair.low().as_str(), pair.high().as_str()];
            let rows = tx
                .query(
                    "SELECT id, interaction FROM interactions \
                     WHERE interaction -> 'participants' ?& $1 ORDER BY id",
                    &[&&both[..]],
                )
                .await
                .map_err(|e| self.failed(e))?;
            let mut tie: Option<Tie> = None;
            for row in &rows {
                let key: i64 = row.get("id");
                let interaction: Interaction =
                    decoded(row, "interaction", "interactions", || key.to_string())?;
                tie = Some(next_tie(tie, pair, &interaction, half_life));
            }
            if let Some(tie) = tie {
                tx.execute(
                    "UPDATE ties SET tie = $3 WHERE low = $1 AND high = $2",
                    &[&both[0], &both[1], &json(&tie)],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
        }
        Ok(())
    }

    /// Takes `id` out of why nudges to others were sent (see
    /// `reason_without`): out of the introductions that name them as the
    /// shared contact, and the quotes of notes of the `renoted` pairs.
    async fn forget_in_reasons(
        &self,
        tx: &Transaction<'_>,
        id: &UserId,
        renoted: &BTreeSet<PairKey>,
    ) -> Result<(), StoreError> {
        let (lows, highs): (Vec<&str>, Vec<&str>) = renoted
            .iter()
            .map(|pair| (pair.low().as_str(), pair.high().as_str()))
            .unzip();
        let rows = tx
            .query(
                "SELECT at_ns, to_id, about, nudge FROM nudges \
                 WHERE strpos(nudge::text, $1) > 0 \
                    OR (to_id, about) IN (SELECT * FROM unnest($2::text[], $3::text[])) \
                    OR (about, to_id) IN (SELECT * FROM unnest($2::text[], $3::text[])) \
                 FOR UPDATE",
                &[&id.as_str(), &lows, &highs],
            )
            .await
            .map_err(|e| self.failed(e))?;
        for row in &rows {
            let mut sent: SentNudge = decoded(row, "nudge", "nudges", || {
                format!(
                    "to {} about {}",
                    row.get::<_, &str>("to_id"),
                    row.get::<_, &str>("about")
                )
            })?;
            let pair = PairKey::new(&sent.to, &sent.about);
            if let Some(reason) = &mut sent.reason
                && reason_without(reason, id, pair, renoted)
            {
                tx.execute(
                    "UPDATE nudges SET nudge = $4 WHERE at_ns = $1 AND to_id = $2 AND about = $3",
                    &[
                        &row.get::<_, i64>("at_ns"),
                        &row.get::<_, &str>("to_id"),
                        &row.get::<_, &str>("about"),
                        &json(&sent),
                    ],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
        }
        Ok(())
    }

    /// Removes the queued messages that name `id`, and takes them out of
    /// why the nudges to others were planned (see `reason_without`); how
    /// many were removed.
    async fn forget_in_outbox(
        &self,
        tx: &Transaction<'_>,
        id: &UserId,
        renoted: &BTreeSet<PairKey>,
    ) -> Result<usize, StoreError> {
        let rows = tx
            .query("SELECT id, item FROM outbox FOR UPDATE", &[])
            .await
            .map_err(|e| self.failed(e))?;
        let mut naming = Vec::new();
        for row in &rows {
            let key: i64 = row.get("id");
            let mut item: OutboxItem = decoded(row, "item", "outbox", || key.to_string())?;
            if item.outgoing.names(id) {
                naming.push(key);
            } else if let Outgoing::Nudge(nudge) = &mut item.outgoing
                && reason_without(
                    &mut nudge.reason,
                    id,
                    PairKey::new(&nudge.to, &nudge.about),
                    renoted,
                )
            {
                tx.execute(
                    "UPDATE outbox SET item = $2 WHERE id = $1",
                    &[&key, &json(&item)],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
        }
        tx.execute("DELETE FROM outbox WHERE id = ANY($1)", &[&naming])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(naming.len())
    }

    /// Takes `id` out of every circle and off every answer they gave; how
    /// many circles they were in.
    async fn forget_in_circles(
        &self,
        tx: &Transaction<'_>,
        id: &UserId,
    ) -> Result<usize, StoreError> {
        let rows = tx
            .query("SELECT round, place, circle FROM circles FOR UPDATE", &[])
            .await
            .map_err(|e| self.failed(e))?;
        let mut left = 0;
        for row in &rows {
            let (round, place): (i32, i32) = (row.get("round"), row.get("place"));
            let circle: Circle = decoded(row, "circle", "circles", || {
                format!("circle {round}-{place}")
            })?;
            let member = circle.has_member(id);
            if !member && circle.outcome.as_ref().and_then(CircleOutcome::by) != Some(id) {
                continue;
            }
            left += usize::from(member);
            match circle_without(circle, id) {
                Some(kept) => {
                    tx.execute(
                        "UPDATE circles SET circle = $3 WHERE round = $1 AND place = $2",
                        &[&round, &place, &json(&kept)],
                    )
                    .await
                }
                None => {
                    tx.execute(
                        "DELETE FROM circles WHERE round = $1 AND place = $2",
                        &[&round, &place],
                    )
                    .await
                }
            }
            .map_err(|e| self.failed(e))?;
        }
        Ok(left)
    }

    /// Takes `id` out of everyone's paused set. Their records were locked
    /// at the start, before the outbox (see `forget_person`).
    async fn forget_in_pauses(&self, tx: &Transaction<'_>, id: &UserId) -> Result<(), StoreError> {
        let rows = tx
            .query(
                "SELECT id, person FROM people WHERE person -> 'paused' ? $1 FOR UPDATE",
                &[&id.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        for row in &rows {
            let key: String = row.get("id");
            let mut person: Person = decoded(row, "person", "people", || key.clone())?;
            if person.paused.remove(id) {
                tx.execute(
                    "UPDATE people SET person = $2 WHERE id = $1",
                    &[&key, &json(&person)],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
        }
        Ok(())
    }
}
