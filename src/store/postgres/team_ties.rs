//! Which teams each team is tied to, as a replica keeps the answers:
//! `/met` asks it of every meeting that forms a tie, to tell a first
//! bridge between two teams, and the database answers it by reading every
//! tie of the team's people.
//!
//! How the kept answers stay right enough to say "the first bridge ever":
//!
//! - an answer is kept for [`FRESH_FOR`]; a tie formed on another replica
//!   meanwhile may be called a first bridge once more (the digest counts
//!   from the log, not from this);
//! - the ties this replica forms are added to its answers as they commit,
//!   so its own meetings never make a bridge twice;
//! - ties between teams only grow while the people stay as they are, so
//!   an answer read while this replica formed more is the read joined
//!   with what it formed meanwhile;
//! - a change to the people (teams, a forget, a purge) forgets every
//!   answer, and an answer read before it is not kept;
//! - an answer grown old is read again by one request; the others answer
//!   from the old one until it lands. A burst's requests all reading it
//!   at once, each read outrun by the writes before it could be kept, made
//!   its slowest answers.

use super::super::{Logged, StoreError};
use super::PgStore;
use super::kept_people::Kept;
use crate::domain::{PairKey, TeamId};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How long a replica answers from its last read.
const FRESH_FOR: Duration = Duration::from_secs(10);

/// How long one request's read may take before another reads too: a read
/// cancelled with its request never says it ended; this bounds how long
/// that is waited for.
const ONE_READ_AT_MOST: Duration = Duration::from_secs(5);

/// The answers a replica keeps, shared by its handles.
pub(super) type TeamTies = std::sync::Arc<parking_lot::Mutex<KeptTeamTies>>;

/// The answers [`PgStore::teams_tied_to`] keeps.
#[derive(Default)]
pub(super) struct KeptTeamTies {
    /// Each team's tied teams, and when they were read.
    answers: HashMap<TeamId, (Instant, BTreeSet<TeamId>)>,
    /// The teams one request is reading, with what this replica learned of
    /// them meanwhile.
    reading: HashMap<TeamId, Reading>,
    /// Counts every forgetting: a read begun before one is not kept, or
    /// it would put back what the change took away.
    forgotten: u64,
}

/// One request's read of a team's tied teams.
struct Reading {
    since: Instant,
    /// The teams this replica tied to it while the read was under way.
    learned: BTreeSet<TeamId>,
}

impl PgStore {
    /// The teams that people of `team` have a tie with, by the teams
    /// people are in now (`team` itself if two of its people are tied),
    /// as this replica keeps them (see `team_ties`).
    pub async fn teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError> {
        let now = Instant::now();
        let (forgotten, mine) = {
            let mut kept = self.team_ties.lock();
            let another_reads = kept
                .reading
                .get(team)
                .is_some_and(|reading| now.duration_since(reading.since) < ONE_READ_AT_MOST);
            if let Some((at, tied)) = kept.answers.get(team)
                && (now.duration_since(*at) < FRESH_FOR || another_reads)
            {
                return Ok(tied.clone());
            }
            // With no answer yet, a request another is reading for reads
            // too, and keeps nothing.
            if !another_reads {
                let learned = BTreeSet::new();
                kept.reading.insert(
                    team.clone(),
                    Reading {
                        since: now,
                        learned,
                    },
                );
            }
            (kept.forgotten, !another_reads)
        };
        let read = self.read_teams_tied_to(team).await;
        let mut kept = self.team_ties.lock();
        let reading = match mine {
            true => kept.reading.remove_entry(team),
            false => None,
        };
        let mut tied = read?;
        // Unless another took the read over, thinking this one gone.
        if let Some((team, reading)) = reading.filter(|(_, r)| r.since == now) {
            tied.extend(reading.learned);
            if kept.forgotten == forgotten {
                kept.answers.insert(team, (now, tied.clone()));
            }
        }
        Ok(tied)
    }

    /// Adds what the ties this replica just formed and committed, `logged`,
    /// tell of which teams are tied to the answers it keeps and the reads
    /// under way. When the people cannot be read, the answers are
    /// forgotten instead: the write stands either way.
    pub(super) async fn learn_team_ties(&self, logged: &[Option<Logged>]) {
        if let Err(error) = self.add_team_ties(logged).await {
            tracing::warn!(%error, "could not note the teams newly tied; reading them again");
            self.forget_team_ties();
        }
    }

    async fn add_team_ties(&self, logged: &[Option<Logged>]) -> Result<(), StoreError> {
        let pairs: Vec<&PairKey> = logged.iter().flatten().flat_map(|l| &l.new_ties).collect();
        let nothing_kept = {
            let kept = self.team_ties.lock();
            kept.answers.is_empty() && kept.reading.is_empty()
        };
        if pairs.is_empty() || nothing_kept {
            return Ok(());
        }
        let team_of = self.teams_of(&pairs).await?;
        let mut kept = self.team_ties.lock();
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
                    if let Some(reading) = kept.reading.get_mut(team) {
                        reading.learned.insert(other.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// The teams of the people in `pairs`, by id: from the people this
    /// replica keeps, and the others' from the database.
    async fn teams_of(&self, pairs: &[&PairKey]) -> Result<HashMap<String, TeamId>, StoreError> {
        let mut team_of = HashMap::new();
        let mut unkept: Vec<&str> = Vec::new();
        for id in pairs.iter().flat_map(|pair| [pair.low(), pair.high()]) {
            match self.kept_people.kept(id) {
                Kept::Person(person) => {
                    team_of.extend(person.team.clone().map(|team| (id.to_string(), team)));
                }
                Kept::Missing { .. } => unkept.push(id.as_str()),
            }
        }
        if unkept.is_empty() {
            return Ok(team_of);
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, person->>'team' FROM people WHERE id = ANY($1)",
                &[&unkept],
            )
            .await
            .map_err(|e| self.failed(e))?;
        team_of.extend(rows.iter().filter_map(|row| {
            let team = TeamId::parse(row.get::<_, Option<&str>>(1)?).ok()?;
            Some((row.get(0), team))
        }));
        Ok(team_of)
    }

    /// Forgets every answer kept, and keeps none read before: people
    /// changed teams, or ties went.
    pub(super) fn forget_team_ties(&self) {
        let mut kept = self.team_ties.lock();
        kept.answers.clear();
        kept.forgotten += 1;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Person;
    use crate::store::fixtures::{at_minute, meeting, pg_store, user};

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    async fn ada_met_bob() -> Option<PgStore> {
        let pg = pg_store().await?;
        let person = |id: &str, name: &str| Person {
            team: Some(team(name)),
            ..Person::new(user(id), id)
        };
        pg.put_people(&[
            person("UADA", "Payments"),
            person("UBOB", "Search"),
            person("UCY", "Legal"),
        ])
        .await
        .unwrap();
        pg.log_once_and_commit("k1", None, &meeting(at_minute(1), &["UADA", "UBOB"], None))
            .await
            .unwrap();
        Some(pg)
    }

    /// Keeps `tied` as Payments' answer, read long ago, and a read of it
    /// under way since `reading_since`.
    fn keep_old(pg: &PgStore, tied: &[&str], reading_since: Option<Instant>) {
        let mut kept = pg.team_ties.lock();
        let long_ago = Instant::now() - FRESH_FOR - Duration::from_secs(1);
        let tied = tied.iter().map(|name| team(name)).collect();
        kept.answers.insert(team("Payments"), (long_ago, tied));
        kept.reading.clear();
        if let Some(since) = reading_since {
            let learned = BTreeSet::new();
            kept.reading
                .insert(team("Payments"), Reading { since, learned });
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_old_answer_is_read_again_by_one_request_while_the_others_use_it() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        // An answer from before Ada met Bob, grown old, which a request
        // began reading again a moment ago: the others answer from it.
        keep_old(&pg, &[], Some(Instant::now()));
        assert!(
            pg.teams_tied_to(&team("Payments"))
                .await
                .unwrap()
                .is_empty()
        );
        // A read begun too long ago is taken for cancelled: this request
        // reads, and keeps what it read.
        keep_old(&pg, &[], Some(Instant::now() - ONE_READ_AT_MOST));
        let tied: BTreeSet<TeamId> = [team("Search")].into();
        assert_eq!(pg.teams_tied_to(&team("Payments")).await.unwrap(), tied);
        let kept = pg.team_ties.lock();
        assert!(kept.reading.is_empty());
        assert_eq!(
            kept.answers.get(&team("Payments")).map(|(_, t)| t),
            Some(&tied)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tie_formed_here_during_a_read_joins_what_the_read_keeps() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        keep_old(&pg, &["Search"], None);
        // A read of Payments again, held up by a lock on the ties.
        let mut holder = pg.client().await.unwrap();
        let lock = holder.transaction().await.unwrap();
        lock.batch_execute("LOCK TABLE ties IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        let reading = {
            let pg = pg.clone();
            tokio::spawn(async move { pg.teams_tied_to(&team("Payments")).await })
        };
        while pg.team_ties.lock().reading.is_empty() {
            tokio::task::yield_now().await;
        }
        // Meanwhile this replica commits Ada's first meeting with Cy, of
        // Legal, and learns of it.
        let ada_cy = PairKey::new(&user("UADA"), &user("UCY")).unwrap();
        let logged = Logged {
            id: 2,
            new_ties: vec![ada_cy],
        };
        pg.learn_team_ties(&[Some(logged)]).await;
        lock.rollback().await.unwrap();
        // The read saw no such tie, but what it keeps and answers has it.
        let both: BTreeSet<TeamId> = [team("Legal"), team("Search")].into();
        assert_eq!(reading.await.unwrap().unwrap(), both);
        assert_eq!(pg.teams_tied_to(&team("Payments")).await.unwrap(), both);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_begun_before_the_people_changed_is_not_kept() {
        let Some(pg) = ada_met_bob().await else {
            return;
        };
        keep_old(&pg, &[], None);
        let forgotten = pg.team_ties.lock().forgotten;
        let payments = team("Payments");
        let read = pg.teams_tied_to(&payments);
        // The people change while the read is under way.
        let change = async {
            tokio::task::yield_now().await;
            pg.forget_team_ties();
        };
        let (read, ()) = tokio::join!(read, change);
        assert_eq!(read.unwrap(), [team("Search")].into());
        let kept = pg.team_ties.lock();
        assert_eq!(kept.forgotten, forgotten + 1);
        assert!(
            kept.answers.is_empty(),
            "a read from before the change was kept"
        );
    }
}
